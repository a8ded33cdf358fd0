"""Multi-object tracking by detection: the Kalman filter, assignment, SORT, Deep SORT, metrics.

Everything is NumPy from first principles and checked against the libraries practitioners
use: :class:`KalmanFilter` against ``filterpy.kalman.KalmanFilter`` step by step,
:func:`linear_assignment` (the Hungarian algorithm) against
``scipy.optimize.linear_sum_assignment``, and :func:`mot_metrics` against ``motmetrics``
(py-motmetrics). Boxes are xyxy pixel coordinates, as in :mod:`cvcourse.detection`, whose
``box_iou`` gives the overlaps.
"""

from __future__ import annotations

import numpy as np

from ._validate import _describe, as_array, check_finite, check_number
from .detection.boxes import as_boxes, box_iou

__all__ = [
    "KalmanFilter", "box_to_measurement", "measurement_to_box", "constant_velocity_box_filter",
    "box_to_xyah", "xyah_to_box", "aspect_height_box_filter", "aspect_height_noise",
    "linear_assignment", "min_cost_matching", "iou_distance", "cosine_distance", "associate",
    "appearance_features", "Sort", "DeepSort", "track_sequence", "mot_metrics", "clear_mot", "CHI2_95",
]

#: The 95% quantile of the chi-square distribution with 1-9 degrees of freedom: Deep SORT's
#: gate on the squared Mahalanobis distance of a measurement with that many numbers.
CHI2_95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}


def _matrix(value, name: str, shape=None) -> np.ndarray:
    """``value`` as a finite float64 2-D array, of ``shape`` when given."""
    array = as_array(value, name)
    if array.dtype == np.bool_:
        raise TypeError(f"{name} must hold numbers; got dtype bool.")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix; got shape {array.shape}.")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got shape {array.shape}.")
    check_finite(array, name)
    return array.astype(np.float64)


def _vector(value, name: str, size: int) -> np.ndarray:
    array = as_array(value, name)
    if array.dtype == np.bool_:
        raise TypeError(f"{name} must hold numbers; got dtype bool.")
    if array.size != size or array.ndim > 2:
        raise ValueError(f"{name} must hold {size} numbers (shape ({size},)); got shape {array.shape}.")
    check_finite(array, name)
    return array.astype(np.float64).ravel()


class KalmanFilter:
    """A linear Kalman filter: any state transition and measurement model.

    The state is a Gaussian with mean ``x`` and covariance ``P``. The model says how the state
    moves, ``x' = F x + w`` with ``w ~ N(0, Q)``, and what a measurement sees of it,
    ``z = H x + v`` with ``v ~ N(0, R)``.

    Parameters
    ----------
    F : array_like, shape (n, n)
        State transition.
    H : array_like, shape (m, n)
        Measurement model.
    Q : array_like, shape (n, n)
        Process noise covariance.
    R : array_like, shape (m, m)
        Measurement noise covariance.
    x : array_like, shape (n,)
        Initial state mean.
    P : array_like, shape (n, n)
        Initial state covariance.

    Examples
    --------
    >>> kf = KalmanFilter(F=[[1.0, 1.0], [0.0, 1.0]], H=[[1.0, 0.0]], Q=0.01 * np.eye(2), R=[[1.0]],
    ...                   x=[0.0, 1.0], P=np.eye(2))
    >>> kf.predict().round(3).tolist()
    [1.0, 1.0]
    >>> kf.update([1.5]).round(3).tolist()
    [1.334, 1.166]
    """

    def __init__(self, F, H, Q, R, x, P):
        self.F = _matrix(F, "F")
        n = self.F.shape[0]
        if self.F.shape != (n, n) or n == 0:
            raise ValueError(f"F must be square with at least one row, shape (n, n); got shape {self.F.shape}.")
        self.H = _matrix(H, "H")
        if self.H.shape[1] != n:
            raise ValueError(f"H must have shape (m, {n}), one column per state number; got shape {self.H.shape}.")
        m = self.H.shape[0]
        self.Q = _matrix(Q, "Q", (n, n))
        self.R = _matrix(R, "R", (m, m))
        self.x = _vector(x, "x", n)
        self.P = _matrix(P, "P", (n, n))

    def predict(self) -> np.ndarray:
        """Move the state one step: ``x = F x``, ``P = F P F^T + Q``. Returns the new mean."""
        self.x = self.F @ self.x
        self.P = self.F @ self.P @ self.F.T + self.Q
        return self.x

    def project(self) -> tuple[np.ndarray, np.ndarray]:
        """The predicted measurement: mean ``H x`` and covariance ``S = H P H^T + R``."""
        return self.H @ self.x, self.H @ self.P @ self.H.T + self.R

    def update(self, z) -> np.ndarray:
        """Correct the state with measurement ``z`` (shape (m,)). Returns the new mean.

        The gain ``K = P H^T S^-1`` weighs the innovation ``z - H x``; the covariance is
        updated in Joseph's form ``(I - K H) P (I - K H)^T + K R K^T``, which stays symmetric
        and positive definite under rounding (as in filterpy).
        """
        z = _vector(z, "z", self.H.shape[0])
        predicted, S = self.project()
        gain = np.linalg.solve(S, self.H @ self.P).T  # P H^T S^-1, as S and P are symmetric
        self.x = self.x + gain @ (z - predicted)
        keep = np.eye(len(self.x)) - gain @ self.H
        self.P = keep @ self.P @ keep.T + gain @ self.R @ gain.T
        return self.x

    def mahalanobis(self, measurements) -> np.ndarray:
        """Squared Mahalanobis distance of each measurement (rows, shape (N, m)) from the prediction."""
        z = as_array(measurements, "measurements").astype(np.float64).reshape(-1, self.H.shape[0])
        predicted, S = self.project()
        difference = z - predicted
        return np.einsum("ij,ij->i", difference, np.linalg.solve(S, difference.T).T)


