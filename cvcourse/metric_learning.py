"""Metric learning for recognition: embeddings, Siamese networks, contrastive and triplet
losses, hard-triplet mining, verification ROC and N-way K-shot evaluation (chapter 18).

A recogniser that must handle people (or classes) it has never seen does not classify: it
maps each image to an **embedding**, a point in a space where distance means dissimilarity,
and decides by distance. The pieces:

- :class:`EmbeddingNet` maps images to unit-length vectors; :class:`SiameseNet` runs one
  embedding network on two images and returns their distance (Bromley et al. 1993;
  Taigman et al. 2014; Koch et al. 2015).
- :func:`contrastive_loss` (Hadsell, Chopra and LeCun 2006) pulls pairs of the same identity
  together and pushes other pairs at least a margin apart; :func:`triplet_loss` (Schroff,
  Kalenichenko and Philbin 2015) asks an anchor to be closer to a positive than to a negative
  by a margin, as ``torch.nn.TripletMarginLoss`` does.
- :func:`batch_hard_triplets` and :func:`batch_hard_triplet_loss` mine, for every anchor of a
  batch, its farthest positive and nearest negative (Hermans, Beyer and Leibe 2017);
  :func:`fit_embedding` trains with them on batches of P classes x K images.
- :func:`error_rates` and :func:`verification_roc` score a verifier (false-accept and
  false-reject rates, ROC curve, AUC, the threshold at a target false-accept rate), as
  ``sklearn.metrics.roc_curve`` does; :func:`n_way_k_shot_accuracy` scores one-shot and
  few-shot identification on classes the network never saw, inductively (each query alone)
  or transductively (:func:`refine_prototypes`: the queries of an episode move the class
  prototypes, soft k-means as in Ren et al. 2018).

The losses work on PyTorch tensors (they train networks); the scores work on NumPy arrays.
PyTorch is imported when this module is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import _describe, as_array, check_choice, check_ndim, check_not_empty, check_number

__all__ = [
    "EmbeddingNet",
    "SiameseNet",
    "pairwise_distances",
    "contrastive_loss",
    "triplet_loss",
    "batch_hard_triplets",
    "batch_hard_triplet_loss",
    "random_affine",
    "fit_embedding",
    "embed",
    "error_rates",
    "VerificationROC",
    "verification_roc",
    "few_shot_episodes",
    "refine_prototypes",
    "n_way_k_shot_accuracy",
]

#: The small constant that ``torch.nn.functional.pairwise_distance`` adds to the difference
#: of two vectors before taking its norm, so that the gradient at zero distance is finite.
PAIRWISE_EPS = 1e-6


def _tensor(value, name: str, ndim=None, what: str = "") -> torch.Tensor:
    """Check that ``value`` is a finite floating-point tensor with ``ndim`` dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor{what}; got {_describe(value)}.")
    if not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {value.dtype}.")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions{what}; got shape {tuple(value.shape)}.")
    if value.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(value.shape)}.")
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} must hold finite numbers; it contains NaN or infinity.")
    return value


