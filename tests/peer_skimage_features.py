"""scikit-image's own test cases for Harris, Shi-Tomasi, corner peaks and integral images.

Sources: scikit-image, tests/skimage/feature/test_corner.py (corner_harris,
corner_shi_tomasi, corner_peaks), tests/skimage/feature/test_peak.py (peak_local_max,
which corner_peaks wraps) and tests/skimage/transform/test_integral.py. The inputs,
settings and expected outcomes are scikit-image's; the code is ours. scikit-image finds
corners with ``peak_local_max``; the course's :func:`cvcourse.features.corner_peaks` is
its ``corner_peaks``, which thins peaks closer than ``min_distance`` too, so the
peak_local_max cases are checked against ``skimage.feature.corner_peaks`` as well.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import skimage
import skimage.feature

from cvcourse import features

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
RESULT_DTYPE = {np.float16: np.float32, np.float32: np.float32, np.float64: np.float64}
RESPONSES = {
    "harris k": lambda image, **kw: features.harris(image, method="k", **kw),
    "harris eps": lambda image, **kw: features.harris(image, method="eps", **kw),
    "shi-tomasi": features.shi_tomasi,
}


def square(noise_seed=None):
    image = np.zeros((50, 50))
    image[:25, :25] = 1.0
    if noise_seed is not None:
        image = image + np.random.RandomState(noise_seed).uniform(size=image.shape) * 0.2
    return image


def peaks(response, **settings):
    """Our corner peaks, after checking that scikit-image's corner_peaks finds the same."""
    ours = features.corner_peaks(response, **settings)
    np.testing.assert_array_equal(ours, skimage.feature.corner_peaks(response, **settings))
    return ours


# --- Harris and Shi-Tomasi (test_corner.py) ------------------------------------------


@pytest.mark.parametrize("name", list(RESPONSES))
def test_square_image(name):
    assert len(peaks(RESPONSES[name](square()), min_distance=10, threshold_rel=0)) == 1


@pytest.mark.parametrize("name", list(RESPONSES))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_corner_dtype(name, dtype):
    assert RESPONSES[name](square().astype(dtype)).dtype == RESULT_DTYPE[dtype]


@pytest.mark.parametrize("name", list(RESPONSES))
def test_noisy_square_image(name):
    settings = {"sigma": 1.5} if name == "shi-tomasi" else {}
    response = RESPONSES[name](square(noise_seed=3250725926), **settings)
    assert len(peaks(response, min_distance=10, threshold_rel=0)) == 1


@pytest.mark.parametrize("name", ["harris k", "shi-tomasi"])
def test_squared_dot(name):
    image = np.zeros((50, 50))
    image[4:8, 4:8] = 1
    response = RESPONSES[name](image)
    # scikit-image asserts `(found == [[6, 6]]).all()`, which an empty result passes: with the
    # default border exclusion (min_distance = 10) no peak survives, in both libraries.
    assert len(peaks(response, min_distance=10, threshold_rel=0)) == 0
    # The intent, a single point on the dot, holds without the border exclusion.
    found = peaks(response, min_distance=10, threshold_rel=0, exclude_border=False)
    assert len(found) == 1 and all(4 <= i <= 7 for i in found[0])


@pytest.mark.parametrize("name", ["harris k", "shi-tomasi"])
def test_rotated_img(name):
    image = skimage.util.img_as_float(skimage.data.astronaut().mean(axis=2))
    rows, cols = np.nonzero(RESPONSES[name](image))
    rows_t, cols_t = np.nonzero(RESPONSES[name](image.T))
    np.testing.assert_array_equal(np.sort(rows), np.sort(cols_t))
    np.testing.assert_array_equal(np.sort(cols), np.sort(rows_t))


@pytest.mark.parametrize("name", list(RESPONSES))
def test_blank_image_nans(name):
    assert np.all(np.isfinite(RESPONSES[name](np.zeros((20, 20)))))


@pytest.mark.skip(reason="no num_peaks, labels or indices=False options "
                         "(test_num_peaks, test_corner_peaks_num_peaks_with_labels)")
def test_num_peaks_and_labels():
    pass


def test_corner_peaks():
    response = np.zeros((10, 10))
    response[2:5, 2:5] = 1
    response[8:10, 0:2] = 1
    assert peaks(response, exclude_border=False, min_distance=10, threshold_rel=0).shape == (1, 2)
    assert peaks(response, exclude_border=False, min_distance=5, threshold_rel=0).shape == (2, 2)
    assert peaks(response, exclude_border=False, min_distance=1).shape == (5, 2)


# --- peak_local_max cases (test_peak.py), through corner_peaks ------------------------


def test_trivial_case():
    found = peaks(np.zeros((25, 25)), min_distance=1)
    assert isinstance(found, np.ndarray) and found.size == 0


def test_noisy_peaks():
    locations = [(7, 7), (7, 13), (13, 7), (13, 13)]
    image = 0.8 * np.random.RandomState(3331877153).rand(20, 20)
    for r, c in locations:
        image[r, c] = 1
    found = peaks(image, min_distance=5)
    assert sorted(map(tuple, found)) == locations


