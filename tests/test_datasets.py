"""cvcourse.data.datasets: the fixed, stratified splits, as arrays and as PyTorch Datasets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from cvcourse import data
from cvcourse.data import datasets
from torch.utils.data import DataLoader


def test_mnist_split_is_stratified_disjoint_and_complete():
    images, labels = data.mnist_subset()
    train, test = datasets.stratified_split(labels, 0.2)
    assert len(train) == 4000 and len(test) == 1000
    assert not set(train) & set(test) and len(set(train) | set(test)) == 5000
    assert np.bincount(labels[test]).tolist() == [100] * 10
    train_images, train_labels = datasets.mnist_arrays("train")
    test_images, test_labels = datasets.mnist_arrays("test")
    np.testing.assert_array_equal(train_images, images[train])
    np.testing.assert_array_equal(test_labels, labels[test])
    assert train_images.dtype == np.uint8 and np.bincount(train_labels).tolist() == [400] * 10
    # In a random order, so that a leading slice holds every class (the source is sorted).
    assert set(train_labels[:100]) == set(test_labels[:100]) == set(range(10))


def test_split_is_fixed():
    # Every call gives the same split (the accuracies the course reports depend on it);
    # another seed gives another.
    _, labels = data.mnist_subset()
    first, again = datasets.stratified_split(labels, 0.2), datasets.stratified_split(labels, 0.2)
    np.testing.assert_array_equal(first[1], again[1])
    other = datasets.stratified_split(labels, 0.2, seed=1)[1]
    assert not np.array_equal(first[1], other)


def test_digits_split():
    images, labels = data.digits()
    train_images, train_labels = datasets.digits_arrays("train")
    test_images, test_labels = datasets.digits_arrays("test")
    assert len(train_labels) + len(test_labels) == 1797
    expected = np.round(np.bincount(labels) * 0.2).astype(int)
    np.testing.assert_array_equal(np.bincount(test_labels), expected)
    assert test_images.shape[1:] == (8, 8)


@pytest.mark.parametrize("cls, split, size, side, maximum", [
    (datasets.MNISTSubset, "train", 4000, 28, 255.0),
    (datasets.MNISTSubset, "test", 1000, 28, 255.0),
    (datasets.Digits, "test", 359, 8, 16.0),
])
def test_torch_datasets_hold_the_same_split(cls, split, size, side, maximum):
    dataset = cls(split)
    assert isinstance(dataset, torch.utils.data.Dataset) and len(dataset) == size
    image, label = dataset[0]
    assert image.shape == (1, side, side) and image.dtype == torch.float32
    assert label.dtype == torch.int64
    arrays = datasets.mnist_arrays(split) if cls is datasets.MNISTSubset else datasets.digits_arrays(split)
    np.testing.assert_allclose(dataset.images[:, 0].numpy(), arrays[0] / maximum, rtol=1e-6)
    np.testing.assert_array_equal(dataset.labels.numpy(), arrays[1])
    assert 0.0 <= dataset.images.min() and dataset.images.max() == 1.0
    batch_images, batch_labels = next(iter(DataLoader(dataset, batch_size=7)))
    assert batch_images.shape == (7, 1, side, side) and batch_labels.shape == (7,)
    assert split in repr(dataset)


def test_transform_is_applied_to_each_image():
    dataset = datasets.Digits("train", transform=lambda image: image * 0 - 1)
    assert dataset[3][0].min() == -1


def test_bad_split():
    with pytest.raises(ValueError, match="split must be one of 'train', 'test'"):
        datasets.mnist_arrays("validation")
    with pytest.raises(ValueError, match="split must be one of"):
        datasets.Digits("all")
    with pytest.raises(ValueError, match="test_fraction must lie in"):
        datasets.stratified_split(np.zeros(10, int), 1.0)
