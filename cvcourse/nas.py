"""Neural architecture search at toy scale: a search space, four searchers and DetNAS.

- :class:`SearchSpace`: a chain of ``num_layers`` layers, each one of a few candidate
  operations (:data:`OPERATIONS`); an architecture is a tuple of operation indices.
- Searchers over any ``objective(architecture) -> score`` (higher is better), each seeded and
  returning a :class:`SearchHistory` (architecture, score, evaluation count, seconds):
  :func:`random_search`, :func:`regularized_evolution` (Real et al. 2019, with
  :func:`mutate` and :func:`tournament_select`) and :func:`reinforce_search` (Zoph and Le
  2017: a policy over the choices trained with REINFORCE and a moving-average baseline).
- Cheap performance estimation by weight sharing: :class:`ChainSupernet` holds every
  candidate operation of every layer; :func:`train_supernet` trains it one random path per
  step (single-path one-shot, Guo et al. 2020) and :func:`accuracy_table` scores every
  architecture of the space with the shared weights, once, so that a search is a lookup.
- :func:`darts_search` (Liu, Simonyan and Yang 2019): :class:`MixedOp` mixes the candidate
  operations with softmax weights, the network's weights and architecture weights are
  updated in turn (first-order bilevel), and :meth:`DartsNetwork.derive` keeps the strongest
  operation of each layer.
- DetNAS (Chen et al. 2019) at toy scale: :class:`DetectionSupernet`, chapter 14's grid
  detector with a searchable backbone, trained one path per step on the detection loss, and
  :func:`detection_objective`, which scores a backbone by minus the detection loss on
  validation scenes, with the shared weights.

The networks are PyTorch and run on :func:`cvcourse.device` unless told otherwise; the
searchers are NumPy and take their randomness from ``seed`` only.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import _describe, as_array, check_callable, check_number, random_generator
from .detection.networks import GridDetector

__all__ = ["OPERATIONS", "SearchSpace", "SearchHistory", "make_operation", "random_search", "mutate",
           "tournament_select", "regularized_evolution", "reinforce_search", "ChainSupernet", "train_supernet",
           "accuracy_table", "MixedOp", "DartsNetwork", "darts_search", "BACKBONE_OPERATIONS",
           "DetectionSupernet", "detection_objective"]

#: The candidate operations of the classification search space; each keeps the shape of its input.
OPERATIONS = ("conv3x3", "conv5x5", "sepconv3x3", "dilconv3x3", "maxpool3x3", "identity")

#: The candidate blocks of DetNAS's backbone search space (each may also halve the size).
BACKBONE_OPERATIONS = ("conv3x3", "conv5x5", "sepconv3x3")


def _norm(channels: int) -> nn.Module:
    # Batch statistics at evaluation too (no running averages): a weight-shared operation sees
    # inputs of a different distribution under every path, so stored averages would be wrong
    # (single-path one-shot search recomputes them per architecture for the same reason).
    return nn.BatchNorm2d(channels, affine=False, track_running_stats=False)


def make_operation(name: str, channels: int, out_channels: int | None = None, stride: int = 1) -> nn.Module:
    """One candidate operation: ``channels`` in, ``out_channels`` (default the same) out.

    Convolutions are followed by normalisation and ReLU; ``sepconv3x3`` is a depthwise 3x3
    convolution then a pointwise 1x1 one; ``dilconv3x3`` a 3x3 convolution with dilation 2
    (a 5x5 field of view for a 3x3's weights). Pooling and ``identity`` have no weights and
    need ``out_channels == channels``. ``stride`` 2 halves the size.

    Parameters
    ----------
    name : str
        One of :data:`OPERATIONS`.
    channels, out_channels, stride : int

    Returns
    -------
    torch.nn.Module
    """
    if not isinstance(name, str) or name not in OPERATIONS:
        raise ValueError(f"name must be one of {OPERATIONS}; got {_describe(name)}.")
    channels = check_number(channels, "channels", low=1, integer=True)
    out_channels = channels if out_channels is None else check_number(out_channels, "out_channels", low=1,
                                                                      integer=True)
    stride = check_number(stride, "stride", low=1, high=2, integer=True)
    if name in ("maxpool3x3", "identity"):
        if out_channels != channels:
            raise ValueError(f"{name} cannot change the channels ({channels} to {out_channels}).")
        if name == "identity":
            return nn.Identity() if stride == 1 else nn.MaxPool2d(1, stride)
        return nn.MaxPool2d(3, stride, padding=1)
    if name == "sepconv3x3":
        layers = [nn.Conv2d(channels, channels, 3, stride, padding=1, groups=channels, bias=False),
                  nn.Conv2d(channels, out_channels, 1, bias=False)]
    else:
        size, dilation = {"conv3x3": (3, 1), "conv5x5": (5, 1), "dilconv3x3": (3, 2)}[name]
        layers = [nn.Conv2d(channels, out_channels, size, stride, padding=dilation * (size // 2), dilation=dilation,
                            bias=False)]
    return nn.Sequential(*layers, _norm(out_channels), nn.ReLU())


@dataclass(frozen=True)
class SearchSpace:
    """A chain of ``num_layers`` layers, each one of ``operations``.

    An architecture is a tuple of ``num_layers`` indices into ``operations``.

    Examples
    --------
    >>> space = SearchSpace(num_layers=2, operations=("conv3x3", "identity"))
    >>> space.size, space.architectures()[:2], space.describe((0, 1))
    (4, [(0, 0), (0, 1)], 'conv3x3 > identity')
    """

    num_layers: int = 4
    operations: tuple = OPERATIONS

    def __post_init__(self):
        check_number(self.num_layers, "num_layers", low=1, integer=True)
        if not isinstance(self.operations, tuple) or len(self.operations) < 2:
            raise ValueError(f"operations must be a tuple of at least two names; got {self.operations!r}.")

    @property
    def choices(self) -> tuple:
        """The number of options of each decision."""
        return (len(self.operations),) * self.num_layers

    @property
    def size(self) -> int:
        """How many architectures the space holds."""
        return len(self.operations) ** self.num_layers

    def architectures(self) -> list:
        """Every architecture, in lexicographic order."""
        return list(itertools.product(range(len(self.operations)), repeat=self.num_layers))

    def sample(self, rng: np.random.Generator) -> tuple:
        """An architecture drawn uniformly with ``rng``."""
        return tuple(int(v) for v in rng.integers(len(self.operations), size=self.num_layers))

    def check(self, architecture) -> tuple:
        """``architecture`` as a tuple of ints, or a ValueError saying why it is not one of this space."""
        values = as_array(architecture, "architecture")
        if values.shape != (self.num_layers,) or values.dtype.kind not in "iu" or np.any(values < 0) or np.any(
                values >= len(self.operations)):
            raise ValueError(f"architecture must be {self.num_layers} integers in [0, {len(self.operations)}); "
                             f"got {architecture!r}.")
        return tuple(int(v) for v in values)

    def describe(self, architecture) -> str:
        """The operations' names, joined by ``>``."""
        return " > ".join(self.operations[k] for k in self.check(architecture))


def _space(space) -> SearchSpace:
    if not isinstance(space, SearchSpace):
        raise TypeError(f"space must be a SearchSpace; got {_describe(space)}.")
    return space


@dataclass
class SearchHistory:
    """What a search tried, in order.

    Attributes
    ----------
    method : str
    architectures : list of tuple
        The architecture of every evaluation.
    scores : list of float
        Its score (higher is better).
    evaluations : list of int
        How many evaluations had been made when it was scored (1, 2, ...; for DARTS, training steps).
    seconds : list of float
        Time since the search started.
    """

    method: str
    architectures: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    seconds: list = field(default_factory=list)

    def __post_init__(self):
        if not isinstance(self.method, str):
            raise TypeError(f"method must be the searcher's name, a str; got {_describe(self.method)}.")

    def record(self, architecture, score, evaluations, start):
        self.architectures.append(tuple(int(v) for v in architecture))
        self.scores.append(float(score))
        self.evaluations.append(int(evaluations))
        self.seconds.append(time.perf_counter() - start)

    def __len__(self):
        return len(self.scores)

    def best_so_far(self) -> np.ndarray:
        """The best score after each evaluation."""
        return np.maximum.accumulate(np.asarray(self.scores, dtype=float))

    @property
    def best(self) -> tuple:
        """(architecture, score) of the best evaluation (the first one on ties)."""
        k = int(np.argmax(self.scores))
        return self.architectures[k], self.scores[k]

    def same_search(self, other: "SearchHistory") -> bool:
        """Whether ``other`` tried the same architectures, with the same scores, in the same order."""
        return (self.architectures == other.architectures and self.scores == other.scores
                and self.evaluations == other.evaluations)


def _search_arguments(objective, space, budget):
    check_callable(objective, "objective", "a function of an architecture returning its score")
    return _space(space), check_number(budget, "budget", low=1, integer=True)


def random_search(objective, space, budget: int, seed=0) -> SearchHistory:
    """Evaluate ``budget`` architectures drawn uniformly (with repetition) from ``space``.

    Parameters
    ----------
    objective : callable
        ``objective(architecture) -> float``, higher is better.
    space : SearchSpace
    budget : int
        How many evaluations.
    seed : int or numpy Generator

    Returns
    -------
    SearchHistory

    Examples
    --------
    >>> history = random_search(sum, SearchSpace(3), budget=5, seed=0)
    >>> len(history), history.evaluations
    (5, [1, 2, 3, 4, 5])
    """
    space, budget = _search_arguments(objective, space, budget)
    rng = random_generator(seed)
    history, start = SearchHistory("random search"), time.perf_counter()
    for count in range(1, budget + 1):
        architecture = space.sample(rng)
        history.record(architecture, objective(architecture), count, start)
    return history


def mutate(architecture, choices, rng) -> tuple:
    """Change one decision of ``architecture`` to another of its options.

    The position is ``rng.integers(len(architecture))``; the new option is drawn from the
    others with ``rng.integers(choices[position] - 1)``, counting past the current one (a
    draw at or above the current value is raised by one), so the child always differs.

    Parameters
    ----------
    architecture : sequence of int
    choices : sequence of int
        The number of options of each decision (each at least 2).
    rng : numpy.random.Generator

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> mutate((0, 0, 0), (3, 3, 3), np.random.default_rng(0))
    (0, 0, 2)
    """
    values = as_array(architecture, "architecture")
    options = as_array(choices, "choices")
    if values.ndim != 1 or options.shape != values.shape or values.dtype.kind not in "iu" or len(values) == 0:
        raise ValueError(f"architecture must be a non-empty sequence of ints, one per entry of choices; "
                         f"got {architecture!r} for choices {choices!r}.")
    if options.dtype.kind not in "iu" or np.any(options < 2) or np.any(values < 0) or np.any(values >= options):
        raise ValueError(f"choices must be ints of at least 2, above every decision; got {choices!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator; got {_describe(rng)}.")
    child = [int(v) for v in values]
    position = int(rng.integers(len(child)))
    new = int(rng.integers(options[position] - 1))
    child[position] = new + 1 if new >= child[position] else new
    return tuple(child)


def tournament_select(scores, sample_size: int, rng) -> int:
    """Tournament selection: the index of the best of ``sample_size`` members drawn at random.

    The members are ``rng.choice(len(scores), size=sample_size, replace=False)``; the
    winner is the one with the highest score (the first drawn, on ties).

    Parameters
    ----------
    scores : array_like, shape (P,)
        The population's scores.
    sample_size : int
        In [1, P].
    rng : numpy.random.Generator

    Returns
    -------
    int

    Examples
    --------
    >>> tournament_select([0.1, 0.9, 0.5], 3, np.random.default_rng(0))
    1
    """
    values = as_array(scores, "scores")
    if values.ndim != 1 or len(values) == 0 or values.dtype.kind not in "iuf" or not np.all(np.isfinite(values)):
        raise ValueError(f"scores must be a non-empty 1-D array of finite numbers; got {_describe(scores)}.")
    sample_size = check_number(sample_size, "sample_size", low=1, high=len(values), integer=True)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator; got {_describe(rng)}.")
    members = rng.choice(len(values), size=sample_size, replace=False)
    return int(members[np.argmax(values[members])])


def regularized_evolution(objective, space, budget: int, population_size: int = 10, sample_size: int = 3,
                          seed=0) -> SearchHistory:
    """Regularised (aging) evolution (Real, Aggarwal, Huang and Le 2019).

    Start from ``population_size`` random architectures. Then, until ``budget`` evaluations
    are spent: pick a parent by :func:`tournament_select` among ``sample_size`` members,
    evaluate its :func:`mutate`-d child, add the child and remove the *oldest* member (not
    the worst): every architecture dies young, so only those whose descendants keep scoring
    well survive, which guards against one lucky evaluation ruling the population.

    Parameters
    ----------
    objective : callable
        ``objective(architecture) -> float``, higher is better.
    space : SearchSpace
    budget : int
        Evaluations in all, the initial population's included.
    population_size, sample_size : int
    seed : int or numpy Generator

    Returns
    -------
    SearchHistory
    """
    space, budget = _search_arguments(objective, space, budget)
    population_size = check_number(population_size, "population_size", low=1, integer=True)
    sample_size = check_number(sample_size, "sample_size", low=1, high=population_size, integer=True)
    rng = random_generator(seed)
    history, start = SearchHistory("regularised evolution"), time.perf_counter()
    population, scores = [], []
    for count in range(1, budget + 1):
        if count <= population_size:
            architecture = space.sample(rng)
        else:
            parent = population[tournament_select(scores, sample_size, rng)]
            architecture = mutate(parent, space.choices, rng)
        score = objective(architecture)
        history.record(architecture, score, count, start)
        population.append(architecture)
        scores.append(score)
        if len(population) > population_size:
            population.pop(0)  # the oldest dies
            scores.pop(0)
    return history


def reinforce_search(objective, space, budget: int, learning_rate: float = 0.5, baseline_decay: float = 0.8,
                     seed=0) -> SearchHistory:
    """A controller trained with REINFORCE (Williams 1992), as in Zoph and Le (2017).

    The controller is a policy over the choices: one vector of logits per decision, a
    softmax over its options (Zoph and Le's controller was a recurrent network that also
    conditions each decision on the earlier ones). Each step samples an architecture, scores
    it (the reward ``R``), and moves the logits along ``(R - b)`` times the gradient of the
    log-probability of what was sampled (``one_hot - probabilities`` per decision), where the
    baseline ``b`` is an exponential moving average of past rewards that reduces the variance.

    Parameters
    ----------
    objective : callable
        ``objective(architecture) -> float``, higher is better.
    space : SearchSpace
    budget : int
        How many architectures to sample and score.
    learning_rate : float
    baseline_decay : float in [0, 1)
        ``b <- decay * b + (1 - decay) * R``; the first reward sets ``b``.
    seed : int or numpy Generator

    Returns
    -------
    SearchHistory
        Its ``policy`` attribute holds the final probabilities, shape (num_layers, options).
    """
    space, budget = _search_arguments(objective, space, budget)
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False, finite=True)
    baseline_decay = check_number(baseline_decay, "baseline_decay", low=0, high=1, high_inclusive=False)
    rng = random_generator(seed)
    logits = np.zeros((space.num_layers, len(space.operations)))
    baseline = None
    history, start = SearchHistory("REINFORCE"), time.perf_counter()
    for count in range(1, budget + 1):
        probabilities = _softmax(logits)
        architecture = tuple(int(rng.choice(len(p), p=p)) for p in probabilities)
        reward = float(objective(architecture))
        history.record(architecture, reward, count, start)
        baseline = reward if baseline is None else baseline_decay * baseline + (1 - baseline_decay) * reward
        advantage = reward - baseline
        gradient = -probabilities
        gradient[np.arange(space.num_layers), architecture] += 1  # d log p(architecture) / d logits
        logits += learning_rate * advantage * gradient
    history.policy = _softmax(logits)
    return history


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