def two_dots():
    image = np.zeros((5, 5), dtype=np.uint8)
    image[1, 1], image[3, 3] = 10, 20
    return image


def test_relative_threshold():
    np.testing.assert_array_equal(peaks(two_dots(), min_distance=1, threshold_rel=0.5), [(3, 3)])


def test_absolute_threshold():
    np.testing.assert_array_equal(peaks(two_dots(), min_distance=1, threshold_abs=10), [(3, 3)])


def test_constant_image():
    assert len(peaks(np.full((20, 20), 128, dtype=np.uint8), min_distance=1)) == 0


def test_flat_peak():
    image = np.zeros((5, 5), dtype=np.uint8)
    image[1:3, 1:3] = 10
    peaks(image, min_distance=1)  # peak_local_max keeps all 4; corner_peaks thins them


def test_sorted_peaks():
    image = np.zeros((5, 5), dtype=np.uint8)
    image[1, 1], image[3, 3] = 20, 10
    assert peaks(image, min_distance=1).tolist() == [[1, 1], [3, 3]]
    image = np.zeros((3, 10))
    image[1, (1, 3, 5, 7)] = (1, 2, 3, 4)
    assert peaks(image, min_distance=1).tolist() == [[1, 7], [1, 5], [1, 3], [1, 1]]


def test_threshold_rel_default():
    image = np.ones((5, 5))
    assert len(peaks(image)) == 0
    image[2, 2] = 2
    np.testing.assert_array_equal(peaks(image), [[2, 2]])


def test_peak_at_border():
    image = np.full((10, 10), -2)
    image[2, 4] = image[3, 0] = -1
    assert peaks(image, min_distance=3).size == 0
    found = peaks(image, min_distance=3, exclude_border=0).tolist()
    assert len(found) == 2 and [2, 4] in found and [3, 0] in found


def test_p_norm_default():
    image = np.zeros((10, 10))
    image[2, 2] = image[7, 7] = 1  # Chebyshev distance 5
    # peak_local_max keeps both up to min_distance=5; corner_peaks also drops peaks at
    # exactly min_distance, so it keeps both up to 4.
    assert len(peaks(image, min_distance=4, exclude_border=0)) == 2
    assert len(peaks(image, min_distance=5, exclude_border=0)) == 1
    assert len(peaks(image, min_distance=6, exclude_border=0)) == 1


@pytest.mark.skip(reason="Chebyshev distance only: no p_norm option, min_distance is an int "
                         "(test_p_norm, test_min_distance_float)")
def test_p_norm():
    pass


@pytest.mark.parametrize("index", list(itertools.product(range(5), range(5))))
def test_exclude_border(index):
    image = np.zeros((5, 5))
    image[index] = 1
    assert len(peaks(image, exclude_border=False)) == 1
    assert len(peaks(image, exclude_border=0)) == 1


# --- integral image (test_integral.py) ------------------------------------------------


X = (np.random.RandomState(1444596450).rand(50, 50) * 255).astype(np.uint8)
TABLE = features.integral_image(X)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.uint8, np.int32])
def test_integral_image_validity(dtype):
    image = (np.random.RandomState(1415794085).random((20, 20)) * 255).astype(dtype)
    table = features.integral_image(image)
    if image.dtype.kind == "f":
        assert table.dtype == np.float64
        np.testing.assert_allclose(table[-1, -1], image.sum(dtype=np.float64))
    else:
        assert table.dtype.kind == image.dtype.kind
        assert table[-1, -1] == image.sum()


@pytest.mark.skip(reason="no dtype= option for the integral image")
def test_integral_image_dtype_argument():
    pass


def test_integrate_basic():
    assert features.box_sum(TABLE, (12, 10), (23, 19)) == X[12:24, 10:20].sum()
    assert features.box_sum(TABLE, (0, 0), (19, 19)) == X[:20, :20].sum()
    assert features.box_sum(TABLE, (0, 10), (19, 19)) == X[:20, 10:20].sum()
    assert features.box_sum(TABLE, (10, 0), (19, 19)) == X[10:20, :20].sum()


def test_integrate_single():
    assert features.box_sum(TABLE, (0, 0), (0, 0)) == X[0, 0]
    assert features.box_sum(TABLE, (10, 10), (10, 10)) == X[10, 10]


def test_vectorized_integrate():
    top_left = np.array([[12, 10], [0, 0], [0, 10], [10, 0], [0, 0], [10, 10], [30, 31]])
    bottom_right = np.array([[23, 19], [19, 19], [19, 19], [19, 19], [0, 0], [10, 10], [49, 49]])
    expected = [X[12:24, 10:20].sum(), X[:20, :20].sum(), X[:20, 10:20].sum(), X[10:20, :20].sum(),
                X[0, 0], X[10, 10], X[30:, 31:].sum()]
    np.testing.assert_array_equal(features.box_sum(TABLE, top_left, bottom_right), expected)
