"""Layers of a NumPy CNN: functional forward and backward passes, and small classes.

The functions are the mathematics: ``dense_forward``/``dense_backward``,
``relu``/``relu_backward`` and ``softmax_cross_entropy`` (which returns the loss and its
gradient together). The classes wrap them (and the convolution and pooling of
:mod:`cvcourse.nn.conv` and :mod:`cvcourse.nn.pool`) with the little state a network
needs: each layer has ``forward(x)``, ``backward(dout)`` (which returns the gradient
with respect to its input), a dict ``params`` of weight arrays and a dict ``grads`` of
their gradients, filled by ``backward``.

Weights are laid out as in PyTorch (``Conv2D`` weights ``(F, C, kh, kw)``, ``Dense``
weights ``(out_features, in_features)``, ``Flatten`` in C, H, W order), so a network
built here and its PyTorch twin can share their weights exactly.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite, check_ndim, check_number, float_dtype_for
from .conv import _check_conv_args, _check_dout, _conv_backward, _conv_forward
from .pool import _check_settings, pool_backward, pool_forward

__all__ = [
    "dense_forward",
    "dense_backward",
    "relu",
    "relu_backward",
    "softmax",
    "softmax_cross_entropy",
    "Layer",
    "Conv2D",
    "Pool2D",
    "ReLU",
    "Flatten",
    "Dense",
]


def _check_matrix(x, name: str) -> np.ndarray:
    x = as_array(x, name)
    check_ndim(x, 2, name, "(N, features): one row per example")
    check_finite(x, name)
    return x.astype(float_dtype_for(x.dtype), copy=False)


def _check_dense_args(x, w):
    x = _check_matrix(x, "x")
    w = _check_matrix(w, "w")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w must have shape (out_features, {x.shape[1]}) to take x of shape {x.shape}; "
            f"got {w.shape}."
        )
    return x, w


def dense_forward(x, w, b) -> np.ndarray:
    """A fully connected layer: ``x @ w.T + b``.

    Parameters
    ----------
    x : array_like, shape (N, in_features)
    w : array_like, shape (out_features, in_features)
        PyTorch's ``nn.Linear`` layout.
    b : array_like, shape (out_features,)

    Returns
    -------
    numpy.ndarray, shape (N, out_features)

    Examples
    --------
    >>> dense_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, -1.0]]), np.array([0.5, 0.0]))
    array([[ 3.5, -2. ]])
    """
    x, w = _check_dense_args(x, w)
    b = as_array(b, "b")
    if b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},); got {b.shape}.")
    return x @ w.T + b


def dense_backward(dout, x, w):
    """Gradients of :func:`dense_forward` with respect to x, w and b.

    Parameters
    ----------
    dout : array_like, shape (N, out_features)
    x, w
        The forward pass's input and weights.

    Returns
    -------
    dx : numpy.ndarray, shape (N, in_features)
        ``dout @ w``
    dw : numpy.ndarray, shape (out_features, in_features)
        ``dout.T @ x``
    db : numpy.ndarray, shape (out_features,)
        ``dout`` summed over the batch.

    Examples
    --------
    >>> dx, dw, db = dense_backward(np.array([[1.0, 0.0]]), np.array([[1.0, 2.0]]), np.eye(2))
    >>> dx, dw, db
    (array([[1., 0.]]), array([[1., 2.],
           [0., 0.]]), array([1., 0.]))
    """
    x, w = _check_dense_args(x, w)
    dout = _check_matrix(dout, "dout")
    if dout.shape != (x.shape[0], w.shape[0]):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[0])}; got {dout.shape}.")
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def relu(x) -> np.ndarray:
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = as_array(x, "x")
    check_finite(x, "x")
    return np.maximum(x, 0).astype(float_dtype_for(x.dtype), copy=False)


def relu_backward(dout, x) -> np.ndarray:
    """Gradient of :func:`relu`: ``dout`` where ``x > 0``, zero elsewhere.

    (At exactly 0 the derivative is undefined; 0 is used, as PyTorch does.)

    Examples
    --------
    >>> relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 5.])
    """
    dout = as_array(dout, "dout")
    x = as_array(x, "x")
    if dout.shape != x.shape:
        raise ValueError(f"dout and x must have the same shape; got {dout.shape} and {x.shape}.")
    return np.where(x > 0, dout, 0).astype(float_dtype_for(dout.dtype), copy=False)


def softmax(logits) -> np.ndarray:
    """Softmax over the last axis, computed stably (the largest logit is subtracted first).

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    logits = as_array(logits, "logits")
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must hold at least one class score along its last axis; "
                         f"got shape {logits.shape}.")
    check_finite(logits, "logits")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax probabilities, and its gradient with respect to the logits.

    ``loss = mean over n of -log softmax(logits[n])[labels[n]]``, PyTorch's
    ``F.cross_entropy``. Its gradient has the famous simple form
    ``(softmax(logits) - one_hot(labels)) / N``.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Unnormalised scores for K classes.
    labels : array_like of int, shape (N,)
        The right class of each example, in 0..K-1.

    Returns
    -------
    loss : float
    dlogits : numpy.ndarray, shape (N, K)

    Examples
    --------
    >>> loss, dlogits = softmax_cross_entropy(np.zeros((1, 4)), np.array([2]))
    >>> round(loss, 4), dlogits
    (1.3863, array([[ 0.25,  0.25, -0.75,  0.25]]))
    """
    logits = _check_matrix(logits, "logits")
    labels = as_array(labels, "labels")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers; got dtype {labels.dtype}.")
    if labels.shape != (logits.shape[0],):
        raise ValueError(
            f"labels must hold one class per row of logits, shape ({logits.shape[0]},); "
            f"got {labels.shape}."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(
            f"labels must lie in 0..{logits.shape[1] - 1} for {logits.shape[1]} classes; "
            f"got values from {labels.min()} to {labels.max()}."
        )
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = float(-log_probs[rows, labels].mean())
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1
    return loss, dlogits / n


class Layer:
    """Base class: a layer with no parameters passes its input through unchanged."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x):
        return x

    def backward(self, dout):
        return dout

    def __repr__(self):
        return f"{type(self).__name__}()"


