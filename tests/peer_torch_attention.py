"""PyTorch's own known-answer cases for grid_sample (test/test_nn.py, ``test_grid_sample``: "test
known input on CPU"), carried over as our own tests of :mod:`cvcourse.attention`.

The input is 1..10 in a 2x5 image and the grid mixes points inside, on the edges, far outside
(y = -4.1) and just off the centre line (1e-6), for every mode, padding and ``align_corners``.
The course does not offer reflection padding or bicubic sampling: those cases are skipped.
"""

import numpy as np
import pytest

from cvcourse.attention import affine_grid, grid_sample

INPUT = np.arange(1.0, 11).reshape(1, 1, 2, 5)
GRID = np.array([[[-0.9, -4.1], [0, 0.2000], [1, -1], [-0.333, 1e-6], [0.5, 1.0]],
                 [[-1.0, -0.5], [0, 0.3333], [1, -1], [-0.200, 1e-6], [1.5, 0.5]]]).reshape(1, 2, 5, 2)

# (mode, padding_mode, align_corners): the expected 2x5 output, as PyTorch's test lists it
GROUND_TRUTH = {
    ("bilinear", "zeros", True): [[0.0000, 6.0000000000, 5.0000, 4.8340, 9.0000],
                                  [2.2500, 6.3332500450, 5.0000, 5.1000, 0.0000]],
    ("bilinear", "zeros", False): [[0.0000, 6.5000000000, 1.2500, 4.6675000191, 4.6250],
                                   [0.5000, 7.1665000916, 1.2500, 5.0000000000, 0.0000]],
    ("bilinear", "border", True): [[1.2000, 6.0000000000, 5.0000, 4.8340, 9.0000],
                                   [2.2500, 6.3332500450, 5.0000, 5.1000, 8.7500]],
    ("bilinear", "border", False): [[1.0000, 6.5000000000, 5.0000, 4.6675000191, 9.2500],
                                    [1.0000, 7.1665000916, 5.0000, 5.0000000000, 10.0000]],
    ("nearest", "zeros", True): [[0., 8., 5., 7., 9.], [1., 8., 5., 8., 0.]],
    ("nearest", "zeros", False): [[0., 8., 5., 7., 0.], [1., 8., 5., 8., 0.]],
    ("nearest", "border", True): [[1., 8., 5., 7., 9.], [1., 8., 5., 8., 10.]],
    ("nearest", "border", False): [[1., 8., 5., 7., 9.], [1., 8., 5., 8., 10.]],
}


@pytest.mark.parametrize("case", sorted(GROUND_TRUTH), ids=lambda case: "-".join(map(str, case)))
def test_known_input(case):
    mode, padding_mode, align_corners = case
    got = grid_sample(INPUT, GRID, mode, padding_mode, align_corners)
    np.testing.assert_allclose(got[0, 0], GROUND_TRUTH[case], atol=1e-5, rtol=0)


@pytest.mark.parametrize("option", ["padding_mode='reflection'", "mode='bicubic'"])
def test_not_offered(option):
    pytest.skip(f"{option}: the course's sampler offers bilinear and nearest sampling with zeros or border "
                "padding only (what a spatial transformer needs); PyTorch's test covers more.")


def test_known_input_float32():
    """PyTorch also checks its float32 kernel against the same answers."""
    got = grid_sample(INPUT.astype(np.float32), GRID.astype(np.float32), "bilinear", "border", False)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[0, 0], GROUND_TRUTH[("bilinear", "border", False)], atol=1e-5, rtol=0)


def test_unit_size_grid_is_centred():
    """Since PyTorch 1.3 a size-1 axis of affine_grid lies at 0 for both align_corners
    settings (its test_affine_grid's note on unit-size grids)."""
    theta = np.array([[[1.0, 0, 0], [0, 1.0, 0]]])
    for align_corners in (True, False):
        np.testing.assert_array_equal(affine_grid(theta, (1, 1, 1, 1), align_corners), np.zeros((1, 1, 1, 2)))
