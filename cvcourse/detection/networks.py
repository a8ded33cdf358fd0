"""Small PyTorch networks for localisation and detection, and the code that trains and reads them.

- :class:`ClassifyLocalise`: one object per image; a class head and a box head on shared
  features, trained with a combined loss (:func:`localisation_loss`).
- :class:`LandmarkNet`: regresses the (x, y) positions of a few keypoints.
- :class:`GridDetector`: a single-stage detector in the style of YOLO v2 (Redmon and Farhadi
  2017): an S x S grid, A anchors per cell, and for each anchor an objectness score, four box
  offsets and class scores. :func:`grid_targets` says what each anchor should predict,
  :func:`grid_loss` scores a prediction, :func:`decode_grid` turns the grid into boxes and
  :func:`detect` adds thresholds and non-maximum suppression.

Everything runs on :func:`cvcourse.device` (CUDA, Apple MPS or CPU) unless told otherwise.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import _describe, as_array, check_finite, check_number
from .boxes import _intersection_union, as_boxes, batched_nms

__all__ = ["conv_block", "ClassifyLocalise", "localisation_loss", "LandmarkNet", "GridDetector",
           "grid_targets", "grid_loss", "decode_grid", "detect", "fit_model", "images_to_tensor",
           "GridDataset"]


def conv_block(in_channels: int, out_channels: int, pool: bool = False, stride: int = 1) -> nn.Sequential:
    """3x3 convolution (with ``stride``), batch normalisation, ReLU, and if ``pool`` 2x2 max pooling."""
    in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
    out_channels = check_number(out_channels, "out_channels", low=1, integer=True)
    stride = check_number(stride, "stride", low=1, integer=True)
    layers = [nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
              nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.MaxPool2d(2)) if pool else nn.Sequential(*layers)


def images_to_tensor(images) -> torch.Tensor:
    """(N, H, W, 3), (N, H, W, 1) or (N, H, W) float images in [0, 1] as a float32 tensor (N, C, H, W)."""
    array = as_array(images, "images")
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] not in (1, 3)):
        raise ValueError(f"images must be (N, H, W), (N, H, W, 1) or (N, H, W, 3); got shape {array.shape}.")
    check_finite(array, "images")
    tensor = torch.as_tensor(np.ascontiguousarray(array), dtype=torch.float32)
    return tensor[:, None] if tensor.ndim == 3 else tensor.permute(0, 3, 1, 2).contiguous()


class _Backbone(nn.Module):
    """Three convolution blocks, each halving the size, then a flattening and a hidden layer."""

    def __init__(self, in_channels: int, image_size: int, hidden: int = 128):
        super().__init__()
        image_size = check_number(image_size, "image_size", low=8, integer=True)
        self.features = nn.Sequential(conv_block(in_channels, 16, pool=True), conv_block(16, 32, pool=True),
                                      conv_block(32, 64, pool=True))
        cells = image_size // 8
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(64 * cells * cells, hidden), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.hidden(self.features(x))


class ClassifyLocalise(nn.Module):
    """Classification with localisation: class scores and one box from shared features.

    ``forward`` returns ``(logits, boxes)``: logits (N, num_classes) and boxes (N, 4) as
    (cx, cy, w, h) in fractions of the image (a sigmoid keeps them in [0, 1]).
    """

    def __init__(self, num_classes: int = 3, image_size: int = 48, in_channels: int = 3):
        super().__init__()
        num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
        self.backbone = _Backbone(in_channels, image_size)
        self.classify = nn.Linear(128, num_classes)
        self.localise = nn.Linear(128, 4)

    def forward(self, x):
        shared = self.backbone(x)
        return self.classify(shared), torch.sigmoid(self.localise(shared))


def localisation_loss(outputs, targets, box_weight: float = 5.0):
    """Cross-entropy on the class plus ``box_weight`` times the L1 error of the box.

    Parameters
    ----------
    outputs : (logits, boxes)
        What :class:`ClassifyLocalise` returns.
    targets : (labels, boxes)
        Labels (N,) and true boxes (N, 4) as (cx, cy, w, h) in fractions of the image.
    box_weight : float
        How much a box error of 1 (a whole image) costs against the class loss.
    """
    logits, boxes = _tensors(outputs, "outputs", "(logits, boxes) as ClassifyLocalise returns")
    labels, true_boxes = _tensors(targets, "targets", "(labels, boxes)")
    return F.cross_entropy(logits, labels) + box_weight * F.l1_loss(boxes, true_boxes)


def _tensors(value, name: str, what: str) -> tuple:
    """Refuse anything but a pair of tensors, saying what the pair should be."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(item, torch.Tensor) for item in value)):
        shown = (f"a {type(value).__name__} of {', '.join(type(item).__name__ for item in value) or 'nothing'}"
                 if isinstance(value, (tuple, list)) else _describe(value))
        raise TypeError(f"{name} must be two tensors {what}; got {shown}.")
    return tuple(value)


