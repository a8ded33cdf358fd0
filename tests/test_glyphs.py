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


def test_font_characters_are_many_distinct_and_never_digits():
    import unicodedata

    from cvcourse.data.glyphs import _DIGIT_SIMILARITY, _LOOK_ALIKE, _rendered, _shapes, font_characters

    characters = font_characters()
    assert len(characters) >= 1000 and len(set(characters)) == len(characters)
    assert not set(characters) & (set(GLYPH_CHARACTERS) | _LOOK_ALIKE)
    assert not any(c.isnumeric() or "DIGIT" in unicodedata.name(c) for c in characters)
    assert "а" not in characters and "з" not in characters  # Cyrillic a repeats Latin a; ze looks like a 3
    images, labels = _rendered(characters, (GLYPH_FONTS[0],), (0,), 28)
    assert labels.tolist() == list(range(len(characters)))  # every kept character has ink
    shapes = _shapes(images)
    similar = shapes @ shapes.T
    np.fill_diagonal(similar, 0)
    assert similar.max() < 0.9  # no two count as one shape
    known, _ = _rendered(GLYPH_CHARACTERS, (GLYPH_FONTS[0],), (0,), 28)
    assert (shapes @ _shapes(known).T).max() < 0.9
    digits, _ = _rendered("0123456789", (GLYPH_FONTS[0],), (0,), 28)
    assert (shapes @ _shapes(digits).T).max() < _DIGIT_SIMILARITY
    assert font_characters() == characters  # deterministic
    assert len(font_characters(similarity=0.8)) < len(characters)


@pytest.mark.parametrize("kwargs, error", [
    (dict(font="nofont.ttf"), ValueError), (dict(font=None), TypeError),
    (dict(similarity=0), ValueError), (dict(similarity=1.5), ValueError),
])
def test_font_characters_bad_arguments_are_named(kwargs, error):
    from cvcourse.data.glyphs import font_characters

    with pytest.raises(error, match=next(iter(kwargs))):
        font_characters(**kwargs)


def test_an_inkless_character_is_skipped():
    images, labels = glyph_images("A\u00a0B", fonts=GLYPH_FONTS[:1], strokes=(0,))  # a no-break space between
    assert labels.tolist() == [0, 2]
