"""Distorted digits for spatial transformers (chapter 25): MNIST digits rotated, scaled and
moved about a larger canvas, as in the "RTS" experiments of Jaderberg et al. (2015).

Each digit of the course's MNIST split (:func:`cvcourse.data.mnist_arrays`) is drawn on a
black square canvas with a random rotation, scale and position, by the course's own sampler
(:func:`cvcourse.attention.affine_grid` and :func:`~cvcourse.attention.grid_sample`). The
transforms are seeded, so the same call gives the same images.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_number

__all__ = ["distorted_digits"]


def distorted_digits(split="train", canvas=42, max_angle=45.0, scale_range=(0.7, 1.2), seed=0):
    """Rotated, scaled and translated MNIST digits on a larger canvas, and their labels.

    A digit (28x28) is rotated by a uniform angle in [-``max_angle``, ``max_angle``] degrees,
    scaled by a uniform factor in ``scale_range`` and placed at a uniform position that
    keeps the digit's middle 20x20 pixels (where MNIST's ink lies) inside the canvas.

    Parameters
    ----------
    split : {"train", "test"}
        The course's 4,000 training or 1,000 test digits (:func:`cvcourse.data.mnist_arrays`).
    canvas : int
        Side of the square canvas in pixels, at least 28.
    max_angle : float
        Largest rotation in degrees, in [0, 180].
    scale_range : tuple of 2 floats
        Smallest and largest scale factor, 0 < low <= high <= 3.
    seed : int
        Seed of the random transforms (the train and test splits draw different ones).

    Returns
    -------
    images : numpy.ndarray of float32, shape (N, canvas, canvas)
        White digits on black, in [0, 1].
    labels : numpy.ndarray of int64, shape (N,)
    theta : numpy.ndarray of float64, shape (N, 2, 3)
        For each image, the affine matrix (normalised coordinates, ``align_corners=False``)
        that maps the upright 28x28 digit onto the canvas: a spatial transformer that outputs
        28x28 and predicts this matrix undoes the distortion (up to the blur of resampling).

    Examples
    --------
    >>> images, labels, theta = distorted_digits("test")
    >>> images.shape, images.dtype, theta.shape
    ((1000, 42, 42), dtype('float32'), (1000, 2, 3))
    """
    from ..attention import affine_grid, grid_sample
    from .datasets import mnist_arrays

    check_choice(split, "split", ("train", "test"))
    canvas = check_number(canvas, "canvas", low=28, high=512, integer=True)
    max_angle = check_number(max_angle, "max_angle", low=0, high=180)
    if not isinstance(scale_range, (tuple, list)) or len(scale_range) != 2:
        raise ValueError(f"scale_range must be (low, high); got {scale_range!r}.")
    low = check_number(scale_range[0], "scale_range[0]", low=0, high=3, low_inclusive=False)
    high = check_number(scale_range[1], "scale_range[1]", low=low, high=3)
    seed = check_number(seed, "seed", low=0, integer=True)
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    digits, labels = mnist_arrays(split)
    count = len(digits)
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle, count))
    scale = rng.uniform(low, high, count)
    # the digit's middle 20x20 (radius 10 * sqrt(2) once rotated, at most) stays on the canvas
    reach = np.maximum(canvas / 2 - 10 * np.sqrt(2) * scale, 0)
    shift = rng.uniform(-1, 1, (count, 2)) * reach[:, None]                     # pixels, (x, y)
    # canvas pixel p = s R q + shift for digit pixel q (both from their centres). In normalised
    # coordinates (pixels / (side / 2)), a digit point v lands on the canvas at
    # u = (28 / canvas) s R v + 2 shift / canvas: that is theta. Drawing needs the inverse.
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], 1)
    theta = np.concatenate([rotation * (28 * scale / canvas)[:, None, None], 2 * shift[:, :, None] / canvas], 2)
    inverse = np.linalg.inv(np.concatenate([theta, np.broadcast_to([[[0.0, 0, 1]]], (count, 1, 3))], 1))[:, :2]
    grid = affine_grid(inverse, (count, 1, canvas, canvas), align_corners=False)
    images = grid_sample(digits[:, None] / np.float32(255), grid.astype(np.float32), "bilinear", "zeros", align_corners=False)[:, 0]
    return np.clip(images, 0, 1), labels, theta
