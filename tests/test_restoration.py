"""cvcourse.restoration against scikit-image, SciPy and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import skimage.metrics
import skimage.restoration
from cvcourse import restoration
from cvcourse.data import load_image
from scipy import ndimage as ndi
from skimage.restoration import uft
from skimage.restoration._denoise import _compute_color_lut, _compute_spatial_lut


def camera(crop=slice(None)):
    return load_image("camera")[crop, crop] / 255.0


# ----------------------------------------------------------------------- denoising


@pytest.mark.parametrize("size", [1, 3, 4, 5, (3, 7)])
@pytest.mark.parametrize("noise", [None, 0.0, 0.01])
def test_wiener_filter_equals_scipy(size, noise):
    rng = np.random.default_rng(0)
    for image in (camera(slice(100, 228)), rng.random((17, 30)), np.full((6, 6), 0.5)):
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = scipy.signal.wiener(image, size, noise)
        got = restoration.wiener_filter(image, size, noise)
        # scipy returns NaN (0 / 0) where a window is flat and the noise is 0; there
        # the local mean is the answer, and it is what we return
        finite = np.isfinite(expected)
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-9)
        flat = ~finite
        np.testing.assert_allclose(got[flat], ndi.uniform_filter(image, size, mode="constant")[flat],
                                   atol=1e-9)


def _brute_bilateral(image, sigma_spatial, sigma_color, win_size):
    """Per-pixel definition, for small images: loops over every pixel and offset."""
    img = image[..., None] if image.ndim == 2 else image
    half = win_size // 2
    out = np.zeros_like(img)
    rows, cols = img.shape[:2]
    for r in range(rows):
        for c in range(cols):
            total, norm = 0.0, 0.0
            for dr in range(-half, half + 1):
                for dc in range(-half, half + 1):
                    rr, cc = r + dr, c + dc
                    value = img[rr, cc] if 0 <= rr < rows and 0 <= cc < cols else np.zeros(img.shape[2])
                    weight = (np.exp(-(dr * dr + dc * dc) / (2 * sigma_spatial**2))
                              * np.exp(-((value - img[r, c]) ** 2).sum() / (2 * sigma_color**2)))
                    total = total + weight * value
                    norm += weight
            out[r, c] = total / norm
    return out if image.ndim == 3 else out[..., 0]


@pytest.mark.parametrize("shape", [(9, 11), (1, 1), (6, 5, 3)])
def test_bilateral_filter_equals_its_definition(shape):
    image = np.random.default_rng(1).random(shape)
    got = restoration.bilateral_filter(image, 1.2, 0.2, win_size=5)
    np.testing.assert_allclose(got, _brute_bilateral(image, 1.2, 0.2, 5), rtol=1e-12)


def _skimage_tables_bilateral(image, sigma_spatial, sigma_color, win_size, bins=10000):
    """Our bilateral loop with scikit-image's two look-up tables: the value weight
    quantised into ``bins`` steps, and the spatial table it builds on a grid one sample
    wider than the window and reads as if it were win_size x win_size."""
    img = image[..., None] if image.ndim == 2 else image
    color_lut = _compute_color_lut(bins, sigma_color, img.max())
    spatial_lut = _compute_spatial_lut(win_size, sigma_spatial)
    half = win_size // 2
    padded = np.pad(img, ((half, half), (half, half), (0, 0)))
    total, norm = np.zeros_like(img), np.zeros(img.shape[:2])
    for kr in range(win_size):
        for kc in range(win_size):
            shifted = padded[kr:kr + img.shape[0], kc:kc + img.shape[1]]
            distance = np.sqrt(((shifted - img) ** 2).sum(-1))
            index = np.minimum((distance * (bins / img.shape[2] / img.max())).astype(int), bins - 1)
            weight = spatial_lut[kr * win_size + kc] * color_lut[index]
            total += weight[..., None] * shifted
            norm += weight
    out = total / norm[..., None]
    return out if image.ndim == 3 else out[..., 0]


@pytest.mark.parametrize("sigma_spatial, sigma_color", [(1.0, 0.1), (2.0, 0.1), (3.0, 0.2)])
def test_bilateral_filter_is_close_to_skimage_and_the_gap_is_its_tables(sigma_spatial, sigma_color):
    rng = np.random.default_rng(0)
    image = np.clip(camera(slice(0, 160)) + rng.normal(0, 0.08, (160, 160)), 0, 1)
    expected = skimage.restoration.denoise_bilateral(image, sigma_color=sigma_color,
                                                     sigma_spatial=sigma_spatial)
    got = restoration.bilateral_filter(image, sigma_spatial, sigma_color)
    gap = np.abs(got - expected)
    print(f"bilateral vs skimage (sigma_s {sigma_spatial}, sigma_c {sigma_color}): "
          f"mean |diff| {gap.mean():.4f}, max {gap.max():.3f}, "
          f"PSNR between them {restoration.psnr(expected, got):.1f} dB")
    assert gap.mean() < 0.03 and restoration.psnr(expected, got) > 28
    # with scikit-image's two tables the same loop reproduces it exactly
    win_size = max(5, 2 * int(np.ceil(3 * sigma_spatial)) + 1)
    replica = _skimage_tables_bilateral(image, sigma_spatial, sigma_color, win_size)
    np.testing.assert_allclose(replica, expected, rtol=0, atol=1e-12)


def test_bilateral_filter_keeps_edges_that_a_gaussian_blurs():
    rng = np.random.default_rng(2)
    step = np.zeros((40, 40))
    step[:, 20:] = 1
    noisy = step + rng.normal(0, 0.05, step.shape)
    bilateral = restoration.bilateral_filter(noisy, 2.0, 0.2, mode="edge")
    gaussian = ndi.gaussian_filter(noisy, 2.0)
    assert np.abs(bilateral - step).mean() < 0.5 * np.abs(gaussian - step).mean()


# ---------------------------------------------------------------------- PSFs and blur


def test_psfs_are_normalised_centred_and_shaped():
    for psf in (restoration.gaussian_psf(7, 1.5), restoration.disk_psf(3.2),
                restoration.motion_psf(9, 30), restoration.motion_psf(4.5, -75, size=9)):
        assert psf.shape[0] % 2 == 1 and np.isclose(psf.sum(), 1) and (psf >= 0).all()
        rows, cols = np.indices(psf.shape)
        centre = psf.shape[0] // 2
        assert abs((rows * psf).sum() - centre) < 0.3 and abs((cols * psf).sum() - centre) < 0.3
    np.testing.assert_allclose(restoration.gaussian_psf(9, 1.0),
                               np.outer(*[scipy.signal.windows.gaussian(9, 1.0)] * 2)
                               / np.outer(*[scipy.signal.windows.gaussian(9, 1.0)] * 2).sum())
    np.testing.assert_allclose(restoration.motion_psf(5, 90), restoration.motion_psf(5, 0).T)
    assert np.isclose(restoration.disk_psf(4.0).astype(bool).sum(), np.pi * 4.5**2, rtol=0.15)


@pytest.mark.parametrize("shape", [(3, 3), (5, 7), (4, 6), (1, 1)])
def test_psf_to_otf_equals_skimage_ir2tf(shape):
    psf = np.random.default_rng(3).random(shape) + 0.1
    np.testing.assert_allclose(restoration.psf_to_otf(psf, (16, 20)),
                               uft.ir2tf(psf, (16, 20), is_real=False), atol=1e-12)


@pytest.mark.parametrize("mode", ["wrap", "reflect", "constant", "nearest", "mirror"])
def test_blur_equals_ndimage_convolve(mode):
    image = camera(slice(0, 64))
    psf = np.random.default_rng(4).random((5, 7))
    psf /= psf.sum()
    np.testing.assert_allclose(restoration.blur(image, psf, mode=mode),
                               ndi.convolve(image, psf, mode=mode), atol=1e-12)


def test_blur_is_a_product_in_frequency():
    image = camera(slice(0, 64))
    psf = restoration.motion_psf(7, 20)
    product = np.fft.fft2(image) * restoration.psf_to_otf(psf, image.shape)
    np.testing.assert_allclose(np.fft.fft2(restoration.blur(image, psf)), product, atol=1e-9)


# ------------------------------------------------------------------- deconvolution


def test_inverse_filter_is_exact_without_noise_and_explodes_with_it():
    image = camera(slice(100, 228))
    psf = restoration.gaussian_psf(9, 1.0)
    blurred = restoration.blur(image, psf)
    np.testing.assert_allclose(restoration.inverse_filter(blurred, psf), image, atol=1e-8)
    noisy = blurred + np.random.default_rng(5).normal(0, 1e-3, image.shape)
    exploded = np.abs(restoration.inverse_filter(noisy, psf) - image).max()
    cut = np.abs(restoration.inverse_filter(noisy, psf, cutoff=0.05) - image).max()
    assert exploded > 100 * 1e-3 and cut < 0.5 * exploded


@pytest.mark.parametrize("nsr", [0.0, 1e-4, 1e-2, 1.0])
@pytest.mark.parametrize("clip", [True, False])
def test_wiener_and_regularised_deconvolution_equal_skimage_wiener(nsr, clip):
    image = camera(slice(0, 96))
    for psf in (restoration.gaussian_psf(7, 1.5), restoration.motion_psf(9, 30),
                np.random.default_rng(6).random((4, 6))):
        psf = psf / psf.sum()
        blurred = restoration.blur(image, psf) + np.random.default_rng(7).normal(0, 0.01, image.shape)
        if nsr == 0 and psf.shape == (4, 6):
            continue  # no regularisation and a transfer function with zeros: 0/0
        expected = skimage.restoration.wiener(blurred, psf, nsr, reg=np.ones((1, 1)), clip=clip)
        np.testing.assert_allclose(restoration.wiener_deconvolve(blurred, psf, nsr, clip=clip),
                                   expected, atol=1e-10)
        if nsr > 0:
            expected = skimage.restoration.wiener(blurred, psf, nsr, clip=clip)
            np.testing.assert_allclose(
                restoration.regularized_deconvolve(blurred, psf, nsr, clip=clip), expected, atol=1e-10)
            # scikit-image keeps only the real part of the operator's transfer function,
            # so the two agree for symmetric operators (real transfer functions)
            operator = np.array([[-1.0, 2.0, -1.0]])
            expected = skimage.restoration.wiener(blurred, psf, nsr, reg=operator, clip=clip)
            np.testing.assert_allclose(
                restoration.regularized_deconvolve(blurred, psf, nsr, operator=operator, clip=clip),
                expected, atol=1e-10)


@pytest.mark.parametrize("num_iter", [1, 5, 30])
@pytest.mark.parametrize("psf_shape", [(5, 5), (4, 6), (1, 1)])
def test_richardson_lucy_equals_skimage(num_iter, psf_shape):
    rng = np.random.default_rng(8)
    image = camera(slice(0, 100))
    psf = rng.random(psf_shape)
    psf /= psf.sum()
    blurred = np.clip(restoration.blur(image, psf, mode="reflect") if psf_shape[0] % 2 else
                      ndi.convolve(image, psf), 0, None)
    for clip in (True, False):
        for filter_epsilon in (None, 1e-3):
            expected = skimage.restoration.richardson_lucy(blurred, psf, num_iter, clip=clip,
                                                           filter_epsilon=filter_epsilon)
            got = restoration.richardson_lucy(blurred, psf, num_iter, clip=clip,
                                              filter_epsilon=filter_epsilon)
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-8)
    # float32 stays float32; scikit-image also transforms the PSF in single precision,
    # so the two drift apart as iterations amplify rounding: compare after a few
    single = blurred.astype(np.float32)
    expected = skimage.restoration.richardson_lucy(single, psf.astype(np.float32), 3)
    got = restoration.richardson_lucy(single, psf.astype(np.float32), 3)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)


def test_deconvolution_improves_psnr_over_the_blurred_image():
    image = camera(slice(100, 356))
    psf = restoration.gaussian_psf(9, 1.5)
    blurred = restoration.blur(image, psf) + np.random.default_rng(9).normal(0, 0.01, image.shape)
    before = restoration.psnr(image, np.clip(blurred, 0, 1))
    for restored in (restoration.wiener_deconvolve(blurred, psf, 1e-2),
                     restoration.regularized_deconvolve(blurred, psf, 1e-2)):
        assert restoration.psnr(image, np.clip(restored, 0, 1)) > before + 1
    # Richardson-Lucy assumes zeros beyond the border, so judge it inside
    restored = restoration.richardson_lucy(np.clip(blurred, 0, 1), psf, 20)
    inner = (slice(10, -10),) * 2
    assert (restoration.psnr(image[inner], restored[inner])
            > restoration.psnr(image[inner], np.clip(blurred, 0, 1)[inner]) + 1)


def test_blind_deconvolution_recovers_a_motion_blur():
    image = camera(slice(0, 512))[64:320, 128:384]
    truth = restoration.motion_psf(15, 30, size=21)
    blurred = np.clip(restoration.blur(image, truth)
                      + np.random.default_rng(0).normal(0, 0.005, image.shape), 0, 1)
    restored, psf = restoration.blind_deconvolve(blurred, 21)
    correlation = restoration.psf_correlation(psf, truth, max_shift=2)
    before = restoration.psnr(image, blurred)
    after = restoration.psnr(image, np.clip(restored, 0, 1))
    start = restoration.psf_correlation(restoration.gaussian_psf(21, 2.0), truth, max_shift=2)
    print(f"blind: PSF correlation {correlation:.3f} (a round guess gets {start:.3f}); "
          f"PSNR {before:.2f} -> {after:.2f} dB")
    assert correlation >= 0.9
    assert after > before + 3


def test_psf_correlation():
    psf = restoration.motion_psf(7, 0, size=9)
    assert restoration.psf_correlation(psf, psf) == 1.0
    shifted = np.roll(psf, 1, axis=0)
    assert restoration.psf_correlation(shifted, psf) < 0.1
    assert restoration.psf_correlation(shifted, psf, max_shift=1) == 1.0


# ------------------------------------------------------------------------- metrics


def test_psnr_and_ssim_equal_skimage():
    rng = np.random.default_rng(10)
    reference = camera()
    noisy = np.clip(reference + rng.normal(0, 0.05, reference.shape), 0, 1)
    pairs = [(reference, noisy, 1.0), ((reference * 255).astype(np.uint8),
                                       (noisy * 255).astype(np.uint8), None)]
    for ref, test, data_range in pairs:
        assert np.isclose(restoration.psnr(ref, test, data_range=data_range),
                          skimage.metrics.peak_signal_noise_ratio(ref, test, data_range=data_range),
                          rtol=1e-12)
        for win_size in (3, 7, 11):
            assert np.isclose(
                restoration.ssim(ref, test, data_range=data_range, win_size=win_size),
                skimage.metrics.structural_similarity(ref, test, data_range=data_range,
                                                      win_size=win_size), rtol=1e-9)
    assert restoration.psnr(reference, reference) == np.inf
    assert restoration.ssim(reference, reference) == 1.0
    tiny = rng.random((7, 7))
    assert np.isclose(restoration.ssim(tiny, tiny**2),
                      skimage.metrics.structural_similarity(tiny, tiny**2, data_range=1), rtol=1e-9)


BAD_CALLS = [
    (lambda: restoration.blur(np.zeros((4, 4)), np.ones((5, 5))), ValueError, "larger than the image"),
    (lambda: restoration.blur(np.zeros((8, 8)), np.array([[1.0, -1.0]])), ValueError, "sums to"),
    (lambda: restoration.richardson_lucy(np.zeros((8, 8)), np.zeros((3, 3))), ValueError, "sums to"),
    (lambda: restoration.richardson_lucy(np.zeros((8, 8)), np.array([[2.0, -1.0]])), ValueError, "non-negative"),
    (lambda: restoration.richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), 0), ValueError, "num_iter"),
    (lambda: restoration.richardson_lucy(np.full((8, 8), np.nan), np.ones((3, 3))), ValueError, "NaN"),
    (lambda: restoration.wiener_deconvolve(np.zeros((8, 8)), np.ones((3, 3)), -1), ValueError, "nsr"),
    (lambda: restoration.wiener_deconvolve(np.zeros((8, 8, 3)), np.ones((3, 3)), 0.1), ValueError, "colour"),
    (lambda: restoration.wiener_deconvolve(np.zeros((8, 8)), np.ones(3), 0.1), ValueError, "2-D"),
    (lambda: restoration.wiener_deconvolve(np.zeros((8, 8)), np.array([[np.nan]]), 0.1), ValueError, "NaN"),
    (lambda: restoration.regularized_deconvolve(np.zeros((8, 8)), np.ones((3, 3)), 0.1,
                                                operator=np.ones((9, 9))), ValueError, "larger"),
    (lambda: restoration.inverse_filter(np.zeros((8, 8)), np.ones((3, 3)), cutoff=-1), ValueError, "cutoff"),
    (lambda: restoration.gaussian_psf(4, 1.0), ValueError, "odd"),
    (lambda: restoration.gaussian_psf(5, 0), ValueError, "sigma"),
    (lambda: restoration.motion_psf(0.5), ValueError, "length"),
    (lambda: restoration.disk_psf(0.1), ValueError, "radius"),
    (lambda: restoration.bilateral_filter(np.zeros((8, 8)), 0), ValueError, "sigma_spatial"),
    (lambda: restoration.bilateral_filter(np.zeros((8, 8)), 1, 0.1, win_size=4), ValueError, "odd"),
    (lambda: restoration.bilateral_filter(np.zeros((8, 8, 4)), 1, 0.1), ValueError, "3 channels"),
    (lambda: restoration.bilateral_filter(np.zeros((8, 8)), 1, 0.1, mode="nearest"), ValueError, "mode"),
    (lambda: restoration.wiener_filter(np.zeros((8, 8)), 0), ValueError, "size"),
    (lambda: restoration.wiener_filter(np.zeros((8, 8)), 3, -1.0), ValueError, "noise"),
    (lambda: restoration.blind_deconvolve(np.zeros((8, 8)), 9), ValueError, "larger than the image"),
    (lambda: restoration.blind_deconvolve(np.zeros((32, 32)), 8), ValueError, "odd"),
    (lambda: restoration.psnr(np.zeros((4, 4)), np.zeros((4, 5))), ValueError, "same shape"),
    (lambda: restoration.ssim(np.zeros((4, 4)), np.zeros((4, 4))), ValueError, "win_size"),
    (lambda: restoration.ssim(np.zeros((9, 9)), np.zeros((9, 9)), win_size=4), ValueError, "odd"),
    (lambda: restoration.psnr(np.zeros((4, 4)), np.zeros((4, 4)), data_range=0), ValueError, "data_range"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
