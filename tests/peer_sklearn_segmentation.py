"""scikit-learn's own test cases for k-means, carried over to cvcourse.segmentation.kmeans.

Source: scikit-learn, sklearn/cluster/tests/test_k_means.py. The inputs, settings and
expected outcomes are scikit-learn's; the code is ours. The course's ``kmeans`` is Lloyd's
algorithm on dense arrays with one initialisation; sample weights become repeated samples
(a weight of 3 is three copies), which is the same problem. Options the course does not
offer (Elkan, MiniBatchKMeans, sparse input, n_init, predict/transform) are skipped with
the reason.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import v_measure_score

from cvcourse.segmentation import kmeans

CENTERS = np.array([[0.0, 5.0, 0.0, 0.0, 0.0], [1.0, 1.0, 4.0, 0.0, 0.0], [1.0, 0.0, 0.0, 5.0, 1.0]])
X, TRUE_LABELS = make_blobs(n_samples=100, centers=CENTERS, cluster_std=1.0, random_state=42)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kmeans_results(dtype):
    points = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]], dtype=dtype)
    weights = [3, 1, 1, 3]
    labels, centres, inertia = kmeans(np.repeat(points, weights, axis=0), 2,
                                      init=np.array([[0, 0], [1, 1]], dtype=dtype))
    np.testing.assert_array_equal(labels, np.repeat([0, 0, 1, 1], weights))
    np.testing.assert_allclose(inertia, 0.375)
    np.testing.assert_allclose(centres, [[0.125, 0], [0.875, 1]])


def test_kmeans_relocated_clusters():
    points = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]])
    # the second centre is too far from every point: empty at the first iteration
    labels, centres, inertia = kmeans(points, 2, init=[[0.5, 0.5], [3, 3]])
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])
    np.testing.assert_allclose(inertia, 0.25)
    np.testing.assert_allclose(centres, [[0.25, 0], [0.75, 1]])


def test_relocate_empty_clusters():
    points = np.array([-10.0, -9.5, -9, -8.5, -8, -1, 1, 9, 9.5, 10]).reshape(-1, 1)
    # Every point joins the first of three equal centres; the two empty clusters take the two
    # points farthest from it (10 and 9.5), the first keeps the other eight (sum -36).
    _, centres, _ = kmeans(points, 3, init=[[-10.0], [-10.0], [-10.0]], max_iter=1)
    np.testing.assert_allclose(centres, [[-36 / 8], [10], [9.5]])


@pytest.mark.skip(reason="Lloyd's algorithm only: no Elkan variant (test_kmeans_elkan_results)")
def test_kmeans_elkan_results():
    pass


def test_kmeans_convergence():
    points = np.random.RandomState(0).normal(size=(5000, 10))
    labels, centres, _ = kmeans(points, 5, seed=0, tol=0, max_iter=300)
    # It stopped because it converged: one more Lloyd step changes nothing.
    labels_again, centres_again, _ = kmeans(points, 5, init=centres, max_iter=1)
    np.testing.assert_array_equal(labels_again, labels)
    np.testing.assert_allclose(centres_again, centres)


@pytest.mark.parametrize("init", ["random", "k-means++", "ndarray"])
def test_all_init(init):
    labels, centres, inertia = kmeans(X, 3, init=CENTERS if init == "ndarray" else init, seed=42)
    assert centres.shape == (3, 5)
    assert np.unique(labels).shape[0] == 3
    np.testing.assert_allclose(v_measure_score(TRUE_LABELS, labels), 1.0)
    assert inertia > 0.0


@pytest.mark.skip(reason="no n_init, callable init, MiniBatchKMeans, sparse input, predict, "
                         "transform or verbose output")
def test_estimator_options():
    pass


def test_fortran_aligned_data():
    labels_c, centres_c, _ = kmeans(X, 3, init=CENTERS)
    labels_f, centres_f, _ = kmeans(np.asfortranarray(X), 3, init=np.asfortranarray(CENTERS))
    np.testing.assert_allclose(centres_c, centres_f)
    np.testing.assert_array_equal(labels_c, labels_f)


def test_score_max_iter():
    points = np.random.RandomState(0).randn(100, 10)
    _, _, one_step = kmeans(points, 8, seed=42, max_iter=1)
    _, _, ten_steps = kmeans(points, 8, seed=42, max_iter=10)
    assert ten_steps < one_step


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("init", ["k-means++", "ndarray"])
def test_integer_input(dtype, init):
    points = np.array([[0, 0], [10, 10], [12, 9], [-1, 1], [2, 0], [8, 10]])
    labels, centres, _ = kmeans(points.astype(dtype), 2, init=points[:2] if init == "ndarray" else init,
                                seed=0)
    assert centres.dtype == np.float64
    np.testing.assert_allclose(v_measure_score(labels, [0, 1, 1, 0, 0, 1]), 1)


def test_k_means_function():
    labels, centres, inertia = kmeans(X, 3, seed=0)
    assert centres.shape == (3, 5)
    assert np.unique(labels).shape[0] == 3
    np.testing.assert_allclose(v_measure_score(TRUE_LABELS, labels), 1.0)
    assert inertia > 0.0


def test_float_precision():
    results = {dtype: kmeans(X.astype(dtype), 3, seed=0) for dtype in (np.float64, np.float32)}
    (labels64, centres64, inertia64), (labels32, centres32, inertia32) = results.values()
    np.testing.assert_allclose(inertia32, inertia64, rtol=1e-5)
    np.testing.assert_allclose(centres32, centres64, rtol=1e-5)
    np.testing.assert_array_equal(labels32, labels64)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_centers_not_mutated(dtype):
    init = CENTERS.astype(dtype, copy=False)
    before = init.copy()
    _, centres, _ = kmeans(X.astype(dtype, copy=False), 3, init=init)
    assert not np.may_share_memory(centres, init)
    np.testing.assert_array_equal(init, before)


def test_kmeans_init_fitted_centers():
    _, centres, _ = kmeans(X, 3, seed=0)
    _, centres_again, _ = kmeans(X, 3, init=centres)
    np.testing.assert_allclose(centres_again, centres)


def test_kmeans_less_centers_than_unique_points():
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 0]])  # the last point is a duplicate
    labels, _, _ = kmeans(points, 4, seed=0)
    assert len(set(labels.tolist())) == 3  # only three distinct points to own


def test_weighted_vs_repeated():
    weights = np.random.RandomState(0).randint(1, 5, size=len(X))
    labels, centres, inertia = kmeans(np.repeat(X, weights, axis=0), 3, init=CENTERS)
    labels_once, _, _ = kmeans(X, 3, init=centres, max_iter=1)
    np.testing.assert_array_equal(labels, np.repeat(labels_once, weights))
