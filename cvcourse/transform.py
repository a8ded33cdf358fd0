"""Geometric transforms: affine matrices in homogeneous coordinates, and warping (chapter 04).

Conventions (those of scikit-image's ``transform`` module and OpenCV):

* A point is ``(x, y) = (column, row)``: x grows to the right and y grows *downwards*,
  so ``image[row, col]`` sits at ``(x, y) = (col, row)``. Pixel centres are at integers.
* A transform is a 3x3 matrix ``M`` acting on the column vector ``(x, y, 1)``:
  ``(x', y', 1) = M @ (x, y, 1)``. The last row of an affine matrix is ``(0, 0, 1)``.
* :func:`warp_affine` takes the *forward* matrix (where the content of the input goes)
  and computes the output by inverse mapping.
* Border modes use scipy.ndimage's names, as in :mod:`cvcourse.filters`.
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    as_array,
    as_float_values,
    check_choice,
    check_finite,
    check_number,
    finite_image,
    same_shape,
)
from .filters import BORDER_MODES, fold_index, row_bands

__all__ = [
    "rotation_matrix",
    "scaling_matrix",
    "translation_matrix",
    "shear_matrix",
    "compose",
    "transform_points",
    "interpolate",
    "warp_affine",
    "forward_map",
]


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------


def _check_point(point, name: str) -> tuple[float, float]:
    try:
        x, y = point
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an (x, y) pair of numbers; got {point!r}.") from None
    return check_number(x, f"{name}[0] (x)"), check_number(y, f"{name}[1] (y)")


def _check_matrix(matrix, name: str = "matrix") -> np.ndarray:
    """A finite 3x3 affine matrix (last row 0, 0, 1) as float64."""
    m = as_array(matrix, name)
    if m.shape != (3, 3):
        raise ValueError(
            f"{name} must be a 3x3 homogeneous matrix; got shape {m.shape}. Build one with "
            "rotation_matrix, scaling_matrix, translation_matrix, shear_matrix and compose."
        )
    check_finite(m, name)
    m = m.astype(np.float64)
    if not np.allclose(m[2], (0.0, 0.0, 1.0), rtol=0, atol=1e-12):
        raise ValueError(
            f"{name} must be affine, with last row (0, 0, 1); got {tuple(m[2])}."
        )
    return m


def _inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse of an affine matrix, refusing (nearly) singular ones."""
    if np.linalg.cond(matrix[:2, :2]) > 1e12:
        det = np.linalg.det(matrix[:2, :2])
        raise ValueError(
            f"matrix is singular (determinant {det:.3g}): it squashes the plane onto a line "
            "or a point, so no inverse exists and the image cannot be warped with it."
        )
    return np.linalg.inv(matrix)


def _check_image(image) -> np.ndarray:
    """A non-empty finite image; colour too, since warps move every channel alike."""
    return finite_image(
        image, ndim=(2, 3), what="grayscale (rows, cols) or colour (rows, cols, channels)"
    )


def _check_shape(output_shape, default) -> tuple[int, int]:
    if output_shape is None:
        return default
    try:
        rows, cols = output_shape
    except (TypeError, ValueError):
        raise TypeError(f"output_shape must be a (rows, cols) pair; got {output_shape!r}.") from None
    return (check_number(rows, "output_shape[0]", low=1, integer=True),
            check_number(cols, "output_shape[1]", low=1, integer=True))


# --------------------------------------------------------------------------------------
# Matrices
# --------------------------------------------------------------------------------------


def translation_matrix(tx: float, ty: float) -> np.ndarray:
    """Move every point by ``(tx, ty)``: right by tx, down by ty.

    Returns
    -------
    numpy.ndarray, shape (3, 3)
        ``[[1, 0, tx], [0, 1, ty], [0, 0, 1]]``. A translation is not linear in (x, y);
        the third, homogeneous coordinate is what lets a matrix express it.

    Examples
    --------
    >>> translation_matrix(5, -2) @ [10, 10, 1]
    array([15.,  8.,  1.])
    """
    tx, ty = check_number(tx, "tx", finite=True), check_number(ty, "ty", finite=True)
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def _about(linear: np.ndarray, center) -> np.ndarray:
    """The 2x2 ``linear`` map applied about ``center``: move it to the origin and back."""
    cx, cy = _check_point(center, "center")
    matrix = np.eye(3)
    matrix[:2, :2] = linear
    return compose(translation_matrix(-cx, -cy), matrix, translation_matrix(cx, cy))


