"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) in PyTorch."""

from __future__ import annotations

from torch import nn

from .._validate import check_choice, check_number

__all__ = ["LeNet5"]

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
_POOLINGS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


class LeNet5(nn.Module):
    """LeNet-5 with the layer sizes of LeCun et al. (1998).

    ========  ==========================  ==============  ==========
    layer     what                        output          parameters
    ========  ==========================  ==============  ==========
    input     a 32x32 image (28x28 MNIST  1 x 32 x 32
              digits padded by 2)
    C1        6 filters 5x5               6 x 28 x 28     156
    S2        2x2 pooling, stride 2       6 x 14 x 14     0
    C3        16 filters 5x5              16 x 10 x 10    2,416
    S4        2x2 pooling, stride 2       16 x 5 x 5      0
    C5        120 filters 5x5 (= dense)   120 x 1 x 1     48,120
    F6        dense                       84              10,164
    output    dense                       10              850
    ========  ==========================  ==============  ==========

    61,706 parameters. Seven layers: three convolutional (C1, C3, C5), two subsampling
    (S2, S4) and two fully connected (F6, output); here five of them have weights. The
    1998 network has 60,000 trainable parameters (C1 156, S2 12, C3 1,516, S4 32,
    C5 48,120, F6 10,164; the output's RBF centres were fixed). The "5" is a version
    number: the paper also reports LeNet-1 and LeNet-4.

    Simplifications of the 1998 network, as in most modern re-implementations:

    - C3 connects every one of its 16 maps to all 6 maps of S2; the paper used a
      hand-made table connecting each C3 map to only 3, 4 or 6 of them (60 of the 96
      pairs) to save computation and break symmetry.
    - S2 and S4 here are plain pooling layers; the paper's subsampling layers summed
      each 2x2 window, multiplied it by a learnt coefficient, added a learnt bias and
      applied a sigmoid.
    - The output is an ordinary dense layer giving class scores for a softmax
      cross-entropy loss; the paper used Euclidean radial basis function (RBF) units
      with fixed, hand-designed 7x12 bitmaps of the digits as centres.
    - The paper's activation was a scaled tanh, ``1.7159 tanh(2x/3)``; here it is a
      constructor argument.

    Parameters
    ----------
    activation : {"tanh", "relu"}
        ``"tanh"`` (the default) is close to the paper; ``"relu"`` trains faster and is
        what a modern LeNet uses.
    pooling : {"avg", "max"}
        ``"avg"`` (the default) is close to the paper's subsampling; ``"max"`` is the
        modern choice.
    in_channels : int
        1 for grayscale digits.
    num_classes : int
    padding : int
        Zeros added around the input by C1: 2 (the default) makes a 28x28 MNIST digit
        the paper's 32x32 input; use 0 for inputs that are already 32x32. Any input
        size that reaches C5 as 5x5 works: (28 + 2 * padding) must be 32.

    Examples
    --------
    >>> import torch
    >>> model = LeNet5(activation="relu", pooling="max")
    >>> tuple(model(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    >>> sum(p.numel() for p in model.parameters())
    61706
    """

    def __init__(self, activation="tanh", pooling="avg", in_channels=1, num_classes=10,
                 padding=2):
        super().__init__()
        check_choice(activation, "activation", tuple(_ACTIVATIONS))
        check_choice(pooling, "pooling", tuple(_POOLINGS))
        in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
        num_classes = check_number(num_classes, "num_classes", low=1, integer=True)
        padding = check_number(padding, "padding", low=0, integer=True)
        act, pool = _ACTIVATIONS[activation], _POOLINGS[pooling]
        self.activation, self.pooling = activation, pooling
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding), act(),  # C1
            pool(kernel_size=2, stride=2),                                     # S2
            nn.Conv2d(6, 16, kernel_size=5), act(),                            # C3
            pool(kernel_size=2, stride=2),                                     # S4
            nn.Conv2d(16, 120, kernel_size=5), act(),                          # C5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(120, 84), act(),                                         # F6
            nn.Linear(84, num_classes),                                        # output
        )

    def forward(self, x):
        """Class scores (logits), shape (N, num_classes), for images of shape (N, C, H, W)."""
        if x.ndim != 4:
            raise ValueError(
                f"LeNet5 expects a batch of images of shape (N, C, H, W); got shape "
                f"{tuple(x.shape)}. Add a batch axis with x[None] or x.unsqueeze(0)."
            )
        features = self.features(x)
        if features.shape[-2:] != (1, 1):
            size = tuple(x.shape[-2:])
            raise ValueError(
                f"LeNet5 needs 28x28 inputs with padding=2 (or 32x32 with padding=0); got "
                f"{size} images, which leave C5 with {tuple(features.shape[-2:])} maps."
            )
        return self.classifier(features)
