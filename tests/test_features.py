"""cvcourse.features against scikit-image, SciPy and brute force, on random and real images."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.feature
import skimage.transform
from cvcourse import features
from cvcourse.data import load_image
from scipy import ndimage as ndi
from skimage.color import rgb2gray


def random_images():
    rng = np.random.default_rng(5)
    yield rng.random((31, 17))
    yield rng.random((64, 64))
    yield rng.integers(0, 256, (20, 33), dtype=np.uint8)
    yield rng.random((25, 40)).astype(np.float32)
    yield rng.random((2, 2))
    yield rng.random((2, 3))
    yield np.zeros((6, 7))
    yield (rng.random((30, 30)) > 0.5).astype(float)


IMAGES = list(random_images())
IDS = [f"{im.dtype}{im.shape}" for im in IMAGES]


def tolerance(image):
    return dict(rtol=1e-5, atol=1e-6) if image.dtype == np.float32 else dict(rtol=0, atol=1e-8)


def gray(name):
    image = load_image(name)
    return rgb2gray(image) if image.ndim == 3 else image / 255.0


# ----------------------------------------------------------------------------- corners


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.5])
def test_harris_and_shi_tomasi_match_skimage(image, sigma):
    for method in ("k", "eps"):
        for k in (0.0, 0.04, 0.2):
            expected = skimage.feature.corner_harris(image, method=method, k=k, eps=1e-6, sigma=sigma)
            got = features.harris(image, sigma, method=method, k=k, eps=1e-6)
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(got, expected, **tolerance(image))
    expected = skimage.feature.corner_shi_tomasi(image, sigma=sigma)
    np.testing.assert_allclose(features.shi_tomasi(image, sigma), expected, **tolerance(image))


def test_single_pixel_has_no_gradient_and_no_corner():
    # scikit-image squeezes a 1 x 1 image to 0-D and refuses it; here it is just flat
    np.testing.assert_array_equal(features.harris(np.ones((1, 1))), np.zeros((1, 1)))
    np.testing.assert_array_equal(features.shi_tomasi(np.ones((1, 1))), np.zeros((1, 1)))


@pytest.mark.parametrize("mode", ["constant", "reflect", "nearest", "mirror", "wrap"])
def test_structure_tensor_matches_skimage_in_every_mode(mode):
    image = np.random.default_rng(1).random((23, 29))
    expected = skimage.feature.structure_tensor(image, sigma=1.5, mode=mode, cval=0.3, order="rc")
    got = features.structure_tensor(image, 1.5, mode=mode, cval=0.3)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-12)


CHAPTER_RESPONSES = {
    "camera harris": lambda: features.harris(gray("camera")),
    "checkerboard harris": lambda: features.harris(gray("checkerboard"), 2.0),
    "astronaut shi-tomasi": lambda: features.shi_tomasi(gray("astronaut")[100:300, 100:300]),
    "coins harris eps": lambda: features.harris(gray("coins"), method="eps"),
}


@pytest.mark.parametrize("name", CHAPTER_RESPONSES)
def test_corner_peaks_match_skimage_on_chapter_images(name):
    response = CHAPTER_RESPONSES[name]()
    for min_distance in (1, 3, 7):
        for threshold_rel in (None, 0.01, 0.1):
            for exclude_border in (True, False, 2):
                expected = skimage.feature.corner_peaks(
                    response, min_distance=min_distance, threshold_rel=threshold_rel,
                    exclude_border=exclude_border)
                got = features.corner_peaks(response, min_distance, threshold_rel=threshold_rel,
                                            exclude_border=exclude_border)
                np.testing.assert_array_equal(got, expected)


def test_corner_peaks_plateaus_and_ties_match_skimage():
    rng = np.random.default_rng(3)
    for _ in range(20):
        # few distinct values: many equal neighbours, the case where order matters
        response = rng.integers(0, 4, (40, 40)).astype(float)
        for min_distance in (1, 2, 4):
            expected = skimage.feature.corner_peaks(response, min_distance=min_distance,
                                                    threshold_abs=0.5)
            got = features.corner_peaks(response, min_distance, threshold_abs=0.5)
            np.testing.assert_array_equal(got, expected)


def test_corner_peaks_constant_response_has_no_corner():
    assert features.corner_peaks(np.ones((9, 9))).shape == (0, 2)
    assert skimage.feature.corner_peaks(np.ones((9, 9))).shape == (0, 2)


def test_harris_finds_the_four_corners_of_a_square():
    square = np.zeros((20, 20))
    square[5:15, 5:15] = 1
    peaks = features.corner_peaks(features.harris(square), 3, threshold_rel=0.1)
    assert sorted(map(tuple, peaks.tolist())) == [(5, 5), (5, 14), (14, 5), (14, 14)]


# --------------------------------------------------------------------- integral images


INTEGRAL_INPUTS = [
    np.random.default_rng(0).integers(0, 256, (13, 21), dtype=np.uint8),
    np.random.default_rng(1).integers(-128, 128, (9, 8), dtype=np.int8),
    np.random.default_rng(2).random((17, 5)) > 0.5,
    np.random.default_rng(3).random((7, 11)),
    np.random.default_rng(4).random((6, 6)).astype(np.float32),
    np.full((1, 1), 7, dtype=np.uint16),
    np.random.default_rng(5).integers(0, 2**32, (10, 10), dtype=np.uint32),
]


@pytest.mark.parametrize("image", INTEGRAL_INPUTS, ids=[f"{a.dtype}{a.shape}" for a in INTEGRAL_INPUTS])
def test_integral_image_matches_brute_force_and_skimage(image):
    table = features.integral_image(image)
    expected = skimage.transform.integral_image(image)
    assert table.dtype == expected.dtype
    np.testing.assert_array_equal(table, expected)
    rows, cols = image.shape
    brute = np.array([[image[: r + 1, : c + 1].sum(dtype=table.dtype) for c in range(cols)]
                      for r in range(rows)])
    if image.dtype.kind == "f":
        np.testing.assert_allclose(table, brute, rtol=1e-12)
    else:
        np.testing.assert_array_equal(table, brute)


def test_integral_image_cannot_overflow_for_uint8_and_uint32():
    # 4000 x 4000 x 255 = 4.08e9 > 2**32: a 32-bit accumulator would wrap around.
    image = np.full((4000, 4000), 255, dtype=np.uint8)
    table = features.integral_image(image)
    assert table.dtype == np.uint64
    assert int(table[-1, -1]) == 4000 * 4000 * 255
    big = np.full((50, 50), 2**32 - 1, dtype=np.uint32)
    assert int(features.integral_image(big)[-1, -1]) == 2500 * (2**32 - 1)
    low = np.full((300, 300), -128, dtype=np.int8)
    assert int(features.integral_image(low)[-1, -1]) == -128 * 90000


@pytest.mark.parametrize("image", INTEGRAL_INPUTS[:4], ids=[f"{a.dtype}" for a in INTEGRAL_INPUTS[:4]])
def test_box_sum_matches_brute_force_and_skimage_integrate(image):
    rng = np.random.default_rng(9)
    rows, cols = image.shape
    r = np.sort(rng.integers(0, rows, (50, 2)), axis=1)
    c = np.sort(rng.integers(0, cols, (50, 2)), axis=1)
    start, end = np.column_stack([r[:, 0], c[:, 0]]), np.column_stack([r[:, 1], c[:, 1]])
    table = features.integral_image(image)
    got = features.box_sum(table, start, end)
    brute = [image[a:b + 1, p:q + 1].sum(dtype=table.dtype) for (a, p), (b, q) in zip(start, end)]
    np.testing.assert_allclose(got, brute, rtol=1e-12)
    np.testing.assert_allclose(got, skimage.transform.integrate(table, start, end), rtol=1e-12)
    single = features.box_sum(table, (0, 0), (rows - 1, cols - 1))
    assert np.ndim(single) == 0 and single == table[-1, -1]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, (3, 4), (1, 6)])
@pytest.mark.parametrize("mode", ["reflect", "constant", "nearest", "mirror", "wrap"])
def test_box_filter_matches_uniform_filter(size, mode):
    image = np.random.default_rng(2).random((19, 23))
    expected = ndi.uniform_filter(image, size, mode=mode, cval=0.25)
    np.testing.assert_allclose(features.box_filter(image, size, mode=mode, cval=0.25), expected,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("lobe, sigma", [(3, 1.2), (5, 2.0), (7, 2.8)])
def test_hessian_det_box_equals_skimage_shifted_by_one_pixel(lobe, sigma):
    """scikit-image's box filters sit one pixel up and left of the centred ones of Bay et
    al.; shifted back, the two agree to rounding (relative error below 1e-9)."""
    image = gray("camera")
    ours = features.hessian_det_box(image, sigma)
    theirs = skimage.feature.hessian_matrix_det(image, sigma=lobe)
    margin = 3 * lobe + 1
    a = ours[margin:-margin, margin:-margin]
    b = theirs[margin - 1:-margin - 1, margin - 1:-margin - 1]
    assert np.abs(a - b).max() <= 1e-9 * np.abs(a).max()


@pytest.mark.parametrize("sigma", [1.2, 2.0, 2.8])
def test_hessian_det_box_approximates_the_gaussian_hessian(sigma):
    image = gray("camera")
    ours = features.hessian_det_box(image, sigma)
    h_rr, h_rc, h_cc = skimage.feature.hessian_matrix(image, sigma, use_gaussian_derivatives=True)
    exact = h_rr * h_cc - h_rc**2
    inner = (slice(30, -30),) * 2
    correlation = np.corrcoef(ours[inner].ravel(), exact[inner].ravel())[0, 1]
    print(f"sigma {sigma}: correlation of box-filter and Gaussian det(H) = {correlation:.3f}")
    assert correlation > 0.75


def test_hessian_det_box_peaks_at_a_blob():
    blob = np.zeros((41, 41))
    blob[18:23, 18:23] = 1
    response = features.hessian_det_box(blob, 1.2)
    assert np.unravel_index(response.argmax(), response.shape) == (20, 20)


# ------------------------------------------------------------------------- scale space


def test_scale_space_blurs_by_the_stated_sigmas_and_dog_is_their_difference():
    image = gray("camera")[:128, :128]
    octaves = features.gaussian_scale_space(image, n_octaves=2, n_scales=3, sigma0=1.6, in_sigma=0.5)
    assert [o.shape for o in octaves] == [(6, 128, 128), (6, 64, 64)]
    for i, layer in enumerate(octaves[0]):
        total = 1.6 * 2 ** (i / 3)
        direct = ndi.gaussian_filter(image, np.sqrt(total**2 - 0.5**2), mode="nearest")
        # successive blurs compose to this sigma (away from the border, where the
        # repeated 'nearest' padding differs)
        np.testing.assert_allclose(layer[16:-16, 16:-16], direct[16:-16, 16:-16], atol=2e-3)
    np.testing.assert_array_equal(octaves[1][0], octaves[0][3][::2, ::2])
    dogs = features.dog_pyramid(image, n_octaves=2)
    np.testing.assert_allclose(dogs[0], np.diff(octaves[0], axis=0))


def test_dog_responds_most_at_the_blob_scale():
    rows, cols = np.mgrid[:64, :64]
    for radius in (3.0, 6.0):
        blob = ((rows - 32) ** 2 + (cols - 32) ** 2 <= radius**2).astype(float)
        dog = features.dog_pyramid(blob, n_octaves=1, n_scales=8)[0]
        sigmas = 1.6 * 2 ** (np.arange(len(dog)) / 8)
        best = sigmas[np.argmin(dog[:, 32, 32])]
        # a disc of radius r is matched by a Laplacian of Gaussian of sigma r / sqrt(2)
        assert abs(best - radius / np.sqrt(2)) < 0.25 * radius


# ------------------------------------------------------------------------ SIFT and match


def _rotated_scaled(image, angle=30.0, scale=0.7):
    centre = np.array(image.shape[::-1]) / 2
    transform = (skimage.transform.AffineTransform(translation=-centre)
                 + skimage.transform.AffineTransform(scale=scale, rotation=np.deg2rad(angle))
                 + skimage.transform.AffineTransform(translation=centre))
    return transform, skimage.transform.warp(image, transform.inverse, output_shape=image.shape)


def _correct(transform, positions1, positions2, matches, pixels=3.0):
    mapped = transform(positions1[matches[:, 0]][:, ::-1])
    return np.linalg.norm(mapped - positions2[matches[:, 1]][:, ::-1], axis=1) < pixels


def test_sift_matches_a_rotated_and_scaled_copy():
    image = gray("astronaut")
    transform, copy = _rotated_scaled(image)
    ours1, ours2 = features.sift(image), features.sift(copy)
    matches = features.match_descriptors(ours1.descriptors, ours2.descriptors, max_ratio=0.8)
    correct = _correct(transform, ours1.positions, ours2.positions, matches)
    sk1, sk2 = skimage.feature.SIFT(), skimage.feature.SIFT()
    sk1.detect_and_extract(image)
    sk2.detect_and_extract(copy)
    sk_matches = skimage.feature.match_descriptors(sk1.descriptors, sk2.descriptors,
                                                   max_ratio=0.8, cross_check=False)
    sk_correct = _correct(transform, sk1.keypoints, sk2.keypoints, sk_matches)
    print(f"cvcourse: {len(ours1)}/{len(ours2)} keypoints, {len(matches)} matches, "
          f"{correct.sum()} correct ({correct.mean():.1%}); skimage.feature.SIFT: "
          f"{len(sk1.keypoints)}/{len(sk2.keypoints)} keypoints, {len(sk_matches)} matches, "
          f"{sk_correct.sum()} correct ({sk_correct.mean():.1%})")
    assert correct.mean() >= 0.9
    assert correct.sum() >= 0.5 * sk_correct.sum()
    assert ours1.descriptors.shape == (len(ours1), 128)
    np.testing.assert_allclose(np.linalg.norm(ours1.descriptors, axis=1), 1, rtol=1e-5)


def test_sift_orientations_turn_with_the_image():
    image = gray("camera")[64:320, 64:320]
    transform, copy = _rotated_scaled(image, angle=30.0, scale=1.0)
    first, second = features.sift(image, upsample=1), features.sift(copy, upsample=1)
    matches = features.match_descriptors(first.descriptors, second.descriptors, max_ratio=0.7)
    correct = _correct(transform, first.positions, second.positions, matches)
    turn = (second.orientations[matches[correct, 1]] - first.orientations[matches[correct, 0]])
    turn = np.rad2deg(turn) % 360
    # rotation=+30 deg in (x, y) with y pointing down turns the picture clockwise on
    # screen; angles measured from the column axis towards the rows grow by 30 deg
    assert abs(np.median(turn) - 30) < 2
    assert correct.mean() > 0.9


def test_sift_on_a_flat_image_finds_nothing():
    result = features.sift(np.full((64, 64), 0.5))
    assert len(result) == 0 and result.descriptors.shape == (0, 128)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_ratio", [1.0, 0.9, 0.6])
@pytest.mark.parametrize("cross_check", [False, True])
def test_match_descriptors_matches_skimage(seed, max_ratio, cross_check):
    rng = np.random.default_rng(seed)
    d1 = rng.random((40 + seed, 16))
    d2 = np.vstack([d1[::2] + rng.normal(0, 0.05, d1[::2].shape), rng.random((25, 16))])
    expected = skimage.feature.match_descriptors(d1, d2, max_ratio=max_ratio, cross_check=cross_check)
    got = features.match_descriptors(d1, d2, max_ratio=max_ratio, cross_check=cross_check)
    np.testing.assert_array_equal(got, expected)


def test_match_descriptors_edge_cases():
    one = np.ones((1, 4))
    np.testing.assert_array_equal(features.match_descriptors(np.zeros((3, 4)), one),
                                  skimage.feature.match_descriptors(np.zeros((3, 4)), one,
                                                                    max_ratio=0.8, cross_check=False))
    assert features.match_descriptors(np.zeros((0, 4)), one).shape == (0, 2)


# --------------------------------------------------------------------------- bad input


BAD_CALLS = [
    (lambda: features.harris(np.zeros((8, 8, 3))), ValueError, "colour"),
    (lambda: features.harris(np.zeros(8)), ValueError, "2-D"),
    (lambda: features.harris(np.full((4, 4), np.nan)), ValueError, "NaN"),
    (lambda: features.harris(np.zeros((4, 4), dtype=np.int32)), TypeError, "uint8, bool or float"),
    (lambda: features.harris(np.zeros((0, 4))), ValueError, "at least one pixel"),
    (lambda: features.harris(np.zeros((4, 4)), 0), ValueError, "sigma"),
    (lambda: features.harris(np.zeros((4, 4)), k=0.3), ValueError, "k must lie"),
    (lambda: features.harris(np.zeros((4, 4)), method="det"), ValueError, "method"),
    (lambda: features.structure_tensor(np.zeros((4, 4)), mode="edge"), ValueError, "mode"),
    (lambda: features.corner_peaks(np.zeros((4, 4)), 0), ValueError, "min_distance"),
    (lambda: features.corner_peaks(np.zeros((4, 4)), 1.5), TypeError, "integer"),
    (lambda: features.integral_image("image"), TypeError, "NumPy array"),
    (lambda: features.integral_image(np.zeros((2, 2, 2))), ValueError, "2-D"),
    (lambda: features.box_sum(np.zeros((4, 4)), (0, 0), (4, 4)), ValueError, "inside the image"),
    (lambda: features.box_sum(np.zeros((4, 4)), (2, 2), (1, 3)), ValueError, "above or left"),
    (lambda: features.box_sum(np.zeros((4, 4)), (0.5, 0), (1, 1)), TypeError, "integer"),
    (lambda: features.box_filter(np.zeros((4, 4)), 0), ValueError, "size"),
    (lambda: features.hessian_det_box(np.zeros((9, 9)), 1.0), ValueError, "sigma"),
    (lambda: features.gaussian_scale_space(np.zeros((9, 9)), in_sigma=2.0), ValueError, "in_sigma"),
    (lambda: features.sift(np.zeros((32, 32)), upsample=3), ValueError, "upsample"),
    (lambda: features.sift(np.zeros((32, 32)), edge_ratio=1), ValueError, "edge_ratio"),
    (lambda: features.match_descriptors(np.zeros((2, 3)), np.zeros((2, 4))), ValueError, "same length"),
    (lambda: features.match_descriptors(np.zeros((2, 3)), np.zeros((2, 3)), max_ratio=0), ValueError, "max_ratio"),
    (lambda: features.match_descriptors(np.zeros(3), np.zeros((2, 3))), ValueError, "2-D"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
