"""cvcourse.detection.centernet against CenterNet's released code, torch max-pooling and scikit-image.

The released code (github.com/xingyizhou/CenterNet, src/lib/utils/image.py and
models/decode.py, CornerNet's losses) is the reference for the target heatmaps, the
focal loss and the decoding; its few lines are rewritten here as small oracles.
"""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.feature import peak_local_max
from torchvision import ops

from cvcourse import detection as D
from cvcourse.detection import centernet as C


# ---------------------------------------------------------------- oracles from the released code
def released_gaussian_radius(height, width, min_overlap=0.7):
    """CornerNet's gaussian_radius as released (and copied into CenterNet), with its errors."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + np.sqrt(b1**2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + np.sqrt(b2**2 - 16 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (height + width), (min_overlap - 1) * width * height
    r3 = (b3 + np.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def released_draw_gaussian(heatmap, centre, radius):
    """CenterNet's draw_umich_gaussian: a (2r+1)^2 Gaussian, sigma (2r+1)/6, pasted with a maximum."""
    diameter = 2 * radius + 1
    m = (diameter - 1) / 2
    y, x = np.ogrid[-m:m + 1, -m:m + 1]
    sigma = diameter / 6
    gaussian = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    gaussian[gaussian < np.finfo(gaussian.dtype).eps * gaussian.max()] = 0
    cx, cy = int(centre[0]), int(centre[1])
    height, width = heatmap.shape
    left, right = min(cx, radius), min(width - cx, radius + 1)
    top, bottom = min(cy, radius), min(height - cy, radius + 1)
    heatmap = heatmap.copy()
    if min(left + right, top + bottom) > 0 and 0 <= cx < width + radius and 0 <= cy < height + radius:
        region = heatmap[cy - top:cy + bottom, cx - left:cx + right]
        patch = gaussian[radius - top:radius + bottom, radius - left:radius + right]
        if region.size and patch.size:
            np.maximum(region, patch, out=region)
    return heatmap


def released_decode(heatmap, size, offset, k):
    """CenterNet's ctdet_decode for one image: 3x3 max-pool NMS, top k over classes, boxes."""
    heat = torch.tensor(heatmap)[None]
    keep = (F.max_pool2d(heat, 3, stride=1, padding=1) == heat).double()
    scores, index = torch.topk((heat * keep).view(-1), k)
    classes, cells = index // (heat.shape[2] * heat.shape[3]), index % (heat.shape[2] * heat.shape[3])
    ys, xs = cells // heat.shape[3], cells % heat.shape[3]
    size, offset = torch.tensor(size), torch.tensor(offset)
    cx, cy = xs + offset[0, ys, xs], ys + offset[1, ys, xs]
    w, h = size[0, ys, xs], size[1, ys, xs]
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)
    return boxes.numpy(), scores.numpy(), classes.numpy()


def released_focal_loss(prediction, target):
    """CornerNet's _neg_loss on probabilities: alpha 2, beta 4, divided by the number of centres."""
    positive, negative = target.eq(1).float(), target.lt(1).float()
    positive_loss = (torch.log(prediction) * (1 - prediction) ** 2 * positive).sum()
    negative_loss = (torch.log(1 - prediction) * prediction**2 * (1 - target) ** 4 * negative).sum()
    count = positive.sum()
    return -negative_loss if count == 0 else -(positive_loss + negative_loss) / count


# ---------------------------------------------------------------- gaussian_radius
@pytest.mark.parametrize("seed", range(5))
def test_released_radius_equals_the_released_code(seed):
    rng = np.random.default_rng(seed)
    for height, width, overlap in zip(rng.uniform(0.5, 200, 20), rng.uniform(0.5, 200, 20), rng.uniform(0.05, 0.95, 20)):
        got = D.gaussian_radius(height, width, overlap, released=True)
        assert got == pytest.approx(released_gaussian_radius(height, width, overlap), rel=1e-12)


def corner_moves(height, width, r):
    """The box (0, 0, w, h) and its three CornerNet perturbations by r: shifted, shrunk, grown."""
    return np.array([[r, r, width + r, height + r], [r, r, width - r, height - r],
                     [-r, -r, width + r, height + r]])


@pytest.mark.parametrize("seed", range(5))
def test_corrected_radius_is_the_largest_move_that_keeps_the_overlap(seed):
    rng = np.random.default_rng(seed)
    for height, width, overlap in zip(rng.uniform(1, 100, 20), rng.uniform(1, 100, 20), rng.uniform(0.1, 0.9, 20)):
        r = D.gaussian_radius(height, width, overlap)
        true_box = torch.tensor([[0.0, 0.0, width, height]], dtype=torch.float64)
        at = ops.box_iou(true_box, torch.tensor(corner_moves(height, width, r))).numpy()[0]
        beyond = ops.box_iou(true_box, torch.tensor(corner_moves(height, width, r * (1 + 1e-6)))).numpy()[0]
        assert at.min() == pytest.approx(overlap, abs=1e-9)  # the binding case reaches it exactly
        assert np.all(at >= overlap - 1e-9) and beyond.min() < overlap


