"""cvcourse.transform against scikit-image, SciPy and OpenCV, on random maps and edge cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.transform
from cvcourse import transform as T
from cvcourse.data import load_image

TOL = 1e-10
MODES = ("constant", "nearest", "reflect", "mirror", "wrap")
SKIMAGE_MODE = {"constant": "constant", "nearest": "edge", "reflect": "symmetric",
                "mirror": "reflect", "wrap": "wrap"}
SCIPY_MODE = {"constant": "grid-constant", "nearest": "nearest", "reflect": "reflect",
              "mirror": "mirror", "wrap": "grid-wrap"}


def random_affine(rng):
    """A random rotation, scaling, shear and translation, chained."""
    return T.compose(
        T.rotation_matrix(rng.uniform(-180, 180), center=rng.uniform(0, 30, 2)),
        T.scaling_matrix(rng.uniform(0.3, 3), rng.uniform(0.3, 3)),
        T.shear_matrix(rng.uniform(-1, 1), rng.uniform(-0.3, 0.3)),
        T.translation_matrix(*rng.uniform(-20, 20, 2)),
    )


def skimage_warp(image, matrix, order, mode, cval=0.0, output_shape=None):
    return skimage.transform.warp(image, np.linalg.inv(matrix), output_shape=output_shape, order=order,
                                  mode=SKIMAGE_MODE[mode], cval=cval, preserve_range=True)


def cross(u, v):
    """z-component of the cross product of two 2-D vectors."""
    return u[0] * v[1] - u[1] * v[0]


def max_error(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


# --------------------------------------------------------------------------------------
# Matrices
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [0, 30, -45, 90, 180, 271.5])
def test_rotation_matrix_matches_opencv(angle):
    for center in ((0, 0), (10, 20), (255.5, 127.5)):
        expected = cv2.getRotationMatrix2D(center, angle, 1.0)
        got = T.rotation_matrix(angle, center=center)
        np.testing.assert_allclose(got[:2], expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(got[2], [0, 0, 1])


def test_rotation_turns_counter_clockwise_on_screen_and_keeps_the_centre():
    np.testing.assert_allclose(T.transform_points(T.rotation_matrix(90), [1, 0]), [0, -1], atol=1e-15)
    matrix = T.rotation_matrix(37, center=(4, -2))
    np.testing.assert_allclose(T.transform_points(matrix, [4, -2]), [4, -2], atol=1e-14)
    np.testing.assert_allclose(T.compose(matrix, T.rotation_matrix(-37, center=(4, -2))), np.eye(3), atol=1e-14)
    np.testing.assert_allclose(np.linalg.det(matrix[:2, :2]), 1.0)  # rotations keep areas


def test_scaling_translation_and_shear_move_points_as_documented():
    points = np.array([[0.0, 0.0], [3.0, 4.0], [-1.0, 2.0]])
    np.testing.assert_allclose(T.transform_points(T.scaling_matrix(2, 0.5), points), points * [2, 0.5])
    np.testing.assert_allclose(T.transform_points(T.scaling_matrix(3), points), points * 3)
    np.testing.assert_allclose(T.transform_points(T.scaling_matrix(2, center=(1, 1)), points), (points - 1) * 2 + 1)
    np.testing.assert_allclose(T.transform_points(T.translation_matrix(5, -1), points), points + [5, -1])
    sheared = T.transform_points(T.shear_matrix(0.5, 0.25, center=(1, 2)), points)
    x, y = points.T
    np.testing.assert_allclose(sheared, np.stack([x + 0.5 * (y - 2), y + 0.25 * (x - 1)], axis=1))


def test_matrices_match_skimage_affine_transform():
    rng = np.random.default_rng(0)
    for _ in range(10):
        scale, rotation, translation = rng.uniform(0.2, 3, 2), rng.uniform(-3, 3), rng.uniform(-9, 9, 2)
        expected = skimage.transform.AffineTransform(scale=scale, rotation=rotation, translation=translation)
        # skimage's rotation turns +x towards +y (clockwise on screen): ours with angle -rotation
        got = T.compose(T.scaling_matrix(*scale), T.rotation_matrix(-np.degrees(rotation)),
                        T.translation_matrix(*translation))
        np.testing.assert_allclose(got, expected.params, rtol=0, atol=1e-12)


def test_compose_applies_the_first_matrix_first():
    rng = np.random.default_rng(1)
    a, b, c = (random_affine(rng) for _ in range(3))
    np.testing.assert_allclose(T.compose(a, b, c), c @ b @ a, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(T.compose(a), a)
    point = np.array([2.0, 3.0])
    step_by_step = T.transform_points(b, T.transform_points(a, point))
    np.testing.assert_allclose(T.transform_points(T.compose(a, b), point), step_by_step, atol=1e-12)
    move, turn = T.translation_matrix(10, 0), T.rotation_matrix(90)
    assert not np.allclose(T.compose(move, turn), T.compose(turn, move))  # order matters


def test_affine_maps_keep_lines_parallels_and_ratios():
    rng = np.random.default_rng(2)
    matrix = random_affine(rng)
    p, q, r = rng.normal(size=(3, 2))
    on_line = p + np.outer([0.0, 0.25, 0.5, 1.0], q - p)  # four collinear points
    moved = T.transform_points(matrix, on_line)
    direction = moved[-1] - moved[0]
    for point in moved[1:-1]:
        assert abs(cross(direction, point - moved[0])) < 1e-9  # still collinear
    np.testing.assert_allclose(np.linalg.norm(moved[1] - moved[0]) / np.linalg.norm(direction), 0.25)
    a, b = T.transform_points(matrix, np.array([p, q])), T.transform_points(matrix, np.array([r, r + q - p]))
    assert abs(cross(a[1] - a[0], b[1] - b[0])) < 1e-9  # parallel lines stay parallel


# --------------------------------------------------------------------------------------
# Warping
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_warp_affine_matches_skimage_warp_everywhere(order, mode):
    rng = np.random.default_rng(3 + order)
    for trial in range(12):
        shape = tuple(rng.integers(1, 30, 2)) if trial else (1, 1)
        image = rng.random(shape)
        matrix = random_affine(rng)
        output_shape = tuple(rng.integers(1, 40, 2))
        got = T.warp_affine(image, matrix, output_shape, order=order, mode=mode, cval=0.3)
        expected = skimage_warp(image, matrix, order, mode, cval=0.3, output_shape=output_shape)
        assert got.shape == expected.shape
        assert max_error(got, expected) <= TOL


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_warp_affine_matches_scipy_affine_transform(order, mode):
    rng = np.random.default_rng(5)
    image = rng.random((20, 30))
    matrix = random_affine(rng)
    inverse = np.linalg.inv(matrix)
    # scipy works in (row, col): swap x and y in the matrix.
    linear = inverse[[1, 0]][:, [1, 0]]
    offset = inverse[[1, 0], 2]
    expected = ndi.affine_transform(image, linear, offset, order=order, mode=SCIPY_MODE[mode], cval=0.3)
    assert max_error(T.warp_affine(image, matrix, order=order, mode=mode, cval=0.3), expected) <= TOL


def test_warp_affine_on_uint8_colour_and_float32():
    image = load_image("astronaut")[::4, ::4]
    matrix = T.compose(T.rotation_matrix(25, center=(60, 70)), T.scaling_matrix(1.2, 0.9))
    for order in (0, 1):
        got = T.warp_affine(image, matrix, order=order)
        expected = skimage_warp(image, matrix, order, "constant")
        assert got.dtype == expected.dtype == (np.uint8 if order == 0 else np.float64)
        assert max_error(got, expected) <= TOL
    gray = load_image("camera")
    assert max_error(T.warp_affine(gray, matrix), skimage_warp(gray, matrix, 1, "constant")) <= TOL
    gray32 = (gray / 255).astype(np.float32)
    got32 = T.warp_affine(gray32, matrix)
    assert got32.dtype == np.float32
    assert max_error(got32, skimage_warp(gray32, matrix, 1, "constant")) <= 1e-3  # skimage rounds the matrix to float32


@pytest.mark.parametrize("order", [0, 1])
def test_warp_affine_at_exact_half_pixel_positions(order):
    """Ties between two pixels: equal to skimage inside the image (beyond it, see the docstring)."""
    image = load_image("camera")[:64, :80]
    for matrix in (T.translation_matrix(0.5, -0.5), T.scaling_matrix(2), T.scaling_matrix(0.5),
                   T.rotation_matrix(90, center=(39.5, 31.5))):
        for mode in MODES:
            got = T.warp_affine(image, matrix, order=order, mode=mode)
            expected = skimage_warp(image, matrix, order, mode)
            assert max_error(got[2:-2, 2:-2], expected[2:-2, 2:-2]) <= TOL


def test_rotation_by_warp_affine_equals_skimage_rotate():
    image = load_image("camera") / 255
    rows, cols = image.shape
    for angle in (15, -60, 90):
        got = T.warp_affine(image, T.rotation_matrix(angle, center=(cols / 2 - 0.5, rows / 2 - 0.5)))
        assert max_error(got, skimage.transform.rotate(image, angle)) <= TOL


def test_identity_and_integer_shifts_are_exact():
    image = np.random.default_rng(6).random((9, 11))
    for order in (0, 1):
        np.testing.assert_array_equal(T.warp_affine(image, np.eye(3), order=order), image)
        shifted = T.warp_affine(image, T.translation_matrix(2, 1), order=order)
        np.testing.assert_array_equal(shifted[1:, 2:], image[:-1, :-2])
        assert np.all(shifted[0] == 0) and np.all(shifted[:, :2] == 0)


def test_interpolate_matches_scipy_map_coordinates():
    rng = np.random.default_rng(7)
    image = rng.random((12, 15))
    x, y = rng.uniform(-3, 17, 200), rng.uniform(-3, 14, 200)
    for order in (0, 1):
        for mode in MODES:
            expected = ndi.map_coordinates(image, [y, x], order=order, mode=SCIPY_MODE[mode], cval=0.5)
            assert max_error(T.interpolate(image, x, y, order, mode, cval=0.5), expected) <= TOL
    np.testing.assert_array_equal(T.interpolate(image, np.array([3.0]), np.array([2.0])), image[2, 3])


def test_forward_mapping_leaves_holes_that_inverse_mapping_does_not():
    image = np.random.default_rng(8).random((20, 20))
    warped, covered = T.forward_map(image, T.scaling_matrix(2), output_shape=(40, 40))
    assert abs(covered.mean() - 0.25) < 1e-12  # three pixels in four are holes
    np.testing.assert_array_equal(warped[::2, ::2], image)
    assert np.all(warped[~covered] == 0)
    inverse = T.warp_affine(image, T.scaling_matrix(2), output_shape=(40, 40))
    assert np.all(inverse[:-1, :-1] > 0)  # every pixel filled (the last row/column are past the edge)
    same, covered = T.forward_map(image, np.eye(3))
    assert covered.all() and np.array_equal(same, image)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bad_matrices_are_refused_clearly():
    image = np.zeros((5, 5))
    with pytest.raises(ValueError, match="singular"):
        T.warp_affine(image, np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="singular"):
        T.warp_affine(image, np.diag([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="3x3"):
        T.warp_affine(image, np.eye(2))
    with pytest.raises(ValueError, match="last row"):
        T.warp_affine(image, np.array([[1.0, 0, 0], [0, 1, 0], [0.1, 0, 1]]))
    with pytest.raises(ValueError, match="NaN"):
        T.warp_affine(image, np.array([[1.0, 0, np.nan], [0, 1, 0], [0, 0, 1]]))
    with pytest.raises(TypeError, match="at least one"):
        T.compose()
    with pytest.raises(ValueError, match="3x3"):
        T.compose(np.eye(3), np.ones((2, 3)))


def test_bad_parameters_are_refused_clearly():
    with pytest.raises(ValueError, match="non-zero"):
        T.scaling_matrix(0, 1)
    with pytest.raises(TypeError, match="angle"):
        T.rotation_matrix("30")
    with pytest.raises(ValueError, match="angle"):
        T.rotation_matrix(float("nan"))
    with pytest.raises(ValueError, match="finite"):
        T.translation_matrix(float("inf"), 0)
    with pytest.raises(TypeError, match="center"):
        T.rotation_matrix(30, center=5)
    with pytest.raises(ValueError, match="points"):
        T.transform_points(np.eye(3), np.zeros((4, 3)))


def test_bad_images_and_options_are_refused_clearly():
    image = np.zeros((6, 6))
    with pytest.raises(ValueError, match="2-D or 3-D"):
        T.warp_affine(np.zeros((2, 3, 4, 5)), np.eye(3))
    with pytest.raises(ValueError, match="NaN"):
        T.warp_affine(np.array([[np.nan, 0.0]]), np.eye(3))
    with pytest.raises(ValueError, match="empty"):
        T.warp_affine(np.zeros((0, 4)), np.eye(3))
    with pytest.raises(ValueError, match="order"):
        T.warp_affine(image, np.eye(3), order=3)
    with pytest.raises(ValueError, match="mode"):
        T.warp_affine(image, np.eye(3), mode="edge")
    with pytest.raises(ValueError, match="output_shape"):
        T.warp_affine(image, np.eye(3), output_shape=(0, 5))
    with pytest.raises(TypeError, match="output_shape"):
        T.warp_affine(image, np.eye(3), output_shape=7)
    with pytest.raises(ValueError, match="same shape"):
        T.interpolate(image, np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError):
        T.forward_map("image", np.eye(3))
