"""torchvision's own test cases for the box and RoI operations (test/test_ops.py), run on cvcourse.detection.

Carried over: the exact conversions of TestBoxConvert, the areas of TestBoxArea, the IoU
tables of TestBoxIou, the NMS reference test with a box pushed just past the threshold
(TestNMS.test_nms_ref) and its input errors, the empty batched NMS, and the forward tests
of TestRoiPool / TestRoIAlign with their loop-based reference implementations.
"""

import math

import numpy as np
import pytest

from cvcourse import detection as D

BOXES_XYXY = [[0, 0, 100, 100], [0, 0, 0, 0], [10, 15, 30, 35], [23, 35, 93, 95]]
BOXES_XYWH = [[0, 0, 100, 100], [0, 0, 0, 0], [10, 15, 20, 20], [23, 35, 70, 60]]
BOXES_CXCYWH = [[50, 50, 100, 100], [0, 0, 0, 0], [20, 25, 20, 20], [58, 65, 70, 60]]
INT_BOXES = [[0, 0, 100, 100], [0, 0, 50, 50], [200, 200, 300, 300], [0, 0, 25, 25]]
INT_BOXES2 = [[0, 0, 100, 100], [0, 0, 50, 50], [200, 200, 300, 300]]
FLOAT_BOXES = [[285.3538, 185.5758, 1193.5110, 851.4551], [285.1472, 188.7374, 1192.4984, 851.0669],
               [279.2440, 197.9812, 1189.4746, 849.2019]]


@pytest.mark.parametrize("fmt", D.BOX_FORMATS)
def test_bbox_same(fmt):
    np.testing.assert_array_equal(D.box_convert(BOXES_XYXY, fmt, fmt), BOXES_XYXY)


@pytest.mark.parametrize("source, target, expected_source, expected_target", [
    ("xyxy", "xywh", BOXES_XYXY, BOXES_XYWH), ("xyxy", "cxcywh", BOXES_XYXY, BOXES_CXCYWH),
    ("xywh", "cxcywh", BOXES_XYWH, BOXES_CXCYWH)])
def test_bbox_conversions_and_back(source, target, expected_source, expected_target):
    converted = D.box_convert(expected_source, source, target)
    np.testing.assert_array_equal(converted, expected_target)
    np.testing.assert_array_equal(D.box_convert(converted, target, source), expected_source)


@pytest.mark.parametrize("in_fmt", ["xwyh", "cxwyh"])
@pytest.mark.parametrize("out_fmt", ["xwcx", "xhwcy"])
def test_bbox_invalid(in_fmt, out_fmt):
    with pytest.raises(ValueError):
        D.box_convert(BOXES_XYWH, in_fmt, out_fmt)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_int_boxes_area(dtype):
    np.testing.assert_allclose(D.box_area(np.array([[0, 0, 100, 100], [0, 0, 0, 0]], dtype=dtype)), [10000, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_boxes_area(dtype):
    np.testing.assert_allclose(D.box_area(np.array(FLOAT_BOXES, dtype=dtype)),
                               [604723.0806, 600965.4666, 592761.0085], rtol=0, atol=1e-4 if dtype == np.float64 else 0.1)


def test_float16_box_area():
    boxes = np.array([[2.825, 1.8625, 3.90, 4.85], [2.825, 4.875, 19.20, 5.10], [2.925, 1.80, 8.90, 4.90]],
                     dtype=np.float16)
    np.testing.assert_allclose(D.box_area(boxes), [3.2170, 3.7108, 18.5071], atol=0.01)


@pytest.mark.parametrize("boxes1, boxes2, dtypes, atol, expected", [
    (INT_BOXES, INT_BOXES2, [np.int16, np.int32, np.int64], 1e-4,
     [[1.0, 0.25, 0.0], [0.25, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0625, 0.25, 0.0]]),
    (FLOAT_BOXES, FLOAT_BOXES, [np.float16], 0.002, [[1.0, 0.9933, 0.9673], [0.9933, 1.0, 0.9737], [0.9673, 0.9737, 1.0]]),
    (FLOAT_BOXES, FLOAT_BOXES, [np.float32, np.float64], 1e-3,
     [[1.0, 0.9933, 0.9673], [0.9933, 1.0, 0.9737], [0.9673, 0.9737, 1.0]]),
])
def test_iou(boxes1, boxes2, dtypes, atol, expected):
    for dtype in dtypes:
        np.testing.assert_allclose(D.box_iou(np.array(boxes1, dtype=dtype), np.array(boxes2, dtype=dtype)),
                                   expected, rtol=0, atol=atol)


def test_iou_cartesian():
    rng = np.random.default_rng(0)
    gen = lambda n: (lambda xy: np.concatenate([xy, xy + rng.random((n, 2))], axis=1))(rng.random((n, 2)))  # noqa: E731
    first, second = gen(5), gen(7)
    pairwise = np.array([[D.box_iou(a[None], b[None])[0, 0] for b in second] for a in first])
    np.testing.assert_allclose(D.box_iou(first, second), pairwise)


def reference_nms(boxes, scores, iou_threshold):
    """torchvision's loop-based NMS reference: keep the best, drop everything above the threshold."""
    picked, indexes = [], np.argsort(-scores, kind="stable")
    while len(indexes):
        current, indexes = indexes[0], indexes[1:]
        picked.append(current)
        iou = D.box_iou(boxes[indexes], boxes[current][None])[:, 0]
        indexes = indexes[iou <= iou_threshold]
    return np.array(picked)


def boxes_with_iou(rng, count, iou_threshold):
    """Random boxes; the last is the first stretched so that their IoU is just above the threshold."""
    boxes = rng.random((count, 4)) * 100
    boxes[:, 2:] += boxes[:, :2]
    boxes[-1] = boxes[0]
    x0, _, x1, _ = boxes[-1]
    boxes[-1, 2] += (x1 - x0) * (1 - (iou_threshold + 1e-5)) / (iou_threshold + 1e-5)
    return boxes, rng.random(count)


@pytest.mark.parametrize("iou", (0.2, 0.5, 0.8))
@pytest.mark.parametrize("seed", range(10))
def test_nms_ref(iou, seed):
    boxes, scores = boxes_with_iou(np.random.default_rng(seed), 1000, iou)
    np.testing.assert_array_equal(D.nms(boxes, scores, iou), reference_nms(boxes, scores, iou))


def test_nms_input_errors():
    rng = np.random.default_rng(0)
    for boxes, scores in [(rng.random(4), rng.random(3)), (rng.random((3, 5)), rng.random(3)),
                          (rng.random((3, 4)), rng.random((3, 2))), (rng.random((3, 4)), rng.random(4))]:
        with pytest.raises(ValueError):
            D.nms(boxes, scores, 0.5)


def test_nms_float16_like_float32():
    boxes = np.array(FLOAT_BOXES)
    scores = np.array([0.6370, 0.7569, 0.3966])
    np.testing.assert_array_equal(D.nms(boxes.astype(np.float16), scores.astype(np.float16), 0.2),
                                  D.nms(boxes, scores, 0.2))


def test_batched_nms_empty():
    assert D.batched_nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), 0.5).shape == (0,)


