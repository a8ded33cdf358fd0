"""Synthetic lines of text with the box of every character, for the text detection chapter (23).

Text detectors such as CRAFT (Baek et al. 2019) learn from character boxes, which no dataset
shipped in a Python package provides; so the course draws its own text, offline, from the
glyph outlines of the DejaVu Sans font that ships with matplotlib. Each line of one to three
random words is laid along a baseline that is straight, rotated, or bent into a circular arc;
every character is placed at its arc length, turned to the baseline's heading there, and
filled with anti-aliasing. The character boxes (quadrilaterals) and the word each character
belongs to come out exact. Everything is generated from a seed, so a split is the same on
every machine.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.path import Path

from .._validate import _describe, as_array, check_finite, check_number

__all__ = ["ALPHABET", "TextImages", "text_lines", "polygon_coverage", "word_polygon"]

#: The characters :func:`text_lines` draws words from.
ALPHABET = string.ascii_letters + string.digits
_FONT = "DejaVu Sans"
_ASCENT, _DESCENT = 0.76, 0.24  # the line box above and below the baseline, in em (DejaVu Sans)
_BEARING, _MIN_WIDTH = 0.06, 0.36  # em: space each side of the ink; narrowest character box


@dataclass(frozen=True)
class TextImages:
    """What :func:`text_lines` returns: images with their characters and words.

    Attributes
    ----------
    images : numpy.ndarray of float32, shape (N, H, W)
        Grayscale, 0-1.
    char_boxes : list of N arrays (k, 4, 2)
        Each character's box as four corners ``(x, y)`` = (column, row): top-left, top-right,
        bottom-right, bottom-left in the character's own frame (so rotated with the text).
    word_ids : list of N int arrays (k,)
        The word (0, 1, ...) each character belongs to.
    words : list of N lists of str
        The text of each word.
    curved : numpy.ndarray of bool, shape (N,)
        Whether an image holds a line bent into an arc.
    """

    images: np.ndarray
    char_boxes: list
    word_ids: list
    words: list
    curved: np.ndarray

    def __post_init__(self):
        images = as_array(self.images, "images")
        if images.ndim != 3 or images.size == 0:
            raise ValueError(f"images must be a non-empty stack of grayscale images (N, H, W); got shape {images.shape}.")
        for name in ("char_boxes", "word_ids", "words", "curved"):
            if len(getattr(self, name)) != len(images):
                raise ValueError(f"{name} must have one entry per image ({len(images)}); got {len(getattr(self, name))}.")

    def __len__(self) -> int:
        return len(self.images)

    def word_polygons(self, index: int) -> list[np.ndarray]:
        """The outline of every word of image ``index``, from :func:`word_polygon`."""
        boxes, ids = self.char_boxes[index], self.word_ids[index]
        return [word_polygon(boxes[ids == word]) for word in range(len(self.words[index]))]


def word_polygon(char_boxes) -> np.ndarray:
    """The outline of a word: the tops of its character boxes left to right, then their bottoms back.

    For a straight word the outline is the rotated rectangle around its characters; for a
    curved word it follows the curve, as the polygons of curved-text benchmarks do.

    Parameters
    ----------
    char_boxes : array_like, shape (k, 4, 2)
        The word's character boxes in reading order (corners top-left, top-right,
        bottom-right, bottom-left).

    Returns
    -------
    numpy.ndarray, shape (4k, 2)

    Examples
    --------
    >>> word_polygon([[[0, 0], [2, 0], [2, 3], [0, 3]], [[2, 0], [4, 0], [4, 3], [2, 3]]])[:, 0]
    array([0., 2., 2., 4., 4., 2., 2., 0.])
    """
    boxes = _quads(char_boxes, "char_boxes")
    if len(boxes) == 0:
        raise ValueError("char_boxes is empty; a word needs at least one character.")
    tops = boxes[:, :2].reshape(-1, 2)
    bottoms = boxes[::-1, 2:].reshape(-1, 2)
    return np.concatenate([tops, bottoms])


def _quads(value, name: str) -> np.ndarray:
    quads = as_array(value, name).astype(np.float64)
    if quads.ndim != 3 or quads.shape[1:] != (4, 2):
        raise ValueError(f"{name} must have shape (k, 4, 2): four (x, y) corners per box; got shape {quads.shape}.")
    check_finite(quads, name)
    return quads


def polygon_coverage(shape, polygons, supersample: int = 1) -> np.ndarray:
    """The fraction of each pixel inside a shape made of polygons (even-odd rule, so holes work).

    Pixel ``(row, col)`` is the unit square centred on ``(x, y) = (col, row)``; with
    ``supersample = s`` it is sampled at ``s x s`` points, so edges come out anti-aliased.
    With ``s = 1`` the answer is 1 for pixels whose centre lies inside, else 0.

    Parameters
    ----------
    shape : tuple (H, W)
    polygons : sequence of array_like (m, 2)
        Closed outlines as ``(x, y)`` vertices; a point is inside if an odd number of them
        surround it (the outline of "o" and its hole make a ring).
    supersample : int

    Returns
    -------
    numpy.ndarray of float64, shape (H, W)

    Examples
    --------
    >>> polygon_coverage((4, 5), [[[0.5, 0.5], [3.5, 0.5], [3.5, 2.5], [0.5, 2.5]]]).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0]])
    """
    height, width = _shape(shape)
    supersample = check_number(supersample, "supersample", low=1, integer=True)
    if isinstance(polygons, (str, bytes)) or not hasattr(polygons, "__len__"):
        raise TypeError(f"polygons must be a list of (m, 2) vertex arrays; got {_describe(polygons)}.")
    outlines = []
    for k, polygon in enumerate(polygons):
        outline = as_array(polygon, f"polygons[{k}]").astype(np.float64)
        if outline.ndim != 2 or outline.shape[1] != 2 or len(outline) < 3:
            raise ValueError(f"polygons[{k}] must have shape (m, 2) with m >= 3; got shape {outline.shape}.")
        check_finite(outline, f"polygons[{k}]")
        outlines.append(outline)
    coverage = np.zeros((height, width))
    if not outlines:
        return coverage
    points = np.concatenate(outlines)
    x0, y0 = np.maximum(np.floor(points.min(0) - 0.5).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(points.max(0) + 0.5).astype(int), [width - 1, height - 1])
    if x1 < x0 or y1 < y0:
        return coverage
    offsets = (np.arange(supersample) + 0.5) / supersample - 0.5
    xs = (np.arange(x0, x1 + 1)[:, None] + offsets).ravel()
    ys = (np.arange(y0, y1 + 1)[:, None] + offsets).ravel()
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    inside = np.zeros(len(grid), dtype=bool)
    for outline in outlines:
        inside ^= Path(outline).contains_points(grid)
    samples = inside.reshape(len(ys), len(xs)).astype(np.float64)
    blocks = samples.reshape(y1 - y0 + 1, supersample, x1 - x0 + 1, supersample).mean(axis=(1, 3))
    coverage[y0:y1 + 1, x0:x1 + 1] = blocks
    return coverage


def _shape(shape) -> tuple[int, int]:
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a tuple (height, width); got {_describe(shape)}.")
    return tuple(check_number(side, "shape", low=1, integer=True) for side in shape)


@lru_cache(maxsize=None)
def _glyph(character: str) -> tuple[list[np.ndarray], float, float]:
    """Outlines of a character in em (y up, baseline at 0), its box's centre x and its box's width."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), character, size=1, prop=FontProperties(family=_FONT))
    outlines = [polygon for polygon in path.to_polygons() if len(polygon) >= 3]
    extents = path.get_extents()
    width = max(extents.x1 - extents.x0 + 2 * _BEARING, _MIN_WIDTH)
    return outlines, (extents.x0 + extents.x1) / 2, width


