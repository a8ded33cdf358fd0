"""Filtering and edges: correlation, blurs, median, sharpening, noise, Sobel, Prewitt, Canny.

The reference code of chapters 02 (Filtering) and 03 (Edges). Conventions follow SciPy
and scikit-image:

* Images are 2-D arrays indexed ``image[row, col]``. Border handling uses the names of
  ``scipy.ndimage`` (see :data:`BORDER_MODES` and :func:`pad`).
* :func:`correlate1d`, :func:`correlate2d`, :func:`convolve2d` and :func:`median_filter`
  work on the values as they are (any numeric dtype). The other filters treat their input
  as an image the way scikit-image does: uint8 is rescaled to [0, 1], floats are kept.
* Results are float64, or float32 for float32 input (scikit-image's rule).

Every filter here equals its SciPy or scikit-image counterpart (the tests say how
closely); the code is plain, vectorised NumPy so that it can be read in the chapters.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage as ndi

from ._validate import (
    as_array,
    as_float_values,
    check_choice,
    check_finite,
    check_ndim,
    check_not_empty,
    check_number,
    grayscale,
    grayscale_as_float,
    image_as_float,
    random_generator,
)

__all__ = [
    "BORDER_MODES",
    "NOISE_KINDS",
    "pad",
    "fold_index",
    "row_bands",
    "correlate1d",
    "correlate2d",
    "convolve2d",
    "gaussian_kernel",
    "gaussian_blur",
    "box_blur",
    "median_filter",
    "unsharp_mask",
    "add_noise",
    "sobel_h",
    "sobel_v",
    "sobel",
    "prewitt_h",
    "prewitt_v",
    "prewitt",
    "gradient_magnitude_direction",
    "canny_smooth",
    "canny_gradients",
    "non_max_suppression",
    "double_threshold",
    "hysteresis",
    "canny",
]

#: How a filter sees beyond the image border (scipy.ndimage's names), shown for a row
#: ``a b c d`` extended by three values on each side::
#:
#:     constant  k k k | a b c d | k k k     (k = cval)
#:     nearest   a a a | a b c d | d d d
#:     reflect   c b a | a b c d | d c b     (the edge pixel is repeated)
#:     mirror    d c b | a b c d | c b a     (the edge pixel is the mirror)
#:     wrap      b c d | a b c d | a b c     (the image repeats)
BORDER_MODES = ("constant", "reflect", "nearest", "mirror", "wrap")

#: The kinds of noise :func:`add_noise` knows.
NOISE_KINDS = ("gaussian", "salt_and_pepper", "speckle")


# --------------------------------------------------------------------------------------
# Input checks shared by the functions of this module
# --------------------------------------------------------------------------------------


def _check_mode(mode, cval) -> float:
    check_choice(mode, "mode", BORDER_MODES)
    return check_number(cval, "cval")


def _check_sigma(sigma, truncate=4.0) -> tuple[float, float]:
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False, finite=True)
    truncate = check_number(truncate, "truncate", low=0, low_inclusive=False, finite=True)
    return sigma, truncate


def _check_size(size) -> tuple[int, int]:
    """A window size: one positive int (square window) or a (rows, cols) pair."""
    pair = (size, size) if not isinstance(size, (tuple, list, np.ndarray)) else tuple(size)
    if len(pair) != 2:
        raise ValueError(f"size must be an int or a (rows, cols) pair; got {size!r}.")
    return tuple(check_number(s, "size", low=1, integer=True) for s in pair)


def _check_mask(mask, shape) -> np.ndarray:
    mask = as_array(mask, "mask")
    if mask.shape != shape:
        raise ValueError(f"mask must have the image's shape {shape}; got {mask.shape}.")
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array; got dtype {mask.dtype}.")
    return mask


# --------------------------------------------------------------------------------------
# Borders
# --------------------------------------------------------------------------------------


def fold_index(index, size: int, mode: str) -> np.ndarray:
    """Map integer positions, inside or outside ``[0, size)``, onto pixels of the image.

    The rule is the border mode; outside positions get -1 with ``"constant"`` (no pixel:
    the caller uses ``cval``). Works for positions any distance away, as SciPy does. This
    is the building block of :func:`pad` and of the warps in :mod:`cvcourse.transform`.

    Parameters
    ----------
    index : array_like of int
        Positions along one axis.
    size : int
        The number of pixels along that axis (>= 1).
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}
        See :data:`BORDER_MODES`.

    Returns
    -------
    numpy.ndarray of int
        The pixel each position reads, -1 for none.

    Examples
    --------
    >>> fold_index(np.arange(-3, 7), 4, "reflect")
    array([2, 1, 0, 0, 1, 2, 3, 3, 2, 1])
    >>> fold_index(np.arange(-3, 7), 4, "constant")
    array([-1, -1, -1,  0,  1,  2,  3, -1, -1, -1])
    """
    index = as_array(index, "index")
    if index.dtype.kind not in "iu":
        raise TypeError(f"index must hold integer positions; got dtype {index.dtype}.")
    size = check_number(size, "size", low=1, integer=True)
    check_choice(mode, "mode", BORDER_MODES)
    if index.size == 0 or (index.min() >= 0 and index.max() < size):
        return index  # the common case, and much cheaper than the folding below
    outside = (index < 0) | (index >= size)
    folded = index.copy()
    folded[outside] = _fold_outside(index[outside], size, mode)
    return folded


def _fold_outside(index: np.ndarray, size: int, mode: str) -> np.ndarray:
    """The border rule of :func:`fold_index` for positions outside the image."""
    if mode == "nearest":
        return np.clip(index, 0, size - 1)
    if mode == "wrap":
        return index % size
    if mode == "reflect":  # period 2*size: a b c d | d c b a | a b c d ...
        folded = index % (2 * size)
        return np.where(folded < size, folded, 2 * size - 1 - folded)
    if mode == "mirror":  # period 2*size - 2: a b c d | c b | a b c d ...
        if size == 1:
            return np.zeros_like(index)
        folded = index % (2 * size - 2)
        return np.where(folded < size, folded, 2 * size - 2 - folded)
    return np.full_like(index, -1)  # constant


def _pad_axis(values: np.ndarray, before: int, after: int, axis: int, mode: str, cval: float):
    """Extend ``values`` by ``before`` and ``after`` entries along one axis."""
    size = values.shape[axis]
    source = fold_index(np.arange(-before, size + after), size, mode)
    padded = np.take(values, np.maximum(source, 0), axis=axis)
    if mode == "constant":
        outside = source < 0
        if axis == 0:
            padded[outside, :] = cval
        else:
            padded[:, outside] = cval
    return padded


def _pad2d(values: np.ndarray, widths, mode: str, cval: float) -> np.ndarray:
    """Pad rows by ``widths[0]`` and columns by ``widths[1]`` (each a (before, after) pair)."""
    (top, bottom), (left, right) = widths
    return _pad_axis(_pad_axis(values, top, bottom, 0, mode, cval), left, right, 1, mode, cval)


def pad(image, width, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Extend an image beyond its border, the way the filters of this module see it.

    Parameters
    ----------
    image : array_like, 2-D
        Any numeric array; its dtype is kept.
    width : int or ((top, bottom), (left, right))
        How many pixels to add on each side.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}
        scipy.ndimage's border names (see :data:`BORDER_MODES`). In ``numpy.pad``'s words
        they are ``"symmetric"``, ``"constant"``, ``"edge"``, ``"reflect"`` and ``"wrap"``.
    cval : float
        The value outside the image with ``mode="constant"``.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows + top + bottom, cols + left + right)``.

    Raises
    ------
    TypeError, ValueError
        For a non-numeric or non-2-D image, negative widths or an unknown mode.

    Examples
    --------
    >>> pad(np.array([[1, 2, 3]]), ((0, 0), (2, 2)), mode="reflect")
    array([[2, 1, 1, 2, 3, 3, 2]])
    >>> pad(np.array([[1, 2, 3]]), ((0, 0), (2, 2)), mode="mirror")
    array([[3, 2, 1, 2, 3, 2, 1]])
    """
    array = as_array(image)
    check_ndim(array, 2, "image")
    check_finite(array)
    cval = _check_mode(mode, cval)
    if isinstance(width, (int, np.integer)) and not isinstance(width, bool):
        width = ((width, width), (width, width))
    try:
        (top, bottom), (left, right) = width
    except (TypeError, ValueError):
        raise ValueError(
            f"width must be an int or ((top, bottom), (left, right)); got {width!r}."
        ) from None
    top, bottom, left, right = (
        check_number(w, "width", low=0, integer=True) for w in (top, bottom, left, right)
    )
    if array.size == 0:
        raise ValueError(f"image is empty (shape {array.shape}); there is no border to extend.")
    return _pad2d(array, ((top, bottom), (left, right)), mode, cval)