def _one_per(values, name: str, count: int, what: str) -> np.ndarray:
    """``values`` (a tensor, an array or a list) as a 1-D array of ``count`` entries, one ``what``."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    values = as_array(values, name)
    check_ndim(values, 1, name, f" (one {what})")
    if len(values) != count:
        raise ValueError(f"{name} must have one {what}, {count}; got {len(values)}.")
    return values


def _same_tensor(same, count: int, device) -> torch.Tensor:
    """``same`` as a bool tensor of length ``count`` (from a tensor, an array or a list)."""
    same = _one_per(same, "same", count, "flag per pair")
    if same.dtype != np.bool_ and not np.isin(same, (0, 1)).all():
        raise ValueError("same must hold booleans (or 0 and 1): True where the pair shows one identity.")
    return torch.as_tensor(same.astype(bool), device=device)


def _labels_tensor(labels, count: int, device) -> torch.Tensor:
    labels = _one_per(labels, "labels", count, "class per embedding")
    if labels.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integer classes; got dtype {labels.dtype}.")
    return torch.as_tensor(labels.astype(np.int64), device=device)


def _reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    check_choice(reduction, "reduction", ("mean", "sum", "none"))
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


class EmbeddingNet(nn.Module):
    """A small CNN that maps a grayscale image to a point on the unit sphere.

    Two blocks of 3x3 convolution, 2x2 max pooling, batch normalisation and ReLU, then one
    fully connected layer on the flattened feature map and L2 normalisation. Flattening
    (rather than global average pooling) keeps *where* each stroke is, which is what tells
    two digits (or two faces) apart. Pooling comes straight after each convolution, so that
    normalisation and ReLU work on a quarter of the pixels: in the channels-last layout that
    :func:`fit_embedding` uses, a training step of chapter 18 took 23 ms on two CPU cores,
    against 36 ms with the usual order (convolution, normalisation, ReLU, pooling), at about the
    same accuracy (85.1% against 85.5% one-shot in one trial). The two orders are nearly the
    same network: max pooling commutes with ReLU exactly, and with batch normalisation (an
    increasing map per channel while its scale is positive) up to the statistics, which are
    taken after pooling here.

    Parameters
    ----------
    embedding_dim : int
        Length of the embedding.
    channels : int
        Channels of the first block (the second has twice as many).
    image_size : int
        Height and width of the (square) input images; a multiple of 4.
    in_channels : int
        1 for grayscale.

    Examples
    --------
    >>> net = EmbeddingNet(embedding_dim=8, channels=4, image_size=28)
    >>> out = net(torch.zeros(3, 1, 28, 28))
    >>> tuple(out.shape), torch.allclose(out.norm(dim=1), torch.ones(3))
    ((3, 8), True)
    """

    def __init__(self, embedding_dim: int = 64, channels: int = 16, image_size: int = 28, in_channels: int = 1):
        super().__init__()
        embedding_dim = check_number(embedding_dim, "embedding_dim", low=1, integer=True)
        channels = check_number(channels, "channels", low=1, integer=True)
        image_size = check_number(image_size, "image_size", low=4, integer=True)
        in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4 (two 2x2 poolings); got {image_size}.")
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(2 * channels), nn.ReLU(),
            nn.Flatten(),
        )
        self.project = nn.Linear(2 * channels * (image_size // 4) ** 2, embedding_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Embeddings of a batch (N, C, H, W): (N, embedding_dim), each of length 1."""
        return F.normalize(self.project(self.features(images)), dim=1)


class SiameseNet(nn.Module):
    """Two images in, their distance out: one embedding network applied to both ("twins"
    that share every weight), then the Euclidean distance between the embeddings.

    Parameters
    ----------
    embedding : torch.nn.Module
        Maps a batch of images to a batch of vectors, e.g. :class:`EmbeddingNet`.

    Examples
    --------
    >>> twins = SiameseNet(EmbeddingNet(embedding_dim=8, channels=4)).eval()
    >>> x = torch.rand(2, 1, 28, 28)
    >>> twins(x, x).abs().max().item() < 1e-5
    True
    """

    def __init__(self, embedding: nn.Module):
        super().__init__()
        if not isinstance(embedding, nn.Module):
            raise TypeError(f"embedding must be a torch.nn.Module that maps images to vectors; "
                            f"got {_describe(embedding)}.")
        self.embedding = embedding

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        """Distances (N,) between the embeddings of ``first[i]`` and ``second[i]``."""
        return (self.embedding(first) - self.embedding(second)).norm(dim=1)


def pairwise_distances(embeddings) -> torch.Tensor:
    """Euclidean distance between every two rows of ``embeddings``.

    Computed from the differences (not from ``|a|^2 + |b|^2 - 2ab``, which loses precision
    for close points), with a gradient of zero rather than NaN on the diagonal.

    Parameters
    ----------
    embeddings : torch.Tensor, shape (N, D)

    Returns
    -------
    torch.Tensor, shape (N, N)
        Symmetric, zero on the diagonal; equals ``torch.cdist(embeddings, embeddings)``.

    Examples
    --------
    >>> pairwise_distances(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    tensor([[0., 5.],
            [5., 0.]])
    """
    embeddings = _tensor(embeddings, "embeddings", 2, " (N, D): one embedding per row")
    squared = (embeddings[:, None, :] - embeddings[None, :, :]).pow(2).sum(-1)
    positive = squared > 0
    # sqrt has an infinite derivative at 0: take it only where the distance is positive.
    return torch.where(positive, squared.clamp_min(1e-30).sqrt(), torch.zeros_like(squared))


