"""CRAFT's targets and decoding (cvcourse.detection.craft) and the synthetic text (cvcourse.data.text),
against OpenCV (getPerspectiveTransform, warpPerspective, convexHull, minAreaRect), SciPy's labelling
and hand-made maps whose words are known."""

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage as ndi
from skimage.measure import label

from cvcourse.data import text as T
from cvcourse.detection import craft as C


def random_quad(rng, centre=(32.0, 24.0), size=(14.0, 10.0)):
    """A convex quadrilateral: a rotated rectangle whose corners are jittered, corners tl, tr, br, bl."""
    angle = rng.uniform(-np.pi / 3, np.pi / 3)
    w, h = rng.uniform(0.6, 1.4, 2) * size
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2 + rng.uniform(-1.5, 1.5, (4, 2))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return corners @ rotation.T + centre


# ---------------------------------------------------------------- the homography and the warped Gaussian
@pytest.mark.parametrize("seed", range(10))
def test_perspective_matrix_equals_opencv(seed):
    rng = np.random.default_rng(seed)
    src, dst = random_quad(rng), random_quad(rng, (20.0, 30.0))
    expected = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    got = C.perspective_matrix(src, dst)
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()
    moved = np.c_[src, np.ones(4)] @ got.T
    assert np.allclose(moved[:, :2] / moved[:, 2:], dst, atol=1e-9)


def test_perspective_matrix_refuses_collinear_points():
    with pytest.raises(ValueError, match="no three on a line"):
        C.perspective_matrix([[0, 0], [1, 1], [2, 2], [0, 1]], [[0, 0], [1, 0], [1, 1], [0, 1]])


@pytest.mark.parametrize("seed", range(8))
def test_quad_gaussian_equals_warp_perspective_of_a_template(seed):
    """OpenCV warps a finely sampled Gaussian template into the quadrilateral; ours evaluates it exactly."""
    rng = np.random.default_rng(seed)
    quad = random_quad(rng)
    size = 400
    u = (np.arange(size) + 0.5) / size
    template = np.exp(-((u[None, :] - 0.5) ** 2 + (u[:, None] - 0.5) ** 2) / (2 * C.GAUSSIAN_SIGMA**2))
    corners = np.array([[-0.5, -0.5], [size - 0.5, -0.5], [size - 0.5, size - 0.5], [-0.5, size - 0.5]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), quad.astype(np.float32))
    expected = cv2.warpPerspective(template, matrix, (64, 48), flags=cv2.INTER_LINEAR, borderValue=0.0)
    got = C.quad_gaussian((48, 64), quad)
    # pixels a hair from the edge fall in or out of the quad depending on rounding: compare the interior
    inside = T.polygon_coverage((48, 64), [quad], supersample=4) == 1
    assert np.abs(got - expected)[inside].max() <= 5e-3
    assert np.all(got[T.polygon_coverage((48, 64), [quad], supersample=4) == 0] == 0)
    assert got.max() >= 0.95 and got.max() <= 1.0


def test_quad_gaussian_peaks_at_the_centre_of_an_upright_box_and_is_symmetric():
    heat = C.quad_gaussian((11, 21), [[-0.5, -0.5], [20.5, -0.5], [20.5, 10.5], [-0.5, 10.5]])
    assert np.unravel_index(heat.argmax(), heat.shape) == (5, 10) and heat.max() == pytest.approx(1.0, abs=0.01)
    assert np.allclose(heat, heat[::-1]) and np.allclose(heat, heat[:, ::-1])


def test_quad_gaussian_off_the_image_and_degenerate_boxes_give_zeros():
    assert not C.quad_gaussian((8, 8), [[20, 20], [30, 20], [30, 30], [20, 30]]).any()
    assert not C.quad_gaussian((8, 8), [[1, 1], [5, 1], [5, 1], [1, 1]]).any()


@pytest.mark.parametrize("seed", range(4))
def test_region_map_is_the_maximum_of_the_quad_gaussians(seed):
    rng = np.random.default_rng(seed)
    quads = np.array([random_quad(rng, rng.uniform(5, 60, 2)) for _ in range(5)])
    expected = np.max([C.quad_gaussian((48, 64), quad) for quad in quads], axis=0)
    assert np.array_equal(C.region_map((48, 64), quads), expected)
    assert not C.region_map((48, 64), np.zeros((0, 4, 2))).any()