def box_to_measurement(boxes) -> np.ndarray:
    """xyxy boxes (N, 4) as SORT's measurements: centre x, centre y, area, aspect ratio w/h.

    Examples
    --------
    >>> box_to_measurement([[0, 0, 4, 2]]).tolist()
    [[2.0, 1.0, 8.0, 2.0]]
    """
    boxes = as_boxes(boxes)
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    if np.any(height <= 0):
        raise ValueError("boxes must have a positive height to have an aspect ratio; got a flat box.")
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2,
                     width * height, width / height], axis=1)


def _as_measurements(measurements) -> np.ndarray:
    """Rows of four or more box coordinates, shape (N, >=4), checked."""
    z = as_array(measurements, "measurements")
    if z.ndim != 2 or z.shape[1] < 4:
        raise ValueError(f"measurements must have shape (N, 4) or more columns; got shape {z.shape}.")
    check_finite(z, "measurements")
    return z


def measurement_to_box(measurements) -> np.ndarray:
    """SORT's (centre x, centre y, area, aspect ratio) rows, shape (N, >=4), back to xyxy boxes.

    Examples
    --------
    >>> measurement_to_box([[2.0, 1.0, 8.0, 2.0]]).tolist()
    [[0.0, 0.0, 4.0, 2.0]]
    """
    z = _as_measurements(measurements)
    area, aspect = np.maximum(z[:, 2], 0), np.maximum(z[:, 3], 0)
    width = np.sqrt(area * aspect)
    height = np.divide(area, width, out=np.zeros_like(width), where=width > 0)
    return np.stack([z[:, 0] - width / 2, z[:, 1] - height / 2, z[:, 0] + width / 2, z[:, 1] + height / 2], axis=1)


def constant_velocity_box_filter(box) -> KalmanFilter:
    """SORT's Kalman filter for one box: state (u, v, s, r, u', v', s'), measurement (u, v, s, r).

    The centre (u, v) and the area s move at constant velocity; the aspect ratio r is
    constant. The noise settings are those of Bewley et al.'s code: measurement noise 1 on
    the centre and 10 on area and ratio, initial variance 10 on what the first box measures
    and 10,000 on the unseen velocities, and small process noise (1 on positions, 0.01 on
    velocities, 0.0001 on the area's).

    Parameters
    ----------
    box : array_like, shape (4,)
        The first detection, xyxy.

    Returns
    -------
    KalmanFilter

    Examples
    --------
    >>> kf = constant_velocity_box_filter([10, 10, 20, 30])
    >>> kf.x.tolist()
    [15.0, 20.0, 200.0, 0.5, 0.0, 0.0, 0.0]
    """
    z = box_to_measurement(_vector(box, "box", 4)[None])[0]
    F = np.eye(7)
    F[[0, 1, 2], [4, 5, 6]] = 1.0
    H = np.eye(4, 7)
    R = np.diag([1.0, 1.0, 10.0, 10.0])
    P = np.diag([10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4])
    Q = np.diag([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 0.0001])
    return KalmanFilter(F, H, Q, R, np.concatenate([z, np.zeros(3)]), P)


def linear_assignment(cost) -> tuple[np.ndarray, np.ndarray]:
    """The Hungarian algorithm: pair rows with columns so that the total cost is least.

    Kuhn (1955) and Munkres (1957), in the shortest-augmenting-path form with dual potentials
    that runs in O(n^2 m): rows are added one at a time, each by the cheapest path of reduced
    costs (cost minus the row's and column's potentials, never negative) to a free column.
    A rectangular matrix assigns every row of the shorter side.

    Parameters
    ----------
    cost : array_like, shape (N, M)
        Finite costs.

    Returns
    -------
    rows, columns : numpy.ndarray of int64, shape (min(N, M),)
        ``rows`` sorted, as ``scipy.optimize.linear_sum_assignment`` returns them.

    Examples
    --------
    >>> linear_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    (array([0, 1, 2]), array([1, 0, 2]))
    """
    cost = _matrix(cost, "cost")
    transposed = cost.shape[0] > cost.shape[1]
    if transposed:
        cost = cost.T
    n, m = cost.shape
    row_potential, column_potential = np.zeros(n + 1), np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # owner[j]: the row (1-based) holding column j; 0 free
    way = np.zeros(m + 1, dtype=np.int64)
    for row in range(1, n + 1):
        owner[0], column = row, 0  # column 0 is a virtual start holding the new row
        shortest = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while owner[column] != 0:
            used[column] = True
            current = owner[column]
            reduced = cost[current - 1] - row_potential[current] - column_potential[1:]
            better = ~used[1:] & (reduced < shortest[1:])
            shortest[1:][better] = reduced[better]
            way[1:][better] = column
            free = np.flatnonzero(~used[1:]) + 1
            nearest = free[np.argmin(shortest[free])]
            delta = shortest[nearest]
            row_potential[owner[used]] += delta
            column_potential[used] -= delta
            shortest[free] -= delta
            column = nearest
        while column != 0:  # flip the augmenting path
            previous = way[column]
            owner[column] = owner[previous]
            column = previous
    columns = np.flatnonzero(owner[1:]) if n else np.zeros(0, dtype=np.int64)
    rows = owner[1:][columns] - 1
    if transposed:
        rows, columns = columns, rows
    order = np.argsort(rows)
    return rows[order].astype(np.int64), columns[order].astype(np.int64)


