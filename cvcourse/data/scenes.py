"""Synthetic images with exact boxes and landmarks, for the localisation and detection chapters.

No detection dataset ships inside a Python package, so the course draws its own: flat
shapes (ellipses, rectangles, triangles) of random sizes, colours and places on a noisy
background, with the exact box of every object's visible pixels, and cartoon faces with
the exact positions of their eyes and mouth. Everything is generated from a seed, so a
split is the same on every machine.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_number

__all__ = ["SHAPE_CLASSES", "shape_scenes", "single_shapes", "cartoon_faces", "LANDMARK_NAMES"]

#: The classes of :func:`shape_scenes` and :func:`single_shapes`, by label.
SHAPE_CLASSES = ("ellipse", "rectangle", "triangle")
#: The landmarks of :func:`cartoon_faces`, in order.
LANDMARK_NAMES = ("left eye", "right eye", "mouth")


def _shape_mask(kind: int, x: float, y: float, width: float, height: float, size: int,
                rows: np.ndarray | None = None, columns: np.ndarray | None = None) -> np.ndarray:
    """Pixels whose centres fall inside a shape with top-left corner (x, y).

    ``rows`` and ``columns`` are the pixel centres' coordinates, ``np.mgrid[:size, :size] + 0.5``
    (computed here unless given, to save the work in a loop over thousands of shapes).
    """
    if rows is None:
        rows, columns = np.mgrid[:size, :size] + 0.5
    u, v = (columns - x) / width, (rows - y) / height  # [0, 1] across the shape's box
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    if kind == 0:
        return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25
    if kind == 1:
        return inside
    return inside & (np.abs(u - 0.5) <= 0.5 * v)  # apex at the top


def _background(size: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(0.1, 0.6, 3)
    ramp = np.linspace(-0.1, 0.1, size)
    image = base + ramp[:, None, None] * rng.uniform(-1, 1) + ramp[None, :, None] * rng.uniform(-1, 1)
    return np.clip(image + rng.normal(0, 0.04, (size, size, 3)), 0, 1)


def _colour_unlike(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    while True:
        colour = rng.uniform(0, 1, 3)
        if np.abs(colour - background).sum() > 0.6:
            return colour


def _check(count, size, seed):
    count = check_number(count, "count", low=1, integer=True)
    size = check_number(size, "size", low=16, integer=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    return count, size, np.random.default_rng(seed)


def shape_scenes(count: int, size: int = 64, max_objects: int = 4, min_side: int = 10,
                 max_side: int = 28, seed: int = 0):
    """Scenes of 1 to ``max_objects`` shapes with their exact boxes and classes.

    Shapes may overlap (the box of any two objects has IoU at most 0.3) and later shapes
    hide parts of earlier ones; each box is the tight box of the object's *visible* pixels,
    and an object less than half visible is dropped.

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
    boxes : list of numpy.ndarray, each (k, 4)
        xyxy boxes in pixels (a pixel (r, c) covers [c, c + 1) x [r, r + 1)).
    labels : list of numpy.ndarray of int64, each (k,)
        Indices into :data:`SHAPE_CLASSES`.

    Examples
    --------
    >>> images, boxes, labels = shape_scenes(2, seed=1)
    >>> images.shape, len(boxes), boxes[0].shape[1]
    ((2, 64, 64, 3), 2, 4)
    """
    from ..detection.boxes import _intersection_union, mask_to_box

    count, size, rng = _check(count, size, seed)
    max_objects = check_number(max_objects, "max_objects", low=1, integer=True)
    min_side = check_number(min_side, "min_side", low=3, integer=True)
    max_side = check_number(max_side, "max_side", low=min_side, high=size, integer=True)
    images = np.empty((count, size, size, 3), dtype=np.float32)
    rows, columns = np.mgrid[:size, :size] + 0.5
    all_boxes, all_labels = [], []
    for n in range(count):
        image = _background(size, rng)
        background = image.mean(axis=(0, 1))
        owner = np.full((size, size), -1)
        placed, kinds = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _attempt in range(20):
                width, height = rng.uniform(min_side, max_side, 2)
                x, y = rng.uniform(0, size - width), rng.uniform(0, size - height)
                box = np.array([[x, y, x + width, y + height]])
                # box_iou without its checks (the boxes are ours): they cost more than the scene
                if not placed or (np.divide(*_intersection_union(box, np.array(placed))) <= 0.3).all():
                    break
            else:
                continue
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            mask = _shape_mask(kind, x, y, width, height, size, rows, columns)
            image[mask] = _colour_unlike(background, rng)
            owner[mask] = len(placed)
            placed.append(box[0])
            kinds.append((kind, mask.sum()))
        boxes, labels = [], []
        for index, (kind, area) in enumerate(kinds):
            visible = owner == index
            if visible.sum() >= 0.5 * area and visible.any():
                x, y, width, height = mask_to_box(visible)
                boxes.append([x, y, x + width, y + height])
                labels.append(kind)
        images[n] = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1)
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
        all_labels.append(np.array(labels, dtype=np.int64))
    return images, all_boxes, all_labels


def single_shapes(count: int, size: int = 48, min_side: int = 10, max_side: int = 36, seed: int = 0):
    """Images of exactly one shape each, with its class and box (classification + localisation).

    Parameters
    ----------
    count : int >= 1
    size : int >= 16
    min_side, max_side : int
    seed : int >= 0

    Returns
    -------
    images : numpy.ndarray of float32, shape (count, size, size, 3)
    boxes : numpy.ndarray, shape (count, 4)
        xyxy in pixels.
    labels : numpy.ndarray of int64, shape (count,)

    Examples
    --------
    >>> images, boxes, labels = single_shapes(3, seed=2)
    >>> images.shape, boxes.shape, labels.shape
    ((3, 48, 48, 3), (3, 4), (3,))
    """
    images, boxes, labels = shape_scenes(count, size, 1, min_side, max_side, seed)
    return images, np.concatenate(boxes), np.concatenate(labels)


def cartoon_faces(count: int, size: int = 48, seed: int = 0):
    """Grayscale cartoon faces (an oval head, two eyes, a mouth) and the positions of those three.

    Faces vary in position, size, width, tilt (up to 25 degrees) and brightness, so the
    landmarks cannot be found by a fixed template.

    Parameters
    ----------
    count : int >= 1
    size : int >= 16
    seed : int >= 0

    Returns
    -------
    images : numpy.ndarray of float32, shape (count, size, size), values in [0, 1]
    landmarks : numpy.ndarray, shape (count, 3, 2)
        (x, y) in pixels of the left eye, the right eye and the mouth (:data:`LANDMARK_NAMES`).

    Examples
    --------
    >>> images, landmarks = cartoon_faces(2)
    >>> images.shape, landmarks.shape
    ((2, 48, 48), (2, 3, 2))
    """
    count, size, rng = _check(count, size, seed)
    rows, columns = np.mgrid[:size, :size] + 0.5
    images = np.empty((count, size, size), dtype=np.float32)
    landmarks = np.empty((count, 3, 2))
    for n in range(count):
        radius = rng.uniform(0.28, 0.4) * size
        aspect = rng.uniform(0.75, 0.95)
        centre = rng.uniform(radius * 0.9, size - radius * 0.9, 2)
        angle = np.deg2rad(rng.uniform(-25, 25))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        # face frame: x to the right, y down, in units of the radius
        local = np.array([[-0.38, -0.2], [0.38, -0.2], [0.0, 0.45]])
        points = centre + (local * radius) @ rotation.T
        u = np.stack([columns - centre[0], rows - centre[1]], axis=-1) @ rotation  # into the face frame
        head = (u[..., 0] / (aspect * radius)) ** 2 + (u[..., 1] / radius) ** 2 <= 1
        skin, dark = rng.uniform(0.55, 0.9), rng.uniform(0.0, 0.25)
        image = np.full((size, size), rng.uniform(0.1, 0.4))
        image[head] = skin
        eye = 0.11 * radius
        for x, y in points[:2]:
            image[(columns - x) ** 2 + (rows - y) ** 2 <= eye**2] = dark
        mouth = (np.abs(u[..., 0]) <= 0.3 * radius) & (np.abs(u[..., 1] - 0.45 * radius) <= 0.05 * radius + 0.5)
        image[mouth] = dark
        images[n] = np.clip(image + rng.normal(0, 0.04, image.shape), 0, 1)
        landmarks[n] = points
    return images, landmarks