def reference_roi_pool(x, rois, pool_h, pool_w, spatial_scale=1.0):
    """torchvision's loop-based RoI pooling reference."""
    y = np.zeros((len(rois), x.shape[1], pool_h, pool_w))
    for r, roi in enumerate(rois):
        j_begin, i_begin, j_end, i_end = (int(round(v * spatial_scale)) for v in roi[1:])
        roi_x = x[int(roi[0]), :, i_begin:i_end + 1, j_begin:j_end + 1]
        bin_h, bin_w = roi_x.shape[1] / pool_h, roi_x.shape[2] / pool_w
        for i in range(pool_h):
            for j in range(pool_w):
                part = roi_x[:, int(np.floor(i * bin_h)):int(np.ceil((i + 1) * bin_h)),
                             int(np.floor(j * bin_w)):int(np.ceil((j + 1) * bin_w))]
                if part.size:
                    y[r, :, i, j] = part.reshape(len(part), -1).max(axis=1)
    return y


def bilinear_interpolate(data, y, x):
    """torchvision's reference bilinear read with its border snapping."""
    height, width = data.shape
    y = 0 if -1 < y <= 0 else (height - 1 if height - 1 <= y < height else y)
    x = 0 if -1 < x <= 0 else (width - 1 if width - 1 <= x < width else x)
    y_low, x_low = int(math.floor(y)), int(math.floor(x))
    value = 0.0
    for wx, xp in ((1 - (x - x_low), x_low), (x - x_low, x_low + 1)):
        for wy, yp in ((1 - (y - y_low), y_low), (y - y_low, y_low + 1)):
            if 0 <= yp < height and 0 <= xp < width:
                value += wx * wy * data[yp, xp]
    return value


def reference_roi_align(x, rois, pool_h, pool_w, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """torchvision's loop-based RoIAlign reference."""
    out = np.zeros((len(rois), x.shape[1], pool_h, pool_w))
    offset = 0.5 if aligned else 0.0
    for r, roi in enumerate(rois):
        j_begin, i_begin, j_end, i_end = (v * spatial_scale - offset for v in roi[1:])
        bin_h, bin_w = (i_end - i_begin) / pool_h, (j_end - j_begin) / pool_w
        grid_h = sampling_ratio if sampling_ratio > 0 else int(np.ceil(bin_h))
        grid_w = sampling_ratio if sampling_ratio > 0 else int(np.ceil(bin_w))
        for i in range(pool_h):
            for j in range(pool_w):
                for c in range(x.shape[1]):
                    value = sum(bilinear_interpolate(x[int(roi[0]), c], i_begin + i * bin_h + (iy + 0.5) * bin_h / grid_h,
                                                     j_begin + j * bin_w + (ix + 0.5) * bin_w / grid_w)
                                for iy in range(grid_h) for ix in range(grid_w))
                    out[r, c, i, j] = value / (grid_h * grid_w)
    return out


ROIS = np.array([[0, 0, 0, 9, 9], [0, 0, 5, 4, 9], [0, 5, 5, 9, 9], [1, 0, 0, 9, 9]], dtype=np.float64)


@pytest.mark.parametrize("contiguous", [True, False])
def test_roi_pool_forward(contiguous):
    x = np.random.default_rng(1).random((2, 10, 10, 10))
    if not contiguous:
        x = x.transpose(0, 1, 3, 2)
    np.testing.assert_allclose(D.roi_pool(x, ROIS, (5, 5)), reference_roi_pool(x, ROIS, 5, 5), atol=1e-5)


@pytest.mark.parametrize("aligned", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_roi_align_forward(aligned, dtype):
    x = np.random.default_rng(2).random((2, 6, 10, 10)).astype(dtype)
    expected = reference_roi_align(x.astype(np.float64), ROIS, 5, 5, aligned=aligned)
    np.testing.assert_allclose(D.roi_align(x, ROIS.astype(dtype), (5, 5), aligned=aligned), expected, atol=1e-5)


def test_boxes_shape():
    a = np.linspace(1, 64, 64).reshape(1, 1, 8, 8)
    for function in (D.roi_pool, D.roi_align):
        with pytest.raises(ValueError):
            function(a, np.array([[0, 0, 3, 3]]), output_size=(2, 2))
        with pytest.raises(ValueError):
            function(a, np.array([[0, 0, 3]]), output_size=(2, 2))
