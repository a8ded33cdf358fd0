"""cvcourse.metric_learning against torch.nn.TripletMarginLoss, scikit-learn's ROC and
nearest-centroid classifier, and hand-computed cases."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestCentroid

from cvcourse import metric_learning as ml
from cvcourse.data import mnist_arrays

rng = np.random.default_rng(18)


def _random(*shape, seed=0):
    return torch.as_tensor(np.random.default_rng(seed).normal(size=shape))


# ---- losses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("margin", [0.2, 1.0, 3.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_loss_equals_torch(margin, reduction):
    a, p, n = _random(40, 16, seed=1), _random(40, 16, seed=2), _random(40, 16, seed=3)
    expected = torch.nn.TripletMarginLoss(margin=margin, reduction=reduction)(a, p, n)
    torch.testing.assert_close(ml.triplet_loss(a, p, n, margin, reduction), expected, rtol=1e-12, atol=1e-12)


def test_triplet_loss_edge_cases_and_gradient_equal_torch():
    a = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    p = torch.zeros(3, 4, dtype=torch.float64)  # zero distance: torch's eps keeps the gradient finite
    n = torch.tensor([[0.0] * 4, [5.0] * 4, [0.1] * 4], dtype=torch.float64)
    ours = ml.triplet_loss(a, p, n, 1.0)
    ours.backward()
    ours_grad = a.grad.clone()
    a.grad = None
    theirs = torch.nn.TripletMarginLoss(margin=1.0)(a, p, n)
    theirs.backward()
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(ours_grad, a.grad)
    # negatives far beyond the margin: zero loss
    assert ml.triplet_loss(a, p, n[1:2].repeat(3, 1), 1.0).item() == 0.0


def test_contrastive_loss_hand_computed():
    # Same pair at 0.5: 0.5 * 0.25 = 0.125; different at 0.5, margin 1: 0.5 * 0.5^2 = 0.125;
    # different at 2 (beyond the margin): 0; same at 2: 0.5 * 4 = 2.
    d = torch.tensor([0.5, 0.5, 2.0, 2.0])
    losses = ml.contrastive_loss(d, [True, False, False, True], margin=1.0, reduction="none")
    torch.testing.assert_close(losses, torch.tensor([0.125, 0.125, 0.0, 2.0]))
    assert ml.contrastive_loss(d, [1, 0, 0, 1], margin=1.0).item() == pytest.approx(2.25 / 4)
    assert ml.contrastive_loss(d, np.array([1, 0, 0, 1]), margin=3.0, reduction="sum").item() == pytest.approx(
        0.125 + 0.5 * 2.5 ** 2 + 0.5 * 1.0 + 2.0)


def test_contrastive_loss_gradients_pull_and_push():
    d = torch.tensor([0.5, 0.5], requires_grad=True)
    ml.contrastive_loss(d, [True, False], margin=1.0, reduction="sum").backward()
    assert d.grad[0] > 0 > d.grad[1]  # descent shrinks the same pair and grows the different one


def test_pairwise_distances_equals_cdist_and_has_finite_gradient():
    e = _random(12, 5, seed=4).requires_grad_()
    torch.testing.assert_close(ml.pairwise_distances(e), torch.cdist(e, e), rtol=1e-10, atol=1e-10)
    ml.pairwise_distances(e).sum().backward()
    assert torch.isfinite(e.grad).all()


def _brute_force_batch_hard(e, labels):
    d = torch.cdist(e, e).numpy()
    out = []
    for i in range(len(labels)):
        pos = [j for j in range(len(labels)) if labels[j] == labels[i] and j != i]
        neg = [j for j in range(len(labels)) if labels[j] != labels[i]]
        if pos and neg:
            out.append((i, max(pos, key=lambda j: d[i, j]), min(neg, key=lambda j: d[i, j])))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_batch_hard_triplets_equal_brute_force(seed):
    labels = np.random.default_rng(seed).integers(0, 4, 20)
    labels[0] = 9  # a class of one image: not an anchor
    e = _random(20, 3, seed=seed)
    a, p, n = ml.batch_hard_triplets(e, labels)
    assert list(zip(a.tolist(), p.tolist(), n.tolist())) == _brute_force_batch_hard(e, labels)
    loss = ml.batch_hard_triplet_loss(e, labels, margin=0.3)
    expected = torch.nn.TripletMarginLoss(margin=0.3)(e[a], e[p], e[n])
    torch.testing.assert_close(loss, expected)


def test_batch_hard_needs_a_triplet():
    with pytest.raises(ValueError, match="labels"):
        ml.batch_hard_triplet_loss(_random(3, 2), [0, 1, 2])
    with pytest.raises(ValueError, match="labels"):
        ml.batch_hard_triplet_loss(_random(3, 2), [0, 0, 0])


def test_siamese_net_shares_weights_and_gives_distances():
    torch.manual_seed(0)
    net = ml.EmbeddingNet(embedding_dim=8, channels=4).eval()
    twins = ml.SiameseNet(net)
    x, y = torch.rand(5, 1, 28, 28), torch.rand(5, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(twins(x, y), (net(x) - net(y)).norm(dim=1))
        torch.testing.assert_close(twins(x, y), twins(y, x))
    assert sum(p.numel() for p in twins.parameters()) == sum(p.numel() for p in net.parameters())


# ---- verification ---------------------------------------------------------------------------

def _pairs(seed, count=300, ties=False):
    r = np.random.default_rng(seed)
    same = r.random(count) < 0.4
    d = np.where(same, r.normal(0.6, 0.3, count), r.normal(1.2, 0.3, count))
    return (np.round(d, 1) if ties else d), same


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ties", [False, True])
def test_verification_roc_equals_sklearn(seed, ties):
    d, same = _pairs(seed, ties=ties)
    roc = ml.verification_roc(d, same, target_far=0.05)
    fpr, tpr, thresholds = roc_curve(same, -d, drop_intermediate=False)
    np.testing.assert_allclose(roc.far, fpr, atol=1e-12)
    np.testing.assert_allclose(roc.tpr, tpr, atol=1e-12)
    np.testing.assert_allclose(roc.thresholds[1:], -thresholds[1:])
    assert roc.auc == pytest.approx(roc_auc_score(same, -d), abs=1e-12)
    # the threshold at the target: the largest whose FAR is <= 5 %
    assert roc.far_at_target <= 0.05
    bigger = roc.thresholds[roc.thresholds > roc.threshold]
    if len(bigger):
        assert ml.error_rates(d, same, bigger.min())[0] > 0.05
    far, frr = ml.error_rates(d, same, roc.threshold)
    assert (far, frr) == (roc.far_at_target, roc.frr_at_target)


def test_verification_roc_extremes():
    perfect = ml.verification_roc([0.1, 0.2, 0.8, 0.9], [True, True, False, False], target_far=0.0)
    assert perfect.auc == 1.0 and perfect.threshold == 0.2 and perfect.frr_at_target == 0.0
    assert perfect.equal_error_rate == 0.0
    reversed_ = ml.verification_roc([0.9, 0.8, 0.2, 0.1], [True, True, False, False])
    assert reversed_.auc == 0.0
    tied = ml.verification_roc([0.5] * 4, [True, False, True, False])
    assert tied.auc == pytest.approx(roc_auc_score([1, 0, 1, 0], [0.5] * 4))
    with pytest.raises(ValueError, match="same"):
        ml.verification_roc([0.1, 0.2], [True, True])


def test_error_rates_by_hand():
    far, frr = ml.error_rates([0.1, 0.4, 0.35, 0.8], [True, True, False, False], [0.0, 0.38, 1.0])
    np.testing.assert_array_equal(far, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(frr, [1.0, 0.5, 0.0])


# ---- few-shot ----------------------------------------------------------------------------

def test_episodes_are_disjoint_and_balanced():
    labels = np.repeat(np.arange(8), 7)
    for support, query in ml.few_shot_episodes(labels, n_way=5, k_shot=2, queries=4, episodes=20, seed=3):
        assert support.shape == (5, 2) and query.shape == (5, 4)
        assert not set(support.ravel()) & set(query.ravel())
        assert all(len(set(labels[np.r_[s, q]])) == 1 for s, q in zip(support, query))
        assert len(set(labels[support[:, 0]])) == 5
    with pytest.raises(ValueError, match="n_way"):
        ml.few_shot_episodes(labels, n_way=9)


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide")  # sklearn's spread with 1 shot
@pytest.mark.parametrize("k_shot", [1, 3])
def test_n_way_k_shot_equals_sklearn_nearest_centroid(k_shot):
    labels = np.repeat(np.arange(6), 10)
    embeddings = rng.normal(size=(60, 4)) + labels[:, None] * 0.7
    episodes = ml.few_shot_episodes(labels, 4, k_shot, 3, episodes=30, seed=1)
    correct = 0
    for support, query in episodes:
        clf = NearestCentroid().fit(embeddings[support.ravel()], labels[support.ravel()])
        correct += (clf.predict(embeddings[query.ravel()]) == labels[query.ravel()]).sum()
    expected = correct / (30 * 4 * 3)
    assert ml.n_way_k_shot_accuracy(embeddings, labels, 4, k_shot, 3, episodes=30, seed=1) == expected


def test_n_way_k_shot_extremes():
    labels = np.repeat(np.arange(5), 6)
    separated = np.eye(5)[labels] * 10
    assert ml.n_way_k_shot_accuracy(separated, labels, 5, 1, 5, episodes=10) == 1.0
    same_point = np.zeros((30, 3))  # every prototype ties: the first class wins, 1 / n_way
    assert ml.n_way_k_shot_accuracy(same_point, labels, 5, 1, 5, episodes=10) == pytest.approx(0.2)


def test_uneven_episodes_share_the_queries_by_a_dirichlet_draw():
    labels = np.repeat(np.arange(7), 30)
    episodes = ml.few_shot_episodes(labels, n_way=5, k_shot=2, queries=4, episodes=200, seed=5, query_alpha=1.0)
    shares = np.array([[len(q) for q in query] for _, query in episodes])
    assert (shares.sum(1) == 20).all() and (shares == 0).any() and len({tuple(row) for row in shares}) > 100
    for support, query in episodes[:20]:
        assert support.shape == (5, 2) and len(query) == 5
        assert not set(support.ravel()) & set(np.concatenate(query))
        assert all(set(labels[np.r_[s, q]].tolist()) == {labels[s[0]]} for s, q in zip(support, query))
    again = ml.few_shot_episodes(labels, n_way=5, k_shot=2, queries=4, episodes=200, seed=5, query_alpha=1.0)
    assert all((a[0] == b[0]).all() and all((x == y).all() for x, y in zip(a[1], b[1])) for a, b in zip(episodes, again))
    # larger concentrations share more evenly
    even = ml.few_shot_episodes(labels, n_way=5, k_shot=2, queries=4, episodes=200, seed=5, query_alpha=100.0)
    assert np.array([[len(q) for q in query] for _, query in even]).std() < shares.std() / 2
    with pytest.raises(ValueError, match="n_way \\* queries = 22"):
        ml.few_shot_episodes(np.repeat(np.arange(7), 10), n_way=5, k_shot=2, queries=4, query_alpha=1.0)
    with pytest.raises(ValueError, match="query_alpha"):
        ml.few_shot_episodes(labels, query_alpha=0.0)


def _sklearn_responsibilities(prototypes, queries, temperature):
    """Soft memberships from scikit-learn: equal-weight spherical Gaussians of variance T / 2."""
    count = len(prototypes)
    mixture = GaussianMixture(n_components=count, covariance_type="spherical")
    mixture.weights_ = np.full(count, 1 / count)
    mixture.means_ = prototypes
    mixture.covariances_ = np.full(count, temperature / 2)
    mixture.precisions_cholesky_ = 1 / np.sqrt(mixture.covariances_)
    return mixture.predict_proba(queries)


@pytest.mark.parametrize("k_shot, steps, temperature", [(1, 1, 0.2), (3, 2, 0.5), (2, 4, 1.5)])
def test_refine_prototypes_follows_sklearn_memberships(k_shot, steps, temperature):
    prototypes = rng.normal(size=(5, 6))
    queries = rng.normal(size=(23, 6))
    expected = prototypes
    for _ in range(steps):
        weights = _sklearn_responsibilities(expected, queries, temperature)
        expected = (k_shot * prototypes + weights.T @ queries) / (k_shot + weights.sum(0))[:, None]
    np.testing.assert_allclose(ml.refine_prototypes(prototypes, queries, k_shot, steps, temperature), expected,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ml.refine_prototypes(prototypes, queries, k_shot, 0, temperature), prototypes)


def test_refine_prototypes_by_hand_and_far_queries():
    # hard memberships: 1 -> class 0, 3 and 5 -> class 1; class 0 averages 0 and 1, class 1 4, 3 and 5
    np.testing.assert_allclose(ml.refine_prototypes([[0.0], [4.0]], [[1.0], [3.0], [5.0]], temperature=1e-3),
                               [[0.5], [4.0]])
    # with K = 3 the support mean weighs three times as much
    np.testing.assert_allclose(ml.refine_prototypes([[0.0], [4.0]], [[1.0]], k_shot=3, temperature=1e-3),
                               [[0.25], [4.0]])
    # a query 1,000 units away: the softmax must not overflow
    out = ml.refine_prototypes([[0.0], [1.0]], [[1000.0]], temperature=1e-3)
    assert np.isfinite(out).all() and out[0, 0] == 0.0
    with pytest.raises(ValueError, match="length D=2"):
        ml.refine_prototypes(np.zeros((3, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="temperature"):
        ml.refine_prototypes(np.zeros((3, 2)), np.zeros((4, 2)), temperature=0)
    with pytest.raises(ValueError, match="queries must hold finite"):
        ml.refine_prototypes(np.zeros((3, 2)), np.full((4, 2), np.nan))


@pytest.mark.parametrize("query_alpha", [None, 2.0])
def test_transductive_accuracy_equals_episode_by_episode_sklearn(query_alpha):
    labels = np.repeat(np.arange(6), 40)
    embeddings = np.random.default_rng(3).normal(size=(240, 4)) + labels[:, None] * 0.6
    correct = total = 0
    for support, query in ml.few_shot_episodes(labels, 4, 1, 5, episodes=40, seed=2, query_alpha=query_alpha):
        prototypes = embeddings[support[:, 0]]
        points = embeddings[np.concatenate(list(query))]
        base = prototypes
        for _ in range(2):
            weights = _sklearn_responsibilities(base, points, 0.4)
            base = (prototypes + weights.T @ points) / (1 + weights.sum(0))[:, None]
        truth = np.repeat(np.arange(4), [len(q) for q in query])
        chosen = np.argmin(((points[:, None] - base[None]) ** 2).sum(-1), axis=1)
        correct += (chosen == truth).sum()
        total += len(truth)
    got = ml.n_way_k_shot_accuracy(embeddings, labels, 4, 1, 5, episodes=40, seed=2, transductive_steps=2,
                                   temperature=0.4, query_alpha=query_alpha)
    assert got == correct / total
    inductive = ml.n_way_k_shot_accuracy(embeddings, labels, 4, 1, 5, episodes=40, seed=2, query_alpha=query_alpha)
    assert got != inductive  # the refinement changed some decisions


def test_fit_embedding_is_repeatable():
    images, labels = mnist_arrays("test")
    keep = labels < 3
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = ml.EmbeddingNet(embedding_dim=8, channels=4)
        runs.append(ml.fit_embedding(net, images[keep], labels[keep], steps=3, classes_per_batch=3,
                                     images_per_class=4, device="cpu", progress=False))
    assert runs[0] == runs[1]


def test_random_affine_identity_and_shape():
    x = torch.rand(4, 1, 12, 12)
    same = ml.random_affine(x, np.random.default_rng(0), rotation=0, scale=0, shear=0, shift=0)
    torch.testing.assert_close(same, x, atol=1e-5, rtol=0)
    assert ml.random_affine(x, np.random.default_rng(0)).shape == x.shape



class _RecordingNet(torch.nn.Module):
    """Embeds an image by its mean pixel and records the means of every training batch."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(2))
        self.batches = []

    def forward(self, images):
        means = images.mean(dim=(1, 2, 3))
        if self.training:
            self.batches.append(sorted(set(torch.round(means * 255).int().tolist())))
        return torch.stack([means, 1 - means], 1) * self.weight


