"""Motion: optical flow by Lucas-Kanade and Horn-Schunck, pyramids, block matching (chapter 20).

Conventions (those of OpenCV and of scikit-image's ``registration`` module):

* Frames are 2-D grayscale arrays: uint8 (0-255, divided by 255 first), bool or float (any
  finite range). Everything is computed in float64.
* A point is ``(x, y) = (column, row)``, as in :mod:`cvcourse.transform`; pixel centres are
  at integers.
* A flow field has shape ``(rows, cols, 2)`` and holds ``(u, v)`` = (dx, dy) per pixel of the
  *first* frame: the content at ``(x, y)`` in ``frame0`` is at ``(x + u, y + v)`` in
  ``frame1``, so ``frame0(x, y) ~ frame1(x + u, y + v)`` (brightness constancy). Sparse flow
  for ``N`` points has shape ``(N, 2)``.

Smoothing, derivatives, windows and bilinear sampling are the course's own
(:func:`cvcourse.filters.gaussian_blur`, :func:`~cvcourse.filters.correlate1d`,
:func:`~cvcourse.filters.box_blur`, :func:`cvcourse.transform.interpolate`).
"""

from __future__ import annotations

import numpy as np

from . import filters, transform
from ._validate import as_array, check_choice, check_finite, check_ndim, check_number, grayscale_as_float, same_shape

__all__ = [
    "image_gradients",
    "gaussian_pyramid",
    "lucas_kanade",
    "lucas_kanade_dense",
    "pyramidal_lucas_kanade",
    "horn_schunck",
    "block_matching",
    "motion_compensate",
    "warp_with_flow",
    "interpolate_frame",
    "endpoint_error",
    "flow_to_color",
    "MIDDLEBURY_WHEEL",
]

_CENTRAL_DIFFERENCE = np.array([-0.5, 0.0, 0.5])
# Horn and Schunck's (1981) neighbourhood average: the Laplacian's weights without the centre.
_HS_AVERAGE = np.array([[1, 2, 1], [2, 0, 2], [1, 2, 1]]) / 12.0


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------


def _frame(frame, name: str) -> np.ndarray:
    return grayscale_as_float(frame, name).astype(np.float64, copy=False)


def _frames(frame0, frame1) -> tuple[np.ndarray, np.ndarray]:
    """Both frames as float64, refused unless they have the same shape."""
    first, second = _frame(frame0, "frame0"), _frame(frame1, "frame1")
    if first.shape != second.shape:
        raise ValueError(f"frame0 and frame1 must have the same shape; got {first.shape} and {second.shape}.")
    return first, second


def _check_flow(flow, name: str = "flow", dense: bool = True) -> np.ndarray:
    """A finite float64 array whose last axis holds (u, v): 3-D, or 2-D too unless ``dense``."""
    array = as_array(flow, name)
    if dense:
        check_ndim(array, 3, name, "rows x cols x 2, the (u, v) of each pixel")
    else:
        check_ndim(array, (2, 3), name, "N x 2 for points, rows x cols x 2 for pixels")
    if array.ndim == 0 or array.shape[-1] != 2 or array.size == 0:
        raise ValueError(f"{name} must have 2 values, (u, v), in its last axis; got shape {array.shape}.")
    check_finite(array, name)
    return array.astype(np.float64, copy=False)


def _flow_for(flow, shape) -> np.ndarray:
    """A dense flow with one (u, v) per pixel of an image of ``shape``."""
    flow = _check_flow(flow)
    if flow.shape[:2] != shape:
        raise ValueError(f"flow must have the image's rows and columns, shape {shape + (2,)}; got {flow.shape}.")
    return flow


def _check_points(points) -> np.ndarray:
    array = as_array(points, "points")
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), one (x, y) per row; got shape {array.shape}.")
    check_finite(array, "points")
    return array.astype(np.float64)


def _check_window(window) -> int:
    window = check_number(window, "window", low=1, integer=True)
    if window % 2 == 0:
        raise ValueError(f"window must be odd, so that it has a centre pixel; got {window}.")
    return window


# --------------------------------------------------------------------------------------
# Derivatives and pyramids
# --------------------------------------------------------------------------------------


