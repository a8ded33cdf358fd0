"""Pieces shared by the architectures of chapters 11 and 12: argument checks, the
convolution-normalisation-activation unit, channel rounding and weight initialisation."""

from __future__ import annotations

import torch
from torch import nn

from .._validate import _describe, check_number


def check_sizes(num_classes, in_channels) -> tuple[int, int]:
    """Validate the two arguments every constructor takes; return them as ints."""
    num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
    in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
    return num_classes, in_channels


def check_counts(**sizes) -> list[int]:
    """Validate positive integer sizes given by name (channels, layers, ...); return them as ints."""
    return [check_number(value, name, low=1, integer=True) for name, value in sizes.items()]


def check_layers(layers, name: str) -> list[nn.Module]:
    """Validate a non-empty list (or tuple, or ``nn.Sequential``) of layers; return it as a list."""
    if not isinstance(layers, (list, tuple, nn.Sequential)):
        raise TypeError(f"{name} must be a list of torch.nn.Module layers; got {_describe(layers)}.")
    layers = list(layers)
    if not layers:
        raise ValueError(f"{name} is an empty list; it needs at least one layer.")
    for k, layer in enumerate(layers):
        if not isinstance(layer, nn.Module):
            raise TypeError(f"{name}[{k}] must be a torch.nn.Module layer; got {_describe(layer)}.")
    return layers


def check_batch(x, in_channels: int, network: str) -> None:
    """Refuse anything but a floating-point batch of shape (N, in_channels, H, W)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{network} expects a torch.Tensor of shape (N, C, H, W); got {type(x).__name__}.")
    if x.ndim != 4 or x.shape[1] != in_channels:
        raise ValueError(
            f"{network} expects a batch of shape (N, {in_channels}, H, W); got shape {tuple(x.shape)}."
            + (" Add a batch axis with x[None] or x.unsqueeze(0)." if x.ndim == 3 else "")
        )
    if not x.is_floating_point():
        raise TypeError(f"{network} expects floating-point images; got dtype {x.dtype}. Use x.float().")


class ConvNormActivation(nn.Sequential):
    """Convolution (no bias), batch normalisation, then an activation (or none).

    The unit every modern network is built from; it is an ``nn.Sequential`` whose
    children are named ``0`` (convolution), ``1`` (normalisation) and ``2``
    (activation), like torchvision's ``Conv2dNormActivation``, so checkpoints load.
    ``padding`` defaults to ``(kernel_size - 1) // 2`` ("same" for stride 1).
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, groups=1,
                 activation=nn.ReLU, eps=1e-5):
        layers = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_channels, eps=eps),
        ]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to the nearest multiple of ``divisor`` (at least ``divisor``),
    never dropping more than 10% below ``value``: the rule of the TensorFlow MobileNet and
    EfficientNet code that torchvision follows."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def initialise(model: nn.Module) -> None:
    """He initialisation for convolutions (He et al., 2015), ones and zeros for batch
    normalisation, small normal weights for linear layers; biases start at zero."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.01)
        if isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is not None:
            nn.init.zeros_(module.bias)
