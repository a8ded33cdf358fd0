"""Segmentation networks of chapter 15: FCN, U-Net, the Feature Pyramid Network and Mask R-CNN's mask head.

- :class:`FCN`: a fully convolutional network in the style of FCN-8s (Long et al. 2015):
  class scores at three depths, upsampled by transposed convolutions and added.
- :class:`UNet` (Ronneberger et al. 2015): a contracting path, an expanding path of
  transposed convolutions, and skip connections that concatenate the two at every scale.
- :class:`FPN` (Lin et al. 2017): lateral 1x1 convolutions and a top-down pathway over a
  backbone's feature maps; the same layers and parameters as
  ``torchvision.ops.FeaturePyramidNetwork``.
- :class:`MaskHead` (He et al. 2017): Mask R-CNN's mask branch, a small FCN on the RoIAlign
  features of each box, one mask per class; :func:`mask_targets`, :func:`mask_loss` and
  :func:`paste_masks` train it and read it.

Every model is a plain ``torch.nn.Module``; move it with ``model.to(cvcourse.device())``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import roi_align

from .._validate import _describe, check_number
from ._common import ConvNormActivation, check_batch, check_counts, check_sizes

__all__ = ["bilinear_kernel", "double_conv", "FCN", "UNet", "DeepSupervision", "deep_supervision_loss",
           "FPN", "MaskHead", "mask_targets", "mask_loss",
           "paste_masks", "predict_labels",
           "TRAIN_SEED", "TEST_SEED", "train_unet_on_scenes"]


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """Weights (channels, channels, k, k) that make a transposed convolution upsample bilinearly.

    FCN initialises its upsampling layers this way: with stride ``s`` and ``kernel_size = 2 s``
    (padding ``s // 2``, ``s`` even), each input pixel stamps a tent that falls linearly to
    zero at its neighbours, and the overlapping tents add up to bilinear interpolation
    (``F.interpolate(..., mode="bilinear", align_corners=False)``) away from the border.

    Examples
    --------
    >>> bilinear_kernel(1, 4)[0, 0]
    tensor([[0.0625, 0.1875, 0.1875, 0.0625],
            [0.1875, 0.5625, 0.5625, 0.1875],
            [0.1875, 0.5625, 0.5625, 0.1875],
            [0.0625, 0.1875, 0.1875, 0.0625]])
    """
    channels, kernel_size = check_counts(channels=channels, kernel_size=kernel_size)
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    tent = 1 - torch.abs(torch.arange(kernel_size, dtype=torch.float32) - centre) / factor
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = tent[:, None] * tent[None, :]
    return weight


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 convolutions with batch normalisation and ReLU: one stage of a U-Net."""
    in_channels, out_channels = check_counts(in_channels=in_channels, out_channels=out_channels)
    return nn.Sequential(ConvNormActivation(in_channels, out_channels), ConvNormActivation(out_channels, out_channels))


def _check_divisible(x: torch.Tensor, factor: int, network: str) -> None:
    if x.shape[-2] % factor or x.shape[-1] % factor:
        raise ValueError(f"{network} needs images whose height and width are multiples of {factor} "
                         f"(it halves them {factor.bit_length() - 1} times); got {tuple(x.shape[-2:])}. "
                         "Pad or crop the images.")


class FCN(nn.Module):
    """A small FCN-8s-style network: class scores from three depths, upsampled and added.

    The backbone halves the resolution four times (strides 2, 4, 8, 16, where VGG's FCN-8s
    reaches 32). A 1x1 convolution scores the classes on the coarsest map; a transposed
    convolution (initialised to bilinear upsampling) doubles it and adds the scores of the
    stride-8 map, again for the stride-4 map, and a last transposed convolution upsamples
    by 4 to the input's size. The skips bring back the detail the coarse scores lack.

    Parameters
    ----------
    in_channels : int
    num_classes : int
    width : int
        Channels of the first stage; each stage doubles them.

    Examples
    --------
    >>> FCN(3, 4)(torch.zeros(2, 3, 48, 48)).shape
    torch.Size([2, 4, 48, 48])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 4, width: int = 16):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        (width,) = check_counts(width=width)
        self.in_channels = in_channels
        channels = [width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.ModuleList()
        for c_in, c_out in zip([in_channels, *channels[:-1]], channels):
            self.stages.append(nn.Sequential(ConvNormActivation(c_in, c_out), nn.MaxPool2d(2)))
        self.score = nn.ModuleList([nn.Conv2d(c, num_classes, 1) for c in channels[1:]])  # strides 4, 8, 16
        self.up2 = nn.ModuleList([nn.ConvTranspose2d(num_classes, num_classes, 4, 2, 1, bias=False) for _ in range(2)])
        self.up4 = nn.ConvTranspose2d(num_classes, num_classes, 8, 4, 2, bias=False)
        with torch.no_grad():
            for layer in (*self.up2, self.up4):
                layer.weight.copy_(bilinear_kernel(num_classes, layer.kernel_size[0]))

    def forward(self, x):
        check_batch(x, self.in_channels, "FCN")
        _check_divisible(x, 16, "FCN")
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        scores = self.score[2](maps[3])  # stride 16
        scores = self.up2[0](scores) + self.score[1](maps[2])  # stride 8
        scores = self.up2[1](scores) + self.score[0](maps[1])  # stride 4
        return self.up4(scores)


class UNet(nn.Module):
    """U-Net (Ronneberger et al. 2015): contracting path, expanding path, skip connections.

    The contracting path repeats two 3x3 convolutions and 2x2 max pooling ``depth`` times,
    doubling the channels each time; the expanding path doubles the resolution with a 2x2
    transposed convolution of stride 2, concatenates the contracting path's map of the same
    size (the skip connection) and applies two 3x3 convolutions; a 1x1 convolution scores
    the classes at every pixel. Unlike the paper, the convolutions are padded, so the output
    has the input's size and no cropping is needed (the common modern choice), and batch
    normalisation follows each convolution.

    Parameters
    ----------
    in_channels : int
    num_classes : int
    depth : int
        Number of 2x2 poolings; the input's sides must be multiples of ``2**depth``.
    width : int
        Channels of the first stage (64 in the paper).

    Examples
    --------
    >>> UNet(3, 4, depth=3, width=8)(torch.zeros(1, 3, 32, 32)).shape
    torch.Size([1, 4, 32, 32])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 4, depth: int = 3, width: int = 16):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        depth, width = check_counts(depth=depth, width=width)
        self.in_channels, self.depth = in_channels, depth
        channels = [width * 2**level for level in range(depth + 1)]
        self.down = nn.ModuleList([double_conv(c_in, c_out) for c_in, c_out in zip([in_channels, *channels], channels)])
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList([nn.ConvTranspose2d(channels[level + 1], channels[level], 2, stride=2)
                                 for level in reversed(range(depth))])
        self.merge = nn.ModuleList([double_conv(2 * channels[level], channels[level]) for level in reversed(range(depth))])
        self.head = nn.Conv2d(width, num_classes, 1)

    def encode(self, x) -> list:
        """The contracting path's maps, fine to coarse: ``depth + 1`` maps, (N, width * 2**k, H / 2**k, W / 2**k)."""
        check_batch(x, self.in_channels, "UNet")
        _check_divisible(x, 2**self.depth, "UNet")
        maps = []
        for level, stage in enumerate(self.down):
            x = stage(x if level == 0 else self.pool(x))
            maps.append(x)
        return maps

    def levels(self, x) -> list:
        """The bottleneck and every map of the expanding path, coarse to fine: ``depth + 1`` maps.

        Map ``k`` has ``width * 2**(depth - k)`` channels and a ``2**(depth - k)``-th of the
        input's size; the last one is :meth:`features`.
        """
        skips = self.encode(x)
        x = skips.pop()
        maps = [x]
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([skips.pop(), up(x)], dim=1))
            maps.append(x)
        return maps

    def features(self, x):
        """The last map of the expanding path, (N, width, H, W): what the 1x1 head classifies."""
        return self.levels(x)[-1]

    def forward(self, x):
        return self.head(self.features(x))