def _spatial_gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences along x (columns) and y (rows), borders repeated."""
    gx = filters.correlate1d(image, _CENTRAL_DIFFERENCE, axis=1, mode="nearest")
    gy = filters.correlate1d(image, _CENTRAL_DIFFERENCE, axis=0, mode="nearest")
    return gx, gy


def image_gradients(frame0, frame1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The derivatives ``I_x``, ``I_y``, ``I_t`` of the brightness constancy equation.

    Linearising ``frame0(x, y) = frame1(x + u, y + v)`` gives ``I_x u + I_y v + I_t = 0``.
    The spatial derivatives are central differences ``(I[x + 1] - I[x - 1]) / 2`` of the
    *average* of the two frames (so they are taken half-way in time, where the temporal
    difference ``I_t = frame1 - frame0`` is centred too; this symmetric estimate is accurate
    to second order in the motion).

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
        Consecutive frames.

    Returns
    -------
    gx, gy, gt : numpy.ndarray of float64
        Each of the frames' shape.

    Raises
    ------
    TypeError, ValueError
        For a non-2-D, empty or NaN frame, or frames of different shapes.

    Examples
    --------
    >>> ramp = np.tile(np.arange(5.0), (3, 1))      # brightness grows to the right
    >>> gx, gy, gt = image_gradients(ramp, ramp - 1)  # the ramp moved 1 px to the right
    >>> float(gx[1, 2]), float(gy[1, 2]), float(gt[1, 2])
    (1.0, 0.0, -1.0)
    """
    first, second = _frames(frame0, frame1)
    gx, gy = _spatial_gradients(0.5 * (first + second))
    return gx, gy, second - first


def gaussian_pyramid(image, levels: int = 3) -> list[np.ndarray]:
    """Blur with a Gaussian (sigma 1) and keep every second row and column, ``levels - 1`` times.

    Pixel ``(x, y)`` of level ``k + 1`` sits at ``(2x, 2y)`` of level ``k``.

    Parameters
    ----------
    image : array_like, 2-D
    levels : int
        How many levels, the image itself included (>= 1).

    Returns
    -------
    list of numpy.ndarray
        Finest first; level ``k`` has shape ``ceil(shape / 2**k)``.

    Raises
    ------
    TypeError, ValueError
        For a bad image or ``levels`` < 1.

    Examples
    --------
    >>> [level.shape for level in gaussian_pyramid(np.zeros((64, 48)), levels=3)]
    [(64, 48), (32, 24), (16, 12)]
    """
    pyramid = [_frame(image, "image")]
    levels = check_number(levels, "levels", low=1, integer=True)
    for _ in range(levels - 1):
        pyramid.append(filters.gaussian_blur(pyramid[-1], 1.0, mode="nearest")[::2, ::2])
    return pyramid


# --------------------------------------------------------------------------------------
# Lucas-Kanade
# --------------------------------------------------------------------------------------


def _solve_2x2(sxx, sxy, syy, bx, by, min_eigenvalue):
    """Solve [[sxx, sxy], [sxy, syy]] (u, v) = (bx, by) where the smaller eigenvalue is large
    enough; (0, 0) elsewhere, where the window cannot fix the motion (the aperture problem)."""
    half_trace = 0.5 * (sxx + syy)
    smaller = half_trace - np.sqrt((0.5 * (sxx - syy)) ** 2 + sxy**2)
    det = sxx * syy - sxy**2
    ok = smaller > min_eigenvalue
    safe = np.where(ok, det, 1.0)
    u = np.where(ok, (syy * bx - sxy * by) / safe, 0.0)
    v = np.where(ok, (sxx * by - sxy * bx) / safe, 0.0)
    return u, v


def _window_offsets(window: int) -> tuple[np.ndarray, np.ndarray]:
    radius = window // 2
    dy, dx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return dx.ravel().astype(np.float64), dy.ravel().astype(np.float64)


