"""Restoration: denoising filters, blur and deconvolution, quality metrics (chapter 07).

Images are 2-D grayscale (and RGB for the bilateral filter), uint8 (divided by 255)
or float. A blur is a convolution with a point-spread function (PSF): a small
non-negative array summing to one whose centre is element ``(rows // 2, cols // 2)``.
The Fourier-domain methods treat the image as periodic (circular convolution), the
model :func:`blur` applies by default.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft
from scipy import ndimage as ndi

from ._validate import (
    as_array,
    check_choice,
    check_finite,
    check_ndim,
    check_number,
    grayscale_as_float,
    same_shape,
)
from .features import box_filter

__all__ = [
    "wiener_filter",
    "bilateral_filter",
    "gaussian_psf",
    "disk_psf",
    "motion_psf",
    "psf_to_otf",
    "blur",
    "inverse_filter",
    "wiener_deconvolve",
    "regularized_deconvolve",
    "richardson_lucy",
    "blind_deconvolve",
    "psf_correlation",
    "psnr",
    "ssim",
]


# ---------------------------------------------------------------------- denoising


def wiener_filter(image, size=3, noise=None):
    """Adaptive (local) Wiener filter for additive noise (Lim, 1990).

    In each ``size`` window with local mean ``m`` and variance ``v``, the output is
    ``m + max(v - noise, 0) / v * (x - m)``: where the window is flat (``v`` close to
    the noise power) it returns the mean, where there is structure (``v >> noise``)
    it keeps the pixel. The windows see zeros beyond the border.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image, uint8 or float (values kept as they are for float).
    size : int or (int, int)
        Window size (>= 1).
    noise : float, optional
        Noise power (variance); by default the mean of the local variances.

    Returns
    -------
    numpy.ndarray, shape (M, N)
        Equal to ``scipy.signal.wiener(image, size, noise)`` (on the same values),
        except that a flat window with zero noise gives its mean where SciPy gives NaN.

    Examples
    --------
    >>> flat = np.full((5, 5), 0.5)
    >>> bool(np.allclose(wiener_filter(flat)[1:-1, 1:-1], 0.5))
    True
    """
    img = grayscale_as_float(image)
    mean = box_filter(img, size, mode="constant")
    variance = np.maximum(box_filter(img * img, size, mode="constant") - mean**2, 0)
    if noise is None:
        noise = variance.mean()
    else:
        noise = check_number(noise, "noise", low=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = mean + (1 - noise / variance) * (img - mean)
    # where the window is no busier than the noise (flat windows included) keep the mean
    return np.where(variance <= noise, mean, out).astype(img.dtype, copy=False)


_NUMPY_MODES = ("constant", "edge", "symmetric", "reflect", "wrap")


def bilateral_filter(image, sigma_spatial=1.0, sigma_color=None, *, win_size=None,
                     mode="constant", cval=0.0):
    """Edge-preserving smoothing: a Gaussian average that skips pixels of another colour.

    Each output pixel is the weighted mean of its window, with weight
    ``exp(-d^2 / (2 sigma_spatial^2)) * exp(-|I(q) - I(p)|^2 / (2 sigma_color^2))``:
    near in space *and* in value (Tomasi and Manduchi, 1998). For colour images the
    value difference is the Euclidean distance between the RGB triples.

    Parameters
    ----------
    image : array_like, shape (M, N) or (M, N, 3)
        Grayscale or RGB, uint8 (divided by 255) or float.
    sigma_spatial : float
        Spatial standard deviation in pixels (> 0).
    sigma_color : float, optional
        Value standard deviation (> 0); by default the image's standard deviation.
    win_size : int, optional
        Odd window size; by default ``max(5, 2 * ceil(3 sigma_spatial) + 1)``.
    mode : {'constant', 'edge', 'symmetric', 'reflect', 'wrap'}
        Border handling (NumPy's names, as ``skimage.restoration.denoise_bilateral``).
    cval : float
        Value outside the image for ``mode='constant'``.

    Returns
    -------
    numpy.ndarray of float, same shape as ``image``

    Notes
    -----
    The weights are computed exactly. scikit-image's ``denoise_bilateral`` looks the
    value weight up in a table of ``bins`` steps and builds its spatial table on a grid
    one sample wider than the window, so the two agree closely but not exactly (the
    test suite states the measured difference).

    Examples
    --------
    >>> step = np.zeros((5, 6)); step[:, 3:] = 1
    >>> bool(np.allclose(bilateral_filter(step, 2.0, 0.1, mode="edge"), step, atol=1e-6))
    True
    """
    array = as_array(image)
    colour = array.ndim == 3
    if colour:
        if array.shape[-1] != 3:
            raise ValueError(f"a colour image must have 3 channels last; got shape {array.shape}.")
        img = np.stack([grayscale_as_float(array[..., i]) for i in range(3)], axis=-1)
    else:
        img = grayscale_as_float(array)[..., None]
    sigma_spatial = check_number(sigma_spatial, "sigma_spatial", low=0, low_inclusive=False)
    if sigma_color is None:
        sigma_color = float(img.std())
        if sigma_color == 0:  # a flat image: nothing to smooth, and no scale for its values
            return img.copy() if colour else img[..., 0].copy()
    sigma_color = check_number(sigma_color, "sigma_color", low=0, low_inclusive=False)
    if win_size is None:
        win_size = max(5, 2 * int(np.ceil(3 * sigma_spatial)) + 1)
    win_size = check_number(win_size, "win_size", low=1, integer=True)
    if win_size % 2 == 0:
        raise ValueError(f"win_size must be odd so the window has a centre; got {win_size}.")
    check_choice(mode, "mode", _NUMPY_MODES)
    half = win_size // 2
    width = ((half, half), (half, half), (0, 0))
    padded = (np.pad(img, width, mode="constant", constant_values=cval) if mode == "constant"
              else np.pad(img, width, mode=mode))
    rows, cols = img.shape[:2]
    total = np.zeros_like(img)
    weights = np.zeros(img.shape[:2], dtype=img.dtype)
    for dr in range(-half, half + 1):  # a loop over window offsets, each over all pixels
        for dc in range(-half, half + 1):
            shifted = padded[half + dr: half + dr + rows, half + dc: half + dc + cols]
            spatial = np.exp(-(dr * dr + dc * dc) / (2 * sigma_spatial**2))
            difference = ((shifted - img) ** 2).sum(axis=-1)
            weight = spatial * np.exp(-difference / (2 * sigma_color**2))
            total += weight[..., None] * shifted
            weights += weight
    out = total / weights[..., None]
    return out if colour else out[..., 0]


# ------------------------------------------------------------------------------ PSFs


def _odd_size(size, name="size"):
    size = check_number(size, name, low=1, integer=True)
    if size % 2 == 0:
        raise ValueError(f"{name} must be odd so the PSF has a centre pixel; got {size}.")
    return size


def gaussian_psf(size, sigma):
    """A ``size x size`` Gaussian PSF (out-of-focus blur of a thin lens, roughly).

    Examples
    --------
    >>> psf = gaussian_psf(5, 1.0)
    >>> psf.shape, bool(np.isclose(psf.sum(), 1.0)), int(psf.argmax())
    ((5, 5), True, 12)
    """
    size = _odd_size(size)
    sigma = check_number(sigma, "sigma", low=0, low_inclusive=False)
    grid = np.arange(size) - size // 2
    g = np.exp(-(grid**2) / (2 * sigma**2))
    psf = np.outer(g, g)
    return psf / psf.sum()


def disk_psf(radius, size=None):
    """A uniform disc of the given radius: the defocus blur of a lens (geometric optics).

    Pixels on the rim are weighted by the fraction of them inside the disc (estimated
    on a 8 x 8 sub-grid), so the PSF changes smoothly with the radius.

    Examples
    --------
    >>> disk_psf(1.0).round(3)
    array([[0.029, 0.144, 0.029],
           [0.144, 0.308, 0.144],
           [0.029, 0.144, 0.029]])
    """
    radius = check_number(radius, "radius", low=0.5)
    size = 2 * int(np.ceil(radius)) + 1 if size is None else _odd_size(size)
    sub = (np.arange(8) + 0.5) / 8 - 0.5
    grid = np.arange(size) - size // 2
    rr = grid[:, None, None, None] + sub[None, None, :, None]
    cc = grid[None, :, None, None] + sub[None, None, None, :]
    psf = (rr**2 + cc**2 <= radius**2).mean(axis=(2, 3))
    return psf / psf.sum()


def motion_psf(length, angle=0.0, size=None):
    """Linear motion blur: a segment of the given length (pixels) at ``angle`` degrees
    (counter-clockwise from the column axis), centred on the middle pixel.

    The segment is cut into many short pieces, each credited to the pixel it falls in.

    Examples
    --------
    >>> motion_psf(3, 0).round(3)
    array([[0.   , 0.   , 0.   ],
           [0.333, 0.333, 0.333],
           [0.   , 0.   , 0.   ]])
    """
    length = check_number(length, "length", low=1)
    angle = np.deg2rad(check_number(angle, "angle"))
    size = 2 * int(np.ceil((length - 1) / 2)) + 1 if size is None else _odd_size(size)
    centre = size // 2
    pieces = int(np.ceil(length)) * 16
    t = (np.arange(pieces) + 0.5) / pieces * length - length / 2
    rows = np.round(centre - t * np.sin(angle)).astype(int)
    cols = np.round(centre + t * np.cos(angle)).astype(int)
    inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
    psf = np.zeros((size, size))
    np.add.at(psf, (rows[inside], cols[inside]), 1.0)
    return psf / psf.sum()


def _check_psf(psf, shape, name="psf"):
    kernel = as_array(psf, name)
    check_ndim(kernel, 2, name)
    check_finite(kernel, name)
    kernel = kernel.astype(np.float64)
    if kernel.shape[0] > shape[0] or kernel.shape[1] > shape[1]:
        raise ValueError(
            f"{name} of shape {kernel.shape} is larger than the image of shape {shape}.")
    total = kernel.sum()
    if abs(total) < 1e-12:
        raise ValueError(
            f"{name} sums to {total:g}; a blur kernel must sum to a non-zero number "
            "(normally 1, so that brightness is kept).")
    return kernel


def psf_to_otf(psf, shape):
    """The optical transfer function: the PSF's 2-D Fourier transform at ``shape``.

    The PSF is zero-padded to ``shape`` and rolled so that its centre element
    ``(rows // 2, cols // 2)`` sits at index (0, 0); then circular convolution with the
    PSF is multiplication by this array in the Fourier domain. Equal to
    ``skimage.restoration.uft.ir2tf(psf, shape, is_real=False)``.

    Parameters
    ----------
    psf : array_like, shape (P, Q)
    shape : (int, int)
        Image shape, at least the PSF's.

    Returns
    -------
    numpy.ndarray of complex128, shape ``shape``

    Examples
    --------
    >>> otf = psf_to_otf(np.ones((3, 3)) / 9, (8, 8))
    >>> bool(np.isclose(otf[0, 0], 1.0))
    True
    """
    shape = tuple(int(s) for s in shape)
    kernel = _check_psf(psf, shape)
    padded = np.zeros(shape)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = np.roll(padded, (-(kernel.shape[0] // 2), -(kernel.shape[1] // 2)), axis=(0, 1))
    return sfft.fft2(padded)


def blur(image, psf, *, mode="wrap"):
    """Convolve an image with a PSF: what an out-of-focus or shaken camera does.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale, uint8 or float.
    psf : array_like, shape (P, Q)
        The blur kernel, no larger than the image.
    mode : {'wrap', 'reflect', 'constant', 'nearest', 'mirror'}
        'wrap' (default) is circular convolution, computed as a product of Fourier
        transforms; it is the model the Fourier deconvolutions invert exactly. The
        others call ``scipy.ndimage.convolve`` with that border.

    Returns
    -------
    numpy.ndarray of float64, shape (M, N)
        For odd PSF sizes, equal to ``scipy.ndimage.convolve(image, psf, mode=mode)``.

    Examples
    --------
    >>> point = np.zeros((5, 5)); point[2, 2] = 1
    >>> bool(np.allclose(blur(point, np.ones((3, 3)) / 9)[1:4, 1:4], 1 / 9))
    True
    """
    img = grayscale_as_float(image).astype(np.float64)
    check_choice(mode, "mode", ("wrap", "reflect", "constant", "nearest", "mirror"))
    kernel = _check_psf(psf, img.shape)
    if mode == "wrap":
        return sfft.ifft2(sfft.fft2(img) * psf_to_otf(kernel, img.shape)).real
    return ndi.convolve(img, kernel, mode=mode)


# --------------------------------------------------------------------- deconvolution


def _fourier_deconvolve(image, psf, balance, regulariser_otf, clip):
    """``conj(H) Y / (|H|^2 + balance |R|^2)`` for a real image, with clipping to [-1, 1]."""
    img = grayscale_as_float(image)
    kernel = _check_psf(psf, img.shape)
    otf = psf_to_otf(kernel, img.shape)
    restored = sfft.ifft2(np.conj(otf) * sfft.fft2(img)
                          / (np.abs(otf) ** 2 + balance * np.abs(regulariser_otf) ** 2)).real
    return np.clip(restored, -1, 1) if clip else restored


def inverse_filter(image, psf, *, cutoff=0.0, clip=False):
    """Undo a blur by dividing by the transfer function: ``X = Y / H``.

    Exact for a noise-free circular blur whose transfer function has no zeros, and
    useless otherwise: where ``|H|`` is tiny the noise ``N / H`` explodes. A
    ``cutoff`` > 0 sets those frequencies (``|H| < cutoff``) to zero instead (the
    pseudo-inverse).

    Parameters
    ----------
    image : array_like, shape (M, N)
        Blurred grayscale image.
    psf : array_like
        The blur kernel.
    cutoff : float
        Frequencies with ``|H| < cutoff`` are dropped (>= 0).
    clip : bool
        Clip the result to [-1, 1].

    Returns
    -------
    numpy.ndarray of float64, shape (M, N)

    Examples
    --------
    >>> rng = np.random.default_rng(0); sharp = rng.random((16, 16))
    >>> psf = gaussian_psf(3, 0.5)
    >>> bool(np.allclose(inverse_filter(blur(sharp, psf), psf), sharp))
    True
    """
    img = grayscale_as_float(image).astype(np.float64)
    kernel = _check_psf(psf, img.shape)
    cutoff = check_number(cutoff, "cutoff", low=0)
    otf = psf_to_otf(kernel, img.shape)
    keep = np.abs(otf) > cutoff
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(keep, sfft.fft2(img) / np.where(keep, otf, 1), 0)
    restored = sfft.ifft2(ratio).real
    return np.clip(restored, -1, 1) if clip else restored


def wiener_deconvolve(image, psf, nsr, *, clip=True):
    """Wiener deconvolution with a constant noise-to-signal ratio.

    ``X = conj(H) Y / (|H|^2 + nsr)``: like the inverse filter where ``|H|^2 >> nsr``,
    and fading to zero where the blur has destroyed the signal below the noise
    (Wiener, 1949). ``nsr`` is the ratio of noise power to signal power.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Blurred (and noisy) grayscale image.
    psf : array_like
        The blur kernel (centre at ``(rows // 2, cols // 2)``).
    nsr : float
        Noise-to-signal power ratio (>= 0; 0 gives the inverse filter).
    clip : bool
        Clip the result to [-1, 1], as scikit-image does.

    Returns
    -------
    numpy.ndarray of float64, shape (M, N)
        Equal to ``skimage.restoration.wiener(image, psf, balance=nsr,
        reg=np.ones((1, 1)), clip=clip)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0); sharp = rng.random((16, 16))
    >>> psf = gaussian_psf(3, 0.5)
    >>> float(np.abs(wiener_deconvolve(blur(sharp, psf), psf, 1e-6) - sharp).max()) < 1e-3
    True
    """
    nsr = check_number(nsr, "nsr", low=0)
    return _fourier_deconvolve(image, psf, nsr, 1.0, clip)


_LAPLACIAN = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


def regularized_deconvolve(image, psf, weight, *, operator=None, clip=True):
    """Tikhonov-regularised deconvolution: the sharpest image that is also smooth.

    Minimises ``||h * x - y||^2 + weight ||l * x||^2`` with ``l`` a high-pass operator
    (the Laplacian by default), whose solution is
    ``X = conj(H) Y / (|H|^2 + weight |L|^2)``: frequencies the blur kills are filled by
    the smoothest choice instead of noise (Tikhonov, 1963; Hunt, 1973).

    Parameters
    ----------
    image : array_like, shape (M, N)
    psf : array_like
    weight : float
        Regularisation weight (>= 0).
    operator : array_like, optional
        The regularisation kernel; by default the 3 x 3 Laplacian
        ``[[0, -1, 0], [-1, 4, -1], [0, -1, 0]]``.
    clip : bool
        Clip the result to [-1, 1].

    Returns
    -------
    numpy.ndarray of float64, shape (M, N)
        With the default operator, equal to ``skimage.restoration.wiener(image, psf,
        balance=weight, clip=clip)``; with any symmetric operator, equal to it with
        ``reg=operator`` (scikit-image keeps only the real part of the operator's
        transfer function, which is all there is for a symmetric one).

    Examples
    --------
    >>> rng = np.random.default_rng(0); sharp = rng.random((16, 16))
    >>> psf = gaussian_psf(3, 0.5)
    >>> out = regularized_deconvolve(blur(sharp, psf), psf, 1e-6)
    >>> float(np.abs(out - sharp).max()) < 1e-3
    True
    """
    weight = check_number(weight, "weight", low=0)
    img = grayscale_as_float(image)
    kernel = _LAPLACIAN if operator is None else as_array(operator, "operator")
    check_ndim(kernel, 2, "operator")
    check_finite(kernel, "operator")
    if kernel.shape[0] > img.shape[0] or kernel.shape[1] > img.shape[1]:
        raise ValueError(f"operator of shape {kernel.shape} is larger than the image.")
    padded = np.zeros(img.shape)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = np.roll(padded, (-(kernel.shape[0] // 2), -(kernel.shape[1] // 2)), axis=(0, 1))
    return _fourier_deconvolve(img, psf, weight, sfft.fft2(padded), clip)


class _SameConvolver:
    """'same'-size linear convolutions (zero outside the image) with one kernel and its
    mirror, by FFT, with both kernels transformed once (scipy.signal.convolve's output
    alignment)."""

    def __init__(self, kernel, shape):
        self.shape = shape
        self.fshape = tuple(sfft.next_fast_len(s + k - 1, real=True)
                            for s, k in zip(shape, kernel.shape))
        self.start = tuple((k - 1) // 2 for k in kernel.shape)
        self.forward = sfft.rfft2(kernel, self.fshape)
        self.mirror = sfft.rfft2(kernel[::-1, ::-1], self.fshape)

    def __call__(self, image, transfer):
        full = sfft.irfft2(sfft.rfft2(image, self.fshape) * transfer, self.fshape)
        return full[self.start[0]: self.start[0] + self.shape[0],
                    self.start[1]: self.start[1] + self.shape[1]]


def richardson_lucy(image, psf, num_iter=50, *, clip=True, filter_epsilon=None):
    """Richardson-Lucy deconvolution: the maximum-likelihood image under Poisson noise.

    Starting from a flat 0.5 image, each iteration multiplies the estimate by the
    mirrored PSF convolved with the ratio of the observed image to the re-blurred
    estimate (Richardson, 1972; Lucy, 1974)::

        x <- x * (psf_mirror * (y / (psf * x)))

    The estimate stays non-negative and gets sharper with every iteration, and
    eventually amplifies noise: the iteration count is the regulariser.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Blurred non-negative grayscale image.
    psf : array_like
        The blur kernel (non-negative).
    num_iter : int
        Iterations (>= 1).
    clip : bool
        Clip the result to [-1, 1], as scikit-image does.
    filter_epsilon : float, optional
        Where the re-blurred estimate is below this, the ratio is set to 0.

    Returns
    -------
    numpy.ndarray, shape (M, N)
        Equal to ``skimage.restoration.richardson_lucy`` with the same arguments (to
        about 1e-12; convolutions here are by FFT with the PSF transformed once).

    Examples
    --------
    >>> point = np.zeros((9, 9)); point[4, 4] = 1
    >>> psf = gaussian_psf(3, 0.7)
    >>> restored = richardson_lucy(blur(point, psf, mode="constant"), psf, 200)
    >>> bool(restored[4, 4] > 0.5)
    True
    """
    img = grayscale_as_float(image)
    kernel = _check_psf(psf, img.shape)
    if np.any(kernel < 0):
        raise ValueError("psf must be non-negative for Richardson-Lucy.")
    num_iter = check_number(num_iter, "num_iter", low=1, integer=True)
    if filter_epsilon is not None:
        filter_epsilon = check_number(filter_epsilon, "filter_epsilon", low=0)
    convolve = _SameConvolver(kernel, img.shape)
    estimate = np.full(img.shape, 0.5, dtype=img.dtype)
    for _ in range(num_iter):
        reblurred = convolve(estimate, convolve.forward) + 1e-12
        if filter_epsilon:
            ratio = np.where(reblurred < filter_epsilon, 0, img / reblurred)
        else:
            ratio = img / reblurred
        estimate = estimate * convolve(ratio, convolve.mirror)
    estimate = estimate.astype(img.dtype, copy=False)
    return np.clip(estimate, -1, 1) if clip else estimate


# ------------------------------------------------------------ blind deconvolution


def _difference_otfs(shape):
    """Transfer functions of the backward differences x[r] - x[r-1] along rows and columns."""
    row = np.zeros(shape)
    row[0, 0], row[1 % shape[0], 0] = 1, -1
    col = np.zeros(shape)
    col[0, 0], col[0, 1 % shape[1]] = 1, -1
    return sfft.fft2(row), sfft.fft2(col)


def _gradients(x):
    return x - np.roll(x, 1, axis=0), x - np.roll(x, 1, axis=1)


def _l0_image_step(blurred, otf, weight, diff_otfs, beta_max=1e5):
    """Sharp image with few non-zero gradients: min ||k * x - y||^2 + weight ||grad x||_0,
    by half-quadratic splitting (Xu et al., 2013): alternate a hard threshold of the
    gradients with a closed-form Fourier solve, tightening the coupling beta."""
    d_row, d_col = diff_otfs
    data_num = np.conj(otf) * sfft.fft2(blurred)
    data_den = np.abs(otf) ** 2
    grad_den = np.abs(d_row) ** 2 + np.abs(d_col) ** 2
    x = blurred
    beta = 2 * weight
    while beta < beta_max:  # a loop over the continuation steps
        g_row, g_col = _gradients(x)
        small = g_row**2 + g_col**2 < weight / beta
        g_row[small] = 0
        g_col[small] = 0
        numerator = data_num + beta * (np.conj(d_row) * sfft.fft2(g_row)
                                       + np.conj(d_col) * sfft.fft2(g_col))
        x = sfft.ifft2(numerator / (data_den + beta * grad_den)).real
        beta *= 2
    return x


def _kernel_step(sharp, blurred, size, weight):
    """Kernel from gradients: min ||grad x * k - grad y||^2 + weight ||k||^2 in closed form,
    then cropped to size x size, made non-negative, pruned, recentred and normalised."""
    numerator = 0
    denominator = weight
    for g_sharp, g_blurred in zip(_gradients(sharp), _gradients(blurred)):
        f_sharp = sfft.fft2(g_sharp)
        numerator = numerator + np.conj(f_sharp) * sfft.fft2(g_blurred)
        denominator = denominator + np.abs(f_sharp) ** 2
    full = sfft.ifft2(numerator / denominator).real
    kernel = np.roll(full, (size // 2, size // 2), axis=(0, 1))[:size, :size]
    kernel = np.where(kernel > 0.05 * kernel.max(), kernel, 0)
    return _recentre(kernel / kernel.sum())


def _recentre(kernel):
    """Shift a kernel (circularly, by whole pixels) so that its centroid is the centre:
    blind deconvolution cannot tell a shifted kernel from a shifted image."""
    rows, cols = np.indices(kernel.shape)
    centroid = ((rows * kernel).sum(), (cols * kernel).sum())
    shift = [int(round(c // 2 - m)) for c, m in zip(kernel.shape, centroid)]
    return np.roll(kernel, shift, axis=(0, 1))


def _resize_kernel(kernel, size):
    """Bilinear resize of a kernel to size x size, non-negative and normalised."""
    zoomed = ndi.zoom(kernel, size / kernel.shape[0], order=1)
    out = np.zeros((size, size))
    n = min(size, zoomed.shape[0])
    out[:n, :n] = zoomed[:n, :n]
    out = np.maximum(out, 0)
    return _recentre(out / out.sum())


def blind_deconvolve(image, psf_size, *, n_iter=15, n_levels=None, weight=2e-3,
                     kernel_weight=0.03, final_weight=2e-3):
    """Estimate a blur kernel and the sharp image from the blurred image alone.

    A variational method in the style of Xu et al. (2013) and Pan et al. (2014),
    coarse to fine: at each scale of an image pyramid, alternate

    1. an image step that finds the image with the fewest non-zero gradients whose
       blur explains the observation (an L0 gradient prior keeps only strong edges,
       which are what reveal the kernel), and
    2. a kernel step: the least-squares kernel mapping those sharp gradients to the
       observed ones, then non-negative, pruned of weak entries, summing to one.

    The kernel found at one scale, enlarged, starts the next (scales differ by
    sqrt(2)). Finally the image is restored with the estimated kernel by
    :func:`regularized_deconvolve`. Like all Fourier methods here it assumes a circular
    blur. It works best on motion blur of images with strong edges; a kernel is only
    determined up to a shift (the image moves the other way), so the estimate is
    recentred on its centroid.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Blurred grayscale image, uint8 or float in [0, 1].
    psf_size : int
        Odd size of the kernel to estimate (a bit larger than the true blur).
    n_iter : int
        Alternations per scale.
    n_levels : int, optional
        Pyramid levels; by default enough for the coarsest kernel to be about 5 pixels.
    weight : float
        Initial L0 weight of the image step (divided by 1.1 at every alternation).
    kernel_weight : float
        Tikhonov weight of the kernel step, relative to the observed image's summed
        squared gradient (so it does not depend on the image size).
    final_weight : float
        Weight of the final Laplacian-regularised deconvolution.

    Returns
    -------
    restored : numpy.ndarray of float64, shape (M, N)
    psf : numpy.ndarray of float64, shape (psf_size, psf_size)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sharp = ndi.zoom(rng.random((16, 16)) > 0.5, 4, order=0).astype(float)
    >>> restored, psf = blind_deconvolve(blur(sharp, motion_psf(5, 0)), 7, n_iter=3)
    >>> psf.shape, bool(np.isclose(psf.sum(), 1))
    ((7, 7), True)
    """
    img = grayscale_as_float(image).astype(np.float64)
    psf_size = _odd_size(psf_size, "psf_size")
    if psf_size > min(img.shape):
        raise ValueError(f"psf_size {psf_size} is larger than the image of shape {img.shape}.")
    n_iter = check_number(n_iter, "n_iter", low=1, integer=True)
    weight = check_number(weight, "weight", low=0, low_inclusive=False)
    kernel_weight = check_number(kernel_weight, "kernel_weight", low=0, low_inclusive=False)
    final_weight = check_number(final_weight, "final_weight", low=0)
    if n_levels is None:
        n_levels = max(1, int(np.floor(2 * np.log2(psf_size / 5))) + 1)
    n_levels = check_number(n_levels, "n_levels", low=1, integer=True)
    kernel = None
    for level in reversed(range(n_levels)):  # coarse to fine
        scale = 0.5 ** (level / 2)  # steps of sqrt(2)
        observed = ndi.zoom(img, scale, order=1) if level else img
        size = max(3, int(round(psf_size * scale)) | 1)
        if kernel is None:
            kernel = gaussian_psf(size, 0.5)
        else:
            kernel = _resize_kernel(kernel, size)
        diff_otfs = _difference_otfs(observed.shape)
        gamma = kernel_weight * sum((g**2).sum() for g in _gradients(observed))
        lam = weight
        for _ in range(n_iter):  # alternations
            otf = psf_to_otf(kernel, observed.shape)
            sharp = _l0_image_step(observed, otf, lam, diff_otfs)
            kernel = _kernel_step(sharp, observed, size, gamma)
            lam = max(lam / 1.1, 1e-4)
    restored = regularized_deconvolve(img, kernel, final_weight, clip=False)
    return restored, kernel


def psf_correlation(estimate, truth, *, max_shift=0):
    """Pearson correlation between two PSFs of the same shape, optionally the best over
    integer shifts of ``estimate`` up to ``max_shift`` (a blind estimate may be shifted).

    Examples
    --------
    >>> psf = motion_psf(5, 45)
    >>> psf_correlation(psf, psf)
    1.0
    """
    a = as_array(estimate, "estimate").astype(np.float64)
    b = as_array(truth, "truth").astype(np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.size == 0:
        raise ValueError("estimate and truth must be PSFs of one shape, 2-D and not empty; "
                         f"got {a.shape} and {b.shape}.")
    check_finite(a, "estimate")
    check_finite(b, "truth")
    max_shift = check_number(max_shift, "max_shift", low=0, integer=True)
    best = -1.0
    for dr in range(-max_shift, max_shift + 1):  # a loop over a few shifts
        for dc in range(-max_shift, max_shift + 1):
            shifted = np.roll(a, (dr, dc), axis=(0, 1))
            best = max(best, float(np.corrcoef(shifted.ravel(), b.ravel())[0, 1]))
    return round(best, 12)


# ------------------------------------------------------------------------- metrics


def _data_range(ref, data_range):
    if data_range is not None:
        return check_number(data_range, "data_range", low=0, low_inclusive=False)
    if ref.dtype.kind in "iu":
        info = np.iinfo(ref.dtype)
        return float(info.max - min(info.min, 0))
    if ref.dtype.kind == "f":
        return 1.0
    return 1.0


def psnr(reference, test, *, data_range=None):
    """Peak signal-to-noise ratio in decibels: ``10 log10(range^2 / MSE)``.

    Parameters
    ----------
    reference, test : array_like, same shape
    data_range : float, optional
        The largest possible difference: 255 for uint8, 1.0 for float images (the
        course's convention: floats lie in [0, 1]).

    Returns
    -------
    float
        Equal to ``skimage.metrics.peak_signal_noise_ratio(reference, test,
        data_range=data_range)``; ``inf`` for identical images.

    Examples
    --------
    >>> round(psnr(np.zeros((4, 4)), np.full((4, 4), 0.1)), 6)
    20.0
    """
    ref, out = same_shape(reference, test, ("reference", "test"))
    rng = _data_range(ref, data_range)
    mse = np.mean((ref.astype(np.float64) - out.astype(np.float64)) ** 2)
    with np.errstate(divide="ignore"):
        return float(10 * np.log10(rng**2 / mse))


def ssim(reference, test, *, data_range=None, win_size=7):
    """Structural similarity (Wang et al., 2004), averaged over the image.

    In every ``win_size`` window it compares means (luminance), standard deviations
    (contrast) and the correlation (structure)::

        SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))

    with ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, ``L`` the data range, uniform
    windows and sample (n - 1) covariances; the mean leaves out the border half-windows.

    Parameters
    ----------
    reference, test : array_like, shape (M, N)
        Grayscale images.
    data_range : float, optional
        As for :func:`psnr`.
    win_size : int
        Odd window size (>= 3), no larger than the image.

    Returns
    -------
    float
        In [-1, 1]; equal to ``skimage.metrics.structural_similarity(reference, test,
        data_range=data_range, win_size=win_size)``.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((16, 16))
    >>> ssim(image, image)
    1.0
    """
    ref, out = same_shape(reference, test, ("reference", "test"))
    check_ndim(ref, 2, "reference")
    win_size = check_number(win_size, "win_size", low=3, integer=True)
    if win_size % 2 == 0 or win_size > min(ref.shape):
        raise ValueError(
            f"win_size must be odd and at most the image's smaller side {min(ref.shape)}; "
            f"got {win_size}.")
    rng = _data_range(ref, data_range)
    x, y = ref.astype(np.float64), out.astype(np.float64)
    n = win_size * win_size
    covariance_norm = n / (n - 1)

    def mean(a):
        return box_filter(a, win_size, mode="reflect")

    mu_x, mu_y = mean(x), mean(y)
    var_x = covariance_norm * (mean(x * x) - mu_x**2)
    var_y = covariance_norm * (mean(y * y) - mu_y**2)
    cov = covariance_norm * (mean(x * y) - mu_x * mu_y)
    c1, c2 = (0.01 * rng) ** 2, (0.03 * rng) ** 2
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    pad = (win_size - 1) // 2
    return float(round(index[pad:-pad, pad:-pad].mean(dtype=np.float64), 15))
