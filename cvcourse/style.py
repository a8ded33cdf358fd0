"""Neural style transfer (chapter 19): Gatys, Ecker and Bethge (2016), in PyTorch.

The costs follow the paper's normalisation, stated once here and in the chapter. For feature
maps ``F`` of one layer with ``N`` channels and ``M = H * W`` positions (each channel a row of
``F``, shape ``(N, M)``):

- Gram matrix (the paper's eq. 3): ``G = F F^T``, shape ``(N, N)``, not normalised.
- Content cost (eq. 1): ``1/2 * sum (F - P)^2`` over every channel and position.
- Style cost of one layer (eq. 4): ``1 / (4 N^2 M^2) * sum (G - A)^2``, written as
  ``1 / (4 N^2) * sum (G / M - A / M')^2`` so that a style image of another size ``M'`` is
  compared fairly (the two forms agree when ``M = M'``); the style cost is the weighted sum
  over layers (eq. 5).
- Total variation: ``sum |x[i+1, j] - x[i, j]|^p + sum |x[i, j+1] - x[i, j]|^p`` over
  channels, ``p = 1`` by default (TensorFlow's ``tf.image.total_variation``).

All functions take ``torch.Tensor`` features so that they can be differentiated;
:func:`style_transfer` optimises the pixels of an image with Adam.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ._validate import _describe, check_choice, check_number, image_as_float

__all__ = [
    "gram_matrix", "content_cost", "layer_style_cost", "style_cost", "total_variation",
    "feature_network", "image_tensor", "extract_features", "style_transfer", "StyleTransferResult",
    "MOBILENET_STYLE_LAYERS", "MOBILENET_CONTENT_LAYER", "VGG19_STYLE_LAYERS", "VGG19_CONTENT_LAYER",
]

#: Outputs of ``MobileNetV2.features`` used for style: the first block (16 channels, 1/2 of the
#: image's size), the ends of the 24-, 32-, 64- and 96-channel stages (1/4, 1/8, 1/16, 1/16).
MOBILENET_STYLE_LAYERS = (1, 3, 6, 10, 13)
#: The output of the 32-channel stage (1/8 of the image's size) holds the content.
MOBILENET_CONTENT_LAYER = 6
#: Gatys et al.'s choice in ``torchvision.models.vgg19().features``: the ReLUs after conv1_1,
#: conv2_1, conv3_1, conv4_1 and conv5_1 for style, after conv4_2 for content.
VGG19_STYLE_LAYERS = (1, 6, 11, 20, 29)
VGG19_CONTENT_LAYER = 22
#: ImageNet's channel means and standard deviations, which both networks were trained with.
_MEAN, _STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _features(value, name: str) -> torch.Tensor:
    """A floating-point feature tensor (C, H, W) or (N, C, H, W), non-empty and finite."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of feature maps, shape (C, H, W) or (N, C, H, W); "
                        f"got {_describe(value)}.")
    if value.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (C, H, W) or (N, C, H, W); got shape {tuple(value.shape)}.")
    if not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {value.dtype}. Use .float().")
    if value.numel() == 0:
        raise ValueError(f"{name} is empty: shape {tuple(value.shape)}.")
    if not torch.isfinite(value.detach()).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return value


def _same_shape(first: torch.Tensor, second: torch.Tensor, names) -> None:
    if first.shape != second.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape; got {tuple(first.shape)} "
                         f"and {tuple(second.shape)}.")


def gram_matrix(features) -> torch.Tensor:
    """The Gram matrix of feature maps: every channel's inner product with every other.

    Parameters
    ----------
    features : torch.Tensor
        Shape (C, H, W), or a batch (N, C, H, W).

    Returns
    -------
    torch.Tensor
        ``G[i, j] = sum over positions of F[i] * F[j]``, shape (C, C), or (N, C, C) for a
        batch. Not normalised (Gatys et al.'s eq. 3); divide by H * W for the mean.

    Raises
    ------
    TypeError, ValueError
        If ``features`` is not a finite floating-point tensor of 3 or 4 dimensions.

    Examples
    --------
    >>> gram_matrix(torch.tensor([[[1.0, 2.0]], [[3.0, 4.0]]]))
    tensor([[ 5., 11.],
            [11., 25.]])
    """
    features = _features(features, "features")
    flat = features.flatten(-2)  # (..., C, M)
    return flat @ flat.transpose(-1, -2)


