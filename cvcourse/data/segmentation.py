"""Synthetic scenes with exact per-pixel labels, for the segmentation chapters.

The shapes of chapter 14's scenes (:mod:`cvcourse.data.scenes`: ellipses, rectangles and
triangles of random sizes and colours on a noisy background), drawn so that objects touch
and hide parts of one another, with two label maps per image: the **semantic** map (the
class of every pixel, 0 for background) and the **instance** map (which object every pixel
belongs to, 0 for background), from which boxes follow too. Everything comes from a seed.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_ndim, check_number
from .scenes import SHAPE_CLASSES, _background, _check, _colour_unlike, _shape_mask

__all__ = ["SEGMENTATION_CLASSES", "segmentation_scenes", "instance_boxes"]

#: The classes of :func:`segmentation_scenes`' semantic maps, by label: background, then
#: the shapes of :data:`cvcourse.data.scenes.SHAPE_CLASSES`.
SEGMENTATION_CLASSES = ("background", *SHAPE_CLASSES)


def _place(owner: np.ndarray, areas: list, mask: np.ndarray, min_visible: float) -> bool:
    """Whether a new object on top of ``owner`` leaves every earlier one ``min_visible`` visible."""
    for index, area in enumerate(areas):
        if ((owner == index) & ~mask).sum() < min_visible * area:
            return False
    return True


def segmentation_scenes(count: int, size: int = 48, max_objects: int = 4, min_side: int = 12,
                        max_side: int = 26, seed: int = 0):
    """Scenes of 1 to ``max_objects`` shapes, with semantic and instance label maps.

    Each new shape is drawn on top of the earlier ones, so objects overlap and touch, but a
    shape is only placed where it leaves every earlier object at least 60% visible (so every
    object keeps enough of its outline to be recognised).

    Parameters
    ----------
    count : int >= 1
    size : int >= 16
        Images are ``size`` x ``size``.
    max_objects : int >= 1
    min_side, max_side : int
        Range of the shapes' widths and heights in pixels.
    seed : int >= 0

    Returns
    -------
    images : numpy.ndarray of float32, shape (count, size, size, 3), values in [0, 1]
    semantic : numpy.ndarray of int64, shape (count, size, size)
        The class of every pixel, an index into :data:`SEGMENTATION_CLASSES` (0: background).
    instances : numpy.ndarray of int64, shape (count, size, size)
        0 for background, 1, 2, ... for the objects of each image in drawing order.

    Examples
    --------
    >>> images, semantic, instances = segmentation_scenes(2, seed=1)
    >>> images.shape, semantic.shape, int(semantic.max()) < len(SEGMENTATION_CLASSES)
    ((2, 48, 48, 3), (2, 48, 48), True)
    """
    count, size, rng = _check(count, size, seed)
    max_objects = check_number(max_objects, "max_objects", low=1, integer=True)
    min_side = check_number(min_side, "min_side", low=3, integer=True)
    max_side = check_number(max_side, "max_side", low=min_side, high=size, integer=True)
    images = np.empty((count, size, size, 3), dtype=np.float32)
    semantic = np.zeros((count, size, size), dtype=np.int64)
    instances = np.zeros((count, size, size), dtype=np.int64)
    rows, columns = np.mgrid[:size, :size] + 0.5
    for n in range(count):
        image = _background(size, rng)
        background = image.mean(axis=(0, 1))
        owner = np.full((size, size), -1)
        areas, kinds = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _attempt in range(20):
                width, height = rng.uniform(min_side, max_side, 2)
                x, y = rng.uniform(0, size - width), rng.uniform(0, size - height)
                kind = int(rng.integers(len(SHAPE_CLASSES)))
                mask = _shape_mask(kind, x, y, width, height, size, rows, columns)
                if mask.sum() >= 9 and _place(owner, areas, mask, 0.6):
                    break
            else:
                continue
            image[mask] = _colour_unlike(background, rng)
            owner[mask] = len(areas)
            areas.append(mask.sum())
            kinds.append(kind)
        visible = owner >= 0
        semantic[n][visible] = np.array(kinds, dtype=np.int64)[owner[visible]] + 1
        instances[n] = owner + 1
        images[n] = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1)
    return images, semantic, instances


def instance_boxes(instances):
    """The tight xyxy box of every object of an instance map, in the order of its ids.

    Parameters
    ----------
    instances : array_like of int, shape (H, W)
        0 for background, positive ids for objects.

    Returns
    -------
    ids : numpy.ndarray of int64, shape (k,)
        The object ids present, ascending.
    boxes : numpy.ndarray of float64, shape (k, 4)
        xyxy in pixels (a pixel (r, c) covers [c, c + 1) x [r, r + 1)).

    Examples
    --------
    >>> ids, boxes = instance_boxes(np.array([[0, 1, 1], [2, 2, 0]]))
    >>> ids.tolist(), boxes.tolist()
    ([1, 2], [[1.0, 0.0, 3.0, 1.0], [0.0, 1.0, 2.0, 2.0]])
    """
    from ..detection.boxes import mask_to_box

    instances = as_array(instances, "instances")
    check_ndim(instances, 2, "instances", "(H, W): an instance map, 0 for background")
    if not np.issubdtype(instances.dtype, np.integer):
        raise TypeError(f"instances must hold integer ids; got dtype {instances.dtype}.")
    ids = np.unique(instances[instances > 0]).astype(np.int64)
    boxes = np.zeros((len(ids), 4))
    for row, index in enumerate(ids):
        x, y, width, height = mask_to_box(instances == index)
        boxes[row] = x, y, x + width, y + height
    return ids, boxes