# ---------------------------------------------------------------- affinity boxes
def test_affinity_boxes_join_triangle_centres_of_neighbours_in_one_word():
    boxes = np.array([[[0, 0], [6, 0], [6, 12], [0, 12]], [[6, 0], [12, 0], [12, 12], [6, 12]],
                      [[20, 0], [26, 0], [26, 12], [20, 12]]], dtype=float)
    got = C.affinity_boxes(boxes, [0, 0, 1])
    # upper triangle (0,0), (6,0), (3,6): centroid (3, 2); lower (6,12), (0,12), (3,6): (3, 10)
    assert np.allclose(got, [[[3, 2], [9, 2], [9, 10], [3, 10]]])
    assert C.affinity_boxes(boxes, [0, 1, 2]).shape == (0, 4, 2)
    assert C.affinity_boxes(boxes, [4, 4, 4]).shape == (2, 4, 2)


@pytest.mark.parametrize("seed", range(5))
def test_affinity_boxes_of_perspective_boxes_use_the_diagonals_crossing(seed):
    """The upper and lower triangles of a general quadrilateral meet where its diagonals cross."""
    rng = np.random.default_rng(seed)
    first = random_quad(rng)
    second = first + [first[1, 0] - first[0, 0], first[1, 1] - first[0, 1]] + rng.uniform(-1, 1, (4, 2))
    got = C.affinity_boxes(np.array([first, second]), [0, 0])[0]
    for box, top, bottom in ((first, got[0], got[3]), (second, got[1], got[2])):
        apex = 3 * top - box[0] - box[1]  # the triangles' common corner, from the upper centroid
        assert np.allclose(3 * bottom - box[2] - box[3], apex)
        for start, end in ((box[0], box[2]), (box[1], box[3])):  # on both diagonals
            (ax, ay), (bx, by) = end - start, apex - start
            assert abs(ax * by - ay * bx) <= 1e-9 * np.dot(end - start, end - start)
    parallelogram = np.array([[0, 0], [4, 0], [6, 5], [2, 5]], float)
    assert np.allclose(C.affinity_boxes(np.array([parallelogram, parallelogram + [4, 0]]), [0, 0])[0, 0],
                       (parallelogram[0] + parallelogram[1] + parallelogram.mean(0)) / 3)