def test_radius_examples_and_released_error():
    assert D.gaussian_radius(10, 10) == pytest.approx((40 - np.sqrt(1600 - 480)) / 8)  # the shrunk case binds
    ratio = D.gaussian_radius(10, 10, released=True) / D.gaussian_radius(10, 10)
    assert 3 < ratio < 3.5
    with pytest.raises(ValueError, match="min_overlap"):
        D.gaussian_radius(10, 10, 1.0)
    with pytest.raises(ValueError, match="width"):
        D.gaussian_radius(10, 0)


# ---------------------------------------------------------------- draw_gaussian
@pytest.mark.parametrize("seed", range(5))
def test_draw_gaussian_equals_the_released_code(seed):
    rng = np.random.default_rng(seed)
    heatmap = rng.random((9, 13)) * 0.3
    for _ in range(30):
        radius = int(rng.integers(0, 6))
        centre = (int(rng.integers(0, 13)), int(rng.integers(0, 9)))
        expected = released_draw_gaussian(heatmap, centre, radius)
        heatmap_after = D.draw_gaussian(heatmap, np.array(centre), radius)
        np.testing.assert_allclose(heatmap_after, expected, rtol=0, atol=1e-15)
        heatmap = heatmap_after


def test_draw_gaussian_edges():
    one = D.draw_gaussian(np.zeros((1, 1)), (0, 0), 3)
    assert one.tolist() == [[1.0]]
    spike = D.draw_gaussian(np.zeros((5, 5)), (2, 2), 0)
    assert spike.sum() == 1.0 and spike[2, 2] == 1.0
    outside = D.draw_gaussian(np.zeros((4, 4)), (-2, 1), 2)  # only the right edge of the bump is inside
    assert outside[:, 1:].max() == 0 and outside[1, 0] == pytest.approx(np.exp(-4 / (2 * (5 / 6) ** 2)))
    untouched = np.full((3, 3), 0.5)
    D.draw_gaussian(untouched, (1, 1), 1)
    assert np.all(untouched == 0.5)  # a copy, not in place
    with pytest.raises(ValueError, match="centre"):
        D.draw_gaussian(np.zeros((3, 3)), (1.5, 1), 1)


# ---------------------------------------------------------------- peaks
@pytest.mark.parametrize("seed", range(8))
def test_peaks_equal_torch_max_pooling_with_ties(seed):
    rng = np.random.default_rng(seed)
    heatmap = np.round(rng.random((3, 11, 7)) * 4) / 4  # few levels: many plateaus
    heat = torch.tensor(heatmap)[None]
    expected = (F.max_pool2d(heat, 3, stride=1, padding=1) == heat)[0].numpy()
    assert np.array_equal(D.heatmap_peaks(heatmap), expected)


@pytest.mark.parametrize("seed", range(8))
def test_peaks_equal_skimage_peak_local_max(seed):
    rng = np.random.default_rng(seed)
    heatmap = rng.random((15, 12))  # distinct values: peak_local_max's strict peaks are ours
    coordinates = peak_local_max(heatmap, min_distance=1, exclude_border=False, threshold_abs=-1.0)
    expected = np.zeros(heatmap.shape, bool)
    expected[tuple(coordinates.T)] = True
    assert np.array_equal(D.heatmap_peaks(heatmap), expected)


def test_peak_edge_cases():
    assert D.heatmap_peaks(np.zeros((2, 3))).all()  # a plateau: every cell
    assert D.heatmap_peaks(np.array([[0.3]])).tolist() == [[True]]
    with pytest.raises(ValueError, match="heatmap"):
        D.heatmap_peaks(np.zeros((1, 1, 1, 1)))


