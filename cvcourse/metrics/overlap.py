"""Overlap metrics of segmentation: the confusion matrix, mean IoU and panoptic quality.

- :func:`confusion_matrix` counts pixels by (true class, predicted class);
- :func:`mean_iou` is the mean over classes of intersection over union, read off the
  confusion matrix (the PASCAL VOC and Cityscapes score of semantic segmentation);
- :func:`panoptic_quality` (Kirillov et al. 2019) scores *segments*: a predicted segment
  matches a true one of the same class when their IoU exceeds 0.5, and
  PQ = SQ x RQ, the mean IoU of the matches times an F1 score of the matching.

Each equals ``torchmetrics`` (``JaccardIndex``, ``PanopticQuality``) in the tests.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_array, check_not_empty, check_number

__all__ = ["confusion_matrix", "mean_iou", "panoptic_quality"]


def _label_map(labels, name: str) -> np.ndarray:
    """An integer label array with at least one element."""
    labels = as_array(labels, name)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer labels; got dtype {labels.dtype}.")
    check_not_empty(labels, name)
    return labels.astype(np.int64, copy=False)


def _pair(truth, prediction, names=("truth", "prediction")):
    truth, prediction = _label_map(truth, names[0]), _label_map(prediction, names[1])
    if truth.shape != prediction.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape; "
                         f"got {truth.shape} and {prediction.shape}.")
    return truth, prediction


def confusion_matrix(truth, prediction, num_classes: int, ignore_index=None) -> np.ndarray:
    """Count pixels by their true class (rows) and predicted class (columns).

    Parameters
    ----------
    truth, prediction : array_like of int, same shape (any number of axes)
        Class labels in ``[0, num_classes)``.
    num_classes : int >= 1
    ignore_index : int, optional
        Pixels whose *true* label is this value are not counted (e.g. 255, the "unlabelled"
        border of PASCAL VOC).

    Returns
    -------
    numpy.ndarray of int64, shape (num_classes, num_classes)
        ``matrix[i, j]`` is the number of pixels of class ``i`` predicted as class ``j``.

    Raises
    ------
    ValueError
        If the shapes differ or a label (other than ``ignore_index``) is out of range.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    truth, prediction = _pair(truth, prediction)
    num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
    if ignore_index is not None:
        ignore_index = check_number(ignore_index, "ignore_index", integer=True)
        kept = truth != ignore_index
        truth, prediction = truth[kept], prediction[kept]
    for name, labels in (("truth", truth), ("prediction", prediction)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"{name} must hold labels in [0, {num_classes}) (num_classes = {num_classes}); "
                             f"got values from {labels.min()} to {labels.max()}.")
    counts = np.bincount(truth.ravel() * num_classes + prediction.ravel(), minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def mean_iou(truth, prediction, num_classes: int, ignore_index=None, per_class: bool = False):
    """Mean intersection over union of the classes, the standard score of semantic segmentation.

    For class ``c``, IoU = TP / (TP + FP + FN): the diagonal entry of the confusion matrix
    over its row sum plus its column sum minus itself. Classes absent from both ``truth``
    and ``prediction`` (and ``ignore_index``) are left out of the mean.

    Parameters
    ----------
    truth, prediction : array_like of int, same shape
        Class labels in ``[0, num_classes)``; pixels are pooled over every image given.
    num_classes : int >= 1
    ignore_index : int, optional
        A true label whose pixels are not counted.
    per_class : bool
        Also return the IoU of every class (NaN for classes left out).

    Returns
    -------
    float
        The mean IoU (NaN when no class occurs).
    numpy.ndarray, shape (num_classes,)
        Only with ``per_class``.

    Examples
    --------
    >>> truth = np.array([[0, 0, 1], [0, 1, 1]])
    >>> prediction = np.array([[0, 1, 1], [0, 1, 1]])
    >>> mean_iou(truth, prediction, 3)          # class 0: 2/3, class 1: 3/4, class 2 absent
    0.7083333333333333
    """
    matrix = confusion_matrix(truth, prediction, num_classes, ignore_index).astype(np.float64)
    intersection = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - intersection
    present = union > 0
    if ignore_index is not None and 0 <= ignore_index < num_classes:
        present[ignore_index] = False
    iou = np.full(num_classes, np.nan)
    iou[present] = intersection[present] / union[present]
    mean = float(iou[present].mean()) if present.any() else float("nan")
    return (mean, iou) if per_class else mean


class PanopticScores(NamedTuple):
    """What :func:`panoptic_quality` returns.

    ``pq``, ``sq`` and ``rq`` are means over the categories that occur (true or predicted);
    the arrays hold one entry per category of ``categories`` (things, then stuff, each sorted).
    """

    pq: float
    sq: float
    rq: float
    categories: np.ndarray
    iou_sum: np.ndarray
    true_positives: np.ndarray
    false_positives: np.ndarray
    false_negatives: np.ndarray


def _categories(things, stuffs) -> tuple[list[int], list[int]]:
    lists = []
    for name, values in (("things", things), ("stuffs", stuffs)):
        values = as_array(np.asarray(list(values), dtype=np.int64) if np.ndim(values) else values, name)
        if values.ndim != 1 or values.dtype.kind not in "iu" or (values < 0).any():
            raise ValueError(f"{name} must be a list of non-negative integer class ids; got {values!r}.")
        lists.append(sorted(set(values.tolist())))
    if set(lists[0]) & set(lists[1]):
        raise ValueError(f"a class cannot be both a thing and stuff; both lists hold {set(lists[0]) & set(lists[1])}.")
    if not lists[0] and not lists[1]:
        raise ValueError("things and stuffs cannot both be empty: which classes are scored?")
    return lists[0], lists[1]


def _segments(classes: np.ndarray, instances: np.ndarray, stuffs, known) -> np.ndarray:
    """One integer code per pixel for its segment: -1 for void, class * M + instance otherwise.

    Stuff has one segment per class (its instance ids are ignored); a class that is neither
    thing nor stuff is void.
    """
    instances = np.where(np.isin(classes, stuffs), 0, instances)
    codes = classes * (int(instances.max()) + 1) + instances
    return np.where(np.isin(classes, known), codes, -1), int(instances.max()) + 1


def _image_counts(true_codes, true_base, predicted_codes, predicted_base, index, counts) -> None:
    """Add one image's matches, IoUs, false positives and false negatives to ``counts``."""
    true_ids, true_areas = np.unique(true_codes, return_counts=True)
    predicted_ids, predicted_areas = np.unique(predicted_codes, return_counts=True)
    true_area, predicted_area = dict(zip(true_ids.tolist(), true_areas.tolist())), \
        dict(zip(predicted_ids.tolist(), predicted_areas.tolist()))
    pairs, pair_areas = np.unique(np.stack([predicted_codes, true_codes]), axis=1, return_counts=True)
    overlap = {(int(p), int(t)): int(a) for (p, t), a in zip(pairs.T, pair_areas)}
    matched_true, matched_predicted = set(), set()
    iou_sum, tp, fp, fn = counts
    for (p, t), intersection in overlap.items():
        if p < 0 or t < 0 or p // predicted_base != t // true_base:
            continue
        # pixels that are void in the other map count in neither the union nor the segment
        union = (predicted_area[p] - overlap.get((p, -1), 0) + true_area[t] - overlap.get((-1, t), 0)
                 - intersection)
        iou = intersection / union
        if iou > 0.5:
            matched_true.add(t)
            matched_predicted.add(p)
            iou_sum[index[t // true_base]] += iou
            tp[index[t // true_base]] += 1
    for t in true_area:  # unmatched true segments, unless mostly void in the prediction
        if t >= 0 and t not in matched_true and overlap.get((-1, t), 0) / true_area[t] <= 0.5:
            fn[index[t // true_base]] += 1
    for p in predicted_area:  # unmatched predicted segments, unless mostly void in the truth
        if p >= 0 and p not in matched_predicted and overlap.get((p, -1), 0) / predicted_area[p] <= 0.5:
            fp[index[p // predicted_base]] += 1


def panoptic_quality(true_classes, true_instances, predicted_classes, predicted_instances, things,
                     stuffs=()) -> PanopticScores:
    """Panoptic quality PQ = SQ x RQ (Kirillov et al. 2019), per category and averaged.

    A segment is the set of pixels sharing a (class, instance id) pair; for a stuff class
    all its pixels form one segment per image. A predicted and a true segment of the same
    class *match* when their IoU exceeds 0.5 (so matches are unique). Per category,

    - SQ (segmentation quality) is the mean IoU of the matches (TP),
    - RQ (recognition quality) is TP / (TP + FP/2 + FN/2), the F1 score of the matching,
    - PQ = SQ x RQ = (sum of matched IoUs) / (TP + FP/2 + FN/2).

    Pixels whose class is neither a thing nor stuff are *void*: they are left out of every
    IoU, and an unmatched segment lying mostly (more than half) on void in the other map is
    not counted as an error. This is ``torchmetrics``' convention; the paper's reference code
    (panopticapi) applies both rules only to void in the *truth*, so there a true segment's
    pixels predicted void still count in its union. Images are scored separately and the counts summed; the scores
    are means over the categories with TP + FP + FN > 0. ``torchmetrics.detection.PanopticQuality``
    gives the same numbers.

    Parameters
    ----------
    true_classes, true_instances, predicted_classes, predicted_instances : array_like of int
        Same shape, (H, W) for one image or (N, H, W) for N: each pixel's class and instance id.
    things : list of int
        The countable classes (objects), whose instances are scored one by one.
    stuffs : list of int, optional
        The amorphous classes (road, sky, background), scored as one segment each.

    Returns
    -------
    PanopticScores
        ``pq``, ``sq``, ``rq`` (NaN when no category occurs) and per-category counts.

    Examples
    --------
    >>> classes = np.array([[1, 1, 0, 0], [1, 1, 0, 2]])
    >>> instances = np.array([[1, 1, 0, 0], [1, 1, 0, 1]])
    >>> predicted = np.array([[1, 1, 1, 0], [1, 1, 0, 0]])
    >>> scores = panoptic_quality(classes, instances, predicted, (predicted == 1).astype(int), things=[1, 2], stuffs=[0])
    >>> scores.true_positives, scores.false_positives, scores.false_negatives   # classes 1, 2, then stuff 0
    (array([1, 0, 0]), array([0, 0, 1]), array([0, 1, 1]))
    >>> round(scores.pq, 4), round(scores.sq, 4), round(scores.rq, 4)   # class 1: IoU 4/5; stuff: IoU 2/4, no match
    (0.2667, 0.2667, 0.3333)
    """
    arrays = [_label_map(a, name) for a, name in ((true_classes, "true_classes"), (true_instances, "true_instances"),
                                                  (predicted_classes, "predicted_classes"),
                                                  (predicted_instances, "predicted_instances"))]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError("true_classes, true_instances, predicted_classes and predicted_instances must have the "
                         f"same shape; got {[a.shape for a in arrays]}.")
    if arrays[0].ndim not in (2, 3):
        raise ValueError(f"the label maps must be (H, W) or (N, H, W); got shape {arrays[0].shape}.")
    if any((a < 0).any() for a in arrays):
        raise ValueError("class labels and instance ids must be non-negative.")
    things, stuffs = _categories(things, stuffs)
    categories = np.array(things + stuffs, dtype=np.int64)
    index = {int(c): i for i, c in enumerate(categories)}
    counts = (np.zeros(len(categories)), *(np.zeros(len(categories), dtype=np.int64) for _ in range(3)))
    batch = [a if a.ndim == 3 else a[None] for a in arrays]
    for true_c, true_i, predicted_c, predicted_i in zip(*batch):
        true_codes, true_base = _segments(true_c, true_i, stuffs, categories)
        predicted_codes, predicted_base = _segments(predicted_c, predicted_i, stuffs, categories)
        _image_counts(true_codes.ravel(), true_base, predicted_codes.ravel(), predicted_base, index, counts)
    iou_sum, tp, fp, fn = counts
    denominator = tp + 0.5 * fp + 0.5 * fn
    occurs = denominator > 0
    sq = np.divide(iou_sum, tp, out=np.zeros_like(iou_sum), where=tp > 0)
    rq = np.divide(tp, denominator, out=np.zeros_like(iou_sum), where=occurs)
    pq = sq * rq
    means = [float(v[occurs].mean()) if occurs.any() else float("nan") for v in (pq, sq, rq)]
    return PanopticScores(*means, categories, iou_sum, tp, fp, fn)
