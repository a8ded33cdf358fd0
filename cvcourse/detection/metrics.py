"""Evaluating a detector: matching detections to objects, precision-recall and (mean) average precision.

A detection is a **true positive** if it overlaps a not-yet-claimed object of its class with
IoU at least a threshold, visiting detections from the most confident down; otherwise it is
a **false positive** (a duplicate of a found object counts as false too). Ranking all
detections of a class by score gives a precision-recall curve; its area, **average
precision** (AP), summarises it, and the mean over classes is **mAP**. These functions
follow the COCO evaluator (Lin et al. 2014; ``pycocotools.cocoeval``) exactly: greedy
matching per image, at most ``max_detections`` per image and class, a precision envelope
read at 101 recall points, and averages over classes and IoU thresholds.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite, check_number
from .boxes import _scores, as_boxes, box_iou

__all__ = ["COCO_IOU_THRESHOLDS", "match_detections", "precision_recall_curve", "average_precision",
           "mean_average_precision"]

#: COCO's ten IoU thresholds 0.50, 0.55, ..., 0.95 ("AP@[.5:.95]").
COCO_IOU_THRESHOLDS = tuple(np.linspace(0.5, 0.95, 10))


def _matched(matched, count: int) -> np.ndarray:
    array = as_array(matched, "matched")
    if array.shape != (count,):
        raise ValueError(f"matched must have shape ({count},), one per entry of scores; got shape {array.shape}.")
    check_finite(array, "matched")
    if not np.isin(array, (0, 1)).all():
        raise ValueError("matched must hold True/False (or 1/0) for each detection.")
    return array.astype(bool)


def match_detections(boxes, scores, gt_boxes, iou_threshold: float) -> np.ndarray:
    """Which detections of one class in one image are true positives (COCO's greedy rule).

    Detections are visited by decreasing score (ties in input order). Each one claims the
    unclaimed object it overlaps most, if that IoU is at least ``iou_threshold``.

    Parameters
    ----------
    boxes : array_like, shape (D, 4)
        The detections' xyxy boxes.
    scores : array_like, shape (D,)
    gt_boxes : array_like, shape (G, 4)
        The objects' xyxy boxes.
    iou_threshold : float in [0, 1]

    Returns
    -------
    numpy.ndarray of bool, shape (D,)
        True for a true positive, in the detections' input order.

    Examples
    --------
    >>> match_detections([[0, 0, 10, 10], [1, 0, 11, 10]], [0.6, 0.9], [[0, 0, 10, 10]], 0.5)
    array([False,  True])
    """
    boxes = as_boxes(boxes, "boxes")
    scores = _scores(scores, len(boxes))
    gt_boxes = as_boxes(gt_boxes, "gt_boxes")
    iou_threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1)
    matched = np.zeros(len(boxes), dtype=bool)
    if len(boxes) == 0 or len(gt_boxes) == 0:
        return matched
    iou = np.nan_to_num(box_iou(boxes, gt_boxes))
    claimed = np.zeros(len(gt_boxes), dtype=bool)
    threshold = min(iou_threshold, 1 - 1e-10)
    for index in np.argsort(-scores, kind="stable"):
        candidates = np.where(~claimed & (iou[index] >= threshold), iou[index], -1.0)
        if candidates.max() < 0:
            continue
        best = len(candidates) - 1 - np.argmax(candidates[::-1])  # the last of equals, as COCO
        claimed[best] = matched[index] = True
    return matched


def precision_recall_curve(scores, matched, num_ground_truth: int):
    """Precision and recall after each detection, ranked by decreasing score.

    Parameters
    ----------
    scores : array_like, shape (D,)
        All detections of one class, over all images.
    matched : array_like of bool, shape (D,)
        Whether each is a true positive (:func:`match_detections`).
    num_ground_truth : int >= 1
        The number of objects of the class.

    Returns
    -------
    precision, recall : numpy.ndarray, shape (D,)
        After the k highest-scoring detections: TP / k and TP / num_ground_truth.

    Examples
    --------
    >>> precision_recall_curve([0.9, 0.8, 0.7], [True, False, True], 2)
    (array([1.        , 0.5       , 0.66666667]), array([0.5, 0.5, 1. ]))
    """
    scores = _scores(scores, len(as_array(scores, "scores").reshape(-1)))
    matched = _matched(matched, len(scores))
    num_ground_truth = check_number(num_ground_truth, "num_ground_truth", low=1, integer=True)
    order = np.argsort(-scores, kind="stable")
    true_positives = np.cumsum(matched[order])
    false_positives = np.cumsum(~matched[order])
    precision = true_positives / np.maximum(true_positives + false_positives, 1)
    return precision, true_positives / num_ground_truth


def average_precision(scores, matched, num_ground_truth: int, recall_points: int = 101) -> float:
    """Average precision of one class: COCO's interpolated area under the precision-recall curve.

    The precision is first made non-increasing (at each recall, the best precision reached
    at that recall or beyond), then read at ``recall_points`` evenly spaced recalls from 0 to
    1 (COCO: 101; Pascal VOC 2007 used 11), 0 beyond the highest recall reached, and averaged.

    Parameters
    ----------
    scores : array_like, shape (D,)
    matched : array_like of bool, shape (D,)
    num_ground_truth : int >= 1
    recall_points : int >= 2

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> round(average_precision([0.9, 0.8, 0.7], [True, False, True], 2), 6)
    0.834983
    """
    recall_points = check_number(recall_points, "recall_points", low=2, integer=True)
    precision, recall = precision_recall_curve(scores, matched, num_ground_truth)
    if len(precision) == 0:
        return 0.0
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    levels = np.linspace(0.0, 1.0, recall_points)
    positions = np.searchsorted(recall, levels, side="left")
    found = positions < len(recall)
    return float(np.where(found, envelope[np.minimum(positions, len(recall) - 1)], 0.0).mean())


def _image_entries(entry, index: int, with_scores: bool):
    kind = "detections" if with_scores else "ground_truth"
    expected = 3 if with_scores else 2
    if not isinstance(entry, (tuple, list)) or len(entry) != expected:
        fields = "(boxes, scores, labels)" if with_scores else "(boxes, labels)"
        raise TypeError(f"{kind}[{index}] must be a tuple {fields}; got {type(entry).__name__}.")
    boxes = as_boxes(entry[0], f"{kind}[{index}] boxes")
    labels = as_array(entry[-1], f"{kind}[{index}] labels")
    if labels.dtype.kind not in "iu" or labels.shape != (len(boxes),):
        raise ValueError(f"{kind}[{index}] labels must be {len(boxes)} integers; got {labels.dtype} {labels.shape}.")
    scores = _scores(entry[1], len(boxes), f"{kind}[{index}] scores") if with_scores else None
    return boxes, scores, labels


def mean_average_precision(detections, ground_truth, iou_thresholds=(0.5,), max_detections: int = 100,
                           per_class: bool = False):
    """COCO mean average precision over classes and IoU thresholds.

    For every class that has at least one object, and every IoU threshold: match each
    image's detections of that class (its ``max_detections`` best) with
    :func:`match_detections`, pool them over the images and take :func:`average_precision`.
    mAP is the mean over classes and thresholds. ``iou_thresholds=(0.5,)`` gives COCO's
    "AP50" (Pascal VOC's measure, with 101 points); :data:`COCO_IOU_THRESHOLDS` gives COCO's
    headline "AP". Equal to ``pycocotools.cocoeval.COCOeval`` for boxes (area "all").

    Parameters
    ----------
    detections : sequence of (boxes, scores, labels), one per image
        xyxy boxes (D, 4), scores (D,), integer labels (D,).
    ground_truth : sequence of (boxes, labels), one per image, the same images
    iou_thresholds : sequence of float in [0, 1]
    max_detections : int >= 1
    per_class : bool
        Also return ``{label: AP averaged over the thresholds}``.

    Returns
    -------
    float, or (float, dict) if ``per_class``
        NaN if there is no object at all.

    Examples
    --------
    >>> gt = [(np.array([[0, 0, 10, 10]]), np.array([0]))]
    >>> dets = [(np.array([[0, 0, 10, 9], [20, 20, 30, 30]]), np.array([0.5, 0.9]), np.array([0, 0]))]
    >>> round(mean_average_precision(dets, gt), 4)
    0.5
    """
    if not isinstance(detections, (list, tuple)) or not isinstance(ground_truth, (list, tuple)):
        raise TypeError("detections and ground_truth must be lists with one entry per image; got "
                        f"{type(detections).__name__} and {type(ground_truth).__name__}.")
    if len(detections) != len(ground_truth):
        raise ValueError(f"detections and ground_truth must cover the same images; got {len(detections)} and "
                         f"{len(ground_truth)} entries.")
    thresholds = [check_number(t, "iou_thresholds", low=0, high=1) for t in np.atleast_1d(iou_thresholds)]
    if not thresholds:
        raise ValueError("iou_thresholds must hold at least one threshold.")
    max_detections = check_number(max_detections, "max_detections", low=1, integer=True)
    if not isinstance(per_class, (bool, np.bool_)):
        raise TypeError(f"per_class must be True or False; got {per_class!r}.")
    detections = [_image_entries(entry, k, True) for k, entry in enumerate(detections)]
    ground_truth = [_image_entries(entry, k, False) for k, entry in enumerate(ground_truth)]
    classes = np.unique(np.concatenate([labels for _, _, labels in ground_truth] + [np.zeros(0, int)]))
    class_ap = {}
    for label in classes:
        per_threshold = []
        for threshold in thresholds:
            all_scores, all_matched, count = [], [], 0
            for (boxes, scores, labels), (gt_boxes, _, gt_labels) in zip(detections, ground_truth):
                mine = np.flatnonzero(labels == label)
                mine = mine[np.argsort(-scores[mine], kind="stable")][:max_detections]
                objects = gt_boxes[gt_labels == label]
                count += len(objects)
                all_scores.append(scores[mine])
                all_matched.append(match_detections(boxes[mine], scores[mine], objects, threshold))
            per_threshold.append(average_precision(np.concatenate(all_scores), np.concatenate(all_matched), count))
        class_ap[int(label)] = float(np.mean(per_threshold))
    result = float(np.mean(list(class_ap.values()))) if class_ap else float("nan")
    return (result, class_ap) if per_class else result
