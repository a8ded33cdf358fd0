"""scikit-image's own test cases for ``optical_flow_ilk``, carried over to the course's dense
Lucas-Kanade (``skimage/registration/tests/test_ilk.py``).

scikit-image's flow is ``(row, column)``; the course's is ``(u, v)`` = (column, row).
"""

import numpy as np
import pytest
from skimage.transform import warp

from cvcourse import motion


def _sinusoid_flow(image0, max_motion=4.5, peaks=5):
    """A vertical flow that swings as a sinusoid down the image, and image0 moved by it."""
    grid = np.meshgrid(*[np.arange(n) for n in image0.shape], indexing="ij")
    truth = np.zeros((2,) + image0.shape)
    truth[0] = max_motion * np.sin(grid[0] / grid[0].max() * peaks * np.pi)
    return truth, warp(image0, np.array(grid) - truth, mode="edge")


def test_2d_motion_within_half_a_pixel():
    image0 = np.random.RandomState(0).normal(size=(256, 256))
    truth, image1 = _sinusoid_flow(image0)
    flow = motion.lucas_kanade_dense(image0, image1, window=15, iterations=5, levels=3)
    as_rows_cols = np.stack([flow[..., 1], flow[..., 0]])
    assert np.abs(as_rows_cols - truth).mean() < 0.5


def test_no_motion_gives_exactly_zero_flow():
    image = np.random.RandomState(0).normal(size=(256, 256))
    assert np.all(motion.lucas_kanade_dense(image, image, iterations=3, levels=2) == 0)


def test_incompatible_shapes():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError):
        motion.lucas_kanade_dense(rng.normal(size=(256, 256)), rng.normal(size=(255, 256)))


@pytest.mark.skip(reason="the course's flow works on 2-D frames only (test_3d_motion, test_no_motion_3d)")
def test_3d_motion():
    """Volumes (3-D motion) are not offered."""


@pytest.mark.skip(reason="the course always computes in float64 (test_optical_flow_dtype, test_wrong_dtype)")
def test_optical_flow_dtype():
    """No dtype argument."""
