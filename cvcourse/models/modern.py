"""The modern networks of chapter 12: ResNet, DenseNet, MobileNet v1 and v2, EfficientNet,
squeeze-and-excitation, highway layers, and small plain and residual networks to train.

Written from the papers with torchvision's default configurations and module names, so
torchvision's checkpoints load into them (the tests compare the two number for number).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn

from .._validate import _describe, check_number
from ._common import ConvNormActivation, check_batch, check_counts, check_sizes, initialise, make_divisible

__all__ = [
    "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50",
    "DenseLayer", "DenseBlock", "DenseNet", "densenet121",
    "DepthwiseSeparableConv", "MobileNetV1", "mobilenet_v1",
    "InvertedResidual", "MobileNetV2", "mobilenet_v2",
    "SEBlock", "StochasticDepth", "MBConv", "EfficientNet", "efficientnet", "efficientnet_b0",
    "compound_scaling", "Highway", "SmallNet", "plain_net", "residual_net",
]


def _check_stride(stride):
    return check_number(stride, "stride", low=1, high=2, integer=True)


# --------------------------------------------------------------------------- ResNet

class BasicBlock(nn.Module):
    """ResNet's basic block (He et al., 2016, Figure 2): y = relu(F(x) + shortcut(x)).

    F is two 3x3 convolutions with batch normalisation, the first with ReLU and
    ``stride``. The shortcut is the identity when the shapes agree, and otherwise a 1x1
    convolution with ``stride`` and batch normalisation (the paper's projection shortcut,
    option B). With ``shortcut=False`` the block is the same two layers with no addition:
    the "plain" network of the paper's experiments.
    """

    expansion = 1

    def __init__(self, in_channels, channels, stride=1, shortcut=True):
        super().__init__()
        in_channels, channels = check_counts(in_channels=in_channels, channels=channels)
        stride = _check_stride(stride)
        out_channels = channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = bool(shortcut)
        self.downsample = _projection(in_channels, out_channels, stride) if shortcut else None

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.shortcut:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


def _projection(in_channels, out_channels, stride):
    """The projection shortcut, or None where the identity fits."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                         nn.BatchNorm2d(out_channels))


