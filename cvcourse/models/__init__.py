"""PyTorch architectures of the course (Parts II-VIII), device-agnostic.

Each model is a plain ``torch.nn.Module``; move it with ``model.to(cvcourse.device())``.
Chapter 11's classic networks live in :mod:`.classic`, chapter 12's modern ones in
:mod:`.modern`, chapter 15's segmentation networks in :mod:`.segmentation`, chapter 16's
V-Net in :mod:`.volumetric`; :func:`summary` tabulates any of them and
:func:`pretrained_classifier` loads an ImageNet network offline.
"""

from .classic import (VGG, VGG_CONFIGS, AlexNet, ConvUnit, GoogLeNet, InceptionModule, alexnet, googlenet,
                      vgg, vgg11, vgg13, vgg16, vgg19, zfnet)
from .lenet import LeNet5
from .modern import (BasicBlock, Bottleneck, DenseBlock, DenseLayer, DenseNet, DepthwiseSeparableConv,
                     EfficientNet, Highway, InvertedResidual, MBConv, MobileNetV1, MobileNetV2, ResNet,
                     SEBlock, SmallNet, StochasticDepth, compound_scaling, densenet121, efficientnet,
                     efficientnet_b0, mobilenet_v1, mobilenet_v2, plain_net, residual_net, resnet18,
                     resnet34, resnet50)
from .pretrained import PretrainedClassifier, pretrained_classifier
from .segmentation import (FCN, FPN, DeepSupervision, MaskHead, UNet, bilinear_kernel, deep_supervision_loss,
                           double_conv, mask_loss, mask_targets, paste_masks, predict_labels)
from .summary import LayerRow, Summary, conv_macs, summary
from .volumetric import ResidualStage3d, VNet, segment_volumes, train_vnet

__all__ = [
    "LeNet5",
    "AlexNet", "alexnet", "zfnet", "VGG", "VGG_CONFIGS", "vgg", "vgg11", "vgg13", "vgg16", "vgg19",
    "ConvUnit", "InceptionModule", "GoogLeNet", "googlenet",
    "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50",
    "DenseLayer", "DenseBlock", "DenseNet", "densenet121",
    "DepthwiseSeparableConv", "MobileNetV1", "mobilenet_v1", "InvertedResidual", "MobileNetV2", "mobilenet_v2",
    "SEBlock", "StochasticDepth", "MBConv", "EfficientNet", "efficientnet", "efficientnet_b0", "compound_scaling",
    "Highway", "SmallNet", "plain_net", "residual_net",
    "summary", "Summary", "LayerRow", "conv_macs",
    "PretrainedClassifier", "pretrained_classifier",
    "FCN", "UNet", "DeepSupervision", "deep_supervision_loss", "FPN", "MaskHead", "bilinear_kernel", "double_conv",
    "mask_targets", "mask_loss", "paste_masks",
    "predict_labels",
    "ResidualStage3d", "VNet", "train_vnet", "segment_volumes",
]
