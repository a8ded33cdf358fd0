"""cvcourse.attention against PyTorch (affine_grid, grid_sample) and the grad-cam package (GradCAM),
and cvcourse.data.distorted_digits."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from cvcourse import attention

SETTINGS = list(itertools.product(("bilinear", "nearest"), ("zeros", "border"), (False, True)))


def torch_sample(x, grid, mode, padding_mode, align_corners):
    return F.grid_sample(torch.as_tensor(x), torch.as_tensor(grid), mode=mode, padding_mode=padding_mode,
                         align_corners=align_corners).numpy()


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_equals_torch(align_corners):
    rng = np.random.default_rng(0)
    for n, height, width in [(1, 1, 1), (2, 1, 5), (3, 7, 1), (2, 5, 8), (1, 33, 17)]:
        theta = rng.normal(size=(n, 2, 3)) * 2
        ours = attention.affine_grid(theta, (n, 3, height, width), align_corners)
        with pytest.warns(UserWarning) if (align_corners and 1 in (height, width)) else _nothing():
            theirs = F.affine_grid(torch.as_tensor(theta), [n, 3, height, width], align_corners=align_corners)
        assert ours.shape == (n, height, width, 2)
        assert np.abs(ours - theirs.numpy()).max() <= 1e-6


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


@pytest.mark.parametrize("mode, padding_mode, align_corners", SETTINGS)
def test_grid_sample_equals_torch_on_random_inputs(mode, padding_mode, align_corners):
    rng = np.random.default_rng(1)
    for n, c, h, w, ho, wo in [(1, 1, 1, 1, 3, 3), (2, 3, 6, 9, 5, 4), (1, 2, 1, 7, 4, 6), (3, 1, 12, 5, 8, 8)]:
        x = rng.normal(size=(n, c, h, w))
        grid = rng.uniform(-1.5, 1.5, (n, ho, wo, 2))           # inside, on and beyond the edges
        ours = attention.grid_sample(x, grid, mode, padding_mode, align_corners)
        assert ours.shape == (n, c, ho, wo)
        assert np.abs(ours - torch_sample(x, grid, mode, padding_mode, align_corners)).max() <= 1e-6


@pytest.mark.parametrize("mode, padding_mode, align_corners", SETTINGS)
def test_grid_sample_edge_cases(mode, padding_mode, align_corners):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 2, 4, 6))
    # exactly on pixel centres and edges of both conventions, half-way points (ties of nearest),
    # far outside, and the corners
    values = np.array([-1e3, -1.5, -1.0, -1 + 1e-9, -5 / 6, -0.75, -0.5, -0.25, 0.0, 0.25, 1 / 3, 0.5, 1 - 1e-9,
                       1.0, 1.25, 7.0])
    xs, ys = np.meshgrid(values, values)
    grid = np.stack([xs, ys], -1)[None]
    ours = attention.grid_sample(x, grid, mode, padding_mode, align_corners)
    assert np.abs(ours - torch_sample(x, grid, mode, padding_mode, align_corners)).max() <= 1e-6
    # float32 stays float32 and still agrees
    x32, grid32 = x.astype(np.float32), grid.astype(np.float32)
    ours = attention.grid_sample(x32, grid32, mode, padding_mode, align_corners)
    assert ours.dtype == np.float32
    assert np.abs(ours - torch_sample(x32, grid32, mode, padding_mode, align_corners)).max() <= 1e-6


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_then_sample_equals_torch_for_transforms(align_corners):
    rng = np.random.default_rng(3)
    x = rng.random((2, 3, 10, 14))
    angle = 0.3
    theta = np.array([[[np.cos(angle), -np.sin(angle), 0.1], [np.sin(angle), np.cos(angle), -0.2]],
                      [[0.5, 0.0, 0.3], [0.0, 0.5, 0.3]]])                   # rotation; zoom on a corner
    for mode, padding_mode in itertools.product(("bilinear", "nearest"), ("zeros", "border")):
        ours = attention.grid_sample(x, attention.affine_grid(theta, (2, 3, 8, 8), align_corners), mode,
                                     padding_mode, align_corners)
        grid = F.affine_grid(torch.as_tensor(theta), [2, 3, 8, 8], align_corners=align_corners)
        theirs = F.grid_sample(torch.as_tensor(x), grid, mode=mode, padding_mode=padding_mode,
                               align_corners=align_corners).numpy()
        assert np.abs(ours - theirs).max() <= 1e-6


def test_identity_grid_reproduces_the_image():
    x = np.random.default_rng(4).random((1, 2, 5, 7))
    identity = np.array([[[1.0, 0, 0], [0, 1.0, 0]]])
    for align_corners in (False, True):
        grid = attention.affine_grid(identity, x.shape, align_corners)
        for mode in ("bilinear", "nearest"):
            np.testing.assert_allclose(attention.grid_sample(x, grid, mode, "zeros", align_corners), x, atol=1e-12)


def test_spatial_transformer_starts_at_the_identity_and_learns():
    torch.manual_seed(0)
    transformer = attention.SpatialTransformer(2, (9, 11))
    x = torch.rand(3, 2, 9, 11)
    identity = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(3, 2, 3)
    assert torch.equal(transformer.theta(x), identity)
    assert torch.allclose(transformer(x), x, atol=1e-6)      # identity with the same size: the input
    transformer(x).square().mean().backward()
    assert transformer.localisation[-1].weight.grad.abs().sum() > 0   # gradients reach theta's layer
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        transformer(torch.rand(3, 1, 9, 11))
    with pytest.raises(ValueError, match="at least 4"):
        transformer(torch.rand(3, 2, 3, 11))
    with pytest.raises(TypeError, match="torch.Tensor"):
        transformer(x.numpy())


@pytest.mark.parametrize("spatial_transformer", [False, True])
def test_digit_classifier(spatial_transformer):
    model = attention.digit_classifier(spatial_transformer)
    assert model(torch.rand(4, 1, 42, 42)).shape == (4, 10)
    assert isinstance(model[0], attention.SpatialTransformer) == spatial_transformer


def _small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(16, 5))


def _package_cam(model, layer, image, class_index):
    with GradCAM(model=model, target_layers=[layer]) as cam:
        return cam(input_tensor=image, targets=[ClassifierOutputTarget(class_index)])[0]


@pytest.mark.parametrize("shape", [(1, 3, 32, 32), (1, 3, 17, 23)])
def test_grad_cam_equals_the_grad_cam_package(shape):
    model = _small_net()
    image = torch.rand(shape, generator=torch.Generator().manual_seed(1))
    for layer in (model[2], model[4], model[5]):
        for class_index in range(5):
            ours = attention.grad_cam(model, layer, image, class_index)
            theirs = _package_cam(model, layer, image, class_index)
            assert ours.shape == shape[2:] and ours.dtype == np.float32
            assert np.abs(ours - theirs).max() <= 1e-5


def test_grad_cam_equals_the_grad_cam_package_on_the_pretrained_mobilenet_v2():
    """The chapter's case: ImageNet's MobileNetV2 on the cat photograph (281 tabby, 285 Egyptian
    cat, 508 computer keyboard). On an untrained network the maps can be tiny (1e-12), and the
    package's 1e-7 in its normalisation then matters; on a trained one it does not."""
    from cvcourse.data import load_image
    from cvcourse.models import pretrained_classifier

    classifier = pretrained_classifier(device="cpu")
    image = classifier.preprocess(load_image("chelsea"))
    for layer_index, class_index in [(-1, 281), (-1, 285), (-4, 281), (10, 508)]:
        layer = classifier.model.features[layer_index]
        ours = attention.grad_cam(classifier.model, layer, image, class_index)
        assert np.abs(ours - _package_cam(classifier.model, layer, image, class_index)).max() <= 1e-5


