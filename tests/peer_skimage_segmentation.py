"""scikit-image's own test cases for Otsu's threshold and the local threshold.

Source: scikit-image, tests/skimage/filters/test_thresholding.py (threshold_otsu,
threshold_local). The inputs, settings and expected outcomes are scikit-image's; the code
is ours. Options the course does not offer are skipped with the reason.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage
import skimage.filters

from cvcourse import segmentation

SIMPLE = np.array([[0, 0, 1, 3, 5], [0, 1, 4, 3, 4], [1, 2, 5, 4, 1], [2, 4, 5, 2, 1],
                   [4, 5, 1, 0, 0]], dtype=int)  # TestSimpleImage's image
LOCAL_REFERENCE = np.array([[False, False, False, False, True], [False, False, True, False, True],
                            [False, False, True, True, False], [False, True, True, False, False],
                            [True, True, False, False, False]])


# --- Otsu ------------------------------------------------------------------------------


def test_otsu():
    assert segmentation.otsu_threshold(SIMPLE) == 2


def test_otsu_negative_int():
    assert segmentation.otsu_threshold(SIMPLE - 2) == 0


def test_otsu_float_image():
    assert 2 <= segmentation.otsu_threshold(SIMPLE.astype(np.float64)) < 3


def test_otsu_camera_image():
    assert 101 < segmentation.otsu_threshold(skimage.util.img_as_ubyte(skimage.data.camera())) < 103


@pytest.mark.skip(reason="no hist= argument: the threshold is computed from an image "
                         "(test_otsu_camera_image_histogram, _counts, test_otsu_zero_count_histogram)")
def test_otsu_from_a_histogram():
    pass


def test_otsu_zero_count_histogram_image():
    # The image half of test_otsu_zero_count_histogram: [1, 2] must not give NaN.
    threshold = segmentation.otsu_threshold(np.array([[1, 2]]))
    assert threshold == skimage.filters.threshold_otsu(np.array([1, 2]))


def test_otsu_coins_image():
    assert 106 < segmentation.otsu_threshold(skimage.util.img_as_ubyte(skimage.data.coins())) < 108


def test_otsu_coins_image_as_float():
    assert 0.41 < segmentation.otsu_threshold(skimage.util.img_as_float(skimage.data.coins())) < 0.42


@pytest.mark.skip(reason="grayscale only: an RGB image is refused, not thresholded with a warning "
                         "(test_otsu_astro_image)")
def test_otsu_astro_image():
    pass


def test_otsu_one_color_image():
    assert segmentation.otsu_threshold(np.ones((10, 10), dtype=np.uint8)) == 1


@pytest.mark.skip(reason="2-D images only (test_otsu_one_color_image_3d)")
def test_otsu_one_color_image_3d():
    pass


# --- local threshold -------------------------------------------------------------------


def test_threshold_local_gaussian():
    threshold = segmentation.local_threshold(SIMPLE, 3, method="gaussian", mode="reflect")
    np.testing.assert_array_equal(SIMPLE > threshold, LOCAL_REFERENCE)
    threshold = segmentation.local_threshold(SIMPLE, 3, method="gaussian", mode="reflect", param=1 / 3)
    np.testing.assert_array_equal(SIMPLE > threshold, LOCAL_REFERENCE)


def test_threshold_local_mean():
    threshold = segmentation.local_threshold(SIMPLE, 3, method="mean", mode="reflect")
    np.testing.assert_array_equal(SIMPLE > threshold, LOCAL_REFERENCE)


@pytest.mark.skip(reason="block_size is one odd int (no per-axis tuple) and images are 2-D "
                         "(the tuple and 3-D variants of test_threshold_local_*)")
def test_threshold_local_block_size_tuples_and_3d():
    pass


@pytest.mark.skip(reason="methods 'gaussian' and 'mean' only (test_threshold_local_median*)")
def test_threshold_local_median():
    pass


@pytest.mark.parametrize("block_size", [4, 2, 0])
def test_local_even_block_size_error(block_size):
    with pytest.raises(ValueError):
        segmentation.local_threshold(skimage.data.camera(), block_size)


@pytest.mark.parametrize("dtype, expected", [(np.uint8, np.float64), (np.int16, np.float64),
                                             (np.float16, np.float32), (np.float32, np.float32)])
def test_variable_dtypes(dtype, expected):
    image = (255 * np.random.RandomState(1049675590).rand(32, 16)).astype(dtype, copy=False)
    reference = segmentation.local_threshold(image.astype(float), 9)
    threshold = segmentation.local_threshold(image, 9)
    assert threshold.dtype == expected
    np.testing.assert_allclose(threshold, reference, rtol=1e-5, atol=1e-5)