def min_cost_matching(cost, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign rows to columns at least total cost, refusing pairs that cost more than ``threshold``.

    Costs above the threshold are lowered to just above it before the Hungarian algorithm,
    so that a forbidden pair cannot distort the others, and the pairs still above it are
    dropped afterwards (as Deep SORT does). Infinite costs mean "never".

    Parameters
    ----------
    cost : array_like, shape (T, D)
    threshold : float

    Returns
    -------
    matches : numpy.ndarray of int64, shape (K, 2)
        (row, column) pairs, by row.
    unmatched_rows, unmatched_columns : numpy.ndarray of int64

    Examples
    --------
    >>> matches, rows, columns = min_cost_matching([[0.1, 0.9], [0.8, 0.95]], 0.5)
    >>> matches.tolist(), rows.tolist(), columns.tolist()
    ([[0, 0]], [1], [1])
    """
    array = as_array(cost, "cost")
    if array.ndim != 2:
        raise ValueError(f"cost must be a 2-D matrix (tracks x detections); got shape {array.shape}.")
    threshold = check_number(threshold, "threshold", finite=True)
    if np.isnan(array).any():
        raise ValueError("cost must not hold NaN; use np.inf for pairs that may never match.")
    capped = np.minimum(array.astype(np.float64), threshold + 1e-5)
    rows, columns = linear_assignment(capped)
    keep = array[rows, columns] <= threshold
    matches = np.stack([rows[keep], columns[keep]], axis=1).astype(np.int64)
    return (matches, np.setdiff1d(np.arange(array.shape[0]), matches[:, 0]),
            np.setdiff1d(np.arange(array.shape[1]), matches[:, 1]))


def iou_distance(boxes1, boxes2) -> np.ndarray:
    """1 - IoU of every box in ``boxes1`` with every box in ``boxes2`` (xyxy), SORT's cost."""
    return 1.0 - np.nan_to_num(box_iou(boxes1, boxes2))


def cosine_distance(gallery, features) -> np.ndarray:
    """Smallest cosine distance from each track's gallery of features to each feature.

    Parameters
    ----------
    gallery : sequence of array_like, each shape (K_t, d)
        The features each track has seen, one entry per track.
    features : array_like, shape (D, d)
        The detections' features.

    Returns
    -------
    numpy.ndarray, shape (T, D)
        ``min_k 1 - <g_k, f> / (|g_k| |f|)``, between 0 and 2.
    """
    if not isinstance(gallery, (list, tuple)):
        raise TypeError(f"gallery must be a list of (K, d) feature arrays, one per track; got {_describe(gallery)}.")
    features = _matrix(features, "features")

    def unit(rows):
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    distances = np.zeros((len(gallery), len(features)))
    for t, seen in enumerate(gallery):
        seen = _matrix(seen, f"gallery[{t}]")
        if len(seen) == 0 or seen.shape[1] != features.shape[1]:
            raise ValueError(f"gallery[{t}] must have shape (K, {features.shape[1]}) with K >= 1, features of the "
                             f"same length as the detections'; got shape {seen.shape}.")
        if len(features):
            distances[t] = (1.0 - unit(seen) @ unit(features).T).min(axis=0)
    return distances


def _rows(value, name: str) -> np.ndarray:
    """``value`` as a finite 2-D float array with at least one column (rows may be none)."""
    array = as_array(value, name)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array with one row each, shape (N, k) with k >= 1; "
                         f"got shape {array.shape}.")
    check_finite(array, name)
    return array.astype(np.float64)