def content_cost(generated, content) -> torch.Tensor:
    """Gatys et al.'s content cost: half the sum of squared differences of two feature maps.

    Parameters
    ----------
    generated, content : torch.Tensor
        Feature maps of the same shape, (C, H, W) or (N, C, H, W), from the same layer.

    Returns
    -------
    torch.Tensor
        A scalar, ``1/2 * sum (generated - content)^2`` (differentiable).

    Examples
    --------
    >>> content_cost(torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[0.0, 0.0]]]))
    tensor(2.5000)
    """
    generated, content = _features(generated, "generated"), _features(content, "content")
    _same_shape(generated, content, ("generated", "content"))
    return 0.5 * ((generated - content) ** 2).sum()


def layer_style_cost(generated, style) -> torch.Tensor:
    """The style cost of one layer: the squared distance of the mean Gram matrices, over 4 N^2.

    ``1 / (4 N^2) * sum (G / M - A / M')^2`` with ``G``, ``A`` the Gram matrices of
    ``generated`` and ``style``, ``N`` channels and ``M``, ``M'`` positions: Gatys et al.'s
    ``1 / (4 N^2 M^2) * sum (G - A)^2`` when both maps have the same size.

    Parameters
    ----------
    generated, style : torch.Tensor
        Feature maps (C, H, W) or (1, C, H, W) with the same number of channels; their
        heights and widths may differ.

    Returns
    -------
    torch.Tensor
        A scalar (differentiable).

    Examples
    --------
    >>> layer_style_cost(torch.ones(2, 1, 3), torch.zeros(2, 1, 3))
    tensor(0.2500)
    """
    generated, style = _features(generated, "generated"), _features(style, "style")
    if generated.ndim != style.ndim or generated.shape[:-2] != style.shape[:-2]:
        raise ValueError(f"generated and style must have the same batch size and number of channels; got shapes "
                         f"{tuple(generated.shape)} and {tuple(style.shape)}.")
    channels = generated.shape[-3]
    mean_generated = gram_matrix(generated) / (generated.shape[-1] * generated.shape[-2])
    mean_style = gram_matrix(style) / (style.shape[-1] * style.shape[-2])
    return ((mean_generated - mean_style) ** 2).sum() / (4 * channels**2)


def _feature_list(value, name: str) -> list:
    if isinstance(value, torch.Tensor) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of feature tensors, one per layer; got {_describe(value)}.")
    if not value:
        raise ValueError(f"{name} is an empty list; give the feature maps of at least one layer.")
    return [_features(v, f"{name}[{k}]") for k, v in enumerate(value)]


def _weights(weights, count: int, name: str = "weights") -> list[float]:
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
        raise TypeError(f"{name} must be a sequence of {count} non-negative numbers; got {_describe(weights)}.")
    weights = list(weights)
    if len(weights) != count:
        raise ValueError(f"{name} must hold one weight per layer ({count}); got {len(weights)}.")
    return [check_number(w, f"{name}[{k}]", low=0, finite=True) for k, w in enumerate(weights)]


def style_cost(generated, style, weights) -> torch.Tensor:
    """Gatys et al.'s style cost: the layer-weighted sum of :func:`layer_style_cost`.

    Parameters
    ----------
    generated, style : list of torch.Tensor
        Feature maps of the generated and of the style image, one per layer, in the same order.
    weights : sequence of float
        One non-negative weight per layer (the paper's w_l; 1/5 each for five layers).

    Returns
    -------
    torch.Tensor
        A scalar, ``sum over layers of weights[l] * layer_style_cost(generated[l], style[l])``.

    Examples
    --------
    >>> style_cost([torch.ones(2, 1, 3)], [torch.zeros(2, 1, 3)], [2.0])
    tensor(0.5000)
    """
    generated, style = _feature_list(generated, "generated"), _feature_list(style, "style")
    if len(generated) != len(style):
        raise ValueError(f"generated and style must list the same layers; got {len(generated)} and {len(style)} "
                         f"feature maps.")
    weights = _weights(weights, len(generated))
    return sum(w * layer_style_cost(g, s) for w, g, s in zip(weights, generated, style))


def total_variation(image, power: float = 1.0) -> torch.Tensor:
    """The total variation of an image: the summed differences between neighbouring pixels.

    Parameters
    ----------
    image : torch.Tensor
        Shape (C, H, W) or (N, C, H, W).
    power : float
        ``p`` in ``sum |x[i+1, j] - x[i, j]|^p + sum |x[i, j+1] - x[i, j]|^p``: 1 (the
        anisotropic total variation, TensorFlow's definition) or 2 (squared differences), or
        anything between.

    Returns
    -------
    torch.Tensor
        A scalar (differentiable), summed over channels and images.

    Examples
    --------
    >>> total_variation(torch.tensor([[[0.0, 1.0], [3.0, 1.0]]]))
    tensor(6.)
    """
    image = _features(image, "image")
    power = check_number(power, "power", low=1, high=2)
    vertical = (image[..., 1:, :] - image[..., :-1, :]).abs() ** power
    horizontal = (image[..., :, 1:] - image[..., :, :-1]).abs() ** power
    return vertical.sum() + horizontal.sum()


