"""Cascade detectors: Haar-like features, AdaBoost, the attentional cascade and HOG (chapter 17).

Conventions follow scikit-image: images are 2-D grayscale arrays, uint8 (0-255, divided by
255 first) or float; coordinates are (row, column); boxes are xyxy in pixels, as in
:mod:`cvcourse.detection`.

- :func:`haar_like_features` takes scikit-image's arguments and returns what
  ``skimage.feature.haar_like_feature`` returns, feature for feature, computed from the
  integral image of chapter 05 (:func:`cvcourse.features.integral_image`).
- :class:`AdaBoost` is discrete AdaBoost (SAMME with two classes) on decision stumps that are
  chosen with the weighted Gini impurity, the way scikit-learn's
  ``AdaBoostClassifier(DecisionTreeClassifier(max_depth=1))`` chooses them.
- :class:`Cascade` trains the attentional cascade of Viola and Jones (2001, 2004) and runs it
  as a sliding-window detector whose overlapping hits are merged with chapter 14's
  :func:`cvcourse.detection.nms`.
- :func:`hog` is the descriptor of Dalal and Triggs (2005), equal to ``skimage.feature.hog``.
"""

from __future__ import annotations

import numpy as np

from . import filters
from ._validate import (
    as_array,
    check_choice,
    check_finite,
    check_ndim,
    check_not_empty,
    check_number,
    finite_image,
    grayscale_as_float,
    random_generator,
)
from .detection import box_iou, nms
from .features import integral_image

__all__ = [
    "FEATURE_TYPES",
    "haar_feature_coords",
    "haar_like_features",
    "haar_features_batch",
    "weighted_stump",
    "boost_weights",
    "AdaBoost",
    "Cascade",
    "BACKGROUND_IMAGES",
    "face_windows",
    "background_images",
    "cell_histograms",
    "hog",
]

#: The five Viola-Jones feature types, by scikit-image's names, with the number of rectangles
#: along (rows, columns) and where each rectangle sits in units of one rectangle's size.
FEATURE_TYPES = {
    "type-2-x": ((1, 2), ((0, 0), (0, 1))),
    "type-2-y": ((2, 1), ((0, 0), (1, 0))),
    "type-3-x": ((1, 3), ((0, 0), (0, 1), (0, 2))),
    "type-3-y": ((3, 1), ((0, 0), (1, 0), (2, 0))),
    "type-4": ((2, 2), ((0, 0), (0, 1), (1, 1), (1, 0))),
}

# ------------------------------------------------------------------------ Haar-like features


def _feature_types(feature_types) -> list[str]:
    if feature_types is None:
        return list(FEATURE_TYPES)
    names = [feature_types] if isinstance(feature_types, str) else feature_types
    try:
        names = list(names)
    except TypeError:
        raise TypeError(f"feature_types must be None, a feature type or a list of them; got {feature_types!r}.")
    if not names:
        raise ValueError("feature_types must name at least one feature type.")
    for name in names:
        check_choice(name, "feature_types", tuple(FEATURE_TYPES))
    return names


def _window_side(value, name: str) -> int:
    return check_number(value, name, low=1, integer=True)


def haar_feature_coords(width, height, feature_types=None):
    """Every Haar-like feature of a ``height`` x ``width`` window, as rectangles and signs.

    A feature is two, three or four equal rectangles side by side; its value is the sum of
    the pixels under the rectangles with alternating signs (-, +, -, +), scikit-image's
    convention (the four-rectangle type goes clockwise from the top left). Features are listed
    in scikit-image's order (``skimage.feature.haar_like_feature_coord``): by type, then by
    top-left corner (row, column), then by rectangle height and width.

    Parameters
    ----------
    width, height : int
        Size of the window.
    feature_types : str, list of str or None
        Some of :data:`FEATURE_TYPES`; all five by default.

    Returns
    -------
    rects : numpy.ndarray of int64, shape (n_features, 4, 4)
        For each feature up to four rectangles ``(row0, col0, row1, col1)``, first and last
        pixel included; unused slots (two- and three-rectangle types) are zero-size
        rectangles with sign 0.
    signs : numpy.ndarray of int64, shape (n_features, 4)
    types : numpy.ndarray of str, shape (n_features,)

    Examples
    --------
    >>> rects, signs, types = haar_feature_coords(2, 1, "type-2-x")
    >>> rects[0, :2].tolist(), signs[0].tolist()
    ([[0, 0, 0, 0], [0, 1, 0, 1]], [-1, 1, 0, 0])
    """
    width = _window_side(width, "width")
    height = _window_side(height, "height")
    all_rects, all_signs, all_types = [], [], []
    for name in _feature_types(feature_types):
        (n_rows, n_cols), offsets = FEATURE_TYPES[name]
        y, x, dy, dx = (axis.ravel() for axis in np.meshgrid(
            np.arange(height), np.arange(width), np.arange(1, height + 1), np.arange(1, width + 1),
            indexing="ij"))
        fits = (y + n_rows * dy <= height) & (x + n_cols * dx <= width)
        y, x, dy, dx = y[fits], x[fits], dy[fits], dx[fits]
        rects = np.zeros((len(y), 4, 4), dtype=np.int64)
        signs = np.zeros((len(y), 4), dtype=np.int64)
        for k, (row, col) in enumerate(offsets):
            top, left = y + row * dy, x + col * dx
            rects[:, k] = np.stack([top, left, top + dy - 1, left + dx - 1], axis=1)
            signs[:, k] = -1 if k % 2 == 0 else 1
        all_rects.append(rects)
        all_signs.append(signs)
        all_types.append(np.full(len(y), name, dtype=object))
    return np.concatenate(all_rects), np.concatenate(all_signs), np.concatenate(all_types)


def _rect_sums(padded, r0, c0, r1, c1):
    """Sums over rows r0..r1-1 and columns c0..c1-1 of zero-padded tables (last two axes)."""
    return padded[..., r1, c1] - padded[..., r0, c1] - padded[..., r1, c0] + padded[..., r0, c0]


