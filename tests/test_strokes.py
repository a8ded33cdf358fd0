"""cvcourse.data.strokes: random pen-stroke characters as MNIST-like images (chapter 18)."""

import numpy as np
import pytest
from scipy import ndimage

from cvcourse.data import stroke_images


def test_shapes_labels_and_determinism():
    images, labels = stroke_images(classes=6, per_class=3, seed=4)
    assert images.shape == (18, 28, 28) and images.dtype == np.uint8
    assert labels.tolist() == [c for c in range(6) for _ in range(3)] and labels.dtype == np.int64
    again, _ = stroke_images(classes=6, per_class=3, seed=4)
    np.testing.assert_array_equal(images, again)
    other, _ = stroke_images(classes=6, per_class=3, seed=5)
    assert np.abs(other.astype(int) - images).sum() > 0.3 * images.sum()
    assert stroke_images(classes=4, per_class=2, size=16)[0].shape == (8, 16, 16)


@pytest.mark.parametrize("seed, size", [(0, 28), (1, 28), (2, 28), (3, 40)])
def test_images_are_mnist_like(seed, size):
    images, _ = stroke_images(classes=30, per_class=4, seed=seed, size=size)
    box = round(size * 20 / 28)
    centre = size / 2
    for image in images:
        mass = np.array(ndimage.center_of_mass(image.astype(float)))
        rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
        # the centre of mass is at the centre, to half a pixel, unless the one-pixel clear border stopped
        # the shift: then the ink touches row or column 1 (or size - 2) on the side it was moving towards
        for offset, inked in zip(mass - centre, (rows, cols)):
            stopped = (offset > 0 and inked[0] == 1) or (offset < 0 and inked[-1] == size - 2)
            assert abs(offset) <= 0.5 + 1e-9 or stopped
        assert box - 1 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= box + 2  # the box, and faint edge pixels
        assert image.max() >= 200  # white on black
        assert image[0].max() == image[-1].max() == image[:, 0].max() == image[:, -1].max() == 0  # border clear
        assert 0.05 < (image > 0).mean() < 0.6  # ink, but not a blob


def test_jitter_spreads_the_drawings_of_a_class():
    def spread(jitter):
        images, _ = stroke_images(classes=20, per_class=4, jitter=jitter, seed=6)
        drawings = images.reshape(20, 4, -1).astype(float)
        return np.abs(drawings - drawings.mean(axis=1, keepdims=True)).mean()
    assert spread(0.0) < spread(0.04) < spread(0.2)


def test_drawings_of_a_class_are_alike_and_classes_differ():
    images, labels = stroke_images(classes=40, per_class=4, jitter=0.04, seed=2)
    flat = images.reshape(len(images), -1).astype(float)
    distances = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    same_class_nearest = labels[distances.argmin(1)] == labels
    assert same_class_nearest.mean() > 0.8  # a drawing's nearest neighbour is mostly its own class
    still, _ = stroke_images(classes=3, per_class=2, jitter=0.0, seed=2)
    assert np.abs(still[0].astype(int) - still[1]).sum() > 0  # pen width and slant still vary


def test_cache_returns_copies():
    images, labels = stroke_images(classes=2, per_class=2)
    images[:], labels[:] = 0, 5
    again, again_labels = stroke_images(classes=2, per_class=2)
    assert again.max() > 0 and again_labels.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("kwargs, error", [
    (dict(classes=0), ValueError), (dict(classes=2.5), TypeError), (dict(per_class=0), ValueError),
    (dict(jitter=-0.1), ValueError), (dict(jitter=float("nan")), ValueError), (dict(jitter=1.5), ValueError), (dict(size=4), ValueError),
    (dict(seed=-1), ValueError), (dict(classes="3"), TypeError),
])
def test_bad_arguments_are_named(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        stroke_images(**kwargs)
