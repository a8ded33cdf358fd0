"""The classic ImageNet networks of chapter 11: AlexNet, ZFNet, VGG and GoogLeNet.

Written from the papers. The default configurations are torchvision's, with the same
module names, so torchvision's checkpoints load into them and the tests can compare the
two networks number for number; where torchvision departs from a paper the docstring
says how, and an option builds the paper's version where that is a small change.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import _describe, check_choice, check_number
from ._common import check_batch, check_counts, check_layers, check_sizes, initialise

__all__ = [
    "AlexNet", "alexnet", "zfnet", "VGG", "VGG_CONFIGS", "vgg", "vgg11", "vgg13", "vgg16", "vgg19",
    "ConvUnit", "InceptionModule", "GoogLeNet", "googlenet",
]


def _classifier(in_features, hidden, num_classes, dropout):
    """The fully connected head of AlexNet, ZFNet and VGG: two hidden layers with dropout."""
    return [nn.Linear(in_features, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes)]


class AlexNet(nn.Module):
    """A feature extractor of convolutions and pooling, pooled to 6x6, then three fully
    connected layers. Built by :func:`alexnet` and :func:`zfnet`."""

    def __init__(self, features, classifier, in_channels, name="AlexNet"):
        features, classifier = check_layers(features, "features"), check_layers(classifier, "classifier")
        in_channels, = check_counts(in_channels=in_channels)
        super().__init__()
        self.in_channels, self.name = in_channels, name
        self.features = nn.Sequential(*features)
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(*classifier)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, self.name)
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def alexnet(num_classes=1000, in_channels=3, variant="torchvision"):
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012).

    Five convolutional layers (11x11 stride 4, 5x5, then three 3x3) with ReLU, three
    overlapping 3x3 max poolings with stride 2, then three fully connected layers
    (4096, 4096, classes) with dropout 0.5 before the first two.

    Parameters
    ----------
    num_classes, in_channels : int
    variant : {"torchvision", "paper"}
        ``"torchvision"`` (61,100,840 parameters for 1000 classes) is torchvision's
        one-GPU network, taken from Krizhevsky's cuda-convnet2 configuration: 64, 192,
        384, 256, 256 filters (the "one weird trick" paper, Krizhevsky 2014, lists 384
        for conv4), no local response normalisation, padding 2 in the first layer, and
        dropout on the inputs of the first two fully connected layers.
        ``"paper"`` (60,965,224 parameters) is the 2012 network: 96, 256, 384, 384, 256
        filters; conv2, conv4 and conv5 split into two groups (``groups=2``), the halves
        that lived on the two GPUs; local response normalisation after conv1 and conv2;
        dropout on the outputs of the first two fully connected layers; 227x227 inputs.

    Returns
    -------
    AlexNet

    Examples
    --------
    >>> sum(p.numel() for p in alexnet().parameters())
    61100840
    """
    num_classes, in_channels = check_sizes(num_classes, in_channels)
    check_choice(variant, "variant", ("torchvision", "paper"))
    relu = lambda: nn.ReLU(inplace=True)  # noqa: E731 - a fresh module per layer
    pool = lambda: nn.MaxPool2d(kernel_size=3, stride=2)  # noqa: E731
    if variant == "torchvision":
        features = [nn.Conv2d(in_channels, 64, 11, stride=4, padding=2), relu(), pool(),
                    nn.Conv2d(64, 192, 5, padding=2), relu(), pool(),
                    nn.Conv2d(192, 384, 3, padding=1), relu(),
                    nn.Conv2d(384, 256, 3, padding=1), relu(),
                    nn.Conv2d(256, 256, 3, padding=1), relu(), pool()]
    else:
        # The paper's k = 2, n = 5, alpha = 1e-4, beta = 0.75; PyTorch divides alpha by the
        # window size n, so the paper's alpha is passed as 5 * 1e-4.
        lrn = lambda: nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)  # noqa: E731
        features = [nn.Conv2d(in_channels, 96, 11, stride=4), relu(), lrn(), pool(),
                    nn.Conv2d(96, 256, 5, padding=2, groups=2), relu(), lrn(), pool(),
                    nn.Conv2d(256, 384, 3, padding=1), relu(),
                    nn.Conv2d(384, 384, 3, padding=1, groups=2), relu(),
                    nn.Conv2d(384, 256, 3, padding=1, groups=2), relu(), pool()]
    head = _classifier(256 * 6 * 6, 4096, num_classes, 0.5)
    if variant == "torchvision":
        # torchvision puts each dropout before its linear layer: it drops fc6's inputs and
        # fc6's outputs, where the paper drops fc6's and fc7's outputs (the same at test time).
        head = [head[2], head[0], head[1], head[5], head[3], head[4], head[6]]
    return AlexNet(features, head, in_channels)