def _track(image0, image1, points, guess, window, iterations, min_eigenvalue):
    """Iterative Lucas-Kanade for points of one level (Bouguet 2000, section 2.4).

    The gradient matrix G is built once from ``image0``'s window (pixels outside the image
    left out); each iteration samples ``image1`` at the window moved by the current
    displacement ``d`` and adds ``G^-1 mean(grad * (I0 - I1(p + d)))``. A point stops where
    a step would take it out of the image, as OpenCV's tracker does.
    """
    rows, cols = image0.shape
    dx, dy = _window_offsets(window)
    xs, ys = points[:, :1] + dx, points[:, 1:] + dy  # (N, window**2) sample positions
    gx0, gy0 = _spatial_gradients(image0)

    def sample(image, x, y):
        return transform.interpolate(image, x, y, order=1, mode="nearest")

    def inside(x, y):
        return (x >= 0) & (x <= cols - 1) & (y >= 0) & (y <= rows - 1)

    in_image = inside(xs, ys)
    template = sample(image0, xs, ys)
    ix, iy = sample(gx0, xs, ys) * in_image, sample(gy0, xs, ys) * in_image
    sxx, sxy, syy = (ix * ix).mean(1), (ix * iy).mean(1), (iy * iy).mean(1)
    displacement = guess.copy()
    moving = np.ones(len(points), bool)
    for _ in range(iterations):
        difference = template - sample(image1, xs + displacement[:, :1], ys + displacement[:, 1:])
        step = np.stack(_solve_2x2(sxx, sxy, syy, (ix * difference).mean(1), (iy * difference).mean(1),
                                   min_eigenvalue), axis=1)
        target = points + displacement + step
        moving &= inside(target[:, 0], target[:, 1])
        displacement[moving] += step[moving]
        moving &= np.abs(step).sum(1) >= 1e-3
        if not moving.any():
            break
    return displacement


def lucas_kanade(frame0, frame1, points, window: int = 15, iterations: int = 1,
                 min_eigenvalue: float = 1e-6) -> np.ndarray:
    """Sparse Lucas-Kanade (1981): the motion of each point from its window's gradients.

    Every pixel of the ``window`` x ``window`` square around a point gives one equation
    ``I_x u + I_y v = I_0 - I_1``; their least-squares solution is the 2x2 system
    ``G (u, v) = b`` with ``G = mean([[I_x^2, I_x I_y], [I_x I_y, I_y^2]])`` over the window,
    the structure tensor of chapter 5. With ``iterations`` > 1 the window of ``frame1`` is
    re-sampled (bilinearly) at the current estimate and the residual motion added, the
    Newton-Raphson refinement of Bouguet (2000).

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
    points : array_like, (N, 2)
        ``(x, y)`` positions in ``frame0`` (need not be integers).
    window : int
        Odd side of the square window, >= 1.
    iterations : int
        Gauss-Newton steps, >= 1 (1 is the textbook one-step estimate).
    min_eigenvalue : float
        Windows whose ``G`` has a smaller eigenvalue than this get zero motion: along an edge
        or on a flat patch the motion is not determined (the aperture problem).

    Returns
    -------
    numpy.ndarray of float64, (N, 2)
        The displacement ``(u, v)`` of each point; the point is at ``points + flow`` in
        ``frame1``.

    Raises
    ------
    TypeError, ValueError
        For bad frames or points, an even or non-positive window, or bad numbers.

    Examples
    --------
    >>> y, x = np.mgrid[0:32, 0:32]
    >>> frame0 = np.sin(0.3 * x) + np.cos(0.25 * y)
    >>> frame1 = np.sin(0.3 * (x - 0.3)) + np.cos(0.25 * (y + 0.2))  # moved by (0.3, -0.2)
    >>> np.round(lucas_kanade(frame0, frame1, [[16, 16]]), 1)
    array([[ 0.3, -0.2]])
    """
    first, second = _frames(frame0, frame1)
    points = _check_points(points)
    window = _check_window(window)
    iterations = check_number(iterations, "iterations", low=1, integer=True)
    min_eigenvalue = check_number(min_eigenvalue, "min_eigenvalue", low=0.0, finite=True)
    return _track(first, second, points, np.zeros_like(points), window, iterations, min_eigenvalue)