class DeepSupervision(nn.Module):
    """A U-Net with a side classifier on every coarser level, for training (Lee et al. 2015).

    Deeply supervised training scores the classes at the bottleneck and at every level of the
    expanding path but the finest (which the U-Net's own head scores), each with a 1x1
    convolution of its own, upsamples those scores bilinearly to the input's size and adds
    their losses to the main one (:func:`deep_supervision_loss`).
    The deep layers then get a gradient straight from the labels instead of only through
    the whole expanding path. The side classifiers serve training only: afterwards the
    wrapped ``unet`` is used alone.

    Parameters
    ----------
    unet : UNet
        The side classifiers score as many classes as its head.

    Examples
    --------
    >>> outputs = DeepSupervision(UNet(3, 4, depth=2, width=4))(torch.zeros(1, 3, 16, 16))
    >>> [tuple(scores.shape) for scores in outputs]
    [(1, 4, 16, 16), (1, 4, 16, 16), (1, 4, 16, 16)]
    """

    def __init__(self, unet: UNet):
        super().__init__()
        if not isinstance(unet, UNet):
            raise TypeError(f"unet must be a cvcourse.models.UNet; got {_describe(unet)}.")
        self.unet = unet
        width = unet.head.in_channels
        self.side = nn.ModuleList([nn.Conv2d(width * 2**level, unet.head.out_channels, 1)
                                   for level in reversed(range(1, unet.depth + 1))])

    def forward(self, x):
        """The U-Net's scores, then the side classifiers' coarse to fine, all (N, classes, H, W)."""
        maps = self.unet.levels(x)
        size = x.shape[-2:]
        sides = [F.interpolate(side(level), size=size, mode="bilinear", align_corners=False)
                 for side, level in zip(self.side, maps[:-1])]
        return [self.unet.head(maps[-1]), *sides]