class LandmarkNet(nn.Module):
    """Regresses ``num_points`` (x, y) landmarks, as fractions of the image: output (N, num_points, 2)."""

    def __init__(self, num_points: int = 3, image_size: int = 48, in_channels: int = 1):
        super().__init__()
        num_points = check_number(num_points, "num_points", low=1, integer=True)
        self.num_points = num_points
        self.backbone = _Backbone(in_channels, image_size)
        self.points = nn.Linear(128, 2 * num_points)

    def forward(self, x):
        return torch.sigmoid(self.points(self.backbone(x))).view(-1, self.num_points, 2)


class GridDetector(nn.Module):
    """A single-stage grid detector (YOLO v2 style) with stride 8.

    The output has shape (N, S, S, A, 5 + C) for an image of 8S x 8S pixels: for each cell
    and anchor, ``(tx, ty, tw, th, objectness, class scores...)``, all raw (before sigmoid
    or softmax). The box is ``cx = (column + sigmoid(tx)) * stride``,
    ``cy = (row + sigmoid(ty)) * stride``, ``w = anchor_w * exp(tw)``, ``h = anchor_h * exp(th)``.

    Parameters
    ----------
    num_classes : int
    anchors : sequence of (width, height)
        Anchor sizes in pixels.
    """

    stride = 8

    def __init__(self, num_classes: int = 3, anchors=((10.0, 10.0), (17.0, 17.0), (25.0, 25.0))):
        super().__init__()
        self.num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
        anchors = _anchor_sizes(anchors)
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32))
        self.features = nn.Sequential(conv_block(3, 16, stride=2), conv_block(16, 32, stride=2),
                                      conv_block(32, 64, stride=2), conv_block(64, 64), conv_block(64, 64))
        self.head = nn.Conv2d(64, len(anchors) * (5 + self.num_classes), 1)

    def forward(self, x):
        out = self.head(self.features(x))  # (N, A * (5 + C), S, S)
        n, _, rows, columns = out.shape
        return out.view(n, len(self.anchors), 5 + self.num_classes, rows, columns).permute(0, 3, 4, 1, 2)


def _anchor_sizes(anchors) -> np.ndarray:
    array = as_array(anchors, "anchors")
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ValueError(f"anchors must have shape (A, 2), one (width, height) per anchor; got {array.shape}.")
    check_finite(array, "anchors")
    if np.any(array <= 0):
        raise ValueError("anchors must have positive widths and heights.")
    return array.astype(np.float64)