def rotation_matrix(angle: float, center=(0.0, 0.0)) -> np.ndarray:
    """Rotate by ``angle`` degrees about ``center`` = (x, y).

    A positive angle turns counter-clockwise *as seen on screen* (where y points
    down), the convention of ``skimage.transform.rotate`` and
    ``cv2.getRotationMatrix2D``: the point one pixel to the right of the centre moves
    up. About the origin the matrix is ``[[cos a, sin a, 0], [-sin a, cos a, 0], [0, 0, 1]]``;
    about another centre, the centre is moved to the origin, rotated about it, and
    moved back.

    Parameters
    ----------
    angle : float
        Degrees; positive is counter-clockwise on screen.
    center : (float, float)
        The fixed point (x, y), e.g. ``(cols / 2 - 0.5, rows / 2 - 0.5)`` for the
        middle of an image.

    Returns
    -------
    numpy.ndarray, shape (3, 3)

    Raises
    ------
    TypeError, ValueError
        If the angle or centre is not made of finite numbers.

    Examples
    --------
    >>> (rotation_matrix(90) @ [1, 0, 1]).round(12)  # right of the origin -> above it
    array([ 0., -1.,  1.])
    >>> (rotation_matrix(90, center=(5, 5)) @ [5, 5, 1]).round(12)  # the centre stays
    array([5., 5., 1.])
    """
    angle = np.deg2rad(check_number(angle, "angle", finite=True))
    cos, sin = np.cos(angle), np.sin(angle)
    return _about(np.array([[cos, sin], [-sin, cos]]), center)


def scaling_matrix(sx: float, sy: float | None = None, center=(0.0, 0.0)) -> np.ndarray:
    """Scale by ``sx`` horizontally and ``sy`` vertically about ``center``.

    Parameters
    ----------
    sx : float
        Horizontal factor, non-zero (a negative factor also mirrors).
    sy : float, optional
        Vertical factor; equal to ``sx`` (uniform scaling) when omitted.
    center : (float, float)
        The fixed point (x, y).

    Returns
    -------
    numpy.ndarray, shape (3, 3)

    Raises
    ------
    TypeError, ValueError
        For non-numbers, zero (which would squash the image) or non-finite values.

    Examples
    --------
    >>> scaling_matrix(2, 0.5) @ [3, 4, 1]
    array([6., 2., 1.])
    >>> scaling_matrix(2, center=(1, 1)) @ [1, 1, 1]
    array([1., 1., 1.])
    """
    sx = check_number(sx, "sx", finite=True)
    sy = sx if sy is None else check_number(sy, "sy", finite=True)
    if sx == 0 or sy == 0:
        raise ValueError(
            f"scale factors must be non-zero (zero squashes the image onto a line); "
            f"got sx={sx:g}, sy={sy:g}."
        )
    return _about(np.diag([sx, sy]), center)


def shear_matrix(shx: float = 0.0, shy: float = 0.0, center=(0.0, 0.0)) -> np.ndarray:
    """Shear: slide rows sideways in proportion to y, and columns in proportion to x.

    ``x' = x + shx * (y - cy)`` and ``y' = y + shy * (x - cx)``: with ``shx`` only,
    a square becomes a parallelogram leaning right (for shx > 0) as you go down.

    Parameters
    ----------
    shx, shy : float
        Horizontal and vertical shear factors (tangent of the shear angle).
    center : (float, float)
        The point (cx, cy) that stays in place.

    Returns
    -------
    numpy.ndarray, shape (3, 3)

    Raises
    ------
    TypeError, ValueError
        For non-numbers or non-finite values.

    Examples
    --------
    >>> shear_matrix(0.5) @ [0, 4, 1]
    array([2., 4., 1.])
    """
    shx, shy = check_number(shx, "shx", finite=True), check_number(shy, "shy", finite=True)
    return _about(np.array([[1.0, shx], [shy, 1.0]]), center)