class Bottleneck(nn.Module):
    """ResNet's bottleneck block (He et al., 2016, Figure 5): 1x1 reduce, 3x3, 1x1 expand.

    ``channels`` is the width of the 3x3 layer; the block outputs ``4 * channels``. The
    stride sits on the 3x3 convolution, as in torchvision ("ResNet v1.5"); the paper put
    it on the first 1x1.
    """

    expansion = 4

    def __init__(self, in_channels, channels, stride=1):
        super().__init__()
        in_channels, channels = check_counts(in_channels=in_channels, channels=channels)
        stride = _check_stride(stride)
        out_channels = channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _projection(in_channels, out_channels, stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """ResNet for ImageNet (He et al., 2016, Table 1): a 7x7 stride-2 stem and max pooling,
    four stages of blocks (64, 128, 256, 512 channels; each after the first halves the
    size), global average pooling and one linear layer."""

    def __init__(self, block, blocks_per_stage, num_classes=1000, in_channels=3):
        super().__init__()
        if not (isinstance(block, type) and issubclass(block, nn.Module) and hasattr(block, "expansion")):
            raise TypeError(f"block must be a block class such as BasicBlock or Bottleneck; got {_describe(block)}.")
        blocks_per_stage = _check_stage_sizes(blocks_per_stage, "blocks_per_stage", length=4)
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = 64
        for index, (width, count) in enumerate(zip((64, 128, 256, 512), blocks_per_stage)):
            stride = 1 if index == 0 else 2
            stage = []
            for k in range(count):
                stage.append(block(channels, width, stride if k == 0 else 1))
                channels = width * block.expansion
            setattr(self, f"layer{index + 1}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "ResNet")
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _check_stage_sizes(sizes, name, length=None) -> list[int]:
    """Validate a list of layer counts, one per stage (each at least 1); return it as ints."""
    wanted = "a list of layer counts, one per stage" + (f" ({length} of them)" if length else "")
    if not isinstance(sizes, (list, tuple)):
        raise TypeError(f"{name} must be {wanted}; got {_describe(sizes)}.")
    if not sizes or (length is not None and len(sizes) != length):
        raise ValueError(f"{name} must be {wanted}; got {len(sizes)} entries.")
    return [check_number(count, f"{name}[{k}]", low=1, integer=True) for k, count in enumerate(sizes)]


def resnet18(num_classes=1000, in_channels=3):
    """ResNet-18: basic blocks, [2, 2, 2, 2] per stage; 11,689,512 parameters.

    Examples
    --------
    >>> sum(p.numel() for p in resnet18().parameters())
    11689512
    """
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes, in_channels)


def resnet34(num_classes=1000, in_channels=3):
    """ResNet-34: basic blocks, [3, 4, 6, 3] per stage."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes, in_channels)


def resnet50(num_classes=1000, in_channels=3):
    """ResNet-50: bottleneck blocks, [3, 4, 6, 3] per stage; 25,557,032 parameters."""
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes, in_channels)


# --------------------------------------------------------------------------- DenseNet

class DenseLayer(nn.Module):
    """One layer of a dense block (Huang et al., 2017): BN-ReLU-1x1 convolution to
    ``bn_size * growth_rate`` channels, BN-ReLU-3x3 convolution to ``growth_rate``. It
    reads the concatenation of every earlier output of its block."""

    def __init__(self, in_channels, growth_rate, bn_size=4):
        super().__init__()
        in_channels, growth_rate, bn_size = check_counts(
            in_channels=in_channels, growth_rate=growth_rate, bn_size=bn_size)
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1) if isinstance(features, (list, tuple)) else features
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers; layer k sees ``in_channels + k * growth_rate`` channels
    and the block outputs the concatenation of its input and every layer's output."""

    def __init__(self, num_layers, in_channels, growth_rate, bn_size=4):
        super().__init__()
        num_layers, = check_counts(num_layers=num_layers)
        for k in range(num_layers):
            self[f"denselayer{k + 1}"] = DenseLayer(in_channels + k * growth_rate, growth_rate, bn_size)

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class DenseNet(nn.Module):
    """DenseNet-BC (Huang et al., 2017): dense blocks joined by transition layers
    (BN-ReLU-1x1 convolution halving the channels, 2x2 average pooling)."""

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4,
                 num_classes=1000, in_channels=3):
        super().__init__()
        growth_rate, num_init_features, bn_size = check_counts(
            growth_rate=growth_rate, num_init_features=num_init_features, bn_size=bn_size)
        block_config = _check_stage_sizes(block_config, "block_config")
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        self.in_channels = in_channels
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(in_channels, num_init_features, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(3, stride=2, padding=1)),
        ]))
        channels = num_init_features
        for index, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{index + 1}",
                                     DenseBlock(num_layers, channels, growth_rate, bn_size))
            channels += num_layers * growth_rate
            if index != len(block_config) - 1:
                self.features.add_module(f"transition{index + 1}", nn.Sequential(OrderedDict([
                    ("norm", nn.BatchNorm2d(channels)), ("relu", nn.ReLU(inplace=True)),
                    ("conv", nn.Conv2d(channels, channels // 2, 1, bias=False)),
                    ("pool", nn.AvgPool2d(2, stride=2))])))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(channels, num_classes)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "DenseNet")
        return self.classifier(torch.flatten(self.avgpool(self.relu(self.features(x))), 1))


def densenet121(num_classes=1000, in_channels=3):
    """DenseNet-121: growth rate 32, blocks of 6, 12, 24, 16 layers; 7,978,856 parameters."""
    return DenseNet(32, (6, 12, 24, 16), 64, 4, num_classes, in_channels)


# --------------------------------------------------------------------------- MobileNets

class DepthwiseSeparableConv(nn.Sequential):
    """A depthwise 3x3 convolution (one filter per channel, ``groups=in_channels``) then a
    pointwise 1x1 convolution, each with batch normalisation and ReLU (Howard et al.,
    2017, Figure 3). It costs ``H W C (9 + F)`` multiplications for F output channels,
    against ``H W C 9 F`` for a standard 3x3 convolution."""

    def __init__(self, in_channels, out_channels, stride=1):
        in_channels, out_channels = check_counts(in_channels=in_channels, out_channels=out_channels)
        stride = _check_stride(stride)
        super().__init__(OrderedDict([
            ("depthwise", ConvNormActivation(in_channels, in_channels, 3, stride, groups=in_channels)),
            ("pointwise", ConvNormActivation(in_channels, out_channels, 1)),
        ]))


#: MobileNet v1's body (Howard et al., 2017, Table 1): output channels and stride of each
#: depthwise separable layer. (The table's last "s2" is a slip: the map stays 7x7.)
MOBILENET_V1_LAYERS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [
    (1024, 2), (1024, 1)]


class MobileNetV1(nn.Module):
    """MobileNet v1 (Howard et al., 2017): a 3x3 stride-2 convolution, 13 depthwise
    separable layers, global average pooling and a linear layer. ``width`` is the paper's
    width multiplier alpha: every layer gets ``round(alpha * channels)`` channels."""

    def __init__(self, width=1.0, num_classes=1000, in_channels=3):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        width = check_number(width, "width", low=0, low_inclusive=False, high=4)
        self.in_channels = in_channels
        scaled = lambda c: max(1, round(c * width))  # noqa: E731
        layers = [ConvNormActivation(in_channels, scaled(32), 3, 2)]
        channels = scaled(32)
        for out, stride in MOBILENET_V1_LAYERS:
            layers.append(DepthwiseSeparableConv(channels, scaled(out), stride))
            channels = scaled(out)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(channels, num_classes)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "MobileNetV1")
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def mobilenet_v1(num_classes=1000, in_channels=3, width=1.0):
    """MobileNet v1 1.0-224: 4.2 million parameters and 569 million multiply-adds
    (Howard et al., 2017, Table 4)."""
    return MobileNetV1(width, num_classes, in_channels)