def associate(tracks, detections, cost, threshold: float):
    """Match tracks to detections at least total cost, the data-association step of a tracker.

    Parameters
    ----------
    tracks, detections : array_like, shapes (T, k) and (D, k)
        One row per track and per detection, whatever ``cost`` compares: e.g. predicted and
        detected xyxy boxes (k = 4). T or D may be 0.
    cost : callable
        ``cost(tracks, detections)`` returns the (T, D) cost matrix, e.g. :func:`iou_distance`.
    threshold : float
        The largest cost a match may have (SORT: 1 - 0.3 for IoU at least 0.3).

    Returns
    -------
    matches : numpy.ndarray of int64, shape (K, 2)
        (track index, detection index) pairs.
    unmatched_tracks, unmatched_detections : numpy.ndarray of int64

    Examples
    --------
    >>> matches, lost, new = associate([[0, 0, 10, 10], [20, 20, 30, 30]], [[21, 19, 31, 29], [50, 50, 60, 60]],
    ...                                iou_distance, 0.7)
    >>> matches.tolist(), lost.tolist(), new.tolist()
    ([[1, 0]], [0], [1])
    """
    tracks, detections = _rows(tracks, "tracks"), _rows(detections, "detections")
    if not callable(cost):
        raise TypeError(f"cost must be a function cost(tracks, detections) -> (T, D) matrix; got {_describe(cost)}.")
    matrix = as_array(cost(tracks, detections), "cost(tracks, detections)")
    if matrix.ndim != 2:
        raise ValueError(f"cost(tracks, detections) must return a (T, D) matrix; got shape {matrix.shape}.")
    return min_cost_matching(matrix, threshold)


def appearance_features(frame, boxes, bins: int = 4) -> np.ndarray:
    """A hand-made appearance embedding: the joint colour histogram of each box, unit length.

    Deep SORT learns its embedding with a CNN trained to tell people apart; on the course's
    synthetic sequences, where objects differ in colour, a histogram of ``bins`` levels per
    channel (``bins**3`` numbers) does the same job.

    Parameters
    ----------
    frame : array_like, shape (H, W, 3)
        RGB, floats in [0, 1].
    boxes : array_like, shape (N, 4)
        xyxy boxes; the pixels whose centres fall inside are counted.
    bins : int

    Returns
    -------
    numpy.ndarray, shape (N, bins**3)
        Each row has unit Euclidean length (zeros for a box with no pixel).
    """
    frame = as_array(frame, "frame")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame must be an RGB image, shape (H, W, 3); got shape {frame.shape}.")
    check_finite(frame, "frame")
    boxes = as_boxes(boxes)
    bins = check_number(bins, "bins", low=1, integer=True)
    levels = np.clip((frame * bins).astype(np.int64), 0, bins - 1)
    codes = (levels[..., 0] * bins + levels[..., 1]) * bins + levels[..., 2]
    height, width = codes.shape
    features = np.zeros((len(boxes), bins ** 3))
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        left, top = max(int(np.ceil(x1 - 0.5)), 0), max(int(np.ceil(y1 - 0.5)), 0)
        right, bottom = min(int(np.ceil(x2 - 0.5)), width), min(int(np.ceil(y2 - 0.5)), height)
        if right > left and bottom > top:
            counts = np.bincount(codes[top:bottom, left:right].ravel(), minlength=bins ** 3)
            features[k] = counts / np.linalg.norm(counts)
    return features


def _detections(detections) -> np.ndarray:
    boxes = as_array(detections, "detections")
    if boxes.size == 0:
        return np.zeros((0, 4))
    return as_boxes(boxes, "detections")


def box_to_xyah(boxes) -> np.ndarray:
    """xyxy boxes (N, 4) as Deep SORT's measurements: centre x, centre y, aspect ratio w/h, height.

    Examples
    --------
    >>> box_to_xyah([[0, 0, 4, 2]]).tolist()
    [[2.0, 1.0, 2.0, 2.0]]
    """
    z = box_to_measurement(boxes)
    return np.stack([z[:, 0], z[:, 1], z[:, 3], np.sqrt(z[:, 2] / z[:, 3])], axis=1)


def xyah_to_box(measurements) -> np.ndarray:
    """Deep SORT's (centre x, centre y, aspect ratio, height) rows, shape (N, >=4), as xyxy boxes.

    Examples
    --------
    >>> xyah_to_box([[2.0, 1.0, 2.0, 2.0]]).tolist()
    [[0.0, 0.0, 4.0, 2.0]]
    """
    z = _as_measurements(measurements)
    height = np.maximum(z[:, 3], 0)
    width = np.maximum(z[:, 2], 0) * height
    return np.stack([z[:, 0] - width / 2, z[:, 1] - height / 2, z[:, 0] + width / 2, z[:, 1] + height / 2], axis=1)


#: Deep SORT's noise scales: standard deviations are these fractions of the box height.
_POSITION_WEIGHT, _VELOCITY_WEIGHT = 1 / 20, 1 / 160


def aspect_height_box_filter(box) -> KalmanFilter:
    """Deep SORT's Kalman filter: state (x, y, a, h) and their velocities, measurement (x, y, a, h).

    The centre, aspect ratio a = w/h and height move at constant velocity. Unlike SORT's
    fixed noise, the standard deviations scale with the box's height (1/20 of it for
    positions, 1/160 for velocities; the aspect ratio gets small fixed ones), so that a
    large, near object may move more pixels than a small, far one. A tracker sets ``Q``
    before each prediction and ``R`` before each update with :func:`aspect_height_noise`.

    Parameters
    ----------
    box : array_like, shape (4,)
        The first detection, xyxy.

    Returns
    -------
    KalmanFilter

    Examples
    --------
    >>> aspect_height_box_filter([10, 10, 20, 30]).x.tolist()
    [15.0, 20.0, 0.5, 20.0, 0.0, 0.0, 0.0, 0.0]
    """
    z = box_to_xyah(_vector(box, "box", 4)[None])[0]
    F = np.eye(8)
    F[np.arange(4), np.arange(4, 8)] = 1.0
    height = z[3]
    std = [2 * _POSITION_WEIGHT * height, 2 * _POSITION_WEIGHT * height, 1e-2, 2 * _POSITION_WEIGHT * height,
           10 * _VELOCITY_WEIGHT * height, 10 * _VELOCITY_WEIGHT * height, 1e-5, 10 * _VELOCITY_WEIGHT * height]
    Q, R = aspect_height_noise(height)
    return KalmanFilter(F, np.eye(4, 8), Q, R, np.concatenate([z, np.zeros(4)]), np.diag(np.square(std)))