def _random_word(rng: np.random.Generator) -> str:
    length = int(rng.integers(2, 7))
    style = rng.choice(4, p=[0.6, 0.2, 0.1, 0.1])
    letters = string.digits if style == 3 else string.ascii_lowercase
    word = "".join(letters[k] for k in rng.integers(len(letters), size=length))
    return word.capitalize() if style == 1 else word.upper() if style == 2 else word


def _layout(words: list[str], em: float, gap: float, heading: float, curvature: float, outlines: bool = False):
    """Character boxes, and with ``outlines`` each character's glyph outlines, in pixels, the line
    starting at the origin."""
    boxes, glyphs, cursor = [], [], 0.0
    for word in words:
        for character in word:
            glyph, centre_x, width = _glyph(character)
            s = cursor + width * em / 2  # arc length of the character's centre
            angle = heading + curvature * s
            if curvature:
                base = np.array([np.sin(angle) - np.sin(heading), np.cos(heading) - np.cos(angle)]) / curvature
            else:
                base = s * np.array([np.cos(heading), np.sin(heading)])
            # (x right, y up) in em about the box centre -> image (x, y): along the tangent, and down
            frame = em * np.array([[np.cos(angle), np.sin(angle)], [np.sin(angle), -np.cos(angle)]])
            half = width / 2
            corners = np.array([[-half, _ASCENT], [half, _ASCENT], [half, -_DESCENT], [-half, -_DESCENT]])
            boxes.append(base + corners @ frame)
            if outlines:
                glyphs.append([base + (polygon - [centre_x, 0.0]) @ frame for polygon in glyph])
            cursor += width * em
        cursor += gap * em
    return (np.array(boxes), glyphs) if outlines else np.array(boxes)