def _signed_sums(padded, rects, signs, row, col):
    """Sum of signed rectangle sums, rectangles shifted by (row, col) in a zero-padded table.

    ``padded`` may carry leading batch axes; ``row`` and ``col`` broadcast against them.
    """
    total = 0
    for k in range(rects.shape[1]):
        r0, c0, r1, c1 = (rects[:, k, i] for i in range(4))
        sums = _rect_sums(padded, row + r0, col + c0, row + r1 + 1, col + c1 + 1)
        total = total + signs[:, k] * sums
    return total


def _padded_table(table):
    """An integral image with a leading zero row and column, in the dtype features sum in."""
    dtype = np.float64 if table.dtype.kind == "f" else np.int64
    pad = [(0, 0)] * (table.ndim - 2) + [(1, 0), (1, 0)]
    return np.pad(table.astype(dtype, copy=False), pad)


def haar_like_features(integral, r, c, width, height, feature_types=None):
    """Haar-like features of the window at ``(r, c)`` of an integral image.

    Each rectangle sum costs four look-ups in the integral image, whatever its size: the
    trick that made Viola and Jones's detector fast. The result equals
    ``skimage.feature.haar_like_feature`` on the window's own integral image. (Given a larger
    integral image and ``r, c > 0``, scikit-image slices the table rather than the image, so
    its rectangles on the window's first row or column also count everything above or left
    of the window; the course computes the window's own features.)

    Parameters
    ----------
    integral : array_like, shape (M, N)
        An integral image, from :func:`cvcourse.features.integral_image`.
    r, c : int
        Row and column of the window's top-left pixel.
    width, height : int
        Size of the window; it must lie inside the image.
    feature_types : str, list of str or None
        Some of :data:`FEATURE_TYPES`; all five by default.

    Returns
    -------
    numpy.ndarray, shape (n_features,)
        int64 for an integer integral image (exact), float64 otherwise, in the order of
        :func:`haar_feature_coords`.

    Raises
    ------
    ValueError
        If the window does not fit in the image, or a feature type is unknown.

    Examples
    --------
    >>> table = integral_image(np.array([[1, 2], [3, 4]]))
    >>> haar_like_features(table, 0, 0, 2, 2, "type-2-x").tolist()
    [1, 2, 1]
    """
    table = finite_image(integral, "integral", what="an integral image, shape (rows, columns)")
    if table.dtype.kind not in "iuf":
        raise TypeError(f"integral must hold numbers, as integral_image returns; got dtype {table.dtype}.")
    r = check_number(r, "r", low=0, integer=True)
    c = check_number(c, "c", low=0, integer=True)
    width, height = _window_side(width, "width"), _window_side(height, "height")
    if r + height > table.shape[0] or c + width > table.shape[1]:
        raise ValueError(f"the {height} x {width} window at (r={r}, c={c}) must lie inside the "
                         f"integral image of shape {table.shape}.")
    rects, signs, _ = haar_feature_coords(width, height, feature_types)
    return _signed_sums(_padded_table(table), rects, signs, r, c)


def _normalised_tables(windows):
    """Padded integral images of windows scaled to zero mean and unit standard deviation.

    Viola and Jones normalise the variance of every window so that a feature's threshold
    does not depend on the lighting; flat windows (standard deviation below 1/255) are
    scaled as if it were 1/255.
    """
    mean = windows.mean(axis=(1, 2), keepdims=True)
    std = np.maximum(windows.std(axis=(1, 2), keepdims=True), 1 / 255)
    return _padded_table(_integral_stack((windows - mean) / std))


def _integral_stack(windows):
    """Integral images of a stack of windows (two cumulative sums, as in chapter 05)."""
    return windows.cumsum(axis=-2).cumsum(axis=-1)


def haar_features_batch(windows, rects, signs):
    """Features of many windows at once, each normalised to zero mean and unit variance.

    Parameters
    ----------
    windows : array_like, shape (n_windows, height, width)
        Grayscale patches (uint8 is divided by 255, floats are kept).
    rects, signs : numpy.ndarray
        Features from :func:`haar_feature_coords` (or a subset of its rows).

    Returns
    -------
    numpy.ndarray, shape (n_windows, n_features)

    Examples
    --------
    >>> rects, signs, _ = haar_feature_coords(2, 2, "type-2-y")
    >>> haar_features_batch(np.array([[[0.0, 0.0], [1.0, 1.0]]]), rects, signs).round(3).tolist()
    [[2.0, 4.0, 2.0]]
    """
    stack = as_array(windows, "windows")
    check_ndim(stack, 3, "windows", "a stack of grayscale windows, shape (n, height, width)")
    check_not_empty(stack, "windows")
    check_finite(stack, "windows")
    if stack.dtype.kind not in "iufb":
        raise TypeError(f"windows must hold numbers; got dtype {stack.dtype}.")
    stack = stack / 255.0 if stack.dtype == np.uint8 else stack.astype(np.float64)
    rects, signs = np.asarray(rects), np.asarray(signs)
    if rects.ndim != 3 or rects.shape[1:] != (4, 4) or signs.shape != rects.shape[:2]:
        raise ValueError("rects and signs must come from haar_feature_coords, shapes (n, 4, 4) and (n, 4).")
    if len(rects) and (rects[..., 2].max() >= stack.shape[1] or rects[..., 3].max() >= stack.shape[2]):
        raise ValueError(f"the features must fit in the windows of shape {stack.shape[1:]}.")
    tables = _normalised_tables(stack)
    return _signed_sums(tables, rects, signs, 0, 0)


# ---------------------------------------------------------------------------------- AdaBoost

_FEATURE_THRESHOLD = 1e-7  # scikit-learn splits only between values further apart than this


def _best_stumps(sorted_values, sorted_labels, sorted_weights):
    """The Gini-best split of every feature, from features sorted along axis 0.

    Returns, per feature, the proxy impurity (lower is better), the split position and the
    weighted counts of positives and of all samples left of the split.
    """
    # in-place arithmetic: these (n_samples, n_features) arrays are the cost of training
    cum_weight = np.cumsum(sorted_weights, axis=0)
    cum_positive = np.cumsum(np.multiply(sorted_weights, sorted_labels, out=sorted_weights), axis=0,
                             out=sorted_weights)
    total, positive = cum_weight[-1], cum_positive[-1]
    left_w, left_p = cum_weight[:-1], cum_positive[:-1]
    right_w, right_p = total - left_w, positive - left_p
    with np.errstate(divide="ignore", invalid="ignore"):
        # weighted Gini impurity of the two sides: w * 2 p (1 - p) = 2 pos neg / w
        impurity = left_w - left_p
        impurity *= left_p
        impurity /= left_w
        right = right_w - right_p
        right *= right_p
        right /= right_w
        impurity += right
    valid = (sorted_values[1:] > sorted_values[:-1] + _FEATURE_THRESHOLD) & (left_w > 0) & (right_w > 0)
    impurity[~valid] = np.inf
    position = np.argmin(impurity, axis=0)
    columns = np.arange(impurity.shape[1])
    return impurity[position, columns], position, left_w[position, columns], left_p[position, columns]