def grid_targets(boxes, labels, grid_size: int, stride: float, anchors):
    """What each cell and anchor of a grid detector should predict for one image.

    Each object belongs to the cell that holds its centre and to the anchor whose shape fits
    it best (highest IoU when both are centred at the same point). That anchor should say
    "object" with the box offsets ``(x / stride - column, y / stride - row, log(w / anchor_w),
    log(h / anchor_h))`` and the object's class. Anchors that overlap an object with IoU
    above 0.5 without being responsible for it are neither object nor background (``ignore``).

    Parameters
    ----------
    boxes : array_like, shape (k, 4)
        xyxy boxes in pixels.
    labels : array_like of int, shape (k,)
    grid_size : int
        S, cells per side.
    stride : float
        Pixels per cell.
    anchors : array_like, shape (A, 2)
        (width, height) in pixels.

    Returns
    -------
    dict of numpy.ndarray
        ``object`` bool (S, S, A), ``ignore`` bool (S, S, A), ``offsets`` float (S, S, A, 4),
        ``label`` int64 (S, S, A) (-1 where there is no object).
    """
    boxes, labels = _boxes_and_labels(boxes, labels)
    grid_size = check_number(grid_size, "grid_size", low=1, integer=True)
    stride = check_number(stride, "stride", low=0, low_inclusive=False, finite=True)
    sizes = _anchor_sizes(anchors)
    return _grid_targets(boxes, labels, grid_size, stride, sizes, _all_anchors(grid_size, stride, sizes))


def _boxes_and_labels(boxes, labels) -> tuple:
    """One image's boxes (k, 4) and integer labels (k,), checked."""
    boxes = as_boxes(boxes, "boxes")
    labels = as_array(labels, "labels")
    if labels.dtype.kind not in "iu" or labels.shape != (len(boxes),):
        raise ValueError(f"labels must be {len(boxes)} integers; got dtype {labels.dtype}, shape {labels.shape}.")
    return boxes, labels


def _all_anchors(grid_size: int, stride: float, sizes: np.ndarray) -> np.ndarray:
    """Every anchor of the grid as xyxy boxes, (S * S * A, 4) in the order row, column, anchor."""
    from .anchors import anchor_grid

    return np.concatenate([anchor_grid(grid_size, stride, [float(w * h) ** 0.5], [float(h / w)])
                           .reshape(grid_size, grid_size, 4) for w, h in sizes], axis=-1).reshape(-1, 4)


def _grid_targets(boxes, labels, grid_size, stride, sizes, all_anchors) -> dict:
    """:func:`grid_targets` for checked arguments and the grid's anchors, without checking again."""
    return {key: value[0] for key, value in _batched_grid_targets([boxes], [labels], grid_size, stride, sizes,
                                                                   all_anchors).items()}


