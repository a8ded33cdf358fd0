"""cvcourse.tracking against filterpy, SciPy and motmetrics; SORT and Deep SORT on synthetic sequences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from cvcourse import tracking
from cvcourse.data import tracks
from cvcourse.detection import box_iou

filterpy_kalman = pytest.importorskip("filterpy.kalman")
mm = pytest.importorskip("motmetrics")


def _filterpy_twin(ours: tracking.KalmanFilter):
    theirs = filterpy_kalman.KalmanFilter(dim_x=len(ours.x), dim_z=ours.H.shape[0])
    theirs.F, theirs.H, theirs.Q, theirs.R = ours.F.copy(), ours.H.copy(), ours.Q.copy(), ours.R.copy()
    theirs.x, theirs.P = ours.x.copy()[:, None], ours.P.copy()
    return theirs


def _largest_difference(ours, theirs) -> float:
    return max(np.abs(ours.x - theirs.x.ravel()).max(), np.abs(ours.P - theirs.P).max())


def _random_spd(rng, n):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


@pytest.mark.parametrize("n, m", [(1, 1), (2, 1), (4, 2), (6, 3)])
def test_kalman_filter_equals_filterpy_for_random_models(n, m):
    rng = np.random.default_rng(n * 10 + m)
    ours = tracking.KalmanFilter(F=np.eye(n) + 0.1 * rng.normal(size=(n, n)), H=rng.normal(size=(m, n)),
                                 Q=0.1 * _random_spd(rng, n), R=_random_spd(rng, m), x=rng.normal(size=n),
                                 P=_random_spd(rng, n))
    theirs = _filterpy_twin(ours)
    worst = 0.0
    for _ in range(40):
        ours.predict()
        theirs.predict()
        worst = max(worst, _largest_difference(ours, theirs))
        z = rng.normal(size=m) * 3
        ours.update(z)
        theirs.update(z[:, None])
        worst = max(worst, _largest_difference(ours, theirs))
    assert worst <= 1e-10, worst


def test_sort_box_filter_equals_filterpy_on_a_moving_box():
    rng = np.random.default_rng(1)
    ours = tracking.constant_velocity_box_filter([10, 10, 30, 50])
    theirs = _filterpy_twin(ours)
    worst = 0.0
    for t in range(60):
        ours.predict()
        theirs.predict()
        box = np.array([10 + 2 * t, 10 + t, 30 + 2 * t, 50 + t]) + rng.normal(0, 1, 4)
        z = tracking.box_to_measurement(box[None])[0]
        ours.update(z)
        theirs.update(z[:, None])
        worst = max(worst, _largest_difference(ours, theirs))
    assert worst <= 1e-10, worst
    np.testing.assert_allclose(ours.x[4:6], [2, 1], atol=0.3)  # it has learnt the velocity


def test_deep_sort_box_filter_equals_filterpy_with_height_dependent_noise():
    rng = np.random.default_rng(2)
    ours = tracking.aspect_height_box_filter([10, 10, 30, 50])
    theirs = _filterpy_twin(ours)
    worst = 0.0
    for t in range(30):
        Q, _ = tracking.aspect_height_noise(ours.x[3])
        ours.Q = Q
        ours.predict()
        theirs.predict(Q=Q)
        _, R = tracking.aspect_height_noise(ours.x[3])
        ours.R = R
        z = tracking.box_to_xyah((np.array([10 + t, 10, 30 + t, 50 + 0.5 * t]) + rng.normal(0, 1, 4))[None])[0]
        ours.update(z)
        theirs.update(z[:, None], R=R)
        worst = max(worst, _largest_difference(ours, theirs))
    assert worst <= 1e-10, worst


def test_mahalanobis_distance_is_the_quadratic_form():
    rng = np.random.default_rng(3)
    kf = tracking.aspect_height_box_filter([0, 0, 10, 20])
    kf.predict()
    z = rng.normal(size=(5, 4)) + kf.H @ kf.x
    mean, S = kf.project()
    expected = [(zi - mean) @ np.linalg.inv(S) @ (zi - mean) for zi in z]
    np.testing.assert_allclose(kf.mahalanobis(z), expected, rtol=1e-10)


def test_box_conversions_round_trip():
    rng = np.random.default_rng(4)
    corner = rng.uniform(0, 100, (20, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(1, 40, (20, 2))], axis=1)
    np.testing.assert_allclose(tracking.measurement_to_box(tracking.box_to_measurement(boxes)), boxes, atol=1e-9)
    np.testing.assert_allclose(tracking.xyah_to_box(tracking.box_to_xyah(boxes)), boxes, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_hungarian_equals_scipy_cost_on_random_rectangular_matrices(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        rows, columns = rng.integers(1, 15, 2)
        cost = rng.random((rows, columns)) * rng.choice([1, 1000])
        if rng.random() < 0.3:
            cost = np.round(cost * 3)  # many ties
        if rng.random() < 0.2:
            cost = -cost
        ours_rows, ours_columns = tracking.linear_assignment(cost)
        scipy_rows, scipy_columns = linear_sum_assignment(cost)
        assert len(ours_rows) == min(rows, columns)
        assert len(set(ours_columns.tolist())) == len(ours_columns)
        assert np.all(np.diff(ours_rows) > 0)
        assert cost[ours_rows, ours_columns].sum() == pytest.approx(cost[scipy_rows, scipy_columns].sum(), abs=1e-9)


def test_hungarian_edge_cases():
    for shape in [(0, 0), (0, 3), (3, 0)]:
        rows, columns = tracking.linear_assignment(np.zeros(shape))
        assert rows.shape == columns.shape == (0,)
    rows, columns = tracking.linear_assignment([[5.0]])
    assert rows.tolist() == [0] and columns.tolist() == [0]
    # a greedy choice (0.1) is not optimal: 0.1 + 100 > 1 + 1
    rows, columns = tracking.linear_assignment([[0.1, 1.0], [1.0, 100.0]])
    assert columns.tolist() == [1, 0]
    with pytest.raises(ValueError, match="cost"):
        tracking.linear_assignment([[np.inf, 1.0]])


def test_min_cost_matching_and_associate_apply_the_threshold():
    matches, rows, columns = tracking.min_cost_matching(np.array([[0.2, np.inf], [0.3, 0.9]]), 0.5)
    assert matches.tolist() == [[0, 0]] and rows.tolist() == [1] and columns.tolist() == [1]
    # a forbidden pair must not pull the others away from their best: capped, not raw, costs
    matches, _, _ = tracking.min_cost_matching(np.array([[0.1, 0.2], [0.15, 1e6]]), 0.5)
    assert matches.tolist() == [[0, 1], [1, 0]]
    predicted = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]], float)
    detected = np.array([[41, 40, 51, 50], [1, 0, 11, 10], [80, 80, 90, 90]], float)
    matches, lost, new = tracking.associate(predicted, detected, tracking.iou_distance, 0.7)
    assert matches.tolist() == [[0, 1], [2, 0]] and lost.tolist() == [1] and new.tolist() == [2]
    matches, lost, new = tracking.associate(np.zeros((0, 4)), detected, tracking.iou_distance, 0.7)
    assert matches.shape == (0, 2) and lost.size == 0 and new.tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="cost"):
        tracking.associate(predicted, detected, "iou", 0.7)


def test_cosine_distance_takes_the_nearest_gallery_feature():
    gallery = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])]
    features = np.array([[0.0, 2.0], [1.0, -1.0]])
    expected = [[0.0, 1 - np.sqrt(0.5)], [1 - np.sqrt(0.5), 1.0]]
    np.testing.assert_allclose(tracking.cosine_distance(gallery, features), expected, atol=1e-12)


def test_appearance_features_tell_colours_apart():
    frame = np.zeros((20, 40, 3))
    frame[:, :20] = (0.9, 0.1, 0.1)
    frame[:, 20:] = (0.1, 0.1, 0.9)
    features = tracking.appearance_features(frame, [[0, 0, 20, 20], [2, 2, 18, 18], [20, 0, 40, 20]])
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0)
    distances = tracking.cosine_distance([features[:1]], features)[0]
    assert distances[1] == pytest.approx(0.0) and distances[2] == pytest.approx(1.0)


def test_sort_follows_one_box_with_one_identity():
    tracker = tracking.Sort()
    for t in range(10):
        ids, boxes = tracker.update([[10 + 3 * t, 20, 30 + 3 * t, 40]])
    assert ids.tolist() == [1]
    np.testing.assert_allclose(boxes[0], [37, 20, 57, 40], atol=0.5)
    ids, boxes = tracker.update(np.zeros((0, 4)))
    assert ids.size == 0 and boxes.shape == (0, 4)


def test_sort_reports_a_new_track_after_min_hits_matches_that_follow_its_birth():
    """As in Bewley et al.'s sort.py, the detection that starts a track is not a hit: with
    min_hits=3 a track born in frame 5 is matched in frames 6, 7, 8 and first reported in 8."""
    tracker = tracking.Sort()
    reported = []
    for t in range(10):
        detections = [[0, 0, 10, 10]] + ([[50 + t, 50, 60 + t, 60]] if t >= 4 else [])
        ids, _ = tracker.update(detections)
        reported.append(2 in ids.tolist())
    assert reported == [False] * 7 + [True] * 3


def test_deep_sort_confirms_a_track_on_its_n_init_th_detection():
    """As in Wojke et al.'s code, the first detection counts: n_init=3 confirms in the third frame."""
    tracker = tracking.DeepSort()
    reported = [tracker.update([[10 + t, 10, 20 + t, 30]], [[1.0, 0.0]])[0].tolist() for t in range(5)]
    assert reported == [[], [], [1], [1], [1]]


