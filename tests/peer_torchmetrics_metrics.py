"""torchmetrics' own test cases for panoptic quality, carried over as the course's tests.

From torchmetrics' ``tests/unittests/detection/test_panoptic_quality.py`` and the examples in
the documentation of ``torchmetrics.detection.PanopticQuality``: the same inputs, settings and
expected values, written against :func:`cvcourse.metrics.panoptic_quality`. torchmetrics takes
(..., 2) maps of (category, instance id); the course takes the two maps separately.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvcourse import metrics

# the unit test's input: one 5x5 image, things {0, 1}, stuff {6, 7}
UNIT_PREDICTED = np.array([[[6, 0], [0, 0], [6, 0], [6, 0], [0, 1]],
                           [[0, 0], [0, 0], [6, 0], [0, 1], [0, 1]],
                           [[0, 0], [0, 0], [6, 0], [0, 1], [1, 0]],
                           [[0, 0], [7, 0], [6, 0], [1, 0], [1, 0]],
                           [[0, 0], [7, 0], [7, 0], [7, 0], [7, 0]]])
UNIT_TARGET = np.array([[[6, 0], [6, 0], [6, 0], [6, 0], [0, 0]],
                        [[0, 1], [0, 1], [6, 0], [0, 0], [0, 0]],
                        [[0, 1], [0, 1], [6, 0], [1, 0], [1, 0]],
                        [[0, 1], [7, 0], [7, 0], [1, 0], [1, 0]],
                        [[0, 1], [7, 0], [7, 0], [7, 0], [7, 0]]])

# the documentation's example: one 5x4 image, the same categories
DOC_PREDICTED = np.array([[[6, 0], [0, 0], [6, 0], [6, 0]],
                          [[0, 0], [0, 0], [6, 0], [0, 1]],
                          [[0, 0], [0, 0], [6, 0], [0, 1]],
                          [[0, 0], [7, 0], [6, 0], [1, 0]],
                          [[0, 0], [7, 0], [7, 0], [7, 0]]])
DOC_TARGET = np.array([[[6, 0], [0, 1], [6, 0], [0, 1]],
                       [[0, 1], [0, 1], [6, 0], [0, 1]],
                       [[0, 1], [0, 1], [6, 0], [1, 0]],
                       [[0, 1], [7, 0], [1, 0], [1, 0]],
                       [[0, 1], [7, 0], [7, 0], [7, 0]]])


def _score(predicted, target, things=(0, 1), stuffs=(6, 7)):
    return metrics.panoptic_quality(target[..., 0], target[..., 1], predicted[..., 0], predicted[..., 1],
                                    list(things), list(stuffs))


def test_unit_case():
    assert _score(UNIT_PREDICTED, UNIT_TARGET).pq == pytest.approx(0.7753, abs=5e-5)


def test_unit_case_batched_is_the_same():
    batched = _score(UNIT_PREDICTED[None], UNIT_TARGET[None])
    assert batched.pq == pytest.approx(_score(UNIT_PREDICTED, UNIT_TARGET).pq)


def test_documentation_example_pq_sq_rq():
    scores = _score(DOC_PREDICTED, DOC_TARGET)
    np.testing.assert_allclose([scores.pq, scores.sq, scores.rq], [0.5463, 0.6111, 0.6667], atol=5e-5)


def test_documentation_example_per_class():
    scores = _score(DOC_PREDICTED, DOC_TARGET)
    denominator = scores.true_positives + 0.5 * scores.false_positives + 0.5 * scores.false_negatives
    per_class = scores.iou_sum / denominator
    assert scores.categories.tolist() == [0, 1, 6, 7]
    np.testing.assert_allclose(per_class, [0.5185, 0.0, 0.6667, 1.0], atol=5e-5)


def test_things_and_stuff_must_be_distinct():
    with pytest.raises(ValueError, match="both a thing and stuff"):
        _score(DOC_PREDICTED, DOC_TARGET, things=(0,), stuffs=(0,))


def test_shapes_must_agree():
    target = np.random.default_rng(0).integers(0, 9, (40, 30, 2))
    predicted = np.random.default_rng(1).integers(0, 9, (30, 40, 2))
    with pytest.raises(ValueError, match="same shape"):
        _score(predicted, target, (0, 1, 3), (6, 8))


def test_valid_random_image_against_itself_scores_one():
    image = np.random.default_rng(2).integers(0, 9, (400, 300, 2))
    scores = _score(image, image, (0, 1, 3), (6, 8))
    assert (scores.pq, scores.sq, scores.rq) == (1.0, 1.0, 1.0)


def test_empty_categories():
    """torchmetrics accepts no categories at all (and computes nothing); the course refuses it."""
    with pytest.raises(ValueError, match="cannot both be empty"):
        _score(DOC_PREDICTED, DOC_TARGET, things=(), stuffs=())