def pyramidal_lucas_kanade(frame0, frame1, points, window: int = 15, levels: int = 4,
                           iterations: int = 20, min_eigenvalue: float = 1e-6) -> np.ndarray:
    """Track points through Gaussian pyramids, coarse to fine (Bouguet 2000).

    A window of 15 pixels sees motions of a few pixels at most; at pyramid level ``k`` every
    motion is ``2**k`` times smaller. Starting at the coarsest level with zero motion, each
    level refines the estimate with iterative :func:`lucas_kanade` and hands twice the
    result down as the next level's first guess. This is what ``cv2.calcOpticalFlowPyrLK``
    computes (whose ``maxLevel`` is ``levels - 1``).

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
    points : array_like, (N, 2)
        ``(x, y)`` positions in ``frame0``.
    window : int
        Odd window side at every level.
    levels : int
        Pyramid levels, the frames themselves included (>= 1; 1 is plain iterative
        Lucas-Kanade).
    iterations : int
        Most Gauss-Newton steps per level (it stops earlier once the steps are below 0.001 px).
    min_eigenvalue : float
        As in :func:`lucas_kanade`.

    Returns
    -------
    numpy.ndarray of float64, (N, 2)
        The displacement ``(u, v)`` of each point.

    Raises
    ------
    TypeError, ValueError
        As :func:`lucas_kanade`, and for ``levels`` < 1.

    Examples
    --------
    >>> y, x = np.mgrid[0:64, 0:64]
    >>> texture = lambda x, y: np.sin(0.3 * x + 0.1 * y) + np.cos(0.25 * y - 0.05 * x)
    >>> flow = pyramidal_lucas_kanade(texture(x, y), texture(x - 6, y - 4), [[32, 32]])
    >>> np.round(flow, 2)
    array([[6., 4.]])
    """
    first, second = _frames(frame0, frame1)
    points = _check_points(points)
    window = _check_window(window)
    levels = check_number(levels, "levels", low=1, integer=True)
    iterations = check_number(iterations, "iterations", low=1, integer=True)
    min_eigenvalue = check_number(min_eigenvalue, "min_eigenvalue", low=0.0, finite=True)
    pyramid0, pyramid1 = gaussian_pyramid(first, levels), gaussian_pyramid(second, levels)
    guess = np.zeros_like(points)
    for level in reversed(range(levels)):
        scale = 2.0**level
        displacement = _track(pyramid0[level], pyramid1[level], points / scale, guess, window,
                              iterations, min_eigenvalue)
        guess = 2.0 * displacement if level else displacement
    return guess


def _lucas_kanade_solve(gx, gy, gt, flow, window, min_eigenvalue):
    """The constant flow that best explains each window, linearised about ``flow``.

    For the window around each pixel, solve ``G f = mean(grad (grad . flow - I_t))``, the
    least-squares fit of ``I_x (f_x - u) + I_y (f_y - v) + I_t = 0`` with ``(u, v)`` the
    flow so far at each of its pixels (``I_t`` measured after warping by it). With zero
    flow this is the textbook ``G f = -mean(grad I_t)``; window means are box filters.
    """
    def mean(values):
        return filters.box_blur(values, window, mode="nearest")

    error = gx * flow[..., 0] + gy * flow[..., 1] - gt
    u, v = _solve_2x2(mean(gx * gx), mean(gx * gy), mean(gy * gy), mean(gx * error), mean(gy * error),
                      min_eigenvalue)
    return np.stack([u, v], axis=-1)


def _upsample_flow(flow: np.ndarray, shape) -> np.ndarray:
    """Twice the flow of the next coarser pyramid level, read at this level's pixels."""
    y, x = np.mgrid[0:shape[0], 0:shape[1]] / 2.0
    return np.stack([2.0 * transform.interpolate(flow[..., k], x, y, mode="nearest") for k in range(2)], axis=-1)


def lucas_kanade_dense(frame0, frame1, window: int = 15, iterations: int = 1, levels: int = 1,
                       min_eigenvalue: float = 1e-6) -> np.ndarray:
    """Lucas-Kanade at every pixel, with optional warping iterations and pyramid levels.

    Each pixel solves the 2x2 system of :func:`lucas_kanade` over the ``window`` around it;
    the window means are box filters of ``I_x^2``, ``I_x I_y``, ``I_y^2``, ``I_x I_t`` and
    ``I_y I_t`` (:func:`image_gradients`). Each further iteration warps ``frame1`` back by
    the flow so far (:func:`warp_with_flow`) and solves again, linearised about that flow
    (so the window sees the motion left over); with
    ``levels`` > 1 this runs coarse to fine through :func:`gaussian_pyramid`. (This is the
    scheme of scikit-image's ``optical_flow_ilk`` with a uniform window, ``iterations`` as its
    ``num_warp``; it differs in taking the gradients of the warped second frame, where ours
    are those of the mean of the two frames.)

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
    window : int
        Odd side of the square window.
    iterations : int
        Estimates per level, >= 1.
    levels : int
        Pyramid levels, >= 1.
    min_eigenvalue : float
        Pixels whose window has a smaller eigenvalue get no update (the aperture problem).

    Returns
    -------
    numpy.ndarray of float64, (rows, cols, 2)
        The flow ``(u, v)`` of every pixel of ``frame0``.

    Raises
    ------
    TypeError, ValueError
        For bad frames, window, counts or threshold.

    Examples
    --------
    >>> y, x = np.mgrid[0:32, 0:32]
    >>> frame0 = np.sin(0.3 * x) + np.cos(0.25 * y)
    >>> frame1 = np.sin(0.3 * (x - 0.3)) + np.cos(0.25 * (y + 0.2))
    >>> flow = lucas_kanade_dense(frame0, frame1, window=9)
    >>> np.round(flow[16, 16], 2)
    array([ 0.3, -0.2])
    """
    first, second = _frames(frame0, frame1)
    window = _check_window(window)
    iterations = check_number(iterations, "iterations", low=1, integer=True)
    levels = check_number(levels, "levels", low=1, integer=True)
    min_eigenvalue = check_number(min_eigenvalue, "min_eigenvalue", low=0.0, finite=True)
    pyramid0, pyramid1 = gaussian_pyramid(first, levels), gaussian_pyramid(second, levels)
    flow = np.zeros(pyramid0[-1].shape + (2,))
    for level in reversed(range(levels)):
        if flow.shape[:2] != pyramid0[level].shape:
            flow = _upsample_flow(flow, pyramid0[level].shape)
        for _ in range(iterations):
            warped = _warp(pyramid1[level], flow)
            flow = _lucas_kanade_solve(*image_gradients(pyramid0[level], warped), flow, window, min_eigenvalue)
    return flow