def test_grad_cam_map_is_the_weighted_sum_of_activations_with_relu():
    rng = np.random.default_rng(6)
    activations, gradients = rng.normal(size=(2, 5, 3, 4)), rng.normal(size=(2, 5, 3, 4))
    expected = np.maximum(np.einsum("nc,nchw->nhw", gradients.mean(axis=(2, 3)), activations), 0)
    np.testing.assert_allclose(attention.grad_cam_map(activations, gradients), expected, atol=1e-12)
    with pytest.raises(ValueError, match="gradients"):
        attention.grad_cam_map(activations, gradients[:, :4])


def _corner_detector():
    """Channel 0 fires on bright pixels, channel 1 on dark ones; the "object" class's score
    is the bright channel's mean minus the dark channel's."""
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(2, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.stack([torch.full((1, 3, 3), 1 / 9), torch.full((1, 3, 3), -1 / 9)]))
        model[0].bias.copy_(torch.tensor([-0.5, 0.5]))
        model[4].weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))
        model[4].bias.zero_()
    return model


@pytest.mark.parametrize("corner", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_grad_cam_peak_lies_on_the_object(corner):
    rng = np.random.default_rng(5)
    image = rng.uniform(0, 0.3, (32, 32))
    top, left = 3 + 20 * corner[0], 3 + 20 * corner[1]
    image[top:top + 8, left:left + 8] = 1.0                        # the object, in one corner
    model = _corner_detector()
    cam = attention.grad_cam(model, model[1], torch.tensor(image, dtype=torch.float32)[None, None], 0)
    row, column = np.unravel_index(np.argmax(cam), cam.shape)
    assert top <= row < top + 8 and left <= column < left + 8
    assert cam[top:top + 8, left:left + 8].mean() > 0.5 > cam[32 - top - 8:32 - top, 32 - left - 8:32 - left].mean()


def test_grad_cam_works_with_frozen_weights_and_inside_no_grad():
    model = _small_net()
    image = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    expected = attention.grad_cam(model, model[4], image, 3)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    with torch.no_grad():
        np.testing.assert_array_equal(attention.grad_cam(model, model[4], image, 3), expected)
    assert all(parameter.grad is None for parameter in model.parameters())


def test_grad_cam_leaves_the_model_as_it_was_and_checks_its_input():
    model = _small_net().train()
    image = torch.rand(1, 3, 16, 16)
    attention.grad_cam(model, model[4], image, 1)
    assert model.training
    with pytest.raises(ValueError, match="class_index"):
        attention.grad_cam(model, model[4], image, 5)
    with pytest.raises(ValueError, match="one image"):
        attention.grad_cam(model, model[4], torch.rand(2, 3, 16, 16), 1)
    with pytest.raises(ValueError, match="not used"):
        attention.grad_cam(model, nn.Conv2d(3, 3, 1), image, 1)
    with pytest.raises(ValueError, match="feature maps"):
        attention.grad_cam(model, model[7], image, 1)


def test_distorted_digits_are_seeded_and_undone_by_their_theta():
    from cvcourse.data import distorted_digits, mnist_arrays

    images, labels, theta = distorted_digits("test", canvas=40, seed=3)
    again, _, _ = distorted_digits("test", canvas=40, seed=3)
    other, _, _ = distorted_digits("test", canvas=40, seed=4)
    assert images.shape == (1000, 40, 40) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    np.testing.assert_array_equal(images, again)
    assert not np.array_equal(images, other)
    digits, expected = mnist_arrays("test")
    np.testing.assert_array_equal(labels, expected)
    # a transformer that predicted theta would see the upright digit again (blurred by two resamplings)
    upright = attention.grid_sample(images[:, None], attention.affine_grid(theta, (1000, 1, 28, 28)))[:, 0]
    middle = slice(6, 22)
    error = np.abs(upright[:, middle, middle] - digits[:, middle, middle] / 255).mean()
    assert error < 0.08                                            # 0.065 measured
    assert np.corrcoef(upright.ravel(), digits.ravel())[0, 1] > 0.95   # 0.98 measured
    # the digit is really moved and turned: the canvas's middle is not the digit
    assert np.abs(images[:, 6:34, 6:34][:, middle, middle] - digits[:, middle, middle] / 255).mean() > 3 * error