# ---------------------------------------------------------------- decoding
def test_decode_recovers_hand_made_boxes_exactly():
    heatmap = np.zeros((2, 6, 8))
    size, offset = np.zeros((2, 6, 8)), np.zeros((2, 6, 8))
    # (class, row, column, score, w, h, dx, dy)
    objects = [(0, 1, 2, 0.9, 2.0, 3.0, 0.25, 0.5), (1, 4, 6, 0.7, 4.0, 1.0, 0.0, 0.75),
               (1, 0, 0, 0.8, 1.0, 1.0, 0.5, 0.5), (0, 5, 7, 0.6, 3.0, 2.0, 0.125, 0.0)]
    expected = []
    for label, row, column, score, w, h, dx, dy in objects:
        heatmap[label] = np.maximum(heatmap[label], D.draw_gaussian(np.zeros((6, 8)), (column, row), 1) * score)
        size[:, row, column], offset[:, row, column] = (w, h), (dx, dy)
        cx, cy = column + dx, row + dy
        expected.append(([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, label))
    expected.sort(key=lambda item: -item[1])
    boxes, scores, labels = D.centernet_decode(heatmap, size, offset, k=4, stride=4)
    assert np.array_equal(boxes, 4 * np.array([e[0] for e in expected]))
    assert np.array_equal(scores, [e[1] for e in expected]) and np.array_equal(labels, [e[2] for e in expected])
    boxes, scores, labels = D.centernet_decode(heatmap, size, offset, k=100, stride=4, score_threshold=0.65)
    assert len(boxes) == 3 and scores.min() == 0.7


@pytest.mark.parametrize("seed", range(5))
def test_decode_recovers_the_targets_of_random_scenes(seed):
    from cvcourse.data import scenes

    images, boxes, labels = scenes.shape_scenes(10, size=48, seed=seed)
    for true_boxes, true_labels in zip(boxes, labels):
        target = D.centernet_targets(true_boxes, true_labels, 3, 12, 4)
        found, scores, classes = D.centernet_decode(target["heatmap"], target["size"], target["offset"],
                                                    k=len(true_boxes), stride=4)
        assert np.all(scores == 1)
        order = np.lexsort((*true_boxes.T, true_labels))  # compare as sets: sorted by class, then box
        got = np.lexsort((*found.round(3).T, classes))
        np.testing.assert_allclose(found[got], true_boxes[order], atol=1e-4)  # float32 targets
        assert np.array_equal(classes[got], true_labels[order])


@pytest.mark.parametrize("seed", range(8))
def test_decode_equals_the_released_decoder(seed):
    rng = np.random.default_rng(seed)
    classes, height, width = rng.integers(1, 5), rng.integers(1, 16), rng.integers(1, 16)
    heatmap = rng.random((classes, height, width))
    size, offset = rng.uniform(0, 10, (2, height, width)), rng.random((2, height, width))
    peaks = int(D.heatmap_peaks(heatmap).sum())
    k = int(rng.integers(1, peaks + 1))
    boxes, scores, labels = D.centernet_decode(heatmap, size, offset, k)
    expected_boxes, expected_scores, expected_labels = released_decode(heatmap, size, offset, k)
    np.testing.assert_allclose(boxes, expected_boxes, atol=1e-12)
    assert np.array_equal(scores, expected_scores) and np.array_equal(labels, expected_labels)


def test_decode_edge_cases():
    flat = np.zeros((1, 3, 3))
    boxes, scores, labels = D.centernet_decode(flat, np.ones((2, 3, 3)), np.zeros((2, 3, 3)), k=20)
    assert len(boxes) == 9 and np.array_equal(boxes[0], [-0.5, -0.5, 0.5, 0.5])  # every cell of a plateau
    boxes, scores, labels = D.centernet_decode(flat, np.ones((2, 3, 3)), np.zeros((2, 3, 3)), k=5,
                                               score_threshold=0.5)
    assert boxes.shape == (0, 4) and scores.shape == (0,) and labels.dtype == np.int64
    with pytest.raises(ValueError, match="size"):
        D.centernet_decode(flat, np.ones((2, 3, 4)), np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="k"):
        D.centernet_decode(flat, np.ones((2, 3, 3)), np.zeros((2, 3, 3)), k=0)


# ---------------------------------------------------------------- targets, loss, model
def test_targets():
    target = D.centernet_targets(np.array([[4.0, 8.0, 20.0, 16.0]]), np.array([2]), 3, 8, 4)
    assert target["heatmap"].shape == (3, 8, 8) and target["heatmap"][2, 3, 3] == 1
    assert target["heatmap"][:2].max() == 0 and target["mask"].sum() == 1 and target["mask"][3, 3]
    assert target["size"][:, 3, 3].tolist() == [4.0, 2.0] and target["offset"][:, 3, 3].tolist() == [0.0, 0.0]
    empty = D.centernet_targets(np.zeros((0, 4)), np.zeros(0, np.int64), 3, 8, 4)
    assert empty["heatmap"].max() == 0 and not empty["mask"].any()
    with pytest.raises(ValueError, match="labels"):
        D.centernet_targets(np.array([[4.0, 8.0, 20.0, 16.0]]), np.array([3]), 3, 8, 4)


@pytest.mark.parametrize("seed", range(4))
def test_focal_loss_equals_cornernets(seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 3, 8, 8, generator=generator, dtype=torch.float64) * 3
    target = D.centernet_targets(np.array([[4.0, 8.0, 20.0, 16.0], [0, 0, 9, 9]]), np.array([2, 0]), 3, 8, 4)
    heat = torch.tensor(np.stack([target["heatmap"], np.zeros_like(target["heatmap"])]), dtype=torch.float64)
    got = D.focal_loss(logits, heat)
    assert got.item() == pytest.approx(released_focal_loss(torch.sigmoid(logits), heat).item(), rel=1e-10)
    empty = torch.zeros_like(heat)  # no centre: divided by 1
    assert D.focal_loss(logits, empty).item() == pytest.approx(released_focal_loss(torch.sigmoid(logits), empty).item())
    assert torch.isfinite(D.focal_loss(torch.full_like(logits, 200.0), heat))  # no log(0)


def test_model_dataset_and_loss_shapes():
    from torch.utils.data import DataLoader

    from cvcourse.data import scenes

    images, boxes, labels = scenes.shape_scenes(4, size=32, seed=0)
    dataset = D.CenterNetDataset(images, boxes, labels, 3, flip=True)
    batch_images, targets = next(iter(DataLoader(dataset, batch_size=4)))
    torch.manual_seed(0)
    model = D.CenterNet(3, channels=8)
    outputs = model(batch_images)
    assert [tuple(o.shape) for o in outputs] == [(4, 3, 8, 8), (4, 2, 8, 8), (4, 2, 8, 8)]
    loss = D.centernet_loss(outputs, targets)
    loss.backward()
    assert torch.isfinite(loss)
    detections = D.centernet_detect(model, images, k=5, score_threshold=0.0, device="cpu")
    assert len(detections) == 4 and all(len(d[0]) == 5 for d in detections)
    assert dataset.targets[1]["mask"].sum() == dataset.targets[0]["mask"].sum()  # mirrored targets, same objects


def test_bad_input_that_would_give_a_wrong_answer_or_a_deep_error():
    box = np.array([[4.0, 8.0, 20.0, 16.0]])
    with pytest.raises(ValueError, match="labels"):  # a negative label would draw into the last class
        D.centernet_targets(box, np.array([-1]), 3, 8, 4)
    with pytest.raises(ValueError, match="released"):
        D.gaussian_radius(3, 3, released="no")  # a non-empty string is truthy
    with pytest.raises(ValueError, match="target"):
        D.focal_loss(torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 2.0))
    outputs = (torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4))
    targets = {"heatmap": torch.zeros(1, 3, 4, 4), "size": torch.zeros(1, 2, 4, 4), "offset": torch.zeros(1, 2, 4, 4),
               "mask": torch.zeros(1, 5, 5, dtype=torch.bool)}
    with pytest.raises(ValueError, match="mask"):
        D.centernet_loss(outputs, targets)
    with pytest.raises(ValueError, match="mask"):
        D.centernet_loss(outputs, {**targets, "mask": torch.zeros(1, 4, 4)})
    none = ([np.zeros((0, 4))], [np.zeros(0, np.int64)])
    with pytest.raises(ValueError, match="multiple of stride"):
        D.CenterNetDataset(np.zeros((1, 18, 18, 3)), *none, 3)
    with pytest.raises(ValueError, match="square"):
        D.CenterNetDataset(np.zeros((1, 16, 20, 3)), *none, 3)
    with pytest.raises(ValueError, match="one array per image"):
        D.CenterNetDataset(np.zeros((2, 16, 16, 3)), *none, 3)