class InvertedResidual(nn.Module):
    """MobileNet v2's block (Sandler et al., 2018): 1x1 expansion by ``expand_ratio`` with
    ReLU6, 3x3 depthwise with ReLU6, 1x1 linear projection (no activation: the
    "linear bottleneck"), and the identity added when ``stride == 1`` and the channel
    counts agree. Thin in, wide inside, thin out: the inverse of ResNet's bottleneck."""

    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__()
        in_channels, out_channels = check_counts(in_channels=in_channels, out_channels=out_channels)
        stride = _check_stride(stride)
        expand_ratio = check_number(expand_ratio, "expand_ratio", low=1, integer=True)
        hidden = in_channels * expand_ratio
        layers = [ConvNormActivation(in_channels, hidden, 1, activation=nn.ReLU6)] if expand_ratio != 1 else []
        layers += [ConvNormActivation(hidden, hidden, 3, stride, groups=hidden, activation=nn.ReLU6),
                   nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
        self.conv = nn.Sequential(*layers)
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        return x + self.conv(x) if self.use_residual else self.conv(x)


#: MobileNet v2's body (Sandler et al., 2018, Table 2): expansion t, channels c, repeats n, stride s.
MOBILENET_V2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    """MobileNet v2 as torchvision builds it (3,504,872 parameters for 1000 classes)."""

    def __init__(self, width=1.0, num_classes=1000, in_channels=3):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        width = check_number(width, "width", low=0, low_inclusive=False, high=4)
        self.in_channels = in_channels
        channels = make_divisible(32 * width)
        last = make_divisible(1280 * max(1.0, width))
        layers = [ConvNormActivation(in_channels, channels, 3, 2, activation=nn.ReLU6)]
        for t, c, n, s in MOBILENET_V2_STAGES:
            out = make_divisible(c * width)
            for k in range(n):
                layers.append(InvertedResidual(channels, out, s if k == 0 else 1, t))
                channels = out
        layers.append(ConvNormActivation(channels, last, 1, activation=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, num_classes))
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "MobileNetV2")
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def mobilenet_v2(num_classes=1000, in_channels=3, width=1.0):
    """MobileNet v2 (Sandler et al., 2018) with torchvision's configuration."""
    return MobileNetV2(width, num_classes, in_channels)


# --------------------------------------------------------------------------- SE, EfficientNet