# --------------------------------------------------------------------------------------
# Horn-Schunck
# --------------------------------------------------------------------------------------


def horn_schunck(frame0, frame1, alpha: float = 0.05, iterations: int = 200) -> np.ndarray:
    """Horn and Schunck (1981): the smoothest flow that keeps brightness constant.

    Minimise ``sum (I_x u + I_y v + I_t)^2 + alpha^2 (|grad u|^2 + |grad v|^2)`` over the
    whole image. Setting the derivatives to zero gives ``I_x (I_x u + I_y v + I_t) =
    alpha^2 lap(u)`` (and the same for ``v``); with the Laplacian approximated as
    ``kappa (u_bar - u)``, ``u_bar``, ``v_bar`` the neighbourhood averages (weights 1/6
    beside, 1/12 diagonally, ``kappa`` = 3) and ``kappa`` folded into ``alpha^2`` as in
    Horn and Schunck's paper, each pixel's 2x2 system gives the Jacobi update::

        common = (I_x u_bar + I_y v_bar + I_t) / (alpha^2 + I_x^2 + I_y^2)
        u = u_bar - I_x common,    v = v_bar - I_y common

    Where the image has texture the data term decides; on flat patches and along edges the
    smoothness term fills the flow in from the neighbours.

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
        uint8 frames are read on [0, 1]; ``alpha`` is in the same units as the intensity
        gradient (per pixel), so float frames on 0-255 want an ``alpha`` 255 times larger.
    alpha : float
        Smoothness weight, > 0: larger gives smoother flow.
    iterations : int
        Jacobi sweeps, >= 1, from zero flow.

    Returns
    -------
    numpy.ndarray of float64, (rows, cols, 2)

    Raises
    ------
    TypeError, ValueError
        For bad frames, ``alpha`` <= 0 or ``iterations`` < 1.

    Examples
    --------
    >>> y, x = np.mgrid[0:32, 0:32]
    >>> frame0 = np.sin(0.3 * x) + np.cos(0.25 * y)
    >>> frame1 = np.sin(0.3 * (x - 0.3)) + np.cos(0.25 * (y + 0.2))
    >>> np.round(horn_schunck(frame0, frame1, alpha=0.05)[16, 16], 2)
    array([ 0.3, -0.2])
    """
    first, second = _frames(frame0, frame1)
    alpha = check_number(alpha, "alpha", low=0.0, low_inclusive=False, finite=True)
    iterations = check_number(iterations, "iterations", low=1, integer=True)
    gx, gy, gt = image_gradients(first, second)
    denominator = alpha**2 + gx**2 + gy**2
    u, v = np.zeros_like(first), np.zeros_like(first)
    for _ in range(iterations):
        u_bar = filters.correlate2d(u, _HS_AVERAGE, mode="nearest")
        v_bar = filters.correlate2d(v, _HS_AVERAGE, mode="nearest")
        common = (gx * u_bar + gy * v_bar + gt) / denominator
        u, v = u_bar - gx * common, v_bar - gy * common
    return np.stack([u, v], axis=-1)


# --------------------------------------------------------------------------------------
# Block matching
# --------------------------------------------------------------------------------------

_METRICS = ("sad", "ssd")