def deep_supervision_loss(outputs, target, side_weight: float = 0.5) -> torch.Tensor:
    """Pixel-wise cross-entropy of the main scores plus ``side_weight`` times each side output's.

    Parameters
    ----------
    outputs : list of torch.Tensor (N, C, H, W)
        :class:`DeepSupervision`'s scores: the main ones first.
    target : torch.Tensor of int64, shape (N, H, W)
    side_weight : float >= 0

    Examples
    --------
    >>> scores = torch.zeros(1, 2, 2, 2)
    >>> round(deep_supervision_loss([scores, scores], torch.zeros(1, 2, 2, dtype=torch.long)).item(), 4)
    1.0397
    """
    side_weight = check_number(side_weight, "side_weight", low=0)
    if not isinstance(outputs, (list, tuple)) or not outputs or not all(
            isinstance(o, torch.Tensor) for o in outputs):
        raise TypeError(f"outputs must be a list of score tensors (N, C, H, W), the main ones first; "
                        f"got {_describe(outputs)}.")
    main, *sides = outputs
    loss = F.cross_entropy(main, target)
    for scores in sides:
        loss = loss + side_weight * F.cross_entropy(scores, target)
    return loss


class FPN(nn.Module):
    """Feature Pyramid Network (Lin et al. 2017): a top-down pathway with lateral connections.

    Given a backbone's maps from fine to coarse (C2, C3, ... in the paper), a 1x1 lateral
    convolution brings each to ``out_channels``; starting from the coarsest, each merged map
    is upsampled 2x (nearest neighbour) and added to the next finer lateral map; a 3x3
    convolution then smooths every merged map. Every output level has ``out_channels`` and
    the resolution of its input: strong semantics at every scale. The layers, their order,
    their parameters and initialisation are those of ``torchvision.ops.FeaturePyramidNetwork``
    (without extra blocks).

    Parameters
    ----------
    in_channels_list : list of int
        Channels of the backbone's maps, fine to coarse.
    out_channels : int

    Examples
    --------
    >>> fpn = FPN([8, 16, 32], 12)
    >>> [tuple(level.shape) for level in fpn([torch.zeros(1, 8, 16, 16), torch.zeros(1, 16, 8, 8),
    ...                                        torch.zeros(1, 32, 4, 4)])]
    [(1, 12, 16, 16), (1, 12, 8, 8), (1, 12, 4, 4)]
    """

    def __init__(self, in_channels_list, out_channels: int):
        super().__init__()
        if not isinstance(in_channels_list, (list, tuple)) or not in_channels_list:
            raise TypeError(f"in_channels_list must be a non-empty list of channel counts; got "
                            f"{_describe(in_channels_list)}.")
        self.in_channels_list = check_counts(**{f"in_channels_list[{k}]": c for k, c in enumerate(in_channels_list)})
        (out_channels,) = check_counts(out_channels=out_channels)
        self.lateral = nn.ModuleList([nn.Conv2d(c, out_channels, 1) for c in self.in_channels_list])
        self.smooth = nn.ModuleList([nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in self.in_channels_list])
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_uniform_(module.weight, a=1)
                nn.init.zeros_(module.bias)

    def forward(self, features):
        """``features``: a list of maps (or a dict, as torchvision takes) fine to coarse; returns the same kind."""
        names = list(features) if isinstance(features, dict) else None
        maps = list(features.values()) if names is not None else features
        if not isinstance(maps, (list, tuple)) or len(maps) != len(self.lateral):
            raise ValueError(f"FPN expects {len(self.lateral)} feature maps (a list or dict), fine to coarse; "
                             f"got {_describe(features)}.")
        for k, (level, channels) in enumerate(zip(maps, self.in_channels_list)):
            check_batch(level, channels, f"FPN level {k}")
        merged = self.lateral[-1](maps[-1])
        outputs = [self.smooth[-1](merged)]
        for k in reversed(range(len(maps) - 1)):
            lateral = self.lateral[k](maps[k])
            merged = lateral + F.interpolate(merged, size=lateral.shape[-2:], mode="nearest")
            outputs.insert(0, self.smooth[k](merged))
        return dict(zip(names, outputs)) if names is not None else outputs


