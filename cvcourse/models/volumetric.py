"""Chapter 16's network for volumes: V-Net (Milletari, Navab and Ahmadi, 2016), small.

V-Net is a U-Net made of 3-D convolutions whose stages are residual: each stage's input is
added to the output of its convolutions, so a stage learns a correction to what it is given.
The contracting path halves the resolution with 2x2x2 convolutions of stride 2 (not pooling)
and doubles the channels; the expanding path doubles the resolution with 2x2x2 transposed
convolutions, concatenates the contracting path's features of the same resolution (the skip
connections) and runs a residual stage on them; a 1x1x1 convolution gives one score per
class and voxel.

Two departures from the paper make the small network train in seconds on a CPU: batch
normalisation after every convolution (the paper describes none; MONAI's ``VNet`` adds it
too), and 3x3x3 kernels by default (the paper's 5x5x5, which MONAI's ``VNet`` keeps, cost
(5/3)^3, about 4.6 times as much; ``kernel_size=5`` restores them).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validate import _describe, as_array, check_callable, check_number
from ._common import check_counts, check_sizes

__all__ = ["ResidualStage3d", "VNet", "train_vnet", "segment_volumes"]


def _conv_unit(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """3-D convolution ("same" padding), batch normalisation, PReLU: V-Net's unit."""
    return nn.Sequential(nn.Conv3d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm3d(out_channels), nn.PReLU(out_channels))


class ResidualStage3d(nn.Module):
    """A V-Net stage: ``convolutions`` conv-norm-PReLU units, plus the stage's input.

    y = PReLU(F(x) + shortcut(x)), where F is the units and the shortcut the identity, or a
    1x1x1 convolution where the channel counts differ (after a skip connection's
    concatenation, or on the input volume).

    Parameters
    ----------
    in_channels, out_channels : int >= 1
    convolutions : int >= 1
        The paper uses 1 in the first stage, 2 in the second and 3 below.
    kernel_size : odd int >= 1
    """

    def __init__(self, in_channels, out_channels, convolutions=2, kernel_size=3):
        super().__init__()
        in_channels, out_channels, convolutions = check_counts(
            in_channels=in_channels, out_channels=out_channels, convolutions=convolutions)
        kernel_size = _check_kernel(kernel_size)
        widths = [in_channels] + [out_channels] * convolutions
        self.units = nn.Sequential(*[_conv_unit(a, b, kernel_size) for a, b in zip(widths[:-1], widths[1:])])
        self.shortcut = (nn.Identity() if in_channels == out_channels
                         else nn.Conv3d(in_channels, out_channels, 1, bias=False))
        self.activation = nn.PReLU(out_channels)

    def forward(self, x):
        return self.activation(self.units(x) + self.shortcut(x))


def _check_kernel(kernel_size) -> int:
    kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd, so that 'same' padding keeps the size; got {kernel_size}.")
    return kernel_size


class VNet(nn.Module):
    """A small V-Net for volumes of shape (N, in_channels, D, H, W).

    Parameters
    ----------
    in_channels : int >= 1
        Channels of the volume (1 for CT or one MRI sequence).
    num_classes : int >= 1
        Scores per voxel; apply softmax over axis 1 for probabilities.
    depth : int >= 1
        Downsampling steps; D, H and W must be divisible by ``2 ** depth``.
    width : int >= 1
        Channels of the first stage; each step down doubles them (the paper: depth 4, width 16).
    kernel_size : odd int
        3 by default; the paper's 5 costs about 4.6 times as much.

    Examples
    --------
    >>> model = VNet(in_channels=1, num_classes=2, depth=2, width=4)
    >>> model(torch.zeros(1, 1, 16, 16, 16)).shape
    torch.Size([1, 2, 16, 16, 16])
    """

    def __init__(self, in_channels=1, num_classes=2, depth=3, width=8, kernel_size=3):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        depth, width = check_counts(depth=depth, width=width)
        kernel_size = _check_kernel(kernel_size)
        self.in_channels, self.depth = in_channels, depth
        channels = [width * 2 ** level for level in range(depth + 1)]
        self.stages = nn.ModuleList([ResidualStage3d(in_channels, width, 1, kernel_size)])
        self.downs = nn.ModuleList()
        for level in range(1, depth + 1):
            self.downs.append(nn.Sequential(nn.Conv3d(channels[level - 1], channels[level], 2, stride=2, bias=False),
                                            nn.BatchNorm3d(channels[level]), nn.PReLU(channels[level])))
            self.stages.append(ResidualStage3d(channels[level], channels[level], min(level + 1, 3), kernel_size))
        self.ups, self.up_stages = nn.ModuleList(), nn.ModuleList()
        for level in range(depth, 0, -1):
            self.ups.append(nn.Sequential(
                nn.ConvTranspose3d(channels[level], channels[level - 1], 2, stride=2, bias=False),
                nn.BatchNorm3d(channels[level - 1]), nn.PReLU(channels[level - 1])))
            self.up_stages.append(ResidualStage3d(2 * channels[level - 1], channels[level - 1],
                                                  min(level + 1, 3), kernel_size))
        self.head = nn.Conv3d(width, num_classes, 1)

    def forward(self, x):
        self._check_input(x)
        skips = [self.stages[0](x)]
        for down, stage in zip(self.downs, self.stages[1:]):
            skips.append(stage(down(skips[-1])))
        x = skips.pop()
        for up, stage in zip(self.ups, self.up_stages):
            x = stage(torch.cat([up(x), skips.pop()], dim=1))
        return self.head(x)

    def _check_input(self, x) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"VNet expects a torch.Tensor of shape (N, C, D, H, W); got {_describe(x)}.")
        if x.ndim != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f"VNet expects a batch of shape (N, {self.in_channels}, D, H, W); got shape "
                             f"{tuple(x.shape)}." + (" Add a batch axis with x[None]." if x.ndim == 4 else ""))
        step = 2 ** self.depth
        if any(side % step for side in x.shape[2:]):
            raise ValueError(f"VNet of depth {self.depth} needs D, H and W divisible by {step}; "
                             f"got {tuple(x.shape[2:])}.")
        if not x.is_floating_point():
            raise TypeError(f"VNet expects floating-point volumes; got dtype {x.dtype}. Use x.float().")