def aspect_height_noise(height: float) -> tuple[np.ndarray, np.ndarray]:
    """Deep SORT's process noise Q (8 x 8) and measurement noise R (4 x 4) for a box ``height`` tall."""
    height = check_number(height, "height", finite=True)
    position, velocity = _POSITION_WEIGHT * height, _VELOCITY_WEIGHT * height
    Q = np.diag(np.square([position, position, 1e-2, position, velocity, velocity, 1e-5, velocity]))
    R = np.diag(np.square([position, position, 1e-1, position]))
    return Q, R


class _Track:
    """One object followed by a tracker: a box filter (SORT's or Deep SORT's) and its bookkeeping."""

    def __init__(self, box, identity: int, feature=None):
        self.appearance = feature is not None
        self.filter = aspect_height_box_filter(box) if self.appearance else constant_velocity_box_filter(box)
        self.identity = identity
        # Deep SORT counts the detection that starts a track as its first hit; SORT does not, so a
        # SORT track is reported only after min_hits matches that follow its first detection.
        start = 1 if self.appearance else 0
        self.hits, self.hit_streak, self.age, self.time_since_update = start, start, 0, 0
        self.confirmed = False
        self.features = [] if feature is None else [feature]

    def measure(self, boxes) -> np.ndarray:
        return box_to_xyah(boxes) if self.appearance else box_to_measurement(boxes)

    def _set_noise(self) -> None:
        self.filter.Q, self.filter.R = aspect_height_noise(self.filter.x[3])

    def predict(self) -> np.ndarray:
        if self.appearance:
            self._set_noise()
        elif self.filter.x[2] + self.filter.x[6] <= 0:  # the area would turn negative: stop shrinking
            self.filter.x[6] = 0.0
        self.filter.predict()
        self.age += 1
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return self.box()

    def mahalanobis(self, boxes) -> np.ndarray:
        if self.appearance:
            self._set_noise()
        return self.filter.mahalanobis(self.measure(boxes))

    def update(self, box, feature=None, budget: int = 100) -> None:
        if self.appearance:
            self._set_noise()
        self.filter.update(self.measure(np.asarray(box)[None])[0])
        self.hits += 1
        self.hit_streak += 1
        self.time_since_update = 0
        if feature is not None:
            self.features = (self.features + [feature])[-budget:]

    def box(self) -> np.ndarray:
        state = self.filter.x[None, :4]
        return xyah_to_box(state)[0] if self.appearance else measurement_to_box(state)[0]


def _output(tracks) -> tuple[np.ndarray, np.ndarray]:
    if not tracks:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 4))
    return np.array([t.identity for t in tracks], dtype=np.int64), np.array([t.box() for t in tracks])


class Sort:
    """SORT, Simple Online and Realtime Tracking (Bewley et al. 2016).

    Each frame: every track's Kalman filter predicts its box; the Hungarian algorithm matches
    predictions to detections on 1 - IoU; matched tracks are corrected, unmatched detections
    start new tracks, and a track unmatched for more than ``max_age`` frames is dropped. A
    track is reported once it has been matched ``min_hits`` frames in a row after the
    detection that started it (or during the first ``min_hits`` frames of the sequence), as
    in Bewley et al.'s code.

    Parameters
    ----------
    max_age : int
        Frames a track may go unmatched before it is deleted.
    min_hits : int
        Consecutive matches before a track is reported.
    iou_threshold : float
        The least IoU of a match.

    Examples
    --------
    >>> tracker = Sort()
    >>> for x in range(4):
    ...     ids, boxes = tracker.update([[10 + 2 * x, 10, 20 + 2 * x, 20]])
    >>> ids.tolist(), boxes.round(1).tolist()
    ([1], [[16.0, 10.0, 26.0, 20.0]])
    """

    def __init__(self, max_age: int = 1, min_hits: int = 3, iou_threshold: float = 0.3):
        self.max_age = check_number(max_age, "max_age", low=0, integer=True)
        self.min_hits = check_number(min_hits, "min_hits", low=0, integer=True)
        self.iou_threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1)
        self.tracks: list[_Track] = []
        self.frame_count = 0
        self._next_identity = 1

    def update(self, detections) -> tuple[np.ndarray, np.ndarray]:
        """Take one frame's detections (xyxy, shape (D, 4)); return the reported (ids, boxes)."""
        detections = _detections(detections)
        self.frame_count += 1
        predicted = np.array([t.predict() for t in self.tracks]).reshape(-1, 4)
        matches, _, new = associate(predicted, detections, iou_distance, 1.0 - self.iou_threshold)
        for t, d in matches:
            self.tracks[t].update(detections[d])
        for d in new:
            self.tracks.append(_Track(detections[d], self._next_identity))
            self._next_identity += 1
        reported = [t for t in self.tracks if t.time_since_update == 0
                    and (t.hit_streak >= self.min_hits or self.frame_count <= self.min_hits)]
        self.tracks = [t for t in self.tracks if t.time_since_update <= self.max_age]
        return _output(reported)


