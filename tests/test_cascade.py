"""cvcourse.cascade against scikit-image, scikit-learn and OpenCV, on random and real data."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.feature
import skimage.transform
from cvcourse import cascade, color, data, features
from cvcourse.detection import box_iou
from sklearn.ensemble import AdaBoostClassifier
from sklearn.tree import DecisionTreeClassifier

TYPES = list(cascade.FEATURE_TYPES)


# --------------------------------------------------------------------------- Haar features


@pytest.mark.parametrize("feature_type", TYPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.float32, np.float64])
def test_haar_like_features_equal_skimage_on_random_windows(feature_type, dtype):
    rng = np.random.default_rng(TYPES.index(feature_type))
    image = (rng.random((40, 37)) * 120).astype(dtype)
    table = features.integral_image(image)
    for _ in range(4):
        height, width = rng.integers(1, 13, size=2)
        r, c = rng.integers(0, 40 - height + 1), rng.integers(0, 37 - width + 1)
        ours = cascade.haar_like_features(table, r, c, width, height, feature_type)
        if not len(ours):  # no feature of this type fits (scikit-image raises on that)
            assert not len(skimage.feature.haar_like_feature_coord(width, height, feature_type)[0])
            continue
        window_table = skimage.transform.integral_image(image[r:r + height, c:c + width])
        theirs = skimage.feature.haar_like_feature(window_table, 0, 0, width, height, feature_type)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-9)


def test_haar_like_features_at_the_origin_equal_skimage_on_the_full_table():
    image = np.random.default_rng(0).integers(0, 256, (24, 24), dtype=np.uint8)
    table = features.integral_image(image)
    ours = cascade.haar_like_features(table, 0, 0, 24, 24)
    theirs = skimage.feature.haar_like_feature(skimage.transform.integral_image(image), 0, 0, 24, 24)
    # scikit-image's five types in a 24 x 24 window (Viola and Jones quote 180,000 in 2001, 160,000 in 2004)
    assert len(ours) == 162336
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("feature_type", TYPES)
def test_the_feature_filling_a_window_is_number_h_times_w_minus_1(feature_type):
    """Chapter 17's figure and exercise 1 pick the feature whose rectangles fill the window."""
    (n_rows, n_cols), offsets = cascade.FEATURE_TYPES[feature_type]
    height, width = 3, 4  # one rectangle's size
    image = np.random.default_rng(2).random((n_rows * height + 2, n_cols * width + 3))
    values = cascade.haar_like_features(features.integral_image(image), 1, 2, n_cols * width, n_rows * height,
                                        feature_type)
    window = image[1:1 + n_rows * height, 2:2 + n_cols * width]
    expected = sum((-1 if k % 2 == 0 else 1) * window[dr * height:(dr + 1) * height, dc * width:(dc + 1) * width].sum()
                   for k, (dr, dc) in enumerate(offsets))
    np.testing.assert_allclose(values[height * width - 1], expected, atol=1e-12)


def test_a_window_away_from_the_origin_gets_its_own_features_where_skimage_counts_outside_pixels():
    """scikit-image slices the integral table, so rectangles on the window's first row also
    count the rows above it; the course's features depend on the window's pixels only."""
    image = np.random.default_rng(1).random((20, 20))
    inside = cascade.haar_like_features(features.integral_image(image), 5, 6, 8, 7)
    alone = cascade.haar_like_features(features.integral_image(image[5:12, 6:14]), 0, 0, 8, 7)
    np.testing.assert_allclose(inside, alone, atol=1e-12)
    skimage_inside = skimage.feature.haar_like_feature(skimage.transform.integral_image(image), 5, 6, 8, 7)
    assert not np.allclose(skimage_inside, alone)


@pytest.mark.parametrize("feature_type", TYPES)
def test_haar_feature_coords_list_skimages_rectangles_in_its_order(feature_type):
    rects, signs, types = cascade.haar_feature_coords(6, 5, feature_type)
    coords, their_types = skimage.feature.haar_like_feature_coord(6, 5, feature_type)
    assert len(rects) == len(coords) and list(types) == list(their_types)
    for ours, theirs, sign in zip(rects, coords, signs):
        used = [list(rect) for rect in ours[sign != 0]]
        assert used == [[r0, c0, r1, c1] for (r0, c0), (r1, c1) in theirs]


def test_haar_features_batch_normalises_each_window():
    rng = np.random.default_rng(2)
    windows = rng.random((5, 9, 9))
    rects, signs, _ = cascade.haar_feature_coords(9, 9, ["type-3-x", "type-4"])
    batch = cascade.haar_features_batch(windows, rects, signs)
    for window, row in zip(windows, batch):
        normalised = (window - window.mean()) / window.std()
        expected = cascade.haar_like_features(features.integral_image(normalised), 0, 0, 9, 9, ["type-3-x", "type-4"])
        np.testing.assert_allclose(row, expected, atol=1e-9)
    # brightness and contrast do not change a normalised feature
    np.testing.assert_allclose(cascade.haar_features_batch(3 * windows + 7, rects, signs), batch, atol=1e-8)