def zfnet(num_classes=1000, in_channels=3):
    """ZFNet (Zeiler and Fergus, 2014): AlexNet with the changes its visualisations suggested.

    Layer 1 uses 96 filters of 7x7 with stride 2 instead of 11x11 with stride 4 (AlexNet's
    first-layer filters mixed very high and very low frequencies and left some dead, and
    the stride of 4 aliased the second layer's features), and layer 2 has stride 2. Sizes follow the paper's Figure 3 for a 224x224 input: 110, 55, 26, 13, 13,
    13, 13, 6 (max pooling rounds up, as in Caffe). Layers 3-5 have 384, 384 and 256
    filters; contrast normalisation across maps follows the first two poolings.
    62,357,608 parameters for 1000 classes.

    Examples
    --------
    >>> tuple(zfnet()(torch.zeros(1, 3, 224, 224)).shape)
    (1, 1000)
    """
    num_classes, in_channels = check_sizes(num_classes, in_channels)
    features = [nn.Conv2d(in_channels, 96, 7, stride=2, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.LocalResponseNorm(5),
                nn.Conv2d(96, 256, 5, stride=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.LocalResponseNorm(5),
                nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2)]
    return AlexNet(features, _classifier(256 * 6 * 6, 4096, num_classes, 0.5), in_channels, "ZFNet")


#: VGG's configurations (Simonyan and Zisserman, 2015, Table 1): filters of each 3x3
#: convolution, "M" for a 2x2 max pooling with stride 2.
VGG_CONFIGS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],
}


def _check_config(config) -> list:
    """Validate a VGG configuration (filter counts and "M"s, as in :data:`VGG_CONFIGS`)."""
    if not isinstance(config, (list, tuple)):
        raise TypeError(f'config must be a list of filter counts and "M" for a pooling, like '
                        f"VGG_CONFIGS[11]; got {_describe(config)}.")
    if not config:
        raise ValueError("config is an empty list; it needs at least one layer.")
    for k, entry in enumerate(config):
        if isinstance(entry, str) and entry != "M":
            raise ValueError(f'config[{k}] must be a number of filters or "M" for a pooling; got {entry!r}.')
        if not isinstance(entry, str):
            check_number(entry, f"config[{k}]", low=1, integer=True)
    return list(config)


class VGG(nn.Module):
    """VGG: stacks of 3x3 convolutions and 2x2 poolings, then three fully connected layers."""

    def __init__(self, config, num_classes=1000, in_channels=3, batch_norm=False):
        super().__init__()
        config = _check_config(config)
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        self.in_channels = in_channels
        layers, channels = [], in_channels
        for entry in config:
            if entry == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
                continue
            layers.append(nn.Conv2d(channels, entry, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(entry))
            layers.append(nn.ReLU(inplace=True))
            channels = entry
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(*_classifier(channels * 7 * 7, 4096, num_classes, 0.5))
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "VGG")
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def vgg(depth, num_classes=1000, in_channels=3, batch_norm=False):
    """VGG-11, -13, -16 or -19 (Simonyan and Zisserman, 2015), as in their Table 1.

    ``depth`` counts the layers with weights: VGG-16 has 13 convolutional and 3 fully
    connected layers. ``batch_norm`` adds batch normalisation after each convolution
    (Ioffe and Szegedy, 2015; not in the paper). Inputs of 224x224 reach the classifier
    as 512x7x7; other sizes are average-pooled to 7x7 as in torchvision.
    """
    check_choice(depth, "depth", tuple(VGG_CONFIGS))
    return VGG(VGG_CONFIGS[depth], num_classes, in_channels, batch_norm)


def vgg11(num_classes=1000, in_channels=3):
    """VGG-11 (configuration A): 8 convolutional + 3 fully connected layers."""
    return vgg(11, num_classes, in_channels)


def vgg13(num_classes=1000, in_channels=3):
    """VGG-13 (configuration B): 10 convolutional + 3 fully connected layers."""
    return vgg(13, num_classes, in_channels)


def vgg16(num_classes=1000, in_channels=3):
    """VGG-16 (configuration D): 13 convolutional + 3 fully connected layers, 138,357,544
    parameters for 1000 classes.

    Examples
    --------
    >>> sum(p.numel() for p in vgg16().parameters())
    138357544
    """
    return vgg(16, num_classes, in_channels)


def vgg19(num_classes=1000, in_channels=3):
    """VGG-19 (configuration E): 16 convolutional + 3 fully connected layers."""
    return vgg(19, num_classes, in_channels)


