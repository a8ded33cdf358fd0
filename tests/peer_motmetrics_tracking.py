"""py-motmetrics' own test cases (motmetrics 1.4, tests/test_mot.py, test_metrics.py, test_lap.py), as our tests.

Each case feeds the same per-frame distances to :func:`cvcourse.tracking.clear_mot` (NaN: may
not match) and checks the counts and metrics motmetrics' tests expect. motmetrics' assignment
tests become tests of :func:`cvcourse.tracking.linear_assignment` (finite costs) and of
:func:`cvcourse.tracking.min_cost_matching` with a threshold above every finite cost (costs that
may not match given as infinity), which like motmetrics' solver keeps the most pairs first.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvcourse import tracking

nan = np.nan


def test_events_matches_misses_false_positives_and_switches():
    """test_mot.test_events and test_metrics.test_mota_motp: history is preferred to a better new match."""
    frames = [
        ([], [1, 2], np.zeros((0, 2))),  # all false positives
        ([1, 2], [], np.zeros((2, 0))),  # all misses
        ([1, 2], [1, 2], [[1, 0.5], [0.3, 1]]),  # match 1-2 and 2-1
        ([1, 2], [1, 2], [[0.2, nan], [nan, 0.1]]),  # both switch
        ([1, 2], [1, 2], [[5, 1], [1, 5]]),  # keep 1-1 and 2-2 although 1-2, 2-1 is cheaper
        ([], [], np.zeros((0, 0))),
    ]
    m = tracking.clear_mot(frames)
    # our "matches" counts every correspondence; motmetrics' num_matches leaves out the switches
    # (4) and its num_detections counts them all (6)
    assert (m["matches"], m["false_positives"], m["misses"], m["id_switches"]) == (6, 2, 2, 2)
    assert (m["num_objects"], m["num_hypotheses"]) == (8, 8)
    assert m["mota"] == pytest.approx(1.0 - (2 + 2 + 2) / 8)
    # MOTP: the distances of every correspondence, switches included: 0.5 + 0.3 + 0.2 + 0.1 + 5 + 5
    assert m["motp"] == pytest.approx(11.1 / 6)


def test_ids_with_switches_ascend_and_migrate():
    """test_metrics.test_ids: switches, including to a new hypothesis (ascend) and of a new object (migrate)."""
    frames = [
        ([], [], np.zeros((0, 0))),
        ([1, 2], [1, 2], [[1, 0], [0, 1]]),
        ([1, 2], [1, 2], [[0.4, nan], [nan, 0.4]]),
        ([1, 2], [1, 2], [[0, 1], [1, 0]]),
        ([1, 2], [2, 3], [[1, 0], [0.4, 0.7]]),
        ([1, 3], [2, 3], [[1, 0], [0.4, 0.7]]),
        ([], [], np.zeros((0, 0))),
    ]
    m = tracking.clear_mot(frames)
    assert (m["matches"], m["false_positives"], m["misses"], m["id_switches"]) == (10, 0, 0, 3)  # 7 + 3
    assert (m["num_objects"], m["num_hypotheses"]) == (10, 10)
    assert m["mota"] == pytest.approx(1.0 - 3 / 10)
    assert m["motp"] == pytest.approx(1.6 / 10)


def test_correct_average_figure_3_of_clear_mot():
    """test_metrics.test_correct_average: MOTA averages over object boxes, not frames."""
    frames = [([1, 2, 3, 4], [], np.zeros((4, 0)))] * 4 + [([4], [4], [[0.0]])] * 4
    assert tracking.clear_mot(frames)["mota"] == pytest.approx(0.2)


def test_metrics_with_no_events_and_empty_sides():
    """test_metrics.test_assignment_metrics_with_empty_groundtruth / _predictions / _both_empty."""
    only_hypotheses = tracking.clear_mot([([], [1, 2], np.zeros((0, 2)))] * 3)
    assert only_hypotheses["false_positives"] == 6 and np.isnan(only_hypotheses["mota"])
    assert only_hypotheses["idf1"] == 0.0
    only_objects = tracking.clear_mot([([1, 2], [], np.zeros((2, 0)))] * 3)
    assert only_objects["misses"] == 6 and only_objects["mota"] == 0.0 and only_objects["idf1"] == 0.0
    nothing = tracking.clear_mot([([], [], np.zeros((0, 0)))])
    assert nothing["matches"] == 0 and np.isnan(nothing["mota"]) and np.isnan(nothing["idf1"])


@pytest.mark.parametrize("cost, rows, columns", [
    ([[6, 9, 1], [10, 3, 2], [8, 7, 4]], [0, 1, 2], [2, 1, 0]),  # test_assign_easy
    ([[5, 5, 6], [1, 2, 5], [2, 4, 5]], [0, 1, 2], [2, 1, 0]),  # test_assign_full: greedy would be wrong
    (-7 + np.array([[5, 5, 6], [1, 2, 5], [2, 4, 5]]), [0, 1, 2], [2, 1, 0]),  # test_assign_full_negative
    ([[6, 4, 1], [10, 8, 2]], [0, 1], [1, 2]),  # test_unbalanced_wide
    ([[6, 10], [4, 8], [1, 2]], [1, 2], [0, 1]),  # test_unbalanced_tall
])
def test_assignment_cases(cost, rows, columns):
    found_rows, found_columns = tracking.linear_assignment(np.array(cost, dtype=float))
    assert found_rows.tolist() == rows and found_columns.tolist() == columns


def test_assign_empty():
    rows, columns = tracking.linear_assignment(np.zeros((1, 0)))
    assert rows.size == 0 and columns.size == 0


@pytest.mark.parametrize("cost, pairs", [
    ([[nan, nan, 2], [nan, nan, 1], [8, 7, 4]], [[1, 2], [2, 1]]),  # test_assign_infeasible: most pairs first
    ([[5, 9, nan], [10, nan, 2], [8, 7, 4]], [[0, 0], [1, 2], [2, 1]]),  # test_assign_disallowed
    ((1 / 9) * np.array([[5, 9, nan], [10, nan, 2], [8, 7, 4]]), [[0, 0], [1, 2], [2, 1]]),  # _non_integer
    ([[-10000, -1], [-1, nan]], [[0, 1], [1, 0]]),  # test_assign_attractive_disallowed
    ([[nan, 1000, nan], [nan, 1, 1000], [1000, nan, 1]], [[0, 1], [1, 2], [2, 0]]),  # _attractive_broken_ring
    ([[nan, 11, 8], [8, nan, 7]], [[0, 2], [1, 0]]),  # test_unbalanced_disallowed_wide
    ([[nan, 9], [11, nan], [8, 7]], [[0, 1], [2, 0]]),  # test_unbalanced_disallowed_tall
    ([[nan, nan, 2], [nan, nan, 1], [nan, nan, 3], [8, 7, 4]], [[1, 2], [3, 1]]),  # test_unbalanced_infeasible
])
def test_assignment_with_forbidden_pairs(cost, pairs):
    cost = np.array(cost, dtype=float)
    cost[np.isnan(cost)] = np.inf
    matches, _, _ = tracking.min_cost_matching(cost, threshold=1e6)
    assert matches.tolist() == pairs
