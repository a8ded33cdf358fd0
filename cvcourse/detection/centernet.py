"""Objects as points: CenterNet (Zhou, Wang and Krähenbühl 2019), small enough for a CPU.

A detector that finds each object's *centre* as a peak of a class heatmap, and reads the
object's width and height (and a sub-cell offset of the centre) from two more maps at that
peak. No anchors and no non-maximum suppression: a 3x3 max-pooling keeps the local maxima.

- :func:`gaussian_radius` and :func:`draw_gaussian` build the target heatmaps: a Gaussian
  bump at each centre, as wide as a centre error the box can afford.
- :func:`centernet_targets` gives one image's targets; :class:`CenterNetDataset` serves them.
- :func:`focal_loss` is CornerNet's penalty-reduced focal loss on the heatmap;
  :func:`centernet_loss` adds the L1 losses of the size and offset heads.
- :func:`heatmap_peaks` and :func:`centernet_decode` turn the three maps into boxes;
  :func:`centernet_detect` runs a trained :class:`CenterNet` on images.

The model reuses chapter 14's :func:`~cvcourse.detection.networks.conv_block` and is
trained with :func:`~cvcourse.detection.networks.fit_model`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import _describe, as_array, check_choice, check_finite, check_number
from .boxes import as_boxes
from .networks import GridDataset, conv_block, _evaluation_batches, images_to_tensor

__all__ = ["gaussian_radius", "draw_gaussian", "centernet_targets", "heatmap_peaks", "centernet_decode",
           "focal_loss", "centernet_loss", "CenterNet", "CenterNetDataset", "centernet_detect"]


def gaussian_radius(height, width, min_overlap: float = 0.7, released: bool = False) -> float:
    """How far a box's corners may move while its IoU with the true box stays ``min_overlap``.

    CornerNet (Law and Deng 2018) considers three ways for the two corners of a box of
    ``height`` x ``width`` to move by ``r`` along both axes: both in the same direction
    (the box shifts), both inwards (it shrinks by ``r`` on every side) and both outwards
    (it grows). Each gives a quadratic in ``r`` whose smallest positive root is the largest
    move that keeps the IoU at ``min_overlap``; the radius is the smallest of the three.

    The code released with CornerNet, and copied unchanged into CenterNet, solves the three
    quadratics wrongly: it divides by 2 instead of ``2a`` and takes the larger root of the
    first two. By default this function returns the correct radius; ``released=True``
    reproduces the released code's number (at ``min_overlap=0.7``, 3.35 times larger for a
    square box and up to 4 times for a thin one).

    Parameters
    ----------
    height, width : float > 0
        The box's size (in heatmap cells, for a target heatmap).
    min_overlap : float in (0, 1)
        The IoU a box with corners ``r`` away must still reach.
    released : bool
        Reproduce the released CornerNet/CenterNet code instead.

    Returns
    -------
    float

    Examples
    --------
    >>> round(gaussian_radius(10, 10), 4)
    0.8167
    >>> round(gaussian_radius(10, 10, released=True), 4)
    2.7332
    """
    height = check_number(height, "height", low=0, low_inclusive=False, finite=True)
    width = check_number(width, "width", low=0, low_inclusive=False, finite=True)
    overlap = check_number(min_overlap, "min_overlap", low=0, high=1, low_inclusive=False, high_inclusive=False)
    check_choice(released, "released", (True, False))
    area, perimeter = height * width, height + width
    # (a, b, c) of a r^2 + b r + c = 0 for: shifted, shrunk, grown
    quadratics = [(1.0, -perimeter, area * (1 - overlap) / (1 + overlap)),
                  (4.0, -2 * perimeter, (1 - overlap) * area),
                  (4 * overlap, 2 * overlap * perimeter, (overlap - 1) * area)]
    if released:  # CornerNet's utils: r = (b' + sqrt(b'^2 - 4ac)) / 2 with b' = -b for the first two
        roots = [(-b + np.sqrt(b * b - 4 * a * c)) / 2 for a, b, c in quadratics]
    else:
        roots = [(-b - np.sqrt(b * b - 4 * a * c)) / (2 * a) for a, b, c in quadratics[:2]]
        a, b, c = quadratics[2]
        roots.append((-b + np.sqrt(b * b - 4 * a * c)) / (2 * a))  # c < 0: one positive root
    return float(min(roots))


def _cell(value, name: str) -> tuple[int, int]:
    """An (x, y) pair of integers."""
    array = as_array(value, name)
    if array.shape != (2,) or array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be two integers (x, y); got dtype {array.dtype}, shape {array.shape}.")
    return int(array[0]), int(array[1])


def draw_gaussian(heatmap, centre, radius) -> np.ndarray:
    """A copy of ``heatmap`` with a Gaussian bump of peak 1 at ``centre`` (the maximum of the two).

    The bump covers the (2r + 1) x (2r + 1) cells around the centre, with standard deviation
    ``(2r + 1) / 6`` (CenterNet's ``draw_umich_gaussian``): 1 at the centre,
    ``exp(-18 r^2 / (2r + 1)^2)`` at the middle of each edge (``exp(-2)``, about 0.14, for
    ``r = 1``, falling towards ``exp(-4.5)``, about 0.011, as ``r`` grows), 0 outside the square. Where objects overlap,
    each cell keeps the larger value. The parts of the square outside the map are cut off.

    Parameters
    ----------
    heatmap : array_like, shape (H, W)
        Values in [0, 1].
    centre : (int, int)
        (x, y): the column and row of the peak. May lie outside the map (then only the
        part of the bump inside is drawn).
    radius : int >= 0

    Returns
    -------
    numpy.ndarray, shape (H, W), float64

    Examples
    --------
    >>> np.round(draw_gaussian(np.zeros((3, 4)), (1, 1), 1), 3)
    array([[0.018, 0.135, 0.018, 0.   ],
           [0.135, 1.   , 0.135, 0.   ],
           [0.018, 0.135, 0.018, 0.   ]])
    """
    array = as_array(heatmap, "heatmap")
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"heatmap must be a non-empty 2-D array (H, W); got shape {array.shape}.")
    check_finite(array, "heatmap")
    x, y = _cell(centre, "centre")
    radius = check_number(radius, "radius", low=0, integer=True)
    sigma = (2 * radius + 1) / 6
    rows, columns = np.indices(array.shape)
    bump = np.exp(-((columns - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))
    inside = (np.abs(columns - x) <= radius) & (np.abs(rows - y) <= radius)
    return np.maximum(array.astype(np.float64), np.where(inside, bump, 0.0))


def centernet_targets(boxes, labels, num_classes: int, output_size: int, stride: float, min_overlap: float = 0.7,
                      released: bool = True):
    """What CenterNet should predict for one image.

    Each object of box ``(x1, y1, x2, y2)`` (pixels) has its centre at ``c = ((x1 + x2) / 2,
    (y1 + y2) / 2) / stride`` on the output map. Its class's heatmap gets a Gaussian bump at
    the integer cell ``floor(c)`` with radius ``floor(gaussian_radius(h, w))`` (size in
    cells); the size map holds ``(w, h)`` in cells and the offset map ``c - floor(c)`` at
    that cell, which ``mask`` marks.

    By default the radius is the released code's (``released=True``), as CenterNet trains:
    its wider bumps soften the penalty around each centre, and on the course's scenes the
    small CenterNet reaches a higher AP with them than with the corrected, narrower radius.
    (CenterNet's code also rounds ``h`` and ``w`` up to whole cells before computing the
    radius; this function uses the exact sizes.)

    Parameters
    ----------
    boxes : array_like, shape (k, 4)
        xyxy in pixels.
    labels : array_like of int, shape (k,)
    num_classes : int >= 1
    output_size : int >= 1
        The output map is ``output_size`` x ``output_size`` cells.
    stride : float > 0
        Pixels per output cell.
    min_overlap : float in (0, 1)
    released : bool
        Passed to :func:`gaussian_radius`.

    Returns
    -------
    dict of numpy.ndarray
        ``heatmap`` float32 (C, S, S), ``size`` and ``offset`` float32 (2, S, S), ``mask`` bool (S, S).
    """
    boxes = as_boxes(boxes, "boxes")
    labels = as_array(labels, "labels")
    num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
    if labels.dtype.kind not in "iu" or labels.shape != (len(boxes),) or np.any((labels < 0) | (labels >= num_classes)):
        raise ValueError(f"labels must hold one integer in [0, {num_classes}) per box ({len(boxes)}); "
                         f"got dtype {labels.dtype}, shape {labels.shape}.")
    output_size = check_number(output_size, "output_size", low=1, integer=True)
    stride = check_number(stride, "stride", low=0, low_inclusive=False, finite=True)
    heatmap = np.zeros((num_classes, output_size, output_size))
    size = np.zeros((2, output_size, output_size))
    offset = np.zeros((2, output_size, output_size))
    mask = np.zeros((output_size, output_size), bool)
    for (x1, y1, x2, y2), label in zip(boxes / stride, labels):
        width, height = x2 - x1, y2 - y1
        centre = np.array([(x1 + x2) / 2, (y1 + y2) / 2])
        column, row = np.clip(np.floor(centre).astype(int), 0, output_size - 1)
        radius = int(gaussian_radius(max(height, 1e-6), max(width, 1e-6), min_overlap, released))
        heatmap[label] = draw_gaussian(heatmap[label], np.array([column, row]), radius)
        size[:, row, column] = width, height
        offset[:, row, column] = centre - (column, row)
        mask[row, column] = True
    return {"heatmap": heatmap.astype(np.float32), "size": size.astype(np.float32),
            "offset": offset.astype(np.float32), "mask": mask}


def heatmap_peaks(heatmap) -> np.ndarray:
    """Where a heatmap equals the maximum of its 3x3 neighbourhood: CenterNet's peaks.

    Each channel is max-pooled with a 3x3 window, stride 1 (cells outside the map do not
    count), and a cell is a peak if it equals that maximum. A plateau of equal values gives
    a peak at each of its cells, as in CenterNet.

    Parameters
    ----------
    heatmap : array_like, shape (C, H, W) or (H, W)

    Returns
    -------
    numpy.ndarray of bool, the same shape

    Examples
    --------
    >>> heatmap_peaks(np.array([[0.1, 0.5, 0.2, 0.1], [0.3, 0.4, 0.1, 0.9]])).astype(int)
    array([[0, 1, 0, 0],
           [0, 0, 0, 1]])
    """
    array = as_array(heatmap, "heatmap")
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"heatmap must be a non-empty array (C, H, W) or (H, W); got shape {array.shape}.")
    check_finite(array, "heatmap")
    padded = np.pad(array.astype(np.float64), [(0, 0)] * (array.ndim - 2) + [(1, 1), (1, 1)],
                    constant_values=-np.inf)
    height, width = array.shape[-2:]
    neighbourhood = np.max([padded[..., i:i + height, j:j + width] for i in range(3) for j in range(3)], axis=0)
    return array == neighbourhood


def centernet_decode(heatmap, size, offset, k: int = 100, stride: float = 1.0, score_threshold: float = 0.0):
    """Boxes from CenterNet's three output maps: peaks, top k, no NMS.

    Keep the :func:`heatmap_peaks` of every class, take the ``k`` highest of them over all
    classes (ties in the order class, row, column), drop those below ``score_threshold``,
    and read the box at each peak ``(x, y)``: centre ``(x + offset_x, y + offset_y)``,
    width ``size_w`` and height ``size_h``, all times ``stride``.

    Parameters
    ----------
    heatmap : array_like, shape (C, H, W)
        Scores in [0, 1] (after the sigmoid).
    size : array_like, shape (2, H, W)
        (width, height) in cells.
    offset : array_like, shape (2, H, W)
        (dx, dy) of the centre from the cell's corner, in cells.
    k : int >= 1
        At most this many boxes.
    stride : float > 0
        Pixels per cell.
    score_threshold : float in [0, 1]

    Returns
    -------
    boxes : numpy.ndarray, shape (n, 4)
        xyxy in pixels, by decreasing score.
    scores : numpy.ndarray, shape (n,)
    labels : numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> heatmap = np.zeros((1, 4, 4)); heatmap[0, 1, 2] = 0.9
    >>> size = np.full((2, 4, 4), 2.0); offset = np.full((2, 4, 4), 0.5)
    >>> boxes, scores, labels = centernet_decode(heatmap, size, offset, k=1, stride=4)
    >>> boxes, scores, labels
    (array([[ 6.,  2., 14., 10.]]), array([0.9]), array([0]))
    """
    heatmap = as_array(heatmap, "heatmap")
    if heatmap.ndim != 3 or heatmap.size == 0:
        raise ValueError(f"heatmap must be a non-empty array (C, H, W); got shape {heatmap.shape}.")
    peaks = heatmap_peaks(heatmap)
    maps = {}
    for name, value in (("size", size), ("offset", offset)):
        maps[name] = as_array(value, name).astype(np.float64)
        if maps[name].shape != (2, *heatmap.shape[1:]):
            raise ValueError(f"{name} must have shape {(2, *heatmap.shape[1:])}; got {maps[name].shape}.")
        check_finite(maps[name], name)
    k = check_number(k, "k", low=1, integer=True)
    stride = check_number(stride, "stride", low=0, low_inclusive=False, finite=True)
    score_threshold = check_number(score_threshold, "score_threshold", low=0, high=1)
    scores = np.where(peaks, heatmap, -np.inf).ravel()
    order = np.argsort(-scores, kind="stable")[:k]
    order = order[scores[order] >= score_threshold]
    labels, rows, columns = np.unravel_index(order, heatmap.shape)
    centre_x = columns + maps["offset"][0, rows, columns]
    centre_y = rows + maps["offset"][1, rows, columns]
    half_w, half_h = maps["size"][0, rows, columns] / 2, maps["size"][1, rows, columns] / 2
    boxes = np.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], axis=1)
    return boxes.reshape(-1, 4) * stride, scores[order].astype(np.float64), labels.astype(np.int64)


def focal_loss(logits, target, alpha: float = 2.0, beta: float = 4.0):
    """CornerNet's penalty-reduced focal loss on a heatmap, summed and divided by the number of peaks.

    With ``p = sigmoid(logits)`` and the target heatmap ``y``::

        -(1 - p)^alpha log(p)                    where y = 1 (an object's centre)
        -(1 - y)^beta p^alpha log(1 - p)         elsewhere

    The second factor ``(1 - y)^beta`` lowers the penalty near a centre, where a peak one
    cell off would still give a good box; ``p^alpha`` and ``(1 - p)^alpha`` are the focal
    loss's down-weighting of easy cells (Lin et al. 2017). The logarithms are computed from
    the logits (``logsigmoid``), so they never overflow.

    Parameters
    ----------
    logits : torch.Tensor, shape (N, C, H, W)
        The heatmap head's raw output.
    target : torch.Tensor, the same shape
        Values in [0, 1], exactly 1 at the centres.
    alpha, beta : float

    Returns
    -------
    torch.Tensor
        A scalar (the sum over all cells, divided by the number of centres, at least 1).
    """
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor (the heatmap head's output); got {_describe(logits)}.")
    if not isinstance(target, torch.Tensor) or target.shape != logits.shape:
        shown = tuple(target.shape) if isinstance(target, torch.Tensor) else _describe(target)
        raise ValueError(f"target must be a tensor of shape {tuple(logits.shape)}; got {shown}.")
    if target.numel() and (target.min() < 0 or target.max() > 1):
        raise ValueError(f"target must hold values in [0, 1]; got values from {target.min().item():g} "
                         f"to {target.max().item():g}.")
    alpha = check_number(alpha, "alpha", low=0, finite=True)
    beta = check_number(beta, "beta", low=0, finite=True)
    probability = torch.sigmoid(logits)
    centre = target == 1
    positive = (1 - probability) ** alpha * F.logsigmoid(logits)
    negative = (1 - target) ** beta * probability**alpha * F.logsigmoid(-logits)
    total = torch.where(centre, positive, negative).sum()
    return -total / centre.sum().clamp(min=1)


def centernet_loss(outputs, targets, size_weight: float = 0.1, offset_weight: float = 1.0):
    """The focal loss of the heatmap plus the L1 losses of size and offset at the centres.

    Parameters
    ----------
    outputs : (heatmap logits, size, offset)
        What :class:`CenterNet` returns: (N, C, H, W), (N, 2, H, W), (N, 2, H, W).
    targets : dict of torch.Tensor
        Batched :func:`centernet_targets`.
    size_weight, offset_weight : float
        The paper's lambda_size = 0.1 and lambda_off = 1.
    """
    if not (isinstance(outputs, (tuple, list)) and len(outputs) == 3
            and all(isinstance(item, torch.Tensor) for item in outputs)):
        raise TypeError(f"outputs must be the three tensors CenterNet returns; got {_describe(outputs)}.")
    missing = {"heatmap", "size", "offset", "mask"} - (set(targets) if isinstance(targets, dict) else set())
    if missing:
        raise ValueError(f"targets must be a dict of batched centernet_targets; {sorted(missing)} are missing.")
    logits, size, offset = outputs
    expected = {"heatmap": logits.shape, "size": size.shape, "offset": offset.shape,
                "mask": (size.shape[0], *size.shape[2:])}
    for name, shape in expected.items():
        if not isinstance(targets[name], torch.Tensor) or targets[name].shape != shape:
            shown = tuple(targets[name].shape) if isinstance(targets[name], torch.Tensor) else _describe(targets[name])
            raise ValueError(f"targets['{name}'] must be a tensor of shape {tuple(shape)}, to match the outputs; "
                             f"got {shown}.")
    if targets["mask"].dtype != torch.bool:
        raise ValueError(f"targets['mask'] must be a bool tensor; got {targets['mask'].dtype}.")
    mask = targets["mask"][:, None].expand_as(size)
    count = targets["mask"].sum().clamp(min=1)
    size_loss = F.l1_loss(size[mask], targets["size"][mask], reduction="sum") / count
    offset_loss = F.l1_loss(offset[mask], targets["offset"][mask], reduction="sum") / count
    return focal_loss(logits, targets["heatmap"]) + size_weight * size_loss + offset_weight * offset_loss


class CenterNet(nn.Module):
    """A small CenterNet with output stride 4: a heatmap per class, a size map and an offset map.

    Four of chapter 14's convolution blocks (two of them with stride 2) turn an image of
    4S x 4S pixels into S x S features; three heads (a 3x3 convolution, ReLU, a 1x1
    convolution, as in the paper) predict the class heatmaps (raw, before the sigmoid),
    the size (width, height) in cells and the offset of the centre in its cell.

    ``forward`` returns ``(heatmap_logits (N, C, S, S), size (N, 2, S, S), offset (N, 2, S, S))``.

    Parameters
    ----------
    num_classes : int >= 1
    channels : int >= 1
        Width of the backbone's last blocks and of the heads.
    in_channels : int >= 1
    """

    stride = 4

    def __init__(self, num_classes: int = 3, channels: int = 24, in_channels: int = 3):
        super().__init__()
        self.num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
        channels = check_number(channels, "channels", low=1, integer=True)
        self.features = nn.Sequential(conv_block(in_channels, 16, stride=2), conv_block(16, channels, stride=2),
                                      conv_block(channels, channels), conv_block(channels, channels))
        self.heatmap, self.size, self.offset = (
            nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True),
                          nn.Conv2d(channels, outputs, 1)) for outputs in (self.num_classes, 2, 2))
        with torch.no_grad():  # start every cell at probability 0.1, as the paper does
            self.heatmap[-1].bias.fill_(-2.19)

    def forward(self, x):
        features = self.features(x)
        return self.heatmap(features), self.size(features), self.offset(features)


class CenterNetDataset(GridDataset):
    """Images with their :func:`centernet_targets`, for a ``DataLoader`` (targets come as a dict).

    Serves and mirrors its items as chapter 14's :class:`~cvcourse.detection.networks.GridDataset`
    does; only the targets differ.

    Parameters
    ----------
    images : array_like, shape (N, H, W, 3)
    boxes, labels : lists of arrays, one per image
    num_classes : int
    stride : int
        The model's pixels per output cell.
    flip : bool
        Mirror each image left-right with probability 1/2 when it is served (the targets
        are mirrored with it).
    """

    def __init__(self, images, boxes, labels, num_classes: int, stride: int = CenterNet.stride, flip: bool = False):
        # GridDataset.__init__ would build grid targets: set its attributes here instead
        self.images = images_to_tensor(images)
        self.size = self.images.shape[-1]
        stride = check_number(stride, "stride", low=1, integer=True)
        if self.images.shape[-2] != self.size:
            raise ValueError(f"images must be square; got {self.images.shape[-2]} x {self.size} pixels.")
        if not len(boxes) == len(labels) == len(self.images):
            raise ValueError(f"boxes and labels must hold one array per image ({len(self.images)}); "
                             f"got {len(boxes)} and {len(labels)}.")
        if self.size % stride:
            raise ValueError(f"images must be a multiple of stride ({stride}) pixels wide, so that the targets "
                             f"match the model's output; got {self.size} pixels.")
        self.flip = flip
        cells = self.size // stride
        mirror = lambda b: np.stack([self.size - b[:, 2], b[:, 1], self.size - b[:, 0], b[:, 3]], axis=1)  # noqa: E731
        self.targets = [self._stack([centernet_targets(b, l, num_classes, cells, stride)
                                     for b, l in zip(boxes, labels)])]
        if flip:
            self.targets.append(self._stack([centernet_targets(mirror(as_boxes(b)), l, num_classes, cells, stride)
                                             for b, l in zip(boxes, labels)]))


def centernet_detect(model: CenterNet, images, k: int = 20, score_threshold: float = 0.05, device=None,
                     batch_size: int = 256):
    """Run a CenterNet on images and decode each output with :func:`centernet_decode`.

    Parameters
    ----------
    model : CenterNet
    images : array_like, shape (N, H, W, 3)
        Floats in [0, 1].
    k : int >= 1
        At most this many boxes per image.
    score_threshold : float in [0, 1]
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.
    batch_size : int

    Returns
    -------
    list of (boxes, scores, labels), one per image, boxes xyxy in pixels
    """
    from .. import device as best_device

    if not isinstance(model, CenterNet):
        raise TypeError(f"model must be a CenterNet; got {_describe(model)}.")
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    device = best_device() if device is None else torch.device(device)
    results = []
    for outputs in _evaluation_batches(model, images, device, batch_size):
        logits, size, offset = (out.cpu().double() for out in outputs)
        heatmaps = torch.sigmoid(logits).numpy()  # on the CPU in float64, which MPS lacks
        size, offset = size.numpy(), offset.numpy()
        results.extend(centernet_decode(h, s, o, k, model.stride, score_threshold)
                       for h, s, o in zip(heatmaps, size, offset))
    return results