def block_matching(frame0, frame1, block: int = 8, search: int = 7, metric: str = "sad") -> np.ndarray:
    """One motion vector per block, by exhaustive search, as video encoders find them.

    ``frame0`` is cut into ``block`` x ``block`` tiles (a partial tile at the right or bottom
    edge is left out). For each tile, every integer displacement ``(dx, dy)`` with
    ``|dx|, |dy| <= search`` that keeps the tile inside ``frame1`` is tried, and the one
    whose tile in ``frame1`` differs least wins: the sum of absolute differences (``"sad"``,
    what encoders use) or of squared differences (``"ssd"``). Ties go to the shortest
    vector, then to the first in raster order (dy, then dx), so a flat tile gets (0, 0).

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
    block : int
        Tile side, >= 1, at most the frame's smaller side.
    search : int
        Search range in pixels, >= 0.
    metric : {"sad", "ssd"}

    Returns
    -------
    numpy.ndarray of int64, (rows // block, cols // block, 2)
        ``(dx, dy)`` for each tile: its content is at ``+ (dx, dy)`` in ``frame1``. (An
        encoder stores the opposite vector, from the tile of the *current* frame back to
        the reference.)

    Raises
    ------
    TypeError, ValueError
        For bad frames, a block or search out of range, or an unknown metric.

    Examples
    --------
    >>> frame0 = np.random.default_rng(0).random((16, 16))
    >>> frame1 = np.roll(frame0, (2, -3), axis=(0, 1))  # 3 px left, 2 px down
    >>> block_matching(frame0, frame1, block=8, search=4)[0, 1]
    array([-3,  2])
    """
    first, second = _frames(frame0, frame1)
    block = check_number(block, "block", low=1, high=min(first.shape), integer=True)
    search = check_number(search, "search", low=0, integer=True)
    check_choice(metric, "metric", _METRICS)
    rows, cols = first.shape[0] // block, first.shape[1] // block
    height, width = rows * block, cols * block
    tiles = first[:height, :width]
    padded = np.pad(second, search, mode="constant", constant_values=np.nan)  # NaN: outside frame1
    candidates = [(dx, dy) for dy in range(-search, search + 1) for dx in range(-search, search + 1)]
    candidates.sort(key=lambda d: d[0] ** 2 + d[1] ** 2)  # a stable sort keeps raster order in ties
    costs = np.empty((len(candidates), rows, cols))
    for index, (dx, dy) in enumerate(candidates):
        moved = padded[search + dy:search + dy + height, search + dx:search + dx + width]
        difference = np.abs(tiles - moved) if metric == "sad" else (tiles - moved) ** 2
        per_tile = difference.reshape(rows, block, cols, block).sum(axis=(1, 3))
        costs[index] = np.where(np.isnan(per_tile), np.inf, per_tile)
    best = np.argmin(costs, axis=0)
    return np.asarray(candidates, dtype=np.int64)[best]


def motion_compensate(reference, vectors, block: int) -> np.ndarray:
    """Predict a frame from ``reference`` by copying, for each tile, the tile its vector points to.

    This is how an encoder uses the vectors of :func:`block_matching` run from the frame to
    code (``current``) to the reference: ``block_matching(current, reference, block, ...)``
    says where each tile of ``current`` is found in ``reference``; the prediction copies it
    from there, and only the residual ``current - prediction`` (small where the motion is
    right) and the vectors need to be stored. Pixels past the last whole tile are copied
    from ``reference`` unmoved.

    Parameters
    ----------
    reference : array_like, 2-D
    vectors : array_like of int, (rows // block, cols // block, 2)
        ``(dx, dy)`` per tile, each keeping its tile inside ``reference``.
    block : int
        The tile side used to find the vectors.

    Returns
    -------
    numpy.ndarray of float64, the reference's shape

    Raises
    ------
    TypeError, ValueError
        For a bad reference or block, vectors of the wrong shape or not integers, or a
        vector that leaves the frame.

    Examples
    --------
    >>> reference = np.arange(16.0).reshape(4, 4)
    >>> motion_compensate(reference, np.array([[[1, 0], [0, 0]], [[0, -1], [0, 0]]]), block=2)
    array([[ 1.,  2.,  2.,  3.],
           [ 5.,  6.,  6.,  7.],
           [ 4.,  5., 10., 11.],
           [ 8.,  9., 14., 15.]])
    """
    values = _frame(reference, "reference")
    block = check_number(block, "block", low=1, high=min(values.shape), integer=True)
    rows, cols = values.shape[0] // block, values.shape[1] // block
    vectors = as_array(vectors, "vectors")
    if vectors.shape != (rows, cols, 2) or vectors.dtype.kind not in "iu":
        raise ValueError(f"vectors must be integers of shape {(rows, cols, 2)}, one (dx, dy) per tile; "
                         f"got {vectors.dtype} of shape {vectors.shape}.")
    tile_rows, tile_cols = np.mgrid[0:rows, 0:cols] * block
    top, left = tile_rows + vectors[..., 1], tile_cols + vectors[..., 0]
    if (top.min() < 0 or left.min() < 0 or top.max() + block > values.shape[0]
            or left.max() + block > values.shape[1]):
        raise ValueError("vectors must keep every tile inside the reference frame.")
    prediction = values.copy()
    offsets = np.arange(block)
    # For every tile, the rows and columns it copies from: (rows, cols, block) index arrays.
    source = values[(top[..., None, None] + offsets[:, None]), (left[..., None, None] + offsets[None, :])]
    height, width = rows * block, cols * block
    prediction[:height, :width] = source.transpose(0, 2, 1, 3).reshape(height, width)
    return prediction