def _oracle(ground_truth, hypotheses, iou_threshold=0.5):
    """motmetrics 1.4 fed our IoU distances (its iou_matrix calls np.asfarray, gone in NumPy 2)."""
    accumulator = mm.MOTAccumulator(auto_id=True)
    for (object_ids, object_boxes), (hypothesis_ids, hypothesis_boxes) in zip(ground_truth, hypotheses):
        distance = np.full((len(object_ids), len(hypothesis_ids)), np.nan)
        if distance.size:
            distance = 1.0 - box_iou(object_boxes, hypothesis_boxes)
            distance[distance > 1.0 - iou_threshold] = np.nan
        accumulator.update(list(object_ids), list(hypothesis_ids), distance)
    summary = mm.metrics.create().compute(accumulator, metrics=[
        "mota", "motp", "idf1", "idp", "idr", "num_switches", "num_misses", "num_false_positives"], name="run")
    return summary.iloc[0]


def _compare(ours, theirs):
    assert ours["mota"] == pytest.approx(theirs["mota"], abs=1e-12)
    assert 1.0 - ours["motp"] == pytest.approx(theirs["motp"], abs=1e-12)
    assert ours["idf1"] == pytest.approx(theirs["idf1"], abs=1e-12)
    assert ours["idp"] == pytest.approx(theirs["idp"], abs=1e-12)
    assert ours["idr"] == pytest.approx(theirs["idr"], abs=1e-12)
    assert ours["id_switches"] == theirs["num_switches"]
    assert ours["misses"] == theirs["num_misses"]
    assert ours["false_positives"] == theirs["num_false_positives"]