# --- cheap performance estimation: a weight-sharing supernet ------------------------------------

class ChainSupernet(nn.Module):
    """Every architecture of a :class:`SearchSpace` in one network, sharing weights.

    A 3x3 stem convolution, then for each layer one module per candidate operation, then a
    linear classifier on the flattened feature map. ``forward(x, architecture)`` runs one
    path: the chosen operation of each layer. A path trained on its own is an ordinary
    network of the space.

    Parameters
    ----------
    space : SearchSpace
    channels : int
    image_size, in_channels, num_classes : int
    """

    def __init__(self, space: SearchSpace, channels: int = 8, image_size: int = 8, in_channels: int = 1,
                 num_classes: int = 10):
        super().__init__()
        self.space = _space(space)
        self.stem, self.classifier = _stem_and_classifier(channels, image_size, in_channels, num_classes)
        self.layers = nn.ModuleList(nn.ModuleList(make_operation(name, channels) for name in space.operations)
                                    for _ in range(space.num_layers))

    def forward(self, x, architecture):
        x = self.stem(x)
        for candidates, choice in zip(self.layers, self.space.check(architecture)):
            x = candidates[choice](x)
        return self.classifier(x)


def _stem_and_classifier(channels, image_size, in_channels, num_classes):
    """A 3x3 convolution from the image to ``channels``; a linear layer from the flattened map to the classes."""
    channels = check_number(channels, "channels", low=1, integer=True)
    image_size = check_number(image_size, "image_size", low=1, integer=True)
    in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
    num_classes = check_number(num_classes, "num_classes", low=2, integer=True)
    stem = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), _norm(channels), nn.ReLU())
    return stem, nn.Sequential(nn.Flatten(), nn.Linear(channels * image_size * image_size, num_classes))


