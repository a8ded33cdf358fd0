"""Behaviour prediction: anchor trajectories, MultiPath (Chai et al. 2019) and its metrics.

A prediction is a set of K future trajectories (modes) for an agent, each with a probability.
MultiPath fixes K **anchor trajectories** in advance, by k-means over the futures of the
training set (:func:`trajectory_anchors`), and for each agent predicts a probability per
anchor, an offset from each anchor at every time step and a Gaussian uncertainty around it
(:class:`MultiPath`). It is trained by the negative log-likelihood of the true future
(:func:`multipath_nll`) and scored by the distance of the best of its modes to the truth
(:func:`min_ade`, :func:`min_fde`). :func:`constant_velocity` is the baseline to beat.

Trajectories are arrays of shape (..., T, 2): T positions (x, y), in metres, in the agent's frame.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._validate import _describe, as_array, check_finite, check_number
from .segmentation import kmeans

__all__ = ["trajectory_anchors", "MultiPath", "multipath_nll", "min_ade", "min_fde", "constant_velocity",
           "displacements", "predict"]


def _trajectories(value, name: str, ndim: int, what: str) -> np.ndarray:
    array = as_array(value, name)
    if array.ndim != ndim or array.shape[-1] != 2:
        raise ValueError(f"{name} must be {what}; got {_describe(array)}.")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got {_describe(array)}.")
    check_finite(array, name)
    return array.astype(np.float64)


def trajectory_anchors(trajectories, k, *, init="k-means++", seed=0):
    """K anchor trajectories: the centres of k-means over whole future trajectories.

    Each trajectory of T positions is one point of a 2T-dimensional space, and the distance
    between two trajectories is the squared Euclidean distance summed over all their
    positions, as in MultiPath. The clustering is the course's own
    :func:`cvcourse.segmentation.kmeans`, run until no trajectory changes cluster.

    Parameters
    ----------
    trajectories : array_like, shape (N, T, 2)
    k : int
        Number of anchors, 1 <= k <= N.
    init : 'k-means++', 'greedy k-means++', 'random' or array_like of shape (k, T, 2)
        How k-means starts: a seeding rule or the initial anchors.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray of float64, shape (k, T, 2)

    Examples
    --------
    >>> futures = np.array([[[1.0, 0], [2, 0]], [[1.2, 0], [2.2, 0]], [[1, 1], [1, 2]]])
    >>> trajectory_anchors(futures, 2, init=futures[[0, 2]]).round(2).tolist()
    [[[1.1, 0.0], [2.1, 0.0]], [[1.0, 1.0], [1.0, 2.0]]]
    """
    futures = _trajectories(trajectories, "trajectories", 3, "trajectories of shape (N, T, 2)")
    k = check_number(k, "k", low=1, high=len(futures), integer=True)
    if not isinstance(init, str):
        init = _trajectories(init, "init", 3, f"initial anchors of shape (k, T, 2) = {(k, *futures.shape[1:])}")
        if init.shape != (k, *futures.shape[1:]):
            raise ValueError(f"init must have shape (k, T, 2) = {(k, *futures.shape[1:])}; got {init.shape}.")
        init = init.reshape(k, -1)
    _, centres, _ = kmeans(futures.reshape(len(futures), -1), k, init=init, tol=0.0, seed=seed)
    return centres.reshape(k, *futures.shape[1:])


class MultiPath(nn.Module):
    """MultiPath's output head (Chai et al. 2019) on a small encoder of the agent's state.

    For K fixed anchors :math:`a^k` it predicts, from the agent's features, a score per
    anchor (softmax gives the mode probabilities :math:`\\pi_k`), an offset
    :math:`\\mu^k_t` from each anchor at each step, and a standard deviation per step and
    coordinate: mode k says the agent will be at :math:`a^k_t + \\mu^k_t` give or take
    :math:`\\sigma^k_t`. The paper encodes a top-down raster of the scene with a CNN and
    allows a full 2x2 covariance; here an MLP encodes a feature vector (past positions and
    map information) and the covariance is diagonal.

    Parameters
    ----------
    anchors : array_like, shape (K, T, 2)
        From :func:`trajectory_anchors`; kept in the model as a buffer (not trained).
    in_features : int
        Length of the feature vector of one agent.
    hidden : int
        Width of the encoder's two hidden layers.

    Forward
    -------
    ``model(features)`` with features of shape (B, in_features) returns ``(logits, means,
    log_scales)`` of shapes (B, K), (B, K, T, 2) and (B, K, T, 2): scores of the modes, their
    positions (anchor plus offset) and the logarithms of their standard deviations.

    Examples
    --------
    >>> model = MultiPath(np.zeros((3, 4, 2)), in_features=5)
    >>> [tuple(out.shape) for out in model(torch.zeros(2, 5))]
    [(2, 3), (2, 3, 4, 2), (2, 3, 4, 2)]
    """

    def __init__(self, anchors, in_features: int, hidden: int = 128):
        super().__init__()
        anchors = _trajectories(anchors, "anchors", 3, "anchor trajectories of shape (K, T, 2)")
        in_features = check_number(in_features, "in_features", low=1, integer=True)
        hidden = check_number(hidden, "hidden", low=1, integer=True)
        self.register_buffer("anchors", torch.as_tensor(anchors, dtype=torch.float32))
        self.num_modes, self.steps = anchors.shape[0], anchors.shape[1]
        self.encoder = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        # per mode: one score, then an offset and a log standard deviation per step and coordinate
        self.head = nn.Linear(hidden, self.num_modes * (1 + 4 * self.steps))

    def forward(self, features):
        out = self.head(self.encoder(features))
        logits = out[:, :self.num_modes]
        rest = out[:, self.num_modes:].reshape(-1, self.num_modes, self.steps, 4)
        return logits, self.anchors + rest[..., :2], rest[..., 2:]


def _check_mixture(logits, means, log_scales, target):
    for name, value in (("logits", logits), ("means", means), ("log_scales", log_scales), ("target", target)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor; got {_describe(value)}.")
    if means.ndim != 4 or means.shape[-1] != 2:
        raise ValueError(f"means must have shape (B, K, T, 2); got {tuple(means.shape)}.")
    batch, modes, steps, _ = means.shape
    for name, value, shape in (("logits", logits, (batch, modes)), ("log_scales", log_scales, tuple(means.shape)),
                               ("target", target, (batch, steps, 2))):
        if tuple(value.shape) != shape:
            raise ValueError(f"{name} must have shape {shape} to go with means {tuple(means.shape)}; "
                             f"got {tuple(value.shape)}.")


def multipath_nll(logits, means, log_scales, target, anchors=None):
    """Negative log-likelihood of the true futures under MultiPath's mixture, averaged over the batch.

    Mode k is a Gaussian over the whole trajectory, independent across steps and coordinates:
    :math:`\\log N_k = \\sum_{t,c} \\log \\mathcal{N}(s_{t,c};\\ m^k_{t,c}, \\sigma^k_{t,c})`.

    - With ``anchors`` (MultiPath's training loss), each true future is assigned to its
      closest anchor :math:`k^*` (least squared distance summed over the trajectory), and the
      loss is :math:`-\\log \\pi_{k^*} - \\log N_{k^*}`: a classification of the anchor plus
      a regression of the trajectory within it.
    - Without, it is the mixture's own likelihood,
      :math:`-\\log \\sum_k \\pi_k N_k`, computed with log-sum-exp. It is never larger than
      the hard-assignment loss.

    Parameters
    ----------
    logits : torch.Tensor, shape (B, K)
        Mode scores; :math:`\\pi = \\mathrm{softmax}(\\text{logits})`.
    means, log_scales : torch.Tensor, shape (B, K, T, 2)
        Predicted positions of each mode and the logs of their standard deviations.
    target : torch.Tensor, shape (B, T, 2)
        The true futures.
    anchors : torch.Tensor of shape (K, T, 2), optional
        The anchors, for the hard assignment.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> zeros = torch.zeros(1, 1, 1, 2)
    >>> round(float(multipath_nll(torch.zeros(1, 1), zeros, zeros, torch.zeros(1, 1, 2))), 4)  # log(2 pi)
    1.8379
    """
    _check_mixture(logits, means, log_scales, target)
    log_pi = torch.log_softmax(logits, dim=1)
    z = (target[:, None] - means) * torch.exp(-log_scales)
    log_density = (-0.5 * z ** 2 - log_scales - 0.5 * math.log(2 * math.pi)).sum(dim=(2, 3))  # (B, K)
    if anchors is None:
        return -torch.logsumexp(log_pi + log_density, dim=1).mean()
    if not isinstance(anchors, torch.Tensor):
        raise TypeError(f"anchors must be a torch.Tensor or None; got {_describe(anchors)}.")
    if tuple(anchors.shape) != tuple(means.shape[1:]):
        raise ValueError(f"anchors must have shape (K, T, 2) = {tuple(means.shape[1:])}; got {tuple(anchors.shape)}.")
    closest = ((target[:, None] - anchors[None].to(target)) ** 2).sum(dim=(2, 3)).argmin(dim=1)
    rows = torch.arange(len(target), device=target.device)
    return -(log_pi[rows, closest] + log_density[rows, closest]).mean()


def displacements(predictions, target):
    """Distance (m) of every predicted mode from the truth at every step.

    Parameters
    ----------
    predictions : array_like, shape (N, K, T, 2)
        K predicted trajectories per agent.
    target : array_like, shape (N, T, 2)

    Returns
    -------
    numpy.ndarray of float64, shape (N, K, T)
    """
    predictions = _trajectories(predictions, "predictions", 4, "K trajectories per agent, shape (N, K, T, 2)")
    target = _trajectories(target, "target", 3, "one trajectory per agent, shape (N, T, 2)")
    if target.shape != (predictions.shape[0], *predictions.shape[2:]):
        raise ValueError(f"target must have shape (N, T, 2) = {(predictions.shape[0], *predictions.shape[2:])} "
                         f"to go with predictions {predictions.shape}; got {target.shape}.")
    return np.linalg.norm(predictions - target[:, None], axis=-1)


def min_ade(predictions, target):
    """minADE: the average displacement error of each agent's best mode, averaged over agents.

    For each agent, the mean distance from the truth over the T steps is computed for every
    one of its K modes, and the smallest is kept: a prediction is scored by its best guess,
    so that K modes that cover K possible futures are not punished for the futures that did
    not happen. This is the Waymo Open Motion Dataset's and nuScenes' definition; Argoverse
    instead reports the ADE of the mode with the least final error (see :func:`min_fde`),
    which is never smaller.

    Parameters
    ----------
    predictions : array_like, shape (N, K, T, 2)
    target : array_like, shape (N, T, 2)

    Returns
    -------
    float

    Examples
    --------
    >>> truth = np.zeros((1, 2, 2))
    >>> min_ade(np.stack([truth + [0, 1], truth + [3, 4]], axis=1), truth)
    1.0
    """
    return float(displacements(predictions, target).mean(axis=2).min(axis=1).mean())


def min_fde(predictions, target):
    """minFDE: the final displacement error (at the last step) of each agent's best mode,
    averaged over agents.

    Parameters
    ----------
    predictions : array_like, shape (N, K, T, 2)
    target : array_like, shape (N, T, 2)

    Returns
    -------
    float

    Examples
    --------
    >>> truth = np.zeros((1, 2, 2))
    >>> min_fde(np.stack([truth + [0, 1], truth + [3, 4]], axis=1), truth)
    1.0
    """
    return float(displacements(predictions, target)[:, :, -1].min(axis=1).mean())


def constant_velocity(past, steps, window=4):
    """The baseline: keep the recent velocity, as one mode per agent.

    The velocity is the mean displacement per step over the last ``window`` positions
    (averaging a few steps tames the noise of the observed positions).

    Parameters
    ----------
    past : array_like, shape (N, P, 2)
        Observed positions, oldest first (P >= 2).
    steps : int
        Steps to predict.
    window : int
        Positions the velocity is estimated from, 2 <= window; at most P are used.

    Returns
    -------
    numpy.ndarray of float64, shape (N, 1, steps, 2)

    Examples
    --------
    >>> constant_velocity([[[0.0, 0.0], [1.0, 0.5]]], 2).tolist()
    [[[[2.0, 1.0], [3.0, 1.5]]]]
    """
    past = _trajectories(past, "past", 3, "observed trajectories of shape (N, P, 2)")
    if past.shape[1] < 2:
        raise ValueError(f"past must hold at least 2 positions per agent to give a velocity; got {past.shape[1]}.")
    steps = check_number(steps, "steps", low=1, integer=True)
    window = min(check_number(window, "window", low=2, integer=True), past.shape[1])
    velocity = (past[:, -1] - past[:, -window]) / (window - 1)
    ahead = np.arange(1, steps + 1)[None, :, None]
    return (past[:, -1][:, None] + ahead * velocity[:, None])[:, None]


def predict(model, features, device=None):
    """Run a :class:`MultiPath` model and return its modes as NumPy arrays, most probable first.

    Parameters
    ----------
    model : MultiPath
    features : array_like, shape (N, in_features)
    device : torch.device or str, optional
        Defaults to :func:`cvcourse.device`.

    Returns
    -------
    probabilities : numpy.ndarray, shape (N, K)
        Sorted from the most to the least probable mode of each agent.
    means, scales : numpy.ndarray, shape (N, K, T, 2)
        Each mode's positions and standard deviations, in the same order.
    """
    from . import device as best_device

    if not isinstance(model, MultiPath):
        raise TypeError(f"model must be a MultiPath; got {_describe(model)}.")
    features = as_array(features, "features")
    if features.ndim != 2:
        raise ValueError(f"features must have shape (N, in_features); got {_describe(features)}.")
    check_finite(features, "features")
    device = best_device() if device is None else torch.device(device)
    model.to(device).eval()
    with torch.no_grad():
        logits, means, log_scales = model(torch.as_tensor(features, dtype=torch.float32, device=device))
    probabilities = torch.softmax(logits, dim=1).cpu().numpy()
    order = np.argsort(-probabilities, axis=1, kind="stable")
    rows = np.arange(len(order))[:, None]
    return (probabilities[rows, order], means.cpu().numpy()[rows, order].astype(np.float64),
            np.exp(log_scales.cpu().numpy()[rows, order]).astype(np.float64))