def test_fit_embedding_every_batch_holds_the_named_classes():
    labels = np.repeat(np.arange(6), 4)
    images = np.broadcast_to((10 * labels).astype(np.uint8)[:, None, None], (24, 4, 4)).copy()  # class c: 10 c
    net = _RecordingNet()
    ml.fit_embedding(net, images, labels, steps=30, classes_per_batch=3, images_per_class=2,
                     every_batch=[4, 1], augment=False, device="cpu", progress=False)
    assert len(net.batches) == 30
    assert all(len(b) == 3 and {10, 40} <= set(b) for b in net.batches)
    assert len(set().union(*net.batches)) == 6  # the others still come at random
    # no classes named: the same batches as without the option
    plain, empty = _RecordingNet(), _RecordingNet()
    for model, extra in ((plain, {}), (empty, {"every_batch": ()})):
        ml.fit_embedding(model, images, labels, steps=10, classes_per_batch=3, images_per_class=2,
                         augment=False, device="cpu", progress=False, **extra)
    assert plain.batches == empty.batches
    for bad, error, message in [([9], ValueError, r"not in labels: \[9\]"), ([0, 1, 2], ValueError, "fewer than"),
                                ("1", TypeError, "every_batch"), (3, TypeError, "every_batch")]:
        with pytest.raises(error, match=message):
            ml.fit_embedding(net, images, labels, steps=1, classes_per_batch=3, images_per_class=2,
                             every_batch=bad, device="cpu", progress=False)