def _batches(inputs, targets, batch_size, steps, generator):
    """``steps`` random mini-batches (with a fresh permutation each epoch); targets may be a dict."""
    count, order = len(inputs), torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if len(order) < batch_size:
            order = torch.cat([order, torch.randperm(count, generator=generator)])
        chosen, order = order[:batch_size], order[batch_size:]
        yield inputs[chosen], ({k: v[chosen] for k, v in targets.items()} if isinstance(targets, dict)
                               else targets[chosen])


def _device(device):
    from . import device as best_device

    return best_device() if device is None else torch.device(device)


def train_supernet(model, inputs, targets, space, steps: int, loss_fn=None, batch_size: int = 64,
                   learning_rate: float = 3e-3, seed: int = 0, device=None, architecture=None) -> list:
    """Single-path one-shot training (Guo et al. 2020): one uniformly random path per step.

    Each step draws an architecture from ``space`` and updates, with Adam, only the weights
    on its path. Afterwards every architecture can be scored with the shared weights,
    without training it: that is what makes the search cheap (and approximate).

    Parameters
    ----------
    model : torch.nn.Module
        Called as ``model(images, architecture)`` (:class:`ChainSupernet`,
        :class:`DetectionSupernet`).
    inputs : torch.Tensor, shape (N, C, H, W)
    targets : torch.Tensor or dict of torch.Tensor
        One per input (class labels, or batched ``grid_targets``).
    space : SearchSpace
    steps : int
    loss_fn : callable, optional
        ``loss_fn(outputs, targets)``; cross-entropy by default.
    batch_size : int
    learning_rate : float
    seed : int
        Seeds the paths and the batches.
    device : torch.device or str, optional
    architecture : tuple of int, optional
        Train this path only: stand-alone training of one architecture, for comparison.

    Returns
    -------
    list of float
        The loss of every step.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module called as model(images, architecture); "
                        f"got {_describe(model)}.")
    space = _space(space)
    steps = check_number(steps, "steps", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False, finite=True)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    fixed = None if architecture is None else space.check(architecture)
    device = _device(device)
    rng = random_generator(seed)
    generator = torch.Generator().manual_seed(seed)
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for images, batch_targets in _batches(inputs, targets, batch_size, steps, generator):
        optimizer.zero_grad()
        outputs = model(images.to(device), space.sample(rng) if fixed is None else fixed)
        loss = loss_fn(outputs, {k: v.to(device) for k, v in batch_targets.items()}
                       if isinstance(batch_targets, dict) else batch_targets.to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accuracy_table(model: ChainSupernet, images, labels, device=None) -> dict:
    """The accuracy of every architecture of the supernet's space on ``images``, with shared weights.

    Layer outputs are computed once per prefix of choices (a tree walk), so the whole table
    costs about ``options / (options - 1)`` forward passes of one layer per architecture
    instead of ``num_layers``.

    Parameters
    ----------
    model : ChainSupernet
    images : torch.Tensor, shape (N, C, H, W)
    labels : torch.Tensor of int64, shape (N,)
    device : torch.device or str, optional

    Returns
    -------
    dict
        ``{architecture: accuracy}`` for all ``space.size`` architectures.
    """
    if not isinstance(model, ChainSupernet):
        raise TypeError(f"model must be a ChainSupernet; got {_describe(model)}.")
    device = _device(device)
    model.to(device).eval()
    labels = labels.to(device)
    table = {}

    def walk(x, prefix):
        if len(prefix) == model.space.num_layers:
            predicted = model.classifier(x).argmax(dim=1)
            table[prefix] = (predicted == labels).float().mean().item()
            return
        for choice, operation in enumerate(model.layers[len(prefix)]):
            walk(operation(x), prefix + (choice,))

    with torch.no_grad():
        walk(model.stem(images.to(device)), ())
    return dict(sorted(table.items()))


# --- DARTS ---------------------------------------------------------------------------------------

class MixedOp(nn.Module):
    """DARTS's mixed operation: ``sum_k weights[k] * operation_k(x)``.

    Parameters
    ----------
    channels : int
    operations : sequence of str
        Names from :data:`OPERATIONS`.
    """

    def __init__(self, channels: int, operations=OPERATIONS):
        super().__init__()
        self.candidates = nn.ModuleList(make_operation(name, channels) for name in operations)

    def forward(self, x, weights):
        if not isinstance(weights, torch.Tensor) or weights.shape != (len(self.candidates),):
            raise ValueError(f"weights must be a tensor of {len(self.candidates)} mixing weights; "
                             f"got {_describe(weights)}.")
        outputs = torch.stack([operation(x) for operation in self.candidates])
        return torch.tensordot(weights, outputs, dims=1)


class DartsNetwork(nn.Module):
    """A :class:`ChainSupernet` whose every layer is a :class:`MixedOp`, with architecture weights.

    ``alphas`` (num_layers, options) are the architecture parameters; layer ``l`` mixes its
    operations with ``softmax(alphas[l])``. DARTS's cells are small graphs, each edge a
    mixed operation; this chain has one edge per layer.
    """

    def __init__(self, space: SearchSpace, channels: int = 8, image_size: int = 8, in_channels: int = 1,
                 num_classes: int = 10):
        super().__init__()
        self.space = _space(space)
        self.stem, self.classifier = _stem_and_classifier(channels, image_size, in_channels, num_classes)
        self.layers = nn.ModuleList(MixedOp(channels, space.operations) for _ in range(space.num_layers))
        self.alphas = nn.Parameter(1e-3 * torch.randn(space.num_layers, len(space.operations)))

    def weight_parameters(self) -> list:
        """The network's weights (everything but ``alphas``)."""
        return [p for name, p in self.named_parameters() if name != "alphas"]

    def forward(self, x):
        x = self.stem(x)
        for layer, weights in zip(self.layers, torch.softmax(self.alphas, dim=-1)):
            x = layer(x, weights)
        return self.classifier(x)

    def derive(self) -> tuple:
        """Discretisation: the operation with the largest architecture weight in each layer."""
        return tuple(int(k) for k in self.alphas.detach().argmax(dim=-1))