class MaskHead(nn.Module):
    """Mask R-CNN's mask branch (He et al. 2017): a small FCN on each RoI's aligned features.

    ``num_convs`` 3x3 convolutions with ReLU on the (R, C, S, S) RoIAlign features of R boxes,
    a 2x2 transposed convolution of stride 2 with ReLU, and a 1x1 convolution giving one
    (2S x 2S) mask of logits per class: (R, num_classes, 2S, 2S). In the paper S = 14,
    ``width`` = 256 and ``num_convs`` = 4; only the mask of the box's class is used and
    trained (:func:`mask_loss`), so classes do not compete for pixels.

    Examples
    --------
    >>> MaskHead(16, 3, width=8)(torch.zeros(5, 16, 14, 14)).shape
    torch.Size([5, 3, 28, 28])
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = 256, num_convs: int = 4):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        width, num_convs = check_counts(width=width, num_convs=num_convs)
        self.in_channels = in_channels
        layers = []
        for k in range(num_convs):
            layers += [nn.Conv2d(in_channels if k == 0 else width, width, 3, padding=1), nn.ReLU(inplace=True)]
        self.convs = nn.Sequential(*layers)
        self.upsample = nn.Sequential(nn.ConvTranspose2d(width, width, 2, stride=2), nn.ReLU(inplace=True))
        self.predict = nn.Conv2d(width, num_classes, 1)

    def forward(self, x):
        check_batch(x, self.in_channels, "MaskHead")
        return self.predict(self.upsample(self.convs(x)))


def _rois(boxes, name: str = "boxes") -> torch.Tensor:
    """(R, 5) RoIs (batch index, x1, y1, x2, y2) as torchvision's roi_align takes them."""
    if not isinstance(boxes, torch.Tensor) or boxes.ndim != 2 or boxes.shape[1] != 5:
        raise ValueError(f"{name} must be a tensor (R, 5) of (image index, x1, y1, x2, y2); got {_describe(boxes)}.")
    return boxes.float()


