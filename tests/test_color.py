"""cvcourse.color against scikit-image and OpenCV, on random images and edge cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.color
from cvcourse import color

PURE = np.array([[[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]]], dtype=float)
GREYS = np.array([[[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5], [0.2, 0.2, 0.2]]], dtype=float)
TIES = np.array([[[0.8, 0.8, 0.2], [0.2, 0.8, 0.8], [0.8, 0.2, 0.8], [0.3, 0.1, 0.3], [0.6, 0.6, 0.6]]])


def random_images():
    rng = np.random.default_rng(42)
    yield rng.random((31, 17, 3))
    yield rng.random((1, 1, 3))
    yield rng.integers(0, 256, (20, 33, 3), dtype=np.uint8)
    yield rng.integers(0, 256, (4, 5, 6, 3), dtype=np.uint8)  # any leading shape
    yield rng.random((8, 9, 3)).astype(np.float32)
    yield (rng.random((16, 16, 3)) * 4).round() / 4  # many exact ties between channels
    yield PURE
    yield GREYS
    yield TIES
    yield np.zeros((3, 3, 3), dtype=np.uint8)
    yield np.full((3, 3, 3), 255, dtype=np.uint8)


IMAGES = list(random_images())
IDS = [f"{im.dtype}{im.shape}" for im in IMAGES]


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_rgb_to_gray_matches_skimage(image):
    expected = skimage.color.rgb2gray(image)
    got = color.rgb_to_gray(image)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 if image.dtype == np.float32 else 1e-12)


def test_rgb_to_gray_bt601_matches_opencv():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 48, 3), dtype=np.uint8)
    ours = color.rgb_to_gray(image, weights=color.BT601_WEIGHTS) * 255
    opencv = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(float)
    assert np.abs(ours - opencv).max() <= 0.51  # OpenCV rounds to the nearest integer


def test_gray_of_pure_colours_and_greys():
    np.testing.assert_allclose(color.rgb_to_gray(PURE)[0], [0.2125, 0.9279, 0.7154, 0.7875, 0.0721, 0.2846])
    np.testing.assert_allclose(color.rgb_to_gray(GREYS)[0], [0, 1, 0.5, 0.2], atol=1e-15)


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_rgb_to_hsv_matches_skimage(image):
    expected = skimage.color.rgb2hsv(image)
    got = color.rgb_to_hsv(image)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 if image.dtype == np.float32 else 1e-12)


def test_hsv_of_known_colours():
    hsv = color.rgb_to_hsv(PURE)[0]
    np.testing.assert_allclose(hsv[:, 0], [0, 1 / 6, 1 / 3, 1 / 2, 2 / 3, 5 / 6])
    np.testing.assert_allclose(hsv[:, 1:], 1)
    greys = color.rgb_to_hsv(GREYS)[0]
    np.testing.assert_array_equal(greys[:, :2], 0)  # greys: no hue, no saturation
    np.testing.assert_allclose(greys[:, 2], [0, 1, 0.5, 0.2])


@pytest.mark.parametrize("image", [im for im in IMAGES if im.dtype.kind == "f"], ids=lambda im: str(im.shape))
def test_hsv_to_rgb_matches_skimage_and_inverts(image):
    hsv = color.rgb_to_hsv(image)
    np.testing.assert_allclose(color.hsv_to_rgb(hsv), skimage.color.hsv2rgb(hsv), rtol=0, atol=1e-6)
    np.testing.assert_allclose(color.hsv_to_rgb(hsv), image, rtol=0, atol=1e-6)


def test_hsv_to_rgb_on_random_hsv_and_hue_one():
    rng = np.random.default_rng(7)
    hsv = rng.random((25, 25, 3))
    hsv[0, 0, 0] = 1.0  # hue 1 is red again
    np.testing.assert_allclose(color.hsv_to_rgb(hsv), skimage.color.hsv2rgb(hsv), rtol=0, atol=1e-12)


def test_threshold_matches_comparison_and_otsu_convention():
    import skimage.data
    import skimage.filters

    coins = skimage.data.coins()
    t = skimage.filters.threshold_otsu(coins)
    np.testing.assert_array_equal(color.threshold(coins, t), coins > t)
    floats = np.linspace(0, 1, 11).reshape(1, -1)
    result = color.threshold(floats, 0.5)
    assert result.dtype == bool
    np.testing.assert_array_equal(result[0], floats[0] > 0.5)  # strictly greater: 0.5 is background


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: color.rgb_to_gray(np.zeros((4, 4))), ValueError, r"3 channels.*grayscale"),
        (lambda: color.rgb_to_gray(np.zeros((4, 4, 4))), ValueError, r"RGBA"),
        (lambda: color.rgb_to_gray(np.zeros((4, 4, 2))), ValueError, r"3 channels.*got shape \(4, 4, 2\)"),
        (lambda: color.rgb_to_gray(np.zeros((4, 4, 3), dtype=np.int64)), TypeError, r"uint8 or float.*int64"),
        (lambda: color.rgb_to_gray(np.full((2, 2, 3), 200.0)), ValueError, r"\[0, 1\].*divide by 255"),
        (lambda: color.rgb_to_gray(np.full((2, 2, 3), np.nan)), ValueError, r"NaN"),
        (lambda: color.rgb_to_gray("astronaut.png"), TypeError, r"NumPy array"),
        (lambda: color.rgb_to_gray(None), TypeError, r"NumPy array"),
        (lambda: color.rgb_to_gray(np.zeros((2, 2, 3)), weights=(0.5, 0.5, 0.5)), ValueError, r"sum to 1"),
        (lambda: color.rgb_to_gray(np.zeros((2, 2, 3)), weights=(1, 0)), ValueError, r"three numbers"),
        (lambda: color.rgb_to_gray(np.zeros((2, 2, 3)), weights=(1.5, -0.5, 0)), ValueError, r"non-negative"),
        (lambda: color.rgb_to_hsv(np.zeros((5, 3, 5))), ValueError, r"3 channels"),
        (lambda: color.rgb_to_hsv(np.zeros((2, 2, 3), dtype=np.uint16)), TypeError, r"uint16"),
        (lambda: color.hsv_to_rgb(np.zeros((2, 2, 3), dtype=np.uint8)), TypeError, r"float"),
        (lambda: color.hsv_to_rgb(np.full((2, 2, 3), 2.0)), ValueError, r"\[0, 1\]"),
        (lambda: color.threshold(np.zeros((4, 4, 3), dtype=np.uint8), 10), ValueError, r"rgb_to_gray"),
        (lambda: color.threshold(np.zeros((4, 4), dtype=np.uint8), 300), ValueError, r"\[0, 255\]"),
        (lambda: color.threshold(np.zeros((4, 4)), 2), ValueError, r"\[0, 1\]"),
        (lambda: color.threshold(np.zeros((4, 4)), "half"), TypeError, r"number"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