class SEBlock(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2018): channel attention.

    Squeeze: average each channel over the image to one number. Excite: two small fully
    connected layers (C to ``squeeze_channels`` with an activation, back to C with a
    sigmoid) turn those C numbers into C weights in (0, 1). Scale: multiply each channel
    of the input by its weight. The fully connected layers are written as 1x1
    convolutions on the 1x1 pooled map (the same arithmetic), as torchvision does.

    Parameters
    ----------
    channels : int
    squeeze_channels : int, optional
        Width of the bottleneck; by default ``channels // reduction`` (at least 1).
    reduction : int
        The paper's r (16 in SENet).
    activation : type of nn.Module
        ``nn.ReLU`` in SENet, ``nn.SiLU`` in EfficientNet.
    """

    def __init__(self, channels, squeeze_channels=None, reduction=16, activation=nn.ReLU):
        super().__init__()
        channels, reduction = check_counts(channels=channels, reduction=reduction)
        if squeeze_channels is None:
            squeeze_channels = max(1, channels // reduction)
        squeeze_channels, = check_counts(squeeze_channels=squeeze_channels)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.activation = activation(inplace=True)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.scale_activation = nn.Sigmoid()

    def forward(self, x):
        weights = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return x * weights


class StochasticDepth(nn.Module):
    """Drop a residual branch for a whole example with probability ``p`` while training
    (Huang et al., 2016), scaling the kept ones by 1 / (1 - p); the identity at test time."""

    def __init__(self, p):
        super().__init__()
        self.p = check_number(p, "p", low=0, high=1, high_inclusive=False)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), device=x.device, dtype=x.dtype)
        return x * keep.bernoulli_(1 - self.p) / (1 - self.p)


class MBConv(nn.Module):
    """EfficientNet's mobile inverted bottleneck (Tan and Le, 2019): MobileNet v2's block
    with SiLU activations, a k x k depthwise convolution and squeeze-and-excitation on
    the expanded channels (squeezed to a quarter of the block's input channels)."""

    def __init__(self, in_channels, out_channels, expand_ratio, kernel_size, stride, drop_probability=0.0):
        super().__init__()
        in_channels, out_channels, expand_ratio = check_counts(
            in_channels=in_channels, out_channels=out_channels, expand_ratio=expand_ratio)
        stride = _check_stride(stride)
        if kernel_size not in (3, 5, 7) or isinstance(kernel_size, bool):
            raise ValueError(f"kernel_size must be 3, 5 or 7; got {kernel_size!r}.")
        expanded = make_divisible(in_channels * expand_ratio)
        layers = [ConvNormActivation(in_channels, expanded, 1, activation=nn.SiLU)] if expanded != in_channels else []
        layers += [ConvNormActivation(expanded, expanded, kernel_size, stride, groups=expanded, activation=nn.SiLU),
                   SEBlock(expanded, max(1, in_channels // 4), activation=nn.SiLU),
                   ConvNormActivation(expanded, out_channels, 1, activation=None)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(drop_probability)
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        out = self.block(x)
        return x + self.stochastic_depth(out) if self.use_residual else out


#: EfficientNet-B0 (Tan and Le, 2019, Table 1): expansion, kernel, stride, input and
#: output channels, and layers of each MBConv stage.
EFFICIENTNET_B0_STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2),
                          (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4),
                          (6, 3, 1, 192, 320, 1)]


class EfficientNet(nn.Module):
    """EfficientNet: B0's stages with channels times ``width`` (rounded to multiples of 8)
    and layers per stage times ``depth`` (rounded up). ``resolution`` is the input size
    the network is meant for (stored; any size works)."""

    def __init__(self, width=1.0, depth=1.0, resolution=224, dropout=0.2, stochastic_depth=0.2,
                 num_classes=1000, in_channels=3):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        width = check_number(width, "width", low=0, low_inclusive=False, high=8)
        depth = check_number(depth, "depth", low=0, low_inclusive=False, high=8)
        self.resolution = check_number(resolution, "resolution", low=32, high=2048, integer=True)
        dropout = check_number(dropout, "dropout", low=0, high=1, high_inclusive=False)
        stochastic_depth = check_number(stochastic_depth, "stochastic_depth", low=0, high=1, high_inclusive=False)
        self.in_channels = in_channels
        stages = [(t, k, s, make_divisible(c_in * width), make_divisible(c_out * width), math.ceil(n * depth))
                  for t, k, s, c_in, c_out, n in EFFICIENTNET_B0_STAGES]
        total_blocks = sum(stage[-1] for stage in stages)
        layers = [ConvNormActivation(in_channels, stages[0][3], 3, 2, activation=nn.SiLU)]
        block_index = 0
        for t, k, s, c_in, c_out, n in stages:
            blocks = []
            for j in range(n):
                # the drop probability grows linearly with depth, from 0 to stochastic_depth
                drop = stochastic_depth * block_index / total_blocks
                blocks.append(MBConv(c_in if j == 0 else c_out, c_out, t, k, s if j == 0 else 1, drop))
                block_index += 1
            layers.append(nn.Sequential(*blocks))
        last = 4 * stages[-1][4]
        layers.append(ConvNormActivation(stages[-1][4], last, 1, activation=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last, num_classes))
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "EfficientNet")
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def compound_scaling(phi, alpha=1.2, beta=1.1, gamma=1.15):
    """EfficientNet's compound scaling (Tan and Le, 2019, equation 3).

    Depth, width and resolution grow together as ``alpha**phi``, ``beta**phi`` and
    ``gamma**phi``; the paper's grid search on B0 found alpha = 1.2, beta = 1.1,
    gamma = 1.15 with alpha * beta**2 * gamma**2 close to 2, so each step of ``phi``
    about doubles the multiply-adds.

    Returns
    -------
    (width, depth, resolution) : (float, float, int)
        Multipliers for :func:`efficientnet` and the input size (224 scaled, rounded).
    """
    phi = check_number(phi, "phi", low=0, high=8)
    for name, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        check_number(value, name, low=1, high=4)
    return beta**phi, alpha**phi, int(round(224 * gamma**phi))


def efficientnet(width=1.0, depth=1.0, resolution=224, num_classes=1000, in_channels=3):
    """An EfficientNet scaled from B0 by ``width`` and ``depth`` for ``resolution`` inputs."""
    return EfficientNet(width, depth, resolution, num_classes=num_classes, in_channels=in_channels)


def efficientnet_b0(num_classes=1000, in_channels=3):
    """EfficientNet-B0 (Tan and Le, 2019) with torchvision's configuration: 5,288,548 parameters."""
    return efficientnet(1.0, 1.0, 224, num_classes, in_channels)


# --------------------------------------------------------------------------- Highway, small nets

class Highway(nn.Module):
    """A highway layer (Srivastava, Greff and Schmidhuber, 2015) on feature vectors.

    ``y = H(x) * T(x) + x * (1 - T(x))`` with ``H(x) = relu(W_H x + b_H)`` and the
    transform gate ``T(x) = sigmoid(W_T x + b_T)``. The gate's bias starts negative
    (``gate_bias``), so the layer starts by mostly carrying its input through, as the
    paper recommends. A residual layer ``y = H(x) + x`` is what remains when both the
    transform and the carry gate are fixed open at 1.
    """

    def __init__(self, features, gate_bias=-2.0):
        super().__init__()
        features, = check_counts(features=features)
        gate_bias = check_number(gate_bias, "gate_bias", finite=True)
        self.transform = nn.Linear(features, features)
        self.gate = nn.Linear(features, features)
        nn.init.constant_(self.gate.bias, gate_bias)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.ndim != 2 or x.shape[1] != self.gate.in_features:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"Highway expects a tensor of shape (N, {self.gate.in_features}); got {shape}.")
        t = torch.sigmoid(self.gate(x))
        return torch.relu(self.transform(x)) * t + x * (1 - t)