# --------------------------------------------------------------------------------------
# Correlation and convolution
# --------------------------------------------------------------------------------------


#: Pixels per band of rows in the filter loops: the few arrays a loop touches then fit in
#: the CPU cache, which makes the many passes over the image about twice as fast.
_BAND_PIXELS = 1 << 15


def row_bands(rows: int, cols: int) -> list[slice]:
    """Split the rows of an image into consecutive bands of about ``_BAND_PIXELS`` pixels.

    Loops that work band by band touch little memory at a time (see ``_BAND_PIXELS``);
    the filters here and :func:`cvcourse.transform.warp_affine` use it.

    Examples
    --------
    >>> row_bands(3, 20000)
    [slice(0, 1, None), slice(1, 2, None), slice(2, 3, None)]
    >>> row_bands(5, 4)
    [slice(0, 5, None)]
    """
    rows = check_number(rows, "rows", low=0, integer=True)
    cols = check_number(cols, "cols", low=1, integer=True)
    step = max(1, _BAND_PIXELS // cols)
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


def _correlate1d(values: np.ndarray, weights: np.ndarray, axis: int, mode: str, cval: float):
    """Correlate every column (axis=0) or row (axis=1) with a 1-D kernel; no checks.

    Computed in float64 and returned in ``values``' dtype. The kernel's centre is
    ``weights[len(weights) // 2]``. A symmetric (or antisymmetric) kernel pairs its
    taps, ``(x[i - k] + x[i + k]) * w[k]``: half the multiplications, and the additions
    come in the same order as in scipy.ndimage, so results agree to the last bit.
    """
    size, (rows, cols) = len(weights), values.shape
    before = size // 2
    padded = _pad_axis(values.astype(np.float64, copy=False), before, size - 1 - before,
                       axis, mode, cval)

    def tap(k, band):  # tap(k, band)[i] is the input at i + k - before along the axis
        if axis == 0:
            return padded[band.start + k:band.stop + k]
        return padded[band, k:k + cols]

    mirrored = weights[::-1]
    symmetric = size % 2 == 1 and np.array_equal(weights, mirrored)
    antisymmetric = size % 2 == 1 and np.array_equal(weights, -mirrored)
    out = np.empty((rows, cols))
    scratch = np.empty((row_bands(rows, cols)[0].stop, cols))
    for band in row_bands(rows, cols):
        result, work = out[band], scratch[:band.stop - band.start]
        if symmetric or antisymmetric:
            pair = np.add if symmetric else np.subtract
            np.multiply(tap(before, band), weights[before], out=result)
            for k in range(before):
                pair(tap(k, band), tap(size - 1 - k, band), out=work)
                work *= weights[k]
                result += work
        else:
            np.multiply(tap(size - 1, band), weights[size - 1], out=result)
            for k in range(size - 1):
                np.multiply(tap(k, band), weights[k], out=work)
                result += work
    return out.astype(values.dtype, copy=False)


def _check_kernel(kernel, ndim: int) -> np.ndarray:
    array = as_array(kernel, "kernel")
    what = "a 1-D array of weights" if ndim == 1 else "a 2-D array of weights, e.g. 3x3"
    check_ndim(array, ndim, "kernel", what)
    if array.size == 0:
        raise ValueError(f"kernel is empty (shape {array.shape}); it needs at least one weight.")
    check_finite(array, "kernel")
    return array.astype(np.float64)


def correlate1d(image, weights, axis: int = -1, mode: str = "reflect", cval: float = 0.0):
    """Correlate each row (``axis=1``) or each column (``axis=0``) with a 1-D kernel.

    ``output[i] = sum_k weights[k] * image[i + k - len(weights) // 2]`` along ``axis``;
    two passes, one per axis, give a *separable* 2-D filter (see :func:`gaussian_blur`).

    Parameters
    ----------
    image : array_like, 2-D
        Any numeric array.
    weights : array_like, 1-D
        The kernel; its centre is ``weights[len(weights) // 2]``.
    axis : {0, 1, -1, -2}
        0 filters down the columns, 1 (or -1) along the rows.
    mode, cval
        Border handling, as in :func:`pad`.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input), the shape of ``image``. Equals
        ``scipy.ndimage.correlate1d`` on the image as float.

    Raises
    ------
    TypeError, ValueError
        For non-numeric or wrongly shaped input, NaN, or an unknown mode or axis.

    Examples
    --------
    >>> correlate1d(np.array([[0.0, 0.0, 1.0, 0.0]]), [1, 2, 3], axis=1, mode="constant")
    array([[0., 3., 2., 1.]])
    """
    values = as_float_values(grayscale(image))
    kernel = _check_kernel(weights, 1)
    check_choice(axis, "axis", (0, 1, -1, -2))
    cval = _check_mode(mode, cval)
    return _correlate1d(values, kernel, axis % 2, mode, cval)


def _correlate2d(values: np.ndarray, kernel: np.ndarray, centre, mode: str, cval: float):
    """Correlation with the kernel's ``centre`` (row, col) over each pixel; no checks."""
    (kh, kw), (ch, cw) = kernel.shape, centre
    rows, cols = values.shape
    widths = ((ch, kh - 1 - ch), (cw, kw - 1 - cw))
    padded = _pad2d(values.astype(np.float64, copy=False), widths, mode, cval)
    taps = list(zip(*np.nonzero(kernel))) or [(ch, cw)]  # an all-zero kernel gives zeros
    out = np.empty((rows, cols))
    scratch = np.empty((row_bands(rows, cols)[0].stop, cols))
    for band in row_bands(rows, cols):
        result, work = out[band], scratch[:band.stop - band.start]
        # One pass per non-zero weight, in raster order: the image shifted under the
        # kernel by (a - ch, b - cw), times the weight, added to the result (which the
        # first pass writes directly).
        for index, (a, b) in enumerate(taps):
            under = padded[band.start + a:band.stop + a, b:b + cols]
            if index == 0:
                np.multiply(under, kernel[a, b], out=result)
            else:
                np.multiply(under, kernel[a, b], out=work)
                result += work
    return out.astype(values.dtype, copy=False)


def correlate2d(image, kernel, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Correlate an image with a 2-D kernel: slide the kernel, multiply, sum.

    ``output[r, c] = sum_{a, b} kernel[a, b] * image[r + a - ch, c + b - cw]`` with the
    kernel's centre ``(ch, cw) = (kh // 2, kw // 2)``; outside the image, values come from
    the border ``mode``. For even sizes the centre is the lower of the two middle entries,
    as in scipy.ndimage.

    Parameters
    ----------
    image : array_like, 2-D
        Any numeric array (values are used as they are).
    kernel : array_like, 2-D
        The weights, any shape.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}
        Border handling (see :func:`pad`).
    cval : float
        The value outside the image with ``mode="constant"``.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input), the shape of ``image``. Equals
        ``scipy.ndimage.correlate(image.astype(float), kernel, mode=mode, cval=cval)``.

    Raises
    ------
    TypeError
        If the image or kernel is not numeric.
    ValueError
        If either is not 2-D, is empty or holds NaN, or the mode is unknown.

    Examples
    --------
    >>> image = np.zeros((3, 3)); image[1, 1] = 1
    >>> correlate2d(image, [[1, 2, 3], [4, 5, 6], [7, 8, 9]], mode="constant")
    array([[9., 8., 7.],
           [6., 5., 4.],
           [3., 2., 1.]])
    """
    values = as_float_values(grayscale(image))
    weights = _check_kernel(kernel, 2)
    cval = _check_mode(mode, cval)
    centre = (weights.shape[0] // 2, weights.shape[1] // 2)
    return _correlate2d(values, weights, centre, mode, cval)


def convolve2d(image, kernel, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Convolve an image with a 2-D kernel: correlation with the kernel flipped.

    ``output[r, c] = sum_{a, b} kernel[a, b] * image[r - (a - ch), c - (b - cw)]`` with
    ``(ch, cw) = (kh // 2, kw // 2)``. Flipping both axes turns correlation into
    convolution; for even sizes the flipped kernel's centre moves by one so that the
    result equals ``scipy.ndimage.convolve``.

    Parameters
    ----------
    image, kernel, mode, cval
        As in :func:`correlate2d`.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input), equal to
        ``scipy.ndimage.convolve(image.astype(float), kernel, mode=mode, cval=cval)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`correlate2d`.

    Examples
    --------
    >>> image = np.zeros((3, 3)); image[1, 1] = 1
    >>> convolve2d(image, [[1, 2, 3], [4, 5, 6], [7, 8, 9]], mode="constant")
    array([[1., 2., 3.],
           [4., 5., 6.],
           [7., 8., 9.]])
    """
    values = as_float_values(grayscale(image))
    weights = _check_kernel(kernel, 2)
    cval = _check_mode(mode, cval)
    kh, kw = weights.shape
    centre = (kh - 1 - kh // 2, kw - 1 - kw // 2)  # where the centre lands after the flip
    return _correlate2d(values, weights[::-1, ::-1], centre, mode, cval)


# --------------------------------------------------------------------------------------
# Blurs, median, sharpening, noise
# --------------------------------------------------------------------------------------


def gaussian_kernel(sigma: float, truncate: float = 4.0, ndim: int = 2) -> np.ndarray:
    """Sampled, normalised Gaussian kernel.

    The weights are ``exp(-x**2 / (2 sigma**2))`` at the integers ``x`` from ``-radius``
    to ``radius``, with ``radius = int(truncate * sigma + 0.5)``, divided by their sum
    so that blurring keeps the mean brightness (as scipy.ndimage does).

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, > 0.
    truncate : float
        Cut the kernel off at this many standard deviations.
    ndim : {1, 2}
        A 1-D kernel of length ``2 * radius + 1``, or the square 2-D kernel, the outer
        product of the 1-D one with itself (a 2-D Gaussian is separable).

    Returns
    -------
    numpy.ndarray
        float64 weights summing to 1.

    Raises
    ------
    TypeError, ValueError
        If sigma or truncate is not a positive number, or ndim is not 1 or 2.

    Examples
    --------
    >>> gaussian_kernel(1.0, truncate=1.0, ndim=1).round(4)
    array([0.2741, 0.4519, 0.2741])
    >>> gaussian_kernel(1.0, truncate=1.0).shape
    (3, 3)
    """
    sigma, truncate = _check_sigma(sigma, truncate)
    check_choice(ndim, "ndim", (1, 2))
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / (sigma * sigma) * x**2)
    weights = weights / weights.sum()
    return weights if ndim == 1 else np.outer(weights, weights)