def mask_targets(masks, rois, size: int = 28) -> torch.Tensor:
    """The training target of each RoI: its object's mask resampled into the box, (R, size, size).

    Mask R-CNN's targets: RoIAlign of the binary mask over the box (the same sampling as the
    features), thresholded at 0.5.

    Parameters
    ----------
    masks : torch.Tensor, shape (R, H, W)
        The full-image binary mask of each RoI's object.
    rois : torch.Tensor, shape (R, 5)
        (image index, x1, y1, x2, y2); the image index is ignored, mask r goes with RoI r.
    size : int
        Side of the target (the head's output, 2S).

    Examples
    --------
    >>> masks = torch.zeros(1, 8, 8); masks[0, 2:6, 2:6] = 1
    >>> mask_targets(masks, torch.tensor([[0.0, 2, 2, 6, 6]]), size=4).sum().item()
    16.0
    """
    if not isinstance(masks, torch.Tensor):
        raise TypeError(f"masks must be a tensor (R, H, W) of binary masks; got {_describe(masks)}.")
    rois = _rois(rois, "rois")
    if masks.ndim != 3 or len(masks) != len(rois):
        raise ValueError(f"masks must be a tensor (R, H, W) with one mask per RoI ({len(rois)}); got {_describe(masks)}.")
    size = check_number(size, "size", low=1, integer=True)
    own = torch.cat([torch.arange(len(rois), dtype=rois.dtype, device=rois.device)[:, None], rois[:, 1:]], dim=1)
    sampled = roi_align(masks[:, None].float(), own, (size, size), spatial_scale=1.0, sampling_ratio=2, aligned=True)
    return (sampled[:, 0] >= 0.5).float()


def mask_loss(mask_logits, labels, targets) -> torch.Tensor:
    """Mask R-CNN's mask loss: mean binary cross-entropy of each RoI's mask *for its own class*.

    Parameters
    ----------
    mask_logits : torch.Tensor, shape (R, K, M, M)
        :class:`MaskHead`'s output.
    labels : torch.Tensor of int, shape (R,)
        The class of each RoI's object, in [0, K).
    targets : torch.Tensor, shape (R, M, M)
        :func:`mask_targets`.
    """
    if not isinstance(mask_logits, torch.Tensor):
        raise TypeError(f"mask_logits must be a tensor (R, K, M, M); got {_describe(mask_logits)}.")
    if mask_logits.ndim != 4:
        raise ValueError(f"mask_logits must be a tensor (R, K, M, M); got {_describe(mask_logits)}.")
    own_class = mask_logits[torch.arange(len(mask_logits), device=mask_logits.device), labels]
    return F.binary_cross_entropy_with_logits(own_class, targets)


def paste_masks(masks, boxes, image_size) -> torch.Tensor:
    """Resample (R, M, M) box-relative masks (probabilities) into full images (R, H, W).

    Each output pixel looks up its position inside its box and samples the mask there
    bilinearly; pixels outside the box get 0. The inverse of :func:`mask_targets`' sampling.

    Examples
    --------
    >>> pasted = paste_masks(torch.ones(1, 4, 4), torch.tensor([[2.0, 2, 6, 6]]), (8, 8))
    >>> int(pasted.sum()), pasted[0, 2:6, 2:6].min().item()
    (16, 1.0)
    """
    if not isinstance(masks, torch.Tensor):
        raise TypeError(f"masks must be a tensor (R, M, M) of probabilities; got {_describe(masks)}.")
    if masks.ndim != 3:
        raise ValueError(f"masks must be a tensor (R, M, M); got {_describe(masks)}.")
    if not isinstance(boxes, torch.Tensor) or boxes.shape != (len(masks), 4):
        raise ValueError(f"boxes must be a tensor ({len(masks)}, 4) of xyxy boxes; got {_describe(boxes)}.")
    height, width = (check_number(v, "image_size", low=1, integer=True) for v in image_size)
    boxes = boxes.float()
    columns = torch.arange(width, dtype=torch.float32, device=masks.device) + 0.5
    rows = torch.arange(height, dtype=torch.float32, device=masks.device) + 0.5
    # grid_sample's coordinates: -1 and 1 are the outer edges of the mask (align_corners=False)
    u = 2 * (columns[None] - boxes[:, :1]) / (boxes[:, 2:3] - boxes[:, :1]).clamp(min=1e-6) - 1  # (R, W)
    v = 2 * (rows[None] - boxes[:, 1:2]) / (boxes[:, 3:4] - boxes[:, 1:2]).clamp(min=1e-6) - 1  # (R, H)
    grid = torch.stack([u[:, None, :].expand(-1, height, -1), v[:, :, None].expand(-1, -1, width)], dim=-1)
    return F.grid_sample(masks[:, None].float(), grid, align_corners=False, padding_mode="zeros")[:, 0]