def _line_length(words: list[str], gap: float) -> float:
    """Length of a straight line of words in em."""
    return sum(_glyph(character)[2] for word in words for character in word) + gap * (len(words) - 1)


def _place_line(rng, height, width, occupied, max_angle, curved_fraction):
    """Try to lay one line of words in free space; return its boxes, glyph outlines, words and whether it bends."""
    words = [_random_word(rng) for _ in range(int(rng.integers(1, 4)))]
    gap = rng.uniform(0.7, 1.0)
    while len(words) > 1 and _line_length(words, gap) * 12.0 > width - 8:
        words.pop()
    em = rng.uniform(12.0, min(17.0, max(12.0, (width - 8) / _line_length(words, gap))))
    heading = np.deg2rad(rng.uniform(-max_angle, max_angle))
    curvature = 0.0
    if rng.random() < curved_fraction:
        turn = np.deg2rad(rng.uniform(40, 80))
        curvature = rng.choice([-1, 1]) * turn / (_line_length(words, gap) * em)
        heading -= curvature * _line_length(words, gap) * em / 2  # the arc is symmetric about the rotation
    boxes = _layout(words, em, gap, heading, curvature)
    corners = boxes.reshape(-1, 2)
    low, high = corners.min(0), corners.max(0)
    room = np.array([width, height]) - 4 - (high - low)
    if np.any(room <= 0):
        return None
    shift = 2 + rng.uniform(0, room) - low
    probes = np.concatenate([boxes, (boxes + np.roll(boxes, 1, axis=1)) / 2, boxes.mean(1, keepdims=True)], 1) + shift
    columns, rows = np.rint(probes.reshape(-1, 2)).astype(int).T
    if np.any(occupied[rows.clip(0, height - 1), columns.clip(0, width - 1)]):
        return None  # a quick test first: the corners, edge midpoints and centres of the boxes
    footprint = polygon_coverage((height, width), list(boxes + shift)) > 0
    if np.any(footprint & occupied):
        return None
    boxes, glyphs = _layout(words, em, gap, heading, curvature, outlines=True)
    return boxes + shift, [[outline + shift for outline in glyph] for glyph in glyphs], words, curvature != 0, footprint


def _dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    for _ in range(steps):
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= mask[:, :-1]
        grown[:, :-1] |= mask[:, 1:]
        mask = grown
    return mask


