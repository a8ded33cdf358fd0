"""cvcourse.detection against torchvision.ops, torchvision's detection utilities and pycocotools."""

import math

import numpy as np
import pytest
import torch
from torchvision import ops
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
from torchvision.models.detection.image_list import ImageList

from cvcourse import detection as D
from cvcourse.data import scenes


def random_boxes(rng, count, spread=50.0, max_side=30.0, zero_fraction=0.0):
    """xyxy boxes, some outside [0, spread], a fraction with zero width or height."""
    xy = rng.uniform(-10, spread, (count, 2))
    wh = rng.uniform(0, max_side, (count, 2))
    wh[rng.random(count) < zero_fraction, rng.integers(0, 2)] = 0
    return np.concatenate([xy, xy + wh], axis=1)


# ---------------------------------------------------------------- box formats, area, IoU
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("in_fmt", D.BOX_FORMATS)
@pytest.mark.parametrize("out_fmt", D.BOX_FORMATS)
def test_box_convert_equals_torchvision(seed, in_fmt, out_fmt):
    rng = np.random.default_rng(seed)
    boxes = D.box_convert(random_boxes(rng, 20, zero_fraction=0.2), "xyxy", in_fmt)
    expected = ops.box_convert(torch.tensor(boxes), in_fmt, out_fmt).numpy()
    got = D.box_convert(boxes, in_fmt, out_fmt)
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_box_area_and_iou_equal_torchvision(seed):
    rng = np.random.default_rng(seed)
    first = random_boxes(rng, 30, zero_fraction=0.2)
    second = np.concatenate([random_boxes(rng, 25), first[:3]])  # some identical boxes
    assert np.abs(D.box_area(first) - ops.box_area(torch.tensor(first)).numpy()).max() <= 1e-9
    expected = ops.box_iou(torch.tensor(first), torch.tensor(second)).numpy()
    got = D.box_iou(first, second)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    assert np.nanmax(np.abs(got - expected)) <= 1e-6


def test_box_ops_on_empty_box_lists():
    empty = np.zeros((0, 4))
    some = np.array([[0.0, 0, 1, 1]])
    assert D.box_convert(empty, "xyxy", "cxcywh").shape == (0, 4)
    assert D.box_area(empty).shape == (0,)
    assert D.box_iou(empty, some).shape == (0, 1) and D.box_iou(some, empty).shape == (1, 0)
    assert D.nms(empty, np.zeros(0), 0.5).shape == (0,)
    assert D.batched_nms(empty, np.zeros(0), np.zeros(0, int), 0.5).shape == (0,)
    assert D.nms(empty, np.zeros(0), 0.5).dtype == np.int64


def test_zero_area_boxes_like_torchvision():
    boxes = np.array([[1.0, 1, 1, 1], [0, 0, 2, 2], [1, 1, 1, 1]])
    expected = ops.box_iou(torch.tensor(boxes), torch.tensor(boxes)).numpy()
    got = D.box_iou(boxes, boxes)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(np.nan_to_num(got), np.nan_to_num(expected))


# ---------------------------------------------------------------- NMS
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_nms_keeps_the_same_boxes_as_torchvision(seed, threshold):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, 300, spread=100, zero_fraction=0.05)
    scores = rng.random(300)
    expected = ops.nms(torch.tensor(boxes), torch.tensor(scores), threshold).numpy()
    np.testing.assert_array_equal(D.nms(boxes, scores, threshold), expected)


def test_nms_with_identical_scores_keeps_input_order_like_torchvision():
    rng = np.random.default_rng(3)
    boxes = random_boxes(rng, 200, spread=60)
    scores = np.round(rng.random(200), 1)  # many ties
    expected = ops.nms(torch.tensor(boxes), torch.tensor(scores), 0.5).numpy()
    np.testing.assert_array_equal(D.nms(boxes, scores, 0.5), expected)


@pytest.mark.parametrize("seed", range(10))
def test_batched_nms_equals_torchvision(seed):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, 400, spread=80)
    scores, classes = rng.random(400), rng.integers(0, 5, 400)
    expected = ops.batched_nms(torch.tensor(boxes), torch.tensor(scores), torch.tensor(classes), 0.4).numpy()
    np.testing.assert_array_equal(D.batched_nms(boxes, scores, classes, 0.4), expected)