def darts_search(train_images, train_labels, val_images, val_labels, space, steps: int = 200, channels: int = 8,
                 batch_size: int = 64, weight_lr: float = 3e-3, alpha_lr: float = 3e-2, record_every: int = 10,
                 seed: int = 0, device=None):
    """Differentiable architecture search (DARTS), first-order.

    Each step first updates the architecture weights on a validation batch (Adam,
    ``alpha_lr``), holding the network's weights, then the weights on a training batch (Adam,
    ``weight_lr``), holding the architecture: the first-order approximation of DARTS's bilevel
    problem, min over alphas of the validation loss of the weights that minimise the
    training loss. Every ``record_every`` steps the history records the derived architecture
    with the mixed network's accuracy on that step's validation batch (measured before the
    step's updates).

    Parameters
    ----------
    train_images, val_images : torch.Tensor, shape (N, C, H, W)
    train_labels, val_labels : torch.Tensor of int64
    space : SearchSpace
    steps, channels, batch_size : int
    weight_lr, alpha_lr : float
    record_every : int
    seed : int
    device : torch.device or str, optional

    Returns
    -------
    history : SearchHistory
        ``evaluations`` counts training steps.
    network : DartsNetwork
        Its ``derive()`` is the search's answer; ``softmax(alphas)`` its confidence.
    """
    if not isinstance(train_images, torch.Tensor):
        raise TypeError(f"train_images must be a tensor (N, C, H, W); got {_describe(train_images)}.")
    space = _space(space)
    steps = check_number(steps, "steps", low=1, integer=True)
    record_every = check_number(record_every, "record_every", low=1, integer=True)
    channels = check_number(channels, "channels", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    weight_lr = check_number(weight_lr, "weight_lr", low=0, low_inclusive=False, finite=True)
    alpha_lr = check_number(alpha_lr, "alpha_lr", low=0, low_inclusive=False, finite=True)
    device = _device(device)
    torch.manual_seed(seed)
    network = DartsNetwork(space, channels, train_images.shape[-1], train_images.shape[1]).to(device).train()
    weight_optimizer = torch.optim.Adam(network.weight_parameters(), lr=weight_lr)
    alpha_optimizer = torch.optim.Adam([network.alphas], lr=alpha_lr, betas=(0.5, 0.999))
    generator = torch.Generator().manual_seed(seed)
    history, start = SearchHistory("DARTS"), time.perf_counter()
    pairs = zip(_batches(train_images, train_labels, batch_size, steps, generator),
                _batches(val_images, val_labels, batch_size, steps, generator))
    for step, ((x_train, y_train), (x_val, y_val)) in enumerate(pairs, start=1):
        x_val, y_val = x_val.to(device), y_val.to(device)
        alpha_optimizer.zero_grad()
        val_outputs = network(x_val)
        F.cross_entropy(val_outputs, y_val).backward()
        alpha_optimizer.step()
        weight_optimizer.zero_grad()
        F.cross_entropy(network(x_train.to(device)), y_train.to(device)).backward()
        weight_optimizer.step()
        if step % record_every == 0 or step == steps:
            accuracy = (val_outputs.argmax(dim=1) == y_val).float().mean().item()
            history.record(network.derive(), accuracy, step, start)
    return history, network


# --- DetNAS: backbone search scored by detection -----------------------------------------------

class DetectionSupernet(GridDetector):
    """Chapter 14's grid detector with a searchable backbone: a supernet for DetNAS.

    The backbone has chapter 14's five blocks (16, 32, 64, 64, 64 channels; the first three
    halve the size), each one of :data:`BACKBONE_OPERATIONS`; the head and the output format
    are :class:`cvcourse.detection.networks.GridDetector`'s, so its loss, decoding and
    evaluation apply unchanged. ``forward(x, architecture=None)`` runs one path; without an
    architecture, the one in ``self.path`` (set by :meth:`use`), so that chapter 14's
    ``networks.detect`` runs it as it is.

    Parameters
    ----------
    num_classes : int
    anchors : sequence of (width, height)
    """

    widths = (16, 32, 64, 64, 64)
    strides = (2, 2, 2, 1, 1)

    def __init__(self, num_classes: int = 3, anchors=((10.0, 10.0), (17.0, 17.0), (25.0, 25.0))):
        super().__init__(num_classes, anchors)
        self.space = SearchSpace(len(self.widths), BACKBONE_OPERATIONS)
        inputs = (3,) + self.widths[:-1]
        self.features = nn.ModuleList(
            nn.ModuleList(make_operation(name, c_in, c_out, stride) for name in BACKBONE_OPERATIONS)
            for c_in, c_out, stride in zip(inputs, self.widths, self.strides))
        self.path = (0,) * len(self.widths)

    def use(self, architecture) -> "DetectionSupernet":
        """Make ``architecture`` the path that ``forward`` runs by default; returns the model."""
        self.path = self.space.check(architecture)
        return self

    def forward(self, x, architecture=None):
        path = self.path if architecture is None else self.space.check(architecture)
        for candidates, choice in zip(self.features, path):
            x = candidates[choice](x)
        out = self.head(x)
        n, _, rows, columns = out.shape
        return out.view(n, len(self.anchors), 5 + self.num_classes, rows, columns).permute(0, 3, 4, 1, 2)


def detection_objective(model: DetectionSupernet, images, targets, device=None):
    """DetNAS's score of a backbone: minus chapter 14's detection loss on validation scenes, shared weights.

    Parameters
    ----------
    model : DetectionSupernet
        Trained by :func:`train_supernet` on ``grid_loss``.
    images : torch.Tensor, shape (N, 3, H, W)
        Validation scenes.
    targets : dict of torch.Tensor
        Their batched ``grid_targets`` (as ``GridDataset`` holds them).
    device : torch.device or str, optional

    Returns
    -------
    callable
        ``objective(architecture) -> float``, higher is better, for the searchers.
    """
    from .detection.networks import grid_loss

    if not isinstance(model, DetectionSupernet):
        raise TypeError(f"model must be a DetectionSupernet; got {_describe(model)}.")
    if not isinstance(images, torch.Tensor) or not isinstance(targets, dict):
        raise TypeError(f"images must be a tensor and targets a dict of tensors; got {_describe(images)} and "
                        f"{_describe(targets)}.")
    device = _device(device)
    model.to(device).eval()
    images = images.to(device)
    targets = {key: value.to(device) for key, value in targets.items()}

    def objective(architecture):
        with torch.no_grad():
            return -grid_loss(model(images, architecture), targets).item()

    return objective
