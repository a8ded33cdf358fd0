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
"""

from __future__ import annotations

import os
import string
from functools import lru_cache

import numpy as np

from .._validate import _describe, check_number

__all__ = ["GLYPH_CHARACTERS", "GLYPH_FONTS", "glyph_images"]

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

_RENDER_SIZE = 64  # pixels per em when drawing, before shrinking to the 20x20 box


def _font_path(name: str) -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)


def _mnist_like(ink: np.ndarray, size: int) -> np.ndarray:
    """A glyph's ink (float, any size) as MNIST prepared digits: fit into a box of 20/28 of
    ``size`` keeping the aspect ratio, then centre of mass at the image centre."""
    from PIL import Image

    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    box = round(size * 20 / 28)
    scale = box / max(ink.shape)
    height, width = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    small = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize((width, height), Image.LANCZOS),
                       dtype=np.float64).clip(0, 255)
    mass_row, mass_col = (np.indices(small.shape) * small).reshape(2, -1).sum(1) / small.sum()
    top = int(np.clip(round(size / 2 - mass_row), 0, size - height))
    left = int(np.clip(round(size / 2 - mass_col), 0, size - width))
    image = np.zeros((size, size))
    image[top:top + height, left:left + width] = small
    return image.astype(np.uint8)


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
                images.append(_mnist_like(np.asarray(picture, dtype=np.float64) / 255, size))
                labels.append(label)
    images = np.stack(images) if images else np.zeros((0, size, size), dtype=np.uint8)
    return images, np.array(labels, dtype=np.int64)


@lru_cache(maxsize=None)
def _code_points(path: str) -> frozenset:
    """The characters a font file draws."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


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