def test_haar_bad_input_is_refused():
    table = features.integral_image(np.ones((5, 5)))
    with pytest.raises(ValueError, match="feature_types"):
        cascade.haar_like_features(table, 0, 0, 5, 5, "type-5")
    with pytest.raises(ValueError, match="window"):
        cascade.haar_like_features(table, 2, 2, 5, 5)
    with pytest.raises(TypeError, match="r must be an integer"):
        cascade.haar_like_features(table, 0.5, 0, 2, 2)


# ----------------------------------------------------------------------------------- HOG

HOG_CASES = [
    ((64, 64), 9, (8, 8), (3, 3), "L2-Hys"),
    ((50, 77), 7, (5, 6), (2, 3), "L1"),
    ((40, 40), 12, (4, 4), (2, 2), "L2"),
    ((33, 29), 5, (3, 3), (1, 1), "L1-sqrt"),
    ((128, 64), 9, (8, 8), (2, 2), "L2-Hys"),  # Dalal and Triggs's person window
    ((16, 16), 1, (16, 16), (1, 1), "L1"),
]


@pytest.mark.parametrize("shape, orientations, cell, block, norm", HOG_CASES)
def test_hog_equals_skimage_on_random_images(shape, orientations, cell, block, norm):
    image = np.random.default_rng(sum(shape)).random(shape)
    ours = cascade.hog(image, orientations, cell, block, norm)
    theirs = skimage.feature.hog(image, orientations, cell, block, norm)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-8


@pytest.mark.parametrize("name", ["camera", "astronaut", "coins"])
def test_hog_equals_skimage_on_real_images(name):
    image = data.load_image(name)
    gray = color.rgb_to_gray(image) if image.ndim == 3 else image / 255.0
    for norm in ("L1", "L2-Hys"):
        assert np.abs(cascade.hog(gray, 9, (8, 8), (3, 3), norm) - skimage.feature.hog(gray, 9, (8, 8), (3, 3), norm)).max() <= 1e-8


def test_hog_keeps_float32_and_scales_uint8():
    image = np.random.default_rng(3).random((32, 32)).astype(np.float32)
    ours = cascade.hog(image, 9, (8, 8), (2, 2))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, skimage.feature.hog(image, 9, (8, 8), (2, 2)), atol=1e-6)
    as_uint8 = (image * 255).astype(np.uint8)
    np.testing.assert_allclose(cascade.hog(as_uint8, 9, (8, 8), (2, 2)),
                               skimage.feature.hog(as_uint8 / 255.0, 9, (8, 8), (2, 2)), atol=1e-8)


def test_hog_bad_input_is_refused():
    with pytest.raises(ValueError, match="too small"):
        cascade.hog(np.zeros((10, 10)), 9, (8, 8), (2, 2))
    with pytest.raises(ValueError, match="block_norm"):
        cascade.hog(np.zeros((32, 32)), block_norm="L3")
    with pytest.raises(TypeError, match="pixels_per_cell"):
        cascade.hog(np.zeros((32, 32)), pixels_per_cell="8")


# ------------------------------------------------------------------------------- AdaBoost


def _problem(seed, n, n_features):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32).astype(np.float64)  # sklearn's trees use float32
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.normal(0, 0.5, n) > 0.3).astype(int)
    test = rng.normal(size=(2000, n_features)).astype(np.float32).astype(np.float64)
    return X, y, test


@pytest.mark.parametrize("seed, n, n_features, rounds", [(0, 300, 5, 50), (1, 500, 20, 100), (2, 200, 3, 30)])
def test_adaboost_makes_sklearns_decisions(seed, n, n_features, rounds):
    X, y, test = _problem(seed, n, n_features)
    ours = cascade.AdaBoost(rounds).fit(X, y)
    theirs = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=rounds, random_state=0).fit(X, y)
    agreement = np.mean(ours.predict(test) == theirs.predict(test))
    print(f"AdaBoost agreement with scikit-learn on held-out points: {agreement:.4f}")
    assert agreement >= 0.99
    assert np.mean(ours.predict(X) != y) == pytest.approx(1 - theirs.score(X, y), abs=1e-12)
    np.testing.assert_allclose(ours.alphas_, theirs.estimator_weights_[:len(ours.alphas_)], rtol=1e-9)
    staged = np.array(list(theirs.staged_decision_function(test)))
    np.testing.assert_allclose(2 * ours.staged_decision_function(test), staged, atol=1e-9)


