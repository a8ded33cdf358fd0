"""Local features: corners, integral images, scale space, SIFT and matching (chapter 05).

Conventions follow scikit-image: images are 2-D grayscale arrays, uint8 (0-255, divided
by 255 first) or float (any finite range; float32 stays float32, everything else is
computed in float64). Coordinates are (row, column); angles are in radians, measured
from the column axis towards the row axis (downwards on screen).

Derivatives and smoothing are the course's own filters from chapters 02 and 03
(:mod:`cvcourse.filters`), which equal the ``scipy.ndimage`` functions scikit-image builds
its features on, so the results here equal scikit-image's. The local maxima and minima of
:func:`corner_peaks` and of SIFT's scale space come from ``scipy.ndimage.maximum_filter``
and ``minimum_filter``: the course teaches no maximum filter of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree

from . import filters
from ._validate import (
    as_array,
    check_choice,
    check_finite,
    check_ndim,
    check_number,
    finite_image,
    float_dtype_for,
    grayscale_as_float,
)

__all__ = [
    "structure_tensor",
    "harris",
    "shi_tomasi",
    "corner_peaks",
    "integral_image",
    "box_sum",
    "box_filter",
    "hessian_det_box",
    "gaussian_scale_space",
    "dog_pyramid",
    "SiftFeatures",
    "sift",
    "match_descriptors",
]

_SOBEL_DIFFERENCE = np.array([-1.0, 0.0, 1.0])
_SOBEL_SMOOTH = np.array([1.0, 2.0, 1.0])


# --------------------------------------------------------------------------- corners


def _sobel(image, axis, mode, cval):
    """Unnormalised Sobel derivative along ``axis``, as ``scipy.ndimage.sobel`` computes it.

    :func:`cvcourse.filters.sobel_h` divides by 4 and, with ``mode="constant"``, pads its
    smoothing pass with 0; scikit-image's structure tensor (through ``scipy.ndimage``) pads
    both passes with ``cval``, so it is built here from the same 1-D correlations.
    """
    difference = filters.correlate1d(image, _SOBEL_DIFFERENCE, axis=axis, mode=mode, cval=cval)
    return filters.correlate1d(difference, _SOBEL_SMOOTH, axis=1 - axis, mode=mode, cval=cval)


def structure_tensor(image, sigma=1.0, *, mode="constant", cval=0.0):
    """The structure tensor: Gaussian-weighted products of the image's derivatives.

    At each pixel, with row and column derivatives ``I_r`` and ``I_c`` (Sobel) and a
    Gaussian window ``G_sigma``::

        A = G_sigma * [[I_r I_r, I_r I_c],
                       [I_r I_c, I_c I_c]]

    Its eigenvalues say how much the image changes when a small window moves: both
    small on flat areas, one large on edges, both large on corners.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float.
    sigma : float
        Standard deviation of the Gaussian window (> 0).
    mode : {'constant', 'reflect', 'nearest', 'mirror', 'wrap'}
        Border handling of both the derivatives and the window, as in scipy.ndimage.
    cval : float
        Value outside the image when ``mode='constant'``.

    Returns
    -------
    Arr, Arc, Acc : numpy.ndarray, shape (M, N)
        The three distinct entries, equal to ``skimage.feature.structure_tensor(...,
        order='rc')``.

    Raises
    ------
    TypeError, ValueError
        For a non-image, colour or NaN input, or ``sigma <= 0``.

    Examples
    --------
    >>> square = np.zeros((5, 5)); square[2, 2] = 1
    >>> Arr, Arc, Acc = structure_tensor(square, sigma=0.1)
    >>> Acc[2]
    array([0., 4., 0., 4., 0.])
    """
    img = grayscale_as_float(image)
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False)
    check_choice(mode, "mode", filters.BORDER_MODES)
    cval = check_number(cval, "cval")
    d_row = _sobel(img, 0, mode, cval)
    d_col = _sobel(img, 1, mode, cval)
    return (
        filters.gaussian_blur(d_row * d_row, sigma, mode=mode, cval=cval),
        filters.gaussian_blur(d_row * d_col, sigma, mode=mode, cval=cval),
        filters.gaussian_blur(d_col * d_col, sigma, mode=mode, cval=cval),
    )


def harris(image, sigma=1.0, *, method="k", k=0.05, eps=1e-6):
    """Harris corner response from the structure tensor.

    ``method='k'``: ``det(A) - k trace(A)^2`` (Harris and Stephens, 1988), large and
    positive on corners, negative on edges, near zero on flat areas.
    ``method='eps'``: ``2 det(A) / (trace(A) + eps)`` (Noble, 1989), which needs no k.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float.
    sigma : float
        Gaussian window of the structure tensor.
    method : {'k', 'eps'}
    k : float
        Sensitivity in [0, 0.25); typical 0.04-0.06. Larger k rejects more edge-like points.
    eps : float
        Small positive number for ``method='eps'``.

    Returns
    -------
    numpy.ndarray, shape (M, N)
        Equal to ``skimage.feature.corner_harris(image, method, k, eps, sigma)``.

    Examples
    --------
    >>> square = np.zeros((10, 10)); square[2:8, 2:8] = 1
    >>> corner_peaks(harris(square), min_distance=1).tolist()
    [[2, 2], [2, 7], [7, 2], [7, 7]]
    """
    check_choice(method, "method", ("k", "eps"))
    k = check_number(k, "k", low=0, high=0.25, high_inclusive=False)
    eps = check_number(eps, "eps", low=0, low_inclusive=False)
    a_rr, a_rc, a_cc = structure_tensor(image, sigma)
    det = a_rr * a_cc - a_rc**2
    trace = a_rr + a_cc
    if method == "k":
        return det - k * trace**2
    return 2 * det / (trace + eps)


def shi_tomasi(image, sigma=1.0):
    """Shi-Tomasi corner response: the smaller eigenvalue of the structure tensor.

    ``lambda_min = (trace - sqrt((Arr - Acc)^2 + 4 Arc^2)) / 2``: a point is a good
    feature to track when even its weakest direction of change is strong
    (Shi and Tomasi, 1994).

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float.
    sigma : float
        Gaussian window of the structure tensor.

    Returns
    -------
    numpy.ndarray, shape (M, N)
        Equal to ``skimage.feature.corner_shi_tomasi(image, sigma)``.

    Examples
    --------
    >>> square = np.zeros((10, 10)); square[2:8, 2:8] = 1
    >>> corner_peaks(shi_tomasi(square), min_distance=1).tolist()
    [[2, 2], [2, 7], [7, 2], [7, 7]]
    """
    a_rr, a_rc, a_cc = structure_tensor(image, sigma)
    return ((a_rr + a_cc) - np.sqrt((a_rr - a_cc) ** 2 + 4 * a_rc**2)) / 2


def _suppress_close(coords, radius, *, strict):
    """Greedy suppression in the given order: drop points within ``radius`` (Chebyshev)
    of an earlier kept point (``strict``: only closer than ``radius``).

    Only points with a neighbour inside the radius need the sequential pass; for corner
    peaks those are the rare ties on a plateau.
    """
    if len(coords) < 2:
        return coords
    tree = cKDTree(coords)
    pairs = tree.query_pairs(r=radius, p=np.inf, output_type="ndarray")
    if strict and len(pairs):
        gaps = np.abs(coords[pairs[:, 0]] - coords[pairs[:, 1]]).max(axis=1)
        pairs = pairs[gaps < radius]
    if not len(pairs):
        return coords
    neighbours = {}
    for first, second in pairs:  # a loop over the few conflicting pairs, not pixels
        neighbours.setdefault(first, []).append(second)
        neighbours.setdefault(second, []).append(first)
    rejected = set()
    for index in sorted(neighbours):
        if index not in rejected:
            rejected.update(n for n in neighbours[index] if n > index)
    keep = np.ones(len(coords), dtype=bool)
    keep[list(rejected)] = False
    return coords[keep]


def corner_peaks(response, min_distance=1, *, threshold_abs=None, threshold_rel=None, exclude_border=True):
    """Corners as the local maxima of a response image, strongest first.

    A pixel is a peak when it is the largest value in the ``(2 d + 1)``-square around
    it (``d = min_distance``) and above the threshold; of peaks on a plateau within
    ``d`` of each other only the first (in order of strength, then row-major) is kept.

    Parameters
    ----------
    response : array_like, shape (M, N)
        A corner response (e.g. from :func:`harris`), float.
    min_distance : int
        Smallest allowed distance between peaks (>= 1), Chebyshev distance.
    threshold_abs : float, optional
        Peaks must be strictly above this; by default the image minimum.
    threshold_rel : float, optional
        Peaks must be above ``threshold_rel * response.max()`` too.
    exclude_border : bool or int
        Drop peaks within this many pixels of the border (``True``: ``min_distance``).

    Returns
    -------
    numpy.ndarray of int, shape (K, 2)
        (row, column) of each peak, strongest first; equal to
        ``skimage.feature.corner_peaks`` with the same arguments.

    Examples
    --------
    >>> r = np.zeros((7, 7)); r[3, 2] = 1.5; r[3, 4] = 1
    >>> corner_peaks(r, min_distance=1).tolist()
    [[3, 2], [3, 4]]
    """
    values = finite_image(response, "response")
    if values.dtype.kind == "b":
        values = values.astype(np.uint8)
    min_distance = check_number(min_distance, "min_distance", low=1, integer=True)
    if isinstance(exclude_border, bool):
        border = min_distance if exclude_border else 0
    else:
        border = check_number(exclude_border, "exclude_border", low=0, integer=True)
    threshold = values.min() if threshold_abs is None else check_number(threshold_abs, "threshold_abs")
    if threshold_rel is not None:
        threshold = max(threshold, check_number(threshold_rel, "threshold_rel") * values.max())
    local_max = ndi.maximum_filter(values, size=2 * min_distance + 1, mode="nearest")
    is_peak = values == local_max
    if is_peak.all():  # a constant image has no corner
        return np.empty((0, 2), dtype=np.intp)
    is_peak &= values > threshold
    if border:
        is_peak[:border] = is_peak[-border:] = False
        is_peak[:, :border] = is_peak[:, -border:] = False
    coords = np.argwhere(is_peak)
    coords = coords[np.argsort(-values[is_peak], kind="stable")]
    # scikit-image first drops peaks closer than min_distance, then those at min_distance.
    coords = _suppress_close(coords, min_distance, strict=True)
    return _suppress_close(coords, min_distance, strict=False)


# ------------------------------------------------------------------ integral images


def integral_image(image):
    """Summed-area table: ``S[r, c] = image[:r+1, :c+1].sum()``.

    Built with two cumulative sums (rows, then columns), after which the sum over any
    rectangle costs four look-ups (Crow, 1984; Viola and Jones, 2001).

    dtype rule (the one ``numpy.cumsum`` and ``skimage.transform.integral_image`` use):
    bool and signed integers accumulate in int64, unsigned integers in uint64, floats
    in float64. A uint8 image therefore cannot overflow (a 65536 x 65536 image of 255
    sums to 1.1e12, far below 1.8e19).

    Parameters
    ----------
    image : array_like, shape (M, N)
        Any real 2-D array (values are summed as they are; uint8 is not rescaled).

    Returns
    -------
    numpy.ndarray, shape (M, N)

    Examples
    --------
    >>> integral_image(np.array([[1, 2], [3, 4]], dtype=np.uint8))
    array([[ 1,  3],
           [ 4, 10]], dtype=uint64)
    """
    array = finite_image(image)
    if array.dtype.kind == "f":
        dtype = np.promote_types(array.dtype, np.float64)
    elif array.dtype.kind == "u":
        dtype = np.uint64
    else:
        dtype = np.int64
    return array.cumsum(axis=0, dtype=dtype).cumsum(axis=1, dtype=dtype)


def _padded_integral(image) -> np.ndarray:
    """Integral image with a leading row and column of zeros, shape (M+1, N+1)."""
    table = integral_image(image)
    return np.pad(table, ((1, 0), (1, 0)))


def _box_sums(padded, r0, c0, r1, c1):
    """Sums over rows r0..r1-1 and columns c0..c1-1 (end exclusive) of a padded table."""
    return padded[r1, c1] - padded[r0, c1] - padded[r1, c0] + padded[r0, c0]


def box_sum(table, top_left, bottom_right):
    """Sum of the image over rectangles, from its integral image, with four look-ups.

    Parameters
    ----------
    table : array_like, shape (M, N)
        An integral image from :func:`integral_image`.
    top_left, bottom_right : array_like of int, shape (2,) or (K, 2)
        (row, column) of the first and last pixel of each rectangle, both included,
        as in ``skimage.transform.integrate``.

    Returns
    -------
    number or numpy.ndarray, shape (K,)
        The sums, exact for integer images, in the table's dtype.

    Raises
    ------
    ValueError
        If a corner lies outside the image or a rectangle is empty.

    Examples
    --------
    >>> image = np.arange(12).reshape(3, 4)
    >>> int(box_sum(integral_image(image), (1, 1), (2, 2))), int(image[1:3, 1:3].sum())
    (30, 30)
    """
    table = finite_image(table, "table", what="an integral image, shape (rows, columns)")
    start = as_array(top_left, "top_left")
    end = as_array(bottom_right, "bottom_right")
    if start.dtype.kind not in "iu" or end.dtype.kind not in "iu":
        raise TypeError("top_left and bottom_right must hold integer (row, column) pairs.")
    single = start.ndim == 1
    start, end = np.atleast_2d(start), np.atleast_2d(end)
    if start.shape[-1] != 2 or end.shape != start.shape or start.ndim != 2:
        raise ValueError(
            "top_left and bottom_right must both have shape (2,) or (K, 2); "
            f"got {start.shape} and {end.shape}."
        )
    shape = np.array(table.shape)
    if np.any(start < 0) or np.any(end >= shape):
        raise ValueError(f"rectangle corners must lie inside the image of shape {table.shape}.")
    if np.any(end < start):
        raise ValueError("bottom_right must not be above or left of top_left.")
    padded = np.pad(table, ((1, 0), (1, 0)))
    sums = _box_sums(padded, start[:, 0], start[:, 1], end[:, 0] + 1, end[:, 1] + 1)
    return sums[0] if single else sums


def _pad_for_window(image, before, after, mode, cval):
    """Pad with scipy.ndimage's border names mapped to NumPy's."""
    numpy_mode = {"reflect": "symmetric", "mirror": "reflect", "nearest": "edge",
                  "wrap": "wrap", "constant": "constant"}[mode]
    width = ((before[0], after[0]), (before[1], after[1]))
    if mode == "constant":
        return np.pad(image, width, mode="constant", constant_values=cval)
    return np.pad(image, width, mode=numpy_mode)


def box_filter(image, size, *, mode="reflect", cval=0.0):
    """Mean over a ``size``-square (or rectangle) window at every pixel, in O(1) per pixel.

    Pads the image, builds its integral image and takes four look-ups per pixel, so
    the cost does not grow with the window. The window for an even size covers
    ``size // 2`` pixels before and ``size // 2 - 1`` after, as in
    ``scipy.ndimage.uniform_filter`` (which this equals to rounding error).

    Parameters
    ----------
    image : array_like, shape (M, N)
        Real image (values are not rescaled).
    size : int or (int, int)
        Window size (>= 1) in rows and columns.
    mode : {'reflect', 'constant', 'nearest', 'mirror', 'wrap'}
        Border handling, as in scipy.ndimage.
    cval : float
        Value outside the image for ``mode='constant'``.

    Returns
    -------
    numpy.ndarray of float64 (float32 for float32 input), shape (M, N)

    Examples
    --------
    >>> box_filter(np.array([[0., 3.], [6., 9.]]), 3, mode="constant")
    array([[2., 2.],
           [2., 2.]])
    """
    array = finite_image(image)
    sizes = (size, size) if np.isscalar(size) else tuple(size)
    if len(sizes) != 2:
        raise ValueError(f"size must be an int or two ints; got {size!r}.")
    sizes = tuple(check_number(s, "size", low=1, integer=True) for s in sizes)
    check_choice(mode, "mode", filters.BORDER_MODES)
    before = tuple(s // 2 for s in sizes)
    after = tuple(s - 1 - s // 2 for s in sizes)
    out_dtype = float_dtype_for(array.dtype) if array.dtype.kind == "f" else np.float64
    padded = _pad_for_window(array.astype(np.float64), before, after, mode, cval)
    table = _padded_integral(padded)
    rows, cols = array.shape
    # the four corners of every window, as shifted views of the table
    r, c = sizes
    sums = (table[r:r + rows, c:c + cols] - table[:rows, c:c + cols]
            - table[r:r + rows, :cols] + table[:rows, :cols])
    return (sums / (r * c)).astype(out_dtype, copy=False)


def hessian_det_box(image, sigma=1.2):
    """SURF's determinant of the Hessian from box filters on an integral image.

    Bay et al. (2008) replace the Gaussian second derivatives by box filters whose sums
    cost four look-ups each, whatever their size. The filter is ``L x L`` with
    ``L = 3 l`` (9 x 9 with lobe ``l = 3`` at sigma = 1.2): ``D_rr`` stacks three lobes
    of ``l`` rows and ``2 l - 1`` columns weighted +1, -2, +1, ``D_cc`` is its
    transpose, and ``D_rc`` is four ``l x l`` squares weighted +1 on one diagonal and
    -1 on the other. With each filter divided by its area ``L^2``, the response
    ``D_rr D_cc - (0.9 D_rc)^2`` is proportional to the scale-normalised
    ``sigma^4 det(H)`` of the Gaussian-smoothed image and peaks on blobs of size
    about sigma.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float.
    sigma : float
        Scale (>= 1.2). The lobe is the odd integer nearest to ``2.5 sigma``, so
        sigma = 1.2, 2.0, 2.8 give the paper's 9, 15 and 21-pixel filters.

    Returns
    -------
    numpy.ndarray of float64, shape (M, N)
        The response; the image counts as zero outside its border.

    Examples
    --------
    >>> blob = np.zeros((31, 31)); blob[13:18, 13:18] = 1
    >>> response = hessian_det_box(blob, 1.2)
    >>> [int(i) for i in np.unravel_index(response.argmax(), response.shape)]
    [15, 15]
    """
    img = grayscale_as_float(image).astype(np.float64)
    sigma = check_number(sigma, "sigma", low=1.2)
    lobe = 2 * int(round((2.5 * sigma - 1) / 2)) + 1
    reach = 3 * lobe // 2  # the filter spans offsets -reach..reach
    table = _padded_integral(np.pad(img, reach + 1))
    rows, cols = img.shape
    r = np.arange(rows)[:, None] + reach + 1
    c = np.arange(cols)[None, :] + reach + 1

    def box(r0, r1, c0, c1):
        """Sum over offsets r0..r1 (rows) and c0..c1 (columns), both included."""
        return _box_sums(table, r + r0, c + c0, r + r1 + 1, c + c1 + 1)

    side, centre = lobe - 1, lobe // 2
    # +1 over all three lobes, then -3 over the middle one: weights +1, -2, +1.
    d_rr = box(-reach, reach, -side, side) - 3 * box(-centre, centre, -side, side)
    d_cc = box(-side, side, -reach, reach) - 3 * box(-side, side, -centre, centre)
    d_rc = (box(-lobe, -1, -lobe, -1) + box(1, lobe, 1, lobe)
            - box(-lobe, -1, 1, lobe) - box(1, lobe, -lobe, -1))
    area = float((3 * lobe) ** 2)
    return (d_rr / area) * (d_cc / area) - (0.9 * d_rc / area) ** 2


# ------------------------------------------------------------------------ scale space


def _check_scale_space_args(n_octaves, n_scales, sigma0, in_sigma):
    n_scales = check_number(n_scales, "n_scales", low=1, integer=True)
    sigma0 = check_number(sigma0, "sigma0", low=0, low_inclusive=False)
    in_sigma = check_number(in_sigma, "in_sigma", low=0, high=sigma0, high_inclusive=False)
    if n_octaves is not None:
        n_octaves = check_number(n_octaves, "n_octaves", low=1, integer=True)
    return n_octaves, n_scales, sigma0, in_sigma


def gaussian_scale_space(image, n_octaves=None, n_scales=3, sigma0=1.6, in_sigma=0.5):
    """Blur the image more and more, halving its size every octave.

    Octave ``o`` holds ``n_scales + 3`` images blurred (in its own pixels) by
    ``sigma0 * 2**(i / n_scales)``, ``i = 0 .. n_scales + 2``; image ``n_scales`` has
    twice the blur of image 0, so taking every second pixel of it starts the next
    octave. In input pixels, image ``i`` of octave ``o`` has blur
    ``sigma0 * 2**(o + i / n_scales)``. The input is assumed to carry ``in_sigma`` of
    blur already (the camera's), as in Lowe (2004).

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float.
    n_octaves : int, optional
        Number of octaves; by default as many as keep the smallest side >= 16 pixels.
    n_scales : int
        Scales per octave (>= 1) at which extrema are later sought.
    sigma0 : float
        Blur of the first image of each octave.
    in_sigma : float
        Blur already in the input, in [0, sigma0).

    Returns
    -------
    list of numpy.ndarray
        One float array of shape ``(n_scales + 3, M_o, N_o)`` per octave.

    Examples
    --------
    >>> [o.shape for o in gaussian_scale_space(np.zeros((64, 48)), n_octaves=3)]
    [(6, 64, 48), (6, 32, 24), (6, 16, 12)]
    """
    img = grayscale_as_float(image)
    n_octaves, n_scales, sigma0, in_sigma = _check_scale_space_args(
        n_octaves, n_scales, sigma0, in_sigma)
    if n_octaves is None:
        n_octaves = max(1, int(np.log2(min(img.shape) / 16)) + 1)
    sigmas = sigma0 * 2.0 ** (np.arange(n_scales + 3) / n_scales)
    increments = np.sqrt(np.diff(sigmas**2))
    base = filters.gaussian_blur(img, np.sqrt(sigma0**2 - in_sigma**2), mode="nearest")
    octaves = []
    for _ in range(n_octaves):
        stack = [base]
        for step in increments:
            stack.append(filters.gaussian_blur(stack[-1], step, mode="nearest"))
        octaves.append(np.stack(stack))
        base = stack[n_scales][::2, ::2]
        if min(base.shape) < 2:
            break
    return octaves


def dog_pyramid(image, n_octaves=None, n_scales=3, sigma0=1.6, in_sigma=0.5):
    """Differences of neighbouring Gaussian images: a cheap scale-normalised Laplacian.

    ``G(k sigma) - G(sigma)`` is close to ``(k - 1) sigma^2 * Laplacian(G(sigma))``,
    so blobs of size about sigma give strong (negative for bright blobs) responses
    at the matching scale.

    Parameters
    ----------
    image, n_octaves, n_scales, sigma0, in_sigma
        As for :func:`gaussian_scale_space`.

    Returns
    -------
    list of numpy.ndarray
        One array of shape ``(n_scales + 2, M_o, N_o)`` per octave; layer ``i`` is
        Gaussian image ``i + 1`` minus image ``i``.

    Examples
    --------
    >>> [o.shape for o in dog_pyramid(np.zeros((64, 48)), n_octaves=3)]
    [(5, 64, 48), (5, 32, 24), (5, 16, 12)]
    """
    return [np.diff(octave, axis=0) for octave in
            gaussian_scale_space(image, n_octaves, n_scales, sigma0, in_sigma)]


# ------------------------------------------------------------------------------ SIFT


@dataclass
class SiftFeatures:
    """Keypoints and descriptors from :func:`sift`.

    Attributes
    ----------
    positions : numpy.ndarray, shape (K, 2)
        Sub-pixel (row, column) in the input image.
    sigmas : numpy.ndarray, shape (K,)
        Scale of each keypoint in input pixels.
    orientations : numpy.ndarray, shape (K,)
        Dominant gradient direction in radians, in [0, 2 pi).
    octaves : numpy.ndarray of int, shape (K,)
    responses : numpy.ndarray, shape (K,)
        Interpolated difference-of-Gaussians value (contrast).
    descriptors : numpy.ndarray of float32, shape (K, 128)
        Unit-length 4 x 4 x 8 gradient histograms.
    """

    positions: np.ndarray
    sigmas: np.ndarray
    orientations: np.ndarray
    octaves: np.ndarray
    responses: np.ndarray
    descriptors: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)


def _dog_derivatives(dog, s, r, c):
    """Gradient (3,) and Hessian (3, 3) of the DoG stack at integer points, by central
    differences, for arrays of points at once (axes: scale, row, column)."""
    def at(ds, dr, dc):
        return dog[s + ds, r + dr, c + dc]

    centre = at(0, 0, 0)
    grad = 0.5 * np.stack([at(1, 0, 0) - at(-1, 0, 0), at(0, 1, 0) - at(0, -1, 0),
                           at(0, 0, 1) - at(0, 0, -1)], axis=-1)
    d_ss = at(1, 0, 0) + at(-1, 0, 0) - 2 * centre
    d_rr = at(0, 1, 0) + at(0, -1, 0) - 2 * centre
    d_cc = at(0, 0, 1) + at(0, 0, -1) - 2 * centre
    d_sr = 0.25 * (at(1, 1, 0) - at(1, -1, 0) - at(-1, 1, 0) + at(-1, -1, 0))
    d_sc = 0.25 * (at(1, 0, 1) - at(1, 0, -1) - at(-1, 0, 1) + at(-1, 0, -1))
    d_rc = 0.25 * (at(0, 1, 1) - at(0, 1, -1) - at(0, -1, 1) + at(0, -1, -1))
    hess = np.stack([np.stack([d_ss, d_sr, d_sc], -1), np.stack([d_sr, d_rr, d_rc], -1),
                     np.stack([d_sc, d_rc, d_cc], -1)], axis=-2)
    return centre, grad, hess


def _scale_space_extrema(dog, threshold):
    """Samples of layers 1..S-2 that are the largest (or smallest) of their 3 x 3 x 3
    neighbourhood and beyond +-threshold; a boolean array of shape (S - 2, M, N)."""
    spatial_max = ndi.maximum_filter(dog, size=(1, 3, 3), mode="nearest")
    spatial_min = ndi.minimum_filter(dog, size=(1, 3, 3), mode="nearest")
    largest = np.maximum(np.maximum(spatial_max[:-2], spatial_max[1:-1]), spatial_max[2:])
    smallest = np.minimum(np.minimum(spatial_min[:-2], spatial_min[1:-1]), spatial_min[2:])
    middle = dog[1:-1]
    return ((middle == largest) & (middle > threshold)) | ((middle == smallest) & (middle < -threshold))


def _localise(dog, points, border, n_iter=5):
    """Fit a quadratic around each extremum (Brown and Lowe, 2002) and move to the
    neighbouring sample while the offset exceeds half a sample; drop the unstable ones.

    Returns the kept integer points, their offsets (scale, row, column), the
    interpolated values and the 2-D Hessians (row, column) at those points.
    """
    n_layers, rows, cols = dog.shape
    s, r, c = points.T
    for _ in range(n_iter):
        value, grad, hess = _dog_derivatives(dog, s, r, c)
        solvable = np.abs(np.linalg.det(hess)) > 1e-12
        offset = np.zeros_like(grad)
        offset[solvable] = -np.linalg.solve(hess[solvable], grad[solvable][..., None])[..., 0]
        moving = np.abs(offset).max(axis=1) > 0.5
        if not moving.any():
            break
        step = np.round(offset[moving]).astype(int)
        s[moving] += step[:, 0]
        r[moving] += step[:, 1]
        c[moving] += step[:, 2]
        inside = ((s >= 1) & (s <= n_layers - 2) & (r >= border) & (r < rows - border)
                  & (c >= border) & (c < cols - border) & solvable)
        s, r, c = s[inside], r[inside], c[inside]
    value, grad, hess = _dog_derivatives(dog, s, r, c)
    solvable = np.abs(np.linalg.det(hess)) > 1e-12
    s, r, c, value, grad, hess = (a[solvable] for a in (s, r, c, value, grad, hess))
    offset = -np.linalg.solve(hess, grad[..., None])[..., 0]
    stable = np.abs(offset).max(axis=1) <= 0.5
    contrast = value + 0.5 * np.einsum("ki,ki->k", grad, offset)
    points = np.stack([s, r, c], axis=1)
    return points[stable], offset[stable], contrast[stable], hess[stable][:, 1:, 1:]


def _patch_offsets(radius):
    """Integer (row, column) offsets within the disc of the given radius, flattened."""
    grid = np.arange(-radius, radius + 1)
    d_row, d_col = np.meshgrid(grid, grid, indexing="ij")
    disc = d_row**2 + d_col**2 <= radius**2
    return d_row[disc], d_col[disc]


def _gather(array, rows, cols, d_row, d_col):
    """Values of ``array`` at (rows + d_row, cols + d_col) for each point and offset, and
    a mask of the samples that fall inside the image (one pixel from the border)."""
    rr = rows[:, None] + d_row[None, :]
    cc = cols[:, None] + d_col[None, :]
    inside = (rr >= 1) & (rr < array.shape[0] - 1) & (cc >= 1) & (cc < array.shape[1] - 1)
    return array[np.clip(rr, 0, array.shape[0] - 1), np.clip(cc, 0, array.shape[1] - 1)], inside


def _orientations(magnitude, angle, rows, cols, scales, n_bins=36, peak_ratio=0.8):
    """Dominant gradient directions: a 36-bin histogram of gradient angles weighted by
    magnitude and a Gaussian of 1.5 x the scale; every peak within 80% of the highest
    gives a keypoint (Lowe, 2004). Returns (keypoint index, angle) pairs."""
    radius = int(np.ceil(3 * 1.5 * scales.max()))
    d_row, d_col = _patch_offsets(radius)
    mag, inside = _gather(magnitude, rows, cols, d_row, d_col)
    ang, _ = _gather(angle, rows, cols, d_row, d_col)
    distance2 = (d_row**2 + d_col**2)[None, :]
    sigma_w = 1.5 * scales[:, None]
    weight = mag * np.exp(-distance2 / (2 * sigma_w**2))
    weight *= inside & (distance2 <= (3 * sigma_w) ** 2)
    position = ang * n_bins / (2 * np.pi)
    lower = np.floor(position)
    upper_share = position - lower
    first = np.arange(len(rows))[:, None] * n_bins
    hist = np.zeros(len(rows) * n_bins)
    for bins, share in ((lower, 1 - upper_share), (lower + 1, upper_share)):
        index = first + bins.astype(int) % n_bins  # each vote is split between two bins
        hist += np.bincount(index.ravel(), (weight * share).ravel(), minlength=hist.size)
    hist = hist.reshape(len(rows), n_bins)
    for _ in range(2):  # circular smoothing with (1, 2, 1) / 4, twice
        hist = (np.roll(hist, 1, axis=1) + 2 * hist + np.roll(hist, -1, axis=1)) / 4
    left, right = np.roll(hist, 1, axis=1), np.roll(hist, -1, axis=1)
    peaks = (hist > left) & (hist > right) & (hist >= peak_ratio * hist.max(axis=1, keepdims=True))
    which, bin_index = np.nonzero(peaks)
    l, m, r = left[which, bin_index], hist[which, bin_index], right[which, bin_index]
    shift = 0.5 * (l - r) / (l - 2 * m + r)
    return which, ((bin_index + shift) * 2 * np.pi / n_bins) % (2 * np.pi)


def _descriptors(magnitude, angle, rows, cols, fractions, scales, orientations, width=4,
                 n_bins=8, chunk=256):
    """Lowe's descriptor: gradients in a window rotated to the keypoint's orientation and
    scaled to its size, accumulated with trilinear weights into width x width spatial
    cells of n_bins orientations, then normalised, clipped at 0.2 and normalised again."""
    cell = 3 * scales  # one spatial cell is 3 sigma wide
    radius = int(np.ceil(cell.max() * np.sqrt(2) * (width + 1) / 2))
    radius = min(radius, int(np.hypot(*magnitude.shape)))
    d_row, d_col = _patch_offsets(radius)
    size = (width + 2) * (width + 2) * n_bins
    out = np.empty((len(rows), width * width * n_bins), dtype=np.float32)
    for start in range(0, len(rows), chunk):
        part = slice(start, start + chunk)
        k = len(rows[part])
        mag, inside = _gather(magnitude, rows[part], cols[part], d_row, d_col)
        ang, _ = _gather(angle, rows[part], cols[part], d_row, d_col)
        cos, sin = np.cos(orientations[part])[:, None], np.sin(orientations[part])[:, None]
        # offsets from the sub-pixel keypoint, rotated and scaled into cell units
        off_row = d_row[None, :] - fractions[part, 0:1]
        off_col = d_col[None, :] - fractions[part, 1:2]
        x_rot = (cos * off_col + sin * off_row) / cell[part, None]
        y_rot = (-sin * off_col + cos * off_row) / cell[part, None]
        r_bin = y_rot + width / 2 - 0.5
        c_bin = x_rot + width / 2 - 0.5
        o_bin = ((ang - orientations[part, None]) % (2 * np.pi)) * n_bins / (2 * np.pi)
        weight = mag * np.exp(-(x_rot**2 + y_rot**2) / (2 * (width / 2) ** 2))
        weight *= inside & (r_bin > -1) & (r_bin < width) & (c_bin > -1) & (c_bin < width)
        r0, c0, o0 = np.floor(r_bin), np.floor(c_bin), np.floor(o_bin)
        fr, fc, fo = r_bin - r0, c_bin - c0, o_bin - o0
        base = np.arange(k)[:, None] * size
        hist = np.zeros(k * size)
        for dr, wr in ((0, 1 - fr), (1, fr)):
            for dc, wc in ((0, 1 - fc), (1, fc)):
                for do, wo in ((0, 1 - fo), (1, fo)):
                    index = (base + ((r0 + 1 + dr) * (width + 2) + (c0 + 1 + dc)) * n_bins
                             + (o0 + do) % n_bins)
                    # samples outside the window have weight 0; clip keeps their index valid
                    index = np.clip(index.astype(np.int64), 0, k * size - 1)
                    hist += np.bincount(index.ravel(), (weight * wr * wc * wo).ravel(),
                                        minlength=k * size)
        hist = hist.reshape(k, width + 2, width + 2, n_bins)[:, 1:-1, 1:-1].reshape(k, -1)
        hist /= np.maximum(np.linalg.norm(hist, axis=1, keepdims=True), 1e-12)
        hist = np.minimum(hist, 0.2)
        hist /= np.maximum(np.linalg.norm(hist, axis=1, keepdims=True), 1e-12)
        out[part] = hist
    return out


def _upsample_twice(image):
    """Bilinear enlargement on the grid (2 M - 1, 2 N - 1): new pixel i sits at old i / 2."""
    for axis in (0, 1):
        moved = np.moveaxis(image, axis, 0)
        out = np.empty((2 * moved.shape[0] - 1,) + moved.shape[1:], dtype=image.dtype)
        out[::2] = moved
        out[1::2] = (moved[:-1] + moved[1:]) / 2
        image = np.moveaxis(out, 0, axis)
    return image


def sift(image, *, upsample=2, n_octaves=None, n_scales=3, sigma0=1.6, in_sigma=0.5,
         contrast_threshold=0.04, edge_ratio=10.0, border=5):
    """SIFT keypoints and descriptors (Lowe, 2004), step by step and vectorised.

    1. Difference-of-Gaussians pyramid (:func:`dog_pyramid`), by default of the image
       enlarged twice (bilinear), which finds about four times more keypoints.
    2. Candidates: samples larger (or smaller) than all 26 neighbours in position and
       scale, with ``|D| > 0.5 * contrast_threshold / n_scales``.
    3. Sub-pixel, sub-scale position by fitting a 3-D quadratic; keep points whose
       interpolated ``|D| >= contrast_threshold / n_scales`` (contrast test).
    4. Edge test: drop points whose 2-D Hessian has ``trace^2 / det >= (r + 1)^2 / r``
       with ``r = edge_ratio``: one strong curvature and one weak is an edge, not a blob.
    5. Orientation: peaks of a 36-bin histogram of gradient directions around the
       point; one keypoint per peak within 80% of the highest.
    6. Descriptor: 4 x 4 cells x 8 orientations of gradients in a window rotated to
       that orientation and scaled to the keypoint's size: 128 numbers.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float in [0, 1] (the thresholds assume that range).
    upsample : {1, 2}
        Enlarge the image this many times first (its blur ``in_sigma`` grows with it).
    n_octaves, n_scales, sigma0, in_sigma
        As for :func:`gaussian_scale_space`.
    contrast_threshold : float
        Minimum interpolated DoG contrast times ``n_scales`` (OpenCV's convention).
    edge_ratio : float
        Largest accepted ratio of the two principal curvatures (> 1).
    border : int
        Ignore extrema closer than this to an octave's border.

    Returns
    -------
    SiftFeatures
        Keypoints sorted by octave and scale.

    Examples
    --------
    >>> image = np.zeros((64, 64)); image[20:30, 30:45] = 1
    >>> features = sift(image)
    >>> features.descriptors.shape[1]
    128
    """
    img = grayscale_as_float(image)
    contrast_threshold = check_number(contrast_threshold, "contrast_threshold", low=0)
    edge_ratio = check_number(edge_ratio, "edge_ratio", low=1, low_inclusive=False)
    border = check_number(border, "border", low=1, integer=True)
    check_choice(upsample, "upsample", (1, 2))
    if upsample == 2:
        img = _upsample_twice(img)
    pyramid = gaussian_scale_space(img, n_octaves, n_scales, sigma0,
                                   min(in_sigma * upsample, 0.99 * sigma0))
    edge_limit = (edge_ratio + 1) ** 2 / edge_ratio
    found = []
    for octave, gaussians in enumerate(pyramid):
        dog = np.diff(gaussians, axis=0)
        if min(dog.shape[1:]) <= 2 * border + 2:
            break
        candidate = np.zeros(dog.shape, dtype=bool)
        candidate[1:-1] = _scale_space_extrema(dog, 0.5 * contrast_threshold / n_scales)
        candidate[:, :border] = candidate[:, -border:] = False
        candidate[:, :, :border] = candidate[:, :, -border:] = False
        points, offset, contrast, hess2 = _localise(dog, np.argwhere(candidate), border)
        trace = hess2[:, 0, 0] + hess2[:, 1, 1]
        det = hess2[:, 0, 0] * hess2[:, 1, 1] - hess2[:, 0, 1] ** 2
        keep = ((np.abs(contrast) * n_scales >= contrast_threshold) & (det > 0)
                & (trace**2 < edge_limit * det))
        points, offset, contrast = points[keep], offset[keep], contrast[keep]
        for layer in np.unique(points[:, 0]):  # a loop over scales, not pixels
            grad_row, grad_col = np.gradient(gaussians[layer])
            magnitude = np.hypot(grad_row, grad_col)
            angle = np.arctan2(grad_row, grad_col) % (2 * np.pi)
            here = points[:, 0] == layer
            rows, cols = points[here, 1], points[here, 2]
            scales = sigma0 * 2.0 ** ((layer + offset[here, 0]) / n_scales)
            which, theta = _orientations(magnitude, angle, rows, cols, scales)
            descriptors = _descriptors(magnitude, angle, rows[which],
                                       cols[which], offset[here][which, 1:], scales[which],
                                       theta)
            factor = 2.0**octave / upsample
            position = (points[here][:, 1:] + offset[here][:, 1:])[which] * factor
            found.append((position, scales[which] * factor, theta,
                          np.full(len(which), octave), contrast[here][which], descriptors))
    if not found:
        return SiftFeatures(np.empty((0, 2)), np.empty(0), np.empty(0),
                            np.empty(0, dtype=int), np.empty(0),
                            np.empty((0, 128), dtype=np.float32))
    return SiftFeatures(*(np.concatenate(parts) for parts in zip(*found)))


def match_descriptors(descriptors1, descriptors2, *, max_ratio=0.8, cross_check=False):
    """Match each descriptor of the first set to its nearest neighbour in the second.

    Lowe's ratio test keeps a match only when the nearest neighbour is clearly closer
    than the second nearest (``d1 / d2 < max_ratio``): a distinctive feature has one
    good partner, an ambiguous one (repeated texture) has several.

    Parameters
    ----------
    descriptors1 : array_like, shape (K1, D)
    descriptors2 : array_like, shape (K2, D)
    max_ratio : float
        In (0, 1]; 1 switches the ratio test off.
    cross_check : bool
        Keep only mutual nearest neighbours.

    Returns
    -------
    numpy.ndarray of int, shape (L, 2)
        Index pairs (i in set 1, j in set 2); equal to
        ``skimage.feature.match_descriptors`` with the same options (Euclidean metric).

    Examples
    --------
    >>> a = np.array([[0.0, 0.0], [5.0, 5.0]])
    >>> b = np.array([[5.0, 4.0], [0.0, 1.0], [9.0, 9.0]])
    >>> match_descriptors(a, b).tolist()
    [[0, 1], [1, 0]]
    """
    d1 = as_array(descriptors1, "descriptors1").astype(np.float64)
    d2 = as_array(descriptors2, "descriptors2").astype(np.float64)
    check_ndim(d1, 2, "descriptors1", "one descriptor per row")
    check_ndim(d2, 2, "descriptors2", "one descriptor per row")
    check_finite(d1, "descriptors1")
    check_finite(d2, "descriptors2")
    if d1.shape[1] != d2.shape[1]:
        raise ValueError(
            "descriptors1 and descriptors2 must hold descriptors of the same length; "
            f"got {d1.shape[1]} and {d2.shape[1]}.")
    max_ratio = check_number(max_ratio, "max_ratio", low=0, high=1, low_inclusive=False)
    if len(d1) == 0 or len(d2) == 0:
        return np.empty((0, 2), dtype=np.intp)
    squared = (d1**2).sum(1)[:, None] + (d2**2).sum(1)[None, :] - 2 * d1 @ d2.T
    distances = np.sqrt(np.maximum(squared, 0))
    first = np.arange(len(d1))
    second = distances.argmin(axis=1)
    if cross_check:
        mutual = distances.argmin(axis=0)[second] == first
        first, second = first[mutual], second[mutual]
    if max_ratio < 1:
        best = distances[first, second]
        distances[first, second] = np.inf
        runner_up = distances[first].min(axis=1)
        keep = best / np.where(runner_up == 0, np.finfo(float).eps, runner_up) < max_ratio
        first, second = first[keep], second[keep]
    return np.column_stack([first, second])