def test_nms_float32_boxes():
    rng = np.random.default_rng(7)
    boxes = random_boxes(rng, 500, spread=100).astype(np.float32)
    scores = rng.random(500).astype(np.float32)
    np.testing.assert_array_equal(D.nms(boxes, scores, 0.6),
                                  ops.nms(torch.tensor(boxes), torch.tensor(scores), 0.6).numpy())


# ---------------------------------------------------------------- RoI pooling
def random_rois(rng, count, batch, size):
    xy = rng.uniform(-0.3 * size, 1.1 * size, (count, 2))
    wh = rng.uniform(0, 0.8 * size, (count, 2)) * (rng.random((count, 1)) > 0.1)  # some zero-size boxes
    return np.column_stack([rng.integers(0, batch, count), xy, xy + wh])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("sampling_ratio", [-1, 0, 1, 2, 3])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5, 0.25, 0.7])
def test_roi_align_equals_torchvision(seed, aligned, sampling_ratio, spatial_scale):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((2, 3, 9, 13))
    rois = random_rois(rng, 12, 2, 16 / spatial_scale)
    output_size = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    expected = ops.roi_align(torch.tensor(features), torch.tensor(rois), output_size, spatial_scale,
                             sampling_ratio, aligned).numpy()
    got = D.roi_align(features, rois, output_size, spatial_scale, sampling_ratio, aligned)
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1e-6


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5, 0.25, 1 / 16])
def test_roi_pool_equals_torchvision(seed, spatial_scale):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((3, 4, 11, 8))
    rois = random_rois(rng, 15, 3, 12 / spatial_scale)
    output_size = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    expected = ops.roi_pool(torch.tensor(features), torch.tensor(rois), output_size, spatial_scale).numpy()
    got = D.roi_pool(features, rois, output_size, spatial_scale)
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1e-6


def test_roi_ops_with_no_boxes():
    features = np.ones((1, 2, 5, 5))
    assert D.roi_align(features, np.zeros((0, 5)), 3).shape == (0, 2, 3, 3)
    assert D.roi_pool(features, np.zeros((0, 5)), (2, 4)).shape == (0, 2, 2, 4)


# ---------------------------------------------------------------- anchors
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0), (2.0, 3.0, 4.0, 5.0)])
def test_encode_decode_equal_torchvision_box_coder(seed, weights):
    rng = np.random.default_rng(seed)
    anchors = random_boxes(rng, 50) + np.array([0, 0, 1, 1])
    boxes = random_boxes(rng, 50) + np.array([0, 0, 0.5, 0.5])
    coder = det_utils.BoxCoder(weights)
    expected = coder.encode_single(torch.tensor(boxes), torch.tensor(anchors)).numpy()
    offsets = D.encode_boxes(boxes, anchors, weights)
    assert np.abs(offsets - expected).max() <= 1e-9
    noisy = offsets + rng.normal(0, 3, offsets.shape)  # large size offsets hit the clip
    decoded = coder.decode_single(torch.tensor(noisy), torch.tensor(anchors)).numpy()
    assert np.abs(D.decode_boxes(noisy, anchors, weights) - decoded).max() <= 1e-6 * max(1, np.abs(decoded).max())
    np.testing.assert_allclose(D.decode_boxes(offsets, anchors, weights), boxes, atol=1e-9)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("high, low, low_quality", [(0.7, 0.3, True), (0.5, 0.4, False), (0.5, 0.5, True)])
def test_match_anchors_equals_torchvision_matcher(seed, high, low, low_quality):
    rng = np.random.default_rng(seed)
    anchors = D.anchor_grid(6, 8, [8, 16], [0.5, 1.0, 2.0])
    gt = random_boxes(rng, int(rng.integers(1, 6)), spread=40, max_side=25) + np.array([0, 0, 2, 2])
    matcher = det_utils.Matcher(high, low, allow_low_quality_matches=low_quality)
    expected = matcher(ops.box_iou(torch.tensor(gt), torch.tensor(anchors))).numpy()
    np.testing.assert_array_equal(D.match_anchors(anchors, gt, high, low, low_quality), expected)


def test_match_anchors_without_objects_is_all_background():
    anchors = D.anchor_grid(2, 8, [8], [1.0])
    assert (D.match_anchors(anchors, np.zeros((0, 4))) == D.BACKGROUND).all()