def _check_samples(X, y=None):
    X = as_array(X, "X")
    check_ndim(X, 2, "X", "a table of samples, shape (n_samples, n_features)")
    check_not_empty(X, "X")
    check_finite(X, "X")
    if X.dtype.kind not in "iufb":
        raise TypeError(f"X must hold numbers; got dtype {X.dtype}.")
    X = X.astype(np.float64)
    if y is None:
        return X
    y = np.asarray(y)  # labels may be numbers, bools or strings
    if y.shape != (len(X),):
        raise ValueError(f"y must hold one label per row of X, shape ({len(X)},); got shape {y.shape}.")
    return X, y


def weighted_stump(values, labels, weights):
    """The threshold on one feature with the least weighted error (Viola and Jones's weak learner).

    The stump says "face" (1) where ``polarity * value > polarity * threshold``. Every
    threshold between two neighbouring sorted values (their midpoint), and one below the
    smallest, is tried with both polarities, with one sort and two cumulative sums.

    Parameters
    ----------
    values : array_like, shape (n,)
        One feature's value on each sample.
    labels : array_like of 0/1 or bool, shape (n,)
    weights : array_like, shape (n,)
        Non-negative sample weights.

    Returns
    -------
    threshold : float
    polarity : int, +1 or -1
    error : float
        The weighted error divided by the total weight.

    Examples
    --------
    >>> weighted_stump([1.0, 2.0, 3.0, 4.0], [0, 0, 1, 1], [0.25] * 4)
    (2.5, 1, 0.0)
    """
    values = finite_image(values, "values", ndim=1, what="one value per sample, shape (n,)").astype(np.float64)
    labels = np.asarray(labels)
    weights = np.asarray(weights, dtype=np.float64)
    if labels.shape != values.shape or weights.shape != values.shape:
        raise ValueError(f"labels and weights must have the shape of values, {values.shape}; "
                         f"got {labels.shape} and {weights.shape}.")
    if not np.isin(labels, (0, 1)).all() or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("labels must be 0 or 1 and weights non-negative, not all zero.")
    order = np.argsort(values, kind="stable")
    sorted_values, positive = values[order], labels[order] == 1
    w = weights[order] / weights.sum()
    # threshold k sits below sorted value k: samples 0..k-1 are below it, k.. above
    below_positive = np.r_[0.0, np.cumsum(w * positive)]
    below_negative = np.r_[0.0, np.cumsum(w * ~positive)]
    above_negative = below_negative[-1] - below_negative
    error_up = below_positive + above_negative  # polarity +1: "face" above the threshold
    error_down = 1.0 - error_up  # polarity -1: "face" below it
    distinct = np.r_[True, sorted_values[1:] > sorted_values[:-1], False]  # a threshold between two equal values cannot split them
    error_up, error_down = np.where(distinct, error_up, np.inf), np.where(distinct, error_down, np.inf)
    candidates = np.r_[sorted_values[0] - 1.0, (sorted_values[:-1] + sorted_values[1:]) / 2, sorted_values[-1] + 1.0]
    best_up, best_down = int(np.argmin(error_up)), int(np.argmin(error_down))
    if error_up[best_up] <= error_down[best_down]:
        return float(candidates[best_up]), 1, float(max(error_up[best_up], 0.0))
    return float(candidates[best_down]), -1, float(max(error_down[best_down], 0.0))


def boost_weights(weights, wrong, learning_rate=1.0):
    """One AdaBoost round's vote and re-weighting (Freund and Schapire, 1997).

    With the weighted error :math:`\\varepsilon` of the round's weak classifier, its vote is
    :math:`\\alpha = \\eta \\log((1 - \\varepsilon) / \\varepsilon)`; the samples it got
    wrong are multiplied by :math:`e^{\\alpha}`, and the weights are normalised to sum to 1.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Non-negative sample weights.
    wrong : array_like of bool, shape (n,)
        Which samples the weak classifier misclassified.
    learning_rate : float

    Returns
    -------
    alpha : float
    new_weights : numpy.ndarray, shape (n,)

    Raises
    ------
    ValueError
        If the error is 0 or at least 1/2 (the vote would be infinite or not positive).

    Examples
    --------
    >>> alpha, new = boost_weights([0.25, 0.25, 0.25, 0.25], [True, False, False, False])
    >>> round(alpha, 4), new.round(3).tolist()
    (1.0986, [0.5, 0.167, 0.167, 0.167])
    """
    weights = finite_image(weights, "weights", ndim=1, what="one weight per sample, shape (n,)").astype(np.float64)
    wrong = np.asarray(wrong)
    if wrong.shape != weights.shape or wrong.dtype != bool:
        raise ValueError(f"wrong must be a bool array of the shape of weights, {weights.shape}; "
                         f"got dtype {wrong.dtype} and shape {wrong.shape}.")
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False, finite=True)
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero.")
    error = weights[wrong].sum() / weights.sum()
    if not 0 < error < 0.5:
        raise ValueError(f"the weighted error must lie in (0, 0.5) for a useful vote; got {error:g}.")
    alpha = learning_rate * np.log((1 - error) / error)
    new_weights = weights * np.exp(alpha * wrong * (weights > 0))
    return float(alpha), new_weights / new_weights.sum()


