"""Attention and interpretability (chapter 25): where a network looks, and how to see it.

- :func:`affine_grid` and :func:`grid_sample`: the differentiable sampler of a Spatial
  Transformer Network (Jaderberg et al., 2015), written in NumPy with exactly the conventions
  of ``torch.nn.functional.affine_grid`` / ``grid_sample`` (normalised coordinates in
  [-1, 1], ``align_corners``, bilinear or nearest sampling, zeros or border padding).
- :class:`SpatialTransformer`: a localisation network that predicts an affine transform per
  image, started at the identity, and the sampler that applies it (PyTorch's, which has
  gradients); :func:`digit_classifier` puts one in front of LeNet-5.
- :func:`grad_cam`: Grad-CAM (Selvaraju et al., 2017), a class's evidence map in a layer of
  any convolutional network, upsampled with :func:`grid_sample`.
- :class:`MemN2N`: the end-to-end memory network (Sukhbaatar et al., 2015), soft attention
  over the sentences of a story; it lives in :mod:`cvcourse.memory` with its helpers.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import _describe, as_array, check_choice, check_finite, check_ndim, check_number, float_dtype_for
from .memory import MemN2N  # attention over a memory of sentences; written in cvcourse.memory

__all__ = ["affine_grid", "grid_sample", "SpatialTransformer", "digit_classifier", "grad_cam_map", "grad_cam",
           "MemN2N"]

_MODES = ("bilinear", "nearest")
_PADDINGS = ("zeros", "border")


def _float_array(value, name: str) -> np.ndarray:
    array = as_array(value, name)
    check_finite(array, name)
    return array.astype(float_dtype_for(array.dtype), copy=False)


def _base_coordinates(count: int, align_corners: bool, dtype) -> np.ndarray:
    """Normalised coordinates of ``count`` pixel centres along one axis (PyTorch's convention)."""
    if count == 1:
        return np.zeros(1, dtype)
    steps = np.linspace(-1.0, 1.0, count, dtype=dtype)
    return steps if align_corners else steps * dtype.type((count - 1) / count)


def affine_grid(theta, size, align_corners=False):
    """Sampling grid of an affine transform, as ``torch.nn.functional.affine_grid``.

    Each output pixel ``(i, j)`` has normalised coordinates ``(x_j, y_i)`` in [-1, 1] (-1 the
    left or top edge, 1 the right or bottom one). The grid holds, for every output pixel, the
    point ``theta @ (x_j, y_i, 1)`` of the *input* to read: ``theta`` maps output to input.

    Parameters
    ----------
    theta : array_like, shape (N, 2, 3)
        One affine matrix per image.
    size : sequence of 4 ints
        The output's (N, C, H, W).
    align_corners : bool
        True: -1 and 1 are the centres of the corner pixels. False (PyTorch's default): they
        are the outer edges of the corner pixels, so the result does not depend on resolution.

    Returns
    -------
    numpy.ndarray, shape (N, H, W, 2)
        Input coordinates (x, y) for each output pixel; float32 for float32 ``theta``, else float64.

    Raises
    ------
    TypeError
        If ``theta`` is not numeric, ``size`` holds non-integers or ``align_corners`` is not a bool.
    ValueError
        If ``theta`` is not (N, 2, 3), holds NaN or infinity, or ``size`` does not fit it.

    Examples
    --------
    >>> grid = affine_grid([[[1, 0, 0], [0, 1, 0]]], (1, 1, 2, 2), align_corners=True)
    >>> grid[0].tolist()
    [[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]
    """
    theta = _float_array(theta, "theta")
    if theta.ndim != 3 or theta.shape[1:] != (2, 3):
        raise ValueError(f"theta must have shape (N, 2, 3), one affine matrix per image; got shape {theta.shape}.")
    if not isinstance(size, (tuple, list, torch.Size)) or len(size) != 4:
        raise ValueError(f"size must be the output's (N, C, H, W), 4 integers; got {_describe(size)}.")
    n, _, height, width = (check_number(s, f"size[{k}]", low=1, integer=True) for k, s in enumerate(size))
    if n != len(theta):
        raise ValueError(f"size[0] must equal the number of matrices in theta, {len(theta)}; got {n}.")
    if not isinstance(align_corners, bool):
        raise TypeError(f"align_corners must be True or False; got {_describe(align_corners)}.")
    dtype = theta.dtype
    xs = _base_coordinates(width, align_corners, dtype)
    ys = _base_coordinates(height, align_corners, dtype)
    base = np.stack([np.broadcast_to(xs, (height, width)), np.broadcast_to(ys[:, None], (height, width)),
                     np.ones((height, width), dtype)], axis=-1)                       # (H, W, 3)
    return (base.reshape(1, -1, 3) @ theta.transpose(0, 2, 1)).reshape(len(theta), height, width, 2)


def _source_index(coordinate: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """Normalised coordinates to pixel coordinates (PyTorch's ``grid_sampler_compute_source_index``)."""
    if align_corners:
        pixels = (coordinate + 1) / 2 * (size - 1)
    else:
        pixels = ((coordinate + 1) * size - 1) / 2
    if padding_mode == "border":
        pixels = np.clip(pixels, 0, size - 1)
    return pixels


def grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """Read ``x`` at the points of ``grid``, as ``torch.nn.functional.grid_sample`` (4-D).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        The input images.
    grid : array_like, shape (N, Ho, Wo, 2)
        For each output pixel, the (x, y) point of the input to read, in normalised
        coordinates (see :func:`affine_grid`); points outside [-1, 1] lie outside the input.
    mode : {"bilinear", "nearest"}
        Bilinear: weigh the four pixels around the point by the areas of the opposite
        rectangles. Nearest: take the closest pixel (ties to the even index, as PyTorch does).
    padding_mode : {"zeros", "border"}
        What pixels outside the input hold: zeros, or the nearest border pixel (the point is
        clamped into the image first).
    align_corners : bool
        As in :func:`affine_grid`.

    Returns
    -------
    numpy.ndarray, shape (N, C, Ho, Wo)
        float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError
        If an array is not numeric or ``align_corners`` is not a bool.
    ValueError
        For wrong shapes, NaN or infinity, batch sizes that differ, or an unknown mode.

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> grid_sample(x, np.zeros((1, 1, 1, 2)), align_corners=True)[0, 0].tolist()  # the centre
    [[1.5]]
    """
    x = _float_array(x, "x")
    grid = _float_array(grid, "grid")
    check_ndim(x, 4, "x", "images of shape (N, C, H, W)")
    check_ndim(grid, 4, "grid", "points of shape (N, Ho, Wo, 2)")
    if grid.shape[-1] != 2:
        raise ValueError(f"grid's last axis must hold (x, y), size 2; got shape {grid.shape}.")
    if len(grid) != len(x) or 0 in x.shape:
        raise ValueError(f"x and grid must hold the same number of images, at least one with pixels; "
                         f"got shapes {x.shape} and {grid.shape}.")
    check_choice(mode, "mode", _MODES)
    check_choice(padding_mode, "padding_mode", _PADDINGS)
    if not isinstance(align_corners, bool):
        raise TypeError(f"align_corners must be True or False; got {_describe(align_corners)}.")
    dtype = np.result_type(x.dtype, grid.dtype)
    x, grid = x.astype(dtype, copy=False), grid.astype(dtype, copy=False)
    count, channels, height, width = x.shape
    # A point more than a pixel outside reads only zeros, wherever it lies. Clipped to two pixels
    # out, its neighbours land on a border of zeros two pixels wide (three after the end, for
    # the right and lower neighbours), so that no read needs a mask or a clip of its own.
    columns = np.clip(_source_index(grid[..., 0], width, padding_mode, align_corners), -2, width + 1)
    rows = np.clip(_source_index(grid[..., 1], height, padding_mode, align_corners), -2, height + 1)
    # x with that border, as one row of all its pixels per channel, made once for all reads
    pixels = np.pad(x, ((0, 0), (0, 0), (2, 3), (2, 3))).transpose(1, 0, 2, 3).reshape(channels, -1)
    row_length = width + 5
    first_row = np.arange(count)[:, None, None] * (height + 5) + 2

    def flat_index(row, column):
        """Where pixel (row, column) of each point's image lies in a row of ``pixels``."""
        return (first_row + row) * row_length + column + 2

    if mode == "nearest":
        values = np.take(pixels, flat_index(np.rint(rows).astype(np.int64), np.rint(columns).astype(np.int64)), 1)
    else:
        left, top = np.floor(columns), np.floor(rows)
        # distances to the four neighbours, written as PyTorch does (1 - dx would round differently)
        dx_left, dx_right, dy_top, dy_bottom = columns - left, left + 1 - columns, rows - top, top + 1 - rows
        upper_left = flat_index(top.astype(np.int64), left.astype(np.int64))
        # the other three neighbours are 1, a row and a row + 1 further along
        values = sum(np.take(pixels[:, step:], upper_left, 1) * weight for step, weight in [
            (0, dx_right * dy_bottom), (1, dx_left * dy_bottom),
            (row_length, dx_right * dy_top), (row_length + 1, dx_left * dy_top)])
    return np.ascontiguousarray(values.transpose(1, 0, 2, 3))                   # (N, C, Ho, Wo)


class SpatialTransformer(nn.Module):
    """A spatial transformer (Jaderberg et al., 2015): look at the image, choose an affine
    transform, resample the image with it.

    A small localisation network (two convolutions with pooling, two fully connected layers)
    predicts the six numbers of ``theta`` for each image; ``F.affine_grid`` and
    ``F.grid_sample`` (PyTorch's versions of :func:`affine_grid` and :func:`grid_sample`,
    which carry gradients back to ``theta``) turn it into the output. The last layer starts
    with zero weights and the identity as its bias, so training starts from "look at the
    whole image" and the classifier behind it gets useful inputs from the first step.

    Parameters
    ----------
    in_channels : int
    output_size : tuple of 2 ints
        (height, width) of the resampled output; e.g. smaller than the input to zoom in.
    hidden : int
        Width of the localisation network's hidden layer.

    Examples
    --------
    >>> transformer = SpatialTransformer(1, (28, 28))
    >>> x = torch.rand(2, 1, 42, 42)
    >>> tuple(transformer(x).shape), transformer.theta(x)[0].tolist()
    ((2, 1, 28, 28), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    """

    def __init__(self, in_channels=1, output_size=(28, 28), hidden=32):
        super().__init__()
        self.in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
        if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
            raise ValueError(f"output_size must be (height, width); got {_describe(output_size)}.")
        self.output_size = tuple(check_number(s, "output_size", low=1, integer=True) for s in output_size)
        hidden = check_number(hidden, "hidden", low=1, integer=True)
        self.localisation = nn.Sequential(
            nn.MaxPool2d(2), nn.Conv2d(self.in_channels, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
            nn.Linear(16 * 16, hidden), nn.ReLU(), nn.Linear(hidden, 6))
        last = self.localisation[-1]
        nn.init.zeros_(last.weight)
        with torch.no_grad():
            last.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def theta(self, x):
        """The affine matrices the localisation network chooses, shape (N, 2, 3)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"SpatialTransformer expects a torch.Tensor of shape (N, {self.in_channels}, H, W); "
                            f"got {_describe(x)}.")
        if x.ndim != 4 or x.shape[1] != self.in_channels or min(x.shape[2:]) < 4:
            raise ValueError(f"SpatialTransformer expects a batch of shape (N, {self.in_channels}, H, W) with H "
                             f"and W at least 4 (its localisation network pools twice); got {tuple(x.shape)}.")
        return self.localisation(x).view(-1, 2, 3)

    def forward(self, x):
        theta = self.theta(x)
        grid = F.affine_grid(theta, [len(x), x.shape[1], *self.output_size], align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def digit_classifier(spatial_transformer=True):
    """LeNet-5 (ReLU, max pooling) for digits on a larger canvas, with or without a transformer.

    With ``spatial_transformer=True`` a :class:`SpatialTransformer` resamples the canvas to
    the 28x28 that LeNet-5 reads (it pads to 32x32 itself), where it chooses; without it the
    canvas is simply resized to 28x28 (bilinear), which is the transformer frozen at the
    identity. The classifier behind is the same in both.

    Parameters
    ----------
    spatial_transformer : bool

    Returns
    -------
    torch.nn.Sequential
        ``[0]`` the transformer (or the resizing), ``[1]`` the LeNet-5.

    Examples
    --------
    >>> model = digit_classifier()
    >>> tuple(model(torch.rand(3, 1, 42, 42)).shape)
    (3, 10)
    """
    from .models import LeNet5

    if not isinstance(spatial_transformer, bool):
        raise TypeError(f"spatial_transformer must be True or False; got {_describe(spatial_transformer)}.")
    front = (SpatialTransformer(1, (28, 28)) if spatial_transformer
             else nn.Upsample(size=(28, 28), mode="bilinear", align_corners=False))
    return nn.Sequential(front, LeNet5(activation="relu", pooling="max"))


def grad_cam_map(activations, gradients):
    """Grad-CAM's weighting: ``ReLU(sum_k alpha_k A_k)`` with ``alpha_k`` the mean gradient of channel k.

    Parameters
    ----------
    activations : array_like, shape (N, C, h, w)
        A layer's output ``A``.
    gradients : array_like, shape (N, C, h, w)
        The gradient of one class's score with respect to ``A``.

    Returns
    -------
    numpy.ndarray, shape (N, h, w)
        The class's evidence map at the layer's resolution (not upsampled, not normalised).

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If the shapes differ or are not 4-D, or a value is NaN or infinite.

    Examples
    --------
    >>> A = np.stack([np.eye(2), np.ones((2, 2))])[None]          # two channels of 2x2
    >>> grad_cam_map(A, np.stack([np.ones((2, 2)), -0.5 * np.ones((2, 2))])[None])[0].tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    activations = _float_array(activations, "activations")
    gradients = _float_array(gradients, "gradients")
    check_ndim(activations, 4, "activations", "feature maps of shape (N, C, h, w)")
    if gradients.shape != activations.shape:
        raise ValueError(f"gradients must have the shape of activations, {activations.shape}; got {gradients.shape}.")
    weights = gradients.mean(axis=(2, 3), keepdims=True)                          # alpha_k: (N, C, 1, 1)
    return np.maximum((weights * activations).sum(axis=1), 0)


def grad_cam(model, target_layer, image, class_index):
    """Grad-CAM (Selvaraju et al., 2017): where in ``image`` the evidence for a class lies.

    Let ``A`` be the output of ``target_layer`` (channels ``A_k`` of h x w) and ``y`` the
    model's score (logit) for ``class_index``. Each channel's weight is its gradient averaged
    over the positions, ``alpha_k = mean_ij dy / dA_k[i, j]``; the map is
    ``ReLU(sum_k alpha_k A_k)`` (:func:`grad_cam_map`): the parts of the layer that push the
    class's score up.
    The map is upsampled to the image's size by bilinear :func:`grid_sample` with the identity
    grid (``align_corners=False``, border padding, which is ``cv2.resize``'s bilinear) and
    scaled to [0, 1] by its minimum and maximum (all zeros if it is constant), as the
    ``grad-cam`` package does.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning scores of shape (1, classes). It is run in evaluation mode
        (its mode is restored afterwards), with gradients on even if its weights are frozen or
        the call sits inside ``torch.no_grad()``; its weights' ``.grad`` are left alone.
    target_layer : torch.nn.Module
        A module inside ``model`` whose output is (1, C, h, w), usually the last convolutional
        block.
    image : torch.Tensor, shape (1, channels, H, W)
        One preprocessed image, on the model's device.
    class_index : int
        The class to explain.

    Returns
    -------
    numpy.ndarray of float32, shape (H, W)
        The Grad-CAM map in [0, 1].

    Raises
    ------
    TypeError
        If ``model`` or ``target_layer`` is not a module, ``image`` not a floating-point tensor.
    ValueError
        If ``image`` is not one image (1, C, H, W), ``class_index`` is out of range, or the
        layer is not used by the model or its output is not (1, C, h, w).

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    ...                     nn.Flatten(), nn.Linear(4, 2))
    >>> grad_cam(net, net[1], torch.rand(1, 1, 8, 8), 0).shape
    (8, 8)
    """
    for value, name in ((model, "model"), (target_layer, "target_layer")):
        if not isinstance(value, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module; got {_describe(value)}.")
    if not isinstance(image, torch.Tensor) or not image.is_floating_point():
        raise TypeError(f"image must be a floating-point torch.Tensor of shape (1, C, H, W); got {_describe(image)}.")
    if image.ndim != 4 or len(image) != 1:
        raise ValueError(f"image must be one image of shape (1, C, H, W); got shape {tuple(image.shape)}.")
    class_index = check_number(class_index, "class_index", low=0, integer=True)
    image = image.detach().requires_grad_(True)        # so gradients flow even if the weights are frozen
    captured = {}

    def keep(module, inputs, output):
        captured["activations"] = output

    handle = target_layer.register_forward_hook(keep)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():                       # also inside a caller's torch.no_grad()
            scores = model(image)
    finally:
        handle.remove()
        model.train(was_training)
    if "activations" not in captured:
        raise ValueError("target_layer is not used by model's forward pass; give a layer inside model.")
    activations = captured["activations"]
    if activations.ndim != 4:
        raise ValueError(f"target_layer's output must be feature maps (1, C, h, w); got shape "
                         f"{tuple(activations.shape)}.")
    if not isinstance(scores, torch.Tensor) or scores.ndim != 2 or len(scores) != 1:
        raise ValueError(f"model must return scores of shape (1, classes); got {_describe(scores)}.")
    if class_index >= scores.shape[1]:
        raise ValueError(f"class_index must lie in [0, {scores.shape[-1] - 1}] for model's {scores.shape[-1]} "
                         f"scores; got {class_index}.")
    with torch.enable_grad():
        gradients, = torch.autograd.grad(scores[0, class_index], activations)   # leaves the weights' .grad alone
    cam = grad_cam_map(activations.detach().cpu().numpy(), gradients.cpu().numpy())   # (1, h, w)
    height, width = image.shape[2:]
    identity = affine_grid(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), (1, 1, height, width), align_corners=False)
    cam = grid_sample(cam[:, None], identity, "bilinear", "border", align_corners=False)[0, 0]
    low, high = cam.min(), cam.max()
    return ((cam - low) / (high - low) if high > low else np.zeros_like(cam)).astype(np.float32)
