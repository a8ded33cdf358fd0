"""Region proposals by selective search (Uijlings, van de Sande, Gevers and Smeulders 2013).

Instead of trying every window, start from an over-segmentation of the image into small
regions (Felzenszwalb and Huttenlocher 2004, here from scikit-image), then repeatedly merge
the two most similar neighbouring regions until one region is left. Every region met on
the way, small or large, is a candidate object: its bounding box is a proposal. Objects
of all sizes appear at some level of this hierarchy, and a few hundred proposals find
most of them, where a sliding window needs tens of thousands of boxes.

Similarity is the sum of four measures, each in [0, 1]:

- **colour**: intersection of the two regions' colour histograms (25 bins per channel);
- **texture**: intersection of histograms of Gaussian derivatives in 8 directions;
- **size**: ``1 - (size_a + size_b) / image size``, so small regions merge first;
- **fill**: ``1 - (box area - size_a - size_b) / image size``, so regions that fill each
  other's gaps merge first.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_number, finite_image, image_as_float

__all__ = ["selective_search", "SIMILARITIES"]

#: The similarity measures :func:`selective_search` can combine.
SIMILARITIES = ("colour", "texture", "size", "fill")

_COLOUR_BINS = 25
_TEXTURE_BINS = 10
_DIRECTIONS = 8


def _histograms(values: np.ndarray, labels: np.ndarray, count: int, bins: int) -> np.ndarray:
    """Per-region histograms of each column of ``values`` (in [0, 1]), L1-normalised: (count, columns * bins)."""
    index = np.minimum((values * bins).astype(np.int64), bins - 1)
    histograms = np.zeros((count, values.shape[1] * bins))
    for column in range(values.shape[1]):
        np.add.at(histograms, (labels, column * bins + index[:, column]), 1.0)
    return histograms / histograms.sum(axis=1, keepdims=True)


def _texture_values(image: np.ndarray) -> np.ndarray:
    """Gaussian derivatives (sigma 1) in 8 directions per channel, scaled to [0, 1]: (pixels, 8 * channels)."""
    from scipy import ndimage

    responses = []
    for channel in np.moveaxis(image, -1, 0):
        dy = ndimage.gaussian_filter(channel, 1.0, order=(1, 0))
        dx = ndimage.gaussian_filter(channel, 1.0, order=(0, 1))
        for angle in np.arange(_DIRECTIONS) * np.pi / 4:
            responses.append(np.clip(np.cos(angle) * dx + np.sin(angle) * dy, 0, None).ravel())
    responses = np.stack(responses, axis=1)
    peak = responses.max(axis=0, keepdims=True)
    return responses / np.where(peak > 0, peak, 1.0)


def _neighbours(labels: np.ndarray) -> set[tuple[int, int]]:
    pairs = set()
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])):
        differ = a != b
        first, second = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
        pairs.update(zip(first.tolist(), second.tolist()))
    return pairs


def selective_search(image, scale: float = 100.0, sigma: float = 0.8, min_size: int = 20,
                     similarities=SIMILARITIES) -> np.ndarray:
    """Region proposals by hierarchical grouping of an over-segmentation (Uijlings et al. 2013).

    Parameters
    ----------
    image : array_like, shape (rows, columns, 3) or (rows, columns)
        uint8, or float in [0, 1].
    scale, sigma, min_size
        Parameters of the initial segmentation, ``skimage.segmentation.felzenszwalb``: larger
        ``scale`` gives fewer, larger regions.
    similarities : sequence of {"colour", "texture", "size", "fill"}
        The measures to add up.

    Returns
    -------
    numpy.ndarray, shape (K, 4)
        Distinct xyxy boxes in pixel coordinates (a pixel (r, c) covers [c, c + 1) x [r, r + 1)),
        from the top of the hierarchy (the whole image) down to the initial regions.

    Examples
    --------
    >>> image = np.zeros((40, 40, 3)); image[5:20, 10:30] = 1.0
    >>> boxes = selective_search(image, min_size=5)
    >>> [10.0, 5.0, 30.0, 20.0] in boxes.tolist()
    True
    """
    from skimage.segmentation import felzenszwalb

    array = finite_image(image, "image", ndim=(2, 3), what="an RGB or grayscale image")
    if array.ndim == 3 and array.shape[-1] != 3:
        raise ValueError(f"image must be RGB (rows, columns, 3) or grayscale; got shape {array.shape}.")
    pixels = image_as_float(array)
    pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    scale = check_number(scale, "scale", low=0, low_inclusive=False, finite=True)
    sigma = check_number(sigma, "sigma", low=0, finite=True)
    min_size = check_number(min_size, "min_size", low=1, integer=True)
    if isinstance(similarities, str) or not similarities:
        raise TypeError(f"similarities must be a non-empty list drawn from {SIMILARITIES}; got {similarities!r}.")
    for name in similarities:
        check_choice(name, "similarities", SIMILARITIES)

    labels = felzenszwalb(pixels, scale=scale, sigma=sigma, min_size=min_size, channel_axis=-1)
    count = int(labels.max()) + 1
    flat = labels.ravel()
    rows, columns = np.indices(labels.shape)
    size = np.bincount(flat, minlength=count).astype(np.float64)
    boxes = np.stack([np.full(count, np.inf), np.full(count, np.inf), np.zeros(count), np.zeros(count)], axis=1)
    np.minimum.at(boxes[:, 0], flat, columns.ravel())
    np.minimum.at(boxes[:, 1], flat, rows.ravel())
    np.maximum.at(boxes[:, 2], flat, columns.ravel() + 1)
    np.maximum.at(boxes[:, 3], flat, rows.ravel() + 1)
    colour = _histograms(pixels.reshape(-1, pixels.shape[-1]), flat, count, _COLOUR_BINS)
    texture = _histograms(_texture_values(pixels), flat, count, _TEXTURE_BINS)
    regions = {k: (size[k], boxes[k], colour[k], texture[k]) for k in range(count)}
    image_size = float(labels.size)

    def similarity(a, b):
        size_a, box_a, colour_a, texture_a = regions[a]
        size_b, box_b, colour_b, texture_b = regions[b]
        total = 0.0
        if "colour" in similarities:
            total += np.minimum(colour_a, colour_b).sum() / pixels.shape[-1]
        if "texture" in similarities:
            total += np.minimum(texture_a, texture_b).sum() / (_DIRECTIONS * pixels.shape[-1])
        if "size" in similarities:
            total += 1.0 - (size_a + size_b) / image_size
        if "fill" in similarities:
            joint = np.concatenate([np.minimum(box_a[:2], box_b[:2]), np.maximum(box_a[2:], box_b[2:])])
            total += 1.0 - ((joint[2] - joint[0]) * (joint[3] - joint[1]) - size_a - size_b) / image_size
        return total

    scores = {pair: similarity(*pair) for pair in _neighbours(labels)}
    order = list(range(count))
    while scores:
        a, b = max(scores, key=scores.get)
        new = len(regions)
        size_a, box_a, colour_a, texture_a = regions[a]
        size_b, box_b, colour_b, texture_b = regions[b]
        total = size_a + size_b
        regions[new] = (total, np.concatenate([np.minimum(box_a[:2], box_b[:2]), np.maximum(box_a[2:], box_b[2:])]),
                        (size_a * colour_a + size_b * colour_b) / total,
                        (size_a * texture_a + size_b * texture_b) / total)
        order.append(new)
        touching = {n for pair in scores if a in pair or b in pair for n in pair} - {a, b}
        scores = {pair: value for pair, value in scores.items() if a not in pair and b not in pair}
        for other in touching:
            scores[(other, new)] = similarity(other, new)
    proposals = np.array([regions[k][1] for k in reversed(order)])
    _, first = np.unique(proposals, axis=0, return_index=True)
    return proposals[np.sort(first)]
