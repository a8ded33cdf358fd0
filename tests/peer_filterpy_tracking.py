"""filterpy's own Kalman filter test cases (filterpy/kalman/tests/test_kf.py), as our tests.

filterpy's tests run its class on noisy constant-velocity data and compare it with its own
procedural form; here each case runs :class:`cvcourse.tracking.KalmanFilter` and filterpy's
``KalmanFilter`` side by side on the same seeded measurements and compares state and covariance
after every step.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvcourse import tracking

kalman = pytest.importorskip("filterpy.kalman")
common = pytest.importorskip("filterpy.common")


def _pair(F, H, Q, R, x, P):
    ours = tracking.KalmanFilter(F, H, Q, R, x, P)
    theirs = kalman.KalmanFilter(dim_x=len(ours.x), dim_z=ours.H.shape[0])
    theirs.F, theirs.H, theirs.Q, theirs.R = ours.F.copy(), ours.H.copy(), ours.Q.copy(), ours.R.copy()
    theirs.x, theirs.P = ours.x.copy()[:, None], ours.P.copy()
    return ours, theirs


def _assert_same(ours, theirs, rtol=1e-12, atol=1e-10):
    np.testing.assert_allclose(ours.x, theirs.x.ravel(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(ours.P, theirs.P, rtol=rtol, atol=atol)


def test_noisy_1d_update_then_predict():
    """test_noisy_1d: position t plus noise of 20, update before predict, P = 1000 I, R = 5, Q = 0.0001.

    filterpy's test sets Q to the scalar 0.0001, which NumPy adds to every entry of F P F^T;
    the same matrix, written out, is np.full((2, 2), 0.0001).
    """
    rng = np.random.default_rng(0)
    ours, theirs = _pair([[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0]], np.full((2, 2), 1e-4), [[5.0]], [2.0, 0.0],
                         1000 * np.eye(2))
    for t in range(100):
        z = t + rng.normal() * 20
        ours.update([z])
        theirs.update(z)
        ours.predict()
        theirs.predict()
        _assert_same(ours, theirs)


def test_univariate():
    """test_univariate: a one-number state, P = 50, Q = 0.02, R = 0.1, measurements 0..49."""
    ours, theirs = _pair([[1.0]], [[1.0]], [[0.02]], [[0.1]], [0.0], [[50.0]])
    for i in range(50):
        ours.predict()
        theirs.predict()
        ours.update([float(i)])
        theirs.update(float(i))
        _assert_same(ours, theirs)


def test_procedure_form():
    """test_procedure_form: 2,000 steps of an object moving 100 per step, R = 10.1^2, Q from Q_discrete_white_noise."""
    rng = np.random.default_rng(1)
    Q = common.Q_discrete_white_noise(2, 1.0, 5.1)
    ours, theirs = _pair([[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0]], Q, [[10.1 ** 2]], [0.0, 0.0], np.eye(2))
    position = 0.0
    for _ in range(2000):
        z = position + rng.normal() * 10.1
        position += 100
        ours.predict()
        theirs.predict()
        ours.update([z])
        theirs.update(z)
        # filterpy's test asks its two forms to agree to 1e-12 in norm; positions reach 2e5 here
        assert np.linalg.norm(ours.x - theirs.x.ravel()) < 1e-12 * max(1.0, abs(position))
        np.testing.assert_allclose(ours.P, theirs.P, rtol=1e-10, atol=1e-10)


def test_batch_with_missing_measurements():
    """test_batch_filter: measurements [None, 1, 2]; None means predict without an update."""
    ours, theirs = _pair([[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0]], np.full((2, 2), 1e-4), [[5.0]], [2.0, 0.0],
                         1000 * np.eye(2))
    means, covariances, _, _ = theirs.batch_filter([None, 1.0, 2.0], update_first=False)
    for z, mean, covariance in zip([None, 1.0, 2.0], means, covariances):
        ours.predict()
        if z is not None:
            ours.update([z])
        np.testing.assert_allclose(ours.x, mean.ravel(), rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(ours.P, covariance, rtol=1e-12, atol=1e-10)


def test_z_dim():
    """test_z_dim: a measurement of the wrong size is refused; row or column forms of the right size are not."""
    one = tracking.KalmanFilter([[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0]], 5.1 * np.eye(2), [[1.0]], [2.0, 0.0],
                                np.eye(2))
    for z in (3.0, [3.0], np.array([[3.0]])):
        one.update(z)
        assert one.x.shape == (2,)
    with pytest.raises(ValueError, match="z must hold 1"):
        one.update([3.0, 3.0])
    with pytest.raises(ValueError, match="z must hold 1"):
        one.update(np.array([[[3.0]]]))
    two = tracking.KalmanFilter(np.eye(4), [[1.0, 0, 0, 0], [0, 0, 1, 0]], np.eye(4), np.eye(2), np.zeros(4),
                                np.eye(4))
    for z in (3.0, [3.0], [[3.0, 3.0, 3.0]]):
        with pytest.raises(ValueError, match="z must hold 2"):
            two.update(z)
    two.update([[3.0], [3.0]])
    two.update(np.array([3.0, 3.0]))
    with pytest.raises(ValueError, match="R must have shape"):
        tracking.KalmanFilter(np.eye(4), two.H, np.eye(4), [[3.0]], np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="H must have shape"):
        tracking.KalmanFilter(np.eye(4), [[3.0]], np.eye(4), np.eye(2), np.zeros(4), np.eye(4))