def text_lines(count: int, size=(64, 128), max_lines: int = 2, max_angle: float = 30.0,
               curved_fraction: float = 0.3, seed: int = 0) -> TextImages:
    """Images of one or more lines of random words, straight, rotated or curved, with character boxes.

    Each line holds one to three words of two to six characters (lower case, capitalised,
    upper case or digits) in DejaVu Sans, 12-17 pixels to the em, turned by up to
    ``max_angle`` degrees; a fraction ``curved_fraction`` of the lines bend into a circular arc
    that turns by 40-80 degrees along the line. Lines never touch one another. The background
    is a grey ramp with noise; the text is darker or lighter than the ramp's mean by 0.35-0.7
    (by at least 0.3 where the range [0, 1] clips it).

    Parameters
    ----------
    count : int
        Number of images.
    size : tuple (H, W)
    max_lines : int
        Lines per image are drawn from 1 to ``max_lines`` (fewer when they do not fit).
    max_angle : float
        Largest rotation of a line, in degrees (for a curved line, of the chord between its
        ends: the arc turns symmetrically about it).
    curved_fraction : float
        Probability that a line is bent into an arc.
    seed : int

    Returns
    -------
    TextImages

    Examples
    --------
    >>> data = text_lines(2, seed=0)
    >>> data.images.shape, data.char_boxes[0].shape[1:]
    ((2, 64, 128), (4, 2))
    """
    count = check_number(count, "count", low=1, integer=True)
    height, width = _shape(size)
    if height < 24 or width < 48:
        raise ValueError(f"size must be at least (24, 48) to hold a line of text; got {(height, width)}.")
    max_lines = check_number(max_lines, "max_lines", low=1, integer=True)
    max_angle = check_number(max_angle, "max_angle", low=0, high=90)
    curved_fraction = check_number(curved_fraction, "curved_fraction", low=0, high=1)
    rng = np.random.default_rng(check_number(seed, "seed", low=0, integer=True))
    images = np.empty((count, height, width), dtype=np.float32)
    all_boxes, all_ids, all_words, curved = [], [], [], np.zeros(count, dtype=bool)
    for index in range(count):
        occupied = np.zeros((height, width), dtype=bool)
        boxes, ids, words, outlines = [], [], [], []
        wanted = int(rng.integers(1, max_lines + 1))
        for _ in range(40 * wanted):  # attempts
            if len(boxes) == wanted:
                break
            line = _place_line(rng, height, width, occupied, max_angle, curved_fraction)
            if line is None:
                continue
            line_boxes, line_outlines, line_words, bent, footprint = line
            boxes.append(line_boxes)
            ids.append(np.repeat(np.arange(len(line_words)), [len(word) for word in line_words]) + len(words))
            words.extend(line_words)
            outlines.extend(line_outlines)
            curved[index] |= bent
            occupied |= _dilate(footprint, 3)
        ink = np.zeros((height, width))
        for glyph in outlines:  # one character at a time: each is tested only on its own pixels
            ink += polygon_coverage((height, width), glyph, supersample=3)
        images[index] = _paint(np.minimum(ink, 1.0), rng)
        all_boxes.append(np.concatenate(boxes) if boxes else np.zeros((0, 4, 2)))
        all_ids.append(np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64))
        all_words.append(words)
    return TextImages(images, all_boxes, all_ids, all_words, curved)


def _paint(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = ink.shape
    rows, columns = np.linspace(-0.5, 0.5, height)[:, None], np.linspace(-0.5, 0.5, width)[None, :]
    background = rng.uniform(0.1, 0.9) + rng.uniform(-0.15, 0.15) * rows + rng.uniform(-0.15, 0.15) * columns
    level = background.mean()
    contrast = rng.uniform(0.35, 0.7)
    text = level - contrast if level - contrast >= 0 and (level + contrast > 1 or rng.random() < 0.5) else level + contrast
    image = background * (1 - ink) + text * ink + rng.normal(0, 0.03, ink.shape)
    return np.clip(image, 0, 1)
