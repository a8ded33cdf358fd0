"""scikit-image's own test cases for warping, carried over to cvcourse.transform.

Source: scikit-image, tests/skimage/transform/test_warps.py (warp, rotate and the dtype
rules). The inputs, settings and expected outcomes are scikit-image's; the code is ours.
scikit-image's ``warp`` takes the *inverse* map (output -> input) while
:func:`cvcourse.transform.warp_affine` takes the forward matrix, so an inverse map ``T``
there is ``np.linalg.inv(T)`` here. Options the course does not offer are skipped with
the reason.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage
from skimage.transform import AffineTransform, SimilarityTransform

from cvcourse import transform

THETA = -np.pi / 2
QUARTER_TURN = np.array([[np.cos(THETA), -np.sin(THETA), 0],
                         [np.sin(THETA), np.cos(THETA), 4],
                         [0, 0, 1]])  # turns a 5x5 image by a quarter, as an inverse map


def dot(shape, row, col, dtype=np.float64):
    image = np.zeros(shape, dtype=dtype)
    image[row, col] = 1
    return image


def test_warp_tform():
    image = dot((5, 5), 2, 2)
    np.testing.assert_array_almost_equal(
        transform.warp_affine(image, np.linalg.inv(QUARTER_TURN), order=1), np.rot90(image))
    np.testing.assert_array_almost_equal(transform.warp_affine(image, QUARTER_TURN, order=1),
                                         np.rot90(image))  # warp(x, tform.inverse)


def test_warp_matrix():
    shift_back = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1]])  # inverse map: output + 1
    np.testing.assert_array_almost_equal(
        transform.warp_affine(dot((5, 5), 2, 2), np.linalg.inv(shift_back), order=1), dot((5, 5), 1, 1))


@pytest.mark.skip(reason="warp_affine takes a matrix: no callable or coordinate-array maps, "
                         "orders above 1, N-D images (test_warp_callable, test_warp_nd)")
def test_warp_callable_and_nd():
    pass


@pytest.mark.skip(reason="no clip option: orders 0 and 1 never leave the input's range; "
                         "NaN images and cval are refused (test_warp_clip*)")
def test_warp_clip():
    pass


def test_homography():
    image = dot((5, 5), 1, 1)
    # warp(x, inverse_map=ProjectiveTransform(M).inverse): M is the forward matrix
    np.testing.assert_array_almost_equal(transform.warp_affine(image, QUARTER_TURN, order=1), np.rot90(image))


@pytest.mark.parametrize("dtype, expected", [(np.float16, np.float32), (np.float32, np.float32),
                                             (np.float64, np.float64)])
def test_rotate(dtype, expected):
    image = dot((5, 5), 1, 1, dtype)
    turned = transform.warp_affine(image, transform.rotation_matrix(90, center=(2, 2)))
    assert turned.dtype == expected
    np.testing.assert_array_almost_equal(turned, np.rot90(image))


def test_rotate_center():
    image = dot((10, 10), 4, 4)
    turned = transform.warp_affine(image, transform.rotation_matrix(20, center=(0, 0)), order=0)
    np.testing.assert_array_almost_equal(turned, dot((10, 10), 2, 5))
    back = transform.warp_affine(turned, transform.rotation_matrix(-20, center=(0, 0)), order=0)
    np.testing.assert_array_almost_equal(back, image)


@pytest.mark.skip(reason="no resize option: the output shape is given explicitly "
                         "(test_rotate_resize, test_rotate_resize_center, test_rotate_resize_90)")
def test_rotate_resize():
    pass


def test_const_cval_out_of_range():
    image = np.random.RandomState(3986604183).randn(100, 100)
    warped = transform.warp_affine(image, transform.translation_matrix(-10, -10), cval=-10)
    assert np.sum(warped == -10) == 2 * 100 * 10 - 10 * 10


def test_warp_identity():
    gray = skimage.util.img_as_float(skimage.color.rgb2gray(skimage.data.astronaut()))
    turn = np.linalg.inv(AffineTransform(rotation=0.1).params)
    assert np.allclose(gray, transform.warp_affine(gray, np.eye(3)))
    assert not np.allclose(gray, transform.warp_affine(gray, turn))
    rgb = np.stack([gray, np.zeros_like(gray), gray], axis=-1)
    assert np.allclose(rgb, transform.warp_affine(rgb, np.eye(3)))
    turned = transform.warp_affine(rgb, turn)
    assert not np.allclose(rgb, turned)
    assert np.all(turned[:, :, 1] == 0)  # no cross-talk between channels


def test_invalid():
    with pytest.raises(ValueError):
        transform.warp_affine(np.ones((4, 3, 3, 3)), np.eye(3))


def test_inverse():
    similarity = SimilarityTransform(scale=0.5, rotation=0.1)
    image = np.arange(10 * 10).reshape(10, 10).astype(np.float64)
    np.testing.assert_array_equal(
        transform.warp_affine(image, similarity.params),
        transform.warp_affine(image, np.linalg.inv(SimilarityTransform(matrix=np.linalg.inv(similarity.params)).params)))
    np.testing.assert_allclose(transform.warp_affine(image, similarity.params),
                               skimage.transform.warp(image, similarity.inverse), atol=1e-12)


def test_nonint_output_shape():
    image = np.random.RandomState(2127960812).rand(5, 5)
    with pytest.raises((TypeError, ValueError)):
        transform.warp_affine(image, np.eye(3), output_shape=(13.1, 19.5))


@pytest.mark.skip(reason="an output shape must be whole numbers: (13.0001, 19.9999) is refused, "
                         "not rounded (second half of test_slow_warp_nonint_oshape)")
def test_nearly_int_output_shape():
    pass


@pytest.mark.parametrize("shape", [(0, 10), (10, 0), (10, 10, 0), (0,)])
def test_zero_image_size(shape):
    with pytest.raises(ValueError):
        transform.warp_affine(np.zeros(shape), np.eye(3))


@pytest.mark.parametrize("dtype", [np.uint8, bool, np.float32, np.float64])
def test_order_0_warp_dtype(dtype):
    image = skimage.util.img_as_ubyte(skimage.data.astronaut()[:10, :10, 0])
    image = image > 127 if dtype is bool else image.astype(dtype)
    assert transform.warp_affine(image, transform.rotation_matrix(45, center=(4.5, 4.5)), order=0).dtype == dtype


@pytest.mark.parametrize("dtype, expected", [(np.uint8, np.float64), (np.float16, np.float32),
                                             (np.float32, np.float32), (np.float64, np.float64)])
def test_nonzero_order_warp_dtype(dtype, expected):
    image = skimage.data.astronaut()[:10, :10, 0].astype(dtype)
    assert transform.warp_affine(image, transform.rotation_matrix(45, center=(4.5, 4.5)), order=1).dtype == expected
