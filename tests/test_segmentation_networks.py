"""Chapter 15: transposed convolution, segmentation networks, overlap metrics and the synthetic scenes.

Oracles: ``torch.nn.functional.conv_transpose2d`` and autograd, ``torchvision.ops.FeaturePyramidNetwork``,
``torchmetrics`` (``JaccardIndex``, ``PanopticQuality``) and scikit-learn's confusion matrix.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from torchmetrics.classification import MulticlassJaccardIndex
from torchmetrics.detection import PanopticQuality
from torchvision.ops import FeaturePyramidNetwork

from cvcourse import metrics, models
from cvcourse import nn as cnn
from cvcourse.data import SEGMENTATION_CLASSES, instance_boxes, segmentation_scenes
from cvcourse.models import segmentation

# ------------------------------------------------------------------ transposed convolution


def _random_case(rng):
    """Random shapes and settings whose output is not empty."""
    while True:
        stride = int(rng.integers(1, 4))
        case = dict(n=int(rng.integers(1, 3)), c_in=int(rng.integers(1, 4)), c_out=int(rng.integers(1, 4)),
                    h=int(rng.integers(1, 7)), w=int(rng.integers(1, 7)), kh=int(rng.integers(1, 5)),
                    kw=int(rng.integers(1, 5)), stride=stride, pad=int(rng.integers(0, 3)),
                    output_padding=int(rng.integers(0, stride)))
        try:
            cnn.conv_transpose_output_shape(case["h"], case["kh"], case["pad"], stride, case["output_padding"])
            cnn.conv_transpose_output_shape(case["w"], case["kw"], case["pad"], stride, case["output_padding"])
            return case
        except ValueError:
            continue


@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose_forward_and_backward_equal_torch(seed):
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(15):
        c = _random_case(rng)
        x = rng.normal(size=(c["n"], c["c_in"], c["h"], c["w"]))
        w = rng.normal(size=(c["c_in"], c["c_out"], c["kh"], c["kw"]))
        b = rng.normal(size=c["c_out"])
        settings = (c["stride"], c["pad"], c["output_padding"])
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        expected = F.conv_transpose2d(tx, tw, tb, *settings)
        got = cnn.conv_transpose_forward(x, w, b, *settings)
        assert got.shape == tuple(expected.shape)
        dout = rng.normal(size=got.shape)
        expected.backward(torch.tensor(dout))
        dx, dw, db = cnn.conv_transpose_backward(dout, x, w, *settings)
        for ours, theirs in ((got, expected.detach()), (dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
            worst = max(worst, float(np.abs(ours - theirs.numpy()).max()))
    assert worst <= 1e-10


def test_conv_transpose_is_the_gradient_of_the_convolution():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2, 3, 3))  # a convolution from 2 channels to 3
    x_big = rng.normal(size=(2, 2, 9, 9))
    small = rng.normal(size=(2, 3, 4, 4))  # conv_forward(x_big, w, stride=2, pad=1) is (2, 3, 5, 5)... use 4x4 from 8x8
    x_big = x_big[:, :, :8, :8]
    dx, _, _ = cnn.conv_backward(small, x_big, w, stride=2, pad=1)
    np.testing.assert_allclose(cnn.conv_transpose_forward(small, w, stride=2, pad=1, output_padding=1), dx, atol=1e-12)
    # and its backward pass with respect to its input is the convolution itself
    dout = rng.normal(size=(2, 2, 8, 8))
    dsmall, _, _ = cnn.conv_transpose_backward(dout, small, w, stride=2, pad=1, output_padding=1)
    np.testing.assert_allclose(dsmall, cnn.conv_forward(dout, w, stride=2, pad=1), atol=1e-12)


def test_conv_transpose_worked_example_and_float32():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]])[None, None]
    expected = np.array([[1, 0, 2, 0], [0, -1, 0, -2], [3, 0, 4, 0], [0, -3, 0, -4]])
    np.testing.assert_array_equal(cnn.conv_transpose_forward(x, kernel, stride=2)[0, 0], expected)
    out32 = cnn.conv_transpose_forward(x.astype(np.float32), kernel.astype(np.float32), np.zeros(1, np.float32))
    assert out32.dtype == np.float32


@pytest.mark.parametrize("n,f,p,s,op", [(3, 3, 0, 2, 0), (4, 4, 1, 2, 0), (4, 3, 1, 2, 1), (1, 1, 0, 1, 0),
                                         (5, 2, 0, 3, 2), (7, 5, 2, 1, 0)])
def test_conv_transpose_output_shape_equals_torch(n, f, p, s, op):
    layer = torch.nn.ConvTranspose2d(1, 1, f, s, p, op)
    assert cnn.conv_transpose_output_shape(n, f, p, s, op) == layer(torch.zeros(1, 1, n, n)).shape[-1]


def test_conv_transpose_refuses_bad_settings():
    with pytest.raises(ValueError, match="output_padding"):
        cnn.conv_transpose_output_shape(4, 3, 1, 2, 2)
    with pytest.raises(ValueError, match="empty"):
        cnn.conv_transpose_output_shape(1, 1, 1, 1, 0)
    with pytest.raises(ValueError, match="channels"):
        cnn.conv_transpose_forward(np.zeros((1, 2, 3, 3)), np.zeros((3, 1, 2, 2)))
    with pytest.raises(ValueError, match="b must"):
        cnn.conv_transpose_forward(np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="dout"):
        cnn.conv_transpose_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        cnn.conv_transpose_forward(np.full((1, 1, 2, 2), np.nan), np.zeros((1, 1, 2, 2)))


# ------------------------------------------------------------------ networks


@pytest.mark.parametrize("channels,out_channels", [([8, 16, 32], 12), ([64, 128, 256, 512], 256), ([5], 3)])
def test_fpn_matches_torchvision(channels, out_channels):
    ours, theirs = models.FPN(channels, out_channels), FeaturePyramidNetwork(channels, out_channels)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    with torch.no_grad():  # same layers in the same order: copy the weights and compare the outputs
        for mine, reference in zip(ours.parameters(), theirs.parameters()):
            assert mine.shape == reference.shape
            mine.copy_(reference)
    sizes = [32 // 2**k for k in range(len(channels))]
    features = {f"c{k + 2}": torch.randn(2, c, s, s + 3) for k, (c, s) in enumerate(zip(channels, sizes))}
    expected = theirs(features)
    got = ours(features)
    assert list(got) == list(expected)
    for name in expected:
        assert got[name].shape == expected[name].shape
        assert torch.allclose(got[name], expected[name], atol=1e-5)
    as_list = ours(list(features.values()))
    assert all(torch.equal(a, b) for a, b in zip(as_list, got.values()))


@pytest.mark.parametrize("depth,width,size", [(1, 4, 8), (3, 8, 48), (4, 4, 32)])
def test_unet_shapes_and_skip_connections(depth, width, size):
    model = models.UNet(2, 5, depth, width)
    assert model(torch.zeros(3, 2, size, size)).shape == (3, 5, size, size)
    assert model.features(torch.zeros(1, 2, size, size)).shape == (1, width, size, size)
    assert len(model.up) == depth and model.up[0].in_channels == width * 2**depth
    assert model.merge[-1][0][0].in_channels == 2 * width  # the skip doubles the channels
    with pytest.raises(ValueError, match="multiples"):
        model(torch.zeros(1, 2, size + 1, size))


def test_unet_levels_and_deep_supervision():
    torch.manual_seed(0)
    unet = models.UNet(2, 3, depth=3, width=4)
    x = torch.rand(2, 2, 16, 16)
    levels = unet.levels(x)
    assert [tuple(m.shape[1:]) for m in levels] == [(32, 2, 2), (16, 4, 4), (8, 8, 8), (4, 16, 16)]
    assert torch.equal(levels[-1], unet.features(x))
    trainer = models.DeepSupervision(unet)
    outputs = trainer(x)
    assert len(outputs) == 4 and all(o.shape == (2, 3, 16, 16) for o in outputs)
    assert torch.equal(outputs[0], unet(x))  # the main output is the U-Net's own
    # each side output is its level's 1x1 scores, upsampled bilinearly
    coarse = trainer.side[1](levels[1])
    assert torch.allclose(outputs[2], F.interpolate(coarse, size=(16, 16), mode="bilinear", align_corners=False))
    target = torch.randint(0, 3, (2, 16, 16))
    expected = F.cross_entropy(outputs[0], target) + 0.25 * sum(F.cross_entropy(o, target) for o in outputs[1:])
    assert torch.allclose(models.deep_supervision_loss(outputs, target, 0.25), expected)
    assert torch.equal(models.deep_supervision_loss(outputs, target, 0.0), F.cross_entropy(outputs[0], target))
    assert {id(p) for p in unet.parameters()} < {id(p) for p in trainer.parameters()}
    # the side losses alone reach the deepest weights of the U-Net, not its head
    sum(F.cross_entropy(o, target) for o in outputs[1:]).backward()
    assert unet.down[-1][0][0].weight.grad.abs().sum() > 0 and unet.head.weight.grad is None
    assert all(side.weight.grad.abs().sum() > 0 for side in trainer.side)
    with pytest.raises(ValueError, match="side_weight"):
        models.deep_supervision_loss(outputs, target, -1)
    with pytest.raises(TypeError, match="list of score tensors"):
        models.deep_supervision_loss([], target)
    assert torch.equal(models.deep_supervision_loss(tuple(outputs), target, 0.25),
                       models.deep_supervision_loss(outputs, target, 0.25))
    for bad in ({"momentum": 1}, {"side_weight": -1}, {"epochs": 0}):  # refused before any scene is drawn
        with pytest.raises(ValueError, match=next(iter(bad))):
            segmentation.train_unet_on_scenes(**bad, progress=False)
    with pytest.raises(TypeError, match="UNet"):
        models.DeepSupervision(models.FCN(2, 3))
    with pytest.raises(TypeError, match="list of score tensors"):
        models.deep_supervision_loss(outputs[0], target)


def test_fcn_shapes_and_bilinear_upsampling():
    assert models.FCN(3, 4, 8)(torch.zeros(2, 3, 32, 48)).shape == (2, 4, 32, 48)
    x = torch.rand(1, 2, 6, 6)
    for stride in (2, 4):
        up = F.conv_transpose2d(x, models.bilinear_kernel(2, 2 * stride), stride=stride, padding=stride // 2)
        expected = F.interpolate(x, scale_factor=stride, mode="bilinear", align_corners=False)
        inner = slice(stride, -stride)  # the border differs: the transposed convolution pads with zeros
        assert torch.allclose(up[..., inner, inner], expected[..., inner, inner], atol=1e-6)


def test_mask_head_targets_loss_and_paste():
    head = models.MaskHead(16, 3, width=8)
    logits = head(torch.zeros(4, 16, 14, 14))
    assert logits.shape == (4, 3, 28, 28)
    masks = torch.zeros(2, 32, 32)
    masks[0, 4:12, 6:20] = 1
    masks[1, 20:30, 10:14] = 1
    rois = torch.tensor([[0.0, 6, 4, 20, 12], [0.0, 10, 20, 14, 30]])
    targets = models.mask_targets(masks, rois, 28)
    # each box is exactly its object: the target is full, but for the corners, where bilinear
    # sampling half a bin from two edges reads the zeros outside
    assert targets.shape == (2, 28, 28) and bool((targets[:, 1:-1, 1:-1] == 1).all())
    assert targets.mean() > 0.99
    pasted = models.paste_masks(targets, rois[:, 1:], (32, 32)) >= 0.5
    assert torch.equal(pasted, masks.bool())
    labels = torch.tensor([2, 0])
    logits = torch.randn(2, 3, 28, 28)
    expected = F.binary_cross_entropy_with_logits(torch.stack([logits[0, 2], logits[1, 0]]), targets)
    assert torch.allclose(models.mask_loss(logits, labels, targets), expected)


# ------------------------------------------------------------------ metrics


@pytest.mark.parametrize("seed", range(6))
def test_confusion_matrix_and_mean_iou_equal_sklearn_and_torchmetrics(seed):
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(2, 7))
    truth = rng.integers(0, classes, (3, 17, 13))
    prediction = np.where(rng.random(truth.shape) < 0.6, truth, rng.integers(0, classes, truth.shape))
    if seed % 2:  # a class that never occurs, which the mean leaves out
        truth[truth == classes - 1] = 0
        prediction[prediction == classes - 1] = 0
    np.testing.assert_array_equal(metrics.confusion_matrix(truth, prediction, classes),
                                  sklearn_confusion_matrix(truth.ravel(), prediction.ravel(), labels=range(classes)))
    jaccard = MulticlassJaccardIndex(num_classes=classes, average="macro")
    expected = jaccard(torch.tensor(prediction), torch.tensor(truth)).item()
    assert abs(metrics.mean_iou(truth, prediction, classes) - expected) <= 1e-6
    per_class = MulticlassJaccardIndex(num_classes=classes, average="none")(torch.tensor(prediction), torch.tensor(truth))
    _, ours = metrics.mean_iou(truth, prediction, classes, per_class=True)
    present = ~np.isnan(ours)
    np.testing.assert_allclose(ours[present], per_class.numpy()[present], atol=1e-6)
    ignored = MulticlassJaccardIndex(num_classes=classes, average="macro", ignore_index=0)
    assert abs(metrics.mean_iou(truth, prediction, classes, ignore_index=0)
               - ignored(torch.tensor(prediction), torch.tensor(truth)).item()) <= 1e-6


def test_mean_iou_edge_cases():
    truth = np.array([[0, 1], [1, 1]])
    assert metrics.mean_iou(truth, truth, 2) == 1.0
    assert metrics.mean_iou(truth, 1 - truth, 2) == 0.0
    with_void = np.array([[0, 255], [1, 1]])
    assert metrics.mean_iou(with_void, np.array([[0, 0], [1, 1]]), 2, ignore_index=255) == 1.0
    with pytest.raises(ValueError, match="labels in"):
        metrics.mean_iou(truth, truth + 1, 2)
    with pytest.raises(ValueError, match="same shape"):
        metrics.confusion_matrix(truth, truth[0], 2)
    with pytest.raises(TypeError, match="integer"):
        metrics.mean_iou(truth.astype(float), truth, 2)


def _blocky(rng, shape, values, block=3):
    """Label maps made of blocks, so that segments are large enough to match."""
    coarse = rng.integers(0, values, (shape[0], shape[1] // block + 1, shape[2] // block + 1))
    return coarse.repeat(block, 1).repeat(block, 2)[:, :shape[1], :shape[2]]


def _torchmetrics_pq(true_classes, true_instances, predicted_classes, predicted_instances, things, stuffs):
    metric = PanopticQuality(things=set(things), stuffs=set(stuffs), allow_unknown_preds_category=True,
                             return_sq_and_rq=True)
    predicted = torch.tensor(np.stack([predicted_classes, predicted_instances], -1))
    target = torch.tensor(np.stack([true_classes, true_instances], -1))
    return metric(predicted, target).numpy()


@pytest.mark.parametrize("seed", range(10))
def test_panoptic_quality_equals_torchmetrics(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), int(rng.integers(6, 24)), int(rng.integers(6, 24)))
    true_classes = _blocky(rng, shape, 5)
    true_instances = _blocky(rng, shape, 3, block=4)
    noisy = rng.random(shape) < 0.15
    predicted_classes = np.where(noisy, rng.integers(0, 5, shape), true_classes)
    predicted_instances = np.where(rng.random(shape) < 0.1, rng.integers(0, 3, shape), true_instances)
    things, stuffs = [1, 2, 3], ([0] if seed % 2 else [0, 4])  # odd seeds: class 4 is void
    ours = metrics.panoptic_quality(true_classes, true_instances, predicted_classes, predicted_instances, things,
                                    stuffs)
    expected = _torchmetrics_pq(true_classes, true_instances, predicted_classes, predicted_instances, things, stuffs)
    np.testing.assert_allclose([ours.pq, ours.sq, ours.rq], expected, atol=1e-6)
    assert np.array_equal(ours.categories, np.array(things + stuffs))


def test_panoptic_quality_by_hand():
    # two touching squares of class 1 (instances 1 and 2) and stuff 0 around them
    classes = np.zeros((6, 8), dtype=int)
    classes[1:5, 1:4] = 1
    classes[1:5, 4:7] = 1
    instances = np.zeros_like(classes)
    instances[1:5, 1:4], instances[1:5, 4:7] = 1, 2
    perfect = metrics.panoptic_quality(classes, instances, classes, instances, things=[1], stuffs=[0])
    assert (perfect.pq, perfect.sq, perfect.rq) == (1.0, 1.0, 1.0)
    # semantic segmentation alone merges them into one segment: IoU 0.5 with each, not > 0.5: no match
    merged = metrics.panoptic_quality(classes, instances, classes, (classes == 1).astype(int), things=[1], stuffs=[0])
    assert merged.true_positives.tolist() == [0, 1] and merged.false_positives.tolist() == [1, 0]
    assert merged.false_negatives.tolist() == [2, 0]
    assert merged.pq == pytest.approx(0.5)  # stuff: PQ 1; thing: PQ 0
    with pytest.raises(ValueError, match="both a thing and stuff"):
        metrics.panoptic_quality(classes, instances, classes, instances, things=[1], stuffs=[1])


# ------------------------------------------------------------------ data


def test_segmentation_scenes_are_consistent_and_reproducible():
    images, semantic, instances = segmentation_scenes(60, seed=3)
    again = segmentation_scenes(60, seed=3)
    assert np.array_equal(images, again[0]) and np.array_equal(instances, again[2])
    assert images.dtype == np.float32 and semantic.shape == instances.shape == (60, 48, 48)
    assert set(np.unique(semantic)) == set(range(len(SEGMENTATION_CLASSES)))
    assert np.array_equal(semantic > 0, instances > 0)
    touching = 0
    for classes, ids in zip(semantic, instances):
        for index in np.unique(ids[ids > 0]):
            assert len(np.unique(classes[ids == index])) == 1  # an object has one class
        right = (ids[:, 1:] != ids[:, :-1]) & (ids[:, 1:] > 0) & (ids[:, :-1] > 0)
        down = (ids[1:] != ids[:-1]) & (ids[1:] > 0) & (ids[:-1] > 0)
        touching += bool(right.any() or down.any())
    assert touching >= 10  # objects touch and overlap in many scenes


def test_instance_boxes():
    ids, boxes = instance_boxes(np.array([[0, 3, 3, 0], [0, 3, 0, 5], [0, 0, 0, 5]]))
    assert ids.tolist() == [3, 5]
    assert boxes.tolist() == [[1, 0, 3, 2], [3, 1, 4, 3]]
    with pytest.raises(TypeError, match="integer"):
        instance_boxes(np.zeros((3, 3)))
