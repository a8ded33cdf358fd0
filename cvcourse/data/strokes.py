"""Random pen-stroke characters, a synthetic Omniglot, as MNIST-like images (chapter 18's many
training classes for one-shot learning).

Few-shot recognition of new classes seems to depend more on the *number* of classes seen in
training than on the images of each: Omniglot (Lake, Salakhutdinov and Tenenbaum 2015) has 1,623
handwritten characters from 50 alphabets, 20 drawings of each. No such data set ships offline
(torchvision's Omniglot downloads at run time), but its recipe is easy to imitate: a character is a
few pen strokes, and every drawing of it is the same strokes drawn by a slightly different hand.
Here each class is 1 to 3 random cubic Bezier curves (a later stroke often starts on an earlier
one, as pen strokes join); each of its images moves every control point a little, changes the pen's
width, shears the drawing horizontally (about +-9 degrees) and stretches its width and height by a
few per cent, and is prepared much as MNIST prepared its digits: white on black, fitted into a
20x20 box with its aspect ratio kept (the anti-aliased rim can add a faint pixel on each side),
then moved by whole pixels so that its centre of mass is at the centre of the 28x28 image, as far
as a one-pixel clear border allows (a few drawings stay up to 2 pixels off). The strokes are drawn
at four times the resolution and averaged down, which anti-aliases them. The classes are random:
none is chosen to look like anything in particular.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validate import check_number

__all__ = ["stroke_images"]

_POINTS_PER_STROKE = 24  # samples along each Bezier curve, drawn as a polyline
_SUPERSAMPLE = 4  # the strokes are drawn at 4x the image size, then averaged 4x4 (anti-aliasing)

_T = np.linspace(0.0, 1.0, _POINTS_PER_STROKE)
#: Bernstein polynomials of degree 3 at the samples: (samples, 4)
_BERNSTEIN = np.stack([(1 - _T) ** 3, 3 * _T * (1 - _T) ** 2, 3 * _T ** 2 * (1 - _T), _T ** 3], axis=1)


def _bezier(controls: np.ndarray) -> np.ndarray:
    """Points (..., samples, 2) along the cubic Bezier curves with control points (..., 4, 2)."""
    return _BERNSTEIN @ controls


def _character(rng: np.random.Generator) -> np.ndarray:
    """A random character: control points (strokes, 4, 2) in [-1, 1]^2."""
    strokes = rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25])
    controls = rng.uniform(-1, 1, (strokes, 4, 2))
    for s in range(1, strokes):
        if rng.random() < 0.6:  # start the pen on a point of an earlier stroke
            earlier = _bezier(controls[rng.integers(s)])
            controls[s, 0] = earlier[rng.integers(len(earlier))]
    return controls


def _drawings(controls: np.ndarray, count: int, rng: np.random.Generator, jitter: float, size: int) -> np.ndarray:
    """``count`` hands' drawings of a character, each fitted into the MNIST box, averaged
    down from ``_SUPERSAMPLE`` times the resolution: (count, size, size) floats in 0-255."""
    from PIL import Image, ImageDraw

    canvas, box = _SUPERSAMPLE * size, _SUPERSAMPLE * round(size * 20 / 28)
    controls = controls + rng.normal(0, jitter, (count, *controls.shape))  # (count, strokes, 4, 2)
    slants = np.zeros((count, 2, 2))
    slants[:, 0, 0], slants[:, 1, 1] = rng.normal(1, 0.08, (2, count))
    slants[:, 0, 1] = rng.normal(0, 0.15, count) * slants[:, 0, 0]
    points = _bezier(controls) @ slants[:, None].swapaxes(-1, -2)  # (count, strokes, samples, 2) as (x, y)
    widths = box * rng.uniform(0.06, 0.15, count)
    low, high = points.min(axis=(1, 2)), points.max(axis=(1, 2))
    # the longer side of the ink, pen tips included, spans the box, keeping the aspect ratio
    scale = (box - widths) / np.maximum((high - low).max(axis=1), 1e-9)
    points = (points - ((low + high) / 2)[:, None, None]) * scale[:, None, None, None] + canvas / 2
    drawn = np.empty((count, canvas, canvas), dtype=np.uint8)
    for picture_index, (strokes, width) in enumerate(zip(points, widths)):
        picture = Image.new("L", (canvas, canvas))
        pen = ImageDraw.Draw(picture)
        for stroke in strokes:
            pen.line(stroke.ravel().tolist(), fill=255, width=round(width))  # short segments: no joints needed
            for end in (stroke[0], stroke[-1]):  # round pen tips
                pen.ellipse([*(end - width / 2), *(end + width / 2)], fill=255)
        drawn[picture_index] = np.asarray(picture)
    summed = drawn.reshape(count, size, _SUPERSAMPLE, canvas).sum(axis=2, dtype=np.float32)
    return summed.reshape(count, size, size, _SUPERSAMPLE).sum(axis=3) / _SUPERSAMPLE ** 2


def _centred(images: np.ndarray, size: int) -> np.ndarray:
    """Move each image (N, size, size) by whole pixels so that its centre of mass is at the
    centre (as MNIST), at most as far as keeps its ink off the border."""
    shifts = []
    for axis in (2, 1):  # rows (summing over columns), then columns
        profiles = images.sum(axis=axis)  # (N, size)
        inked = profiles > 0
        first, last = inked.argmax(axis=1), size - 1 - inked[:, ::-1].argmax(axis=1)
        mass = (profiles * np.arange(size)).sum(axis=1) / profiles.sum(axis=1)
        shifts.append(np.clip(np.round(size / 2 - mass), 1 - first, size - 2 - last).astype(int))  # a clear border
    centred = np.zeros_like(images)
    for image, out, down, right in zip(images, centred, *shifts):
        out[max(0, down):size + min(0, down), max(0, right):size + min(0, right)] = \
            image[max(0, -down):size - max(0, down), max(0, -right):size - max(0, right)]
    return centred


@lru_cache(maxsize=2)
def _rendered(classes: int, per_class: int, jitter: float, size: int, seed: int):
    rng = np.random.default_rng(seed)
    characters = [_character(rng) for _ in range(classes)]
    images = []
    for character in characters:  # one class at a time keeps the large drawings few
        images.append(_centred(_drawings(character, per_class, rng, jitter, size), size))
    images = np.concatenate(images).round().astype(np.uint8)
    return images, np.repeat(np.arange(classes, dtype=np.int64), per_class)


def stroke_images(classes: int = 1000, per_class: int = 10, jitter: float = 0.04, size: int = 28, seed: int = 0):
    """Random pen-stroke characters, ``per_class`` drawings of each, as MNIST-like images.

    Parameters
    ----------
    classes : int
        How many characters (classes), >= 1.
    per_class : int
        Drawings of each character, >= 1.
    jitter : float
        Standard deviation of each control point's move between drawings, in the units of the
        control points (drawn uniformly in [-1, 1]^2); after fitting to the 20-pixel box one
        unit is at least about 10 pixels. In [0, 1].
    size : int
        Height and width of the images, >= 8 (28 as MNIST).
    seed : int
        Same arguments, same images.

    Returns
    -------
    images : numpy.ndarray of uint8, shape (classes * per_class, size, size)
        White strokes on black, 0-255.
    labels : numpy.ndarray of int64
        The class of each image, 0 to ``classes - 1``, ``per_class`` in a row.

    Examples
    --------
    >>> images, labels = stroke_images(classes=3, per_class=2)
    >>> images.shape, labels.tolist()
    ((6, 28, 28), [0, 0, 1, 1, 2, 2])
    """
    classes = check_number(classes, "classes", low=1, integer=True)
    per_class = check_number(per_class, "per_class", low=1, integer=True)
    jitter = check_number(jitter, "jitter", low=0, high=1, finite=True)
    size = check_number(size, "size", low=8, integer=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    images, labels = _rendered(classes, per_class, float(jitter), size, seed)
    return images.copy(), labels.copy()