def contrastive_loss(distances, same, margin: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    """The contrastive loss of Hadsell, Chopra and LeCun (2006) on pairs.

    For a pair at distance :math:`d`, with :math:`y = 1` when both show the same identity,

    .. math:: L = \\tfrac12\\, y\\, d^2 + \\tfrac12\\, (1 - y) \\max(0, m - d)^2 .

    Same pairs are pulled together; different pairs are pushed apart until they are a
    margin :math:`m` away, and then left alone. (The paper labels a similar pair
    :math:`Y = 0`; the loss is the same.)

    Parameters
    ----------
    distances : torch.Tensor, shape (N,)
        Distances between the two embeddings of each pair (e.g. from :class:`SiameseNet`).
    same : array_like of bool, shape (N,)
        True where the pair shows one identity.
    margin : float
        How far apart different pairs must be before they stop contributing, > 0.
    reduction : {"mean", "sum", "none"}
        Average, add, or return the loss of every pair.

    Returns
    -------
    torch.Tensor
        A scalar, or shape (N,) with ``reduction="none"``.

    Examples
    --------
    >>> contrastive_loss(torch.tensor([0.5, 0.5, 2.0]), [True, False, False], margin=1.0, reduction="none")
    tensor([0.1250, 0.1250, 0.0000])
    """
    distances = _tensor(distances, "distances", 1, " (one distance per pair)")
    same = _same_tensor(same, len(distances), distances.device).to(distances.dtype)
    margin = check_number(margin, "margin", low=0, low_inclusive=False, finite=True)
    losses = 0.5 * same * distances.pow(2) + 0.5 * (1 - same) * F.relu(margin - distances).pow(2)
    return _reduce(losses, reduction)


def _distance(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Row-wise Euclidean distance, with torch's ``pairwise_distance`` convention
    ``|first - second + eps|``."""
    return (first - second + PAIRWISE_EPS).pow(2).sum(-1).sqrt()


def triplet_loss(anchor, positive, negative, margin: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    """The triplet loss of Schroff, Kalenichenko and Philbin (2015, FaceNet).

    .. math:: L = \\max\\bigl(0,\\ d(a, p) - d(a, n) + m\\bigr)

    with Euclidean distances: the anchor must be closer to the positive (same identity) than
    to the negative (another identity) by at least the margin :math:`m`. Distances follow
    ``torch.nn.TripletMarginLoss`` with its defaults (``p=2``, ``eps=1e-6`` added to the
    difference: ``|a - p + 1e-6|``; ``swap=False``), so the two agree to rounding. FaceNet
    itself squared the distances.

    Parameters
    ----------
    anchor, positive, negative : torch.Tensor, shape (N, D)
        Embeddings; row ``i`` of the three is one triplet.
    margin : float
        > 0; torch's default is 1. FaceNet used 0.2 on squared distances between
        unit-length embeddings.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    torch.Tensor
        A scalar, or shape (N,) with ``reduction="none"``.

    Examples
    --------
    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.5]])
    >>> round(triplet_loss(a, p, n, margin=1.0).item(), 4)
    0.5
    """
    anchor = _tensor(anchor, "anchor", 2, " (N, D): one embedding per row")
    positive = _tensor(positive, "positive", 2, " (N, D): one embedding per row")
    negative = _tensor(negative, "negative", 2, " (N, D): one embedding per row")
    if positive.shape != anchor.shape or negative.shape != anchor.shape:
        raise ValueError(f"anchor, positive and negative must have the same shape; got {tuple(anchor.shape)}, "
                         f"{tuple(positive.shape)} and {tuple(negative.shape)}.")
    margin = check_number(margin, "margin", low=0, low_inclusive=False, finite=True)
    losses = F.relu(_distance(anchor, positive) - _distance(anchor, negative) + margin)
    return _reduce(losses, reduction)


def batch_hard_triplets(embeddings, labels) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For every embedding of a batch, its hardest positive and hardest negative.

    Batch-hard mining (Hermans, Beyer and Leibe 2017): the anchor's hardest positive is the
    *farthest* embedding of its own class, its hardest negative the *nearest* embedding of
    another class. Anchors whose class has no other member, or no other class in the batch,
    are dropped. Ties go to the lowest index.

    Parameters
    ----------
    embeddings : torch.Tensor, shape (N, D)
    labels : array_like of int, shape (N,)

    Returns
    -------
    anchors, positives, negatives : torch.Tensor of int64
        Indices into the batch, one triplet per kept anchor.

    Examples
    --------
    >>> e = torch.tensor([[0.0], [1.0], [3.0], [1.5]])
    >>> [t.tolist() for t in batch_hard_triplets(e, [0, 0, 0, 1])]
    [[0, 1, 2], [2, 2, 0], [3, 3, 3]]
    """
    embeddings = _tensor(embeddings, "embeddings", 2, " (N, D): one embedding per row")
    labels = _labels_tensor(labels, len(embeddings), embeddings.device)
    with torch.no_grad():
        distances = pairwise_distances(embeddings)
        same = labels[:, None] == labels[None, :]
        itself = torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
        positive_pool = same & ~itself
        far = distances.masked_fill(~positive_pool, -1.0)
        near = distances.masked_fill(same, float("inf"))
        keep = positive_pool.any(1) & (~same).any(1)
        anchors = torch.nonzero(keep).flatten()
        return anchors, far.argmax(1)[anchors], near.argmin(1)[anchors]


