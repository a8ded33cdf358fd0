"""Anchor boxes: laying them out, matching them to objects, and encoding boxes as offsets.

A detector does not regress boxes from nothing. It starts from a fixed set of **anchors**
(Faster R-CNN; SSD calls them **default boxes**): at every cell of a feature map, a few
boxes of chosen sizes and shapes. Training matches every anchor to an object it overlaps
enough (or to the background), and the network learns small **offsets** from its anchor to
the object's box, which are easier to learn than absolute coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array, check_finite, check_number
from .boxes import as_boxes, box_iou

__all__ = ["anchor_grid", "match_anchors", "encode_boxes", "decode_boxes", "default_boxes",
           "BACKGROUND", "IGNORE"]

#: :func:`match_anchors`' label for an anchor that is background.
BACKGROUND = -1
#: :func:`match_anchors`' label for an anchor that is neither object nor background.
IGNORE = -2


def _positive_numbers(values, name: str) -> list[float]:
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, (list, tuple, np.ndarray)) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty list of positive numbers; got {values!r}.")
    return [check_number(v, name, low=0, low_inclusive=False, finite=True) for v in values]


def _grid_size(size, name: str) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"{name} must be an int or (height, width); got {size!r}.")
    return tuple(check_number(s, name, low=1, integer=True) for s in size)


def anchor_grid(feature_size, stride, sizes, aspect_ratios) -> np.ndarray:
    """Anchors centred on every cell of a feature map, as xyxy boxes in image pixels.

    Cell (row i, column j) of a map with ``stride`` pixels per cell is centred at
    ``((j + 0.5) * stride, (i + 0.5) * stride)``. Each cell gets one anchor per pair of a
    size and an aspect ratio: area ``size ** 2`` and ``height / width = ratio`` (the
    convention of torchvision's ``AnchorGenerator``).

    Parameters
    ----------
    feature_size : int or (int, int)
        The map's height and width in cells.
    stride : float > 0
        Pixels per cell.
    sizes : sequence of float > 0
        Anchor sizes in pixels (the side of a square of the same area).
    aspect_ratios : sequence of float > 0
        Height over width.

    Returns
    -------
    numpy.ndarray, shape (height * width * len(aspect_ratios) * len(sizes), 4)
        Ordered by cell (row-major), then ratio, then size.

    Examples
    --------
    >>> anchor_grid(1, 16, [8], [0.5, 1.0, 2.0]).round(2)
    array([[ 2.34,  5.17, 13.66, 10.83],
           [ 4.  ,  4.  , 12.  , 12.  ],
           [ 5.17,  2.34, 10.83, 13.66]])
    """
    rows, columns = _grid_size(feature_size, "feature_size")
    stride = check_number(stride, "stride", low=0, low_inclusive=False, finite=True)
    sizes = np.asarray(_positive_numbers(sizes, "sizes"))
    ratios = np.asarray(_positive_numbers(aspect_ratios, "aspect_ratios"))
    heights = (np.sqrt(ratios)[:, None] * sizes[None, :]).ravel()
    widths = (sizes[None, :] / np.sqrt(ratios)[:, None]).ravel()
    base = np.stack([-widths, -heights, widths, heights], axis=1) / 2
    cy, cx = np.meshgrid((np.arange(rows) + 0.5) * stride, (np.arange(columns) + 0.5) * stride, indexing="ij")
    centres = np.stack([cx.ravel(), cy.ravel(), cx.ravel(), cy.ravel()], axis=1)
    return (centres[:, None, :] + base[None, :, :]).reshape(-1, 4)


def match_anchors(anchors, gt_boxes, high: float = 0.5, low: float = 0.4,
                  allow_low_quality: bool = True) -> np.ndarray:
    """Assign every anchor an object (its index), the background, or "ignore".

    An anchor whose best IoU with any object is at least ``high`` is matched to that object;
    below ``low`` it is background (:data:`BACKGROUND`, -1); in between it is ignored in
    training (:data:`IGNORE`, -2). With ``allow_low_quality``, the anchor(s) with the highest
    IoU for each object are matched too (to their own best object), so that no object is
    left without an anchor. This is torchvision's ``Matcher`` (Faster R-CNN's RPN uses
    0.7 / 0.3, RetinaNet 0.5 / 0.4).

    Parameters
    ----------
    anchors : array_like, shape (A, 4)
        xyxy boxes.
    gt_boxes : array_like, shape (G, 4)
        The objects' xyxy boxes; G may be 0 (everything is background).
    high, low : float in [0, 1], low <= high
    allow_low_quality : bool

    Returns
    -------
    numpy.ndarray of int64, shape (A,)

    Examples
    --------
    >>> anchors = [[0, 0, 10, 10], [5, 0, 15, 10], [30, 30, 40, 40]]
    >>> match_anchors(anchors, [[1, 0, 11, 10]], high=0.7, low=0.3)
    array([ 0, -2, -1])
    """
    anchors = as_boxes(anchors, "anchors")
    gt_boxes = as_boxes(gt_boxes, "gt_boxes")
    high = check_number(high, "high", low=0, high=1)
    low = check_number(low, "low", low=0, high=1)
    if low > high:
        raise ValueError(f"low must be <= high; got low={low:g}, high={high:g}.")
    if not isinstance(allow_low_quality, (bool, np.bool_)):
        raise TypeError(f"allow_low_quality must be True or False; got {allow_low_quality!r}.")
    if len(gt_boxes) == 0:
        return np.full(len(anchors), BACKGROUND, dtype=np.int64)
    if len(anchors) == 0:
        return np.zeros(0, dtype=np.int64)
    iou = np.nan_to_num(box_iou(gt_boxes, anchors))  # (G, A)
    best_iou = iou.max(axis=0)
    best_object = iou.argmax(axis=0)
    matches = best_object.copy()
    matches[best_iou < low] = BACKGROUND
    matches[(best_iou >= low) & (best_iou < high)] = IGNORE
    if allow_low_quality:
        best_for_object = iou.max(axis=1, keepdims=True)
        anchors_to_keep = np.nonzero(iou == best_for_object)[1]
        matches[anchors_to_keep] = best_object[anchors_to_keep]
    return matches.astype(np.int64)


def _weights(weights) -> tuple[float, float, float, float]:
    if not isinstance(weights, (tuple, list, np.ndarray)) or len(weights) != 4:
        raise TypeError(f"weights must be four positive numbers (wx, wy, ww, wh); got {weights!r}.")
    return tuple(check_number(w, "weights", low=0, low_inclusive=False, finite=True) for w in weights)


def _centres(boxes: np.ndarray):
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights, widths, heights


def _proper(boxes: np.ndarray, name: str) -> None:
    if np.any((boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])):
        raise ValueError(f"{name} must have positive widths and heights (offsets divide by them and "
                         "take their logarithm).")


def encode_boxes(boxes, anchors, weights=(1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """The offsets that turn each anchor into its box (Girshick et al. 2014; Ren et al. 2015).

    ``tx = wx (x - xa) / wa``, ``ty = wy (y - ya) / ha``, ``tw = ww log(w / wa)``,
    ``th = wh log(h / ha)``, with (x, y, w, h) the box's centre and size and (xa, ya, wa, ha)
    the anchor's. Centre offsets are measured in anchor widths, sizes as log-ratios, so the
    targets do not depend on the object's scale. Equal to torchvision's ``BoxCoder.encode``.

    Parameters
    ----------
    boxes, anchors : array_like, shape (N, 4)
        xyxy boxes with positive sizes, paired row by row.
    weights : (wx, wy, ww, wh)
        Faster R-CNN uses (10, 10, 5, 5) for its second stage, (1, 1, 1, 1) for the RPN.

    Returns
    -------
    numpy.ndarray, shape (N, 4)

    Examples
    --------
    >>> encode_boxes([[2, 0, 12, 20]], [[0, 0, 10, 10]]).round(4)
    array([[0.2   , 0.5   , 0.    , 0.6931]])
    """
    boxes, anchors = as_boxes(boxes, "boxes"), as_boxes(anchors, "anchors")
    if boxes.shape != anchors.shape:
        raise ValueError(f"boxes and anchors must pair up row by row; got {boxes.shape} and {anchors.shape}.")
    _proper(boxes, "boxes")
    _proper(anchors, "anchors")
    wx, wy, ww, wh = _weights(weights)
    x, y, w, h = _centres(boxes)
    xa, ya, wa, ha = _centres(anchors)
    return np.stack([wx * (x - xa) / wa, wy * (y - ya) / ha, ww * np.log(w / wa), wh * np.log(h / ha)], axis=1)


def decode_boxes(offsets, anchors, weights=(1.0, 1.0, 1.0, 1.0), clip: float = math.log(1000.0 / 16)) -> np.ndarray:
    """Apply offsets to anchors: the inverse of :func:`encode_boxes`, as xyxy boxes.

    The size offsets are clipped at ``clip`` (``log(1000 / 16)`` as in torchvision) before the
    exponential, so that an untrained network cannot produce enormous boxes.

    Parameters
    ----------
    offsets : array_like, shape (N, 4)
    anchors : array_like, shape (N, 4)
        xyxy boxes with positive sizes.
    weights : (wx, wy, ww, wh)
    clip : float

    Returns
    -------
    numpy.ndarray, shape (N, 4)

    Examples
    --------
    >>> decode_boxes([[0.2, 0.5, 0.0, np.log(2)]], [[0, 0, 10, 10]]).round(4)
    array([[ 2.,  0., 12., 20.]])
    """
    anchors = as_boxes(anchors, "anchors")
    _proper(anchors, "anchors")
    offsets = as_array(offsets, "offsets")
    if offsets.shape != anchors.shape:
        raise ValueError(f"offsets must have the anchors' shape {anchors.shape}; got {offsets.shape}.")
    check_finite(offsets, "offsets")
    offsets = offsets.astype(np.float64)
    wx, wy, ww, wh = _weights(weights)
    clip = check_number(clip, "clip", finite=True)
    xa, ya, wa, ha = _centres(anchors)
    x = offsets[:, 0] / wx * wa + xa
    y = offsets[:, 1] / wy * ha + ya
    w = np.exp(np.minimum(offsets[:, 2] / ww, clip)) * wa
    h = np.exp(np.minimum(offsets[:, 3] / wh, clip)) * ha
    return np.stack([x - 0.5 * w, y - 0.5 * h, x + 0.5 * w, y + 0.5 * h], axis=1)


def default_boxes(feature_sizes, image_size, aspect_ratios, min_ratio: float = 0.15, max_ratio: float = 0.9,
                  scales=None, steps=None, clip: bool = True) -> np.ndarray:
    """SSD's default boxes over several feature maps (Liu et al. 2016), xyxy in pixels.

    Map k (of m) gets the scale ``s_k = min_ratio + (max_ratio - min_ratio) k / (m - 1)`` of the
    image (``s_m = 1``). At the centre of each of its cells sit two squares, of sides ``s_k``
    and ``sqrt(s_k s_{k+1})``, and for each aspect ratio ``a`` a box ``s_k sqrt(a)`` wide and
    ``s_k / sqrt(a)`` tall and its transpose. Fine maps get small boxes, coarse maps large
    ones. Equal to torchvision's ``DefaultBoxGenerator`` with the same settings.

    Parameters
    ----------
    feature_sizes : sequence of (int, int)
        Height and width of each feature map, finest first.
    image_size : (int, int)
        The image's height and width in pixels.
    aspect_ratios : sequence of sequences of float
        The extra ratios per map (e.g. ``[[2], [2, 3], ...]``).
    min_ratio, max_ratio : float
        Smallest and largest scale, as fractions of the image.
    scales : sequence of float, optional
        ``len(feature_sizes) + 1`` scales, instead of the spread from min to max.
    steps : sequence of int, optional
        Pixels per cell of each map, when the map does not divide the image evenly.
    clip : bool
        Clip box widths and heights to the image (in the centre-size form, as torchvision).

    Returns
    -------
    numpy.ndarray, shape (sum over maps of cells * (2 + 2 * len(ratios)), 4)

    Examples
    --------
    >>> default_boxes([(1, 1)], (100, 100), [[2]]).round(1)
    array([[42.5, 42.5, 57.5, 57.5],
           [31.6, 31.6, 68.4, 68.4],
           [39.4, 44.7, 60.6, 55.3],
           [44.7, 39.4, 55.3, 60.6]])
    """
    if not isinstance(feature_sizes, (list, tuple)) or len(feature_sizes) == 0:
        raise TypeError(f"feature_sizes must be a non-empty list of (height, width); got {feature_sizes!r}.")
    grids = [_grid_size(size, "feature_sizes") for size in feature_sizes]
    image_h, image_w = _grid_size(image_size, "image_size")
    if not isinstance(aspect_ratios, (list, tuple)) or len(aspect_ratios) != len(grids):
        raise ValueError(f"aspect_ratios must hold one list per feature map ({len(grids)}); got {aspect_ratios!r}.")
    ratios = [_positive_numbers(r, "aspect_ratios") if len(r) else [] for r in aspect_ratios]
    count = len(grids)
    if scales is None:
        min_ratio = check_number(min_ratio, "min_ratio", low=0, low_inclusive=False, finite=True)
        max_ratio = check_number(max_ratio, "max_ratio", low=min_ratio, finite=True)
        if count > 1:
            scales = [min_ratio + (max_ratio - min_ratio) * k / (count - 1.0) for k in range(count)] + [1.0]
        else:
            scales = [min_ratio, max_ratio]
    else:
        scales = _positive_numbers(scales, "scales")
        if len(scales) != count + 1:
            raise ValueError(f"scales must hold {count + 1} numbers (one per map and one more); got {len(scales)}.")
    if steps is not None:
        steps = _positive_numbers(steps, "steps")
        if len(steps) != count:
            raise ValueError(f"steps must hold one number per feature map ({count}); got {len(steps)}.")
    boxes = []
    for k, (rows, columns) in enumerate(grids):
        sizes = [[scales[k], scales[k]], [math.sqrt(scales[k] * scales[k + 1])] * 2]
        for ratio in ratios[k]:
            sizes += [[scales[k] * math.sqrt(ratio), scales[k] / math.sqrt(ratio)],
                      [scales[k] / math.sqrt(ratio), scales[k] * math.sqrt(ratio)]]
        sizes = np.asarray(sizes)
        if clip:
            sizes = np.clip(sizes, 0, 1)
        cells_y, cells_x = (image_h / steps[k], image_w / steps[k]) if steps is not None else (rows, columns)
        cy, cx = np.meshgrid((np.arange(rows) + 0.5) / cells_y, (np.arange(columns) + 0.5) / cells_x, indexing="ij")
        centres = np.repeat(np.stack([cx.ravel(), cy.ravel()], axis=1), len(sizes), axis=0)
        wh = np.tile(sizes, (rows * columns, 1))
        boxes.append(np.concatenate([centres - 0.5 * wh, centres + 0.5 * wh], axis=1))
    return np.concatenate(boxes) * np.array([image_w, image_h, image_w, image_h])