def feature_network(device=None) -> nn.Sequential:
    """The convolutional part of the course's pretrained MobileNet v2, frozen, for style transfer.

    Parameters
    ----------
    device : str or torch.device, optional
        By default :func:`cvcourse.device`.

    Returns
    -------
    torch.nn.Sequential
        ``pretrained_classifier(device).model.features`` (19 layers) in evaluation mode with
        ``requires_grad`` off. It expects images normalised with ImageNet's statistics, which
        :func:`style_transfer` and :func:`extract_features` do themselves.
    """
    from .models import pretrained_classifier

    network = pretrained_classifier(device).model.features.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


def _layer_indices(layers, network: nn.Sequential, name: str = "layers") -> list[int]:
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or len(layers) == 0:
        raise TypeError(f"{name} must be a non-empty list of layer indices; got {_describe(layers)}.")
    return [check_number(layer, f"{name}[{k}]", low=0, high=len(network) - 1, integer=True)
            for k, layer in enumerate(layers)]


def _check_network(network) -> nn.Sequential:
    if not isinstance(network, nn.Sequential):
        raise TypeError(f"feature_extractor must be a torch.nn.Sequential of layers (such as "
                        f"feature_network() or torchvision's vgg19().features); got {_describe(network)}.")
    return network


def _normalised(batch: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(_MEAN, device=batch.device)[:, None, None]
    std = torch.tensor(_STD, device=batch.device)[:, None, None]
    return (batch - mean) / std


def extract_features(feature_extractor, images, layers) -> list[torch.Tensor]:
    """Run images through a sequential network and keep the outputs of the given layers.

    Parameters
    ----------
    feature_extractor : torch.nn.Sequential
        Such as :func:`feature_network` or ``torchvision.models.vgg19(...).features``.
    images : torch.Tensor
        RGB images in [0, 1], shape (N, 3, H, W); they are normalised with ImageNet's mean and
        standard deviation here.
    layers : sequence of int
        Indices into ``feature_extractor``; the network stops after the deepest one.

    Returns
    -------
    list of torch.Tensor
        The outputs of those layers, in the order of ``layers``.
    """
    network = _check_network(feature_extractor)
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[1] != 3:
        shown = tuple(images.shape) if isinstance(images, torch.Tensor) else _describe(images)
        raise TypeError(f"images must be a torch.Tensor of RGB images, shape (N, 3, H, W); got {shown}.")
    indices = _layer_indices(layers, network)
    wanted, outputs = set(indices), {}
    x = _normalised(images)
    for index, layer in enumerate(network):
        x = layer(x)
        if index in wanted:
            outputs[index] = x
        if index == max(indices):
            break
    return [outputs[index] for index in indices]


@dataclass
class StyleTransferResult:
    """What :func:`style_transfer` returns: the image and the costs after every step.

    ``content_costs``, ``style_costs`` and ``tv_costs`` have ``steps + 1`` entries: the
    costs of the starting image, then of the image after each step (unweighted).
    """

    image: np.ndarray
    content_costs: list = field(default_factory=list)
    style_costs: list = field(default_factory=list)
    tv_costs: list = field(default_factory=list)


def image_tensor(image, shape, device="cpu") -> torch.Tensor:
    """An RGB image as a batch of one for the feature network, resized to ``shape``.

    Parameters
    ----------
    image : array_like
        RGB image (H, W, 3), uint8 or float in [0, 1].
    shape : (int, int)
        Height and width to resize to (bilinear, antialiased).
    device : str or torch.device
        Where to put the tensor.

    Returns
    -------
    torch.Tensor
        Shape (1, 3, height, width), float32, in [0, 1].
    """
    from torchvision.transforms.v2 import functional as TF

    from .models.pretrained import _torch_device

    array = image_as_float(image, "image")
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"image must be an RGB image of shape (H, W, 3); got shape {array.shape}.")
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 2:
        raise TypeError(f"shape must be (height, width); got {_describe(shape)}.")
    shape = [check_number(n, "shape", low=1, integer=True) for n in shape]
    tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))).float()
    return TF.resize(tensor, shape, antialias=True).clamp(0, 1)[None].to(_torch_device(device))


def _rgb(image, name: str) -> np.ndarray:
    array = image_as_float(image, name)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"{name} must be an RGB image of shape (H, W, 3); got shape {array.shape}.")
    return array