class DeepSort:
    """Deep SORT (Wojke et al. 2017): SORT with an appearance embedding and a matching cascade.

    Each track keeps the appearance features of its last ``budget`` detections. Matching runs
    in two stages. First the **cascade**: confirmed tracks, the most recently seen first, are
    matched on the smallest cosine distance between their gallery and a detection's feature,
    pairs whose squared Mahalanobis distance under the Kalman prediction exceeds the chi-square
    gate being forbidden. Then the tentative tracks and the tracks missed for just one frame
    are matched on IoU, as in SORT. A new track is tentative until it has been detected in
    ``n_init`` frames (the one that started it included) and is deleted if it misses one; a confirmed track survives ``max_age`` frames unseen.

    Its Kalman filter is the paper's (:func:`aspect_height_box_filter`): centre, aspect ratio
    and height, with noise proportional to the height, so that the gate means what it says.

    Parameters
    ----------
    max_cosine_distance : float
        Largest appearance distance of a cascade match.
    max_iou_distance : float
        Largest 1 - IoU of a match in the second stage.
    max_age, n_init, budget : int
    gating_threshold : float
        Gate on the squared Mahalanobis distance (chi-square 95% for 4 numbers).

    Examples
    --------
    >>> tracker = DeepSort()
    >>> for x in range(4):
    ...     ids, boxes = tracker.update([[10 + 2 * x, 10, 20 + 2 * x, 20]], [[1.0, 0.0]])
    >>> ids.tolist()
    [1]
    """

    def __init__(self, max_cosine_distance: float = 0.2, max_iou_distance: float = 0.7, max_age: int = 30,
                 n_init: int = 3, budget: int = 100, gating_threshold: float = CHI2_95[4]):
        self.max_cosine_distance = check_number(max_cosine_distance, "max_cosine_distance", low=0, high=2)
        self.max_iou_distance = check_number(max_iou_distance, "max_iou_distance", low=0, high=1)
        self.max_age = check_number(max_age, "max_age", low=1, integer=True)
        self.n_init = check_number(n_init, "n_init", low=1, integer=True)
        self.budget = check_number(budget, "budget", low=1, integer=True)
        self.gating_threshold = check_number(gating_threshold, "gating_threshold", low=0)
        self.tracks: list[_Track] = []
        self._next_identity = 1

    def _appearance_cost(self, tracks, detections, features) -> np.ndarray:
        cost = cosine_distance([np.array(t.features) for t in tracks], features)
        for row, track in enumerate(tracks):
            cost[row, track.mahalanobis(detections) > self.gating_threshold] = np.inf
        return cost

    def _cascade(self, detections, features):
        unmatched = np.arange(len(detections))
        matches = []
        for level in range(1, self.max_age + 1):
            rows = [k for k, t in enumerate(self.tracks) if t.confirmed and t.time_since_update == level]
            if not rows or not len(unmatched):
                continue
            found, _, _ = min_cost_matching(
                self._appearance_cost([self.tracks[k] for k in rows], detections[unmatched], features[unmatched]),
                self.max_cosine_distance)
            matches += [(rows[t], unmatched[d]) for t, d in found]
            unmatched = np.delete(unmatched, found[:, 1])
        return matches, unmatched

    def update(self, detections, features) -> tuple[np.ndarray, np.ndarray]:
        """Take one frame's detections (D, 4) and their features (D, d); return the reported (ids, boxes)."""
        detections = _detections(detections)
        features = as_array(features, "features").astype(np.float64)
        if features.ndim != 2 or len(features) != len(detections):
            if features.size or len(detections):
                raise ValueError(f"features must have shape ({len(detections)}, d), one row per detection; "
                                 f"got shape {features.shape}.")
            features = np.zeros((0, 1))
        for track in self.tracks:
            track.predict()
        matches, unmatched = self._cascade(detections, features)
        matched_tracks = {t for t, _ in matches}
        candidates = [k for k, t in enumerate(self.tracks)
                      if k not in matched_tracks and (not t.confirmed or t.time_since_update == 1)]
        predicted = np.array([self.tracks[k].box() for k in candidates]).reshape(-1, 4)
        found, _, _ = associate(predicted, detections[unmatched], iou_distance, self.max_iou_distance)
        matches += [(candidates[t], unmatched[d]) for t, d in found]
        for t, d in matches:
            track = self.tracks[t]
            track.update(detections[d], features[d], self.budget)
            track.confirmed = track.confirmed or track.hits >= self.n_init
        new = np.setdiff1d(np.arange(len(detections)), [d for _, d in matches])
        self.tracks = [t for t in self.tracks if t.time_since_update == 0
                       or (t.confirmed and t.time_since_update <= self.max_age)]
        for d in new:
            self.tracks.append(_Track(detections[d], self._next_identity, features[d]))
            self._next_identity += 1
        return _output([t for t in self.tracks if t.confirmed and t.time_since_update == 0])


