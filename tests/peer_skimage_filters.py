"""scikit-image's own test cases for Sobel, Prewitt, Gaussian, median and Canny.

Sources: scikit-image, tests/skimage/filters/test_edges.py (sobel*, prewitt*, test_range,
test_int_rescaling), tests/skimage/filters/test_gaussian.py, tests/skimage/filters/
test_median.py and tests/skimage/feature/test_canny.py. The inputs, settings and expected
outcomes are scikit-image's; the code is ours. Options the course does not offer are
skipped with the reason.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage
from scipy import ndimage as ndi

from cvcourse import filters

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
RESULT_DTYPE = {np.float16: np.float32, np.float32: np.float32, np.float64: np.float64}
ROWS, COLS = np.mgrid[-5:6, -5:6]  # an 11x11 grid centred on 0, as in test_edges.py
MAGNITUDES = {"sobel": filters.sobel, "prewitt": filters.prewitt}
DERIVATIVES = {"sobel": (filters.sobel_h, filters.sobel_v), "prewitt": (filters.prewitt_h, filters.prewitt_v)}


# --- Sobel and Prewitt (test_edges.py) ------------------------------------------------


@pytest.mark.parametrize("name", list(MAGNITUDES))
def test_zeros(name):
    result = MAGNITUDES[name](np.zeros((10, 10)), np.ones((10, 10), bool))
    assert np.all(result == 0)
    for derivative in DERIVATIVES[name]:
        assert np.all(derivative(np.zeros((10, 10))) == 0)


@pytest.mark.parametrize("name, seed", [("sobel", 1717786399), ("prewitt", 3951122653)])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_mask(name, seed, dtype):
    image = np.random.RandomState(seed).uniform(size=(10, 10)).astype(dtype)
    result = MAGNITUDES[name](image, np.zeros((10, 10), dtype=bool))
    assert result.dtype == RESULT_DTYPE[dtype]
    np.testing.assert_allclose(result, 0)


@pytest.mark.skip(reason="sobel_h/v and prewitt_h/v take no mask in the course "
                         "(test_*_h_mask, test_*_v_mask, test_horizontal/vertical_mask_line)")
def test_directional_masks():
    pass


def test_sobel_constant_cval():
    image = np.full((4, 4), 42.0)
    assert np.any(filters.sobel(image, mode="constant") != 0)  # zeros beyond the border
    assert np.all(filters.sobel(image, mode="constant", cval=42.0) == 0)


@pytest.mark.parametrize("name", list(MAGNITUDES))
def test_horizontal_edge(name):
    result = MAGNITUDES[name]((ROWS >= 0).astype(float)) * np.sqrt(2)
    np.testing.assert_allclose(result[ROWS == 0], 1)
    np.testing.assert_allclose(result[np.abs(ROWS) > 1], 0, atol=1e-10)


@pytest.mark.parametrize("name", list(MAGNITUDES))
def test_vertical_edge(name):
    result = MAGNITUDES[name]((COLS >= 0).astype(float)) * np.sqrt(2)
    np.testing.assert_allclose(result[COLS == 0], 1)
    np.testing.assert_allclose(result[np.abs(COLS) > 1], 0, atol=1e-10)


@pytest.mark.parametrize("name", list(DERIVATIVES))
def test_h_and_v_on_horizontal_and_vertical_edges(name):
    across_rows, across_cols = DERIVATIVES[name]
    horizontal, vertical = (ROWS >= 0).astype(float), (COLS >= 0).astype(float)
    result = across_rows(horizontal)  # test_*_h_horizontal
    assert np.all(result[ROWS == 0] == 1) and np.all(result[np.abs(ROWS) > 1] == 0)
    np.testing.assert_allclose(across_rows(vertical * np.sqrt(2)), 0, atol=1e-10)  # *_h_vertical
    result = across_cols(vertical)  # test_*_v_vertical
    assert np.all(result[COLS == 0] == 1) and np.all(result[np.abs(COLS) > 1] == 0)
    np.testing.assert_allclose(across_cols(horizontal), 0, atol=1e-10)  # *_v_horizontal


@pytest.mark.parametrize("name", list(MAGNITUDES))
def test_int_rescaling(name):
    assert MAGNITUDES[name](skimage.data.coins()[:128, :128]).max() <= 2.0  # uint8 read as [0, 1]


@pytest.mark.parametrize("name", list(MAGNITUDES))
def test_range(name):
    result = MAGNITUDES[name](np.random.RandomState(1000786091).random((100, 100)))
    assert result.min() >= 0 and result.max() <= 1


@pytest.mark.skip(reason="the course's filters are 2-D (test_3d_edge_filters*)")
def test_3d_edge_filters():
    pass


# --- Gaussian (test_gaussian.py) ------------------------------------------------------


def centre_pixel():
    image = np.zeros((3, 3))
    image[1, 1] = 1.0
    return image


def test_negative_sigma():
    with pytest.raises(ValueError):
        filters.gaussian_blur(centre_pixel(), sigma=-1.0)


@pytest.mark.skip(reason="sigma must be > 0 (sigma=0 is refused) and has no default; "
                         "a per-axis sigma is not offered (test_null_sigma, test_default_sigma)")
def test_null_and_default_sigma():
    pass


@pytest.mark.parametrize("dtype, expected", [(np.uint8, np.float64), (np.float16, np.float32),
                                             (np.float32, np.float32), (np.float64, np.float64)])
def test_image_dtype(dtype, expected):
    assert filters.gaussian_blur(np.zeros((3, 3), dtype=dtype), 1.0).dtype == expected


@pytest.mark.skip(reason="int32 images are refused: the course reads uint8, bool and float images")
def test_image_dtype_int32():
    pass


def test_energy_decrease():
    image = centre_pixel()
    assert filters.gaussian_blur(image, 1.0, mode="reflect").std() < image.std()


@pytest.mark.skip(reason="grayscale only: no channel_axis, 1-D or 4-D input, out= or preserve_range")
def test_multichannel_1d_4d_out_preserve_range():
    pass


# --- Median (test_median.py) -----------------------------------------------------------


MEDIAN_IMAGE = np.array([[1, 2, 3, 2, 1], [1, 1, 2, 2, 3], [3, 2, 1, 2, 1], [3, 2, 1, 1, 1],
                         [1, 2, 1, 2, 3]], dtype=np.uint8)


def test_median_behavior():
    np.testing.assert_allclose(filters.median_filter(MEDIAN_IMAGE, 3, mode="nearest"),
                               ndi.median_filter(MEDIAN_IMAGE, size=(3, 3)))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_median_preserve_dtype(dtype):
    assert filters.median_filter(MEDIAN_IMAGE.astype(dtype), 3).dtype == dtype


def test_median_error_ndim():
    image = np.random.RandomState(4014147376).randint(0, 10, size=(5, 5, 5, 5), dtype=np.uint8)
    with pytest.raises(ValueError):
        filters.median_filter(image)


@pytest.mark.parametrize("seed", [2461803925, 1445049995])
def test_median_runs(seed):
    image = np.random.RandomState(seed).randint(0, 10, size=(3, 3), dtype=np.uint8)
    np.testing.assert_array_equal(filters.median_filter(image, 3, mode="nearest"),
                                  skimage.filters.median(image, np.ones((3, 3), bool)))


# --- Canny (test_canny.py) ------------------------------------------------------------


def ring():
    """A ring of radius 100 and width 8 in a 400x400 image (test_01_01_circle)."""
    i, j = np.mgrid[-200:200, -200:200].astype(float) / 200
    return np.abs(np.sqrt(i * i + j * j) - 0.5) < 0.02


def check_on_the_ring(ring_mask, edges, margin):
    outline = ndi.binary_dilation(ring_mask, iterations=margin) & ~ndi.binary_erosion(
        ring_mask, iterations=margin)
    assert np.all(outline[edges])
    assert 1200 < edges.sum() < 1600


def test_00_00_zeros():
    assert not filters.canny(np.zeros((20, 20)), 4, 0, 0, np.ones((20, 20), bool)).any()


def test_00_01_zeros_mask():
    image = np.random.RandomState(2139740291).uniform(size=(20, 20))
    assert not filters.canny(image, 4, 0, 0, np.zeros((20, 20), bool)).any()


def test_01_01_circle():
    circle = ring()
    edges = filters.canny(circle.astype(float), 4, 0, 0, np.ones(circle.shape, bool))
    check_on_the_ring(circle, edges, margin=3)


def test_01_02_circle_with_noise():
    circle = ring()
    noisy = circle * 0.5 + np.random.RandomState(577080885).uniform(size=circle.shape) * 0.5
    edges = filters.canny(noisy, 4, 0.1, 0.2, np.ones(circle.shape, bool))
    check_on_the_ring(circle, edges, margin=4)


def test_image_shape():
    with pytest.raises(ValueError):
        filters.canny(np.zeros((20, 20, 20)), 4, 0, 0)


def test_mask_none():
    with_mask = filters.canny(np.zeros((20, 20)), 4, 0, 0, np.ones((20, 20), bool))
    np.testing.assert_array_equal(with_mask, filters.canny(np.zeros((20, 20)), 4, 0, 0))


@pytest.mark.skip(reason="no use_quantiles option (test_use_quantiles, test_invalid_use_quantiles)")
def test_use_quantiles():
    pass


def test_img_all_ones():
    assert not filters.canny(np.ones((10, 10))).any()


def test_dtype():
    camera = skimage.data.camera()
    as_float = skimage.util.img_as_float(camera)
    np.testing.assert_array_equal(filters.canny(camera), filters.canny(as_float))
    np.testing.assert_array_equal(filters.canny(as_float, 1.0, 0.1, 0.2),
                                  filters.canny(camera, 1.0, 255 * 0.1, 255 * 0.2))


@pytest.mark.parametrize("mode", ["constant", "nearest", "reflect"])
def test_full_mask_matches_no_mask(mode):
    camera = skimage.data.camera()
    np.testing.assert_array_equal(filters.canny(camera, mode=mode),
                                  filters.canny(camera, mode=mode, mask=np.ones_like(camera, dtype=bool)))


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_unsupported_int64(dtype):
    image = np.zeros((10, 10), dtype=dtype)
    image[3, 3] = np.iinfo(dtype).max
    with pytest.raises((TypeError, ValueError)):
        filters.canny(image)


# The cases of the issue that found the bug (issue 19): zero and equal thresholds, masks,
# blank and constant images, each equal to scikit-image's own answer.
ZERO_THRESHOLD_IMAGES = {
    "blank": np.zeros((20, 20)),
    "constant 0.7": np.full((20, 20), 0.7),
    "random": np.random.RandomState(2139740291).uniform(size=(20, 20)),
    "ring": ring().astype(float),
}


@pytest.mark.parametrize("name", list(ZERO_THRESHOLD_IMAGES))
@pytest.mark.parametrize("low, high", [(0, 0), (0, 0.2), (0.1, 0.1)])
@pytest.mark.parametrize("mask_kind", ["none", "all", "nothing", "half"])
def test_thresholds_and_masks_equal_skimage(name, low, high, mask_kind):
    image = ZERO_THRESHOLD_IMAGES[name]
    masks = {"none": None, "all": np.ones(image.shape, bool), "nothing": np.zeros(image.shape, bool),
             "half": np.arange(image.shape[1]) < image.shape[1] // 2 + np.zeros(image.shape, bool)}
    mask = masks[mask_kind]
    np.testing.assert_array_equal(filters.canny(image, 4, low, high, mask),
                                  skimage.feature.canny(image, 4, low, high, mask))
