"""SciPy's own test cases for correlation, convolution, Gaussian and median filters.

Source: SciPy, scipy/ndimage/tests/test_filters.py (test_correlate*, test_extend*,
test_gauss*, test_rank*, test_byte_order_median, test_gh_22250, test_gh_22333). The
inputs, settings and expected values are SciPy's; the code is ours. SciPy's 1-D cases run
on one-row images (cvcourse is 2-D): ``correlate1d`` along axis 1 and ``correlate2d`` /
``convolve2d`` with a one-row kernel see exactly the same numbers. Options the course does
not offer (``origin``, ``output``, mode sequences, complex values, N-D) are skipped with
the reason.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvcourse import filters

DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
          np.float32, np.float64]
MODES = ["nearest", "wrap", "reflect", "mirror", "constant"]


def row(values, dtype=None):
    """A 1-D signal as a one-row image."""
    return np.asarray([values], dtype=dtype)


def correlations(signal, weights):
    """correlate1d, correlate2d and convolve2d of a 1-D signal, as SciPy's four calls do."""
    image, kernel = row(signal), row(weights)
    return (filters.correlate1d(image, weights, axis=1)[0],
            filters.correlate2d(image, kernel)[0],
            filters.convolve2d(image, kernel)[0])


# SciPy's test_correlate01-08 (1-D): signal, weights, correlation, convolution.
ONE_D_CASES = {
    "correlate01": ([1, 2], [2], [2, 4], [2, 4]),
    "correlate02": ([1, 2, 3], [1], [1, 2, 3], [1, 2, 3]),
    "correlate03": ([1], [1, 1], [2], [2]),
    "correlate04": ([1, 2], [1, 1], [2, 3], [3, 4]),
    "correlate05": ([1, 2, 3], [1, 1], [2, 3, 5], [3, 5, 6]),
    "correlate06": ([1, 2, 3], [1, 2, 3], [9, 14, 17], [7, 10, 15]),
    "correlate07": ([1, 2, 3], [1, 2, 1], [5, 8, 11], [5, 8, 11]),
    "correlate08": ([1, 2, 3], [1, 2, -1], [1, 2, 5], [3, 6, 7]),
}


@pytest.mark.parametrize("name", list(ONE_D_CASES))
def test_correlate_1d_cases(name):
    signal, weights, correlation, convolution = ONE_D_CASES[name]
    along_rows, correlated, convolved = correlations(signal, weights)
    np.testing.assert_array_almost_equal(along_rows, correlation)
    np.testing.assert_array_almost_equal(correlated, correlation)
    np.testing.assert_array_almost_equal(convolved, convolution)


@pytest.mark.skip(reason="empty images are refused with a ValueError in the course")
def test_correlate09_and_10_empty():
    pass


def test_correlate11():
    image = np.array([[1, 2, 3], [4, 5, 6]])
    kernel = np.array([[1, 1], [1, 1]])
    np.testing.assert_array_almost_equal(filters.correlate2d(image, kernel), [[4, 6, 10], [10, 12, 16]])
    np.testing.assert_array_almost_equal(filters.convolve2d(image, kernel), [[12, 16, 18], [18, 22, 24]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_correlate12_to_16_any_input_dtype(dtype):
    # SciPy's test_correlate12 and, without the output= option, 13-16 for every dtype.
    image = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    diagonal = np.array([[1, 0], [0, 1]])
    np.testing.assert_array_almost_equal(filters.correlate2d(image, diagonal), [[2, 3, 5], [5, 6, 8]])
    np.testing.assert_array_almost_equal(filters.convolve2d(image, diagonal), [[6, 8, 9], [9, 11, 12]])
    half = np.array([[0.5, 0], [0, 0.5]])
    np.testing.assert_array_almost_equal(filters.correlate2d(image, half), [[1, 1.5, 2.5], [2.5, 3, 4]])
    np.testing.assert_array_almost_equal(filters.convolve2d(image, half), [[3, 4, 4.5], [4.5, 5.5, 6]])


@pytest.mark.skip(reason="no output= option: results are float64 (float32 for float32 input)")
def test_correlate13_to_16_output_dtype():
    pass


@pytest.mark.skip(reason="no origin option (test_correlate17-19, 24, 25)")
def test_correlate_origin():
    pass


@pytest.mark.skip(reason="no mode sequences (test_correlate_mode_sequence)")
def test_correlate_mode_sequence():
    pass


@pytest.mark.skip(reason="complex images and kernels are refused (test_correlate_complex_*)")
def test_correlate_complex():
    pass


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode, expected", [
    ("reflect", [[5, 10, 15], [7, 14, 21]]),  # test_correlate20, 21 (the default mode)
    ("wrap", [[6, 12, 18], [6, 12, 18]]),  # test_correlate22
    ("nearest", [[5, 10, 15], [7, 14, 21]]),  # test_correlate23
])
def test_correlate20_to_23_down_the_columns(dtype, mode, expected):
    image = np.array([[1, 2, 3], [2, 4, 6]], dtype=dtype)
    weights = np.array([1, 2, 1])
    np.testing.assert_array_almost_equal(filters.correlate1d(image, weights, axis=0, mode=mode), expected)
    np.testing.assert_array_almost_equal(filters.convolve2d(image, weights[:, None], mode=mode), expected)