# --------------------------------------------------------------------------------------
# Using and judging a flow field
# --------------------------------------------------------------------------------------


def _warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    y, x = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return transform.interpolate(image, x + flow[..., 0], y + flow[..., 1], order=1, mode="nearest")


def warp_with_flow(image, flow) -> np.ndarray:
    """Read ``image`` at ``(x + u, y + v)`` for every pixel: backward warping by a flow.

    With the flow from ``frame0`` to ``frame1``, ``warp_with_flow(frame1, flow)`` brings
    ``frame1`` back onto ``frame0`` (where nothing was hidden or revealed); half the flow
    gives a frame in between, approximately (frame interpolation). Bilinear, with the
    border pixels repeated beyond the image.

    Parameters
    ----------
    image : array_like, 2-D
    flow : array_like, (rows, cols, 2)
        ``(u, v)`` per pixel, the image's rows and columns.

    Returns
    -------
    numpy.ndarray of float64, the image's shape

    Raises
    ------
    TypeError, ValueError
        For a bad image or flow, or shapes that differ.

    Examples
    --------
    >>> image = np.array([[0.0, 1.0, 2.0, 3.0]])
    >>> flow = np.zeros((1, 4, 2)); flow[..., 0] = 0.5
    >>> warp_with_flow(image, flow)
    array([[0.5, 1.5, 2.5, 3. ]])
    """
    values = _frame(image, "image")
    return _warp(values, _flow_for(flow, values.shape))


def interpolate_frame(frame0, frame1, flow, t: float = 0.5) -> np.ndarray:
    """A frame at time ``t`` between two frames, by moving both along the flow and blending.

    The point at ``x`` at time ``t`` came from ``x - t (u, v)`` in ``frame0`` and goes to
    ``x + (1 - t) (u, v)`` in ``frame1`` (the flow read at ``x`` rather than where the point
    started, which is close where the flow is smooth). Each frame is warped there with
    :func:`warp_with_flow` and the two are blended with weights ``1 - t`` and ``t``. Where
    something is hidden in one frame, the blend shows a ghost: real interpolators also
    reason about occlusion.

    Parameters
    ----------
    frame0, frame1 : array_like, 2-D, same shape
    flow : array_like, (rows, cols, 2)
        From ``frame0`` to ``frame1``.
    t : float
        In [0, 1].

    Returns
    -------
    numpy.ndarray of float64, the frames' shape

    Raises
    ------
    TypeError, ValueError
        For bad frames or flow, or ``t`` outside [0, 1].

    Examples
    --------
    >>> frame0 = np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])
    >>> frame1 = frame0 - 1  # the ramp moved one pixel to the right
    >>> interpolate_frame(frame0, frame1, np.ones((1, 5, 2)) * [1.0, 0.0])[0, 1:-1]  # half a pixel
    array([0.5, 1.5, 2.5])
    """
    first, second = _frames(frame0, frame1)
    t = check_number(t, "t", low=0.0, high=1.0)
    flow = _flow_for(flow, first.shape)
    return (1 - t) * _warp(first, -t * flow) + t * _warp(second, (1 - t) * flow)


