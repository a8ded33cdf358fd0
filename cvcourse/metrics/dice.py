"""The Dice coefficient, as a score of label maps and as a loss to train networks on.

Dice (1945) measured how often two species are found together; segmentation uses the same
ratio for how much two sets of voxels overlap: for the voxels A a network calls class c and
the voxels B that are class c,

    Dice = 2 |A n B| / (|A| + |B|),

1 for a perfect segmentation and 0 for no overlap. It equals the F1 score of the class's
voxels. :func:`dice_score` counts voxels of label maps; :func:`dice_loss` is the **soft**
Dice of Milletari et al. (2016), written with probabilities instead of counts so that it has
a gradient, the loss V-Net was trained on. Both work for 2-D images and 3-D volumes alike.
"""

from __future__ import annotations

import numpy as np

from .._validate import _describe, as_array, check_choice, check_not_empty, check_number

__all__ = ["dice_score", "dice_loss"]


def _label_map(labels, name: str) -> np.ndarray:
    labels = as_array(labels, name)
    check_not_empty(labels, name)
    if labels.dtype != bool and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must be a map of integer class labels; got dtype {labels.dtype}.")
    if labels.min() < 0:
        raise ValueError(f"{name} must hold labels 0, 1, 2, ...; got {labels.min()}.")
    return labels.astype(np.int64)


def dice_score(prediction, target, num_classes=None):
    """The Dice coefficient of every class, between two label maps of the same shape.

    Parameters
    ----------
    prediction, target : array_like of int or bool
        Label maps of any shape: an image (H, W), a volume (D, H, W), or a batch of them.
        Every voxel of the batch counts towards the one score per class.
    num_classes : int, optional
        One more than the largest label of both maps by default.

    Returns
    -------
    numpy.ndarray of float64, shape (num_classes,)
        2 |A n B| / (|A| + |B|) for each class; NaN for a class in neither map (0 / 0:
        nothing to find and nothing found says nothing about the segmentation).

    Raises
    ------
    TypeError, ValueError
        For maps of different shapes, non-integer or negative labels, or labels of
        ``num_classes`` and above.

    Examples
    --------
    >>> dice_score([[0, 1, 1], [0, 0, 1]], [[0, 1, 0], [0, 1, 1]])
    array([0.66666667, 0.66666667])
    """
    prediction = _label_map(prediction, "prediction")
    target = _label_map(target, "target")
    if prediction.shape != target.shape:
        raise ValueError(f"prediction and target must have the same shape; got {prediction.shape} "
                         f"and {target.shape}.")
    largest = int(max(prediction.max(), target.max()))
    if num_classes is None:
        num_classes = largest + 1
    num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
    if largest >= num_classes:
        raise ValueError(f"labels must be below num_classes={num_classes}; got a label {largest}.")
    predicted = np.bincount(prediction.ravel(), minlength=num_classes)
    true = np.bincount(target.ravel(), minlength=num_classes)
    both = np.bincount(target[prediction == target], minlength=num_classes)
    with np.errstate(invalid="ignore"):
        return 2.0 * both / (predicted + true)


def _check_logits(logits):
    import torch

    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor of shape (N, C, H, W), (N, C, D, H, W) or (N, C, ...); "
                        f"got {_describe(logits)}.")
    if logits.ndim < 3:
        raise ValueError(f"logits must have shape (N, C, ...) with at least one spatial axis, e.g. (N, C, H, W) "
                         f"or (N, C, D, H, W); got shape {tuple(logits.shape)}.")
    if not logits.is_floating_point():
        raise TypeError(f"logits must be floating point; got dtype {logits.dtype}.")
    if logits.numel() == 0:
        raise ValueError(f"logits must not be empty; got shape {tuple(logits.shape)}.")