@pytest.mark.parametrize("seed", range(5))
def test_affinity_boxes_follow_rotation(seed):
    """Rotating the characters rotates their affinity boxes: the construction has no preferred direction."""
    rng = np.random.default_rng(seed)
    data = T.text_lines(1, max_lines=1, curved_fraction=0.0, max_angle=0.0, seed=seed)
    boxes, ids = data.char_boxes[0], data.word_ids[0]
    angle = rng.uniform(-np.pi, np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert np.allclose(C.affinity_boxes(boxes @ rotation.T, ids), C.affinity_boxes(boxes, ids) @ rotation.T)


# ---------------------------------------------------------------- weak supervision
@pytest.mark.parametrize("seed", range(4))
def test_split_word_of_a_straight_word_gives_back_equal_characters(seed):
    rng = np.random.default_rng(seed)
    length = int(rng.integers(1, 8))
    characters = np.array([[[6 * k, 0], [6 * k + 6, 0], [6 * k + 6, 9], [6 * k, 9]] for k in range(length)], float)
    angle = rng.uniform(-1, 1)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    characters = characters @ rotation.T + rng.uniform(0, 50, 2)
    word = np.array([characters[0, 0], characters[-1, 1], characters[-1, 2], characters[0, 3]])
    assert np.allclose(C.split_word(word, length), characters)


def test_length_confidence_is_the_papers_formula():
    lengths, found = np.arange(1, 9)[:, None], np.arange(0, 12)[None, :]
    expected = np.array([[max(0.0, 1 - abs(l - c) / l) for c in range(12)] for l in range(1, 9)])
    assert np.allclose(C.length_confidence(lengths, found), expected)
    assert C.length_confidence(4, 4) == 1.0
    with pytest.raises(ValueError, match="word_length"):
        C.length_confidence(0, 1)


# ---------------------------------------------------------------- hulls and rectangles
def _rectangle_area(corners):
    x, y = corners.T
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


@pytest.mark.parametrize("seed", range(20))
def test_convex_hull_and_min_area_rect_equal_opencv(seed):
    rng = np.random.default_rng(seed)
    points = rng.normal(0, [20, 5], (int(rng.integers(3, 60)), 2)) @ np.array([[1, 0.6], [-0.6, 1]])
    if seed % 4 == 0:
        points = np.round(points)  # integer points with repeats, like pixels
    points = points.astype(np.float32).astype(np.float64)  # what OpenCV sees
    hull = C.convex_hull(points)
    expected_hull = cv2.convexHull(points.astype(np.float32))[:, 0]
    assert sorted(map(tuple, hull.tolist())) == sorted(map(tuple, expected_hull.astype(np.float64).tolist()))
    got = C.min_area_rect(points)
    expected = cv2.boxPoints(cv2.minAreaRect(points.astype(np.float32)))
    assert _rectangle_area(got) == pytest.approx(_rectangle_area(expected), rel=1e-4, abs=1e-3)
    # every point lies inside the rectangle (up to rounding)
    edges = np.roll(got, -1, axis=0) - got
    cross = edges[:, 0][None] * (points[:, None, 1] - got[None, :, 1]) - edges[:, 1][None] * (points[:, None, 0] - got[None, :, 0])
    assert np.all(cross >= -1e-6) or np.all(cross <= 1e-6)


def test_min_area_rect_of_degenerate_point_sets():
    assert np.allclose(C.min_area_rect([[2, 3]]), [[2, 3]] * 4)
    flat = C.min_area_rect([[0, 0], [1, 1], [3, 3]])
    assert _rectangle_area(flat) == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(np.sort(flat[:, 0]), [0, 0, 3, 3])


# ---------------------------------------------------------------- decoding
def test_craft_decode_recovers_hand_made_words():
    """Two words of three characters and one of two: three rectangles on the characters' outlines."""
    boxes, ids = [], []
    for word, (x, y, count) in enumerate([(4, 4, 3), (40, 4, 3), (10, 30, 2)]):
        for k in range(count):
            boxes.append([[x + 8 * k, y], [x + 8 * k + 8, y], [x + 8 * k + 8, y + 10], [x + 8 * k, y + 10]])
            ids.append(word)
    boxes, ids = np.array(boxes, float), np.array(ids)
    words, scores = C.craft_decode(C.region_map((48, 72), boxes), C.affinity_map((48, 72), boxes, ids))
    assert len(words) == 3 and np.all(scores > 0.9)
    truth = [T.word_polygon(boxes[ids == k]) for k in range(3)]
    assert C.text_f1([list(words)], [truth], (48, 72), iou_threshold=0.7) == (1.0, 1.0, 1.0)
    for word, k in zip(words, range(3)):  # the corners themselves, within half a pixel
        rectangle = C.min_area_rect(truth[k])
        assert np.abs(np.sort(word, axis=0) - np.sort(rectangle, axis=0)).max() <= 0.5


@pytest.mark.parametrize("seed", range(4))
def test_craft_decode_components_equal_skimage_labels(seed):
    """The words are the 4-connected components of the thresholded maps (skimage.measure.label), as in the authors' code."""
    data = T.text_lines(3, seed=seed)
    shape = data.images.shape[1:]
    for boxes, ids in zip(data.char_boxes, data.word_ids):
        region, affinity = C.region_map(shape, boxes), C.affinity_map(shape, boxes, ids)
        components = label((region > 0.4) | (affinity > 0.4), connectivity=1)
        peaks = ndi.maximum(region, components, np.arange(1, components.max() + 1))
        sizes = np.bincount(components.ravel())[1:]
        words, _ = C.craft_decode(region, affinity)
        assert len(words) == np.sum((peaks >= 0.7) & (sizes >= 10)) == ids.max() + 1


@pytest.mark.parametrize("seed", range(3))
def test_craft_decode_of_true_maps_finds_every_word(seed):
    data = T.text_lines(10, seed=seed)
    shape = data.images.shape[1:]
    found = [list(C.craft_decode(C.region_map(shape, b), C.affinity_map(shape, b, i))[0])
             for b, i in zip(data.char_boxes, data.word_ids)]
    truth = [data.word_polygons(k) for k in range(len(data))]
    assert C.text_f1(found, truth, shape)[2] >= 0.97


def test_craft_decode_thresholds_and_empty_maps():
    assert C.craft_decode(np.zeros((8, 8)), np.zeros((8, 8)))[0].shape == (0, 4, 2)
    region = C.region_map((16, 16), [[[2, 2], [12, 2], [12, 12], [2, 12]]])
    assert len(C.craft_decode(region, np.zeros((16, 16)))[0]) == 1
    assert len(C.craft_decode(0.6 * region, np.zeros((16, 16)))[0]) == 0  # never reaches text_threshold
    assert len(C.craft_decode(region, np.zeros((16, 16)), min_area=500)[0]) == 0
    with pytest.raises(ValueError, match="affinity must have the shape"):
        C.craft_decode(region, np.zeros((8, 8)))


def test_text_f1_matches_one_to_one():
    square = [[1, 1], [6, 1], [6, 6], [1, 6]]
    assert C.text_f1([[square, square]], [[square]], (8, 8)) == (0.5, 1.0, 2 / 3)
    assert C.text_f1([[]], [[square]], (8, 8)) == (0.0, 0.0, 0.0)
    square = [[0.5, 0.5], [5.5, 0.5], [5.5, 5.5], [0.5, 5.5]]  # pixels 1-5 in both directions
    shifted = [[2.5, 0.5], [7.5, 0.5], [7.5, 5.5], [2.5, 5.5]]  # pixels 3-7 across: IoU 15 / 35
    assert C.text_f1([[shifted]], [[square]], (8, 10))[2] == 0.0
    assert C.text_f1([[shifted]], [[square]], (8, 10), iou_threshold=0.4)[2] == 1.0


# ---------------------------------------------------------------- synthetic text
def test_text_lines_are_seeded_and_consistent():
    first, second = T.text_lines(6, seed=3), T.text_lines(6, seed=3)
    assert np.array_equal(first.images, second.images) and first.words == second.words
    assert not np.array_equal(first.images, T.text_lines(6, seed=4).images)
    for k in range(6):
        boxes, ids, words = first.char_boxes[k], first.word_ids[k], first.words[k]
        assert len(boxes) == len(ids) == sum(map(len, words)) and list(np.unique(ids)) == list(range(len(words)))
        assert boxes.min() >= 0 and np.all(boxes.max(axis=(0, 1)) <= [127, 63])
    assert first.images.dtype == np.float32 and 0 <= first.images.min() and first.images.max() <= 1


def test_text_lines_ink_lies_in_the_character_boxes():
    data = T.text_lines(5, seed=0)
    for image, boxes in zip(data.images, data.char_boxes):
        inside = T.polygon_coverage(image.shape, list(boxes)) > 0
        background = np.median(image[~inside])
        contrast = np.abs(image - background)
        assert contrast[inside].max() >= 0.3 and np.quantile(contrast[~inside], 0.999) < 0.2


def test_text_lines_bend_and_rotate():
    data = T.text_lines(30, curved_fraction=0.5, seed=0)
    assert 0 < data.curved.sum() < 30
    straight = T.text_lines(10, max_angle=0.0, curved_fraction=0.0, seed=0)
    for boxes in straight.char_boxes:
        assert np.allclose(boxes[:, 0, 1], boxes[:, 1, 1])  # every top edge level


def test_polygon_coverage_equals_opencv_fill_and_handles_holes():
    ring = [np.array([[2, 2], [13, 2], [13, 13], [2, 13]], float), np.array([[5, 5], [10, 5], [10, 10], [5, 10]], float)]
    got = T.polygon_coverage((16, 16), ring)
    expected = np.zeros((16, 16), np.uint8)
    cv2.fillPoly(expected, [p.astype(np.int32) for p in ring], 1)  # even-odd: the hole stays empty
    assert got[6:10, 6:10].sum() == 0 and got[3, 3] == 1
    assert np.abs(got - expected).sum() <= 2 * (12 + 12 + 6 + 6)  # they differ only on the outlines
    assert T.polygon_coverage((4, 4), [[[0, 0], [4, 0], [0, 4]]], supersample=4).sum() == pytest.approx(7.75, abs=0.5)  # the area on the grid


def test_word_polygon_of_a_straight_word_is_its_rectangle():
    boxes = np.array([[[0, 0], [3, 0], [3, 5], [0, 5]], [[3, 0], [7, 0], [7, 5], [3, 5]]], float)
    assert _rectangle_area(C.min_area_rect(T.word_polygon(boxes))) == 35.0


# ---------------------------------------------------------------- the network (shapes only; training is the chapter's)
def test_craftnet_predicts_two_maps_at_half_resolution():
    torch.manual_seed(0)
    model = C.CRAFTNet(1, depth=2, width=4)
    assert model(torch.zeros(2, 1, 16, 32)).shape == (2, 2, 8, 8 * 2)
    with pytest.raises(ValueError, match="multiples of 8"):
        model(torch.zeros(1, 1, 12, 32))
    data = T.text_lines(4, seed=0)
    targets = C.craft_targets(data)
    assert targets.shape == (4, 2, 32, 64)
    losses = C.train_craft(model, data.images, targets, steps=3, batch_size=2, device="cpu")
    assert len(losses) == 3 and all(np.isfinite(losses))
    words, maps = C.detect_words(model, data.images, device="cpu")
    assert len(words) == 4 and maps.shape == (4, 2, 32, 64) and 0 <= maps.min() and maps.max() <= 1
