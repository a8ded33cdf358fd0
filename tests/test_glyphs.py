"""cvcourse.data.glyphs: MNIST-like renderings of letters and symbols (chapter 18)."""

import numpy as np
import pytest
from scipy import ndimage

from cvcourse.data.glyphs import GLYPH_CHARACTERS, GLYPH_FONTS, glyph_images


def test_no_digit_and_no_repeat_among_the_classes():
    assert not any(c.isdigit() for c in GLYPH_CHARACTERS)
    assert len(set(GLYPH_CHARACTERS)) == len(GLYPH_CHARACTERS) >= 90


def test_images_are_mnist_like():
    images, labels = glyph_images("AgΩ&", fonts=GLYPH_FONTS[::4], strokes=(0, 2))
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
    assert np.bincount(labels).tolist() == [8, 8, 8, 8]  # 4 fonts x 2 strokes, every font draws these
    for image in images:
        rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21  # fits the 20x20 box (rounding)
        assert np.allclose(ndimage.center_of_mass(image.astype(float)), (14, 14), atol=0.6)
        assert image.max() >= 250 and image[0].max() == image[-1].max() == 0  # white on black, border clear


def test_wider_strokes_add_ink_and_classes_differ():
    images, labels = glyph_images("HT", fonts=GLYPH_FONTS[:1], strokes=(0, 4))
    assert labels.tolist() == [0, 0, 1, 1]
    assert images[1].sum() > 1.2 * images[0].sum()
    assert np.abs(images[0].astype(int) - images[2]).sum() > 0.3 * images[0].sum()


def test_default_set_and_cache_return_copies():
    images, labels = glyph_images()
    assert len(np.unique(labels)) == len(GLYPH_CHARACTERS)
    assert len(images) >= 0.9 * len(GLYPH_CHARACTERS) * len(GLYPH_FONTS) * 2
    images[:] = 0
    assert glyph_images()[0].max() == 255


@pytest.mark.parametrize("kwargs, error", [
    (dict(characters="A5"), ValueError), (dict(characters="AA"), ValueError), (dict(characters=""), TypeError),
    (dict(characters=["A"]), TypeError), (dict(fonts="DejaVuSans.ttf"), TypeError),
    (dict(fonts=["nofont.ttf"]), ValueError), (dict(strokes=(-1,)), ValueError), (dict(strokes=()), TypeError),
    (dict(size=4), ValueError),
])
def test_bad_arguments_are_named(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        glyph_images(**kwargs)