def track_sequence(tracker, detections, features=None) -> list:
    """Run a tracker over a sequence: one (ids, boxes) pair per frame.

    Parameters
    ----------
    tracker : Sort or DeepSort
        A fresh tracker.
    detections : sequence of array_like
        One (D_t, 4) array of xyxy boxes per frame.
    features : sequence of array_like, optional
        One (D_t, d) array per frame, for :class:`DeepSort`.
    """
    if not isinstance(tracker, (Sort, DeepSort)):
        raise TypeError(f"tracker must be a Sort or DeepSort tracker; got {_describe(tracker)}.")
    if isinstance(detections, (str, np.ndarray)) or not hasattr(detections, "__len__"):
        raise TypeError(f"detections must be a list with one (D, 4) array per frame; got {_describe(detections)}.")
    if isinstance(tracker, DeepSort):
        if features is None or len(features) != len(detections):
            raise ValueError("DeepSort needs features: a list with one (D, d) array per frame, as long as detections.")
        return [tracker.update(boxes, feats) for boxes, feats in zip(detections, features)]
    return [tracker.update(boxes) for boxes in detections]


def _frames(sequence, name: str) -> list:
    """A list of (ids, boxes) pairs, one per frame, checked."""
    if isinstance(sequence, (str, np.ndarray)) or not isinstance(sequence, (list, tuple)):
        raise TypeError(f"{name} must be a list with one (ids, boxes) pair per frame; got {_describe(sequence)}.")
    frames = []
    for t, pair in enumerate(sequence):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{name}[{t}] must be an (ids, boxes) pair; got {_describe(pair)}.")
        ids = as_array(pair[0], f"{name}[{t}] ids").astype(np.int64).ravel()
        boxes = as_array(pair[1], f"{name}[{t}] boxes")
        boxes = np.zeros((0, 4)) if boxes.size == 0 else as_boxes(boxes, f"{name}[{t}] boxes")
        if len(ids) != len(boxes) or len(np.unique(ids)) != len(ids):
            raise ValueError(f"{name}[{t}] must have one distinct id per box; got {len(ids)} ids for {len(boxes)} boxes.")
        frames.append((ids, boxes))
    return frames