def test_fit_embedding_follows_one_cycle_and_learns(monkeypatch):
    from cvcourse import train

    rates, real_step = [], train.train_step

    def recording_step(model, images, labels, optimizer, loss_fn):
        rates.append(optimizer.param_groups[0]["lr"])
        return real_step(model, images, labels, optimizer, loss_fn)

    monkeypatch.setattr(train, "train_step", recording_step)
    images, labels = mnist_arrays("test")
    keep = labels < 4
    torch.manual_seed(0)
    net = ml.EmbeddingNet(embedding_dim=16, channels=8)
    before = ml.n_way_k_shot_accuracy(ml.embed(net, images[keep]), labels[keep], n_way=4, episodes=200)
    losses = ml.fit_embedding(net, images[keep], labels[keep], steps=60, classes_per_batch=4, images_per_class=8,
                              lr=3e-3, device="cpu", progress=False)
    after = ml.n_way_k_shot_accuracy(ml.embed(net, images[keep]), labels[keep], n_way=4, episodes=200)
    assert len(rates) == 60
    assert rates[0] == pytest.approx(3e-3 / 25) and max(rates) == pytest.approx(3e-3, rel=1e-3)
    assert int(np.argmax(rates)) == pytest.approx(0.3 * 60, abs=1) and rates[-1] < 1e-5
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10]) and after > before + 0.1, (before, after)


def test_embedding_net_pools_straight_after_each_convolution():
    kinds = [type(layer).__name__ for layer in ml.EmbeddingNet(channels=4).features]
    assert kinds == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU"] * 2 + ["Flatten"]
