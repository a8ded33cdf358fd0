"""Convolutional networks from scratch in NumPy (chapters 08 and 09).

Arrays are batched and channels first, as in PyTorch: images ``(N, C, H, W)``, filters
``(F, C, kh, kw)``. Every function here is checked against PyTorch in the tests:
forward passes against ``torch.nn.functional`` and backward passes against autograd.

- :mod:`~cvcourse.nn.conv`: ``output_shape``, ``zero_pad``, ``conv_single_step``,
  ``conv_forward_loop`` (the definition) and ``conv_forward`` (im2col, fast),
  ``conv_backward``, ``im2col``, ``col2im``;
- :mod:`~cvcourse.nn.pool`: ``pool_forward``, ``pool_backward`` (max and average);
- :mod:`~cvcourse.nn.layers`: dense, ReLU, softmax cross-entropy, and layer classes;
- :mod:`~cvcourse.nn.model`: ``Sequential``, ``SGD`` with momentum, ``fit``,
  parameter counts;
- :mod:`~cvcourse.nn.gradcheck`: numerical gradients and the relative error;
- :mod:`~cvcourse.nn.transpose`: ``conv_transpose_output_shape``, ``conv_transpose_forward``,
  ``conv_transpose_backward`` (chapter 15).
"""

from .conv import (
    col2im,
    conv_backward,
    conv_forward,
    conv_forward_loop,
    conv_single_step,
    im2col,
    output_shape,
    zero_pad,
)
from .gradcheck import check_model_gradients, grad_check, numerical_gradient, relative_error
from .layers import (
    Conv2D,
    Dense,
    Flatten,
    Layer,
    Pool2D,
    ReLU,
    dense_backward,
    dense_forward,
    relu,
    relu_backward,
    softmax,
    softmax_cross_entropy,
)
from .model import (
    SGD,
    Sequential,
    conv_param_count,
    count_parameters,
    dense_param_count,
    evaluate,
    fit,
    small_cnn,
    train_step,
)
from .pool import pool_backward, pool_forward
from .transpose import conv_transpose_backward, conv_transpose_forward, conv_transpose_output_shape

__all__ = [
    "output_shape", "zero_pad", "conv_single_step", "conv_forward_loop", "conv_forward",
    "conv_backward", "im2col", "col2im", "pool_forward", "pool_backward",
    "dense_forward", "dense_backward", "relu", "relu_backward", "softmax",
    "softmax_cross_entropy", "Layer", "Conv2D", "Pool2D", "ReLU", "Flatten", "Dense",
    "Sequential", "SGD", "train_step", "evaluate", "fit", "small_cnn",
    "conv_param_count", "dense_param_count", "count_parameters",
    "numerical_gradient", "relative_error", "grad_check", "check_model_gradients",
    "conv_transpose_output_shape", "conv_transpose_forward", "conv_transpose_backward",
]