@pytest.fixture(scope="module")
def runs():
    """SORT and Deep SORT on three seeded sequences: (sequence, detections, SORT's, Deep SORT's)."""
    found = []
    for seed in range(3):
        sequence = tracks.moving_objects(num_frames=80, num_objects=8, size=(96, 160), seed=seed)
        detections = tracks.noisy_detections(sequence, seed=seed)
        features = [tracking.appearance_features(f, d) for f, d in zip(sequence.frames, detections)]
        found.append((sequence, detections, tracking.track_sequence(tracking.Sort(), detections),
                      tracking.track_sequence(tracking.DeepSort(), detections, features)))
    return found


def test_mot_metrics_equal_motmetrics_on_tracker_output(runs):
    for sequence, _, sort_output, deep_output in runs:
        for output in (sort_output, deep_output):
            _compare(tracking.mot_metrics(sequence.ground_truth, output), _oracle(sequence.ground_truth, output))


def test_mot_metrics_equal_motmetrics_on_scrambled_identities():
    rng = np.random.default_rng(7)
    sequence = tracks.moving_objects(num_frames=40, num_objects=6, seed=11)
    hypotheses = []
    for ids, boxes in sequence.ground_truth:
        keep = rng.random(len(ids)) > 0.15
        new_ids = np.where(rng.random(len(ids)) < 0.1, ids + 100, ids)[keep]  # occasional swaps of identity
        hypotheses.append((new_ids, boxes[keep] + rng.normal(0, 2, boxes[keep].shape)))
    for threshold in (0.3, 0.5, 0.7):
        _compare(tracking.mot_metrics(sequence.ground_truth, hypotheses, threshold),
                 _oracle(sequence.ground_truth, hypotheses, threshold))


