"""cvcourse.data loads everything offline; cvcourse.device picks a usable device."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from cvcourse import data, device


@pytest.mark.parametrize("info", data.list_images(), ids=lambda info: info.name)
def test_every_listed_image_loads(info):
    image = data.load_image(info.name)
    assert image.ndim in (2, 3) and min(image.shape[:2]) >= 100
    assert info.description and info.source
    image[...] = 0  # a fresh copy: the cache is untouched
    assert data.load_image(info.name).any()


def test_unknown_image_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown image 'lena'.*astronaut"):
        data.load_image("lena")


def test_mnist_subset():
    images, labels = data.mnist_subset()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.max() == 255 and images[:, 0, 0].max() == 0  # white digits on black


def test_digits():
    images, labels = data.digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert set(np.unique(labels)) == set(range(10))


def test_device_is_usable():
    dev = device()
    assert dev.type in {"cuda", "mps", "cpu"}
    assert (torch.ones(2, device=dev) * 2).sum().item() == 4
    assert device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.warns(UserWarning, match="not available"):
            assert device("cuda").type == "cpu"
    with pytest.raises(ValueError, match="prefer must be one of"):
        device("tpu")