class ConvUnit(nn.Module):
    """Convolution, then batch normalisation (or a bias), then ReLU: one GoogLeNet layer.

    With ``batch_norm=True`` the convolution has no bias (the normalisation's shift plays
    its part) and the normalisation uses eps = 0.001, as torchvision's ``BasicConv2d``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, batch_norm=True):
        super().__init__()
        in_channels, out_channels, kernel_size, stride = check_counts(
            in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, stride=stride)
        padding = check_number(padding, "padding", low=0, integer=True)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=not batch_norm)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001) if batch_norm else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class InceptionModule(nn.Module):
    """The inception module with dimension reductions (Szegedy et al., 2015, Figure 2b).

    Four branches see the same input and their outputs are stacked along the channels:
    a 1x1 convolution; a 1x1 reduction then a 3x3 convolution; a 1x1 reduction then a
    5x5 convolution; a 3x3 max pooling (stride 1) then a 1x1 projection. The output has
    ``ch1x1 + ch3x3 + ch5x5 + pool_proj`` channels and the input's height and width.

    Parameters
    ----------
    in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj : int
        The columns of the paper's Table 1, in its order.
    large_kernel : {5, 3}
        Kernel of the "5x5" branch. torchvision's GoogLeNet uses 3 there (a slip kept so
        its published weights still load), so :func:`googlenet` passes 3; 5 is the paper's.
    batch_norm : bool
        Batch normalisation after every convolution (torchvision; the 2015 paper had none).
    """

    def __init__(self, in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj,
                 large_kernel=5, batch_norm=True):
        super().__init__()
        sizes = dict(in_channels=in_channels, ch1x1=ch1x1, ch3x3_reduce=ch3x3_reduce, ch3x3=ch3x3,
                     ch5x5_reduce=ch5x5_reduce, ch5x5=ch5x5, pool_proj=pool_proj)
        check_counts(**sizes)
        check_choice(large_kernel, "large_kernel", (5, 3))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
        self.branch1 = ConvUnit(in_channels, ch1x1, 1, batch_norm=batch_norm)
        self.branch2 = nn.Sequential(ConvUnit(in_channels, ch3x3_reduce, 1, batch_norm=batch_norm),
                                     ConvUnit(ch3x3_reduce, ch3x3, 3, padding=1, batch_norm=batch_norm))
        self.branch3 = nn.Sequential(
            ConvUnit(in_channels, ch5x5_reduce, 1, batch_norm=batch_norm),
            ConvUnit(ch5x5_reduce, ch5x5, large_kernel, padding=large_kernel // 2, batch_norm=batch_norm))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     ConvUnit(in_channels, pool_proj, 1, batch_norm=batch_norm))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


#: GoogLeNet's nine inception modules (Szegedy et al., 2015, Table 1): name and the
#: arguments of :class:`InceptionModule` after ``in_channels``.
GOOGLENET_MODULES = [
    ("inception3a", (64, 96, 128, 16, 32, 32)), ("inception3b", (128, 128, 192, 32, 96, 64)),
    ("inception4a", (192, 96, 208, 16, 48, 64)), ("inception4b", (160, 112, 224, 24, 64, 64)),
    ("inception4c", (128, 128, 256, 24, 64, 64)), ("inception4d", (112, 144, 288, 32, 64, 64)),
    ("inception4e", (256, 160, 320, 32, 128, 128)), ("inception5a", (256, 160, 320, 32, 128, 128)),
    ("inception5b", (384, 192, 384, 48, 128, 128)),
]


class GoogLeNet(nn.Module):
    """GoogLeNet / Inception v1 (Szegedy et al., 2015) as torchvision builds it.

    A stem (7x7 stride 2, pooling, 1x1, 3x3, pooling), nine inception modules with
    poolings after 3b and 4e, global average pooling, dropout and one linear layer:
    6,624,904 parameters for 1000 classes. Departures from the paper: batch
    normalisation after every convolution (so no local response normalisation), dropout
    0.2 instead of 0.4, 3x3 instead of 5x5 kernels in the "5x5" branches, a 2x2 instead
    of a 3x3 max pooling after 4e (the same 7x7 output), and no
    auxiliary classifiers (the paper attached two, after 4a and 4d, to add gradient to
    the middle of the network during training; they were dropped at test time).
    """

    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__()
        num_classes, in_channels = check_sizes(num_classes, in_channels)
        self.in_channels = in_channels
        self.conv1 = ConvUnit(in_channels, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = ConvUnit(64, 64, 1)
        self.conv3 = ConvUnit(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        channels = 192
        for name, sizes in GOOGLENET_MODULES:
            module = InceptionModule(channels, *sizes, large_kernel=3)
            setattr(self, name, module)
            channels = module.out_channels
            if name == "inception3b":
                self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            elif name == "inception4e":
                self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(channels, num_classes)
        initialise(self)

    def forward(self, x):
        check_batch(x, self.in_channels, "GoogLeNet")
        for module in self.children():  # registered in the order they run
            x = torch.flatten(x, 1) if module is self.dropout else x
            x = module(x)
        return x


def googlenet(num_classes=1000, in_channels=3):
    """GoogLeNet with torchvision's default configuration (see :class:`GoogLeNet`).

    Examples
    --------
    >>> sum(p.numel() for p in googlenet().parameters())
    6624904
    """
    return GoogLeNet(num_classes, in_channels)