def compose(*matrices) -> np.ndarray:
    """Chain transforms, **in the order they are applied**: first argument first.

    ``compose(A, B, C)`` applies A, then B, then C, so it returns ``C @ B @ A`` (the
    matrix next to the point acts first). Order matters: rotating and then translating
    is not translating and then rotating.

    Parameters
    ----------
    *matrices : array_like, each (3, 3)
        At least one affine matrix.

    Returns
    -------
    numpy.ndarray, shape (3, 3)

    Raises
    ------
    TypeError, ValueError
        If no matrix is given or one is not a finite 3x3 affine matrix.

    Examples
    --------
    >>> move, double = translation_matrix(1, 0), scaling_matrix(2)
    >>> compose(move, double) @ [0, 0, 1]  # move to (1, 0), then double
    array([2., 0., 1.])
    >>> compose(double, move) @ [0, 0, 1]  # double (still 0, 0), then move
    array([1., 0., 1.])
    """
    if not matrices:
        raise TypeError("compose needs at least one matrix.")
    result = np.eye(3)
    for index, matrix in enumerate(matrices):
        result = _check_matrix(matrix, f"matrices[{index}]") @ result
    return result


def transform_points(matrix, points) -> np.ndarray:
    """Apply a matrix to points given as rows ``(x, y)``.

    Parameters
    ----------
    matrix : array_like, (3, 3)
        Affine matrix.
    points : array_like, (N, 2) or (2,)
        Points ``(x, y)`` = (column, row).

    Returns
    -------
    numpy.ndarray
        The moved points, same shape as ``points``, float64.

    Examples
    --------
    >>> transform_points(translation_matrix(1, 2), [[0, 0], [3, 4]])
    array([[1., 2.],
           [4., 6.]])
    """
    m = _check_matrix(matrix)
    xy = as_array(points, "points").astype(np.float64)
    if xy.shape[-1:] != (2,) or xy.ndim > 2:
        raise ValueError(f"points must have shape (N, 2) or (2,), as (x, y); got {xy.shape}.")
    check_finite(xy, "points")
    return xy @ m[:2, :2].T + m[:2, 2]


# --------------------------------------------------------------------------------------
# Interpolation and warping
# --------------------------------------------------------------------------------------


class _Pixels:
    """An image prepared for reading at integer positions, on or off the image.

    Off-image positions follow the border mode. With ``mode="constant"`` the image gets a
    two-pixel ring of ``cval`` once, and off-image positions are clipped onto the ring, so
    reading ``cval`` costs no test per sample, and a 2x2 neighbourhood is one index plus
    fixed offsets. The other modes fold each position back onto the image
    (:func:`cvcourse.filters.fold_index`).
    """

    def __init__(self, image: np.ndarray, mode: str, cval: float):
        self.height, self.width = image.shape[:2]
        self.mode = mode
        if mode == "constant":
            ring = [(2, 2), (2, 2)] + [(0, 0)] * (image.ndim - 2)
            image = np.pad(image, ring, constant_values=cval)
        self.stride = image.shape[1]
        self.flat = image.reshape(image.shape[0] * self.stride, *image.shape[2:])

    def _index(self, rows, cols):
        if self.mode == "constant":
            rows = np.clip(rows, -2, self.height) + 2
            cols = np.clip(cols, -2, self.width) + 2
        else:
            rows = fold_index(rows, self.height, self.mode)
            cols = fold_index(cols, self.width, self.mode)
        return rows * self.stride + cols

    def at(self, rows, cols):
        """Values at the integer positions (rows, cols)."""
        return np.take(self.flat, self._index(rows, cols), axis=0)

    def square(self, rows, cols):
        """Values at (r, c), (r, c + 1), (r + 1, c), (r + 1, c + 1) for each position."""
        if self.mode == "constant":
            index = self._index(rows, cols)  # the clipped ring keeps all four on the grid
            offsets = (0, 1, self.stride, self.stride + 1)
            return [np.take(self.flat, index + offset, axis=0) for offset in offsets]
        return [self.at(rows + dr, cols + dc) for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1))]