def gaussian_blur(image, sigma: float, mode: str = "reflect", cval: float = 0.0,
                  truncate: float = 4.0) -> np.ndarray:
    """Blur with a Gaussian, as two 1-D passes (down the columns, then along the rows).

    A (2r+1) x (2r+1) kernel costs (2r+1)**2 multiplications per pixel; the two passes
    cost 2 (2r+1), and give the same result because the 2-D Gaussian is the outer
    product of two 1-D ones.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1], like scikit-image), bool, or float (any range).
    sigma : float
        Standard deviation in pixels, > 0.
    mode, cval
        Border handling (see :func:`pad`).
    truncate : float
        Kernel radius in standard deviations (see :func:`gaussian_kernel`).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input). Equals
        ``scipy.ndimage.gaussian_filter(image, sigma, mode=mode, cval=cval,
        truncate=truncate)`` for float images, and ``skimage.filters.gaussian`` with the
        same mode for any image.

    Raises
    ------
    TypeError, ValueError
        For a non-2-D, empty or NaN image, sigma <= 0, or an unknown mode.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[2, 2] = 1
    >>> blurred = gaussian_blur(image, sigma=1)
    >>> round(float(blurred.sum()), 6), round(float(blurred[2, 2]), 4)
    (1.0, 0.1592)
    """
    values = grayscale_as_float(image)
    cval = _check_mode(mode, cval)
    weights = gaussian_kernel(sigma, truncate, ndim=1)
    blurred = _correlate1d(values, weights, 0, mode, cval)
    return _correlate1d(blurred, weights, 1, mode, cval)