def _check_target(target, logits):
    import torch

    expected = (logits.shape[0], *logits.shape[2:])
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"target must be a torch.Tensor of class labels, shape {expected}; got {_describe(target)}.")
    if tuple(target.shape) != expected:
        raise ValueError(f"target must hold one label per voxel, shape {expected} for logits of shape "
                         f"{tuple(logits.shape)}; got shape {tuple(target.shape)}.")
    if target.is_floating_point() or target.is_complex():
        raise TypeError(f"target must hold integer class labels; got dtype {target.dtype}. Use target.long().")
    classes = max(logits.shape[1], 2)
    if target.min() < 0 or target.max() >= classes:
        raise ValueError(f"target's labels must lie in [0, {classes - 1}]; got {int(target.min())} to "
                         f"{int(target.max())}.")


def dice_loss(logits, target, *, include_background=True, batch=False, smooth=1e-5, squared=False,
              reduction="mean"):
    """Soft Dice loss (Milletari et al. 2016), per class, for images and volumes.

    The network's scores become probabilities p (softmax over the classes; for a single
    output channel, the sigmoid of the foreground), the labels become one-hot g, and for
    each class

        loss_c = 1 - (2 sum(p g) + smooth) / (sum(p) + sum(g) + smooth)

    with the sums over the voxels of each example (of the whole batch with ``batch``), and
    ``sum(p ** 2) + sum(g ** 2)`` in the denominator with ``squared`` (the paper's form).
    Every class weighs the same whatever its size, which is why the loss suits a small
    foreground. The settings are MONAI's ``DiceLoss(softmax=True, to_onehot_y=True)``
    (``sigmoid=True`` for one channel), with ``smooth`` as both ``smooth_nr`` and ``smooth_dr``.

    Parameters
    ----------
    logits : torch.Tensor, shape (N, C, H, W) or (N, C, D, H, W)
        Raw scores, before softmax (any number of spatial axes: (N, C, ...)).
    target : torch.Tensor of int, shape (N, H, W) or (N, D, H, W)
        Class labels in [0, C) (0 or 1 when C = 1).
    include_background : bool
        Count class 0 too (ignored when C = 1).
    batch : bool
        Sum over the whole batch before dividing, instead of example by example.
    smooth : float >= 0
        Added to numerator and denominator: an absent class predicted absent scores 0.
    squared : bool
        Square p and g in the denominator.
    reduction : {"mean", "none"}
        The mean over examples and classes, or the losses of shape (N, C) ((C,) with ``batch``).

    Returns
    -------
    torch.Tensor

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[[0, 1], [1, 1]]])
    >>> perfect = 20.0 * torch.nn.functional.one_hot(target, 2).permute(0, 3, 1, 2).float()
    >>> float(dice_loss(perfect, target)) < 1e-6
    True
    """
    import torch

    _check_logits(logits)
    _check_target(target, logits)
    smooth = check_number(smooth, "smooth", low=0, finite=True)
    check_choice(reduction, "reduction", ("mean", "none"))
    for value, name in ((include_background, "include_background"), (batch, "batch"), (squared, "squared")):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False; got {_describe(value)}.")
    classes = logits.shape[1]
    if classes == 1:
        probabilities, truth = torch.sigmoid(logits), target[:, None].to(logits.dtype)
    else:
        probabilities = torch.softmax(logits, dim=1)
        truth = torch.nn.functional.one_hot(target.long(), classes).movedim(-1, 1).to(logits.dtype)
        if not include_background:
            probabilities, truth = probabilities[:, 1:], truth[:, 1:]
    axes = ([0] if batch else []) + list(range(2, logits.ndim))
    overlap = (probabilities * truth).sum(dim=axes)
    if squared:
        size = (probabilities ** 2).sum(dim=axes) + (truth ** 2).sum(dim=axes)
    else:
        size = probabilities.sum(dim=axes) + truth.sum(dim=axes)
    losses = 1.0 - (2.0 * overlap + smooth) / (size + smooth)
    return losses.mean() if reduction == "mean" else losses