class SmallNet(nn.Module):
    """A network small enough to train in a chapter: a 3x3 convolution, ``blocks`` basic
    blocks at constant width and resolution, global average pooling and a linear layer."""

    def __init__(self, blocks, width, shortcut, num_classes, in_channels):
        super().__init__()
        blocks = check_number(blocks, "blocks", low=1, high=99, integer=True)
        width = check_number(width, "width", low=1, high=1024, integer=True)
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        self.in_channels = in_channels
        self.stem = ConvNormActivation(in_channels, width, 3)
        self.blocks = nn.Sequential(*[BasicBlock(width, width, shortcut=shortcut) for _ in range(blocks)])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width, num_classes)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "SmallNet")
        return self.fc(torch.flatten(self.avgpool(self.blocks(self.stem(x))), 1))


def _small_net(depth, width, shortcut, num_classes, in_channels):
    depth = check_number(depth, "depth", low=4, high=200, integer=True)
    if depth % 2:
        raise ValueError(f"depth must be even (a stem, pairs of 3x3 layers, a linear layer); got {depth}.")
    return SmallNet((depth - 2) // 2, width, shortcut, num_classes, in_channels)


def plain_net(depth, width=16, num_classes=10, in_channels=1):
    """A plain network of ``depth`` layers with weights: :func:`residual_net` without its
    shortcuts (same layers, same parameters), as in He et al. (2016), sections 4.1-4.2."""
    return _small_net(depth, width, False, num_classes, in_channels)


def residual_net(depth, width=16, num_classes=10, in_channels=1):
    """A residual network of ``depth`` layers with weights (even, at least 4): a 3x3
    convolution, ``(depth - 2) / 2`` basic blocks of ``width`` channels, a linear layer."""
    return _small_net(depth, width, True, num_classes, in_channels)