def batch_hard_triplet_loss(embeddings, labels, margin: float = 0.5, reduction: str = "mean") -> torch.Tensor:
    """The triplet loss over the batch-hard triplets of a batch (Hermans et al. 2017).

    Parameters
    ----------
    embeddings : torch.Tensor, shape (N, D)
    labels : array_like of int, shape (N,)
        A batch of P classes with K >= 2 images each is what the mining expects.
    margin : float
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    torch.Tensor
        :func:`triplet_loss` of ``embeddings[anchors], embeddings[positives],
        embeddings[negatives]`` for the triplets of :func:`batch_hard_triplets`.

    Raises
    ------
    ValueError
        If the batch holds no triplet (every class once, or a single class).
    """
    anchors, positives, negatives = batch_hard_triplets(embeddings, labels)
    if len(anchors) == 0:
        raise ValueError("labels must give at least one triplet: two images of one class and one of another.")
    return triplet_loss(embeddings[anchors], embeddings[positives], embeddings[negatives], margin, reduction)


def random_affine(images, rng, rotation: float = 0.12, scale: float = 0.06, shear: float = 0.12,
                  shift: float = 0.05) -> torch.Tensor:
    """Each image of a batch warped by its own small random affine map (augmentation).

    Rotation (radians), scale, horizontal shear and shift (as a fraction of the half width)
    are drawn from normal distributions with the given standard deviations; pixels are
    resampled bilinearly, zeros outside. The defaults (standard deviations of about 7 degrees
    of rotation and 6% of scale) gave chapter 18's embedding its best one-shot accuracy on the
    unseen digits among the strengths tried; stronger warps lowered it.

    Parameters
    ----------
    images : torch.Tensor, shape (N, C, H, W)
    rng : numpy.random.Generator
    rotation, scale, shear, shift : float
        Standard deviations, >= 0 (all zero: the images come back unchanged).

    Returns
    -------
    torch.Tensor, shape (N, C, H, W)
    """
    images = _tensor(images, "images", 4, " (N, C, H, W)")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {_describe(rng)}.")
    spreads = [check_number(v, n, low=0, finite=True) for v, n in
               ((rotation, "rotation"), (scale, "scale"), (shear, "shear"), (shift, "shift"))]
    n = len(images)
    angle, size, slant = (torch.as_tensor(rng.normal(c, s, n), dtype=images.dtype)
                          for c, s in zip((0.0, 1.0, 0.0), spreads[:3]))
    offset = torch.as_tensor(rng.normal(0.0, spreads[3], (n, 2)), dtype=images.dtype)
    cos, sin = size * torch.cos(angle), size * torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin + slant, offset[:, 0]], 1),
                         torch.stack([sin, cos, offset[:, 1]], 1)], 1).to(images.device)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)


def _images_tensor(images) -> torch.Tensor:
    """Images (N, H, W) or (N, C, H, W), uint8 (0-255) or float (0-1), as float32 (N, C, H, W)."""
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    array = as_array(images, "images")
    if array.ndim not in (3, 4):
        raise ValueError(f"images must be a batch (N, H, W) or (N, C, H, W); got shape {array.shape}.")
    check_not_empty(array, "images")
    if not np.isfinite(array).all():
        raise ValueError("images must hold finite numbers; they contain NaN or infinity.")
    array = array / 255.0 if array.dtype == np.uint8 else array
    tensor = torch.as_tensor(np.asarray(array, dtype=np.float32))
    return tensor[:, None] if tensor.ndim == 3 else tensor