def style_transfer(content, style, feature_extractor, layers, weights, steps: int = 100, *,
                   content_layer: int = MOBILENET_CONTENT_LAYER, content_weight: float = 1.0,
                   style_weight: float = 1e6, tv_weight: float = 0.05, size: int = 128, lr: float = 0.03,
                   init: str = "content", seed: int = 0, device=None, progress: bool = True) -> StyleTransferResult:
    """Paint ``content`` in the style of ``style`` by optimising the pixels (Gatys et al., 2016).

    Minimises ``content_weight * content_cost + style_weight * style_cost + tv_weight *
    total_variation`` over the pixels of the image with Adam, keeping them in [0, 1].

    Parameters
    ----------
    content, style : array_like
        RGB images (H, W, 3), uint8 or float in [0, 1]. The content image is resized so that
        its longer side is ``size``; the style image to the same shape.
    feature_extractor : torch.nn.Sequential
        A frozen pretrained network: :func:`feature_network`, or VGG-19's ``features``.
    layers : sequence of int
        Indices of the style layers in ``feature_extractor``.
    weights : sequence of float
        The weight of each style layer.
    steps : int
        Number of Adam steps.
    content_layer : int
        Index of the content layer.
    content_weight, style_weight, tv_weight : float
        The weights of the three costs (Gatys et al.'s alpha and beta, and the regulariser's).
    size : int
        Longer side of the generated image, in pixels.
    lr : float
        Adam's learning rate, in units of the [0, 1] pixel range.
    init : {"content", "noise"}
        Start from the content image or from uniform noise (as Gatys et al. did).
    seed : int
        For the noise.
    device : str or torch.device, optional
        By default :func:`cvcourse.device`.
    progress : bool
        Show the course's progress bar.

    Returns
    -------
    StyleTransferResult
        The image (H, W, 3) in [0, 1] and the unweighted costs before and after every step.
    """
    from . import device as best_device
    from .models.pretrained import _torch_device
    from .widgets import progress_bar

    content_array, style_array = _rgb(content, "content"), _rgb(style, "style")
    network = _check_network(feature_extractor)
    style_layers = _layer_indices(layers, network)
    layer_weights = _weights(weights, len(style_layers))
    steps = check_number(steps, "steps", low=0, integer=True)
    content_layer = _layer_indices([content_layer], network, "content_layer")[0]
    content_weight = check_number(content_weight, "content_weight", low=0, finite=True)
    style_weight = check_number(style_weight, "style_weight", low=0, finite=True)
    tv_weight = check_number(tv_weight, "tv_weight", low=0, finite=True)
    size = check_number(size, "size", low=16, high=4096, integer=True)
    lr = check_number(lr, "lr", low=0, low_inclusive=False, finite=True)
    check_choice(init, "init", ("content", "noise"))
    seed = check_number(seed, "seed", low=0, integer=True)
    target = best_device() if device is None else _torch_device(device)
    network = network.to(target)

    height, width = content_array.shape[:2]
    scale = size / max(height, width)
    shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    content_batch = image_tensor(content_array, shape, target)
    style_batch = image_tensor(style_array, shape, target)
    everything = style_layers + [content_layer]
    with torch.no_grad():
        style_targets = extract_features(network, style_batch, style_layers)
        content_target = extract_features(network, content_batch, [content_layer])[0]

    if init == "content":
        start = content_batch.clone()
    else:
        generator = torch.Generator().manual_seed(seed)
        start = torch.rand(content_batch.shape, generator=generator).to(target)
    pixels = start.requires_grad_(True)
    optimizer = torch.optim.Adam([pixels], lr=lr)
    result = StyleTransferResult(image=np.empty(0))

    def costs():
        *styled, content_features = extract_features(network, pixels, everything)
        values = (content_cost(content_features, content_target),
                  style_cost(styled, style_targets, layer_weights), total_variation(pixels))
        for history, value in zip((result.content_costs, result.style_costs, result.tv_costs), values):
            history.append(float(value.detach()))
        return values

    bar = progress_bar(steps, enabled=progress, unit="step")
    for _ in range(steps):
        optimizer.zero_grad()
        content_value, style_value, tv_value = costs()
        (content_weight * content_value + style_weight * style_value + tv_weight * tv_value).backward()
        optimizer.step()
        with torch.no_grad():
            pixels.clamp_(0, 1)
        bar.update(1)
    bar.close()
    with torch.no_grad():
        costs()
    result.image = pixels.detach()[0].permute(1, 2, 0).cpu().numpy()
    return result
