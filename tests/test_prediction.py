"""cvcourse.prediction: anchors against scikit-learn's k-means, the MultiPath likelihood against
torch.distributions and SciPy, minADE/minFDE against plain loops; the synthetic agents."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.cluster import KMeans
from torch import distributions as D

from cvcourse import prediction, segmentation
from cvcourse.data import AGENT_BEHAVIOURS, synthetic_agents


def _random_mixture(seed, batch=5, modes=4, steps=6, spread=1.0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, modes, generator=generator, dtype=torch.float64) * 2
    means = torch.randn(batch, modes, steps, 2, generator=generator, dtype=torch.float64) * 3
    log_scales = torch.randn(batch, modes, steps, 2, generator=generator, dtype=torch.float64) * 0.5 * spread
    target = torch.randn(batch, steps, 2, generator=generator, dtype=torch.float64) * 3
    return logits, means, log_scales, target


def _torch_mixture(logits, means, log_scales):
    """The same mixture built from torch.distributions: K Gaussians over the flattened trajectory."""
    batch, modes = logits.shape
    components = D.Independent(D.Normal(means.reshape(batch, modes, -1), log_scales.exp().reshape(batch, modes, -1)), 1)
    return D.MixtureSameFamily(D.Categorical(logits=logits), components), components


@pytest.mark.parametrize("seed", range(5))
def test_mixture_nll_equals_torch_distributions(seed):
    logits, means, log_scales, target = _random_mixture(seed)
    mixture, _ = _torch_mixture(logits, means, log_scales)
    expected = -mixture.log_prob(target.reshape(len(target), -1)).mean()
    assert torch.allclose(prediction.multipath_nll(logits, means, log_scales, target), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_hard_assignment_nll_equals_scipy_by_hand(seed):
    logits, means, log_scales, target = _random_mixture(seed)
    anchors = torch.randn(*means.shape[1:], generator=torch.Generator().manual_seed(100 + seed), dtype=torch.float64) * 3
    got = prediction.multipath_nll(logits, means, log_scales, target, anchors)
    values = []
    for b in range(len(target)):  # plain loops and scipy.stats, one agent at a time
        distances = [((target[b] - anchors[k]) ** 2).sum().item() for k in range(len(anchors))]
        k = int(np.argmin(distances))
        log_pi = logits[b, k].item() - np.log(np.exp(logits[b].numpy()).sum())
        log_density = stats.norm.logpdf(target[b].numpy(), means[b, k].numpy(), np.exp(log_scales[b, k].numpy())).sum()
        values.append(-(log_pi + log_density))
    assert got.item() == pytest.approx(np.mean(values), rel=1e-10)
    # the hard assignment's loss bounds the mixture's negative log-likelihood from above
    assert got.item() >= prediction.multipath_nll(logits, means, log_scales, target).item()


def test_mixture_nll_is_stable_far_from_every_mode():
    logits, means, log_scales, target = _random_mixture(0, spread=0.0)
    far = target + 1e4  # every density underflows to zero in float64: log-sum-exp is needed
    mixture, _ = _torch_mixture(logits, means, log_scales)
    got = prediction.multipath_nll(logits, means, log_scales, far)
    assert torch.isfinite(got)
    assert torch.allclose(got, -mixture.log_prob(far.reshape(len(far), -1)).mean(), rtol=1e-12)


def test_single_mode_nll_is_a_gaussian_and_gradients_flow():
    logits, means, log_scales, target = _random_mixture(3, modes=1)
    log_scales.requires_grad_(True)
    _, components = _torch_mixture(logits, means, log_scales)
    expected = -components.log_prob(target.reshape(len(target), 1, -1)).mean()
    loss = prediction.multipath_nll(logits, means, log_scales, target)
    assert torch.allclose(loss, expected, rtol=1e-12)
    loss.backward()
    assert torch.isfinite(log_scales.grad).all() and log_scales.grad.abs().sum() > 0


@pytest.mark.parametrize("seed, k", [(0, 1), (1, 3), (2, 6)])
def test_trajectory_anchors_equal_sklearn_kmeans(seed, k):
    rng = np.random.default_rng(seed)
    futures = np.cumsum(rng.normal(size=(80, 5, 2)), axis=1) + rng.integers(0, 4, (80, 1, 1)) * 5.0
    init = futures[rng.choice(80, k, replace=False)]
    ours = prediction.trajectory_anchors(futures, k, init=init)
    theirs = KMeans(k, init=init.reshape(k, -1), n_init=1, algorithm="lloyd", tol=0.0).fit(futures.reshape(80, -1))
    np.testing.assert_allclose(ours.reshape(k, -1), theirs.cluster_centers_, rtol=1e-9, atol=1e-9)
    # one source of truth: the anchors are chapter 6's k-means centres
    _, centres, _ = segmentation.kmeans(futures.reshape(80, -1), k, init=init.reshape(k, -1), tol=0.0)
    np.testing.assert_array_equal(ours, centres.reshape(k, 5, 2))


def test_trajectory_anchors_seeded_and_exact_on_separate_groups():
    base = np.array([[[1.0, 0.0], [2.0, 0.0]], [[1.0, 1.0], [1.0, 2.0]], [[1.0, -1.0], [1.0, -2.0]]])
    futures = np.concatenate([base + 0.01 * i for i in range(4)])
    anchors = prediction.trajectory_anchors(futures, 3, seed=0)
    order = np.argsort(anchors[:, 1, 1])
    np.testing.assert_allclose(anchors[order], base[[2, 0, 1]] + 0.015, atol=1e-12)
    np.testing.assert_array_equal(anchors, prediction.trajectory_anchors(futures, 3, seed=0))
    with pytest.raises(ValueError, match="k"):
        prediction.trajectory_anchors(futures, 13)
    with pytest.raises(ValueError, match="init"):
        prediction.trajectory_anchors(futures, 2, init=base)


def _loop_errors(predictions, target):
    ade, fde = [], []
    for n in range(len(target)):
        per_mode_ade, per_mode_fde = [], []
        for k in range(predictions.shape[1]):
            steps = [np.hypot(*(predictions[n, k, t] - target[n, t])) for t in range(target.shape[1])]
            per_mode_ade.append(sum(steps) / len(steps))
            per_mode_fde.append(steps[-1])
        ade.append(min(per_mode_ade))
        fde.append(min(per_mode_fde))
    return sum(ade) / len(ade), sum(fde) / len(fde)


@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 7), (10, 6, 12)])
def test_min_ade_and_min_fde_equal_a_plain_loop(shape):
    rng = np.random.default_rng(sum(shape))
    n, k, t = shape
    predictions, target = rng.normal(size=(n, k, t, 2)) * 4, rng.normal(size=(n, t, 2)) * 4
    ade, fde = _loop_errors(predictions, target)
    assert prediction.min_ade(predictions, target) == pytest.approx(ade, rel=1e-12)
    assert prediction.min_fde(predictions, target) == pytest.approx(fde, rel=1e-12)


def test_min_errors_pick_the_best_mode_per_agent_not_overall():
    target = np.zeros((2, 2, 2))
    predictions = np.array([[[[3.0, 4.0]] * 2, [[0.0, 1.0]] * 2], [[[0.0, 2.0]] * 2, [[6.0, 8.0]] * 2]])
    assert prediction.min_ade(predictions, target) == pytest.approx(1.5)
    assert prediction.min_fde(predictions, target) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="target"):
        prediction.min_ade(predictions, np.zeros((2, 3, 2)))


def test_min_ade_and_min_fde_may_come_from_different_modes():
    # mode 0 is the best on average (ADE 5/3 against 2), mode 1 at the end (FDE 2 against 5);
    # Argoverse's convention (the ADE of the least-FDE mode) would give a minADE of 2
    predictions = np.zeros((1, 2, 3, 2))
    predictions[0, 0, :, 0], predictions[0, 1, :, 0] = [0.0, 0.0, 5.0], [2.0, 2.0, 2.0]
    assert prediction.min_ade(predictions, np.zeros((1, 3, 2))) == pytest.approx(5 / 3)
    assert prediction.min_fde(predictions, np.zeros((1, 3, 2))) == pytest.approx(2.0)


def test_constant_velocity_continues_a_straight_line():
    past = np.stack([np.arange(8.0) * 2.0 - 14, np.arange(8.0) * -0.5 + 3.5], axis=1)[None]
    predicted = prediction.constant_velocity(past, 5)
    expected = past[0, -1] + np.arange(1, 6)[:, None] * [2.0, -0.5]
    np.testing.assert_allclose(predicted, expected[None, None], atol=1e-12)
    assert prediction.constant_velocity(past, 3, window=2).shape == (1, 1, 3, 2)


def test_constant_velocity_averages_the_last_window_steps():
    past = np.random.default_rng(0).normal(size=(3, 6, 2))
    for window in (2, 4, 6, 9):
        used = min(window, 6)
        velocity = np.mean([past[:, t] - past[:, t - 1] for t in range(6 - used + 1, 6)], axis=0)
        expected = past[:, -1, None] + np.arange(1, 4)[None, :, None] * velocity[:, None]
        np.testing.assert_allclose(prediction.constant_velocity(past, 3, window=window)[:, 0], expected, atol=1e-12)


def test_multipath_starts_from_its_anchors_and_predict_sorts_the_modes():
    anchors = np.random.default_rng(0).normal(size=(3, 4, 2))
    model = prediction.MultiPath(anchors, in_features=5, hidden=8)
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    logits, means, log_scales = model(torch.randn(2, 5))
    assert torch.allclose(means, torch.as_tensor(anchors, dtype=torch.float32).expand(2, -1, -1, -1))
    assert (log_scales == 0).all() and logits.shape == (2, 3)
    model.head.bias.data[:3] = torch.tensor([0.0, 2.0, 1.0])
    probabilities, sorted_means, scales = prediction.predict(model, np.zeros((2, 5)), device="cpu")
    assert np.all(np.diff(probabilities, axis=1) <= 0) and np.allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_allclose(sorted_means[0], anchors[[1, 2, 0]], atol=1e-6)
    np.testing.assert_allclose(scales, 1.0)


def test_synthetic_agents():
    short = synthetic_agents(3, past_steps=6, future_steps=12, seed=3)
    assert short.past.shape == (3, 6, 2) and short.future.shape == (3, 12, 2) and short.features().shape == (3, 13)
    agents = synthetic_agents(400, seed=3)
    assert agents.past.shape == (400, 8, 2) and agents.future.shape == (400, 20, 2) and len(agents) == 400
    np.testing.assert_array_equal(agents.past[:, -1], 0.0)
    assert set(np.unique(agents.behaviour)) == set(range(len(AGENT_BEHAVIOURS)))
    assert agents.features().shape == (400, 17) and agents.features().dtype == np.float32
    # everyone moves forward now; a car that keeps its lane stays in it
    assert np.all(agents.future[:, 0, 0] > 0)
    keep = agents.behaviour == AGENT_BEHAVIOURS.index("keep lane")
    np.testing.assert_allclose(agents.future[keep, :, 1], 0.0, atol=1e-9)
    # turns end far to their side; stops at a junction end at the line or before it
    left, right = (agents.behaviour == AGENT_BEHAVIOURS.index(name) for name in ("turn left", "turn right"))
    assert np.all(agents.future[left, :, 1] >= 0) and np.all(agents.future[right, :, 1] <= 0)
    assert agents.future[left, -1, 1].mean() > 3 and agents.future[right, -1, 1].mean() < -3
    stop = (agents.behaviour == AGENT_BEHAVIOURS.index("stop")) & (agents.junction < 60)
    assert np.all(agents.future[stop, -1, 0] <= agents.junction[stop] + 0.2)
    again = synthetic_agents(400, seed=3)
    np.testing.assert_array_equal(again.future, agents.future)
