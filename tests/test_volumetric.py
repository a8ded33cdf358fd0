"""Chapter 16: synthetic volumes, V-Net, the Dice score and the soft Dice loss.

The Dice loss is checked against MONAI's ``DiceLoss`` (values and gradients) for every
combination of settings, the Dice score against scikit-learn's per-class F1 score and SciPy's
Dice dissimilarity, V-Net's pieces against PyTorch's functional operations, and the trained
V-Net against the chapter's quality bars.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import dice as scipy_dice
from sklearn.metrics import f1_score

from cvcourse import metrics, models, segmentation
from cvcourse.data import VOLUME_CLASSES, synthetic_volumes

monai_losses = pytest.importorskip("monai.losses")


# ------------------------------------------------------------------ synthetic volumes

def test_volumes_shapes_labels_and_imbalance():
    volumes, labels = synthetic_volumes(6, size=24, seed=3)
    assert volumes.shape == labels.shape == (6, 24, 24, 24)
    assert volumes.dtype == np.float32 and labels.dtype == np.int64
    assert set(np.unique(labels)) == set(range(len(VOLUME_CLASSES)))
    fractions = labels.mean(axis=(1, 2, 3))
    assert np.all(fractions > 0.002) and np.all(fractions < 0.1), fractions
    # structures are brighter than background on average, by about their contrast
    gap = volumes[labels == 1].mean() - volumes[labels == 0].mean()
    assert 0.3 < gap < 0.6, gap


def test_volumes_are_seeded_and_noise_is_as_asked():
    first, first_labels = synthetic_volumes(2, size=16, seed=7)
    again, again_labels = synthetic_volumes(2, size=16, seed=7)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first_labels, again_labels)
    assert not np.array_equal(first, synthetic_volumes(2, size=16, seed=8)[0])
    clean, labels = synthetic_volumes(3, size=16, noise=0.0, seed=1)
    noisy, same_labels = synthetic_volumes(3, size=16, noise=0.3, seed=1)
    np.testing.assert_array_equal(labels, same_labels)
    assert abs(np.std(noisy - clean) - 0.3) < 0.01


@pytest.mark.parametrize("kwargs", [dict(count=0), dict(count=2, size=8), dict(count=2, noise=-1.0),
                                    dict(count=2, blobs=0), dict(count=2.5)])
def test_volumes_refuse_bad_arguments(kwargs):
    with pytest.raises((TypeError, ValueError)):
        synthetic_volumes(**kwargs)


# ------------------------------------------------------------------ Dice score

@pytest.mark.parametrize("shape, classes", [((7, 9), 2), ((5, 6, 7), 3), ((2, 4, 5, 6), 4)])
def test_dice_score_equals_f1_and_scipy(shape, classes):
    rng = np.random.default_rng(sum(shape))
    prediction, target = rng.integers(0, classes, shape), rng.integers(0, classes, shape)
    ours = metrics.dice_score(prediction, target, classes)
    theirs = f1_score(target.ravel(), prediction.ravel(), labels=list(range(classes)), average=None)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)
    for c in range(classes):
        assert abs(ours[c] - (1 - scipy_dice((prediction == c).ravel(), (target == c).ravel()))) < 1e-14


def test_dice_score_agrees_with_chapter_6_on_masks():
    rng = np.random.default_rng(5)
    for shape in [(9, 9), (4, 5, 6), (2, 3, 4, 5)]:
        prediction, truth = rng.random(shape) > 0.7, rng.random(shape) > 0.6
        assert abs(metrics.dice_score(prediction, truth, 2)[1] - segmentation.dice(prediction, truth)) < 1e-15


def test_dice_score_edge_cases():
    np.testing.assert_array_equal(metrics.dice_score(np.zeros((3, 3), int), np.zeros((3, 3), int), 3),
                                  [1.0, np.nan, np.nan])
    np.testing.assert_array_equal(metrics.dice_score([[1, 1]], [[0, 0]]), [0.0, 0.0])
    assert metrics.dice_score(np.ones((2, 2, 2), bool), np.ones((2, 2, 2), bool))[1] == 1.0
    with pytest.raises(ValueError, match="same shape"):
        metrics.dice_score(np.zeros((2, 3), int), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match="integer"):
        metrics.dice_score(np.zeros((2, 2)), np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="num_classes"):
        metrics.dice_score(np.full((2, 2), 3), np.zeros((2, 2), int), 2)
    with pytest.raises(ValueError, match="labels"):
        metrics.dice_score(np.full((2, 2), -1), np.zeros((2, 2), int))


# ------------------------------------------------------------------ Dice loss vs MONAI

def _monai(logits, labels, include_background, batch, squared, reduction, smooth=1e-5):
    """MONAI's DiceLoss for the same settings, with float64 one-hot labels made here (MONAI's
    own to_onehot_y makes them float32, which rounds the squared form's norms at 1e-7)."""
    classes = logits.shape[1]
    if classes == 1:
        loss = monai_losses.DiceLoss(sigmoid=True, batch=batch, squared_pred=squared, reduction=reduction,
                                     smooth_nr=smooth, smooth_dr=smooth)
        return loss(logits, labels[:, None].to(logits.dtype))
    one_hot = F.one_hot(labels, classes).movedim(-1, 1).to(logits.dtype)
    loss = monai_losses.DiceLoss(softmax=True, include_background=include_background, batch=batch,
                                 squared_pred=squared, reduction=reduction, smooth_nr=smooth, smooth_dr=smooth)
    return loss(logits, one_hot)


