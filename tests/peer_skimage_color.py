"""scikit-image's own test cases for colour conversion, carried over to cvcourse.color.

Source: scikit-image, tests/skimage/color/test_colorconv.py (rgb2gray, rgb2hsv, hsv2rgb).
Each test names the case it carries; the inputs, settings and expected outcomes are
scikit-image's, the code is ours. Cases for options the course does not offer are skipped
with the reason.
"""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import skimage
import skimage.color

from cvcourse import color

COLORWHEEL = skimage.data.colorwheel()
COLOUR_BARS = np.swapaxes(
    np.array([[1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 1, 0, 1, 0]],
             dtype=float).reshape(3, 4, 2), 0, 2)  # the eight corners of the RGB cube


def colorsys_hsv(rgb):
    """HSV of every pixel by Python's colorsys, the ground truth scikit-image uses."""
    return np.array([colorsys.rgb_to_hsv(*pixel) for pixel in rgb.reshape(-1, 3)]).reshape(rgb.shape)


def test_rgb2hsv_conversion():
    rgb = skimage.util.img_as_float(COLORWHEEL)[::16, ::16]
    np.testing.assert_almost_equal(color.rgb_to_hsv(rgb), colorsys_hsv(rgb))


@pytest.mark.skip(reason="the course keeps channels in the last axis (no channel_axis option)")
def test_rgb2hsv_conversion_channel_axis():
    pass


def test_rgb2hsv_error_grayscale():
    with pytest.raises(ValueError):
        color.rgb_to_hsv(skimage.data.camera())


def test_rgb2hsv_dtype():
    assert color.rgb_to_hsv(skimage.util.img_as_float(COLORWHEEL)).dtype == np.float64
    assert color.rgb_to_hsv(skimage.util.img_as_float32(COLORWHEEL)).dtype == np.float32


def test_hsv2rgb_conversion():
    # scikit-image feeds 0-255 values as float32; the course reads floats as [0, 1].
    rgb = (COLORWHEEL.astype(np.float32) / 255)[::16, ::16]
    np.testing.assert_almost_equal(color.hsv_to_rgb(colorsys_hsv(rgb)), rgb, decimal=4)


@pytest.mark.skip(reason="floats are [0, 1] images in the course: HSV with V in 0-255 is refused")
def test_hsv2rgb_conversion_0_255_floats():
    pass


def test_hsv2rgb_error_grayscale():
    with pytest.raises(ValueError):
        color.hsv_to_rgb(skimage.data.camera())


def test_hsv2rgb_dtype():
    hsv = colorsys_hsv(COLORWHEEL.astype(np.float64)[::16, ::16] / 255)
    assert color.hsv_to_rgb(hsv).dtype == np.float64
    assert color.hsv_to_rgb(hsv.astype(np.float32)).dtype == np.float32


def test_convert_colorspace_hsv_on_colour_bars():
    np.testing.assert_almost_equal(color.rgb_to_hsv(COLOUR_BARS), skimage.color.rgb2hsv(COLOUR_BARS))
    np.testing.assert_almost_equal(color.hsv_to_rgb(COLOUR_BARS), skimage.color.hsv2rgb(COLOUR_BARS))
    bars = COLOUR_BARS * 0.75
    np.testing.assert_almost_equal(color.rgb_to_hsv(bars), skimage.color.rgb2hsv(bars))


def test_rgb2gray():
    gray = color.rgb_to_gray(np.ones((1, 1, 3)))
    np.testing.assert_array_almost_equal(gray, 1)
    assert gray.shape == (1, 1)


def test_rgb2gray_contiguous():
    x = np.random.RandomState(3303781891).rand(10, 10, 3)
    assert color.rgb_to_gray(x).flags["C_CONTIGUOUS"]
    assert color.rgb_to_gray(x[:5, :5]).flags["C_CONTIGUOUS"]


def test_rgb2gray_alpha():
    with pytest.raises(ValueError):
        color.rgb_to_gray(np.zeros((10, 10, 4)))


def test_rgb2gray_on_gray():
    with pytest.raises(ValueError):
        color.rgb_to_gray(np.zeros((5, 5)))


def test_rgb2gray_dtype():
    image = np.random.RandomState(3091499684).rand(10, 10, 3)
    assert color.rgb_to_gray(image).dtype == np.float64
    assert color.rgb_to_gray(image.astype(np.float32)).dtype == np.float32