def fit_embedding(model, images, labels, steps: int = 500, classes_per_batch: int = 5,
                  images_per_class: int = 16, margin: float = 0.5, lr: float = 1e-3, seed: int = 0,
                  augment: bool = True, every_batch=(), device=None, progress: bool = True) -> list[float]:
    """Train an embedding network with batch-hard triplets on P x K batches.

    Every step draws ``classes_per_batch`` classes (P) and ``images_per_class`` images (K)
    of each, warps them with :func:`random_affine` (if ``augment``), and takes one Adam step
    on :func:`batch_hard_triplet_loss` (through :func:`cvcourse.train.train_step`). The
    classes in ``every_batch`` join every batch; the others fill the remaining places at random.
    The learning rate follows a one-cycle schedule (Smith and Topin 2019), as PyTorch's
    ``OneCycleLR`` draws it with its defaults: it rises from ``lr / 25`` to ``lr`` over the
    first 30% of the steps, then falls to nearly zero (``lr / 250000``), both along cosines
    (Smith and Topin went up and down along straight lines), while Adam's beta1 moves the
    opposite way between 0.95 and 0.85. With very few steps (under about five) the schedule
    has no room to climb and the network hardly learns. Model and batches use the
    channels-last memory layout, in which PyTorch's CPU convolutions and pooling run faster (a
    step of chapter 18 took 23 ms on two cores, against 35 ms in the default layout): the same
    arithmetic, in another order, so the results differ only by rounding; the model is left in
    that layout.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, C, H, W) images to (N, D) embeddings, e.g. :class:`EmbeddingNet`.
    images : numpy.ndarray, shape (N, H, W) or (N, C, H, W)
        uint8 in 0-255 or float in [0, 1].
    labels : numpy.ndarray of int, shape (N,)
        At least two classes, each with at least ``images_per_class`` images.
    steps, classes_per_batch, images_per_class : int
    margin : float
    lr : float
        The peak learning rate.
    seed : int
        Seeds the batches, the augmentation and PyTorch: same seed, same device, same model.
    augment : bool
    every_batch : list, tuple or 1-D array of int
        Classes drawn into every batch (fewer than ``classes_per_batch``), e.g. the classes
        closest to the task, so that their hardest triplets are mined at every step.
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.
    progress : bool

    Returns
    -------
    list of float
        The loss of every step.
    """
    from .train import _check_module, _resolve_device, seed_everything, train_step
    from .widgets import progress_bar

    _check_module(model)
    pixels = _images_tensor(images)
    classes = _labels_tensor(labels, len(pixels), "cpu").numpy()
    steps = check_number(steps, "steps", low=1, integer=True)
    per_batch = check_number(classes_per_batch, "classes_per_batch", low=2, integer=True)
    per_class = check_number(images_per_class, "images_per_class", low=2, integer=True)
    margin = check_number(margin, "margin", low=0, low_inclusive=False, finite=True)
    lr = check_number(lr, "lr", low=0, low_inclusive=False, finite=True)
    members = {c: np.flatnonzero(classes == c) for c in np.unique(classes)}
    if len(members) < per_batch:
        raise ValueError(f"labels must hold at least classes_per_batch={per_batch} classes; got {len(members)}.")
    if min(len(m) for m in members.values()) < per_class:
        raise ValueError(f"every class must have at least images_per_class={per_class} images.")
    always = np.asarray(every_batch) if isinstance(every_batch, (tuple, list, np.ndarray)) else None
    if always is None or always.ndim != 1 or (always.size and always.dtype.kind not in "iu"):
        raise TypeError(f"every_batch must be a list of integer classes; got {_describe(every_batch)}.")
    always = np.unique(always.astype(np.int64))
    always_set = set(always.tolist())
    if not always_set <= set(members):
        raise ValueError(f"every_batch names classes not in labels: {sorted(always_set - set(members))}.")
    if len(always) >= per_batch:
        raise ValueError(f"every_batch must name fewer than classes_per_batch={per_batch} classes; got {len(always)}.")
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    device = _resolve_device(device)
    model.to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps)
    others = np.array([c for c in sorted(members) if c not in always_set])
    losses = []
    with progress_bar(steps, enabled=progress, unit="step") as bar:
        for _ in range(steps):
            chosen = np.concatenate([always, rng.choice(others, per_batch - len(always), replace=False)])
            index = np.concatenate([rng.choice(members[c], per_class, replace=False) for c in chosen])
            batch = random_affine(pixels[index], rng) if augment else pixels[index]
            batch = batch.to(device, memory_format=torch.channels_last)
            loss, _ = train_step(model, batch, torch.as_tensor(classes[index], device=device),
                                 optimizer, lambda out, y: batch_hard_triplet_loss(out, y, margin))
            schedule.step()
            losses.append(loss)
            bar.update(1)
    model.eval()
    return losses


def embed(model, images, batch_size: int = 512, device=None) -> np.ndarray:
    """The embeddings of a set of images, as a NumPy array, in evaluation mode.

    Parameters
    ----------
    model : torch.nn.Module
    images : numpy.ndarray, shape (N, H, W) or (N, C, H, W)
        uint8 in 0-255 or float in [0, 1].
    batch_size : int
    device : torch.device or str, optional

    Returns
    -------
    numpy.ndarray of float32, shape (N, D)
    """
    from .train import _check_module, _resolve_device

    _check_module(model)
    pixels = _images_tensor(images)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    device = _resolve_device(device)
    model.to(device).eval()
    with torch.no_grad():
        parts = [model(pixels[i:i + batch_size].to(device)).cpu() for i in range(0, len(pixels), batch_size)]
    return torch.cat(parts).numpy()


