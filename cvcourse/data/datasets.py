"""Fixed train/test splits of the offline digits, as NumPy arrays and as PyTorch Datasets.

Two data sets ship offline (see :mod:`cvcourse.data`): the MNIST subset (5,000 digits,
28x28, 500 per class) and scikit-learn's 8x8 digits (1,797). Both are split once, the
same way everywhere in the course, so that the NumPy network of chapter 09 and the
PyTorch networks of chapter 10 onwards are scored on the same test images:

- **MNIST subset**: 100 test images per class (1,000 in all) and 400 training images per
  class (4,000), drawn at random within each class with seed :data:`SPLIT_SEED`.
- **8x8 digits**: 20% of each class (rounded) for testing, 359 images; 1,438 for training;
  same seed.

The split is stratified (every class has the same share in both parts), and each part comes
in a fixed random order: the source data sets are sorted by class, so without it a slice such
as ``images[:1000]`` would hold only a few classes. ``mnist_arrays`` and ``digits_arrays`` give NumPy
arrays; ``MNISTSubset`` and ``Digits`` wrap the same arrays as ``torch.utils.data.Dataset``
objects returning ``(image, label)`` with the image a float32 tensor of shape
``(1, H, W)`` in [0, 1]. (This module imports PyTorch.)
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from .._validate import as_array, check_choice, check_ndim, check_not_empty, check_number, random_generator
from . import digits, mnist_subset

__all__ = [
    "SPLIT_SEED",
    "stratified_split",
    "mnist_arrays",
    "digits_arrays",
    "MNISTSubset",
    "Digits",
]

#: Seed of the course's fixed train/test splits.
SPLIT_SEED = 0

_SPLITS = ("train", "test")


def stratified_split(labels, test_fraction, seed=SPLIT_SEED):
    """Indices of a stratified train/test split: the same share of every class in the test part.

    Within each class, ``round(test_fraction * count)`` examples are drawn at random
    (NumPy's ``default_rng(seed)``, classes in increasing order) for the test part; then
    each part is shuffled with the same generator, so that any leading slice of it holds
    every class in about equal shares.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
    test_fraction : float
        In (0, 1).
    seed : int

    Returns
    -------
    train, test : numpy.ndarray of int
        Indices into ``labels``, in a fixed random order.

    Examples
    --------
    >>> train, test = stratified_split(np.repeat([0, 1], 10), 0.2)
    >>> len(train), len(test), np.bincount(np.repeat([0, 1], 10)[test]).tolist()
    (16, 4, [2, 2])
    """
    labels = as_array(labels, "labels")
    check_ndim(labels, 1, "labels", "one class label per example")
    check_not_empty(labels, "labels")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class labels; got dtype {labels.dtype}.")
    test_fraction = check_number(test_fraction, "test_fraction", low=0, high=1,
                                 low_inclusive=False, high_inclusive=False)
    rng = random_generator(seed)
    test = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = int(round(test_fraction * len(members)))
        test.append(rng.permutation(members)[:count])
    test = np.concatenate(test)
    train = np.setdiff1d(np.arange(len(labels)), test)
    return rng.permutation(train), rng.permutation(test)


def _pick(images, labels, split, test_fraction):
    check_choice(split, "split", _SPLITS)
    train, test = stratified_split(labels, test_fraction)
    chosen = train if split == "train" else test
    return images[chosen], labels[chosen]


def mnist_arrays(split="train"):
    """The course's train or test part of the MNIST subset, as NumPy arrays.

    Parameters
    ----------
    split : {"train", "test"}
        4,000 training images (400 per class) or 1,000 test images (100 per class).

    Returns
    -------
    images : numpy.ndarray of uint8, shape (4000 or 1000, 28, 28)
    labels : numpy.ndarray of int64

    Examples
    --------
    >>> images, labels = mnist_arrays("test")
    >>> images.shape, np.bincount(labels).tolist() == [100] * 10
    ((1000, 28, 28), True)
    """
    images, labels = mnist_subset()
    return _pick(images, labels, split, 0.2)


def digits_arrays(split="train"):
    """The course's train or test part of scikit-learn's 8x8 digits, as NumPy arrays.

    Parameters
    ----------
    split : {"train", "test"}
        1,438 training or 359 test images (20% of each class).

    Returns
    -------
    images : numpy.ndarray of float64, shape (1438 or 359, 8, 8)
        Levels 0-16, as scikit-learn gives them.
    labels : numpy.ndarray of int64

    Examples
    --------
    >>> images, labels = digits_arrays("test")
    >>> images.shape
    (359, 8, 8)
    """
    images, labels = digits()
    return _pick(images, labels, split, 0.2)


class _DigitImages(Dataset):
    """A map-style Dataset over digit images: scaled to [0, 1], with one channel axis.

    The whole split is converted to a tensor once; ``__getitem__`` only indexes it.
    """

    #: The largest pixel level of the source images (mapped to 1.0).
    maximum = 1.0

    def __init__(self, images, labels, split, transform=None):
        self.split = split
        self.images = torch.as_tensor(np.asarray(images, np.float32) / self.maximum).unsqueeze(1)
        self.labels = torch.as_tensor(labels)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]

    def __repr__(self):
        return (f"{type(self).__name__}(split={self.split!r}: {len(self)} images of shape "
                f"{tuple(self.images.shape[1:])})")


class MNISTSubset(_DigitImages):
    """The course's split of the MNIST subset as a PyTorch ``Dataset``.

    Parameters
    ----------
    split : {"train", "test"}
        4,000 or 1,000 images, as :func:`mnist_arrays`.
    transform : callable, optional
        Applied to each image tensor (e.g. a torchvision transform).

    Items are ``(image, label)``: a float32 tensor of shape (1, 28, 28) in [0, 1] and
    an int64 label. ``dataset.images`` and ``dataset.labels`` hold all of them.

    Examples
    --------
    >>> dataset = MNISTSubset("test")
    >>> image, label = dataset[0]
    >>> len(dataset), tuple(image.shape), image.dtype
    (1000, (1, 28, 28), torch.float32)
    """

    maximum = 255.0

    def __init__(self, split="train", transform=None):
        super().__init__(*mnist_arrays(split), split, transform)


class Digits(_DigitImages):
    """The course's split of scikit-learn's 8x8 digits as a PyTorch ``Dataset``.

    Parameters
    ----------
    split : {"train", "test"}
        1,438 or 359 images, as :func:`digits_arrays`.
    transform : callable, optional
        Applied to each image tensor.

    Items are ``(image, label)``: a float32 tensor of shape (1, 8, 8) in [0, 1]
    (levels 0-16 divided by 16) and an int64 label.

    Examples
    --------
    >>> len(Digits("train")), tuple(Digits("test")[0][0].shape)
    (1438, (1, 8, 8))
    """

    maximum = 16.0

    def __init__(self, split="train", transform=None):
        super().__init__(*digits_arrays(split), split, transform)