SHAPES = [(2, 3, 5, 6), (2, 3, 4, 5, 6), (3, 1, 4, 4, 4), (1, 2, 7, 7), (2, 4, 9)]


@pytest.mark.parametrize("shape", SHAPES)
def test_dice_loss_equals_monai_values_and_gradients(shape):
    generator = torch.Generator().manual_seed(sum(shape))
    logits = (3 * torch.randn(shape, generator=generator, dtype=torch.float64)).requires_grad_()
    labels = torch.randint(0, max(shape[1], 2), (shape[0], *shape[2:]), generator=generator)
    worst = 0.0
    for include_background, batch, squared, reduction in itertools.product(
            [True, False], [True, False], [True, False], ["mean", "none"]):
        ours = metrics.dice_loss(logits, labels, include_background=include_background, batch=batch,
                                 squared=squared, reduction=reduction)
        theirs = _monai(logits, labels, include_background, batch, squared, reduction)
        theirs = theirs.reshape(ours.shape)
        worst = max(worst, (ours - theirs).abs().max().item())
        ours_grad, = torch.autograd.grad(ours.sum(), logits)
        theirs_grad, = torch.autograd.grad(theirs.sum(), logits)
        worst = max(worst, (ours_grad - theirs_grad).abs().max().item())
    print(f"dice_loss {shape}: largest difference from MONAI's DiceLoss (values and gradients) {worst:.1e}")
    assert worst <= 1e-12