def predict_labels(model: nn.Module, images, batch_size: int = 64) -> np.ndarray:
    """The class of every pixel (argmax of ``model``'s scores) for (N, H, W, 3) images, as (N, H, W) int64."""
    from ..detection.networks import images_to_tensor

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module that scores every pixel; got {_describe(model)}.")
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    tensor = images_to_tensor(images)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        labels = [model(tensor[k:k + batch_size].to(device)).argmax(dim=1).cpu()
                  for k in range(0, len(tensor), batch_size)]
    model.train(was_training)
    return torch.cat(labels).numpy().astype(np.int64)


#: The seeds of chapter 15's training and held-out scenes.
TRAIN_SEED, TEST_SEED = 0, 1


def train_unet_on_scenes(count: int = 1600, epochs: int = 3, batch_size: int = 16, lr: float = 3e-3,
                         momentum: float = 0.5, side_weight: float = 0.5, max_objects: int = 6, depth: int = 4,
                         width: int = 8, seed: int = 0, device=None, progress: bool = True):
    """Chapter 15's training run: a :class:`UNet` on :func:`~cvcourse.data.segmentation_scenes`.

    Seeded (the scenes with :data:`TRAIN_SEED`, the weights and the shuffling with ``seed``), so
    it repeats exactly on one machine with one thread count; other CPUs or thread counts round
    differently and give a slightly different model. The recipe:

    - **deep supervision** (:class:`DeepSupervision`, :func:`deep_supervision_loss`): side
      classifiers on the bottleneck and every level of the expanding path but the finest, their
      cross-entropies weighted by ``side_weight``, so the deep layers learn the shapes early;
    - training scenes of up to ``max_objects`` shapes (the held-out scenes have up to 4), so
      every step sees more objects and more of them touch;
    - Adam with a first-moment decay of ``momentum`` (0.9 is Adam's default) and
      :func:`cvcourse.detection.networks.fit_model`'s loop; the learning rate starts at ``lr``
      and falls along a half cosine (Loshchilov and Hutter 2017), one step per epoch.

    Parameters
    ----------
    count, epochs, batch_size, lr : int, int, int, float
        Training scenes, passes over them, scenes per step, initial learning rate.
    momentum : float in [0, 1)
        Adam's first-moment decay rate (its ``beta1``).
    side_weight : float >= 0
        Weight of each side classifier's cross-entropy.
    max_objects : int >= 1
        Most shapes in a training scene.
    depth, width : int
        The :class:`UNet`'s.
    seed : int
    device : torch.device or str, optional
    progress : bool

    Returns
    -------
    model : UNet
        Trained, in evaluation mode, without the side classifiers.
    losses : list of float
        The mean training loss of every epoch (main and side losses together).
    """
    from torch.utils.data import DataLoader, TensorDataset

    from ..data import segmentation_scenes
    from ..detection.networks import fit_model, images_to_tensor
    from ..train import seed_everything

    epochs = check_number(epochs, "epochs", low=1, integer=True)
    momentum = check_number(momentum, "momentum", low=0, high=1, high_inclusive=False)
    side_weight = check_number(side_weight, "side_weight", low=0)
    seed_everything(check_number(seed, "seed", low=0, integer=True))
    images, semantic, _ = segmentation_scenes(count, max_objects=max_objects, seed=TRAIN_SEED)
    loader = DataLoader(TensorDataset(images_to_tensor(images), torch.as_tensor(semantic)), batch_size=batch_size,
                        shuffle=True)
    num_classes = int(semantic.max()) + 1
    model = UNet(3, num_classes, depth, width)
    trainer = DeepSupervision(model)
    optimizer = torch.optim.Adam(trainer.parameters(), lr=lr, betas=(momentum, 0.999))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    losses = fit_model(trainer, loader, lambda outputs, target: deep_supervision_loss(outputs, target, side_weight),
                       epochs, optimizer, device=device, scheduler=scheduler, progress=progress)
    return model.eval(), losses
