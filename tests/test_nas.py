"""Tests of cvcourse.nas: reproducible searchers, the mixed operation, weight-sharing estimates."""

import numpy as np
import pytest
import torch

from cvcourse import nas
from cvcourse.detection import networks

SPACE = nas.SearchSpace(num_layers=5, operations=("a", "b", "c", "d"))


def cheap_objective(architecture):
    """A tiny objective with structure: reward option 2 everywhere, more in the first layers."""
    return float(sum((choice == 2) * (5 - layer) for layer, choice in enumerate(architecture)))


SEARCHERS = {
    "random": lambda seed: nas.random_search(cheap_objective, SPACE, 40, seed=seed),
    "evolution": lambda seed: nas.regularized_evolution(cheap_objective, SPACE, 40, 8, 3, seed=seed),
    "reinforce": lambda seed: nas.reinforce_search(cheap_objective, SPACE, 40, seed=seed),
}


@pytest.mark.parametrize("name", SEARCHERS)
def test_searchers_are_reproducible_from_their_seed(name):
    first, second, other = SEARCHERS[name](3), SEARCHERS[name](3), SEARCHERS[name](4)
    assert first.same_search(second)
    assert not first.same_search(other)
    assert first.evaluations == list(range(1, 41))
    assert first.scores == [cheap_objective(a) for a in first.architectures]
    assert np.all(np.diff(first.seconds) >= 0)
    assert np.array_equal(first.best_so_far(), np.maximum.accumulate(first.scores))
    assert first.best[1] == max(first.scores)


def test_evolution_and_reinforce_beat_random_search_on_a_structured_objective():
    best = {name: np.mean([search(seed).best[1] for seed in range(20)]) for name, search in SEARCHERS.items()}
    assert best["evolution"] > best["random"]
    assert best["reinforce"] > best["random"]


def test_mutate_changes_exactly_one_decision_to_a_valid_option():
    rng = np.random.default_rng(0)
    choices = (2, 3, 5, 4)
    seen = set()
    for _ in range(300):
        parent = tuple(int(rng.integers(c)) for c in choices)
        child = nas.mutate(parent, choices, rng)
        changed = [k for k in range(4) if child[k] != parent[k]]
        assert len(changed) == 1 and 0 <= child[changed[0]] < choices[changed[0]]
        seen.add((changed[0], child[changed[0]]))
    assert len(seen) == sum(choices)  # every option of every position is reachable


def test_tournament_select_returns_the_best_of_the_sample():
    scores = np.array([0.3, 0.9, 0.1, 0.5, 0.7])
    assert nas.tournament_select(scores, 5, np.random.default_rng(1)) == 1
    for seed in range(20):
        members = np.random.default_rng(seed).choice(5, size=2, replace=False)
        assert nas.tournament_select(scores, 2, np.random.default_rng(seed)) == members[np.argmax(scores[members])]
    winners = {nas.tournament_select(scores, 1, np.random.default_rng(s)) for s in range(50)}
    assert winners == set(range(5))  # a sample of one is a uniform draw


def test_regularised_evolution_kills_the_oldest():
    # With a sample as large as the population, the parent is the best *living* member: once the
    # best architecture has aged out, a worse one must be chosen.
    history = nas.regularized_evolution(cheap_objective, SPACE, 30, population_size=4, sample_size=4, seed=0)
    architectures = history.architectures
    for count in range(4, 30):
        living = architectures[count - 4:count]
        child = architectures[count]
        parents = [a for a in living if sum(x != y for x, y in zip(a, child)) == 1]
        best_living = max(cheap_objective(a) for a in living)
        assert any(cheap_objective(p) == best_living for p in parents)


def test_reinforce_policy_learns_the_rewarded_option():
    history = nas.reinforce_search(cheap_objective, SPACE, 300, learning_rate=0.3, seed=0)
    assert history.policy.shape == (5, 4)
    assert np.allclose(history.policy.sum(axis=1), 1)
    assert np.all(history.policy.argmax(axis=1)[:3] == 2)


def test_mixed_operation_equals_the_weighted_sum_of_its_candidates():
    torch.manual_seed(0)
    mixed = nas.MixedOp(6)
    x = torch.randn(3, 6, 8, 8)
    for weights in (torch.softmax(torch.randn(len(nas.OPERATIONS)), 0), torch.eye(len(nas.OPERATIONS))[2]):
        expected = torch.zeros(3, 6, 8, 8)
        for weight, operation in zip(weights, mixed.candidates):
            expected = expected + weight * operation(x)
        assert (mixed(x, weights) - expected).abs().max().item() <= 1e-6