def box_blur(image, size, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Replace each pixel by the mean of a ``size`` x ``size`` window around it.

    Two 1-D passes with the kernel ``[1/size] * size`` (a box is separable too). For even
    sizes the window reaches one pixel further up and left than down and right.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1]), bool or float.
    size : int or (int, int)
        Window height and width, >= 1.
    mode, cval
        Border handling (see :func:`pad`).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input); equals
        ``scipy.ndimage.uniform_filter(image, size, mode=mode, cval=cval)`` on floats.

    Raises
    ------
    TypeError, ValueError
        For a bad image, a size < 1 or an unknown mode.

    Examples
    --------
    >>> box_blur(np.array([[0.0, 3.0, 0.0, 0.0]]), (1, 3), mode="constant")
    array([[1., 1., 1., 0.]])
    """
    values = grayscale_as_float(image)
    rows, cols = _check_size(size)
    cval = _check_mode(mode, cval)
    blurred = _correlate1d(values, np.full(rows, 1.0 / rows), 0, mode, cval)
    return _correlate1d(blurred, np.full(cols, 1.0 / cols), 1, mode, cval)


def median_filter(image, size=3, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Replace each pixel by the median of the ``size`` x ``size`` window around it.

    The windows come from ``sliding_window_view`` over the padded image (no copy); a
    partial sort (``numpy.partition``) finds the middle value of each. For an even
    number of values this is the upper of the two middle ones (no averaging), as in
    scipy.ndimage, so the result is always one of the input values.

    Parameters
    ----------
    image : array_like, 2-D
        Any numeric or boolean array; the values are used as they are.
    size : int or (int, int)
        Window height and width, >= 1. The window's centre is at ``size // 2``.
    mode, cval
        Border handling (see :func:`pad`).

    Returns
    -------
    numpy.ndarray
        Same dtype and shape as ``image``; equal to
        ``scipy.ndimage.median_filter(image, size, mode=mode, cval=cval)``.

    Raises
    ------
    TypeError, ValueError
        For a bad image, a size < 1, or an unknown mode.

    Examples
    --------
    >>> median_filter(np.array([[1, 9, 2, 3, 8, 4]]), size=(1, 3))
    array([[1, 2, 3, 3, 4, 4]])
    """
    array = grayscale(image)
    rows, cols = _check_size(size)
    cval = _check_mode(mode, cval)
    widths = ((rows // 2, rows - 1 - rows // 2), (cols // 2, cols - 1 - cols // 2))
    windows = sliding_window_view(_pad2d(array, widths, mode, cval), (rows, cols))
    flat = windows.reshape(*array.shape, rows * cols)
    middle = (rows * cols) // 2
    return np.partition(flat, middle, axis=-1)[..., middle]


def unsharp_mask(image, sigma: float = 1.0, amount: float = 1.0, clip: bool = True) -> np.ndarray:
    """Sharpen: add back ``amount`` times the detail a Gaussian blur removes.

    ``result = image + amount * (image - gaussian_blur(image, sigma))``. The difference
    ``image - blurred`` is large only near edges and fine texture, so those are boosted
    while flat regions stay as they were.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 or float image with values in [0, 1].
    sigma : float
        Width of the blur, > 0: which details count as "fine".
    amount : float
        How much detail to add; 0 returns the image, negative values blur.
    clip : bool
        Clip the result to [0, 1] (sharpening overshoots near edges).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input). Equals
        ``skimage.filters.unsharp_mask(image, radius=sigma, amount=amount)`` when ``clip``.

    Raises
    ------
    TypeError, ValueError
        For a non-2-D image, values outside [0, 1], NaN, or sigma <= 0.

    Examples
    --------
    >>> step = np.array([[0.2, 0.2, 0.2, 0.8, 0.8, 0.8]])
    >>> unsharp_mask(step, sigma=1, amount=1).round(2)
    array([[0.2 , 0.16, 0.02, 0.98, 0.84, 0.8 ]])
    """
    values = image_as_float(grayscale(image))
    amount = check_number(amount, "amount")
    blurred = gaussian_blur(values, sigma, mode="reflect")
    sharpened = values + (values - blurred) * amount
    return np.clip(sharpened, 0.0, 1.0) if clip else sharpened


def add_noise(image, kind: str = "gaussian", *, var: float = 0.01, amount: float = 0.05,
              seed=None) -> np.ndarray:
    """Corrupt an image with noise, reproducibly.

    * ``"gaussian"``: add ``N(0, var)`` to every pixel (sensor noise).
    * ``"salt_and_pepper"``: set a fraction ``amount`` of the pixels, chosen at random,
      to 0 or 1 with equal chance (dead and stuck pixels, transmission errors).
    * ``"speckle"``: multiply each pixel by ``1 + N(0, var)`` (noise that grows with
      the signal, as in radar and ultrasound images).

    Results are clipped to [0, 1].

    Parameters
    ----------
    image : array_like, 2-D or colour
        uint8 or float image with values in [0, 1].
    kind : {"gaussian", "salt_and_pepper", "speckle"}
    var : float
        Variance of the Gaussian noise (``"gaussian"``, ``"speckle"``), >= 0.
    amount : float
        Fraction of pixels hit (``"salt_and_pepper"``), in [0, 1].
    seed : int or numpy.random.Generator, optional
        The same seed gives the same noise.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input) in [0, 1]. With the same seed it equals
        ``skimage.util.random_noise(image, mode, rng=seed, ...)`` with mode
        ``"gaussian"``, ``"s&p"`` or ``"speckle"``.

    Raises
    ------
    TypeError, ValueError
        For a bad image, an unknown kind or a parameter out of range.

    Examples
    --------
    >>> noisy = add_noise(np.full((100, 100), 0.5), "salt_and_pepper", amount=0.1, seed=0)
    >>> round(float(np.mean((noisy == 0) | (noisy == 1))), 2)
    0.1
    """
    values = image_as_float(image)
    check_ndim(values, (2, 3), "image", "a grayscale or colour image")
    check_not_empty(values)
    check_choice(kind, "kind", NOISE_KINDS)
    var = check_number(var, "var", low=0)
    amount = check_number(amount, "amount", low=0, high=1)
    rng = random_generator(seed)
    if kind == "gaussian":
        noisy = values + rng.normal(0.0, var**0.5, values.shape)
    elif kind == "speckle":
        noisy = values + values * rng.normal(0.0, var**0.5, values.shape)
    else:
        hit = rng.random(values.shape) <= amount if 0 < amount < 1 else np.full(
            values.shape, bool(amount))
        salt = rng.random(values.shape) <= 0.5
        noisy = values.copy()
        noisy[hit & salt] = 1.0
        noisy[hit & ~salt] = 0.0
    return np.clip(noisy, 0.0, 1.0).astype(values.dtype, copy=False)


# --------------------------------------------------------------------------------------
# Gradients: Sobel and Prewitt
# --------------------------------------------------------------------------------------

_DIFFERENCE = np.array([-1.0, 0.0, 1.0])  # correlate: image[i + 1] - image[i - 1]
_SOBEL_SMOOTH = np.array([1.0, 2.0, 1.0])
_PREWITT_SMOOTH = np.array([1.0, 1.0, 1.0])


def _derivative(values, smooth, axis: int, mode: str = "reflect", cval: float = 0.0):
    """Central difference along ``axis``, smoothed across it (unnormalised weights).

    Equal to the 3x3 kernel in one pass. With ``mode="constant"`` the second pass pads
    with 0: beyond the border the image is the constant ``cval``, whose difference is 0.
    """
    difference = _correlate1d(values, _DIFFERENCE, axis, mode, cval)
    return _correlate1d(difference, smooth, 1 - axis, mode, 0.0)


def _erode(mask: np.ndarray) -> np.ndarray:
    """Keep the pixels whose whole 3x3 neighbourhood lies in ``mask`` (and in the image)."""
    return sliding_window_view(np.pad(mask, 1), (3, 3)).all(axis=(2, 3))


def _edge_filter(image, smooth, axis, mode, cval):
    values = grayscale_as_float(image)
    cval = _check_mode(mode, cval)
    return _derivative(values, smooth, axis, mode, cval) / float(smooth.sum())


def _edge_magnitude(image, smooth, mask, mode, cval):
    gy = _edge_filter(image, smooth, 0, mode, cval)
    gx = _edge_filter(image, smooth, 1, mode, cval)
    magnitude = np.sqrt((gy * gy + gx * gx) / 2)
    if mask is not None:
        magnitude *= _erode(_check_mask(mask, magnitude.shape))
    return magnitude


def sobel_h(image, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Sobel derivative down the rows: responds to horizontal edges.

    Correlation with ``[[-1, -2, -1], [0, 0, 0], [1, 2, 1]] / 4``, computed as two 1-D
    passes: the difference ``image[r + 1] - image[r - 1]`` down each column, then the
    smoothing ``[1, 2, 1] / 4`` along each row. Positive where the image gets brighter
    downwards.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1]), bool or float.
    mode, cval
        Border handling (see :func:`pad`).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input); equals ``skimage.filters.sobel_h``.

    Raises
    ------
    TypeError, ValueError
        For a non-2-D, empty or NaN image, or an unknown mode.

    Examples
    --------
    >>> sobel_h(np.array([[0.0] * 3, [0.0] * 3, [1.0] * 3]))
    array([[0., 0., 0.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    return _edge_filter(image, _SOBEL_SMOOTH, 0, mode, cval)


def sobel_v(image, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Sobel derivative along the columns: responds to vertical edges.

    Correlation with ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] / 4``; positive where the
    image gets brighter to the right. See :func:`sobel_h`.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input); equals ``skimage.filters.sobel_v``.

    Examples
    --------
    >>> sobel_v(np.array([[0.0, 0.0, 1.0]] * 3))
    array([[0., 1., 1.],
           [0., 1., 1.],
           [0., 1., 1.]])
    """
    return _edge_filter(image, _SOBEL_SMOOTH, 1, mode, cval)


def sobel(image, mask=None, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Sobel edge strength: ``sqrt((sobel_h**2 + sobel_v**2) / 2)``.

    Dividing by 2 inside the root (scikit-image's normalisation) keeps the result in
    [0, 1] for images in [0, 1].

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1]), bool or float.
    mask : array of bool, optional
        Where to compute edges. Pixels outside it, and pixels next to it or to the image
        border, are set to 0 (their 3x3 neighbourhood is not all inside the mask).
    mode, cval
        Border handling (see :func:`pad`).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input); equals ``skimage.filters.sobel``.

    Raises
    ------
    TypeError, ValueError
        For a bad image, a mask that is not boolean or not the image's shape, or an
        unknown mode.

    Examples
    --------
    >>> sobel(np.array([[0.0, 0.0, 1.0, 1.0]] * 3)).round(3)
    array([[0.   , 0.707, 0.707, 0.   ],
           [0.   , 0.707, 0.707, 0.   ],
           [0.   , 0.707, 0.707, 0.   ]])
    """
    return _edge_magnitude(image, _SOBEL_SMOOTH, mask, mode, cval)


def prewitt_h(image, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Prewitt derivative down the rows: like :func:`sobel_h`, smoothing ``[1, 1, 1] / 3``.

    Returns
    -------
    numpy.ndarray
        Equals ``skimage.filters.prewitt_h``.

    Examples
    --------
    >>> prewitt_h(np.array([[0.0] * 3, [0.0] * 3, [1.0] * 3]))
    array([[0., 0., 0.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    return _edge_filter(image, _PREWITT_SMOOTH, 0, mode, cval)


def prewitt_v(image, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Prewitt derivative along the columns: like :func:`sobel_v`, smoothing ``[1, 1, 1] / 3``.

    Returns
    -------
    numpy.ndarray
        Equals ``skimage.filters.prewitt_v``.

    Examples
    --------
    >>> prewitt_v(np.array([[0.0, 0.0, 1.0]] * 3))
    array([[0., 1., 1.],
           [0., 1., 1.],
           [0., 1., 1.]])
    """
    return _edge_filter(image, _PREWITT_SMOOTH, 1, mode, cval)


def prewitt(image, mask=None, mode: str = "reflect", cval: float = 0.0) -> np.ndarray:
    """Prewitt edge strength, ``sqrt((prewitt_h**2 + prewitt_v**2) / 2)``; see :func:`sobel`.

    Returns
    -------
    numpy.ndarray
        Equals ``skimage.filters.prewitt``.

    Examples
    --------
    >>> prewitt(np.array([[0.0, 0.0, 1.0, 1.0]] * 3)).round(3)
    array([[0.   , 0.707, 0.707, 0.   ],
           [0.   , 0.707, 0.707, 0.   ],
           [0.   , 0.707, 0.707, 0.   ]])
    """
    return _edge_magnitude(image, _PREWITT_SMOOTH, mask, mode, cval)


def gradient_magnitude_direction(image, operator: str = "sobel", mode: str = "reflect"):
    """Gradient magnitude and direction of an image.

    With ``gx`` = :func:`sobel_v` (brighter to the right is positive) and ``gy`` =
    :func:`sobel_h` (brighter downwards is positive), or the Prewitt versions:
    ``magnitude = sqrt(gx**2 + gy**2)`` and ``direction = arctan2(gy, gx)``.

    The direction is in radians, in (-pi, pi], measured from the +x axis (to the right)
    towards +y, which points *down* in an image: pi/2 means "brighter below". The
    gradient points across an edge, from dark to bright.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1]), bool or float.
    operator : {"sobel", "prewitt"}
    mode : str
        Border handling (see :func:`pad`).

    Returns
    -------
    magnitude, direction : numpy.ndarray
        float64 (float32 for float32 input). ``magnitude / sqrt(2)`` is
        :func:`sobel` (or :func:`prewitt`).

    Raises
    ------
    TypeError, ValueError
        For a bad image, operator or mode.

    Examples
    --------
    >>> magnitude, direction = gradient_magnitude_direction(np.array([[0.0, 0.0, 1.0]] * 3))
    >>> magnitude[1], np.degrees(direction[1])
    (array([0., 1., 1.]), array([0., 0., 0.]))
    """
    check_choice(operator, "operator", ("sobel", "prewitt"))
    smooth = _SOBEL_SMOOTH if operator == "sobel" else _PREWITT_SMOOTH
    gy = _edge_filter(image, smooth, 0, mode, 0.0)
    gx = _edge_filter(image, smooth, 1, mode, 0.0)
    return np.sqrt(gy * gy + gx * gx), np.arctan2(gy, gx)


# --------------------------------------------------------------------------------------
# Canny, one stage at a time
# --------------------------------------------------------------------------------------


#: Gradient magnitudes below this are rounding noise, not edges: blurring a flat image
#: leaves gradients of about 1e-16. scikit-image's Canny uses it as the low threshold
#: when that is 0.
_ROUNDING_NOISE = 1e-14


def canny_smooth(image, sigma: float = 1.0, mask=None, mode: str = "constant",
                 cval: float = 0.0) -> np.ndarray:
    """Canny, stage 1: Gaussian smoothing that ignores what lies outside the image.

    With ``mode="constant"`` the zeros beyond the border would darken the blurred border
    and create false edges there. So the image is blurred, and then divided by the blur
    of an all-ones image (each pixel's share of weights that fell on real pixels). With
    a ``mask``, pixels outside it are ignored the same way.

    Parameters
    ----------
    image : array_like, 2-D
        uint8 (read as [0, 1]), bool or float.
    sigma : float
        Standard deviation of the Gaussian, > 0.
    mask : array of bool, optional
        The pixels that count.
    mode, cval
        Border handling of the blur (see :func:`pad`).

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32 input), as in ``skimage.feature.canny``.

    Examples
    --------
    >>> canny_smooth(np.ones((4, 4)), sigma=2).round(12)[0]
    array([1., 1., 1., 1.])
    """
    values = grayscale_as_float(image)
    cval = _check_mode(mode, cval)
    if mask is not None:
        mask = _check_mask(mask, values.shape)
        values = np.where(mask, values, 0).astype(values.dtype)
    smoothed = gaussian_blur(values, sigma, mode, cval)
    if mode == "constant" or mask is not None:
        weight = np.ones_like(values) if mask is None else mask.astype(values.dtype)
        share = gaussian_blur(weight, sigma, mode, cval)  # of the weights on real pixels
        share += np.finfo(values.dtype).eps  # (in place: no temporary image)
        smoothed /= share
    return smoothed


def canny_gradients(smoothed):
    """Canny, stage 2: Sobel gradients ``gy``, ``gx`` and their magnitude.

    The Sobel kernels are used without their 1/4 normalisation, as in
    ``scipy.ndimage.sobel`` and ``skimage.feature.canny``: Canny's thresholds refer to
    this magnitude, four times :func:`sobel_h` and :func:`sobel_v`.

    Parameters
    ----------
    smoothed : array_like, 2-D
        The output of :func:`canny_smooth` (any float image).

    Returns
    -------
    gy, gx, magnitude : numpy.ndarray
        Derivative down the rows, along the columns, and ``sqrt(gy**2 + gx**2)``.

    Examples
    --------
    >>> gy, gx, magnitude = canny_gradients(np.array([[0.0, 0.0, 1.0]] * 3))
    >>> gx[1], magnitude[1]
    (array([0., 4., 4.]), array([0., 4., 4.]))
    """
    values = grayscale_as_float(smoothed, "smoothed")
    gy = _derivative(values, _SOBEL_SMOOTH, 0)
    gx = _derivative(values, _SOBEL_SMOOTH, 1)
    magnitude = gy * gy  # sqrt(gy**2 + gx**2), computed in place: fewer temporary images
    magnitude += gx * gx
    return gy, gx, np.sqrt(magnitude, out=magnitude)


def non_max_suppression(magnitude, gy, gx, mask=None) -> np.ndarray:
    """Canny, stage 3: keep only pixels that are the largest across their edge.

    For each pixel, step one pixel along the gradient ``(gy, gx)`` and one pixel against
    it. The gradient rarely points exactly at a neighbour, so the magnitude there is
    interpolated between the two nearest neighbours: the one along the dominant axis
    and the diagonal one, weighted by ``w = min(|gx|, |gy|) / max(|gx|, |gy|)``::

        ahead = w * magnitude[diagonal] + (1 - w) * magnitude[along axis]

    A pixel survives when its magnitude is at least ``ahead`` and at least the value
    ``behind`` it (the same, stepping the other way). This turns the blurred ridge of a
    gradient into a line one pixel wide. The image border and pixels with zero
    magnitude or gradient are always suppressed. This is scikit-image's interpolated rule.

    Parameters
    ----------
    magnitude, gy, gx : array_like, 2-D, same shape
        Output of :func:`canny_gradients`.
    mask : array of bool, optional
        Only pixels inside it can survive.

    Returns
    -------
    numpy.ndarray
        ``magnitude`` where a pixel survives, 0 elsewhere.

    Raises
    ------
    TypeError, ValueError
        If the arrays are not 2-D floats of one shape, hold NaN, or the mask is bad.

    Examples
    --------
    >>> ridge = np.array([[0.0, 1, 2, 1, 0]] * 3)  # gradient to the right, peak at col 2
    >>> non_max_suppression(ridge, np.zeros_like(ridge), ridge)
    array([[0., 0., 0., 0., 0.],
           [0., 0., 2., 0., 0.],
           [0., 0., 0., 0., 0.]])
    """
    magnitude = as_float_values(grayscale(magnitude, "magnitude"))
    gy, gx = as_float_values(grayscale(gy, "gy")), as_float_values(grayscale(gx, "gx"))
    if not magnitude.shape == gy.shape == gx.shape:
        raise ValueError(
            f"magnitude, gy and gx must have one shape; got {magnitude.shape}, "
            f"{gy.shape} and {gx.shape}."
        )
    candidates = (magnitude > 0) & ((gy != 0) | (gx != 0))
    candidates[[0, -1], :] = candidates[:, [0, -1]] = False  # no neighbours beyond
    if mask is not None:
        candidates &= _check_mask(mask, magnitude.shape)
    rows, cols = magnitude.shape
    flat, flat_gy, flat_gx = np.ravel(magnitude), np.ravel(gy), np.ravel(gx)
    out = np.zeros_like(flat)
    for band in row_bands(rows, cols):  # a band of rows at a time: the arrays stay in the cache
        index = band.start * cols + np.flatnonzero(candidates[band])
        keep = _crests(flat, flat_gy, flat_gx, index, cols)
        out[keep] = flat[keep]
    return out.reshape(rows, cols)


def _crests(flat, flat_gy, flat_gx, index, cols):
    """The pixels ``index`` (positions in the flattened image) that non-maximum suppression
    keeps: at least as large as the interpolated magnitude ahead and behind them."""
    m, dy, dx = flat[index], flat_gy[index], flat_gx[index]
    abs_dy, abs_dx = np.abs(dy), np.abs(dx)
    # One step along the gradient, as an offset in the flattened image.
    row_step = np.where(dy > 0, cols, -cols)
    col_step = np.where(dx > 0, 1, -1)
    along = np.where(abs_dy > abs_dx, row_step, col_step)
    diagonal = row_step + col_step
    w = np.minimum(abs_dy, abs_dx) / np.maximum(abs_dy, abs_dx)
    ahead = flat[index + diagonal] * w + flat[index + along] * (1 - w)
    behind = flat[index - diagonal] * w + flat[index - along] * (1 - w)
    return index[(ahead <= m) & (behind <= m)]


def double_threshold(magnitude, low: float, high: float):
    """Canny, stage 4: sort edge pixels into strong and weak.

    Parameters
    ----------
    magnitude : array_like, 2-D
        Thinned magnitude from :func:`non_max_suppression`.
    low, high : float
        ``0 <= low <= high``, on the scale of the magnitude.

    Returns
    -------
    weak, strong : numpy.ndarray of bool
        ``strong``: magnitude >= high; ``weak``: low <= magnitude < high. A magnitude of
        0 (a pixel that non-maximum suppression removed) is neither, even for
        thresholds of 0.

    Raises
    ------
    TypeError, ValueError
        For a bad array, negative thresholds, or low > high.

    Examples
    --------
    >>> weak, strong = double_threshold(np.array([[0.0, 0.1, 0.3, 0.5]]), 0.2, 0.4)
    >>> weak, strong
    (array([[False, False,  True, False]]), array([[False, False, False,  True]]))
    """
    magnitude = as_float_values(grayscale(magnitude, "magnitude"))
    low = check_number(low, "low", low=0)
    high = check_number(high, "high", low=0)
    if low > high:
        raise ValueError(f"low must not exceed high; got low={low:g} > high={high:g}.")
    survivor = magnitude > 0  # 0 means suppressed, never "at least a threshold of 0"
    strong = survivor & (magnitude >= high)
    weak = survivor & (magnitude >= low) & ~strong
    return weak, strong


def hysteresis(weak, strong) -> np.ndarray:
    """Canny, stage 5: keep weak pixels only where they connect to a strong one.

    Weak and strong pixels form 8-connected chains; a chain is an edge if at least one
    of its pixels is strong. The chains are found by connected-component labelling
    (``scipy.ndimage.label``), which gives the same answer as growing edges from the
    strong pixels step by step, in one pass.

    Parameters
    ----------
    weak, strong : array_like of bool, 2-D, same shape
        Output of :func:`double_threshold`.

    Returns
    -------
    numpy.ndarray of bool
        The edge map.

    Raises
    ------
    TypeError, ValueError
        If the inputs are not boolean 2-D arrays of one shape.

    Examples
    --------
    >>> weak = np.array([[1, 0, 0, 1, 1]], dtype=bool)
    >>> strong = np.array([[0, 0, 1, 0, 0]], dtype=bool)
    >>> hysteresis(weak, strong)
    array([[False, False,  True,  True,  True]])
    """
    weak, strong = as_array(weak, "weak"), as_array(strong, "strong")
    for name, array in (("weak", weak), ("strong", strong)):
        check_ndim(array, 2, name)
        if array.dtype != np.bool_:
            raise TypeError(f"{name} must be a boolean array; got dtype {array.dtype}.")
    if weak.shape != strong.shape:
        raise ValueError(f"weak and strong must have one shape; got {weak.shape} and {strong.shape}.")
    labels, count = ndi.label(weak | strong, structure=np.ones((3, 3), dtype=bool))
    has_strong = np.zeros(count + 1, dtype=bool)
    has_strong[labels[strong]] = True
    has_strong[0] = False  # the background
    return has_strong[labels]


def canny(image, sigma: float = 1.0, low_threshold: float | None = None,
          high_threshold: float | None = None, mask=None, *, mode: str = "constant",
          cval: float = 0.0) -> np.ndarray:
    """Canny edge detector: smooth, differentiate, thin, threshold twice, link.

    Runs :func:`canny_smooth`, :func:`canny_gradients`, :func:`non_max_suppression`,
    :func:`double_threshold` and :func:`hysteresis` in turn; each can be called alone
    to look at its stage.

    Parameters
    ----------
    image : array_like, 2-D
        uint8, bool or float grayscale image.
    sigma : float
        Standard deviation of the smoothing Gaussian, > 0.
    low_threshold, high_threshold : float, optional
        Hysteresis thresholds on the gradient magnitude of :func:`canny_gradients`, in
        the image's units: 0-255 for uint8, the float scale otherwise. By default 10%
        and 20% of the largest value of the dtype (0.1 and 0.2 for floats). Even with
        thresholds of 0, a pixel without a gradient (a magnitude below 1e-14, rounding
        noise) is never an edge.
    mask : array of bool, optional
        Where to look for edges.
    mode, cval
        Border handling of the smoothing; ``"constant"`` with the correction of
        :func:`canny_smooth`, as scikit-image does.

    Returns
    -------
    numpy.ndarray of bool
        The edge map; equals ``skimage.feature.canny`` with the same arguments.

    Raises
    ------
    TypeError, ValueError
        For a bad image or mask, sigma <= 0, negative thresholds or low > high.

    Examples
    --------
    >>> square = np.zeros((8, 8)); square[2:6, 2:6] = 1
    >>> canny(square, sigma=1).astype(int)
    array([[0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 1, 1, 1, 1, 0, 0],
           [0, 0, 1, 0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0, 1, 0, 0],
           [0, 0, 1, 1, 1, 1, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0]])
    """
    array = as_array(image)
    if mask is not None:
        mask = _check_mask(mask, array.shape)
    scale = 255.0 if array.dtype == np.uint8 else 1.0
    low = 0.1 if low_threshold is None else check_number(low_threshold, "low_threshold", low=0) / scale
    high = 0.2 if high_threshold is None else check_number(high_threshold, "high_threshold", low=0) / scale
    if low > high:
        raise ValueError(
            f"low_threshold must not exceed high_threshold; got {low * scale:g} > {high * scale:g}."
        )
    smoothed = canny_smooth(array, sigma, mask, mode, cval)
    gy, gx, magnitude = canny_gradients(smoothed)
    # Only pixels at or above the low threshold can become edges, so only they need
    # thinning (they are still compared with all their neighbours). Rounding noise is
    # never an edge, even for low = 0.
    candidates = magnitude >= max(low, _ROUNDING_NOISE)
    if mask is not None:
        candidates &= _erode(mask)
    thin = non_max_suppression(magnitude, gy, gx, candidates)
    weak, strong = double_threshold(thin, low, high)
    return hysteresis(weak, strong)
