"""CRAFT (Baek, Lee, Han, Yun & Lee 2019): text detection from character regions and the affinities between them.

A word is hard to box directly when it is long, rotated or curved, but it is made of
characters, which are small and nearly square. CRAFT predicts two maps at every pixel:

- the **region score**, how likely the pixel is the centre of a character: the target is a
  2-D isotropic Gaussian drawn on a square and warped by a perspective transform into each
  character's box (:func:`quad_gaussian`, :func:`region_map`);
- the **affinity score**, how likely the pixel is the centre of the space between two
  adjacent characters of one word: the same Gaussian warped into an *affinity box* whose
  corners are the centres of the upper and lower triangles of the two characters' boxes
  (:func:`affinity_boxes`, :func:`affinity_map`).

:func:`craft_decode` turns the two maps into words: threshold them, join the pixels into
connected components (characters linked by affinities fall into one), and fit each component
the minimum-area rectangle (:func:`min_area_rect`). :class:`CRAFTNet` is a small U-Net that
predicts both maps; :func:`train_craft` fits it on synthetic text from
:func:`cvcourse.data.text.text_lines` and :func:`text_f1` scores the words it finds.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage as ndi

from .._validate import _describe, as_array, check_finite, check_ndim, check_number
from ..data.text import _quads, _shape, polygon_coverage
from ..models._common import ConvNormActivation, check_batch, check_counts
from ..models.segmentation import UNet

__all__ = ["GAUSSIAN_SIGMA", "perspective_matrix", "quad_gaussian", "region_map", "affinity_boxes", "affinity_map",
           "split_word", "length_confidence", "convex_hull", "min_area_rect", "craft_decode", "text_f1", "CRAFTNet", "craft_targets", "train_craft",
           "predict_maps", "detect_words"]

#: Standard deviation of the Gaussian on the unit square that is warped into each box: the
#: score falls to exp(-2) = 0.14 at the middle of each side and to 0.4 at 68% of the way there.
GAUSSIAN_SIGMA = 0.25
_UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def _points(value, name: str, count=None) -> np.ndarray:
    points = as_array(value, name).astype(np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or (count is not None and len(points) != count):
        wanted = f"({count}, 2)" if count is not None else "(n, 2)"
        raise ValueError(f"{name} must have shape {wanted}: rows of (x, y); got shape {points.shape}.")
    check_finite(points, name)
    return points


def perspective_matrix(src, dst) -> np.ndarray:
    """The 3x3 homography that maps four points ``src`` onto four points ``dst``.

    Each correspondence gives two linear equations in the eight unknown entries of ``H``
    (``H[2, 2] = 1``): ``x' (h20 x + h21 y + 1) = h00 x + h01 y + h02`` and the same for
    ``y'``; four points fix all eight (the direct linear transform). Equal to
    ``cv2.getPerspectiveTransform``.

    Parameters
    ----------
    src, dst : array_like, shape (4, 2)
        Points ``(x, y)``; no three of ``src`` (or of ``dst``) on a line.

    Returns
    -------
    numpy.ndarray, shape (3, 3)

    Examples
    --------
    >>> perspective_matrix([[0, 0], [1, 0], [1, 1], [0, 1]], [[2, 1], [4, 1], [4, 3], [2, 3]])
    array([[2., 0., 2.],
           [0., 2., 1.],
           [0., 0., 1.]])
    """
    src, dst = _points(src, "src", 4), _points(dst, "dst", 4)
    system, target = np.zeros((8, 8)), dst.reshape(-1)
    for k, ((x, y), (u, v)) in enumerate(zip(src, dst)):
        system[2 * k] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        system[2 * k + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
    if np.linalg.cond(system) > 1e12:
        raise ValueError("src and dst must be four points with no three on a line; these give no unique homography.")
    return np.append(np.linalg.solve(system, target), 1.0).reshape(3, 3)


def quad_gaussian(shape, quad, sigma: float = GAUSSIAN_SIGMA) -> np.ndarray:
    """An isotropic 2-D Gaussian on the unit square, warped by a perspective transform into ``quad``.

    Every pixel inside the quadrilateral is mapped back by the inverse homography to ``(u, v)``
    in the unit square, where the score is ``exp(-((u - 1/2)^2 + (v - 1/2)^2) / (2 sigma^2))``;
    outside it the score is 0. This is CRAFT's ground truth for one character: the peak sits
    at the character's centre and the Gaussian stretches and leans with the box. It equals
    ``cv2.warpPerspective`` of a finely sampled Gaussian template (up to its interpolation).

    Parameters
    ----------
    shape : tuple (H, W)
    quad : array_like, shape (4, 2)
        Corners ``(x, y)``: top-left, top-right, bottom-right, bottom-left (pixel centres at
        integers).
    sigma : float
        Standard deviation on the unit square.

    Returns
    -------
    numpy.ndarray of float64, shape (H, W)

    Examples
    --------
    >>> heat = quad_gaussian((5, 5), [[-0.5, -0.5], [4.5, -0.5], [4.5, 4.5], [-0.5, 4.5]])
    >>> float(heat[2, 2]), bool(heat[2, 0] < heat[2, 1] < heat[2, 2])
    (1.0, True)
    """
    height, width = _shape(shape)
    quad = _points(quad, "quad", 4)
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False, finite=True)
    heat = np.zeros((height, width))
    x0, y0 = np.maximum(np.floor(quad.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(quad.max(0)).astype(int), [width - 1, height - 1])
    if x1 < x0 or y1 < y0:
        return heat
    try:
        inverse = perspective_matrix(quad, _UNIT_SQUARE)
    except ValueError:  # a degenerate box covers no area
        return heat
    ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    mapped = np.stack([xs, ys, np.ones_like(xs)], -1) @ inverse.T
    with np.errstate(divide="ignore", invalid="ignore"):
        u, v = mapped[..., 0] / mapped[..., 2], mapped[..., 1] / mapped[..., 2]
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    values = np.exp(-((u - 0.5) ** 2 + (v - 0.5) ** 2) / (2 * sigma**2))
    heat[y0:y1 + 1, x0:x1 + 1] = np.where(inside, values, 0.0)
    return heat


def region_map(shape, char_boxes, sigma: float = GAUSSIAN_SIGMA) -> np.ndarray:
    """CRAFT's region score: the warped Gaussian of every character box, overlapping ones by their maximum.

    Parameters
    ----------
    shape : tuple (H, W)
    char_boxes : array_like, shape (k, 4, 2)
        Character boxes (corners top-left, top-right, bottom-right, bottom-left).
    sigma : float

    Returns
    -------
    numpy.ndarray of float64, shape (H, W), values in [0, 1]

    Examples
    --------
    >>> region_map((8, 16), [[[0, 0], [6, 0], [6, 6], [0, 6]], [[8, 0], [14, 0], [14, 6], [8, 6]]])[3].round(1)
    array([0.1, 0.4, 0.8, 1. , 0.8, 0.4, 0.1, 0. , 0.1, 0.4, 0.8, 1. , 0.8,
           0.4, 0.1, 0. ])
    """
    height, width = _shape(shape)
    boxes = _quads(char_boxes, "char_boxes")
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False, finite=True)
    heat = np.zeros((height, width))
    for box in boxes:
        np.maximum(heat, quad_gaussian((height, width), box, sigma), out=heat)
    return heat


def _word_ids(word_ids, count: int) -> np.ndarray:
    ids = as_array(word_ids, "word_ids")
    if ids.shape != (count,) or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError(f"word_ids must be {count} integers, one per character box; got "
                         f"{_describe(ids)}.")
    return ids


def _diagonal_crossings(boxes: np.ndarray) -> np.ndarray:
    """Where the diagonals of each box (k, 4, 2) cross; the mean of the corners for a flat box.

    For a parallelogram the two agree; for a box under perspective they do not, and the
    triangles that the diagonals cut meet at the crossing.
    """
    top_left, top_right, bottom_right, bottom_left = boxes.transpose(1, 0, 2)
    first, second = bottom_right - top_left, bottom_left - top_right

    def cross(a, b):
        return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]

    denominator = cross(first, second)
    flat = np.abs(denominator) <= 1e-12 * np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    along = cross(top_right - top_left, second) / np.where(flat, 1.0, denominator)
    return np.where(flat[:, None], boxes.mean(axis=1), top_left + along[:, None] * first)


def affinity_boxes(char_boxes, word_ids) -> np.ndarray:
    """The affinity box between each pair of neighbouring characters of one word.

    Each character box is cut by its diagonals into four triangles; the affinity box joins
    the centroids of the upper and lower triangles of one character to those of the next
    (Baek et al. 2019, figure 3). (Reimplementations often put the triangles' common corner
    at the mean of the box's corners instead of where the diagonals cross; the two agree for
    parallelograms, such as the course's character boxes.) Characters are neighbours when they follow each other in
    ``char_boxes`` and share a word id.

    Parameters
    ----------
    char_boxes : array_like, shape (k, 4, 2)
        In reading order; corners top-left, top-right, bottom-right, bottom-left.
    word_ids : array_like of int, shape (k,)

    Returns
    -------
    numpy.ndarray, shape (m, 4, 2)
        One box per neighbouring pair (``m = k - number of words``), corners in the same order.

    Examples
    --------
    >>> affinity_boxes([[[0, 0], [6, 0], [6, 6], [0, 6]], [[6, 0], [12, 0], [12, 6], [6, 6]]], [0, 0])
    array([[[3., 1.],
            [9., 1.],
            [9., 5.],
            [3., 5.]]])
    """
    boxes = _quads(char_boxes, "char_boxes")
    ids = _word_ids(word_ids, len(boxes))
    centres = _diagonal_crossings(boxes)
    upper = (boxes[:, 0] + boxes[:, 1] + centres) / 3  # centroid of the triangle (top-left, top-right, centre)
    lower = (boxes[:, 2] + boxes[:, 3] + centres) / 3  # centroid of (bottom-right, bottom-left, centre)
    pairs = np.flatnonzero(ids[1:] == ids[:-1]) if len(ids) else np.zeros(0, dtype=int)
    return np.stack([upper[pairs], upper[pairs + 1], lower[pairs + 1], lower[pairs]], axis=1).reshape(-1, 4, 2)


def affinity_map(shape, char_boxes, word_ids, sigma: float = GAUSSIAN_SIGMA) -> np.ndarray:
    """CRAFT's affinity score: the warped Gaussian of every affinity box (:func:`affinity_boxes`).

    Parameters
    ----------
    shape : tuple (H, W)
    char_boxes : array_like, shape (k, 4, 2)
        Character boxes in reading order (corners top-left, top-right, bottom-right, bottom-left).
    word_ids : array_like of int, shape (k,)
        The word each character belongs to.
    sigma : float

    Returns
    -------
    numpy.ndarray of float64, shape (H, W), values in [0, 1]

    Examples
    --------
    >>> boxes = [[[0, 0], [6, 0], [6, 6], [0, 6]], [[6, 0], [12, 0], [12, 6], [6, 6]], [[9, 0], [15, 0], [15, 6], [9, 6]]]
    >>> heat = affinity_map((8, 16), boxes, [0, 0, 1])
    >>> int(heat[3].argmax()), float(heat[3].max())
    (6, 1.0)
    """
    return region_map(shape, affinity_boxes(char_boxes, word_ids), sigma)


def split_word(word_box, length: int) -> np.ndarray:
    """Cut a word's box into ``length`` equal character boxes: CRAFT's fallback pseudo-labels.

    Real datasets give word boxes, not character boxes. When the interim model's
    character split of a word cannot be trusted (:func:`length_confidence` below 0.5), Baek
    et al. divide the word box evenly by the number of characters in its transcription.
    The top and bottom edges are cut at equal steps, so the pieces follow a slanted or
    perspective box.

    Parameters
    ----------
    word_box : array_like, shape (4, 2)
        Corners top-left, top-right, bottom-right, bottom-left.
    length : int
        Characters in the word.

    Returns
    -------
    numpy.ndarray, shape (length, 4, 2)

    Examples
    --------
    >>> split_word([[0, 0], [9, 0], [9, 4], [0, 4]], 3)[:, :, 0]
    array([[0., 3., 3., 0.],
           [3., 6., 6., 3.],
           [6., 9., 9., 6.]])
    """
    box = _points(word_box, "word_box", 4)
    length = check_number(length, "length", low=1, integer=True)
    steps = np.linspace(0.0, 1.0, length + 1)[:, None]
    top = box[0] + steps * (box[1] - box[0])
    bottom = box[3] + steps * (box[2] - box[3])
    return np.stack([top[:-1], top[1:], bottom[1:], bottom[:-1]], axis=1)


def length_confidence(word_length, found):
    """CRAFT's confidence in a word's pseudo-labels: how well the characters found match the transcription.

    ``s = (l - min(l, |l - l_c|)) / l`` for a word of ``l`` characters of which the interim
    model found ``l_c`` (Baek et al. 2019, equation 1): 1 when the counts agree, falling to 0
    as they part. Below 0.5 the found split is replaced by :func:`split_word` with
    confidence 0.5; the loss of every pixel of the word is weighted by the confidence.

    Parameters
    ----------
    word_length, found : int or array_like of int
        Characters in the transcription (at least 1) and characters found (at least 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> length_confidence(5, [5, 4, 7, 0, 12])
    array([1. , 0.8, 0.6, 0. , 0. ])
    """
    length, count = as_array(word_length, "word_length"), as_array(found, "found")
    for name, values, low in (("word_length", length, 1), ("found", count, 0)):
        if values.dtype.kind not in "iu" or np.any(values < low):
            raise ValueError(f"{name} must hold integers of at least {low}; got {_describe(values)}.")
    confidence = (length - np.minimum(length, np.abs(length - count))) / length
    return float(confidence) if confidence.ndim == 0 else confidence


def convex_hull(points) -> np.ndarray:
    """The convex hull of points, counter-clockwise in a y-up frame, by Andrew's monotone chain.

    Sort the points by ``x`` (then ``y``); build the lower hull left to right and the upper
    hull right to left, popping the last point while it does not make a left turn.

    Parameters
    ----------
    points : array_like, shape (n, 2), n >= 1

    Returns
    -------
    numpy.ndarray, shape (h, 2)
        The hull's vertices without repeats (one or two points for degenerate inputs).

    Examples
    --------
    >>> convex_hull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]])
    array([[0., 0.],
           [2., 0.],
           [2., 2.],
           [0., 2.]])
    """
    points = _points(points, "points")
    if len(points) == 0:
        raise ValueError("points is empty; a hull needs at least one point.")
    ordered = np.unique(points, axis=0)  # sorted by x, then y
    if len(ordered) <= 2:
        return ordered

    def half(sequence):
        chain = []
        for x, y in sequence:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (y - ay) - (by - ay) * (x - ax) > 0:  # a left turn: keep b
                    break
                chain.pop()
            chain.append((x, y))
        return chain[:-1]

    return np.array(half(ordered.tolist()) + half(ordered[::-1].tolist()), dtype=np.float64)


def min_area_rect(points) -> np.ndarray:
    """The rotated rectangle of least area that holds every point (as ``cv2.minAreaRect``).

    The best rectangle has a side along an edge of the convex hull (Freeman and Shapira
    1975), so it is enough to turn the hull so that each edge lies flat, take the upright
    bounding box, and keep the smallest.

    Parameters
    ----------
    points : array_like, shape (n, 2), n >= 1

    Returns
    -------
    numpy.ndarray, shape (4, 2)
        The corners, in order around the rectangle (flat for collinear points).

    Examples
    --------
    >>> min_area_rect([[0, 0], [2, 2], [4, 4], [3, 5], [1, 3]]).round(6)
    array([[ 0.,  0.],
           [ 4.,  4.],
           [ 3.,  5.],
           [-1.,  1.]])
    """
    hull = convex_hull(points)
    if len(hull) == 1:
        return np.repeat(hull, 4, axis=0)
    edges = np.roll(hull, -1, axis=0) - hull
    edges = edges[np.linalg.norm(edges, axis=1) > 0]
    best = None
    for edge in edges:
        along = edge / np.linalg.norm(edge)
        across = np.array([-along[1], along[0]])
        a, b = hull @ along, hull @ across
        area = (a.max() - a.min()) * (b.max() - b.min())
        if best is None or area < best[0] - 1e-9:
            best = (area, along, across, a.min(), a.max(), b.min(), b.max())
    _, along, across, a0, a1, b0, b1 = best
    return np.array([a * along + b * across for a, b in ((a0, b0), (a1, b0), (a1, b1), (a0, b1))])


def _score_map(value, name: str, shape=None) -> np.ndarray:
    array = as_array(value, name).astype(np.float64)
    check_ndim(array, 2, name, "a score map (H, W)")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one pixel.")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have the shape of the region map, {shape}; got {array.shape}.")
    check_finite(array, name)
    return array


def craft_decode(region, affinity, text_threshold: float = 0.7, link_threshold: float = 0.4,
                 low_text: float = 0.4, min_area: int = 10,
                 sigma: float = GAUSSIAN_SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """Word boxes from CRAFT's region and affinity maps.

    1. Mark the pixels whose region score exceeds ``low_text`` or whose affinity score
       exceeds ``link_threshold``: characters and the links between the characters of a word.
    2. Join them into 4-connected components (as the authors' code does); each is one word.
       Drop components smaller than ``min_area`` pixels or whose region score never reaches
       ``text_threshold``.
    3. Fit each component's pixels the minimum-area rectangle, and grow it back to the
       characters' full boxes: thresholding the Gaussian at ``low_text`` keeps only the middle
       ``2 r`` of each side of the unit square, ``r = sigma sqrt(-2 ln low_text)``, so every
       side moves out by ``(1/2 - r)`` times the rectangle's short side over ``2 r``. (The
       authors' code grows the component by a dilation; the rule here says why.)

    Parameters
    ----------
    region, affinity : array_like, shape (H, W)
        Scores in [0, 1], of the same shape.
    text_threshold, link_threshold, low_text : float
        The thresholds of Baek et al.'s code, with its default values.
    min_area : int
        Smallest component kept, in pixels (10 in the authors' code).
    sigma : float
        The Gaussian the maps were trained on (:data:`GAUSSIAN_SIGMA`).

    Returns
    -------
    boxes : numpy.ndarray, shape (n, 4, 2)
        One rotated rectangle per word, corners in order around it.
    scores : numpy.ndarray, shape (n,)
        The highest region score inside each word.

    Examples
    --------
    >>> boxes = [[[2, 2], [8, 2], [8, 8], [2, 8]], [[8, 2], [14, 2], [14, 8], [8, 8]]]
    >>> words, scores = craft_decode(region_map((12, 20), boxes), affinity_map((12, 20), boxes, [0, 0]))
    >>> words.round(1), scores
    (array([[[ 1.7,  1.7],
            [14.3,  1.7],
            [14.3,  8.3],
            [ 1.7,  8.3]]]), array([1.]))
    """
    region = _score_map(region, "region")
    affinity = _score_map(affinity, "affinity", region.shape)
    text_threshold = check_number(text_threshold, "text_threshold", low=0, high=1)
    link_threshold = check_number(link_threshold, "link_threshold", low=0, high=1)
    low_text = check_number(low_text, "low_text", low=0, high=1, low_inclusive=False, high_inclusive=False)
    min_area = check_number(min_area, "min_area", low=1, integer=True)
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False, finite=True)
    labels, _ = ndi.label((region > low_text) | (affinity > link_threshold))  # 4-connected
    kept = min(0.5, sigma * np.sqrt(-2 * np.log(low_text)))  # half the kept part of a side of the unit square
    boxes, scores = [], []
    for index, found in enumerate(ndi.find_objects(labels), start=1):
        component = labels[found] == index
        peak = region[found][component].max()
        if component.sum() < min_area or peak < text_threshold:
            continue
        rows, columns = np.nonzero(component)
        # only the first and last pixel of each row can touch the hull
        first = np.r_[True, rows[1:] != rows[:-1]]
        last = np.r_[rows[1:] != rows[:-1], True]
        ends = first | last
        pixels = np.stack([columns[ends] + found[1].start, rows[ends] + found[0].start], 1).astype(np.float64)
        # The threshold's contour passes between the last pixel in and the first out: stand each pixel
        # for the square of half a pixel's side around its centre (on the course's text this fits the
        # true boxes better than the pixel centres or the whole pixels do)
        corners = (pixels[:, None] + np.array([[-0.25, -0.25], [0.25, -0.25], [0.25, 0.25], [-0.25, 0.25]])).reshape(-1, 2)
        rectangle = min_area_rect(corners)
        boxes.append(_grow(rectangle, (0.5 - kept) / (2 * kept)))
        scores.append(peak)
    return np.array(boxes).reshape(-1, 4, 2), np.array(scores)


def _grow(rectangle: np.ndarray, ratio: float) -> np.ndarray:
    """Move every side of a rectangle out by ``ratio`` times its short side."""
    centre = rectangle.mean(0)
    sides = np.linalg.norm(rectangle[[1, 3]] - rectangle[0], axis=1)
    margin = ratio * sides.min()
    directions = (rectangle[[1, 3]] - rectangle[0]) / np.maximum(sides[:, None], 1e-12)
    offsets = rectangle - centre
    return centre + offsets + margin * (np.sign(offsets @ directions[0])[:, None] * directions[0]
                                        + np.sign(offsets @ directions[1])[:, None] * directions[1])


def text_f1(detections, ground_truth, shape, iou_threshold: float = 0.5) -> tuple[float, float, float]:
    """Precision, recall and F1 of detected words, matched one-to-one at an IoU threshold.

    The IoU of two polygons is measured on the pixel grid (:func:`polygon_coverage` at the
    pixel centres). Each detection may match one word and each word one detection, as in the
    ICDAR 2015 protocol (Karatzas et al. 2015); pairs are matched greedily from the highest
    IoU down (the ICDAR script takes them in list order, and asks for an IoU above 0.5), and a
    detection is correct when it is matched at ``iou_threshold`` or more.

    Parameters
    ----------
    detections, ground_truth : list of lists of array_like (m, 2)
        Per image, the polygons (a rectangle is a polygon of four corners).
    shape : tuple (H, W)
        The images' size.
    iou_threshold : float

    Returns
    -------
    precision, recall, f1 : float

    Examples
    --------
    >>> square = [[1, 1], [6, 1], [6, 6], [1, 6]]
    >>> text_f1([[square, [[9, 1], [12, 1], [12, 4], [9, 4]]]], [[square]], (8, 16))
    (0.5, 1.0, 0.6666666666666666)
    """
    for name, value in (("detections", detections), ("ground_truth", ground_truth)):
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list with one list of polygons per image; got {_describe(value)}.")
    if len(detections) != len(ground_truth):
        raise ValueError(f"detections and ground_truth must cover the same images; got {len(detections)} "
                         f"and {len(ground_truth)}.")
    shape = _shape(shape)
    iou_threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1, low_inclusive=False)
    correct = found = expected = 0
    for predicted, truth in zip(detections, ground_truth):
        found, expected = found + len(predicted), expected + len(truth)
        if not len(predicted) or not len(truth):
            continue
        masks_p = np.array([polygon_coverage(shape, [p]).ravel() for p in predicted])
        masks_t = np.array([polygon_coverage(shape, [t]).ravel() for t in truth])
        inter = masks_p @ masks_t.T
        union = masks_p.sum(1)[:, None] + masks_t.sum(1)[None, :] - inter
        iou = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
        while iou.size and iou.max() >= iou_threshold:
            i, j = np.unravel_index(iou.argmax(), iou.shape)
            correct += 1
            iou[i, :], iou[:, j] = -1.0, -1.0
    precision = correct / found if found else 0.0
    recall = correct / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


class CRAFTNet(torch.nn.Module):
    """A small CRAFT-style network: region and affinity scores at half the input's resolution.

    CRAFT itself is a VGG-16 (with batch normalisation) encoder and a U-Net-like decoder that
    predicts both maps at half the input's resolution. This toy version has a stride-2
    convolution stem followed by chapter 15's :class:`~cvcourse.models.UNet`, whose two
    output channels are the logits of the region and affinity scores (a sigmoid turns them
    into scores in [0, 1]; :func:`predict_maps` does).

    Parameters
    ----------
    in_channels : int
    depth : int
        Poolings of the U-Net; the input's sides must be multiples of ``2 ** (depth + 1)``.
    width : int
        Channels of the stem and the U-Net's first stage.

    Examples
    --------
    >>> CRAFTNet(1, depth=2, width=8)(torch.zeros(1, 1, 32, 64)).shape
    torch.Size([1, 2, 16, 32])
    """

    def __init__(self, in_channels: int = 1, depth: int = 2, width: int = 8):
        super().__init__()
        (in_channels,) = check_counts(in_channels=in_channels)
        depth, width = check_counts(depth=depth, width=width)
        self.in_channels, self.multiple = in_channels, 2 ** (depth + 1)
        self.stem = ConvNormActivation(in_channels, width, 3, stride=2)
        self.unet = UNet(width, 2, depth, width)

    def forward(self, x):
        check_batch(x, self.in_channels, "CRAFTNet")
        if x.shape[-2] % self.multiple or x.shape[-1] % self.multiple:
            raise ValueError(f"CRAFTNet needs images whose height and width are multiples of {self.multiple} "
                             f"(the stem halves them, then the U-Net); got {tuple(x.shape[-2:])}. Pad or crop the images.")
        return self.unet(self.stem(x))


def _half_resolution(boxes: np.ndarray) -> np.ndarray:
    """Boxes in the pixel coordinates of an image shrunk by 2 (pixel centres stay at integers)."""
    return (boxes + 0.5) / 2 - 0.5


def _full_resolution(boxes: np.ndarray) -> np.ndarray:
    return 2 * (boxes + 0.5) - 0.5


def craft_targets(data) -> np.ndarray:
    """The region and affinity maps of every image of a :class:`~cvcourse.data.text.TextImages`,
    at half resolution (what :class:`CRAFTNet` predicts).

    Returns
    -------
    numpy.ndarray of float32, shape (N, 2, H / 2, W / 2)
    """
    from ..data.text import TextImages

    if not isinstance(data, TextImages):
        raise TypeError(f"data must be TextImages from cvcourse.data.text.text_lines; got {_describe(data)}.")
    height, width = data.images.shape[1:]
    shape = (height // 2, width // 2)
    maps = [[region_map(shape, _half_resolution(boxes)), affinity_map(shape, _half_resolution(boxes), ids)]
            for boxes, ids in zip(data.char_boxes, data.word_ids)]
    return np.array(maps, dtype=np.float32).reshape(-1, 2, *shape)


def _images_tensor(images, name: str = "images") -> torch.Tensor:
    array = as_array(images, name)
    check_ndim(array, 3, name, "a stack of grayscale images (N, H, W)")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    check_finite(array, name)
    return torch.as_tensor(array, dtype=torch.float32)[:, None]


def train_craft(model: CRAFTNet, images, targets, steps: int, batch_size: int = 16, lr: float = 0.01,
                seed: int = 0, device=None) -> list[float]:
    """Fit a :class:`CRAFTNet` to region and affinity targets (:func:`craft_targets`).

    Baek et al. regress the two maps by the mean squared error; this short training
    converges faster with the binary cross-entropy between the predicted scores and the
    Gaussian targets (soft labels), which keeps its gradient where the sigmoid saturates.
    Adam with a one-cycle learning rate schedule (chapter 13) runs over ``steps`` batches
    drawn at random, each image flipped left-right and upside-down at random (text stays
    text to a detector). CRAFT's authors also mine hard background pixels, three for each
    text pixel; this small, clean data does not need it.

    Parameters
    ----------
    model : CRAFTNet
    images : array_like, shape (N, H, W)
        Grayscale images in [0, 1].
    targets : array_like, shape (N, 2, H / 2, W / 2)
        Region and affinity targets from :func:`craft_targets`.
    steps, batch_size : int
    lr : float
        The peak learning rate of the one-cycle schedule.
    seed : int
        Seeds the batches and flips.
    device : str or torch.device, optional
        Defaults to :func:`cvcourse.device`.

    Returns
    -------
    list of float
        The loss of every step.
    """
    if not isinstance(model, CRAFTNet):
        raise TypeError(f"model must be a CRAFTNet; got {_describe(model)}.")
    inputs = _images_tensor(images)
    targets = torch.as_tensor(as_array(targets, "targets"), dtype=torch.float32)
    expected = (inputs.shape[0], 2, inputs.shape[2] // 2, inputs.shape[3] // 2)
    if tuple(targets.shape) != expected:
        raise ValueError(f"targets must have shape {expected}: region and affinity maps per image at half "
                         f"resolution (craft_targets); got {tuple(targets.shape)}.")
    steps = check_number(steps, "steps", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    lr = check_number(lr, "lr", low=0, low_inclusive=False, finite=True)
    from .. import device as default_device

    device = device or default_device()
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps)
    generator = torch.Generator().manual_seed(check_number(seed, "seed", low=0, integer=True))
    losses = []
    for _ in range(steps):
        batch = torch.randint(len(inputs), (batch_size,), generator=generator)
        x, y = inputs[batch], targets[batch]
        flips = torch.rand(2, generator=generator) < 0.5
        dims = [axis for axis, flip in zip((2, 3), flips) if flip]
        if dims:
            x, y = x.flip(dims), y.flip(dims)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x.to(device)), y.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def predict_maps(model: CRAFTNet, images, device=None) -> np.ndarray:
    """The region and affinity scores a model predicts for grayscale images.

    Parameters
    ----------
    model : CRAFTNet
    images : array_like, shape (N, H, W)
    device : str or torch.device, optional
        Defaults to :func:`cvcourse.device`.

    Returns
    -------
    numpy.ndarray of float32, shape (N, 2, H / 2, W / 2)
        Region and affinity scores in [0, 1].
    """
    if not isinstance(model, CRAFTNet):
        raise TypeError(f"model must be a CRAFTNet; got {_describe(model)}.")
    from .. import device as default_device

    device = device or default_device()
    model.to(device).eval()
    inputs = _images_tensor(images)
    return np.concatenate([torch.sigmoid(model(chunk.to(device))).cpu().numpy() for chunk in inputs.split(64)])


def detect_words(model: CRAFTNet, images, device=None, **thresholds):
    """Run a :class:`CRAFTNet` on grayscale images (N, H, W) and decode each with :func:`craft_decode`.

    ``thresholds`` go to :func:`craft_decode`. The words are found on the half-resolution
    maps and their boxes scaled back to the image's pixels.

    Returns
    -------
    words : list of N arrays (n, 4, 2)
        Word boxes in the image's pixel coordinates.
    maps : numpy.ndarray, shape (N, 2, H / 2, W / 2)
        The predicted region and affinity scores.
    """
    maps = predict_maps(model, images, device)
    words = [_full_resolution(craft_decode(region, affinity, **thresholds)[0]) for region, affinity in maps]
    return words, maps