def test_centernet_loss_is_the_papers_sum():
    """L = L_k + 0.1 L_size + L_off, each regression term an L1 norm summed over the objects, divided by N."""
    generator = torch.Generator().manual_seed(0)
    boxes = [np.array([[4.0, 8.0, 20.0, 16.0], [0.0, 0.0, 9.0, 9.0]]), np.array([[10.0, 2.0, 30.0, 31.0]])]
    labels = [np.array([2, 0]), np.array([1])]
    per_image = [D.centernet_targets(b, l, 3, 8, 4) for b, l in zip(boxes, labels)]
    targets = {key: torch.as_tensor(np.stack([t[key] for t in per_image])) for key in per_image[0]}
    outputs = tuple(torch.randn(2, c, 8, 8, generator=generator) for c in (3, 2, 2))
    size_sum = offset_sum = 0.0
    for image, target in enumerate(per_image):
        for row, column in zip(*np.nonzero(target["mask"])):
            size_sum += np.abs(outputs[1][image, :, row, column].numpy() - target["size"][:, row, column]).sum()
            offset_sum += np.abs(outputs[2][image, :, row, column].numpy() - target["offset"][:, row, column]).sum()
    heat = released_focal_loss(torch.sigmoid(outputs[0]), targets["heatmap"]).item()
    expected = heat + 0.1 * size_sum / 3 + offset_sum / 3
    assert D.centernet_loss(outputs, targets).item() == pytest.approx(expected, rel=1e-5)
