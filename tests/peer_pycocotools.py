"""pycocotools' own test cases, run on cvcourse.

pycocotools ships tests only for its mask utilities (tests/test_cases.py of the maintained
fork, ppwwyyxx/cocoapi): the bounding box of a mask, ``toBbox``, which
:func:`cvcourse.detection.mask_to_box` computes. Its evaluator, ``COCOeval``, has no test
cases of its own; tests/test_detection.py compares :func:`mean_average_precision` with it
directly on random detections. Added here: the documented behaviours of ``COCOeval`` that
those random cases rarely reach, each checked against pycocotools itself.
"""

import numpy as np
import pytest

from cvcourse import detection as D

pytest.importorskip("pycocotools")


def test_to_bbox_full_image():
    np.testing.assert_array_equal(D.mask_to_box(np.array([[0, 1], [1, 1]])), [0, 0, 2, 2])


def test_to_bbox_non_full_image():
    mask = np.zeros((10, 10), dtype=np.uint8)
    mask[2:4, 3:6] = 1
    np.testing.assert_array_equal(D.mask_to_box(mask), [3, 2, 3, 2])


def test_to_bbox_equals_pycocotools_on_random_masks():
    import pycocotools.mask as mask_util

    rng = np.random.default_rng(0)
    for _ in range(20):
        mask = np.zeros((30, 40), dtype=np.uint8)
        top, left = rng.integers(0, 20, 2)
        mask[top:top + rng.integers(1, 10), left:left + rng.integers(1, 15)] = 1
        expected = mask_util.toBbox(mask_util.encode(np.asfortranarray(mask)))
        np.testing.assert_array_equal(D.mask_to_box(mask), expected)


def _coco(detections, ground_truth, classes):
    from test_detection import coco_evaluate  # the pycocotools bridge of the main tests

    return coco_evaluate(detections, ground_truth, classes)


def test_a_detection_exactly_at_the_threshold_counts():
    ground_truth = [(np.array([[0.0, 0, 10, 10]]), np.array([0]))]
    detections = [(np.array([[0.0, 0, 10, 5]]), np.array([0.9]), np.array([0]))]  # IoU exactly 0.5
    ap50, _ = _coco(detections, ground_truth, [0])
    assert ap50 == pytest.approx(1.0, abs=1e-6)
    assert D.mean_average_precision(detections, ground_truth) == pytest.approx(1.0, abs=1e-6)


def test_only_the_best_100_detections_per_image_and_class_count():
    rng = np.random.default_rng(1)
    boxes = np.array([[0.0, 0, 10, 10]])
    junk = rng.uniform(20, 60, (150, 2))
    det_boxes = np.concatenate([np.concatenate([junk, junk + 5], axis=1), boxes])
    scores = np.concatenate([rng.uniform(0.5, 1.0, 150), [0.1]])  # the true box ranks 151st
    detections = [(det_boxes, scores, np.zeros(151, int))]
    ground_truth = [(boxes, np.array([0]))]
    ap50, _ = _coco(detections, ground_truth, [0])
    assert ap50 == pytest.approx(0.0, abs=1e-6)
    assert D.mean_average_precision(detections, ground_truth) == pytest.approx(0.0, abs=1e-6)


def test_classes_without_objects_do_not_count():
    ground_truth = [(np.array([[0.0, 0, 10, 10]]), np.array([0]))]
    detections = [(np.array([[0.0, 0, 10, 10], [30.0, 30, 40, 40]]), np.array([0.9, 0.8]), np.array([0, 1]))]
    ap50, _ = _coco(detections, ground_truth, [0, 1])
    assert ap50 == pytest.approx(1.0, abs=1e-6)
    assert D.mean_average_precision(detections, ground_truth) == pytest.approx(1.0, abs=1e-6)


def test_a_class_with_objects_but_no_detections_scores_zero():
    ground_truth = [(np.array([[0.0, 0, 10, 10], [20.0, 20, 30, 30]]), np.array([0, 1]))]
    detections = [(np.array([[0.0, 0, 10, 10]]), np.array([0.9]), np.array([0]))]
    ap50, _ = _coco(detections, ground_truth, [0, 1])
    assert ap50 == pytest.approx(0.5, abs=1e-6)
    assert D.mean_average_precision(detections, ground_truth) == pytest.approx(0.5, abs=1e-6)
