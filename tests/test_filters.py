"""cvcourse.filters against scipy.ndimage and scikit-image, on random images and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.color
import skimage.feature
import skimage.filters
import skimage.util
from cvcourse import filters
from cvcourse.data import load_image
from skimage.feature._canny_cy import _nonmaximum_suppression_bilinear

MODES = filters.BORDER_MODES
SHAPES = [(1, 1), (1, 7), (6, 1), (2, 3), (17, 23), (40, 31)]
KERNEL_SHAPES = [(1, 1), (3, 3), (2, 2), (4, 5), (5, 2), (1, 6), (9, 9), (11, 3)]
TOL = 1e-10


def random_image(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def max_error(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


# --------------------------------------------------------------------------------------
# Borders, correlation, convolution
# --------------------------------------------------------------------------------------

NUMPY_PAD_NAMES = {"reflect": "symmetric", "mirror": "reflect", "nearest": "edge",
                   "wrap": "wrap", "constant": "constant"}


@pytest.mark.parametrize("mode", MODES)
def test_pad_matches_numpy_pad_under_its_names(mode):
    image = random_image((5, 7))
    widths = ((2, 3), (4, 1))
    options = {"constant_values": 0.25} if mode == "constant" else {}
    expected = np.pad(image, widths, mode=NUMPY_PAD_NAMES[mode], **options)
    np.testing.assert_array_equal(filters.pad(image, widths, mode, cval=0.25), expected)


def test_pad_keeps_dtype_and_accepts_one_width():
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    padded = filters.pad(image, 1, "nearest")
    assert padded.dtype == np.uint8 and padded.shape == (4, 5)
    np.testing.assert_array_equal(padded[0], [0, 0, 1, 2, 2])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_correlate2d_and_convolve2d_match_scipy(mode, shape):
    image = random_image(shape, seed=shape[0] * 100 + shape[1])
    rng = np.random.default_rng(7)
    for kernel_shape in KERNEL_SHAPES:  # odd, even, non-square, larger than the image
        kernel = rng.normal(size=kernel_shape)
        expected = ndi.correlate(image, kernel, mode=mode, cval=0.3)
        assert max_error(filters.correlate2d(image, kernel, mode, cval=0.3), expected) <= TOL
        expected = ndi.convolve(image, kernel, mode=mode, cval=0.3)
        assert max_error(filters.convolve2d(image, kernel, mode, cval=0.3), expected) <= TOL


def test_correlate2d_on_uint8_int_and_float32():
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(3, 4))
    image8 = rng.integers(0, 256, (20, 25), dtype=np.uint8)
    got = filters.correlate2d(image8, kernel)
    assert got.dtype == np.float64  # values as they are, 0-255
    assert max_error(got, ndi.correlate(image8.astype(float), kernel)) <= TOL
    image_int = rng.integers(-50, 50, (9, 8))
    assert max_error(filters.convolve2d(image_int, kernel), ndi.convolve(image_int.astype(float), kernel)) <= TOL
    image32 = rng.random((12, 10)).astype(np.float32)
    got32 = filters.correlate2d(image32, kernel, "wrap")
    assert got32.dtype == np.float32
    np.testing.assert_array_equal(got32, ndi.correlate(image32, kernel, mode="wrap"))


def test_convolution_is_correlation_with_the_flipped_kernel():
    image = random_image((15, 12))
    kernel = np.random.default_rng(1).normal(size=(3, 5))  # odd sizes: the same centre
    np.testing.assert_allclose(filters.convolve2d(image, kernel),
                               filters.correlate2d(image, kernel[::-1, ::-1]), rtol=0, atol=1e-14)


def test_correlating_a_single_bright_pixel_draws_the_flipped_kernel():
    image = np.zeros((5, 5))
    image[2, 2] = 1
    kernel = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(filters.correlate2d(image, kernel, "constant")[1:4, 1:4], kernel[::-1, ::-1])
    np.testing.assert_array_equal(filters.convolve2d(image, kernel, "constant")[1:4, 1:4], kernel)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_correlate1d_matches_scipy(mode, axis):
    image = random_image((13, 11), seed=5)
    for weights in ([1, 2, 1], [-1, 0, 1], [0.2, 0.5, 0.1, 0.7], [3.0], [1, 2, 3, 4, 5, 6, 7]):
        expected = ndi.correlate1d(image, weights, axis=axis, mode=mode, cval=-0.5)
        assert max_error(filters.correlate1d(image, weights, axis, mode, cval=-0.5), expected) <= TOL


# --------------------------------------------------------------------------------------
# Gaussian and box blur
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5, 4.0])
@pytest.mark.parametrize("truncate", [1.5, 4.0])
def test_gaussian_kernel_is_scipys_impulse_response(sigma, truncate):
    kernel = filters.gaussian_kernel(sigma, truncate, ndim=1)
    radius = int(truncate * sigma + 0.5)
    assert kernel.shape == (2 * radius + 1,)
    impulse = np.zeros(2 * radius + 1)
    impulse[radius] = 1
    response = ndi.gaussian_filter1d(impulse, sigma, mode="constant", truncate=truncate)
    assert max_error(kernel, response) <= 1e-15
    kernel2 = filters.gaussian_kernel(sigma, truncate)
    assert kernel2.shape == (2 * radius + 1,) * 2
    assert abs(kernel2.sum() - 1) <= 1e-12
    np.testing.assert_allclose(kernel2, np.outer(kernel, kernel), rtol=0, atol=1e-17)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gaussian_blur_matches_scipy(mode, shape):
    image = random_image(shape, seed=11)
    for sigma, truncate in ((0.5, 4.0), (1.0, 4.0), (2.0, 2.5), (3.7, 4.0)):
        expected = ndi.gaussian_filter(image, sigma, mode=mode, cval=0.4, truncate=truncate)
        got = filters.gaussian_blur(image, sigma, mode, cval=0.4, truncate=truncate)
        assert max_error(got, expected) <= TOL


def test_gaussian_blur_reads_images_like_skimage():
    rng = np.random.default_rng(2)
    image8 = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    got = filters.gaussian_blur(image8, 1.5)
    assert got.dtype == np.float64 and got.max() <= 1
    assert max_error(got, skimage.filters.gaussian(image8, sigma=1.5, mode="reflect")) <= TOL
    image32 = rng.random((20, 20)).astype(np.float32)
    got32 = filters.gaussian_blur(image32, 2, mode="nearest")
    assert got32.dtype == np.float32
    np.testing.assert_array_equal(got32, skimage.filters.gaussian(image32, sigma=2, mode="nearest"))


def test_separable_blur_equals_the_2d_kernel():
    image = random_image((25, 30), seed=4)
    kernel = filters.gaussian_kernel(1.7)
    np.testing.assert_allclose(filters.gaussian_blur(image, 1.7), filters.correlate2d(image, kernel),
                               rtol=0, atol=1e-14)


def test_blurs_keep_a_constant_image():
    flat = np.full((9, 7), 0.3)
    for mode in ("reflect", "nearest", "mirror", "wrap"):
        np.testing.assert_allclose(filters.gaussian_blur(flat, 2, mode), 0.3, rtol=0, atol=1e-15)
        np.testing.assert_allclose(filters.box_blur(flat, 4, mode), 0.3, rtol=0, atol=1e-15)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, (2, 5), (5, 1)])
def test_box_blur_matches_scipy_uniform_filter(mode, size):
    image = random_image((19, 14), seed=6)
    expected = ndi.uniform_filter(image, size, mode=mode, cval=0.1)
    assert max_error(filters.box_blur(image, size, mode, cval=0.1), expected) <= TOL


# --------------------------------------------------------------------------------------
# Median, unsharp mask, noise
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, (2, 5), (3, 1)])
def test_median_filter_equals_scipy_exactly(mode, size):
    rng = np.random.default_rng(8)
    for image in (rng.random((17, 13)), rng.integers(0, 256, (9, 16), dtype=np.uint8),
                  rng.integers(0, 4, (6, 5)), rng.random((1, 1)), rng.random((2, 9))):
        got = filters.median_filter(image, size, mode, cval=0)
        expected = ndi.median_filter(image, size, mode=mode, cval=0)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_median_filter_removes_salt_and_pepper_from_a_flat_image():
    noisy = filters.add_noise(np.full((40, 40), 0.5), "salt_and_pepper", amount=0.05, seed=1)
    assert np.mean(filters.median_filter(noisy, 3) == 0.5) > 0.99


@pytest.mark.parametrize("amount", [0.0, 0.5, 1.0, 3.0, -0.5])
@pytest.mark.parametrize("sigma", [0.7, 2.0])
def test_unsharp_mask_matches_skimage(amount, sigma):
    rng = np.random.default_rng(9)
    for image in (rng.random((20, 24)), rng.integers(0, 256, (16, 16), dtype=np.uint8)):
        expected = skimage.filters.unsharp_mask(image, radius=sigma, amount=amount)
        assert max_error(filters.unsharp_mask(image, sigma, amount), expected) <= TOL


def test_unsharp_mask_without_clipping_is_the_formula():
    image = random_image((10, 12), seed=12)
    blurred = filters.gaussian_blur(image, 1.0)
    np.testing.assert_allclose(filters.unsharp_mask(image, 1.0, 2.0, clip=False),
                               image + 2.0 * (image - blurred), rtol=0, atol=1e-15)


@pytest.mark.parametrize("kind, options, skimage_mode, skimage_options", [
    ("gaussian", {"var": 0.02}, "gaussian", {"var": 0.02}),
    ("speckle", {"var": 0.05}, "speckle", {"var": 0.05}),
    ("salt_and_pepper", {"amount": 0.1}, "s&p", {"amount": 0.1}),
    ("salt_and_pepper", {"amount": 1.0}, "s&p", {"amount": 1.0}),
    ("salt_and_pepper", {"amount": 0.0}, "s&p", {"amount": 0.0}),
])
def test_add_noise_equals_skimage_random_noise_with_the_same_seed(kind, options, skimage_mode, skimage_options):
    rng = np.random.default_rng(10)
    for image in (rng.random((30, 20)), rng.integers(0, 256, (8, 9), dtype=np.uint8)):
        got = filters.add_noise(image, kind, seed=123, **options)
        expected = skimage.util.random_noise(image, skimage_mode, rng=123, **skimage_options)
        # uint8 -> float: x / 255 here, x * (1 / 255) in skimage; they differ in the last bit
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_add_noise_statistics_and_reproducibility():
    flat = np.full((200, 200), 0.5)
    noisy = filters.add_noise(flat, "gaussian", var=0.01, seed=0)
    assert abs(np.std(noisy - flat) - 0.1) < 0.005 and abs(np.mean(noisy - flat)) < 0.005
    salted = filters.add_noise(flat, "salt_and_pepper", amount=0.2, seed=0)
    hit = salted != 0.5
    assert abs(hit.mean() - 0.2) < 0.01 and abs((salted[hit] == 1).mean() - 0.5) < 0.03
    np.testing.assert_array_equal(noisy, filters.add_noise(flat, "gaussian", var=0.01, seed=0))
    assert not np.array_equal(noisy, filters.add_noise(flat, "gaussian", var=0.01, seed=1))


# --------------------------------------------------------------------------------------
# Sobel, Prewitt, gradients
# --------------------------------------------------------------------------------------

EDGE_PAIRS = [
    (filters.sobel, skimage.filters.sobel), (filters.prewitt, skimage.filters.prewitt),
    (filters.sobel_h, skimage.filters.sobel_h), (filters.sobel_v, skimage.filters.sobel_v),
    (filters.prewitt_h, skimage.filters.prewitt_h), (filters.prewitt_v, skimage.filters.prewitt_v),
]


@pytest.mark.parametrize("ours, theirs", EDGE_PAIRS, ids=lambda f: getattr(f, "__name__", ""))
def test_edge_filters_match_skimage(ours, theirs):
    rng = np.random.default_rng(13)
    for image in (rng.random((21, 18)), rng.integers(0, 256, (12, 30), dtype=np.uint8),
                  rng.random((1, 1)), rng.random((2, 5)), load_image("camera")[::4, ::4]):
        assert max_error(ours(image), theirs(image)) <= TOL


@pytest.mark.parametrize("mode", MODES)
def test_sobel_and_prewitt_modes_and_masks_match_skimage(mode):
    image = random_image((16, 19), seed=14)
    mask = np.zeros(image.shape, dtype=bool)
    mask[3:12, 2:15] = True
    for ours, theirs in ((filters.sobel, skimage.filters.sobel), (filters.prewitt, skimage.filters.prewitt)):
        assert max_error(ours(image, mode=mode, cval=0.2), theirs(image, mode=mode, cval=0.2)) <= TOL
        assert max_error(ours(image, mask, mode=mode), theirs(image, mask, mode=mode)) <= TOL


def test_float32_edges_stay_float32():
    image = random_image((10, 10)).astype(np.float32)
    got = filters.sobel(image)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, skimage.filters.sobel(image), rtol=0, atol=1e-6)


def test_gradient_magnitude_and_direction():
    image = random_image((15, 20), seed=15)
    for operator, theirs in (("sobel", skimage.filters), ("prewitt", None)):
        magnitude, direction = filters.gradient_magnitude_direction(image, operator)
        if operator == "sobel":
            gy, gx = theirs.sobel_h(image), theirs.sobel_v(image)
        else:
            gy, gx = skimage.filters.prewitt_h(image), skimage.filters.prewitt_v(image)
        assert max_error(magnitude, np.hypot(gx, gy)) <= TOL
        assert max_error(direction, np.arctan2(gy, gx)) <= 1e-9
    ramp_right = np.tile(np.arange(8.0) / 8, (6, 1))
    _, direction = filters.gradient_magnitude_direction(ramp_right)
    np.testing.assert_allclose(direction, 0, atol=1e-12)  # brighter to the right: angle 0
    _, direction = filters.gradient_magnitude_direction(ramp_right.T)
    np.testing.assert_allclose(direction, np.pi / 2, atol=1e-12)  # brighter downwards: +90 degrees


# --------------------------------------------------------------------------------------
# Canny
# --------------------------------------------------------------------------------------


def canny_images():
    astronaut = skimage.color.rgb2gray(load_image("astronaut"))
    square = np.zeros((64, 64))
    square[16:48, 20:44] = 1
    noisy_square = filters.add_noise(square, "gaussian", var=0.04, seed=3)
    return {
        "camera": load_image("camera"),
        "coins": load_image("coins"),
        "astronaut-gray": astronaut,
        "astronaut-gray-float32": astronaut.astype(np.float32),
        "checkerboard": load_image("checkerboard"),
        "noisy-square": noisy_square,
    }


CANNY_IMAGES = canny_images()
CANNY_SETTINGS = [  # sigma, low, high (in float units), mode
    (1.0, None, None, "constant"),
    (2.0, 0.05, 0.15, "constant"),
    (3.0, 0.02, 0.1, "reflect"),
    (1.4, 0.1, 0.3, "nearest"),
]


def f1_score(ours, theirs):
    both = np.sum(ours & theirs)
    total = ours.sum() + theirs.sum()
    return 1.0 if total == 0 else 2 * both / total


@pytest.mark.parametrize("name", list(CANNY_IMAGES))
def test_canny_equals_skimage(name):
    image = CANNY_IMAGES[name]
    scale = 255 if image.dtype == np.uint8 else 1
    for sigma, low, high, mode in CANNY_SETTINGS:
        low_t = None if low is None else low * scale
        high_t = None if high is None else high * scale
        ours = filters.canny(image, sigma, low_t, high_t, mode=mode)
        theirs = skimage.feature.canny(image, sigma, low_t, high_t, mode=mode)
        assert f1_score(ours, theirs) >= 0.98  # the floor; in practice the maps are identical
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{name}, sigma={sigma}, mode={mode}")


def test_canny_with_a_mask_equals_skimage():
    image = CANNY_IMAGES["camera"]
    mask = np.zeros(image.shape, dtype=bool)
    mask[40:400, 60:300] = True
    mask[200:260, 100:150] = False
    np.testing.assert_array_equal(filters.canny(image, 2.0, mask=mask),
                                  skimage.feature.canny(image, 2.0, mask=mask))


def test_canny_on_tiny_and_constant_images():
    for image in (np.zeros((1, 1)), np.ones((2, 2)), np.full((10, 10), 0.7), random_image((3, 3))):
        np.testing.assert_array_equal(filters.canny(image), skimage.feature.canny(image))


def test_canny_stages_match_skimage_internals():
    image = CANNY_IMAGES["coins"]
    smoothed = filters.canny_smooth(image, 2.0)  # mode "constant": corrected at the border
    float_image = skimage.util.img_as_float(image)
    expected = (skimage.filters.gaussian(float_image, sigma=2.0, mode="constant")
                / (skimage.filters.gaussian(np.ones(image.shape), sigma=2.0, mode="constant")
                   + np.finfo(float).eps))
    np.testing.assert_array_equal(smoothed, expected)

    gy, gx, magnitude = filters.canny_gradients(smoothed)
    np.testing.assert_array_equal(gy, ndi.sobel(smoothed, axis=0))
    np.testing.assert_array_equal(gx, ndi.sobel(smoothed, axis=1))
    np.testing.assert_array_equal(magnitude, np.sqrt(gy * gy + gx * gx))

    thin = filters.non_max_suppression(magnitude, gy, gx)
    interior = np.zeros(image.shape, dtype=np.uint8)
    interior[1:-1, 1:-1] = 1
    expected_thin = _nonmaximum_suppression_bilinear(gy, gx, magnitude, interior, 0)
    np.testing.assert_array_equal(thin, expected_thin)


def test_non_max_suppression_on_random_gradients_matches_skimage():
    rng = np.random.default_rng(16)
    gy, gx = rng.normal(size=(2, 30, 25))
    gy[rng.random(gy.shape) < 0.1] = 0  # zero components exercise the tie rules
    magnitude = np.sqrt(gy * gy + gx * gx)
    mask = rng.random(gy.shape) < 0.8
    expected = _nonmaximum_suppression_bilinear(gy, gx, magnitude, mask.astype(np.uint8), 0)
    expected[[0, -1], :] = expected[:, [0, -1]] = 0  # ours never keeps the border
    np.testing.assert_array_equal(filters.non_max_suppression(magnitude, gy, gx, mask), expected)


def test_non_max_suppression_reads_any_memory_layout():
    rng = np.random.default_rng(18)
    gy, gx = rng.normal(size=(2, 20, 30))
    magnitude = np.sqrt(gy * gy + gx * gx)
    expected = filters.non_max_suppression(magnitude, gy, gx)
    assert expected.any()
    fortran = [np.asfortranarray(a) for a in (magnitude, gy, gx)]  # e.g. a transposed image
    np.testing.assert_array_equal(filters.non_max_suppression(*fortran), expected)


def test_double_threshold_splits_at_the_thresholds():
    magnitude = np.array([[0.0, 0.05, 0.1, 0.15, 0.2, 0.25]])
    weak, strong = filters.double_threshold(magnitude, 0.1, 0.2)
    np.testing.assert_array_equal(weak, [[False, False, True, True, False, False]])
    np.testing.assert_array_equal(strong, [[False, False, False, False, True, True]])
    weak, strong = filters.double_threshold(magnitude, 0.0, 0.0)
    assert not weak.any() and np.array_equal(strong, magnitude > 0)  # 0 is suppressed


def test_hysteresis_equals_growing_edges_from_the_strong_pixels():
    rng = np.random.default_rng(17)
    for _ in range(5):
        values = ndi.gaussian_filter(rng.random((40, 50)), 1.5)
        low, high = np.quantile(values, [0.5, 0.9])
        strong = values >= high
        weak = (values >= low) & ~strong
        grown = ndi.binary_propagation(strong, structure=np.ones((3, 3)), mask=weak | strong)
        np.testing.assert_array_equal(filters.hysteresis(weak, strong), grown)


def test_hysteresis_uses_8_connectivity():
    weak = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 1]], dtype=bool)
    strong = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(filters.hysteresis(weak, strong), weak | strong)
    assert not filters.hysteresis(weak, np.zeros_like(strong)).any()


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bad_images_are_refused_clearly():
    kernel = np.ones((3, 3))
    with pytest.raises(ValueError, match="2-D"):
        filters.correlate2d(np.zeros((4, 4, 3)), kernel)
    with pytest.raises(ValueError, match="2-D"):
        filters.gaussian_blur(np.zeros(5), 1.0)
    with pytest.raises(ValueError, match="2-D"):
        filters.canny(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        filters.median_filter(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN"):
        filters.sobel(np.array([[np.inf, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="empty"):
        filters.correlate2d(np.zeros((0, 3)), kernel)
    with pytest.raises(TypeError, match="numbers"):
        filters.gaussian_blur(np.array([["a", "b"]]), 1.0)
    with pytest.raises(TypeError, match="uint8"):
        filters.sobel(np.zeros((4, 4), dtype=np.int16))
    with pytest.raises(TypeError):
        filters.correlate2d(None, kernel)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        filters.unsharp_mask(np.full((3, 3), 200.0))


def test_bad_kernels_and_parameters_are_refused_clearly():
    image = random_image((6, 6))
    with pytest.raises(ValueError, match="kernel must be 2-D"):
        filters.correlate2d(image, np.ones(3))
    with pytest.raises(ValueError, match="kernel must be 1-D"):
        filters.correlate1d(image, np.ones((3, 3)))
    with pytest.raises(ValueError, match="kernel"):
        filters.convolve2d(image, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="empty"):
        filters.convolve2d(image, np.ones((0, 3)))
    with pytest.raises(ValueError, match="mode"):
        filters.correlate2d(image, np.ones((3, 3)), mode="symmetric")
    with pytest.raises(ValueError, match="axis"):
        filters.correlate1d(image, [1, 2, 1], axis=2)
    for sigma in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="sigma"):
            filters.gaussian_blur(image, sigma)
    with pytest.raises(TypeError, match="sigma"):
        filters.gaussian_kernel("2")
    with pytest.raises(ValueError, match="truncate"):
        filters.gaussian_kernel(1.0, truncate=0)
    with pytest.raises(ValueError, match="ndim"):
        filters.gaussian_kernel(1.0, ndim=3)
    with pytest.raises(ValueError, match="size"):
        filters.median_filter(image, 0)
    with pytest.raises(TypeError, match="size"):
        filters.box_blur(image, 2.5)
    with pytest.raises(ValueError, match="size"):
        filters.median_filter(image, (3, 3, 3))
    with pytest.raises(ValueError, match="kind"):
        filters.add_noise(image, "poisson")
    with pytest.raises(ValueError, match="amount"):
        filters.add_noise(image, "salt_and_pepper", amount=1.5)
    with pytest.raises(ValueError, match="var"):
        filters.add_noise(image, "gaussian", var=-0.1)
    with pytest.raises(ValueError, match="width"):
        filters.pad(image, -1)


def test_bad_canny_input_is_refused_clearly():
    image = random_image((8, 8))
    with pytest.raises(ValueError, match="low_threshold must not exceed high_threshold"):
        filters.canny(image, 1.0, low_threshold=0.3, high_threshold=0.1)
    with pytest.raises(ValueError, match="low_threshold"):
        filters.canny(image, 1.0, low_threshold=-0.1)
    with pytest.raises(ValueError, match="sigma"):
        filters.canny(image, sigma=0)
    with pytest.raises(ValueError, match="mask must have the image's shape"):
        filters.canny(image, mask=np.ones((4, 4), dtype=bool))
    with pytest.raises(TypeError, match="boolean"):
        filters.canny(image, mask=np.ones((8, 8)))
    with pytest.raises(ValueError, match="low must not exceed high"):
        filters.double_threshold(image, 0.5, 0.2)
    with pytest.raises(ValueError, match="one shape"):
        filters.non_max_suppression(image, image, image[:4])
    with pytest.raises(ValueError, match="NaN"):
        filters.non_max_suppression(image, np.full((8, 8), np.nan), image)
    with pytest.raises(TypeError, match="boolean"):
        filters.hysteresis(image, image > 0.5)
    with pytest.raises(ValueError, match="one shape"):
        filters.hysteresis(image > 0.5, image[:3] > 0.5)