class AdaBoost:
    """Discrete AdaBoost with decision stumps (Freund and Schapire, 1997; SAMME for two classes).

    Each round fits a stump (one feature, one threshold) to the weighted samples, gives it the
    vote :math:`\\alpha = \\eta \\log((1 - \\varepsilon) / \\varepsilon)` from its weighted error
    :math:`\\varepsilon`, and multiplies the weights of the samples it got wrong by
    :math:`e^{\\alpha}`. Stumps minimise the weighted Gini impurity, as scikit-learn's
    ``DecisionTreeClassifier(max_depth=1)`` does, so the ensemble makes the decisions of
    ``AdaBoostClassifier(DecisionTreeClassifier(max_depth=1))``.

    Parameters
    ----------
    n_estimators : int
        The largest number of stumps (fewer if a stump is perfect or no better than chance).
    learning_rate : float
        Shrinks every vote.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (2,)
    features_, thresholds_ : numpy.ndarray
        Each stump's feature and threshold: it votes for ``classes_[1]`` on the side given by
        ``left_positive_`` (``x <= threshold`` is the left side).
    left_positive_ : numpy.ndarray of bool
    alphas_, errors_ : numpy.ndarray
        Each stump's vote and weighted training error.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> AdaBoost(n_estimators=3).fit(X, [0, 0, 1, 1]).predict([[0.5], [2.5]]).tolist()
    [0, 1]
    """

    def __init__(self, n_estimators: int = 50, learning_rate: float = 1.0):
        self.n_estimators = check_number(n_estimators, "n_estimators", low=1, integer=True)
        self.learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False,
                                          finite=True)

    def fit(self, X, y, sample_weight=None):
        """Fit the stumps one round at a time; returns ``self``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Exactly two distinct labels.
        sample_weight : array_like, shape (n_samples,), optional
            Starting weights (uniform by default).
        """
        X, y = _check_samples(X, y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError(f"y must hold exactly two classes; got {len(self.classes_)}.")
        if sample_weight is None:
            weights = np.full(len(X), 1.0 / len(X))
        else:
            weights = finite_image(sample_weight, "sample_weight", ndim=1, what="one weight per sample")
            if weights.shape != (len(X),) or np.any(weights < 0) or weights.sum() <= 0:
                raise ValueError("sample_weight must hold one non-negative weight per sample, not all zero.")
        stumps = []
        for stump in self._rounds(X, labels, weights):
            stumps.append(stump)
            if len(stumps) == self.n_estimators:
                break
        self._keep(stumps)
        return self

    def _keep(self, stumps):
        """Store a list of (feature, threshold, left_positive, alpha, error) as the ensemble."""
        features, thresholds, left_positive, alphas, errors = map(np.array, zip(*stumps))
        self.features_, self.thresholds_ = features.astype(np.int64), thresholds.astype(np.float64)
        self.left_positive_, self.alphas_, self.errors_ = left_positive.astype(bool), alphas, errors

    def _rounds(self, X, labels, weights):
        """Boosting rounds, one stump (feature, threshold, left_positive, alpha, error) each.

        Stops when a stump is perfect (vote 1, as scikit-learn gives it) or no better than
        chance (then it is dropped); the caller decides how many rounds to take.
        """
        weights = weights / weights.sum()
        order = np.argsort(X, axis=0, kind="stable")  # sorted once: only the weights change
        sorted_values = np.take_along_axis(X, order, axis=0)
        sorted_labels = labels[order].astype(np.float64)
        for round_index in range(10**9):
            stump = self._fit_stump(labels, sorted_values, sorted_labels, order, weights)
            wrong = self._stump_votes(X, *stump) != labels
            error = weights[wrong].sum() / weights.sum()
            if error >= 0.5:  # no better than chance: it would spoil the ensemble
                if round_index == 0:
                    raise ValueError("the first stump is no better than chance; the classes cannot be told apart.")
                return
            if error <= 0:
                yield (*stump, 1.0, 0.0)
                return
            alpha, new_weights = boost_weights(weights, wrong, self.learning_rate)
            yield (*stump, alpha, error)
            weights = new_weights

    @staticmethod
    def _fit_stump(labels, sorted_values, sorted_labels, order, weights):
        """(feature, threshold, left_positive) of the Gini-best stump for these weights."""
        impurity, position, left_w, left_p = _best_stumps(sorted_values, sorted_labels, weights[order])
        if not np.isfinite(impurity).any():  # every feature is constant: one leaf for all
            positive = weights[labels == 1].sum() > weights[labels == 0].sum()
            return 0, np.inf, positive
        feature = int(np.argmin(impurity))
        low, high = sorted_values[position[feature], feature], sorted_values[position[feature] + 1, feature]
        threshold = low / 2.0 + high / 2.0
        if threshold == high or not np.isfinite(threshold):
            threshold = low
        right_w, right_p = weights.sum() - left_w[feature], (weights * labels).sum() - left_p[feature]
        # a leaf votes for the heavier class; a tie goes to the first class, as in scikit-learn
        left_positive = left_p[feature] > left_w[feature] - left_p[feature]
        right_positive = right_p > right_w - right_p
        if left_positive == right_positive:  # both leaves agree: the stump is a constant
            return feature, np.inf, left_positive
        return feature, threshold, left_positive

    @staticmethod
    def _stump_votes(X, feature, threshold, left_positive):
        """0/1 votes of one stump."""
        left = X[:, feature] <= threshold
        return (left == left_positive).astype(np.int64)

    def _check_fitted(self, X):
        if not hasattr(self, "alphas_"):
            raise ValueError("this AdaBoost is not fitted yet: call fit(X, y) first.")
        X = _check_samples(X)
        if X.shape[1] <= self.features_.max():
            raise ValueError(f"X must have the {self.features_.max() + 1} or more features it was fitted on; "
                             f"got {X.shape[1]}.")
        return X

    def staged_decision_function(self, X):
        """Decision values after 1, 2, ... stumps, shape (n_stumps, n_samples).

        The value after m stumps is :math:`\\sum_{t \\le m} \\alpha_t h_t(x) / \\sum_{t \\le m}
        \\alpha_t` with :math:`h_t = \\pm 1`: positive means ``classes_[1]``. (scikit-learn's
        ``staged_decision_function`` returns twice this.)
        """
        X = self._check_fitted(X)
        votes = np.stack([2 * self._stump_votes(X, f, t, p) - 1 for f, t, p in
                          zip(self.features_, self.thresholds_, self.left_positive_)])
        return np.cumsum(self.alphas_[:, None] * votes, axis=0) / np.cumsum(self.alphas_)[:, None]

    def decision_function(self, X):
        """Weighted vote of all stumps, in [-1, 1]; positive means ``classes_[1]``."""
        return self.staged_decision_function(X)[-1]

    def predict(self, X):
        """The class each sample gets: ``classes_[1]`` where the decision is positive."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]


# ---------------------------------------------------------------------------------- cascade


def _resize(image, shape):
    """Area-average resize. OpenCV for speed: the detector resizes every pyramid level."""
    import cv2

    return cv2.resize(image, (int(shape[1]), int(shape[0])), interpolation=cv2.INTER_AREA)


def _scales(scales) -> np.ndarray:
    values = np.atleast_1d(as_array(scales, "scales"))
    if values.ndim != 1 or values.dtype.kind not in "iuf" or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"scales must be a non-empty list of positive numbers; got {scales!r}.")
    return values.astype(np.float64)


class Cascade:
    """The attentional cascade of Viola and Jones (2001, 2004): boosted stages, cheap ones first.

    A window is a face only if every stage accepts it. Each stage is an :class:`AdaBoost` of
    Haar-like features that grows one stump at a time; its threshold is set so that it keeps
    ``min_detection_rate`` of the training faces, and it stops growing once it rejects at least
    ``1 - max_false_positive_rate`` of the non-faces that reached it. Before each stage the
    non-faces are renewed with windows of the background images that the cascade so far still
    (wrongly) accepts, found by scanning them: later stages see ever harder negatives.

    Parameters
    ----------
    n_stages : int
        Number of stages.
    min_detection_rate : float
        Fraction of training faces each stage must keep (d in the paper).
    max_false_positive_rate : float
        Fraction of the current non-faces each stage may keep (f in the paper).
    max_stumps : int
        The most stumps one stage may use.
    n_features : int
        How many Haar-like features (a seeded random subset of all of them) training looks at.
    n_negatives : int
        Non-face windows per stage.
    seed : int
        Seeds the feature subset and the choice of negative windows.

    Attributes
    ----------
    window : tuple of int
        (height, width) of the detection window, that of the training faces.
    rects_, signs_, types_ : numpy.ndarray
        The candidate features (rows of :func:`haar_feature_coords`).
    stages_ : list of dict
        Per stage: ``features`` (rows of ``rects_``), ``thresholds``, ``left_positive``,
        ``alphas`` (its stumps) and ``threshold`` (it accepts a vote at least this high).
    history_ : list of dict
        Per stage: its stumps, and its detection and false-positive rates on its training data.

    Examples
    --------
    >>> split = face_windows()  # doctest: +SKIP
    >>> cascade = Cascade().fit(split["train_faces"], background_images())  # doctest: +SKIP
    >>> boxes, scores = cascade.detect(image, scales=[2, 3, 4], step=2)  # doctest: +SKIP
    """

    def __init__(self, n_stages: int = 8, min_detection_rate: float = 0.998, max_false_positive_rate: float = 0.4,
                 max_stumps: int = 40, n_features: int = 3000, n_negatives: int = 600, seed: int = 0):
        self.n_stages = check_number(n_stages, "n_stages", low=1, integer=True)
        self.min_detection_rate = check_number(min_detection_rate, "min_detection_rate", low=0, high=1)
        self.max_false_positive_rate = check_number(max_false_positive_rate, "max_false_positive_rate",
                                                    low=0, high=1)
        self.max_stumps = check_number(max_stumps, "max_stumps", low=1, integer=True)
        self.n_features = check_number(n_features, "n_features", low=1, integer=True)
        self.n_negatives = check_number(n_negatives, "n_negatives", low=1, integer=True)
        self.seed = check_number(seed, "seed", integer=True)

    # -------------------------------------------------------------------------- training

    def fit(self, faces, backgrounds, progress=None):
        """Train the stages; returns ``self``.

        Parameters
        ----------
        faces : array_like, shape (n_faces, height, width)
            Positive windows (floats in [0, 1] or uint8); their size is the detection window.
        backgrounds : list of 2-D arrays
            Grayscale images (floats in [0, 1] or uint8), at least as large as the window,
            with no face in them: the source of negative windows.
        progress : callable, optional
            Called with each stage's history entry once the stage is trained.
        """
        faces = as_array(faces, "faces")
        check_ndim(faces, 3, "faces", "a stack of face windows, shape (n, height, width)")
        check_not_empty(faces, "faces")
        check_finite(faces, "faces")
        faces = faces / 255.0 if faces.dtype == np.uint8 else faces.astype(np.float64)
        self.window = faces.shape[1:]
        if isinstance(backgrounds, np.ndarray) and backgrounds.ndim == 2:
            backgrounds = [backgrounds]
        if not isinstance(backgrounds, (list, tuple)) or not backgrounds:
            raise TypeError("backgrounds must be a non-empty list of grayscale images.")
        backgrounds = [grayscale_as_float(image, "backgrounds") for image in backgrounds]
        if any(image.shape[0] < self.window[0] or image.shape[1] < self.window[1] for image in backgrounds):
            raise ValueError(f"every background must be at least as large as the window {self.window}.")
        rng = random_generator(self.seed)
        rects, signs, types = haar_feature_coords(self.window[1], self.window[0])
        chosen = np.sort(rng.choice(len(rects), size=min(self.n_features, len(rects)), replace=False))
        self.rects_, self.signs_, self.types_ = rects[chosen], signs[chosen], types[chosen]
        face_features = haar_features_batch(faces, self.rects_, self.signs_)
        self.stages_, self.history_ = [], []
        for _ in range(self.n_stages):
            negatives = self._mine_negatives(backgrounds, rng)
            if len(negatives) < 10:  # the backgrounds hold almost nothing the cascade accepts
                break
            stage, entry = self._fit_stage(face_features, haar_features_batch(negatives, self.rects_, self.signs_))
            self.stages_.append(stage)
            self.history_.append(entry)
            if progress is not None:
                progress(entry)
        return self

    def _mine_negatives(self, backgrounds, rng, step=3):
        """Up to ``n_negatives`` windows of the backgrounds that every stage so far accepts.

        Each background is scanned at a random scale, in random order, and a random share of
        the windows that get through is kept (bootstrapping, as Viola and Jones did).
        """
        found, count = [], 0
        for index in rng.permutation(len(backgrounds)):
            image = backgrounds[index]
            largest = min(image.shape[0] / self.window[0], image.shape[1] / self.window[1])
            scale = float(np.exp(rng.uniform(0, np.log(largest)))) if largest > 1 else 1.0
            level = _resize(image, np.maximum(np.round(np.array(image.shape) / scale), self.window))
            rows, cols, _, _ = self._scan_level(level, step)
            share = rng.permutation(len(rows))[:max(1, self.n_negatives // 6)]
            windows = np.lib.stride_tricks.sliding_window_view(level, self.window)
            found.append(windows[rows[share], cols[share]])
            count += len(share)
            if count >= self.n_negatives:
                break
        return np.concatenate(found)[:self.n_negatives]

    def _fit_stage(self, positive, negative):
        """One stage: stumps are added until the stage meets its detection and false-positive rates."""
        X = np.concatenate([positive, negative])
        y = np.r_[np.ones(len(positive), dtype=np.int64), np.zeros(len(negative), dtype=np.int64)]
        # faces and non-faces weigh the same in total, as in Viola and Jones's initial weights
        weights = np.where(y == 1, 0.5 / len(positive), 0.5 / len(negative))
        booster = AdaBoost(n_estimators=self.max_stumps)
        booster.classes_ = np.array([0, 1])
        stumps, scores = [], np.zeros(len(X))
        for stump in booster._rounds(X, y, weights):
            stumps.append(stump)
            feature, threshold, left_positive, alpha, _ = stump
            scores += alpha * np.where((X[:, feature] <= threshold) == left_positive, 1.0, -1.0)
            cut = np.quantile(scores[y == 1], 1 - self.min_detection_rate, method="lower")
            false_positive = np.mean(scores[y == 0] >= cut)
            if false_positive <= self.max_false_positive_rate or len(stumps) == self.max_stumps:
                break
        booster._keep(stumps)
        stage = {"features": booster.features_, "thresholds": booster.thresholds_,
                 "left_positive": booster.left_positive_, "alphas": booster.alphas_, "threshold": cut}
        entry = {"stumps": len(stumps), "detection_rate": float(np.mean(scores[y == 1] >= cut)),
                 "false_positive_rate": float(false_positive), "negatives": len(negative)}
        return stage, entry

    # ------------------------------------------------------------------------- applying

    def _check_fitted(self):
        if not hasattr(self, "stages_"):
            raise ValueError("this Cascade is not trained yet: call fit(faces, backgrounds) first.")

    def _run_stages(self, image, rows, cols, stages=None):
        """Run the stages on the windows of ``image`` with top-left corners (rows, cols).

        Only the windows that every earlier stage accepted reach a stage, and a stage computes
        only its own features: the attentional cascade. Each window is normalised to zero mean
        and unit standard deviation from the integral images of the image and of its square.

        Returns the accepted windows' (rows, cols), their summed stage margins, and how many
        windows entered each stage (and, last, were accepted).
        """
        height, width = self.window
        table = _padded_table(integral_image(image))
        squares = _padded_table(integral_image(image**2))
        area = height * width
        areas = (self.signs_ * (self.rects_[..., 2] - self.rects_[..., 0] + 1)
                 * (self.rects_[..., 3] - self.rects_[..., 1] + 1)).sum(axis=1)
        margin = np.zeros(len(rows))
        alive = []
        for stage in self.stages_ if stages is None else stages:
            alive.append(len(rows))
            mean = _rect_sums(table, rows, cols, rows + height, cols + width) / area
            variance = _rect_sums(squares, rows, cols, rows + height, cols + width) / area - mean**2
            std = np.maximum(np.sqrt(np.maximum(variance, 0)), 1 / 255)
            score = np.zeros(len(rows))
            for feature, threshold, left_positive, alpha in zip(stage["features"], stage["thresholds"],
                                                                stage["left_positive"], stage["alphas"]):
                raw = _signed_sums(table, self.rects_[feature:feature + 1], self.signs_[feature:feature + 1],
                                   rows[:, None], cols[:, None])[:, 0]
                value = (raw - mean * areas[feature]) / std
                score += alpha * np.where((value <= threshold) == left_positive, 1.0, -1.0)
            passed = score >= stage["threshold"]
            rows, cols = rows[passed], cols[passed]
            margin = margin[passed] + (score - stage["threshold"])[passed]
        alive.append(len(rows))
        return rows, cols, margin, alive

    def _scan_level(self, image, step, stages=None):
        """Run the cascade on every window of one pyramid level, ``step`` pixels apart."""
        rows, cols = np.meshgrid(np.arange(0, image.shape[0] - self.window[0] + 1, step),
                                 np.arange(0, image.shape[1] - self.window[1] + 1, step), indexing="ij")
        return self._run_stages(image, rows.ravel(), cols.ravel(), stages)

    def accepts(self, windows):
        """Whether every stage accepts each window, shape (n_windows,).

        Parameters
        ----------
        windows : array_like, shape (n_windows, height, width)
            Windows of the training size (floats in [0, 1] or uint8).
        """
        self._check_fitted()
        stack = as_array(windows, "windows")
        check_ndim(stack, 3, "windows", "a stack of windows, shape (n, height, width)")
        if stack.shape[1:] != tuple(self.window):
            raise ValueError(f"windows must be {self.window[0]} x {self.window[1]}; got shape {stack.shape}.")
        check_finite(stack, "windows")
        stack = stack / 255.0 if stack.dtype == np.uint8 else stack.astype(np.float64)
        # the windows stacked into one tall image: the scanning code then runs them unchanged
        tall = stack.reshape(-1, self.window[1])
        rows = np.arange(len(stack)) * self.window[0]
        kept, _, _, _ = self._run_stages(tall, rows, np.zeros_like(rows))
        return np.isin(rows, kept)

    def scan(self, image, scales, step=2, n_stages=None):
        """Every window of a scale pyramid that the cascade accepts, before any merging.

        ``n_stages`` runs only the first stages (all by default), to watch the cascade work.

        Returns
        -------
        boxes : numpy.ndarray, shape (K, 4)
            xyxy boxes in the image's pixels.
        margins : numpy.ndarray, shape (K,)
            Each window's summed stage votes above the stage thresholds.
        alive : numpy.ndarray, shape (n_stages + 1,)
            How many windows (all scales together) entered each stage, and, last, passed.
        """
        self._check_fitted()
        image = grayscale_as_float(image)
        scale_list = _scales(scales)
        step = check_number(step, "step", low=1, integer=True)
        stages = self.stages_ if n_stages is None else self.stages_[:check_number(n_stages, "n_stages", low=0,
                                                                                 integer=True)]
        boxes, margins = [np.zeros((0, 4))], [np.zeros(0)]
        alive = np.zeros(len(stages) + 1, dtype=np.int64)
        for scale in scale_list:
            shape = np.round(np.array(image.shape) / scale).astype(int)
            if np.any(shape < self.window):
                continue
            level = _resize(image, shape)
            rows, cols, margin, entered = self._scan_level(level, step, stages)
            alive += entered
            ratio = np.array(image.shape) / shape
            x0, y0 = cols * ratio[1], rows * ratio[0]
            boxes.append(np.stack([x0, y0, x0 + self.window[1] * ratio[1], y0 + self.window[0] * ratio[0]], axis=1))
            margins.append(margin)
        return np.concatenate(boxes), np.concatenate(margins), alive

    def detect(self, image, scales, step=2, iou_threshold=0.3, min_neighbours=3):
        """Slide the window over a pyramid of the image and merge the hits with NMS.

        A face is found by many overlapping windows (neighbouring positions and scales); a
        false alarm usually by few. As in OpenCV's ``minNeighbors``, each accepted window is
        scored by how many accepted windows overlap it by IoU above ``iou_threshold`` (ties
        broken by its margin), windows with fewer than ``min_neighbours`` are dropped, and
        :func:`cvcourse.detection.nms` keeps the best of each group.

        Parameters
        ----------
        image : array_like, shape (M, N)
            Grayscale image (uint8, or floats in [0, 1]).
        scales : sequence of float
            Window sizes to look for, as multiples of the training window: at scale s the
            image is shrunk by s and scanned with the fixed window.
        step : int
            Stride of the window in pixels of the shrunk image.
        iou_threshold : float
            Overlap that makes two windows neighbours, and above which NMS drops the weaker.
        min_neighbours : int
            Fewest overlapping windows (itself included) a detection needs.

        Returns
        -------
        boxes : numpy.ndarray, shape (K, 4)
            xyxy boxes in the image's pixels, best first.
        scores : numpy.ndarray, shape (K,)
            Each box's number of neighbours.
        """
        iou_threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1)
        min_neighbours = check_number(min_neighbours, "min_neighbours", low=1, integer=True)
        boxes, margins, self.alive_ = self.scan(image, scales, step)
        if not len(boxes):
            return boxes, margins
        neighbours = (box_iou(boxes, boxes) > iou_threshold).sum(axis=1)
        keep = neighbours >= min_neighbours
        boxes, neighbours, margins = boxes[keep], neighbours[keep], margins[keep]
        score = neighbours + margins / (1 + np.abs(margins).max(initial=0))  # margin breaks ties only
        kept = nms(boxes, score, iou_threshold)
        return boxes[kept], neighbours[kept].astype(np.float64)


# ------------------------------------------------------------------------------------ data

#: Offline images with no face in them, for negative windows.
BACKGROUND_IMAGES = ("coffee", "chelsea", "rocket", "coins", "page", "text", "moon", "brick", "grass",
                     "gravel", "hubble_deep_field", "immunohistochemistry", "retina", "cell", "clock",
                     "checkerboard", "china", "flower")


def face_windows(test_fraction=0.3, seed=0):
    """scikit-image's ``lfw_subset`` split once into training and held-out windows.

    ``lfw_subset`` holds 100 faces and 100 non-faces, 25 x 25 floats in [0, 1]. A seeded
    shuffle sends ``test_fraction`` of each to the held-out set. The training faces are
    augmented: each also mirrored, and both shifted by one pixel up, down, left and right
    (the border row or column repeated), ten windows per face, so that the cascade learns
    that a face a pixel off is still a face.

    Returns
    -------
    dict
        ``train_faces`` (with mirrors), ``train_nonfaces``, ``test_faces``, ``test_nonfaces``.

    Examples
    --------
    >>> split = face_windows()
    >>> len(split["train_faces"]), len(split["test_faces"]), len(split["test_nonfaces"])
    (700, 30, 30)
    """
    import skimage.data

    test_fraction = check_number(test_fraction, "test_fraction", low=0, high=1, low_inclusive=False,
                                 high_inclusive=False)
    rng = random_generator(seed)
    windows = skimage.data.lfw_subset()
    faces, nonfaces = windows[:100], windows[100:]
    n_test = int(round(test_fraction * 100))
    face_order, nonface_order = rng.permutation(100), rng.permutation(100)
    train_faces = faces[face_order[n_test:]]
    train_faces = np.concatenate([train_faces, train_faces[:, :, ::-1]])
    padded = np.pad(train_faces, ((0, 0), (1, 1), (1, 1)), mode="edge")
    size = train_faces.shape[1:]
    shifted = [padded[:, 1 + dr:1 + dr + size[0], 1 + dc:1 + dc + size[1]]
               for dr, dc in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))]
    return {"train_faces": np.concatenate(shifted),
            "train_nonfaces": nonfaces[nonface_order[n_test:]],
            "test_faces": faces[face_order[:n_test]], "test_nonfaces": nonfaces[nonface_order[:n_test]]}


def background_images(names=BACKGROUND_IMAGES):
    """The named offline images as grayscale floats in [0, 1], negatives for training.

    Examples
    --------
    >>> [image.shape for image in background_images(["coins", "moon"])]
    [(303, 384), (512, 512)]
    """
    from . import color, data

    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise TypeError(f"names must be a non-empty list of image names (see cvcourse.data.list_images); got {names!r}.")
    images = []
    for name in names:
        image = data.load_image(name)
        image = color.rgb_to_gray(image) if image.ndim == 3 else grayscale_as_float(image)
        images.append(np.asarray(image, dtype=np.float64))
    return images


# -------------------------------------------------------------------------------------- HOG


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be an int or a pair of ints (rows, columns); got {value!r}.")
    return tuple(check_number(v, name, low=1, integer=True) for v in value)


def _hog_gradients(image):
    """Central differences [-1, 0, 1] along rows and columns, zero on the border rows/columns.

    The course's ``filters.correlate1d`` with the derivative kernel; scikit-image's HOG sets
    the first and last row (column) of each derivative to zero instead of padding.
    """
    difference = np.array([-1.0, 0.0, 1.0], dtype=image.dtype)
    g_row = filters.correlate1d(image, difference, axis=0, mode="constant")
    g_col = filters.correlate1d(image, difference, axis=1, mode="constant")
    g_row[[0, -1], :] = 0
    g_col[:, [0, -1]] = 0
    return g_row, g_col


def cell_histograms(image, orientations=9, pixels_per_cell=(8, 8)):
    """Histograms of gradient orientation in each cell, weighted by gradient magnitude.

    Orientations are unsigned (0 to 180 degrees) in ``orientations`` equal bins; each cell's
    histogram is divided by its number of pixels. Pixels beyond the last whole cell are
    ignored. The arithmetic follows scikit-image's, which adds up each cell in single
    precision, pixel by pixel: ``hog`` then equals ``skimage.feature.hog`` to rounding.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image (uint8 is divided by 255 first).
    orientations : int
    pixels_per_cell : int or (int, int)

    Returns
    -------
    numpy.ndarray, shape (M // rows per cell, N // columns per cell, orientations)

    Examples
    --------
    >>> ramp = np.tile(np.arange(8.0), (8, 1))
    >>> cell_histograms(ramp, 4, (8, 8)).round(3).tolist()
    [[[1.5, 0.0, 0.0, 0.0]]]
    """
    image = grayscale_as_float(image)
    orientations = check_number(orientations, "orientations", low=1, integer=True)
    cell_rows, cell_cols = _pair(pixels_per_cell, "pixels_per_cell")
    n_rows, n_cols = image.shape[0] // cell_rows, image.shape[1] // cell_cols
    if n_rows == 0 or n_cols == 0:
        raise ValueError(f"image of shape {image.shape} must hold at least one cell of {cell_rows} x {cell_cols} pixels.")
    g_row, g_col = (g.astype(np.float64) for g in _hog_gradients(image))
    magnitude = np.hypot(g_col, g_row)
    angle = np.rad2deg(np.arctan2(g_row, g_col)) % 180
    # bin edges as scikit-image's Cython computes them, in single precision
    width = np.float32(180.0 / orientations)
    edges = np.array([width * np.float32(i) for i in range(orientations + 1)], dtype=np.float32).astype(np.float64)
    magnitude = magnitude[:n_rows * cell_rows, :n_cols * cell_cols].reshape(n_rows, cell_rows, n_cols, cell_cols)
    angle = angle[:n_rows * cell_rows, :n_cols * cell_cols].reshape(n_rows, cell_rows, n_cols, cell_cols)
    in_bin = (angle[..., None] >= edges[:-1]) & (angle[..., None] < edges[1:])
    votes = np.where(in_bin, magnitude[..., None], 0.0)  # (rows, r, cols, c, bins)
    totals = np.zeros((n_rows, n_cols, orientations), dtype=np.float32)
    for r in range(cell_rows):  # single-precision running sums, in scikit-image's pixel order
        for c in range(cell_cols):
            totals = (totals.astype(np.float64) + votes[:, r, :, c]).astype(np.float32)
    return (totals / np.float32(cell_rows * cell_cols)).astype(np.float64)


_BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


def _normalise_blocks(blocks, method, eps=1e-5):
    """Normalise each block (the last three axes) as Dalal and Triggs do."""
    axes = (-3, -2, -1)
    if method in ("L1", "L1-sqrt"):
        out = blocks / (np.abs(blocks).sum(axis=axes, keepdims=True) + eps)
        return np.sqrt(out) if method == "L1-sqrt" else out
    out = blocks / np.sqrt((blocks**2).sum(axis=axes, keepdims=True) + eps**2)
    if method == "L2-Hys":  # clip large values, then normalise again
        out = np.minimum(out, 0.2)
        out = out / np.sqrt((out**2).sum(axis=axes, keepdims=True) + eps**2)
    return out


def hog(image, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3), block_norm="L2-Hys"):
    """Histogram of oriented gradients (Dalal and Triggs, 2005), as ``skimage.feature.hog``.

    Gradients by central differences; per cell a histogram of unsigned orientations weighted
    by magnitude (:func:`cell_histograms`); overlapping blocks of cells, each normalised
    with ``block_norm``; the blocks concatenated.

    Parameters
    ----------
    image : array_like, shape (M, N)
        Grayscale image (uint8 is divided by 255 first; scikit-image keeps 0-255, which
        changes only the effect of the tiny ``eps`` in the normalisation).
    orientations : int
    pixels_per_cell, cells_per_block : int or (int, int)
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}

    Returns
    -------
    numpy.ndarray, shape (n_blocks_row * n_blocks_col * block rows * block columns * orientations,)
        float32 for a float32 image, float64 otherwise.

    Raises
    ------
    ValueError
        If the image holds fewer cells than one block, or ``block_norm`` is unknown.

    Examples
    --------
    >>> hog(np.random.default_rng(0).random((32, 32)), 9, (8, 8), (2, 2)).shape
    (324,)
    """
    array = grayscale_as_float(image)
    check_choice(block_norm, "block_norm", _BLOCK_NORMS)
    block_rows, block_cols = _pair(cells_per_block, "cells_per_block")
    cells = cell_histograms(array, orientations, pixels_per_cell)
    n_blocks = (cells.shape[0] - block_rows + 1, cells.shape[1] - block_cols + 1)
    if min(n_blocks) <= 0:
        raise ValueError(f"image of shape {array.shape} is too small for blocks of {block_rows} x {block_cols} "
                         f"cells of {pixels_per_cell} pixels.")
    windows = np.lib.stride_tricks.sliding_window_view(cells, (block_rows, block_cols), axis=(0, 1))
    blocks = windows.transpose(0, 1, 3, 4, 2)  # (block row, block col, cell row, cell col, bins)
    return _normalise_blocks(blocks, block_norm).astype(array.dtype).ravel()