def test_adaboost_on_haar_features_of_faces_matches_sklearn():
    split = cascade.face_windows()
    windows = np.concatenate([split["train_faces"][:140], split["train_nonfaces"]])
    y = np.r_[np.ones(140, int), np.zeros(len(split["train_nonfaces"]), int)]
    rects, signs, _ = cascade.haar_feature_coords(25, 25, "type-2-y")
    X = cascade.haar_features_batch(windows, rects[::40], signs[::40]).astype(np.float32).astype(np.float64)
    ours = cascade.AdaBoost(20).fit(X, y)
    theirs = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=20, random_state=0).fit(X, y)
    assert np.mean(ours.predict(X) == theirs.predict(X)) >= 0.99
    assert np.mean(ours.predict(X) != y) == pytest.approx(1 - theirs.score(X, y), abs=1e-12)


def test_adaboost_keeps_labels_and_stops_on_a_perfect_stump():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    booster = cascade.AdaBoost(10).fit(X, np.array(["cat", "cat", "dog", "dog"]))
    assert booster.predict([[0.2], [2.8]]).tolist() == ["cat", "dog"]
    assert len(booster.alphas_) == 1 and booster.thresholds_[0] == 1.5


def test_adaboost_refuses_bad_input():
    with pytest.raises(ValueError, match="two classes"):
        cascade.AdaBoost().fit(np.zeros((3, 2)), [1, 1, 1])
    with pytest.raises(ValueError, match="one label per row"):
        cascade.AdaBoost().fit(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="not fitted"):
        cascade.AdaBoost().predict(np.zeros((3, 2)))


# -------------------------------------------------------------------------------- cascade


@pytest.fixture(scope="module")
def trained():
    split = cascade.face_windows()
    backgrounds = cascade.background_images() + list(split["train_nonfaces"])
    return cascade.Cascade().fit(split["train_faces"], backgrounds), split


def opencv_face(image):
    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    x, y, w, h = detector.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))[0]
    return np.array([[x, y, x + w, y + h]], dtype=np.float64)


@pytest.mark.slow
def test_cascade_meets_the_held_out_bar(trained):
    model, split = trained
    detection = model.accepts(split["test_faces"]).mean()
    false_positive = model.accepts(split["test_nonfaces"]).mean()
    print(f"held-out detection rate {detection:.3f}, false-positive rate {false_positive:.3f}, "
          f"stages {[entry['stumps'] for entry in model.history_]}")
    assert detection >= 0.95 and false_positive <= 0.05
    assert np.all(model.accepts(split["train_faces"][:140]).mean() >= 0.95)


@pytest.mark.slow
def test_cascade_finds_the_astronauts_face_where_opencv_does(trained):
    model, _ = trained
    image = data.load_image("astronaut")
    boxes, scores = model.detect(color.rgb_to_gray(image), scales=1.25 ** np.arange(4, 11), step=2)
    iou = box_iou(boxes[:1], opencv_face(image))[0, 0]
    print(f"IoU of the best detection with OpenCV's face: {iou:.2f}; {len(boxes)} detections")
    assert iou >= 0.5
    assert np.all(np.diff(scores) <= 0)
    # the attentional cascade: each stage sees fewer windows than the one before
    assert np.all(np.diff(model.alive_) <= 0) and model.alive_[1] < model.alive_[0] / 2


@pytest.mark.slow
def test_accepts_agrees_with_stage_scores_of_the_features(trained):
    """The scanning code (integral images of the image and its square) and the features of
    normalised windows give the same verdicts."""
    model, split = trained
    windows = np.concatenate([split["test_faces"], split["test_nonfaces"]])
    values = cascade.haar_features_batch(windows, model.rects_, model.signs_)
    verdict = np.ones(len(windows), bool)
    for stage in model.stages_:
        votes = [a * np.where((values[:, f] <= t) == p, 1.0, -1.0) for f, t, p, a in
                 zip(stage["features"], stage["thresholds"], stage["left_positive"], stage["alphas"])]
        verdict &= np.sum(votes, axis=0) >= stage["threshold"]
    np.testing.assert_array_equal(model.accepts(windows), verdict)


def test_cascade_refuses_bad_input():
    with pytest.raises(ValueError, match="not trained"):
        cascade.Cascade().detect(np.zeros((50, 50)), [1.0])
    with pytest.raises(TypeError, match="backgrounds"):
        cascade.Cascade().fit(np.zeros((3, 25, 25)), "camera")
    with pytest.raises(ValueError, match="n_stages"):
        cascade.Cascade(n_stages=0)


def test_small_cascade_trains_and_detects_quickly():
    split = cascade.face_windows()
    model = cascade.Cascade(n_stages=2, n_features=300, n_negatives=200).fit(
        split["train_faces"][:140], cascade.background_images(["coins", "moon"]))
    assert len(model.stages_) == 2 and all(entry["detection_rate"] >= 0.99 for entry in model.history_)
    boxes, scores = model.detect(np.random.default_rng(0).random((60, 60)), scales=[1.0, 1.5], step=4,
                                 min_neighbours=1)
    assert boxes.shape == (len(scores), 4)
    with pytest.raises(ValueError, match="scales"):
        model.detect(np.zeros((60, 60)), scales=[-1.0])