def test_dice_loss_with_monais_own_one_hot():
    """MONAI's to_onehot_y, as a user would call it: the same up to its float32 labels."""
    logits = torch.randn(2, 3, 6, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    labels = torch.randint(0, 3, (2, 6, 6, 6), generator=torch.Generator().manual_seed(2))
    for squared in (False, True):
        theirs = monai_losses.DiceLoss(softmax=True, to_onehot_y=True, squared_pred=squared)(logits, labels[:, None])
        assert abs(metrics.dice_loss(logits, labels, squared=squared).item() - theirs.item()) <= 1e-6


def test_dice_loss_limits():
    labels = torch.tensor([[[0, 1, 1], [0, 0, 1]]])
    perfect = 50.0 * F.one_hot(labels, 2).movedim(-1, 1).double()
    assert metrics.dice_loss(perfect, labels).item() < 1e-9
    assert metrics.dice_loss(-perfect, labels).item() > 0.99
    # an absent class predicted absent costs nothing; the smoothing makes it 0 / 0 -> 0
    background = torch.zeros(1, 2, 4, 4, dtype=torch.float64)
    background[:, 0] = 50.0
    losses = metrics.dice_loss(background, torch.zeros(1, 4, 4, dtype=torch.long), reduction="none")
    assert losses.shape == (1, 2) and losses.max().item() < 1e-9
    assert metrics.dice_loss(perfect, labels, batch=True, reduction="none").shape == (2,)


@pytest.mark.parametrize("logits, labels, kwargs, match", [
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 5, dtype=torch.long), {}, "shape"),
    (torch.zeros(2, 3, 4, 4), torch.full((2, 4, 4), 3), {}, r"\[0, 2\]"),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4), {}, "integer"),
    (torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), {}, "spatial"),
    (torch.zeros(2, 3, 4, 4, dtype=torch.long), torch.zeros(2, 4, 4, dtype=torch.long), {}, "floating"),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4, dtype=torch.long), {"reduction": "sum"}, "reduction"),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4, dtype=torch.long), {"smooth": -1.0}, "smooth"),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4, dtype=torch.long), {"batch": 1}, "batch"),
    (np.zeros((2, 3, 4, 4)), torch.zeros(2, 4, 4, dtype=torch.long), {}, "logits"),
])
def test_dice_loss_refuses_bad_input(logits, labels, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        metrics.dice_loss(logits, labels, **kwargs)


# ------------------------------------------------------------------ V-Net

def test_residual_stage_equals_its_functional_form():
    torch.manual_seed(0)
    stage = models.ResidualStage3d(3, 5, convolutions=2).double().eval()
    for module in stage.modules():  # non-trivial batch-norm statistics and PReLU slopes
        if isinstance(module, torch.nn.BatchNorm3d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
        if isinstance(module, torch.nn.PReLU):
            module.weight.data.uniform_(0.05, 0.5)
    x = torch.randn(2, 3, 6, 7, 8, dtype=torch.float64)
    y = x
    for conv, norm, prelu in stage.units:
        y = F.conv3d(y, conv.weight, padding=1)
        y = F.batch_norm(y, norm.running_mean, norm.running_var, norm.weight, norm.bias, eps=norm.eps)
        y = F.prelu(y, prelu.weight)
    expected = F.prelu(y + F.conv3d(x, stage.shortcut.weight), stage.activation.weight)
    assert (stage(x) - expected).abs().max().item() <= 1e-12
    assert isinstance(models.ResidualStage3d(4, 4).shortcut, torch.nn.Identity)


@pytest.mark.parametrize("depth, width, kernel_size, shape", [(1, 2, 3, (2, 1, 8, 6, 4)), (2, 4, 3, (1, 1, 16, 16, 16)),
                                                              (3, 2, 5, (1, 1, 16, 8, 24))])
def test_vnet_shapes_and_gradients(depth, width, kernel_size, shape):
    torch.manual_seed(0)
    model = models.VNet(in_channels=1, num_classes=3, depth=depth, width=width, kernel_size=kernel_size)
    x = torch.randn(shape)
    scores = model(x)
    assert scores.shape == (shape[0], 3, *shape[2:])
    scores.square().mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv3d) and m.kernel_size[0] > 2]
    assert convs and all(m.kernel_size == (kernel_size,) * 3 for m in convs)
    downs = [m for m in model.modules() if isinstance(m, torch.nn.Conv3d) and m.stride == (2, 2, 2)]
    ups = [m for m in model.modules() if isinstance(m, torch.nn.ConvTranspose3d)]
    assert len(downs) == len(ups) == depth
    assert [m.out_channels for m in downs] == [width * 2 ** level for level in range(1, depth + 1)]


def test_vnet_refuses_bad_input():
    model = models.VNet(1, 2, depth=2, width=2)
    with pytest.raises(ValueError, match="divisible by 4"):
        model(torch.zeros(1, 1, 8, 8, 6))
    with pytest.raises(ValueError, match=r"x\[None\]"):
        model(torch.zeros(1, 8, 8, 8))
    with pytest.raises(TypeError, match="floating"):
        model(torch.zeros(1, 1, 8, 8, 8, dtype=torch.long))
    with pytest.raises(TypeError):
        model(np.zeros((1, 1, 8, 8, 8)))
    with pytest.raises(ValueError, match="odd"):
        models.VNet(1, 2, kernel_size=4)
    with pytest.raises(ValueError, match="depth"):
        models.VNet(1, 2, depth=0)


def test_segment_volumes_batches_and_keeps_the_mode():
    torch.manual_seed(0)
    model = models.VNet(1, 2, depth=1, width=2).train()
    volumes = np.random.default_rng(0).random((5, 8, 8, 8)).astype(np.float32)
    labels = models.segment_volumes(model, volumes, batch_size=2)
    assert model.training
    model.eval()
    with torch.no_grad():
        expected = model(torch.as_tensor(volumes[:, None])).argmax(1).numpy()
    np.testing.assert_array_equal(labels, expected)
    assert labels.dtype == np.int64