def _digits(count=40, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(count, 1, 8, 8, generator=generator), torch.randint(0, 10, (count,), generator=generator)


def test_darts_is_reproducible_and_derives_the_argmax():
    images, labels = _digits()
    space = nas.SearchSpace(2, ("conv3x3", "maxpool3x3", "identity"))
    runs = [nas.darts_search(images, labels, images, labels, space, steps=6, batch_size=8, record_every=2, seed=1,
                             device="cpu") for _ in range(2)]
    (first, network), (second, _) = runs
    assert first.same_search(second) and first.evaluations == [2, 4, 6]
    assert first.architectures[-1] == tuple(network.alphas.argmax(dim=1).tolist())
    weight_names = {id(p) for p in network.weight_parameters()}
    assert id(network.alphas) not in weight_names and len(weight_names) == len(list(network.parameters())) - 1


def test_accuracy_table_equals_running_each_path():
    images, labels = _digits()
    space = nas.SearchSpace(2, ("conv3x3", "sepconv3x3", "identity"))
    torch.manual_seed(0)
    supernet = nas.ChainSupernet(space)
    losses = nas.train_supernet(supernet, images, labels, space, steps=3, batch_size=8, device="cpu")
    assert len(losses) == 3
    table = nas.accuracy_table(supernet, images, labels, device="cpu")
    assert list(table) == space.architectures()
    with torch.no_grad():
        for architecture, accuracy in table.items():
            direct = (supernet(images, architecture).argmax(1) == labels).float().mean().item()
            assert accuracy == pytest.approx(direct)


def test_detection_supernet_runs_chapter_14s_tools():
    torch.manual_seed(0)
    model = nas.DetectionSupernet()
    images = np.random.default_rng(0).random((2, 48, 48, 3))
    assert model(networks.images_to_tensor(images), (1, 2, 0, 1, 2)).shape == (2, 6, 6, 3, 8)
    found = networks.detect(model.use((0, 0, 1, 1, 2)), images, device="cpu")
    assert len(found) == 2 and model.path == (0, 0, 1, 1, 2)
    dataset = networks.GridDataset(images, [np.array([[4.0, 4, 20, 20]])] * 2, [np.array([1])] * 2,
                                   model.anchors.numpy())
    objective = nas.detection_objective(model, dataset.images, dataset.targets[0], device="cpu")
    assert objective((0, 0, 0, 0, 0)) == objective((0, 0, 0, 0, 0)) != objective((2, 2, 2, 2, 2))


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="architecture"):
        SPACE.check((0, 9, 0, 0, 0))
    with pytest.raises(ValueError, match="choices"):
        nas.mutate((0, 0), (1, 3), np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        nas.mutate((0, 0), (2, 3), 0)
    with pytest.raises(ValueError, match="sample_size"):
        nas.tournament_select([0.1, 0.2], 3, np.random.default_rng(0))
    with pytest.raises(TypeError, match="objective"):
        nas.random_search("sum", SPACE, 5)
    with pytest.raises(ValueError, match="budget"):
        nas.regularized_evolution(cheap_objective, SPACE, 0)
    with pytest.raises(ValueError, match="weights"):
        nas.MixedOp(2)(torch.zeros(1, 2, 4, 4), torch.ones(2))
    with pytest.raises(ValueError, match="name"):
        nas.make_operation("conv7x7", 4)


def test_reinforce_step_is_the_autograd_gradient_of_the_log_probability():
    # Replay two steps with torch autograd as the oracle for d log p(architecture) / d logits.
    space, learning_rate, decay = nas.SearchSpace(3, ("a", "b", "c")), 0.5, 0.8
    history = nas.reinforce_search(cheap_objective, space, 2, learning_rate=learning_rate, baseline_decay=decay,
                                   seed=5)
    logits = torch.zeros(3, 3, dtype=torch.float64)
    baseline = None
    for architecture, reward in zip(history.architectures, history.scores):
        baseline = reward if baseline is None else decay * baseline + (1 - decay) * reward
        logits.requires_grad_(True)
        log_p = torch.log_softmax(logits, dim=-1)[torch.arange(3), torch.tensor(architecture)].sum()
        (gradient,) = torch.autograd.grad(log_p, logits)
        logits = (logits + learning_rate * (reward - baseline) * gradient).detach()
    assert np.allclose(history.policy, torch.softmax(logits, dim=-1).numpy())
    assert not np.allclose(history.policy, 1 / 3)  # the second step moved the policy


def test_single_path_training_updates_only_the_chosen_operations():
    images, labels = _digits()
    space = nas.SearchSpace(2, ("conv3x3", "conv5x5", "sepconv3x3"))
    torch.manual_seed(0)
    supernet = nas.ChainSupernet(space)
    before = [[[p.clone() for p in op.parameters()] for op in layer] for layer in supernet.layers]
    nas.train_supernet(supernet, images, labels, space, steps=2, batch_size=8, device="cpu", architecture=(1, 2))
    for layer, (chosen, layer_before) in enumerate(zip((1, 2), before)):
        for k, (operation, old) in enumerate(zip(supernet.layers[layer], layer_before)):
            changed = any(not torch.equal(p, q) for p, q in zip(operation.parameters(), old))
            assert changed == (k == chosen), (layer, k)


def test_detection_objective_is_minus_the_grid_loss_of_the_path():
    torch.manual_seed(0)
    model = nas.DetectionSupernet()
    images = np.random.default_rng(1).random((3, 48, 48, 3))
    dataset = networks.GridDataset(images, [np.array([[4.0, 4, 20, 20]])] * 3, [np.array([2])] * 3,
                                   model.anchors.numpy())
    objective = nas.detection_objective(model, dataset.images, dataset.targets[0], device="cpu")
    with torch.no_grad():
        expected = networks.grid_loss(model(dataset.images, (2, 1, 0, 2, 1)), dataset.targets[0]).item()
    assert objective((2, 1, 0, 2, 1)) == pytest.approx(-expected)
