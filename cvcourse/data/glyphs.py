"""Letters and symbols drawn from the fonts that ship with matplotlib, as MNIST-like images
(chapter 18's many training classes for one-shot learning).

Few-shot recognition of new classes generalises from the *number* of classes seen in
training (Omniglot, Lake et al. 2015, has 1,623 characters), and no such data set ships in a
Python package. matplotlib's fonts give the next best thing: every character (letters, Greek
letters, symbols; never a digit) is a class, and its renderings in the different fonts, with
strokes of different widths, are its examples, as the hands of different writers would be.
Each glyph is prepared the way MNIST prepared its digits (LeCun et al. 1998): white on black,
scaled to fit a 20x20 box with its aspect ratio kept, and placed in a 28x28 image with its
centre of mass at the centre. Everything is rendered once and cached; augment the batches
(e.g. with :func:`cvcourse.metric_learning.random_affine`) for more variety.

:data:`GLYPH_CHARACTERS` holds 99 Latin and Greek letters and symbols;
:func:`font_characters` finds about 1,100 more, one per distinct shape, among the letters and
symbols of every script DejaVu Sans draws (Canadian syllabics, phonetic Latin letters,
Cyrillic, Georgian, Arabic, Armenian, Lao, Tifinagh, Hebrew and N'Ko letters, arrows,
mathematical symbols and more), leaving out those whose shape is close to a typeset digit's.
(That filter applies to these new characters only: a few of the 99, such as "B", "g", "δ" and
"s", are as close to a digit.)
"""

from __future__ import annotations

import os
import string
from functools import lru_cache

import numpy as np

from .._validate import _describe, check_number

__all__ = ["GLYPH_CHARACTERS", "GLYPH_FONTS", "font_characters", "glyph_images"]

# Upper-case letters whose shape is their lower-case letter's, scaled (after size
# normalisation they would be two classes with one appearance), and "l", which is "I" in
# sans-serif fonts: left out. A few near look-alikes remain (P and p, Ψ and ψ, ρ and p).
_LOOK_ALIKE = set("COSVWXZ") | {"l"}
_GREEK = "ΓΔΘΛΞΠΣΦΨΩαβγδεζηθλμξπρστφχψω"  # the Greek letters that differ from Latin ones
_SYMBOLS = "&@#%?!+=<>*§¶{}[]()/\\~^£€¥"
#: The characters :func:`glyph_images` draws by default: Latin and Greek letters and symbols.
#: No digit is among them: the chapter tests recognition of digits the network never saw.
GLYPH_CHARACTERS = ("".join(c for c in string.ascii_uppercase + string.ascii_lowercase if c not in _LOOK_ALIKE)
                    + _GREEK + _SYMBOLS)