def _batched_grid_targets(boxes, labels, grid_size, stride, sizes, all_anchors) -> dict:
    """:func:`grid_targets` of many images at once, each value with a leading image axis.

    GridDataset needs the targets of thousands of scenes: the scenes' boxes are padded to one
    (N, K, 4) array (padding boxes are empty and match nothing) so that NumPy computes every
    overlap and assignment in a few calls instead of a Python loop over images and objects.
    """
    count, per_image = len(sizes), max([len(b) for b in boxes] + [1])
    padded = np.zeros((len(boxes), per_image, 4))
    valid = np.zeros((len(boxes), per_image), bool)
    padded_labels = np.zeros((len(boxes), per_image), np.int64)
    for n, (image_boxes, image_labels) in enumerate(zip(boxes, labels)):
        padded[n, :len(image_boxes)], valid[n, :len(image_boxes)] = image_boxes, True
        padded_labels[n, :len(image_boxes)] = image_labels
    shape = (len(boxes), grid_size, grid_size, count)
    target = {"object": np.zeros(shape, bool), "offsets": np.zeros((*shape, 4)), "label": np.full(shape, -1, np.int64)}
    # every anchor against every box of its image: (N, S * S * A, K), as box_iou without its checks
    intersection, union = _intersection_union(all_anchors, padded)
    width, height = padded[..., 2] - padded[..., 0], padded[..., 3] - padded[..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = np.where(valid[:, None, :], np.nan_to_num(intersection / union), 0).max(axis=2)
    target["ignore"] = overlap.reshape(shape) > 0.5
    # the anchor whose shape fits each box best, both centred at one point: (N, K, A)
    shared = np.minimum(width[..., None], sizes[:, 0]) * np.minimum(height[..., None], sizes[:, 1])
    best_anchor = (shared / ((width * height)[..., None] + sizes[:, 0] * sizes[:, 1] - shared)).argmax(axis=2)
    image, k = np.nonzero(valid)  # object by object, in each image's order: a later object in a slot wins
    cx, cy = padded[image, k, 0] + width[image, k] / 2, padded[image, k, 1] + height[image, k] / 2
    column = np.minimum((cx // stride).astype(int), grid_size - 1)
    row = np.minimum((cy // stride).astype(int), grid_size - 1)
    anchor = best_anchor[image, k]
    slot = (image, row, column, anchor)
    target["object"][slot] = True
    target["label"][slot] = padded_labels[image, k]
    target["offsets"][slot] = np.stack([cx / stride - column, cy / stride - row,
                                        np.log(np.maximum(width[image, k], 1e-6) / sizes[anchor, 0]),
                                        np.log(np.maximum(height[image, k], 1e-6) / sizes[anchor, 1])], axis=1)
    target["ignore"] &= ~target["object"]
    return target


def grid_loss(outputs, targets, no_object_weight: float = 0.5, box_weight: float = 5.0):
    """The detector's loss: objectness, box offsets and classes, averaged per object.

    - objectness: binary cross-entropy, 1 for responsible anchors, 0 for the background
      (weighted by ``no_object_weight``), nothing for ignored anchors;
    - box: squared error of ``sigmoid(tx), sigmoid(ty)`` and ``tw, th`` against the targets,
      for responsible anchors only (weighted by ``box_weight``, as YOLO's lambda_coord);
    - class: cross-entropy, for responsible anchors only.

    Parameters
    ----------
    outputs : torch.Tensor, shape (N, S, S, A, 5 + C)
    targets : dict of torch.Tensor
        Batched :func:`grid_targets`: ``object``, ``ignore`` (N, S, S, A), ``offsets``
        (N, S, S, A, 4), ``label`` (N, S, S, A).
    """
    if not isinstance(outputs, torch.Tensor):
        raise TypeError(f"outputs must be the tensor that GridDetector returns; got {_describe(outputs)}.")
    if outputs.ndim != 5 or outputs.shape[-1] < 6:
        raise ValueError(f"outputs must have shape (N, S, S, A, 5 + classes); got {tuple(outputs.shape)}.")
    missing = {"object", "ignore", "offsets", "label"} - (set(targets) if isinstance(targets, dict) else set())
    if missing:
        raise ValueError(f"targets must be a dict of batched grid_targets tensors; {sorted(missing)} are missing.")
    positive = targets["object"]
    negative = ~positive & ~targets["ignore"]
    count = positive.sum().clamp(min=1)
    objectness = F.binary_cross_entropy_with_logits(outputs[..., 4], positive.float(), reduction="none")
    object_loss = (objectness[positive].sum() + no_object_weight * objectness[negative].sum()) / count
    chosen = outputs[positive]
    goal = targets["offsets"][positive]
    box_loss = (F.mse_loss(torch.sigmoid(chosen[:, :2]), goal[:, :2], reduction="sum")
                + F.mse_loss(chosen[:, 2:4], goal[:, 2:], reduction="sum")) / count
    class_loss = F.cross_entropy(chosen[:, 5:], targets["label"][positive], reduction="sum") / count
    return object_loss + box_weight * box_loss + class_loss


def decode_grid(predictions, anchors, stride: float):
    """Turn one image's raw grid output into boxes, scores and labels (every cell and anchor).

    Parameters
    ----------
    predictions : array_like, shape (S, S, A, 5 + C)
        Raw outputs ``(tx, ty, tw, th, objectness, class scores...)``.
    anchors : array_like, shape (A, 2)
        (width, height) in pixels.
    stride : float
        Pixels per cell.

    Returns
    -------
    boxes : numpy.ndarray, shape (S * S * A, 4)
        xyxy in pixels: centre ``((column + sigmoid(tx)) * stride, (row + sigmoid(ty)) * stride)``,
        size ``(anchor_w * exp(tw), anchor_h * exp(th))``.
    scores : numpy.ndarray, shape (S * S * A,)
        ``sigmoid(objectness) * softmax(class scores).max()``.
    labels : numpy.ndarray of int64, shape (S * S * A,)
        The most likely class. Order: row, then column, then anchor.
    """
    array = as_array(predictions, "predictions")
    sizes = _anchor_sizes(anchors)
    if array.ndim != 4 or array.shape[0] != array.shape[1] or array.shape[2] != len(sizes) or array.shape[3] < 6:
        raise ValueError(f"predictions must have shape (S, S, {len(sizes)}, 5 + classes); got {array.shape}.")
    check_finite(array, "predictions")
    stride = check_number(stride, "stride", low=0, low_inclusive=False, finite=True)
    array = array.astype(np.float64)
    rows, columns = np.meshgrid(np.arange(array.shape[0]), np.arange(array.shape[1]), indexing="ij")
    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    cx = (columns[..., None] + sigmoid(array[..., 0])) * stride
    cy = (rows[..., None] + sigmoid(array[..., 1])) * stride
    w = sizes[:, 0] * np.exp(np.minimum(array[..., 2], 10))
    h = sizes[:, 1] * np.exp(np.minimum(array[..., 3], 10))
    classes = array[..., 5:] - array[..., 5:].max(axis=-1, keepdims=True)
    probabilities = np.exp(classes) / np.exp(classes).sum(axis=-1, keepdims=True)
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1).reshape(-1, 4)
    scores = (sigmoid(array[..., 4]) * probabilities.max(axis=-1)).ravel()
    return boxes, scores, probabilities.argmax(axis=-1).ravel().astype(np.int64)


def detect(model: GridDetector, images, score_threshold: float = 0.3, iou_threshold: float = 0.5,
           device=None, batch_size: int = 256):
    """Run a grid detector on images and keep its confident, non-overlapping boxes.

    Parameters
    ----------
    model : GridDetector
    images : array_like, shape (N, H, W, 3)
        Floats in [0, 1].
    score_threshold : float in [0, 1]
        Drop boxes scoring less.
    iou_threshold : float in [0, 1]
        Non-maximum suppression within each class (:func:`batched_nms`).
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.
    batch_size : int

    Returns
    -------
    list of (boxes, scores, labels), one per image
    """
    from .. import device as best_device

    if not isinstance(model, GridDetector):
        raise TypeError(f"model must be a GridDetector; got {_describe(model)}.")
    score_threshold = check_number(score_threshold, "score_threshold", low=0, high=1)
    iou_threshold = check_number(iou_threshold, "iou_threshold", low=0, high=1)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    device = best_device() if device is None else torch.device(device)
    anchors = model.anchors.cpu().numpy()
    results = []
    for outputs in _evaluation_batches(model, images, device, batch_size):
        for output in outputs.cpu().numpy():
            boxes, scores, labels = decode_grid(output, anchors, model.stride)
            confident = scores >= score_threshold
            boxes, scores, labels = boxes[confident], scores[confident], labels[confident]
            keep = batched_nms(boxes, scores, labels, iou_threshold)
            results.append((boxes[keep], scores[keep], labels[keep]))
    return results


def _evaluation_batches(model: nn.Module, images, device, batch_size: int):
    """The model's raw outputs for ``images``, batch by batch, in evaluation mode without gradients.

    The detectors' shared inference loop: the model moves to ``device``, each batch of
    :func:`images_to_tensor` goes through it, and the model's training mode is restored when the
    loop ends (or is abandoned).

    Yields
    ------
    The model's output for each batch of at most ``batch_size`` images, on ``device``.
    """
    tensor = images_to_tensor(images)
    model.to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(tensor), batch_size):
                yield model(tensor[start:start + batch_size].to(device))
    finally:
        model.train(was_training)


def _to(value, device):
    if isinstance(value, dict):
        return {key: item.to(device) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(item.to(device) for item in value)
    return value.to(device)


def fit_model(model, loader, loss_fn, epochs: int, optimizer, device=None, scheduler=None, progress: bool = True):
    """Train a model whose targets are not one class label (boxes, landmarks, grids).

    The same loop as :func:`cvcourse.train.fit` (zero_grad, forward, loss, backward, step),
    for loaders that yield ``(images, targets)`` where ``targets`` may be a tensor or a dict
    of tensors, or ``(images, target_1, target_2, ...)`` (a ``TensorDataset`` of several
    targets), passed on as the tuple ``targets``; ``loss_fn(outputs, targets)`` scores a batch.

    Returns
    -------
    list of float
        The mean training loss of every epoch.
    """
    from .. import device as best_device
    from ..widgets import progress_bar

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_describe(model)}.")
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    device = best_device() if device is None else torch.device(device)
    model.to(device)
    losses = []
    bar = progress_bar(epochs * len(loader), enabled=progress)
    for epoch in range(epochs):
        bar.set_description(f"epoch {epoch + 1}/{epochs}")
        model.train()
        total, count = 0.0, 0
        for images, *targets in loader:
            targets = targets[0] if len(targets) == 1 else tuple(targets)
            # train.train_step's five lines; it cannot be reused as is because it detaches the
            # outputs as one tensor, and these models return tuples
            optimizer.zero_grad()
            loss = loss_fn(model(images.to(device)), _to(targets, device))
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(images), count + len(images)
            bar.update()
        if scheduler is not None:
            scheduler.step()
        losses.append(total / count)
        bar.set_postfix_str(f"loss {losses[-1]:.4f}")
    bar.close()
    return losses


class GridDataset(torch.utils.data.Dataset):
    """Images with their :func:`grid_targets`, for a ``DataLoader`` (targets come as a dict).

    Parameters
    ----------
    images : array_like, shape (N, H, W, 3)
    boxes, labels : lists of arrays, one per image
    anchors : array_like, shape (A, 2)
    stride : int
        The detector's pixels per cell; the grid has ``H // stride`` cells per side.
    flip : bool
        Mirror each image left-right with probability 1/2 when it is served (augmentation;
        the targets are mirrored with it).
    """

    def __init__(self, images, boxes, labels, anchors, stride: int = GridDetector.stride, flip: bool = False):
        self.images = images_to_tensor(images)
        self.size = self.images.shape[-1]
        grid = self.size // stride
        if len(boxes) != len(self.images) or len(labels) != len(self.images):
            raise ValueError(f"boxes and labels must hold one entry per image ({len(self.images)}); "
                             f"got {len(boxes)} and {len(labels)}.")
        checked = [_boxes_and_labels(b, l) for b, l in zip(boxes, labels)]
        sizes = _anchor_sizes(anchors)
        all_anchors = _all_anchors(grid, stride, sizes)
        boxes, labels = [b for b, _ in checked], [l for _, l in checked]
        mirrored = [np.stack([self.size - b[:, 2], b[:, 1], self.size - b[:, 0], b[:, 3]], axis=1) for b in boxes]
        self.flip = flip
        self.targets = [self._as_tensors(_batched_grid_targets(some_boxes, labels, grid, stride, sizes, all_anchors))
                        for some_boxes in ([boxes, mirrored] if flip else [boxes])]

    @staticmethod
    def _as_tensors(targets):
        return {key: torch.as_tensor(value, dtype=torch.float32 if key == "offsets" else None)
                for key, value in targets.items()}

    @classmethod
    def _stack(cls, targets):
        """Per-image target dicts as one dict of batched tensors (for subclasses' own targets)."""
        return cls._as_tensors({key: np.stack([target[key] for target in targets]) for key in targets[0]})

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        mirrored = self.flip and bool(torch.rand(()) < 0.5)
        image = self.images[index].flip(-1) if mirrored else self.images[index]
        return image, {key: value[index] for key, value in self.targets[int(mirrored)].items()}
