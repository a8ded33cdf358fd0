"""Segmentation: thresholds (global, Otsu, adaptive), region growing, k-means, IoU/Dice
(chapter 06).

Thresholds work on the image's own values (a uint8 image gets a threshold on the
0-255 scale, a float image on its own scale), as in scikit-image. The foreground is
``image > threshold``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from ._validate import (
    as_array,
    check_choice,
    check_finite,
    check_ndim,
    check_number,
    grayscale,
    random_generator,
    same_shape,
)
from .features import box_filter

__all__ = [
    "histogram",
    "otsu_criterion",
    "otsu_threshold",
    "local_threshold",
    "region_grow",
    "kmeans_plusplus",
    "kmeans",
    "iou",
    "dice",
]


def _gray(image, name: str = "image") -> np.ndarray:
    """:func:`grayscale`, with bool read as uint8 so that histograms get integer bins."""
    array = grayscale(image, name)
    return array.astype(np.uint8) if array.dtype == np.bool_ else array


def histogram(image, nbins=256):
    """Counts of the image's values and the value each bin stands for.

    Integer images get one bin per integer from their minimum to their maximum
    (``nbins`` is ignored); float images get ``nbins`` equal bins between their
    minimum and maximum, represented by the bin centres. This is scikit-image's rule
    (``skimage.exposure.histogram``), which Otsu's method relies on.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image of any real dtype.
    nbins : int
        Number of bins for float images (>= 2).

    Returns
    -------
    counts : numpy.ndarray of int64
    centres : numpy.ndarray
        int64 for integer images, float64 for float images.

    Examples
    --------
    >>> counts, centres = histogram(np.array([[2, 2], [3, 5]], dtype=np.uint8))
    >>> counts.tolist(), centres.tolist()
    ([2, 1, 0, 1], [2, 3, 4, 5])
    """
    array = _gray(image)
    nbins = check_number(nbins, "nbins", low=2, integer=True)
    if array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        counts = np.bincount((array.astype(np.int64) - low).ravel(), minlength=high - low + 1)
        return counts, np.arange(low, high + 1)
    counts, edges = np.histogram(array, bins=nbins, range=(array.min(), array.max()))
    return counts, (edges[:-1] + edges[1:]) / 2.0


def otsu_criterion(image, nbins=256):
    """Otsu's between-class variance for every candidate threshold.

    Splitting the histogram after bin ``t`` gives two classes with weights ``w0, w1``
    (pixel counts) and means ``m0, m1``; Otsu (1979) picks the ``t`` that maximises
    ``w0 w1 (m0 - m1)^2``, which is the same as minimising the summed within-class
    variance, computed for all ``t`` at once with cumulative sums.

    Parameters
    ----------
    image : array_like, shape (M, N)
    nbins : int
        As for :func:`histogram`.

    Returns
    -------
    thresholds : numpy.ndarray, shape (B - 1,)
        Candidate thresholds (bin centres; the foreground is ``image > t``).
    variance : numpy.ndarray, shape (B - 1,)
        ``w0 w1 (m0 - m1)^2`` for each, in counts squared times intensity squared.

    Examples
    --------
    >>> t, v = otsu_criterion(np.array([[0, 0, 10, 10]], dtype=np.uint8))
    >>> int(t[v.argmax()])
    0
    """
    counts, centres = histogram(image, nbins)
    weight0 = np.cumsum(counts)
    weight1 = np.cumsum(counts[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean0 = np.cumsum(counts * centres) / weight0
        mean1 = (np.cumsum((counts * centres)[::-1]) / weight1[::-1])[::-1]
    # Threshold after bin t: class 0 is bins 0..t, class 1 bins t+1..end.
    variance = weight0[:-1] * weight1[1:] * (mean0[:-1] - mean1[1:]) ** 2
    return centres[:-1], variance


def otsu_threshold(image, nbins=256):
    """Otsu's threshold: the split of the histogram with the largest between-class variance.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image of any real dtype (uint8 gives a threshold on 0-255).
    nbins : int
        Bins for float images; integer images use one bin per value.

    Returns
    -------
    number
        The threshold; foreground is ``image > threshold``. Equal to
        ``skimage.filters.threshold_otsu(image, nbins)``, including its answer for a
        constant image (that constant).

    Raises
    ------
    TypeError, ValueError
        For non-numeric, colour, empty or NaN input.

    Examples
    --------
    >>> int(otsu_threshold(np.array([[10, 12, 200], [11, 205, 210]], dtype=np.uint8)))
    12
    """
    array = _gray(image)
    check_number(nbins, "nbins", low=2, integer=True)
    first = array.flat[0]
    if np.all(array == first):
        return first
    thresholds, variance = otsu_criterion(array, nbins)
    return thresholds[np.argmax(variance)]


def local_threshold(image, block_size, method="gaussian", *, offset=0.0, mode="reflect",
                    param=None, cval=0.0):
    """A threshold for every pixel from its neighbourhood: the local mean or Gaussian
    average minus ``offset``. Use ``image > local_threshold(image, ...)``.

    Under uneven light a single threshold fails (text in the shadow is darker than
    paper in the light); comparing each pixel with its surroundings does not.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image (values are used as they are, not rescaled).
    block_size : int
        Odd size (>= 3) of the neighbourhood.
    method : {'gaussian', 'mean'}
        'mean': the average over the block (an integral-image box filter);
        'gaussian': a Gaussian average with sigma ``(block_size - 1) / 6`` (or ``param``).
    offset : float
        Subtracted from the local average.
    mode : {'reflect', 'constant', 'nearest', 'mirror', 'wrap'}
        Border handling, as in scipy.ndimage.
    param : float, optional
        Gaussian sigma for ``method='gaussian'``.
    cval : float
        Outside value for ``mode='constant'``.

    Returns
    -------
    numpy.ndarray of float64 (float32 for float32 input), shape (M, N)
        Equal to ``skimage.filters.threshold_local`` with the same arguments.

    Examples
    --------
    >>> ramp = np.tile(np.arange(5.0), (5, 1))
    >>> local_threshold(ramp, 3, "mean")[2]
    array([0.33333333, 1.        , 2.        , 3.        , 3.66666667])
    """
    array = _gray(image)
    block_size = check_number(block_size, "block_size", low=3, integer=True)
    if block_size % 2 == 0:
        raise ValueError(f"block_size must be odd so the block has a centre; got {block_size}.")
    check_choice(method, "method", ("gaussian", "mean"))
    offset = check_number(offset, "offset")
    dtype = np.float32 if array.dtype in (np.float16, np.float32) else np.float64
    values = array.astype(dtype, copy=False)
    if method == "mean":
        average = box_filter(values, block_size, mode=mode, cval=cval)
    else:
        sigma = (block_size - 1) / 6.0 if param is None else check_number(
            param, "param", low=0, low_inclusive=False)
        check_choice(mode, "mode", ("reflect", "constant", "nearest", "mirror", "wrap"))
        average = ndi.gaussian_filter(values, sigma, mode=mode, cval=cval, truncate=4.0)
    return (average - offset).astype(dtype, copy=False)


def _neighbour_offsets(connectivity):
    """(row, column) steps to the neighbours: squared distance <= connectivity."""
    steps = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)
             if 0 < dr * dr + dc * dc <= connectivity]
    return np.array(steps)


def _tolerance_bounds(array, seed_value, tolerance):
    """Inclusive [low, high] of the values that join the region."""
    if tolerance is None:
        return seed_value, seed_value
    tolerance = abs(check_number(tolerance, "tolerance"))
    low, high = seed_value.item() - tolerance, seed_value.item() + tolerance
    if array.dtype.kind in "iu":
        # As scikit-image: bounds are clamped to the dtype and truncated to integers.
        info = np.iinfo(array.dtype)
        return int(max(info.min, low)), int(min(info.max, high))
    return array.dtype.type(low), array.dtype.type(high)  # compared in the image's dtype


def region_grow(image, seed, tolerance=None, *, connectivity=2):
    """Grow a region from a seed pixel through neighbours whose value is close to the seed's.

    Breadth-first: the region starts as the seed; at each step every neighbour of the
    newest pixels (the frontier) that lies within ``tolerance`` of the seed's value and
    is not yet in the region joins it and forms the next frontier. Each step is one
    vectorised operation on the frontier, so the cost is proportional to the region.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image of any real dtype.
    seed : (int, int)
        (row, column) of the seed, inside the image.
    tolerance : float, optional
        Largest difference from the seed value; ``None`` means equal values only. For
        integer images the bounds ``seed +- tolerance`` are truncated to integers, as
        scikit-image does.
    connectivity : {1, 2}
        1: four neighbours (edges); 2: eight (edges and corners).

    Returns
    -------
    numpy.ndarray of bool, shape (M, N)
        Equal to ``skimage.segmentation.flood(image, seed, tolerance=tolerance,
        connectivity=connectivity)``.

    Raises
    ------
    ValueError
        If the seed lies outside the image, or connectivity is not 1 or 2.

    Examples
    --------
    >>> image = np.array([[1, 1, 5], [1, 5, 1], [5, 1, 1]], dtype=np.uint8)
    >>> region_grow(image, (0, 0), connectivity=1).astype(int)
    array([[1, 1, 0],
           [1, 0, 0],
           [0, 0, 0]])
    """
    array = _gray(image)
    seed_array = as_array(seed, "seed")
    if seed_array.shape != (2,) or seed_array.dtype.kind not in "iu":
        raise TypeError(f"seed must be a (row, column) pair of integers; got {seed!r}.")
    row, col = (int(v) for v in seed_array)
    if not (0 <= row < array.shape[0] and 0 <= col < array.shape[1]):
        raise ValueError(
            f"seed {(row, col)} lies outside the image of shape {array.shape}; rows must be "
            f"in [0, {array.shape[0] - 1}] and columns in [0, {array.shape[1] - 1}]."
        )
    check_choice(connectivity, "connectivity", (1, 2))
    low, high = _tolerance_bounds(array, array[row, col], tolerance)
    # A one-pixel border of False lets neighbours be found by adding flat offsets.
    allowed = np.pad((array >= low) & (array <= high), 1).ravel()
    width = array.shape[1] + 2
    steps = _neighbour_offsets(connectivity) @ np.array([width, 1])
    in_region = np.zeros_like(allowed)
    frontier = np.array([(row + 1) * width + col + 1])
    in_region[frontier] = True
    while frontier.size:  # one step per ring of the region, each step vectorised
        candidates = np.unique((frontier[:, None] + steps[None, :]).ravel())
        frontier = candidates[allowed[candidates] & ~in_region[candidates]]
        in_region[frontier] = True
    return in_region.reshape(array.shape[0] + 2, width)[1:-1, 1:-1]


def _as_samples(data, name: str = "data") -> np.ndarray:
    array = as_array(data, name)
    if array.ndim == 1:
        array = array[:, None]
    check_ndim(array, 2, name, "one sample per row, shape (n_samples, n_features)")
    check_finite(array, name)
    if len(array) == 0:
        raise ValueError(f"{name} must hold at least one sample.")
    return array.astype(np.float64)


def _squared_distances(samples, centres):
    """(n_samples, k) squared Euclidean distances, never negative."""
    # einsum beats a BLAS product here: the inner dimension (colour channels) is tiny.
    squared = (np.einsum("nf,nf->n", samples, samples)[:, None]
               - 2 * np.einsum("nf,kf->nk", samples, centres)
               + np.einsum("kf,kf->k", centres, centres)[None, :])
    return np.maximum(squared, 0)


def kmeans_plusplus(data, k, *, n_trials=1, seed=None):
    """k-means++ seeding (Arthur and Vassilvitskii, 2007).

    The first centre is a sample drawn uniformly; each next one is a sample drawn with
    probability proportional to its squared distance to the nearest centre so far, so
    the centres spread over the data and k-means starts close to a good solution. With
    ``n_trials > 1`` (greedy k-means++, scikit-learn's default with ``2 + log k``), each
    step draws that many candidates and keeps the one that lowers the inertia most.

    Parameters
    ----------
    data : array_like, shape (n_samples, n_features) or (n_samples,)
    k : int
        Number of centres, 1 <= k <= n_samples.
    n_trials : int
        Candidates drawn per centre (>= 1).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray of float64, shape (k, n_features)

    Examples
    --------
    >>> kmeans_plusplus(np.array([[0.0], [0.1], [10.0]]), 2, seed=0).shape
    (2, 1)
    """
    samples = _as_samples(data)
    k = check_number(k, "k", low=1, high=len(samples), integer=True)
    n_trials = check_number(n_trials, "n_trials", low=1, integer=True)
    rng = random_generator(seed)
    chosen = [int(rng.integers(len(samples)))]
    nearest = _squared_distances(samples, samples[chosen]).min(axis=1)
    for _ in range(1, k):  # one step per centre
        total = nearest.sum()
        if total == 0:  # every sample sits on a centre already: any other sample will do
            candidates = rng.choice(np.setdiff1d(np.arange(len(samples)), chosen), 1)
        else:
            candidates = rng.choice(len(samples), n_trials, p=nearest / total)
        # nearest squared distance of every sample if each candidate were added
        updated = np.minimum(nearest[None, :], _squared_distances(samples, samples[candidates]).T)
        best = int(np.argmin(updated.sum(axis=1)))
        chosen.append(int(candidates[best]))
        nearest = updated[best]
    return samples[chosen].copy()


def kmeans(data, k, *, init="k-means++", max_iter=300, tol=1e-4, seed=None):
    """Lloyd's k-means: assign each sample to its nearest centre, move each centre to the
    mean of its samples, repeat until the labels stop changing (or the centres move less
    than ``tol`` times the data's mean variance).

    Parameters
    ----------
    data : array_like, shape (n_samples, n_features) or (n_samples,)
        E.g. ``image.reshape(-1, 3)`` for the colours of an RGB image.
    k : int
        Number of clusters, 1 <= k <= n_samples.
    init : 'k-means++', 'greedy k-means++', 'random' or array_like of shape (k, n_features)
        Initial centres: k-means++ seeding, greedy k-means++ with ``2 + log k`` trials
        per centre (as scikit-learn), k distinct random samples, or given ones.
    max_iter : int
        Most iterations.
    tol : float
        Relative tolerance on the squared movement of the centres.
    seed : None, int or numpy.random.Generator
        For the random initialisations.

    Returns
    -------
    labels : numpy.ndarray of int, shape (n_samples,)
    centres : numpy.ndarray of float64, shape (k, n_features)
    inertia : float
        Sum of squared distances of the samples to their centres.

    Notes
    -----
    With the same initial centres the result equals ``sklearn.cluster.KMeans(k,
    init=centres, n_init=1, algorithm='lloyd')`` (same labels, inertia to rounding),
    including its rule for an empty cluster: it moves to the sample farthest from its
    centre.

    Examples
    --------
    >>> labels, centres, inertia = kmeans([0.0, 0.2, 9.8, 10.0], 2, init=[[0.0], [10.0]])
    >>> labels.tolist(), centres.ravel().round(2).tolist(), round(inertia, 3)
    ([0, 0, 1, 1], [0.1, 9.9], 0.04)
    """
    samples = _as_samples(data)
    k = check_number(k, "k", low=1, integer=True)
    if k > len(samples):
        raise ValueError(f"k must be at most the number of samples ({len(samples)}); got {k}.")
    max_iter = check_number(max_iter, "max_iter", low=1, integer=True)
    tol = check_number(tol, "tol", low=0)
    if isinstance(init, str):
        check_choice(init, "init", ("k-means++", "greedy k-means++", "random"))
        if init == "k-means++":
            centres = kmeans_plusplus(samples, k, seed=seed)
        elif init == "greedy k-means++":
            centres = kmeans_plusplus(samples, k, n_trials=2 + int(np.log(k)), seed=seed)
        else:
            centres = samples[random_generator(seed).choice(len(samples), k, replace=False)].copy()
    else:
        centres = _as_samples(init, "init").copy()
        if centres.shape != (k, samples.shape[1]):
            raise ValueError(
                f"init must have shape (k, n_features) = {(k, samples.shape[1])}; "
                f"got {centres.shape}.")
    threshold = tol * samples.var(axis=0).mean()
    previous = np.full(len(samples), -1)
    converged = False
    for _ in range(max_iter):
        distances = _squared_distances(samples, centres)
        labels = distances.argmin(axis=1)
        new_centres = _update_centres(samples, labels, centres)
        shift = ((new_centres - centres) ** 2).sum()
        centres = new_centres
        if np.array_equal(labels, previous):
            converged = True
            break
        if shift <= threshold:
            break
        previous = labels
    if not converged:  # labels for the final centres
        labels = _squared_distances(samples, centres).argmin(axis=1)
    inertia = float(((samples - centres[labels]) ** 2).sum())
    return labels, centres, inertia


def _update_centres(samples, labels, centres):
    """Mean of each cluster; an empty cluster takes the sample farthest from its centre.

    As in scikit-learn, including which of equally far samples is taken (the one
    ``np.argpartition`` puts last). A cluster that gives its only sample away keeps its
    centre (scikit-learn would move it to the origin).
    """
    k = len(centres)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=feature, minlength=k)
                     for feature in samples.T], axis=1)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        own = ((samples - centres[labels]) ** 2).sum(axis=1)
        farthest = np.argpartition(own, -empty.size)[::-1][:empty.size]
        for cluster, index in zip(empty, farthest):  # a loop over empty clusters only
            old = labels[index]
            counts[old] -= 1
            sums[old] -= samples[index]
            counts[cluster], sums[cluster] = 1, samples[index]
    filled = counts > 0
    return np.where(filled[:, None], sums / np.maximum(counts, 1)[:, None], centres)


def _masks(prediction, truth):
    pred, true = same_shape(prediction, truth, ("prediction", "truth"))
    for array, name in ((pred, "prediction"), (true, "truth")):
        if array.dtype != np.bool_ and not np.isin(array, (0, 1)).all():
            raise ValueError(f"{name} must be a binary mask (bool or 0/1 values).")
    return pred.astype(bool), true.astype(bool)


def iou(prediction, truth):
    """Intersection over union (Jaccard index) of two binary masks: ``|A & B| / |A | B|``.

    Parameters
    ----------
    prediction, truth : array_like of bool (or 0/1), same shape

    Returns
    -------
    float
        In [0, 1]; 1.0 when both masks are empty (nothing to find, nothing found).

    Examples
    --------
    >>> iou([1, 1, 0, 0], [0, 1, 1, 0])
    0.3333333333333333
    """
    pred, true = _masks(prediction, truth)
    union = np.count_nonzero(pred | true)
    return 1.0 if union == 0 else float(np.count_nonzero(pred & true) / union)


def dice(prediction, truth):
    """Dice coefficient (F1 score) of two binary masks: ``2 |A & B| / (|A| + |B|)``.

    Related to IoU by ``dice = 2 iou / (1 + iou)``.

    Parameters
    ----------
    prediction, truth : array_like of bool (or 0/1), same shape

    Returns
    -------
    float
        In [0, 1]; 1.0 when both masks are empty.

    Examples
    --------
    >>> dice([1, 1, 0, 0], [0, 1, 1, 0])
    0.5
    """
    pred, true = _masks(prediction, truth)
    total = np.count_nonzero(pred) + np.count_nonzero(true)
    return 1.0 if total == 0 else float(2 * np.count_nonzero(pred & true) / total)