#: 16 of matplotlib's fonts (DejaVu Sans, Sans Mono and Serif in four styles each, STIX General
#: in four), file names under ``matplotlib.get_data_path()/fonts/ttf``.
GLYPH_FONTS = tuple(f"{family}{style}.ttf" for family, styles in [
    ("DejaVuSans", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("DejaVuSansMono", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("DejaVuSerif", ("", "-Bold", "-Italic", "-BoldItalic")),
    ("STIXGeneral", ("", "Bol", "Italic", "BolIta")),
] for style in styles)

#: A character whose Unicode name contains one of these words is left out of
#: :func:`font_characters`. They catch numbers in any script, the digits' names, the Zhuang
#: "tone" letters (drawn as 2, 5 and 6), superscript, subscript and modifier forms, combining
#: marks, and box-drawing, block, shade and Braille patterns; being words, they also catch some
#: innocent characters (an Arabic letter "with three dots above", a ballot box), which costs
#: nothing but a class.
_EXCLUDED_NAME_WORDS = frozenset({
    "DIGIT", "NUMERAL", "NUMBER", "FRACTION", "ROMAN", "TONE", "SUPERSCRIPT", "SUBSCRIPT", "MODIFIER", "COMBINING",
    "BOX", "BLOCK", "SHADE", "BRAILLE",
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN",
})
#: A character whose rendering is at least this similar (cosine) to a digit's is left out.
_DIGIT_SIMILARITY = 0.8
_RENDER_SIZE = 64  # pixels per em when drawing, before shrinking to the 20x20 box


def _font_path(name: str) -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)


def _mnist_like(picture, box: tuple, size: int) -> np.ndarray:
    """A glyph's picture (a PIL "L" image) as MNIST prepared digits: its ink (inside ``box``,
    PIL's bounding box) fitted into a box of 20/28 of ``size`` keeping the aspect ratio, then
    its centre of mass at the image centre."""
    from PIL import Image

    ink = picture.crop(box)
    scale = round(size * 20 / 28) / max(ink.size)
    width, height = max(1, round(ink.width * scale)), max(1, round(ink.height * scale))
    small = np.asarray(ink.resize((width, height), Image.LANCZOS))
    total = float(small.sum(dtype=np.float64))
    mass_row = small.sum(axis=1, dtype=np.float64) @ np.arange(height) / total
    mass_col = small.sum(axis=0, dtype=np.float64) @ np.arange(width) / total
    top = min(max(int(round(size / 2 - mass_row)), 0), size - height)
    left = min(max(int(round(size / 2 - mass_col)), 0), size - width)
    image = np.zeros((size, size), dtype=np.uint8)
    image[top:top + height, left:left + width] = small
    return image


@lru_cache(maxsize=4)
def _rendered(characters: str, fonts: tuple, strokes: tuple, size: int):
    from PIL import Image, ImageDraw, ImageFont

    images, labels = [], []
    canvas = 2 * _RENDER_SIZE
    for font_name in fonts:
        font = ImageFont.truetype(_font_path(font_name), _RENDER_SIZE)
        for label, character in enumerate(characters):
            if ord(character) not in _code_points(font.path):
                continue  # the font would draw its "missing glyph" box
            for stroke in strokes:
                picture = Image.new("L", (canvas, canvas))
                ImageDraw.Draw(picture).text((canvas / 2, canvas / 2), character, fill=255, font=font,
                                             anchor="mm", stroke_width=stroke, stroke_fill=255)
                box = picture.getbbox()
                if box is None:
                    continue  # no ink (a space or a format character): nothing to learn from
                images.append(_mnist_like(picture, box, size))
                labels.append(label)
    images = np.stack(images) if images else np.zeros((0, size, size), dtype=np.uint8)
    return images, np.array(labels, dtype=np.int64)


@lru_cache(maxsize=None)
def _code_points(path: str) -> frozenset:
    """The characters a font file draws."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def _shapes(images: np.ndarray) -> np.ndarray:
    """Images (N, H, W), blurred by a Gaussian of sigma 1 pixel (so that stroke width and
    one-pixel offsets matter little), as rows of length 1: their products are cosine
    similarities."""
    from ..filters import gaussian_blur

    rows = np.stack([gaussian_blur(image.astype(np.float32), 1.0) for image in images]).reshape(len(images), -1)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def font_characters(font: str = GLYPH_FONTS[0], similarity: float = 0.9) -> str:
    """The letters and symbols of every script a font draws, one per distinct shape: many more
    classes for :func:`glyph_images` than :data:`GLYPH_CHARACTERS` (about 1,100 from DejaVu Sans).

    A character is a candidate if it is a Unicode letter or symbol (general category L or S)
    that the font maps, it is not numeric, it has no decomposition (accented letters and
    compatibility forms repeat their base letter), its name contains none of the words DIGIT,
    NUMERAL, NUMBER, FRACTION, ROMAN, TONE (Zhuang tone letters are drawn as 2, 5 and 6),
    SUPERSCRIPT, SUBSCRIPT, MODIFIER, COMBINING, BOX, BLOCK, SHADE, BRAILLE and ZERO to TEN,
    and it is neither in :data:`GLYPH_CHARACTERS` nor one of the upper-case letters left out
    of it. Each candidate is drawn in ``font`` as :func:`glyph_images` draws it (one without
    ink is dropped) and compared by shape: the cosine similarity of the two images, each
    blurred by a Gaussian of sigma 1 pixel so that stroke width and one-pixel offsets matter
    little. A candidate is dropped if it is at least 0.8 similar to one of the
    digits 0-9 drawn in the font (only typeset digits are compared, never handwritten ones), or
    at least ``similarity`` to a character of :data:`GLYPH_CHARACTERS` or to a candidate kept
    before it, in code-point order. So Cyrillic "а" goes (it repeats Latin "a"), and so does
    Cyrillic "з", which looks like a 3; Cyrillic "Ж" stays. The digit filter applies to these
    characters only, not to :data:`GLYPH_CHARACTERS` (whose "B", "g", "δ" and "s" are as close
    to a digit), and compares the drawings in ``font`` only (not in other styles or widths).

    Parameters
    ----------
    font : str
        A font file in matplotlib's ``fonts/ttf`` folder (see :data:`GLYPH_FONTS`).
    similarity : float
        In (0, 1]: the similarity from which two characters count as one shape.

    Returns
    -------
    str
        The characters kept, in code-point order.

    Examples
    --------
    >>> characters = font_characters()
    >>> len(characters) > 1000, "а" in characters, "з" in characters, "Ж" in characters
    (True, False, False, True)
    """
    import unicodedata

    if not isinstance(font, str):
        raise TypeError(f"font must be a font file name, e.g. {GLYPH_FONTS[0]!r}; got {_describe(font)}.")
    if not os.path.isfile(_font_path(font)):
        raise ValueError(f"font must name a file in matplotlib's fonts/ttf folder, e.g. {GLYPH_FONTS[0]!r}; got {font!r}.")
    similarity = check_number(similarity, "similarity", low=0, high=1, low_inclusive=False, finite=True)
    known = set(GLYPH_CHARACTERS) | _LOOK_ALIKE
    candidates = "".join(
        c for c in map(chr, sorted(_code_points(_font_path(font))))
        if c not in known and unicodedata.category(c)[0] in "LS" and not c.isnumeric()
        and not unicodedata.decomposition(c)
        and not _EXCLUDED_NAME_WORDS & set(unicodedata.name(c, "").replace("-", " ").split()))
    images, labels = _rendered(candidates, (font,), (0,), 28)  # characters without ink are skipped
    shapes = _shapes(images)
    digits, _ = _rendered("0123456789", (font,), (0,), 28)
    references, _ = _rendered(GLYPH_CHARACTERS, (font,), (0,), 28)
    like_digit = (shapes @ _shapes(digits).T).max(axis=1) >= _DIGIT_SIMILARITY
    like_known = (shapes @ _shapes(references).T).max(axis=1) >= similarity
    similar = shapes @ shapes.T
    kept = []
    for index in np.flatnonzero(~like_digit & ~like_known):
        if not kept or similar[index, kept].max() < similarity:
            kept.append(index)
    return "".join(candidates[labels[index]] for index in kept)


def glyph_images(characters: str = GLYPH_CHARACTERS, fonts=GLYPH_FONTS, strokes=(0, 1), size: int = 28):
    """Every character in every font and stroke width, as MNIST-like images.

    Parameters
    ----------
    characters : str
        One class per character (a font that lacks a character skips it). Digits are refused.
    fonts : sequence of str
        Font files in matplotlib's ``fonts/ttf`` folder (see :data:`GLYPH_FONTS`).
    strokes : sequence of int
        Pixels added around every stroke's outline at 64 pixels per em (PIL's ``stroke_width``;
        0: the font's own strokes); each gives one image per character and font.
    size : int
        Height and width of the images, >= 8 (28 as MNIST).

    Returns
    -------
    images : numpy.ndarray of uint8, shape (N, size, size)
        White glyphs on black, 0-255.
    labels : numpy.ndarray of int64, shape (N,)
        The index of each image's character in ``characters``.

    Examples
    --------
    >>> images, labels = glyph_images("AB", fonts=GLYPH_FONTS[:2], strokes=(0,))
    >>> images.shape, labels.tolist()
    ((4, 28, 28), [0, 1, 0, 1])
    """
    if not isinstance(characters, str) or not characters:
        raise TypeError(f"characters must be a non-empty string, one class per character; got {_describe(characters)}.")
    if len(set(characters)) != len(characters):
        raise ValueError(f"characters must not repeat a character; got {characters!r}.")
    if any(c.isdigit() for c in characters):
        raise ValueError(f"characters must not hold digits (the chapter's unseen classes); got {characters!r}.")
    if isinstance(fonts, str) or not isinstance(fonts, (tuple, list)) or not fonts:
        raise TypeError(f"fonts must be a non-empty list of font file names; got {_describe(fonts)}.")
    for name in fonts:
        if not isinstance(name, str) or not os.path.isfile(_font_path(name)):
            raise ValueError(f"fonts must name files in matplotlib's fonts/ttf folder, e.g. {GLYPH_FONTS[0]!r}; "
                             f"got {name!r}.")
    if isinstance(strokes, (str, bytes)) or not isinstance(strokes, (tuple, list)) or not strokes:
        raise TypeError(f"strokes must be a non-empty list of stroke widths; got {_describe(strokes)}.")
    strokes = tuple(check_number(s, "strokes", low=0, high=20, integer=True) for s in strokes)
    size = check_number(size, "size", low=8, integer=True)
    images, labels = _rendered(characters, tuple(fonts), strokes, size)
    if len(images) == 0:
        raise ValueError("characters and fonts give no image: none of the fonts draws these characters.")
    return images.copy(), labels.copy()