def test_correlate26_mirror_of_a_single_pixel():
    image, kernel = np.ones((1, 1)), np.ones((1, 5))
    np.testing.assert_array_equal(filters.convolve2d(image, kernel, mode="mirror"), [[5.0]])
    np.testing.assert_array_equal(filters.correlate2d(image, kernel, mode="mirror"), [[5.0]])
    np.testing.assert_array_equal(filters.correlate1d(image, np.ones(5), axis=1, mode="mirror"), [[5.0]])


# SciPy's test_extend01-04 and 07, 09 (1-D weights on [1, 2, 3]) and the expected values per mode.
EXTEND_1D = {
    "extend01": ([1, 0], {"nearest": [1, 1, 2], "wrap": [3, 1, 2], "reflect": [1, 1, 2],
                          "mirror": [2, 1, 2], "constant": [0, 1, 2]}),
    "extend02": ([1, 0, 0, 0, 0, 0, 0, 0], {"nearest": [1, 1, 1], "wrap": [3, 1, 2],
                                            "reflect": [3, 3, 2], "mirror": [1, 2, 3],
                                            "constant": [0, 0, 0]}),
    "extend03": ([0, 0, 1], {"nearest": [2, 3, 3], "wrap": [2, 3, 1], "reflect": [2, 3, 3],
                             "mirror": [2, 3, 2], "constant": [2, 3, 0]}),
    "extend04": ([0, 0, 0, 0, 0, 0, 0, 0, 1], {"nearest": [3, 3, 3], "wrap": [2, 3, 1],
                                               "reflect": [2, 1, 1], "mirror": [1, 2, 3],
                                               "constant": [0, 0, 0]}),
}


@pytest.mark.parametrize("name", list(EXTEND_1D))
@pytest.mark.parametrize("mode", MODES)
def test_extend_1d(name, mode):
    weights, expected = EXTEND_1D[name]
    image = row([1, 2, 3])
    np.testing.assert_array_equal(filters.correlate1d(image, weights, axis=1, mode=mode)[0], expected[mode])
    np.testing.assert_array_equal(filters.correlate2d(image, row(weights), mode=mode)[0], expected[mode])
    # test_extend08, 10: the same signal as a column
    np.testing.assert_array_equal(filters.correlate2d(image.T, row(weights).T, mode=mode)[:, 0],
                                  expected[mode])


@pytest.mark.parametrize("mode, expected05, expected06", [
    ("nearest", [[1, 1, 2], [1, 1, 2], [4, 4, 5]], [[5, 6, 6], [8, 9, 9], [8, 9, 9]]),
    ("wrap", [[9, 7, 8], [3, 1, 2], [6, 4, 5]], [[5, 6, 4], [8, 9, 7], [2, 3, 1]]),
    ("reflect", [[1, 1, 2], [1, 1, 2], [4, 4, 5]], [[5, 6, 6], [8, 9, 9], [8, 9, 9]]),
    ("mirror", [[5, 4, 5], [2, 1, 2], [5, 4, 5]], [[5, 6, 5], [8, 9, 8], [5, 6, 5]]),
    ("constant", [[0, 0, 0], [0, 1, 2], [0, 4, 5]], [[5, 6, 0], [8, 9, 0], [0, 0, 0]]),
])
def test_extend05_and_06(mode, expected05, expected06):
    image = np.arange(1, 10).reshape(3, 3)
    np.testing.assert_array_equal(filters.correlate2d(image, [[1, 0], [0, 0]], mode=mode), expected05)
    np.testing.assert_array_equal(
        filters.correlate2d(image, [[0, 0, 0], [0, 0, 0], [0, 0, 1]], mode=mode), expected06)