def endpoint_error(flow, truth, per_pixel: bool = False):
    """The endpoint error: the distance between estimated and true displacement vectors.

    ``sqrt((u - u_true)^2 + (v - v_true)^2)``, averaged over all pixels (or points): the
    measure of the Middlebury (Baker et al. 2011) and later benchmarks.

    Parameters
    ----------
    flow, truth : array_like, (..., 2), same shape
        Dense ``(rows, cols, 2)`` or sparse ``(N, 2)`` flows.
    per_pixel : bool
        Return every pixel's error instead of the mean.

    Returns
    -------
    float, or numpy.ndarray of the flow's shape without its last axis

    Raises
    ------
    TypeError, ValueError
        For flows without a last axis of 2, of different shapes, or with NaN.

    Examples
    --------
    >>> endpoint_error(np.array([[3.0, 4.0], [1.0, 1.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]))
    2.5
    """
    estimate = _check_flow(flow, "flow", dense=False)
    reference = _check_flow(truth, "truth", dense=False)
    same_shape(estimate, reference, ("flow", "truth"))
    errors = np.hypot(*np.moveaxis(estimate - reference, -1, 0))
    return errors if per_pixel else float(errors.mean())


def _colour_wheel() -> np.ndarray:
    """The 55 hues of the Middlebury colour code, RGB on 0-255 (Baker et al. 2011).

    Six ramps go round the wheel: red to yellow (15 steps), yellow to green (6), green to
    cyan (4), cyan to blue (11), blue to magenta (13) and magenta to red (6); the steps are
    sized so that the colours change at roughly even perceived speed.
    """
    corners = np.array([[255, 0, 0], [255, 255, 0], [0, 255, 0], [0, 255, 255], [0, 0, 255],
                        [255, 0, 255], [255, 0, 0]], dtype=np.float64)
    segments = []
    for start, end, steps in zip(corners[:-1], corners[1:], (15, 6, 4, 11, 13, 6)):
        ramp = np.floor(255 * np.arange(steps) / steps)[:, None]  # 0 to almost 255
        colours = np.repeat(start[None], steps, axis=0)
        colours[:, end > start] = ramp
        colours[:, end < start] = 255 - ramp
        segments.append(colours)
    return np.concatenate(segments)


#: The Middlebury colour wheel, (55, 3) RGB on 0-255: the hue for each flow direction.
MIDDLEBURY_WHEEL = _colour_wheel()


def flow_to_color(flow, max_magnitude: float | None = None) -> np.ndarray:
    """Show a flow field as colours: hue for direction, saturation for speed (Middlebury code).

    Direction picks a hue on :data:`MIDDLEBURY_WHEEL` (flow to the right is red, down
    yellow, left cyan, up blue-violet), interpolated between its 55 entries; the speed,
    divided by ``max_magnitude``, blends from white (no motion) to the full hue. Speeds above
    ``max_magnitude`` keep the full hue at 75% brightness. This is the code of Baker et al.
    (2011), as ``flow_vis`` implements it.

    Parameters
    ----------
    flow : array_like, (rows, cols, 2)
    max_magnitude : float, optional
        The speed shown as the full hue; the flow's largest by default (all-zero flow is white).

    Returns
    -------
    numpy.ndarray of uint8, (rows, cols, 3)
        RGB.

    Raises
    ------
    TypeError, ValueError
        For a bad flow or a ``max_magnitude`` <= 0.

    Examples
    --------
    >>> flow = np.array([[[1.0, 0.0], [0.0, 0.0]]])  # right, and still
    >>> flow_to_color(flow).tolist()
    [[[255, 0, 0], [255, 255, 255]]]
    """
    flow = _check_flow(flow)
    u, v = flow[..., 0], flow[..., 1]
    speed = np.hypot(u, v)
    if max_magnitude is None:
        max_magnitude = float(speed.max()) or 1.0
    max_magnitude = check_number(max_magnitude, "max_magnitude", low=0.0, low_inclusive=False, finite=True)
    radius = speed / max_magnitude
    colours = len(MIDDLEBURY_WHEEL)
    # The angle of (-u, -v), on [-1, 1], sets the position on the wheel.
    position = (np.arctan2(-v, -u) / np.pi + 1) / 2 * (colours - 1)
    below = np.floor(position).astype(np.intp)
    above = (below + 1) % colours
    fraction = (position - below)[..., None]
    hue = ((1 - fraction) * MIDDLEBURY_WHEEL[below] + fraction * MIDDLEBURY_WHEEL[above]) / 255
    radius = radius[..., None]
    inside = radius <= 1
    shade = np.where(inside, 1 - radius * (1 - hue), 0.75 * hue)
    return np.floor(255 * shade).astype(np.uint8)