def _feasible_assignment(distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Most pairs with finite distance, and among those the least total distance."""
    valid = np.isfinite(distance)
    if not valid.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # A forbidden pair costs more than any set of allowed ones could save (as in motmetrics).
    large = 2 * min(distance.shape) * (np.abs(distance[valid]).max() + 1) + 1
    rows, columns = linear_assignment(np.where(valid, distance, large))
    keep = valid[rows, columns]
    return rows[keep], columns[keep]


def mot_metrics(ground_truth, hypotheses, iou_threshold: float = 0.5) -> dict:
    """CLEAR MOT (Bernardin and Stiefelhagen 2008) and identity (Ristani et al. 2016) metrics.

    Frame by frame, an object and a hypothesis may match if their IoU is at least
    ``iou_threshold``. Correspondences of the previous frames are kept while they remain
    valid; the rest are made by the Hungarian algorithm (most matches, then least total
    distance 1 - IoU). A match whose object was last matched to another hypothesis is an
    identity switch. Then

    - MOTA = 1 - (misses + false positives + identity switches) / objects;
    - MOTP = the mean IoU of the matches (motmetrics reports the mean 1 - IoU);
    - IDF1 = 2 IDTP / (objects + hypotheses), where IDTP counts the frames in which the
      object and the hypothesis paired by a single best whole-sequence assignment of
      identities overlap enough.

    Parameters
    ----------
    ground_truth, hypotheses : list of (ids, boxes)
        One pair per frame: ids (N,) and xyxy boxes (N, 4).
    iou_threshold : float

    Returns
    -------
    dict
        ``mota``, ``motp``, ``idf1``, ``idp``, ``idr``, ``id_switches``, ``misses``,
        ``false_positives``, ``matches`` (every correspondence, switches included: motmetrics'
        ``num_detections``), ``num_objects``, ``num_hypotheses``, ``idtp``.

    Examples
    --------
    >>> truth = [([1], [[0, 0, 10, 10]]), ([1], [[2, 0, 12, 10]])]
    >>> found = [([7], [[0, 0, 10, 10]]), ([8], [[2, 0, 12, 10]])]
    >>> m = mot_metrics(truth, found)
    >>> m["mota"], m["id_switches"], m["idf1"]
    (0.5, 1, 0.5)
    """
    truth, found = _frames(ground_truth, "ground_truth"), _frames(hypotheses, "hypotheses")
    if len(truth) != len(found):
        raise ValueError(f"ground_truth and hypotheses must have one entry per frame each; got {len(truth)} "
                         f"and {len(found)}.")
    threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1)
    frames = []
    for (object_ids, object_boxes), (hypothesis_ids, hypothesis_boxes) in zip(truth, found):
        distance = 1.0 - np.nan_to_num(box_iou(object_boxes, hypothesis_boxes))
        distance[distance > 1.0 - threshold + 1e-12] = np.inf
        frames.append((object_ids, hypothesis_ids, distance))
    result = clear_mot(frames)
    result["motp"] = 1.0 - result["motp"]  # the mean IoU of the matches
    return result


def clear_mot(frames) -> dict:
    """CLEAR MOT and identity metrics from each frame's object-hypothesis distances.

    The counting behind :func:`mot_metrics`, for any distance (IoU's 1 - IoU, or the
    distance between centres in metres that Bernardin and Stiefelhagen also allow).

    Parameters
    ----------
    frames : list of (object_ids, hypothesis_ids, distances)
        One triple per frame: ids (N,) and (M,) and distances (N, M), NaN or infinity
        where the pair may not match.

    Returns
    -------
    dict
        As :func:`mot_metrics`, with ``motp`` the mean distance of the matches.

    Examples
    --------
    >>> m = clear_mot([([1, 2], [1, 2], [[0.1, np.nan], [np.nan, 0.3]]), ([1], [2], [[0.2]])])
    >>> m["matches"], m["id_switches"], round(m["motp"], 3), round(m["mota"], 3)
    (3, 1, 0.2, 0.667)
    """
    if isinstance(frames, (str, np.ndarray)) or not isinstance(frames, (list, tuple)):
        raise TypeError(f"frames must be a list with one (object_ids, hypothesis_ids, distances) triple per "
                        f"frame; got {_describe(frames)}.")
    last_match: dict[int, int] = {}
    co_occurrence: dict[tuple[int, int], int] = {}
    misses = false_positives = switches = matches = num_objects = num_hypotheses = 0
    distance_sum = 0.0
    for t, triple in enumerate(frames):
        if not isinstance(triple, (list, tuple)) or len(triple) != 3:
            raise ValueError(f"frames[{t}] must be an (object_ids, hypothesis_ids, distances) triple; "
                             f"got {_describe(triple)}.")
        object_ids = as_array(triple[0], f"frames[{t}] object ids").astype(np.int64).ravel()
        hypothesis_ids = as_array(triple[1], f"frames[{t}] hypothesis ids").astype(np.int64).ravel()
        distance = as_array(triple[2], f"frames[{t}] distances").astype(np.float64)
        if distance.size != len(object_ids) * len(hypothesis_ids):
            raise ValueError(f"frames[{t}] distances must have shape ({len(object_ids)}, {len(hypothesis_ids)}), "
                             f"one per object and hypothesis; got shape {distance.shape}.")
        distance = distance.reshape(len(object_ids), len(hypothesis_ids))
        distance = np.where(np.isnan(distance), np.inf, distance)
        for i, j in zip(*np.nonzero(np.isfinite(distance))):
            key = (int(object_ids[i]), int(hypothesis_ids[j]))
            co_occurrence[key] = co_occurrence.get(key, 0) + 1
        pairs = []
        for i, identity in enumerate(object_ids):  # 1. keep the correspondences that still hold
            kept = np.flatnonzero(hypothesis_ids == last_match.get(int(identity), -1 << 62))
            if len(kept) and np.isfinite(distance[i, kept[0]]):
                pairs.append((i, kept[0]))
        open_distance = distance.copy()
        for i, j in pairs:
            open_distance[i, :], open_distance[:, j] = np.inf, np.inf
        for i, j in zip(*_feasible_assignment(open_distance)):  # 2. the Hungarian algorithm for the rest
            previous = last_match.get(int(object_ids[i]))
            switches += previous is not None and previous != hypothesis_ids[j]
            pairs.append((i, j))
        for i, j in pairs:
            last_match[int(object_ids[i])] = int(hypothesis_ids[j])
            distance_sum += distance[i, j]
        matches += len(pairs)
        misses += len(object_ids) - len(pairs)
        false_positives += len(hypothesis_ids) - len(pairs)
        num_objects += len(object_ids)
        num_hypotheses += len(hypothesis_ids)
    idtp = _identity_true_positives(co_occurrence)
    return {
        "mota": float(1.0 - (misses + false_positives + switches) / num_objects) if num_objects else float("nan"),
        "motp": float(distance_sum / matches) if matches else float("nan"),
        "idf1": 2 * idtp / (num_objects + num_hypotheses) if num_objects + num_hypotheses else float("nan"),
        "idp": idtp / num_hypotheses if num_hypotheses else float("nan"),
        "idr": idtp / num_objects if num_objects else float("nan"),
        "id_switches": int(switches), "misses": int(misses), "false_positives": int(false_positives),
        "matches": int(matches), "num_objects": int(num_objects), "num_hypotheses": int(num_hypotheses),
        "idtp": int(idtp),
    }


def _identity_true_positives(co_occurrence: dict) -> int:
    """The most frames that a one-to-one pairing of object and hypothesis identities explains."""
    if not co_occurrence:
        return 0
    objects = sorted({o for o, _ in co_occurrence})
    hypotheses = sorted({h for _, h in co_occurrence})
    counts = np.zeros((len(objects), len(hypotheses)))
    for (o, h), count in co_occurrence.items():
        counts[objects.index(o), hypotheses.index(h)] = count
    rows, columns = linear_assignment(-counts)
    return int(counts[rows, columns].sum())