@pytest.mark.skip(reason="sigma must be > 0: the course refuses sigma=0 (no blur) with a ValueError")
def test_gauss01_zero_sigma():
    pass


def test_gauss02_dtype_and_shape():
    image = np.array([[1, 2, 3], [2, 4, 6]], dtype=np.float32)
    blurred = filters.gaussian_blur(image, 1.0)
    assert blurred.dtype == image.dtype and blurred.shape == image.shape


def test_gauss03_single_precision_keeps_the_sum():
    image = np.arange(100 * 100, dtype=np.float32).reshape(100, 100)
    blurred = filters.gaussian_blur(image, 1.0)
    assert blurred.dtype == np.float32 and blurred.shape == image.shape
    np.testing.assert_almost_equal(blurred.sum(dtype=np.float64), image.sum(dtype=np.float64), decimal=0)
    assert np.sum((image.astype(np.float64) - blurred) ** 2) > 1.0  # it did blur


@pytest.mark.skip(reason="no output=, order= or per-axis sigma options (test_gauss04-06)")
def test_gauss04_to_06():
    pass


def median_of_row(signal, size, mode="reflect"):
    return filters.median_filter(row(signal), (1, size), mode=mode)[0]


def test_rank01_02_median_of_a_ramp_is_the_ramp():
    ramp = [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(median_of_row(ramp, 2), ramp)
    np.testing.assert_array_equal(median_of_row(ramp, 3), ramp)


def test_rank04_median_of_3():
    np.testing.assert_array_equal(median_of_row([3, 2, 5, 1, 4], 3), [3, 3, 2, 4, 4])


def test_rank08_median_2x3():
    image = np.array([[3, 2, 5, 1, 4], [5, 8, 3, 7, 1], [5, 6, 9, 3, 5]])
    np.testing.assert_array_equal(filters.median_filter(image, (2, 3)),
                                  [[3, 3, 2, 4, 4], [5, 5, 5, 4, 4], [5, 6, 7, 5, 5]])


def test_byte_order_median():
    little = np.arange(9, dtype="<f4").reshape(3, 3)
    big = np.arange(9, dtype=">f4").reshape(3, 3)
    np.testing.assert_array_almost_equal(filters.median_filter(big, 3), filters.median_filter(little, 3))


@pytest.mark.parametrize("size, expected", [
    (20, 0.25754605),
    (10, [0.25266576, 0.27894721, 0.30445588, 0.30958242, 0.30445588, 0.30445588,
          0.27894721, 0.30445588, 0.27894721, 0.30445588, 0.30445588, 0.25754605,
          0.22183391, 0.18015438, 0.22183391, 0.25266576, 0.25754605, 0.25266576,
          0.25266576, 0.25266576]),
    (1, [0.30958242, 0.17555138, 0.34343917, 0.27894721, 0.03767094, 0.39024894,
         0.30445588, 0.31442572, 0.05124545, 0.18015438, 0.14831921, 0.370706,
         0.25754605, 0.32910465, 0.17736568, 0.09089549, 0.22183391, 0.0255269,
         0.33105247, 0.25266576]),
    (3, [0.25266576, 0.30958242, 0.27894721, 0.27894721, 0.27894721, 0.30445588,
         0.31442572, 0.30445588, 0.18015438, 0.14831921, 0.18015438, 0.25754605,
         0.32910465, 0.25754605, 0.17736568, 0.17736568, 0.09089549, 0.22183391,
         0.25266576, 0.30958242]),
    (15, [0.27894721, 0.25266576, 0.25266576, 0.25266576, 0.27894721, 0.27894721,
          0.27894721, 0.27894721, 0.25754605, 0.25754605, 0.22183391, 0.22183391,
          0.25266576, 0.25266576, 0.22183391, 0.22183391, 0.25266576, 0.25266576,
          0.25754605, 0.25754605]),
])
def test_gh_22250_median_with_wrap(size, expected):
    noise = 0.4 * np.random.default_rng(42).random(20)
    np.testing.assert_allclose(median_of_row(noise, size, mode="wrap"), np.broadcast_to(expected, (20,)))


def test_gh_22333_median_with_constant():
    signal = [272, 58, 67, 163, 463, 608, 87, 108, 1378]
    np.testing.assert_array_equal(median_of_row(signal, 9, mode="constant"),
                                  [58, 67, 87, 108, 163, 108, 108, 108, 87])