def test_anchor_grid_layout():
    anchors = D.anchor_grid((2, 3), 10, [4, 8], [0.5, 1.0, 2.0])
    assert anchors.shape == (2 * 3 * 6, 4)
    centres = D.box_convert(anchors, "xyxy", "cxcywh")
    np.testing.assert_allclose(centres[:6, :2], 5.0)  # cell (0, 0) centre
    np.testing.assert_allclose(centres[6, :2], [15.0, 5.0])  # next cell to the right
    np.testing.assert_allclose(centres[:, 2] * centres[:, 3], np.tile([16, 64], 18))  # area = size ** 2
    np.testing.assert_allclose(centres[:6, 3] / centres[:6, 2], [0.5, 0.5, 1, 1, 2, 2])


@pytest.mark.parametrize("settings", [
    dict(aspect_ratios=[[2], [2, 3], [2, 3], [2]]),
    dict(aspect_ratios=[[2], [3]], min_ratio=0.2, max_ratio=0.95),
    dict(aspect_ratios=[[2, 3], [2]], scales=[0.07, 0.15, 0.33], steps=[8, 16]),
    dict(aspect_ratios=[[2]], clip=False, min_ratio=0.5, max_ratio=1.3),
])
def test_default_boxes_equal_torchvision(settings):
    sizes = [(8, 8), (4, 4), (2, 2), (1, 1)][:len(settings["aspect_ratios"])]
    image = (64, 72)
    generator = DefaultBoxGenerator(**settings)
    images = ImageList(torch.zeros(1, 3, *image), [image])
    expected = generator(images, [torch.zeros(1, 1, *s, dtype=torch.float64) for s in sizes])[0].numpy()
    got = D.default_boxes(sizes, image, **settings)
    # torchvision keeps its box sizes in float32, so compare in fractions of the image
    scale = np.array([image[1], image[0], image[1], image[0]])
    assert got.shape == expected.shape and np.abs(got / scale - expected / scale).max() <= 1e-6