def _he_normal(rng, shape, fan_in, dtype):
    """He et al. (2015) initialisation, N(0, 2 / fan_in): keeps ReLU activations' scale."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


class Conv2D(Layer):
    """Convolution layer: :func:`~cvcourse.nn.conv.conv_forward` with learnt ``w`` and ``b``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Square ``kernel_size x kernel_size`` filters.
    stride, pad : int
    rng : numpy.random.Generator, optional
        For the He-normal initial weights (biases start at zero).
    dtype : numpy dtype
        float32 (fast; the default) or float64 (for gradient checks).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, *,
                 rng=None, dtype=np.float32):
        super().__init__()
        in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
        out_channels = check_number(out_channels, "out_channels", low=1, integer=True)
        kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
        self.stride = check_number(stride, "stride", low=1, integer=True)
        self.pad = check_number(pad, "pad", low=0, integer=True)
        rng = np.random.default_rng(rng)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        fan_in = in_channels * kernel_size**2
        self.params = {"w": _he_normal(rng, shape, fan_in, dtype),
                       "b": np.zeros(out_channels, dtype=dtype)}

    def forward(self, x):
        x, w, b, stride, pad = _check_conv_args(x, self.params["w"], self.params["b"],
                                                self.stride, self.pad)
        out, self._cols = _conv_forward(x, w, b, stride, pad)
        self._x_shape = x.shape
        return out

    def backward(self, dout):
        w = self.params["w"]
        dout = _check_dout(dout, self._x_shape, w, self.stride, self.pad)
        dx, self.grads["w"], self.grads["b"] = _conv_backward(
            dout, self._cols, self._x_shape, w, self.stride, self.pad)
        return dx

    def __repr__(self):
        f, c, k, _ = self.params["w"].shape
        return f"Conv2D({c}, {f}, kernel_size={k}, stride={self.stride}, pad={self.pad})"


class Pool2D(Layer):
    """Max or average pooling (:func:`~cvcourse.nn.pool.pool_forward`); no parameters.

    Parameters
    ----------
    size : int
    stride : int, optional
        ``size`` by default.
    mode : {"max", "average"}
    """

    def __init__(self, size=2, stride=None, mode="max"):
        super().__init__()
        _check_settings(size, stride, mode)
        self.size, self.stride, self.mode = size, stride, mode

    def forward(self, x):
        self._x = x
        return pool_forward(x, self.size, self.stride, self.mode)

    def backward(self, dout):
        return pool_backward(dout, self._x, self.size, self.stride, self.mode)

    def __repr__(self):
        return f"Pool2D(size={self.size}, stride={self.stride}, mode={self.mode!r})"


class ReLU(Layer):
    """Elementwise :func:`relu`."""

    def forward(self, x):
        self._x = x
        return relu(x)

    def backward(self, dout):
        return relu_backward(dout, self._x)


class Flatten(Layer):
    """Reshape (N, C, H, W) feature maps into (N, C * H * W) rows, in C, H, W order."""

    def forward(self, x):
        self._shape = np.shape(x)
        return np.reshape(x, (self._shape[0], -1))

    def backward(self, dout):
        return np.reshape(dout, self._shape)


class Dense(Layer):
    """Fully connected layer, :func:`dense_forward`, with He-normal initial weights.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator, optional
    dtype : numpy dtype
    """

    def __init__(self, in_features, out_features, *, rng=None, dtype=np.float32):
        super().__init__()
        in_features = check_number(in_features, "in_features", low=1, integer=True)
        out_features = check_number(out_features, "out_features", low=1, integer=True)
        rng = np.random.default_rng(rng)
        self.params = {"w": _he_normal(rng, (out_features, in_features), in_features, dtype),
                       "b": np.zeros(out_features, dtype=dtype)}

    def forward(self, x):
        self._x = x
        return dense_forward(x, self.params["w"], self.params["b"])

    def backward(self, dout):
        dx, self.grads["w"], self.grads["b"] = dense_backward(dout, self._x, self.params["w"])
        return dx

    def __repr__(self):
        out_features, in_features = self.params["w"].shape
        return f"Dense({in_features}, {out_features})"
