"""cvcourse.segmentation against scikit-image, scikit-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.filters
import skimage.segmentation
from cvcourse import segmentation
from cvcourse.data import load_image
from sklearn.cluster import KMeans
from sklearn.metrics import f1_score, jaccard_score


def otsu_images():
    rng = np.random.default_rng(7)
    for name in ("camera", "coins", "page", "moon", "text", "clock", "cell", "brick", "grass", "gravel"):
        yield name, load_image(name)
    yield "astronaut red", load_image("astronaut")[..., 0]
    yield "phantom float", load_image("shepp_logan_phantom")
    yield "uniform float64", rng.random((40, 60))
    yield "uniform float32", rng.random((40, 60)).astype(np.float32)
    yield "bimodal float", np.concatenate([rng.normal(0.2, 0.05, 500), rng.normal(0.7, 0.1, 300)]).reshape(20, 40)
    yield "uint16", rng.integers(0, 4000, (30, 30)).astype(np.uint16)
    yield "int16 negative", rng.integers(-300, 300, (40, 30)).astype(np.int16)
    yield "two values", np.array([[3, 3, 9, 9]], dtype=np.uint8)
    yield "constant uint8", np.full((5, 5), 42, dtype=np.uint8)
    yield "constant float", np.full((5, 5), 0.25)
    yield "one pixel", np.array([[7]], dtype=np.uint8)


OTSU = list(otsu_images())


@pytest.mark.parametrize("name, image", OTSU, ids=[n for n, _ in OTSU])
def test_otsu_equals_skimage_exactly(name, image):
    for nbins in (256, 17):
        expected = skimage.filters.threshold_otsu(image, nbins=nbins)
        got = segmentation.otsu_threshold(image, nbins)
        assert got == expected, (got, expected)
        assert np.asarray(got).dtype == np.asarray(expected).dtype


def test_otsu_criterion_equals_its_definition():
    image = load_image("coins")
    thresholds, variance = segmentation.otsu_criterion(image)
    values = image.ravel().astype(float)
    for t, v in zip(thresholds[::7], variance[::7]):
        low, high = values[values <= t], values[values > t]
        if len(low) and len(high):
            direct = len(low) * len(high) * (low.mean() - high.mean()) ** 2
            assert np.isclose(v, direct, rtol=1e-9)
    # maximising w0 w1 (m0 - m1)^2 minimises the within-class variance
    t = segmentation.otsu_threshold(image)
    def within(threshold):
        low, high = values[values <= threshold], values[values > threshold]
        return low.var() * len(low) + high.var() * len(high)
    assert all(within(t) <= within(other) + 1e-6 for other in thresholds[5:-5:5])


@pytest.mark.parametrize("method", ["mean", "gaussian"])
@pytest.mark.parametrize("block_size", [3, 11, 35])
@pytest.mark.parametrize("mode", ["reflect", "constant", "nearest", "mirror", "wrap"])
def test_local_threshold_equals_skimage(method, block_size, mode):
    page = load_image("page")
    rng = np.random.default_rng(block_size)
    for image in (page, rng.random((33, 47)), rng.random((20, 25)).astype(np.float32)):
        expected = skimage.filters.threshold_local(image, block_size, method, offset=0.02,
                                                   mode=mode, cval=0.1)
        got = segmentation.local_threshold(image, block_size, method, offset=0.02, mode=mode,
                                           cval=0.1)
        assert got.dtype == expected.dtype
        tol = 1e-5 if image.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * np.abs(expected).max())


def test_local_threshold_gaussian_param_and_adaptive_beats_otsu_on_page():
    page = load_image("page")
    expected = skimage.filters.threshold_local(page, 25, "gaussian", param=3.0)
    np.testing.assert_allclose(segmentation.local_threshold(page, 25, param=3.0), expected,
                               rtol=1e-10)
    # under uneven light a global threshold loses the text in the dark corner
    dark = page[:, :60]
    local = dark > segmentation.local_threshold(dark, 25, "mean", offset=-5)
    assert (dark > segmentation.otsu_threshold(page)).mean() < 0.2 < local.mean()


def grow_images():
    rng = np.random.default_rng(11)
    yield load_image("coins")[:120, :160]
    yield load_image("camera")[200:330, 50:180]
    yield rng.integers(0, 5, (30, 40), dtype=np.uint8)
    yield rng.random((30, 40))
    yield rng.random((25, 30)).astype(np.float32)
    yield rng.integers(-3, 3, (30, 30)).astype(np.int16)
    yield (rng.random((20, 20)) > 0.4)


GROW = list(grow_images())


@pytest.mark.parametrize("image", GROW, ids=[f"{im.dtype}{im.shape}" for im in GROW])
@pytest.mark.parametrize("connectivity", [1, 2])
def test_region_grow_equals_flood(image, connectivity):
    rng = np.random.default_rng(0)
    seeds = [(0, 0), (image.shape[0] - 1, image.shape[1] - 1)] + [
        tuple(int(v) for v in rng.integers(0, image.shape)) for _ in range(3)]
    spread = float(np.ptp(image.astype(float)))
    for seed in seeds:
        for tolerance in (None, 0, 0.1 * spread, 0.25 * spread + 0.5, 2.5, 1000):
            expected = skimage.segmentation.flood(image, seed, tolerance=tolerance,
                                                  connectivity=connectivity)
            got = segmentation.region_grow(image, seed, tolerance, connectivity=connectivity)
            np.testing.assert_array_equal(got, expected, err_msg=f"seed {seed} tolerance {tolerance}")


def test_region_grow_tiny_images_and_snake():
    assert segmentation.region_grow(np.array([[5]], dtype=np.uint8), (0, 0)).tolist() == [[True]]
    snake = np.zeros((9, 9), dtype=np.uint8)
    snake[::2, :] = 1
    snake[1::4, -1] = 1
    snake[3::4, 0] = 1
    grown = segmentation.region_grow(snake, (0, 0), connectivity=1)
    np.testing.assert_array_equal(grown, snake == 1)


def blobs(seed, n=300, k=4, d=2):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (k, d))
    return np.vstack([c + rng.normal(0, 1.0, (n // k, d)) for c in centres])


KMEANS_DATA = {
    "blobs 2-D": blobs(0),
    "blobs 5-D": blobs(1, d=5),
    "uniform": np.random.default_rng(2).random((500, 3)),
    "astronaut colours": load_image("astronaut")[::8, ::8].reshape(-1, 3).astype(float),
    # integer intensities dithered: with exact ties (a sample halfway between two
    # centres) the two implementations may break the tie differently and then diverge
    "intensities": load_image("coins")[::4, ::4].reshape(-1, 1)
    + np.random.default_rng(4).random((7296, 1)),
}


@pytest.mark.parametrize("name", KMEANS_DATA)
@pytest.mark.parametrize("k", [1, 2, 3, 6])
def test_kmeans_equals_sklearn_with_the_same_initial_centres(name, k):
    data = KMEANS_DATA[name]
    rng = np.random.default_rng(k)
    init = data[rng.choice(len(data), k, replace=False)]
    for max_iter in (1, 3, 300):
        expected = KMeans(k, init=init, n_init=1, max_iter=max_iter, algorithm="lloyd").fit(data)
        labels, centres, inertia = segmentation.kmeans(data, k, init=init, max_iter=max_iter)
        np.testing.assert_allclose(centres, expected.cluster_centers_, rtol=1e-9, atol=1e-9)
        differ = labels != expected.labels_
        if differ.any():  # only samples exactly halfway between two centres may differ
            ours = ((data[differ] - centres[labels[differ]]) ** 2).sum(1)
            theirs = ((data[differ] - centres[expected.labels_[differ]]) ** 2).sum(1)
            np.testing.assert_allclose(ours, theirs, rtol=1e-9)
        assert np.isclose(inertia, expected.inertia_, rtol=1e-9)


def test_kmeans_empty_cluster_moves_to_the_farthest_sample_like_sklearn():
    data = blobs(3)
    init = np.vstack([data[:2], [[500.0, 500.0]]])  # the third centre attracts nobody
    expected = KMeans(3, init=init, n_init=1, algorithm="lloyd").fit(data)
    labels, centres, inertia = segmentation.kmeans(data, 3, init=init)
    np.testing.assert_array_equal(labels, expected.labels_)
    assert np.isclose(inertia, expected.inertia_, rtol=1e-9)


def test_kmeans_plusplus_spreads_the_centres():
    rng = np.random.default_rng(0)
    tight = np.vstack([c + rng.normal(0, 0.01, (100, 2)) for c in ([0, 0], [10, 0], [0, 10])])
    hits = 0
    for seed in range(100):
        centres = segmentation.kmeans_plusplus(tight, 3, seed=seed)
        assert all(any(np.array_equal(c, row) for row in tight) for c in centres)
        hits += len({tuple(np.round(c / 10)) for c in centres}) == 3
    assert hits >= 95  # uniform sampling would hit all three clusters 22% of the time
    np.testing.assert_array_equal(segmentation.kmeans_plusplus(tight, 3, seed=4),
                                  segmentation.kmeans_plusplus(tight, 3, seed=4))


def test_greedy_kmeans_plusplus_seeds_at_least_as_well_on_average():
    data = np.vstack([c + np.random.default_rng(1).normal(0, 1.0, (60, 2))
                      for c in np.stack(np.meshgrid(np.arange(5), np.arange(3)), -1).reshape(-1, 2) * 10.0])
    def seeding_inertia(n_trials, seed):
        centres = segmentation.kmeans_plusplus(data, 15, n_trials=n_trials, seed=seed)
        return ((data[:, None] - centres[None]) ** 2).sum(-1).min(1).sum()
    plain = np.mean([seeding_inertia(1, s) for s in range(30)])
    greedy = np.mean([seeding_inertia(4, s) for s in range(30)])
    assert greedy < plain


def test_kmeans_plusplus_reaches_sklearns_inertia():
    data = blobs(5, n=800, k=6)
    best = KMeans(6, n_init=10, random_state=0).fit(data).inertia_
    ours = min(segmentation.kmeans(data, 6, seed=s)[2] for s in range(5))
    assert ours <= 1.01 * best


def test_kmeans_identical_samples_and_k_equals_n():
    data = np.zeros((5, 2))
    labels, centres, inertia = segmentation.kmeans(data, 2, seed=0)
    assert inertia == 0
    labels, centres, inertia = segmentation.kmeans(np.arange(4.0), 4, seed=1)
    assert sorted(centres.ravel().tolist()) == [0, 1, 2, 3] and inertia == 0


@pytest.mark.parametrize("seed", range(5))
def test_iou_and_dice_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    truth = rng.random((30, 40)) > 0.6
    prediction = truth ^ (rng.random((30, 40)) > 0.9)
    expected_iou = jaccard_score(truth.ravel(), prediction.ravel())
    expected_dice = f1_score(truth.ravel(), prediction.ravel())
    assert np.isclose(segmentation.iou(prediction, truth), expected_iou, rtol=1e-12)
    assert np.isclose(segmentation.dice(prediction, truth), expected_dice, rtol=1e-12)
    i = segmentation.iou(prediction, truth)
    assert np.isclose(segmentation.dice(prediction, truth), 2 * i / (1 + i))


def test_iou_and_dice_edge_cases():
    empty = np.zeros((3, 3), dtype=bool)
    full = np.ones((3, 3), dtype=bool)
    assert segmentation.iou(empty, empty) == 1.0 and segmentation.dice(empty, empty) == 1.0
    assert segmentation.iou(empty, full) == 0.0 and segmentation.dice(full, empty) == 0.0
    assert segmentation.iou(full.astype(np.uint8), full) == 1.0


BAD_CALLS = [
    (lambda: segmentation.otsu_threshold(np.zeros((4, 4, 3))), ValueError, "colour"),
    (lambda: segmentation.otsu_threshold(np.full((4, 4), np.nan)), ValueError, "NaN"),
    (lambda: segmentation.otsu_threshold(np.zeros(5)), ValueError, "2-D"),
    (lambda: segmentation.otsu_threshold(np.zeros((0, 5))), ValueError, "at least one pixel"),
    (lambda: segmentation.otsu_threshold(np.zeros((4, 4)), nbins=1), ValueError, "nbins"),
    (lambda: segmentation.local_threshold(np.zeros((9, 9)), 4), ValueError, "odd"),
    (lambda: segmentation.local_threshold(np.zeros((9, 9)), 1), ValueError, "block_size"),
    (lambda: segmentation.local_threshold(np.zeros((9, 9)), 3, "median"), ValueError, "method"),
    (lambda: segmentation.local_threshold(np.zeros((9, 9)), 3, mode="edge"), ValueError, "mode"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (4, 0)), ValueError, "outside the image"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (-1, 0)), ValueError, "outside the image"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (1.5, 0)), TypeError, "integers"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (1, 2, 3)), TypeError, "pair"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (1, 1), connectivity=3), ValueError, "connectivity"),
    (lambda: segmentation.region_grow(np.zeros((4, 4)), (1, 1), float("nan")), ValueError, "NaN"),
    (lambda: segmentation.kmeans(np.zeros((5, 2)), 0), ValueError, "k must lie"),
    (lambda: segmentation.kmeans(np.zeros((5, 2)), 6), ValueError, "at most the number"),
    (lambda: segmentation.kmeans(np.zeros((5, 2)), 2.5), TypeError, "integer"),
    (lambda: segmentation.kmeans(np.zeros((5, 2)), 2, init=np.zeros((3, 2))), ValueError, "init must have shape"),
    (lambda: segmentation.kmeans(np.zeros((5, 2)), 2, init="best"), ValueError, "init"),
    (lambda: segmentation.kmeans(np.full((5, 2), np.nan), 2), ValueError, "NaN"),
    (lambda: segmentation.kmeans(np.zeros((2, 2, 2)), 2), ValueError, "2-D"),
    (lambda: segmentation.kmeans_plusplus(np.zeros((5, 2)), 2, seed="x"), TypeError, "seed"),
    (lambda: segmentation.kmeans_plusplus(np.zeros((5, 2)), 2, n_trials=0), ValueError, "n_trials"),
    (lambda: segmentation.iou(np.zeros((2, 2)), np.zeros((3, 2))), ValueError, "same shape"),
    (lambda: segmentation.dice(np.full((2, 2), 0.5), np.zeros((2, 2))), ValueError, "binary"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