# ---------------------------------------------------------------- mAP against pycocotools
def coco_evaluate(detections, ground_truth, classes):
    """AP@0.5 and AP@[.5:.95] from pycocotools' COCOeval."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, results = [], [], []
    for image_id, ((boxes, labels), (det_boxes, scores, det_labels)) in enumerate(zip(ground_truth, detections)):
        images.append({"id": image_id, "width": 100, "height": 100})
        for box, label in zip(D.box_convert(boxes, "xyxy", "xywh"), labels):
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(label),
                                "bbox": box.tolist(), "area": float(box[2] * box[3]), "iscrowd": 0})
        for box, score, label in zip(D.box_convert(det_boxes, "xyxy", "xywh"), scores, det_labels):
            results.append({"image_id": image_id, "category_id": int(label), "bbox": box.tolist(),
                            "score": float(score)})
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": images, "annotations": annotations,
                         "categories": [{"id": int(c)} for c in classes]}
        truth.createIndex()
        found = truth.loadRes(results) if results else COCO()
        evaluator = COCOeval(truth, found, "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats[1], evaluator.stats[0]


def random_evaluation_case(rng, images=8, classes=3):
    ground_truth, detections = [], []
    for k in range(images):
        count = 0 if k == 0 else int(rng.integers(0, 6))  # image 0 has no objects
        boxes = random_boxes(rng, count, spread=70, max_side=30) + np.array([0, 0, 1, 1])
        labels = rng.integers(0, classes, count)
        # detections: jittered copies of the objects, duplicates and pure false positives
        jittered = boxes + rng.normal(0, 3, boxes.shape)
        jittered[:, 2:] = np.maximum(jittered[:, 2:], jittered[:, :2] + 0.5)
        extra = random_boxes(rng, int(rng.integers(0, 5)), spread=70) + np.array([0, 0, 1, 1])
        det_boxes = np.concatenate([jittered, jittered[: count // 2], extra])
        det_labels = np.concatenate([labels, labels[: count // 2], rng.integers(0, classes + 1, len(extra))])
        ground_truth.append((boxes, labels))
        detections.append((det_boxes, rng.random(len(det_boxes)), det_labels))
    return detections, ground_truth


@pytest.mark.parametrize("seed", range(12))
def test_mean_average_precision_equals_coco_evaluator(seed):
    rng = np.random.default_rng(seed)
    detections, ground_truth = random_evaluation_case(rng)
    classes = range(4)  # class 3 only has detections, never objects
    ap50, ap = coco_evaluate(detections, ground_truth, classes)
    assert abs(D.mean_average_precision(detections, ground_truth, (0.5,)) - ap50) <= 1e-6
    assert abs(D.mean_average_precision(detections, ground_truth, D.COCO_IOU_THRESHOLDS) - ap) <= 1e-6


def test_mean_average_precision_with_many_detections_per_image_and_ties():
    rng = np.random.default_rng(42)
    detections, ground_truth = random_evaluation_case(rng, images=4, classes=2)
    boxes, scores, labels = detections[1]
    many = np.repeat(boxes, 40, axis=0) + rng.normal(0, 1, (40 * len(boxes), 4)).clip(-0.4, 0.4)
    detections[1] = (many, np.round(rng.random(len(many)), 1), np.repeat(labels, 40))
    ap50, ap = coco_evaluate(detections, ground_truth, range(2))
    assert abs(D.mean_average_precision(detections, ground_truth) - ap50) <= 1e-6
    assert abs(D.mean_average_precision(detections, ground_truth, D.COCO_IOU_THRESHOLDS) - ap) <= 1e-6


def test_average_precision_by_hand():
    # ranks: TP, FP, TP of 2 objects: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
    # envelope: 1 up to recall 0.5, then 2/3: (51 * 1 + 50 * 2/3) / 101
    assert math.isclose(D.average_precision([0.9, 0.8, 0.7], [True, False, True], 2), (51 + 100 / 3) / 101)
    assert D.average_precision([], [], 3) == 0.0
    assert D.average_precision([0.5], [True], 1) == 1.0


# ---------------------------------------------------------------- proposals and data
def test_selective_search_finds_the_shapes():
    images, boxes, _ = scenes.shape_scenes(6, seed=5)
    found = []
    for image, objects in zip(images, boxes):
        proposals = D.selective_search(image)
        assert proposals.ndim == 2 and proposals.shape[1] == 4 and len(np.unique(proposals, axis=0)) == len(proposals)
        found.extend(D.box_iou(objects, proposals).max(axis=1))
    assert np.mean(np.array(found) >= 0.7) >= 0.8


def test_shape_scenes_boxes_are_exact():
    images, boxes, labels = scenes.shape_scenes(5, seed=3)
    for image, objects in zip(images, boxes):
        assert ((objects[:, :2] >= 0) & (objects[:, 2:] <= 64)).all() and (objects[:, 2:] > objects[:, :2]).all()
    again = scenes.shape_scenes(5, seed=3)
    np.testing.assert_array_equal(images, again[0])


def _grid_targets_one_by_one(boxes, labels, grid_size, stride, anchors):
    """grid_targets' rule written object by object with box_iou: the reference for the batched code."""
    count = len(anchors)
    target = {"object": np.zeros((grid_size, grid_size, count), bool),
              "offsets": np.zeros((grid_size, grid_size, count, 4)),
              "label": np.full((grid_size, grid_size, count), -1)}
    centres = (np.stack(np.meshgrid(np.arange(grid_size), np.arange(grid_size)), -1) + 0.5) * stride  # (row, col, xy)
    all_anchors = np.concatenate([np.concatenate([centres - size / 2, centres + size / 2], -1)[:, :, None]
                                  for size in anchors], axis=2)  # (S, S, A, 4)
    overlap = np.zeros((grid_size, grid_size, count))
    if len(boxes):
        overlap = np.nan_to_num(D.box_iou(all_anchors.reshape(-1, 4), boxes)).max(axis=1).reshape(overlap.shape)
    for box, label in zip(boxes, labels):
        width, height = box[2] - box[0], box[3] - box[1]
        cx, cy = box[0] + width / 2, box[1] + height / 2
        centred = np.concatenate([-anchors / 2, anchors / 2], axis=1)
        a = int(D.box_iou(np.array([[-width / 2, -height / 2, width / 2, height / 2]]), centred).argmax())
        row, column = min(int(cy // stride), grid_size - 1), min(int(cx // stride), grid_size - 1)
        target["object"][row, column, a], target["label"][row, column, a] = True, label
        target["offsets"][row, column, a] = [cx / stride - column, cy / stride - row, np.log(max(width, 1e-6) / anchors[a, 0]),
                                             np.log(max(height, 1e-6) / anchors[a, 1])]
    target["ignore"] = (overlap > 0.5) & ~target["object"]
    return target


def test_grid_dataset_targets_follow_the_assignment_rule():
    from cvcourse.detection import networks

    images, boxes, labels = scenes.shape_scenes(60, size=48, seed=4)
    boxes[0], labels[0] = np.zeros((0, 4)), np.zeros(0, np.int64)  # a scene without objects
    boxes[1], labels[1] = np.array([[8.0, 8, 20, 20], [9, 9, 21, 21]]), np.array([0, 2])  # one slot, two objects
    boxes[2], labels[2] = np.array([[40.0, 40, 48, 48]]), np.array([1])  # at the far edge
    anchors = networks.GridDetector().anchors.numpy().astype(np.float64)
    dataset = networks.GridDataset(images, boxes, labels, anchors, flip=True)
    for flipped, targets in enumerate(dataset.targets):
        for n in range(len(images)):
            objects = np.stack([48 - boxes[n][:, 2], boxes[n][:, 1], 48 - boxes[n][:, 0], boxes[n][:, 3]], 1) \
                if flipped else boxes[n]
            expected = _grid_targets_one_by_one(objects, labels[n], 6, 8, anchors)
            one = networks.grid_targets(objects, labels[n], 6, 8, anchors)
            for key, value in expected.items():
                np.testing.assert_allclose(targets[key][n].numpy(), value, rtol=1e-6, atol=1e-6, err_msg=key)
                np.testing.assert_array_equal(one[key], value, err_msg=key) if key != "offsets" else \
                    np.testing.assert_allclose(one[key], value, rtol=1e-12, atol=1e-12)
    assert dataset.targets[0]["label"][1].max() == 2  # the later object of the shared slot wins


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad, error", [
    (None, TypeError), ("boxes", TypeError), (np.zeros(4), ValueError), (np.zeros((2, 5)), ValueError),
    (np.zeros((1, 2, 4)), ValueError), (np.array([[0, 0, np.nan, 1]]), ValueError),
    (np.array([[0, 0, 1, 1]], dtype=complex), TypeError), (np.array([[0, 0, 1, 1]], dtype=object), TypeError),
    (np.array([[5.0, 0, 1, 1]]), ValueError),  # x2 < x1
])
def test_box_functions_refuse_bad_boxes(bad, error):
    for call in (lambda: D.box_area(bad), lambda: D.box_iou(bad, np.zeros((1, 4))),
                 lambda: D.box_convert(bad, "xyxy", "xywh"), lambda: D.nms(bad, np.ones(1), 0.5)):
        with pytest.raises(error):
            call()