def _interpolate(pixels: _Pixels, x, y, order: int, channels: bool):
    """Nearest (order 0) or bilinear (order 1) samples at real positions; no checks.

    ``channels`` says the image has a channel axis.
    """
    if order == 0:  # the nearest pixel centre, rounding halves up
        return pixels.at(np.floor(y + 0.5).astype(np.intp), np.floor(x + 0.5).astype(np.intp))
    row0, col0 = np.floor(y), np.floor(x)
    dy, dx = y - row0, x - col0  # in [0, 1): how far past the top-left pixel
    if channels:  # one weight per pixel, shared by its channels
        dy, dx = dy[..., None], dx[..., None]
    top_left, top_right, bottom_left, bottom_right = pixels.square(row0.astype(np.intp), col0.astype(np.intp))
    # Blend left and right by dx, then top and bottom by dy; a + t (b - a) is the same as
    # (1 - t) a + t b, in three passes over the pixels rather than four.
    top = top_left + dx * (top_right - top_left)
    bottom = bottom_left + dx * (bottom_right - bottom_left)
    return top + dy * (bottom - top)


def interpolate(image, x, y, order: int = 1, mode: str = "constant", cval: float = 0.0):
    """Read an image at real-valued positions ``(x, y)`` = (column, row).

    * ``order=0``, nearest neighbour: the value of the closest pixel centre.
    * ``order=1``, bilinear: with ``(c, r)`` the pixel up and left of the point and
      ``(dx, dy)`` the fractional offsets, blend the four surrounding pixels::

          top    = (1 - dx) * image[r, c]     + dx * image[r, c + 1]
          bottom = (1 - dx) * image[r + 1, c] + dx * image[r + 1, c + 1]
          value  = (1 - dy) * top + dy * bottom

    Parameters
    ----------
    image : array_like, (rows, cols) or (rows, cols, channels)
    x, y : array_like of float, same shape
        Where to read.
    order : {0, 1}
    mode : {"constant", "nearest", "reflect", "mirror", "wrap"}
        What lies beyond the border (see :data:`cvcourse.filters.BORDER_MODES`).
    cval : float
        The value beyond the border with ``mode="constant"``.

    Returns
    -------
    numpy.ndarray
        Shape of ``x`` (plus the channels). Order 0 keeps the image's dtype; order 1 is
        float64 (float32 for float16 and float32 images).

    Raises
    ------
    TypeError, ValueError
        For a bad image, positions of different shapes or with NaN, or a bad order or mode.

    Examples
    --------
    >>> image = np.array([[0.0, 10.0], [20.0, 30.0]])
    >>> interpolate(image, np.array([0.5, 0.25]), np.array([0.5, 0.0]))
    array([15. ,  2.5])
    >>> interpolate(image, np.array([0.6]), np.array([0.2]), order=0)
    array([10.])
    """
    array = _check_image(image)
    x, y = (positions.astype(np.float64) for positions in same_shape(x, y, ("x", "y")))
    check_choice(order, "order", (0, 1))
    check_choice(mode, "mode", BORDER_MODES)
    cval = check_number(cval, "cval")
    values = array if order == 0 else as_float_values(array)
    return _interpolate(_Pixels(values, mode, cval), x, y, order, values.ndim == 3)