def _distances_and_same(distances, same) -> tuple[np.ndarray, np.ndarray]:
    distances = as_array(distances, "distances")
    check_ndim(distances, 1, "distances", " (one distance per pair)")
    check_not_empty(distances, "distances")
    if not np.isfinite(distances).all():
        raise ValueError("distances must hold finite numbers; they contain NaN or infinity.")
    same = as_array(same, "same")
    check_ndim(same, 1, "same", " (one flag per pair)")
    if len(same) != len(distances):
        raise ValueError(f"distances and same must have the same length (one flag per distance); "
                         f"got {len(distances)} distances and {len(same)} flags.")
    if same.dtype != np.bool_ and not np.isin(same, (0, 1)).all():
        raise ValueError("same must hold booleans (or 0 and 1): True where the pair shows one identity.")
    return distances.astype(np.float64), same.astype(bool)


def error_rates(distances, same, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """False-accept and false-reject rates of the verifier "same if distance <= threshold".

    The **false-accept rate** (FAR) is the fraction of different-identity pairs accepted;
    the **false-reject rate** (FRR) the fraction of same-identity pairs rejected.

    Parameters
    ----------
    distances : array_like, shape (N,)
    same : array_like of bool, shape (N,)
        Needs at least one pair of each kind.
    thresholds : float or array_like of floats

    Returns
    -------
    far, frr : numpy.ndarray of float64
        The shape of ``thresholds``.

    Examples
    --------
    >>> far, frr = error_rates([0.1, 0.4, 0.35, 0.8], [True, True, False, False], 0.38)
    >>> float(far), float(frr)
    (0.5, 0.5)
    """
    distances, same = _distances_and_same(distances, same)
    if same.all() or not same.any():
        raise ValueError("same must hold at least one same-identity pair and one different-identity pair.")
    thresholds = as_array(thresholds, "thresholds").astype(np.float64)
    if np.isnan(thresholds).any():
        raise ValueError("thresholds must be numbers; got NaN.")
    accepted = distances[:, None] <= thresholds.reshape(1, -1)
    far = accepted[~same].mean(0)
    frr = 1.0 - accepted[same].mean(0)
    return far.reshape(thresholds.shape), frr.reshape(thresholds.shape)


@dataclass
class VerificationROC:
    """What :func:`verification_roc` measures.

    ``thresholds`` are increasing (the first, ``-inf``, accepts nothing); ``far[i]`` and
    ``frr[i]`` are the error rates of "same if distance <= thresholds[i]"; ``tpr = 1 - frr``
    is the ROC curve's vertical axis against ``far``. ``threshold`` is the largest threshold
    whose FAR is at most ``target_far``, and ``far_at_target``, ``frr_at_target`` its rates.
    """

    thresholds: np.ndarray
    far: np.ndarray
    frr: np.ndarray
    auc: float
    target_far: float
    threshold: float
    far_at_target: float
    frr_at_target: float

    @property
    def tpr(self) -> np.ndarray:
        return 1.0 - self.frr

    @property
    def equal_error_rate(self) -> float:
        """The error where FAR and FRR cross (the mean of the two at the closest threshold)."""
        i = int(np.argmin(np.abs(self.far - self.frr)))
        return float((self.far[i] + self.frr[i]) / 2)


def verification_roc(distances, same, target_far: float = 0.01) -> VerificationROC:
    """The ROC curve of a distance-threshold verifier, its AUC, and the threshold for a
    target false-accept rate.

    Every distinct distance is a threshold. With scores ``-distances`` this equals
    ``sklearn.metrics.roc_curve(same, -distances, drop_intermediate=False)`` (``fpr`` is the
    FAR, ``tpr`` is 1 - FRR, thresholds negated) and ``roc_auc_score``.

    Parameters
    ----------
    distances : array_like, shape (N,)
    same : array_like of bool, shape (N,)
        At least one pair of each kind.
    target_far : float in [0, 1]
        The false-accept rate the deployment can live with: unlocking a phone needs one in a
        million or less (the rate Apple states for Face ID).

    Returns
    -------
    VerificationROC

    Examples
    --------
    >>> roc = verification_roc([0.1, 0.4, 0.35, 0.8], [True, True, False, False], target_far=0.0)
    >>> roc.auc, roc.threshold, roc.frr_at_target
    (0.75, 0.1, 0.5)
    """
    distances, same = _distances_and_same(distances, same)
    target_far = check_number(target_far, "target_far", low=0, high=1)
    if same.all() or not same.any():
        raise ValueError("same must hold at least one same-identity pair and one different-identity pair.")
    thresholds = np.concatenate([[-np.inf], np.unique(distances)])
    far, frr = error_rates(distances, same, thresholds)
    tpr = 1.0 - frr
    auc = float(np.sum(np.diff(far) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids
    best = int(np.flatnonzero(far <= target_far)[-1])
    return VerificationROC(thresholds, far, frr, auc, target_far, float(thresholds[best]),
                           float(far[best]), float(frr[best]))


def few_shot_episodes(labels, n_way: int = 5, k_shot: int = 1, queries: int = 5, episodes: int = 1000,
                      seed: int = 0, query_alpha: float | None = None) -> list[tuple[np.ndarray, np.ndarray | list]]:
    """Draw N-way K-shot episodes: N classes, K support and ``queries`` query images of each.

    Parameters
    ----------
    labels : array_like of int, shape (M,)
        The class of every image in the pool.
    n_way, k_shot, queries, episodes : int
    seed : int
    query_alpha : float, optional
        If given, the episode's ``n_way * queries`` queries are shared among its classes
        unevenly: the class proportions are drawn from a symmetric Dirichlet distribution with
        this concentration (Veilleux et al. 2021, who proposed it for testing transductive
        methods; smaller, more uneven; 1 is uniform over all proportions), and the counts here
        from the multinomial distribution with those proportions. A class may then get no query
        at all. Only classes with at least ``k_shot + n_way * queries`` images are drawn, since
        one class may get every query.

    Returns
    -------
    list of (support, query)
        ``support`` is an index array into ``labels`` of shape (n_way, k_shot), row ``i`` the
        episode's ``i``-th class. ``query`` is an index array of shape (n_way, queries) whose
        row ``i`` holds that class's queries, or, with ``query_alpha``, a list of n_way index
        arrays of varying lengths. Either way ``query[i]`` are the queries of class ``i``.
    """
    labels = as_array(labels, "labels")
    check_ndim(labels, 1, "labels", " (one class per image)")
    if labels.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integer classes; got dtype {labels.dtype}.")
    n_way = check_number(n_way, "n_way", low=2, integer=True)
    k_shot = check_number(k_shot, "k_shot", low=1, integer=True)
    queries = check_number(queries, "queries", low=1, integer=True)
    episodes = check_number(episodes, "episodes", low=1, integer=True)
    if query_alpha is not None:
        query_alpha = check_number(query_alpha, "query_alpha", low=0, low_inclusive=False, finite=True)
    # uneven queries may all fall on one class, which must then hold them all
    most = queries if query_alpha is None else n_way * queries
    classes, counts = np.unique(labels, return_counts=True)
    usable = classes[counts >= k_shot + most]
    if len(usable) < n_way:
        raise ValueError(f"labels must have n_way={n_way} classes with k_shot + {'' if query_alpha is None else 'n_way * '}"
                         f"queries = {k_shot + most} images each; got {len(usable)}.")
    members = {c: np.flatnonzero(labels == c) for c in usable}
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(episodes):
        chosen = rng.choice(usable, n_way, replace=False)
        if query_alpha is None:
            picks = np.stack([rng.choice(members[c], k_shot + queries, replace=False) for c in chosen])
            drawn.append((picks[:, :k_shot], picks[:, k_shot:]))
            continue
        shares = rng.multinomial(n_way * queries, rng.dirichlet(np.full(n_way, query_alpha)))
        picks = [rng.choice(members[c], k_shot + share, replace=False) for c, share in zip(chosen, shares)]
        drawn.append((np.stack([p[:k_shot] for p in picks]), [p[k_shot:] for p in picks]))
    return drawn


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(Q, N) squared Euclidean distances from every point to every centre."""
    return ((points[:, None, :] - centres[None]) ** 2).sum(-1)


def refine_prototypes(prototypes, queries, k_shot: int = 1, steps: int = 1, temperature: float = 0.2) -> np.ndarray:
    """Move class prototypes towards the unlabelled queries of their episode (soft k-means).

    Transductive inference (Ren et al. 2018): each step gives every query a soft membership
    of each class, the softmax over classes of ``-squared distance / temperature``, and moves
    every prototype to the weighted mean of its K support embeddings (weight 1 each) and the
    queries (weighted by their membership)::

        w[q, c] = softmax_c(-|x_q - p_c|^2 / temperature)
        p_c <- (K * mean of c's support + sum_q w[q, c] x_q) / (K + sum_q w[q, c])

    The support mean stays fixed: every step starts from it and the current memberships. The
    memberships are the responsibilities of a mixture of spherical Gaussians with equal
    weights and variance ``temperature / 2``, as ``sklearn.mixture.GaussianMixture`` computes
    them.

    Parameters
    ----------
    prototypes : array_like, shape (N, D)
        The mean support embedding of each class.
    queries : array_like, shape (Q, D)
        The episode's unlabelled query embeddings.
    k_shot : int
        Support images behind each prototype (its weight).
    steps : int
        Refinement steps; 0 returns the prototypes unchanged.
    temperature : float
        Softness of the memberships (smaller, closer to hard k-means).

    Returns
    -------
    numpy.ndarray, shape (N, D)

    Examples
    --------
    >>> refine_prototypes([[0.0], [4.0]], [[1.0], [3.0], [5.0]], steps=1, temperature=1e-3)
    array([[0.5],
           [4. ]])
    """
    prototypes = as_array(prototypes, "prototypes").astype(np.float64)
    queries = as_array(queries, "queries").astype(np.float64)
    check_ndim(prototypes, 2, "prototypes", " (N, D): one prototype per row")
    check_ndim(queries, 2, "queries", " (Q, D): one query per row")
    check_not_empty(prototypes, "prototypes")
    for values, name in [(prototypes, "prototypes"), (queries, "queries")]:
        if not np.isfinite(values).all():
            raise ValueError(f"{name} must hold finite numbers; they contain NaN or infinity.")
    if queries.shape[1] != prototypes.shape[1]:
        raise ValueError(f"queries must have the prototypes' length D={prototypes.shape[1]}; got {queries.shape[1]}.")
    k_shot = check_number(k_shot, "k_shot", low=1, integer=True)
    steps = check_number(steps, "steps", low=0, integer=True)
    temperature = check_number(temperature, "temperature", low=0, low_inclusive=False, finite=True)
    return _refined(prototypes, queries, k_shot, steps, temperature)


def _refined(prototypes: np.ndarray, queries: np.ndarray, k_shot: int, steps: int, temperature: float) -> np.ndarray:
    """:func:`refine_prototypes` on checked float arrays and numbers."""
    support_sum = k_shot * prototypes
    refined = prototypes
    for _ in range(steps):
        logits = -_squared_distances(queries, refined) / temperature
        weights = np.exp(logits - logits.max(1, keepdims=True))
        weights /= weights.sum(1, keepdims=True)
        refined = (support_sum + weights.T @ queries) / (k_shot + weights.sum(0))[:, None]
    return refined


def n_way_k_shot_accuracy(embeddings, labels, n_way: int = 5, k_shot: int = 1, queries: int = 5,
                          episodes: int = 1000, seed: int = 0, transductive_steps: int = 0,
                          temperature: float = 0.2, query_alpha: float | None = None) -> float:
    """Few-shot identification accuracy by the nearest class mean ("prototype").

    In every episode of :func:`few_shot_episodes`, each class is represented by the mean of
    its K support embeddings (Snell, Swersky and Zemel 2017; with K = 1, the single support
    image itself), and each query is given the class of the nearest prototype (Euclidean).
    That is **inductive**: each query is decided alone. With ``transductive_steps`` > 0 the
    prototypes are first moved by the episode's queries together (:func:`refine_prototypes`),
    which is **transductive** and assumes the queries arrive as a batch.

    Parameters
    ----------
    embeddings : array_like, shape (M, D)
    labels : array_like of int, shape (M,)
    n_way, k_shot, queries, episodes, seed, query_alpha
        As in :func:`few_shot_episodes`.
    transductive_steps : int
        Soft k-means steps of :func:`refine_prototypes`; 0 (the default) is inductive.
    temperature : float
        As in :func:`refine_prototypes`.

    Returns
    -------
    float
        The fraction of queries, over all episodes, given their own class. Chance is 1 / n_way.
    """
    embeddings = as_array(embeddings, "embeddings")
    check_ndim(embeddings, 2, "embeddings", " (M, D): one embedding per row")
    check_not_empty(embeddings, "embeddings")
    if not np.isfinite(embeddings).all():
        raise ValueError("embeddings must hold finite numbers; they contain NaN or infinity.")
    labels = as_array(labels, "labels")
    if labels.shape != (len(embeddings),):
        raise ValueError(f"labels must hold one class per embedding, shape ({len(embeddings)},); got {labels.shape}.")
    transductive_steps = check_number(transductive_steps, "transductive_steps", low=0, integer=True)
    temperature = check_number(temperature, "temperature", low=0, low_inclusive=False, finite=True)
    embeddings = embeddings.astype(np.float64)
    correct = total = 0
    for support, query in few_shot_episodes(labels, n_way, k_shot, queries, episodes, seed, query_alpha):
        points = embeddings[np.concatenate(list(query))]
        truth = np.repeat(np.arange(len(support)), [len(q) for q in query])
        # checked once above, not in every episode
        prototypes = _refined(embeddings[support].mean(axis=1), points, len(support[0]), transductive_steps, temperature)
        correct += int((_squared_distances(points, prototypes).argmin(1) == truth).sum())
        total += len(truth)
    return correct / total
