"""MONAI's own test cases for ``DiceLoss`` (tests/losses/test_dice_loss.py), carried over to
``cvcourse.metrics.dice_loss``.

MONAI's loss takes its options in the constructor and labels as a (N, 1, ...) channel; the
course's takes hard labels (N, ...) and always applies softmax (sigmoid for one channel).
Cases for options the course does not offer (soft labels, Jaccard, other activations, class
weights, ignore_index, a sigmoid per channel of a multi-channel output) are kept as skipped
tests that say why. The expected values are MONAI's, to its tolerance (rtol 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cvcourse.metrics import dice_loss

X22 = torch.tensor([[[[1.0, -1.0], [-1.0, 1.0]]]])
SCORES = torch.tensor([[[-1.0, 0.0, 1.0], [1.0, 0.0, -1.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
# MONAI's target [[[1, 0, 0]], [[1, 1, 0]]] with to_onehot_y: the class of each of the 3 positions
LABELS = torch.tensor([[1, 0, 0], [1, 1, 0]])


def test_sigmoid_one_channel():
    # {"include_background": True, "sigmoid": True, "smooth_nr": 1e-6, "smooth_dr": 1e-6} -> 0.307576
    target = torch.tensor([[[1, 0], [1, 1]]])
    assert dice_loss(X22, target, smooth=1e-6).item() == pytest.approx(0.307576, rel=1e-5)


def test_sigmoid_one_channel_batch_of_two():
    # {"include_background": True, "sigmoid": True, "smooth_nr": 1e-4, "smooth_dr": 1e-4} -> 0.416657
    logits = torch.cat([X22, X22])
    target = torch.tensor([[[1, 1], [1, 1]], [[1, 0], [1, 0]]])
    assert dice_loss(logits, target, smooth=1e-4).item() == pytest.approx(0.416657, rel=1e-5)


def test_probabilities_without_background_no_smoothing():
    # {"include_background": False, "to_onehot_y": True, "smooth_nr": 0, "smooth_dr": 0} -> 0.0, on inputs
    # that already are probabilities (MONAI applies no activation); log turns them into scores whose
    # softmax gives them back.
    probabilities = torch.tensor([[[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]])
    target = torch.tensor([[0, 0, 1], [0, 1, 0]])
    loss = dice_loss(torch.log(probabilities), target, include_background=False, smooth=0.0)
    assert loss.item() == pytest.approx(0.0, abs=1e-7)


def test_softmax_two_classes():
    # {"include_background": True, "to_onehot_y": True, "softmax": True, smooth 1e-4} -> 0.383713
    assert dice_loss(SCORES, LABELS, smooth=1e-4).item() == pytest.approx(0.383713, rel=1e-5)


def test_softmax_two_classes_summed():
    # the same with reduction "sum" -> 1.534853 (the course offers "none"; the sum is ours to take)
    losses = dice_loss(SCORES, LABELS, smooth=1e-4, reduction="none")
    assert losses.shape == (2, 2)
    assert losses.sum().item() == pytest.approx(1.534853, rel=1e-5)


def test_sigmoid_squared():
    # {"include_background": True, "sigmoid": True, "squared_pred": True} -> 0.178337
    target = torch.tensor([[[1, 0], [1, 1]]])
    assert dice_loss(X22, target, squared=True).item() == pytest.approx(0.178337, rel=1e-5)


def test_ill_shape():
    with pytest.raises(ValueError, match="shape"):
        dice_loss(torch.ones((1, 2, 3)), torch.ones((4, 5, 6), dtype=torch.long))


def test_ill_reduction():
    with pytest.raises(ValueError, match="reduction"):
        dice_loss(torch.ones((1, 1, 3)), torch.ones((1, 3), dtype=torch.long), reduction="unknown")
    with pytest.raises(ValueError, match="reduction"):
        dice_loss(torch.ones((1, 1, 3)), torch.ones((1, 3), dtype=torch.long), reduction=None)


SKIPPED = {
    "soft labels (soft_label=True / False on soft targets)": "targets are hard class labels in the course",
    "to_onehot_y with sigmoid on two channels (0.435050, and reduction none)":
        "several channels always get a softmax: the classes of a voxel are exclusive here",
    "jaccard=True (0.470451)": "the course's Jaccard is mean_iou (chapter 15), not a loss option",
    "other_act=torch.tanh or log_softmax (0.999963, -8.522593, 0.774718, 0.774733, 0.840058)":
        "no other activations: scores always go through softmax (sigmoid for one channel)",
    "weight=(0, 1) (-8.268515)": "no class weights (chapter 16 discusses them; Sudre et al. 2017)",
    "ignore_index": "no ignored label",
    "smooth_nr != smooth_dr": "one smooth for numerator and denominator",
    "input warnings (include_background=False or softmax on one channel)":
        "the course ignores include_background for one channel and uses sigmoid, as documented",
}


@pytest.mark.parametrize("case", sorted(SKIPPED))
def test_monai_cases_for_options_the_course_does_not_offer(case):
    pytest.skip(SKIPPED[case])


def test_expected_values_agree_in_float64():
    """MONAI's numbers came from float32; float64 gives the same to 1e-5."""
    value = dice_loss(SCORES.double(), LABELS, smooth=1e-4).item()
    assert np.isclose(value, 0.383713, rtol=1e-5)