def test_mot_metrics_by_hand():
    truth = [([1, 2], [[0, 0, 10, 10], [50, 0, 60, 10]]), ([1, 2], [[2, 0, 12, 10], [48, 0, 58, 10]]),
             ([1, 2], [[4, 0, 14, 10], [46, 0, 56, 10]])]
    found = [([5, 6], [[0, 0, 10, 10], [50, 0, 60, 10]]), ([6], [[2, 0, 12, 10]]),
             ([6, 7], [[4, 0, 14, 10], [90, 90, 99, 99]])]
    m = tracking.mot_metrics(truth, found)
    # frame 2: object 1 goes to hypothesis 6 (a switch), object 2 is missed; frame 3: object 1 keeps 6,
    # object 2 is missed again and 7 is a false positive
    assert (m["id_switches"], m["misses"], m["false_positives"], m["matches"]) == (1, 2, 1, 4)
    assert m["mota"] == pytest.approx(1 - 4 / 6)
    assert m["motp"] == pytest.approx(1.0)
    # shared frames: (1, 5) 1, (2, 6) 1, (1, 6) 2; the best one-to-one pairing explains 2 of them
    assert m["idtp"] == 2 and m["idf1"] == pytest.approx(2 * 2 / (6 + 5))


def test_sort_and_deep_sort_bars(runs):
    """SORT: MOTA >= 0.85; Deep SORT: fewer identity switches where objects cross and hide."""
    for sequence, _, sort_output, deep_output in runs:
        sort_metrics = tracking.mot_metrics(sequence.ground_truth, sort_output)
        deep_metrics = tracking.mot_metrics(sequence.ground_truth, deep_output)
        print(f"SORT MOTA {sort_metrics['mota']:.3f} IDF1 {sort_metrics['idf1']:.3f} "
              f"switches {sort_metrics['id_switches']}; Deep SORT MOTA {deep_metrics['mota']:.3f} "
              f"IDF1 {deep_metrics['idf1']:.3f} switches {deep_metrics['id_switches']}")
        assert sort_metrics["mota"] >= 0.85
        assert deep_metrics["id_switches"] < sort_metrics["id_switches"]
        assert deep_metrics["idf1"] > sort_metrics["idf1"]


def test_sequences_have_crossings_and_occlusions():
    sequence = tracks.moving_objects(num_frames=80, num_objects=8, size=(96, 160), seed=0)
    hidden = sequence.visibility < 0.5
    assert hidden.any(axis=0).sum() >= 4  # most objects disappear for a while
    behind_pillar = ((sequence.boxes[..., 0] < sequence.pillar[1]) & (sequence.boxes[..., 2] > sequence.pillar[0]))
    assert behind_pillar.any(axis=0).all()  # every path passes the pillar
    ids, boxes = sequence.ground_truth[0]
    assert np.array_equal(boxes, sequence.boxes[0, ids - 1])
    again = tracks.moving_objects(num_frames=80, num_objects=8, size=(96, 160), seed=0)
    assert np.array_equal(again.frames, sequence.frames)  # seeded


def test_noisy_detections_miss_and_invent():
    sequence = tracks.moving_objects(num_frames=50, num_objects=5, seed=3)
    exact = tracks.noisy_detections(sequence, noise=0.0, miss_rate=0.0, false_alarms=0.0)
    for (_, boxes), found in zip(sequence.ground_truth, exact):
        assert len(found) == len(boxes) and np.allclose(np.sort(found, axis=0), np.sort(boxes, axis=0))
    missing = tracks.noisy_detections(sequence, miss_rate=0.5, false_alarms=0.0, seed=1)
    assert sum(map(len, missing)) < 0.7 * sum(len(ids) for ids, _ in sequence.ground_truth)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="H must have shape"):
        tracking.KalmanFilter(np.eye(2), np.eye(3), np.eye(2), np.eye(3), np.zeros(2), np.eye(2))
    kf = tracking.KalmanFilter(np.eye(2), np.eye(1, 2), np.eye(2), np.eye(1), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="z must hold 1"):
        kf.update([1.0, 2.0])
    with pytest.raises(ValueError, match="one entry per frame"):
        tracking.mot_metrics([([1], [[0, 0, 1, 1]])], [])
    with pytest.raises(ValueError, match="features must have shape"):
        tracking.DeepSort().update([[0, 0, 1, 1]], np.zeros((2, 3)))
    with pytest.raises(TypeError, match="tracker"):
        tracking.track_sequence("sort", [])