def warp_affine(image, matrix, output_shape=None, order: int = 1, mode: str = "constant",
                cval: float = 0.0) -> np.ndarray:
    """Move an image's content by an affine ``matrix``, by inverse mapping.

    Forward mapping (send every input pixel to ``matrix @ (x, y, 1)``) leaves holes
    and collisions, because the moved positions rarely land on pixel centres. So we
    go the other way: for every *output* pixel ``(x, y)``, ask where it came from,
    ``inverse(matrix) @ (x, y, 1)``, and :func:`interpolate` the input there. Every
    output pixel gets exactly one value.

    Parameters
    ----------
    image : array_like, (rows, cols) or (rows, cols, channels)
        Values are used as they are (uint8 stays on 0-255).
    matrix : array_like, (3, 3)
        Forward affine matrix, input (x, y) -> output (x, y); see the module's
        conventions.
    output_shape : (int, int), optional
        (rows, cols) of the result; the input's by default.
    order : {0, 1}
        0 nearest neighbour, 1 bilinear.
    mode : {"constant", "nearest", "reflect", "mirror", "wrap"}
        What the output shows where it maps outside the input (scipy.ndimage's names;
        in scikit-image's and numpy.pad's words: constant, edge, symmetric, reflect, wrap).
    cval : float
        Value outside the input with ``mode="constant"``.

    Returns
    -------
    numpy.ndarray
        Order 0 keeps the dtype; order 1 gives float64 (float32 for float16 and float32
        images).
        Equals ``skimage.transform.warp(image, np.linalg.inv(matrix), order=order,
        mode=..., cval=cval, preserve_range=True)``.

    Raises
    ------
    TypeError, ValueError
        For a bad image, a matrix that is not 3x3 affine or is singular, NaN, or a bad
        order, mode or output shape.

    Notes
    -----
    With ``order=0`` a position exactly half-way between two pixels rounds up (right or
    down). Beyond the border, scikit-image (through ``scipy.ndimage.map_coordinates``)
    first reflects such a position and then rounds, so in the ``"reflect"`` and
    ``"mirror"`` modes the two can pick neighbouring pixels at these exact ties.

    Examples
    --------
    >>> image = np.arange(9.0).reshape(3, 3)
    >>> warp_affine(image, translation_matrix(1, 0))  # one pixel to the right
    array([[0., 0., 1.],
           [0., 3., 4.],
           [0., 6., 7.]])
    """
    array = _check_image(image)
    inverse = _inverse(_check_matrix(matrix))
    out_rows, out_cols = _check_shape(output_shape, array.shape[:2])
    check_choice(order, "order", (0, 1))
    check_choice(mode, "mode", BORDER_MODES)
    cval = check_number(cval, "cval")
    values = array if order == 0 else as_float_values(array)
    out = np.empty((out_rows, out_cols) + array.shape[2:], dtype=values.dtype)
    pixels = _Pixels(values, mode, cval)
    x = np.arange(out_cols)[None, :]
    for band in row_bands(out_rows, out_cols):  # bands of rows keep the work in the CPU cache
        y = np.arange(band.start, band.stop)[:, None]
        # Where does each output pixel (x, y) come from in the input? The bracket holds
        # one row of values, so adding the column of y terms is the only full-size pass.
        source_x = (inverse[0, 0] * x + inverse[0, 2]) + inverse[0, 1] * y
        source_y = (inverse[1, 0] * x + inverse[1, 2]) + inverse[1, 1] * y
        out[band] = _interpolate(pixels, source_x, source_y, order, values.ndim == 3)
    return out


def forward_map(image, matrix, output_shape=None, cval: float = 0.0):
    """Warp the naive way: send each input pixel to its rounded new position.

    Shown only to see why :func:`warp_affine` maps the other way: when the transform
    stretches the image, some output pixels receive no input pixel (holes); when it
    shrinks, several land on one (the last one written wins).

    Parameters
    ----------
    image : array_like, (rows, cols) or (rows, cols, channels)
    matrix : array_like, (3, 3)
        Forward affine matrix.
    output_shape : (int, int), optional
        (rows, cols) of the result; the input's by default.
    cval : float
        Value of the output pixels that nothing lands on.

    Returns
    -------
    warped : numpy.ndarray
        The image's dtype.
    covered : numpy.ndarray of bool, (rows, cols)
        Which output pixels received a value.

    Raises
    ------
    TypeError, ValueError
        For a bad image, matrix or output shape.

    Examples
    --------
    >>> warped, covered = forward_map(np.ones((2, 2)), scaling_matrix(2))
    >>> covered.astype(int)
    array([[1, 0],
           [0, 0]])
    """
    array = _check_image(image)
    m = _check_matrix(matrix)
    out_rows, out_cols = _check_shape(output_shape, array.shape[:2])
    cval = check_number(cval, "cval")
    y, x = np.indices(array.shape[:2])
    target_x = np.floor(m[0, 0] * x + m[0, 1] * y + m[0, 2] + 0.5).astype(np.intp)
    target_y = np.floor(m[1, 0] * x + m[1, 1] * y + m[1, 2] + 0.5).astype(np.intp)
    lands = (target_x >= 0) & (target_x < out_cols) & (target_y >= 0) & (target_y < out_rows)
    warped = np.full((out_rows, out_cols) + array.shape[2:], cval, dtype=array.dtype)
    covered = np.zeros((out_rows, out_cols), dtype=bool)
    warped[target_y[lands], target_x[lands]] = array[lands]
    covered[target_y[lands], target_x[lands]] = True
    return warped, covered