def _volume_batch(volumes, name: str = "volumes") -> np.ndarray:
    volumes = as_array(volumes, name)
    if volumes.ndim != 4 or volumes.size == 0:
        raise ValueError(f"{name} must be a batch of volumes, shape (N, D, H, W); got shape {volumes.shape}.")
    if not np.isfinite(volumes).all():
        raise ValueError(f"{name} must hold finite numbers; found NaN or infinity.")
    return volumes


def train_vnet(volumes, labels, loss_fn, *, epochs=8, batch_size=4, learning_rate=0.02, depth=2, width=4,
               seed=0, device=None, progress=True):
    """Train a fresh :class:`VNet` to segment volumes; return it with its loss per epoch.

    Adam with a one-cycle learning rate (rising to ``learning_rate`` and falling back over
    ``epochs`` epochs), through :func:`cvcourse.detection.networks.fit_model`, the course's
    loop for targets that are not one label per example.

    Parameters
    ----------
    volumes : array_like, shape (N, D, H, W)
        One-channel volumes; D, H and W divisible by ``2 ** depth``.
    labels : array_like of int, shape (N, D, H, W)
        The class of every voxel; the network gets ``labels.max() + 1`` classes (at least 2).
    loss_fn : callable
        ``loss_fn(scores, labels)`` with scores (B, C, D, H, W) and labels (B, D, H, W),
        e.g. ``torch.nn.CrossEntropyLoss()`` or ``cvcourse.metrics.dice_loss``.
    epochs, batch_size : int >= 1
    learning_rate : float > 0
    depth, width : int >= 1
        The :class:`VNet`'s.
    seed : int >= 0
        Seeds the weights and the order of the batches.
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.
    progress : bool

    Returns
    -------
    model : VNet
        In evaluation mode, on ``device``.
    losses : list of float
        The mean training loss of every epoch.
    """
    from ..detection.networks import fit_model
    from ..train import seed_everything

    volumes = _volume_batch(volumes)
    labels = as_array(labels, "labels")
    if labels.shape != volumes.shape or labels.dtype.kind not in "biu":
        raise ValueError(f"labels must be integer class labels of the volumes' shape {volumes.shape}; "
                         f"got shape {labels.shape} and dtype {labels.dtype}.")
    check_callable(loss_fn, "loss_fn", "a loss function of (scores, labels)")
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False, finite=True)
    seed_everything(check_number(seed, "seed", low=0, integer=True))
    model = VNet(1, max(int(labels.max()) + 1, 2), depth, width)
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(volumes[:, None], dtype=torch.float32),
                                             torch.as_tensor(labels, dtype=torch.int64))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, learning_rate, total_steps=epochs)
    losses = fit_model(model, loader, loss_fn, epochs, optimizer, device=device, scheduler=scheduler,
                       progress=progress)
    return model.eval(), losses


def segment_volumes(model, volumes, batch_size=8):
    """The most likely class of every voxel, from a trained segmentation network.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (B, 1, D, H, W) volumes to (B, C, D, H, W) scores; run in evaluation mode on
        the device its parameters are on.
    volumes : array_like, shape (N, D, H, W)
    batch_size : int >= 1

    Returns
    -------
    numpy.ndarray of int64, shape (N, D, H, W)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_describe(model)}.")
    volumes = _volume_batch(volumes)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        labels = [model(torch.as_tensor(volumes[k:k + batch_size, None], dtype=torch.float32, device=device))
                  .argmax(dim=1).cpu().numpy() for k in range(0, len(volumes), batch_size)]
    model.train(was_training)
    return np.concatenate(labels)