def test_clear_errors_for_bad_arguments():
    boxes = np.array([[0.0, 0, 1, 1]])
    with pytest.raises(ValueError, match="in_fmt"):
        D.box_convert(boxes, "xyx", "xyxy")
    with pytest.raises(ValueError, match="widths and heights"):
        D.box_convert([[0, 0, -1, 2]], "xywh", "xyxy")
    with pytest.raises(ValueError, match="iou_threshold"):
        D.nms(boxes, [1.0], 1.5)
    with pytest.raises(ValueError, match="scores"):
        D.nms(boxes, [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="low must be <= high"):
        D.match_anchors(boxes, boxes, 0.3, 0.7)
    with pytest.raises(ValueError, match=r"shape \(K, 5\)"):
        D.roi_align(np.ones((1, 1, 4, 4)), boxes, 2)
    with pytest.raises(ValueError, match="batch indices"):
        D.roi_pool(np.ones((1, 1, 4, 4)), [[3, 0, 0, 1, 1]], 2)
    with pytest.raises(ValueError, match="4-D"):
        D.roi_align(np.ones((4, 4)), [[0, 0, 0, 1, 1]], 2)
    with pytest.raises(ValueError, match="positive widths"):
        D.encode_boxes([[0, 0, 0, 1]], boxes)
    with pytest.raises(ValueError, match="same images"):
        D.mean_average_precision([], [(boxes, np.array([0]))])
    with pytest.raises(ValueError, match="RGB"):
        D.selective_search(np.zeros((8, 8, 4)))
