"""Numerical gradient checking: is a backward pass right?

Nudge one input at a time by ``+eps`` and ``-eps`` and watch the loss: the centred
difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` approximates the partial derivative
with an error of order ``eps**2``. Compare that with the analytic gradient through the
relative error ``||a - n|| / (||a|| + ||n||)``: in float64, around 1e-9 or less means
the backward pass is right; 1e-3 or more means it is wrong.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_callable, check_number
from .layers import softmax_cross_entropy
from .model import _check_model

__all__ = ["numerical_gradient", "relative_error", "grad_check", "check_model_gradients"]


def numerical_gradient(f, x, eps=1e-6) -> np.ndarray:
    """Centred finite-difference gradient of a scalar function at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number. It is called with ``x`` itself, nudged in place one
        entry at a time (and restored), so ``f`` may also ignore its argument and read
        an array it shares with ``x`` (a model's weights, say).
    x : numpy.ndarray of float64
        Where to take the gradient. Must be float64: in float32 the rounding error of
        ``f`` swamps a small ``eps``.
    eps : float
        The nudge, > 0.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> numerical_gradient(lambda v: float(np.sum(v ** 2)), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    check_callable(f, "f", "a function of x that returns a number")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            "x must be a float64 NumPy array (it is nudged in place); got "
            f"{type(x).__name__ if not isinstance(x, np.ndarray) else 'dtype ' + str(x.dtype)}."
        )
    eps = check_number(eps, "eps", low=0, low_inclusive=False)
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be nudged in place.")
    for i in range(flat.size):  # one entry at a time: that is what the check is
        original = flat[i]
        flat[i] = original + eps
        above = f(x)
        flat[i] = original - eps
        below = f(x)
        flat[i] = original
        flat_grad[i] = (above - below) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)``; 0 when both are zero.

    Examples
    --------
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    """
    a = as_array(a, "a").astype(np.float64)
    b = as_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}.")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def grad_check(f, x, analytic, eps=1e-6) -> float:
    """Relative error between an analytic gradient and the numerical one.

    Parameters
    ----------
    f : callable
        Scalar function, as for :func:`numerical_gradient`.
    x : numpy.ndarray of float64
        Where the gradient was taken.
    analytic : array_like
        The gradient the backward pass computed, same shape as ``x``.
    eps : float

    Returns
    -------
    float
        Below about 1e-7 when the backward pass is right.

    Examples
    --------
    >>> x = np.array([0.5, -1.5])
    >>> grad_check(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2) < 1e-9
    True
    """
    return relative_error(analytic, numerical_gradient(f, x, eps))


def check_model_gradients(model, images, labels, eps=1e-6) -> dict[str, float]:
    """Gradient-check every parameter of a NumPy model under softmax cross-entropy.

    Parameters
    ----------
    model : cvcourse.nn.Sequential
        With float64 parameters (e.g. ``small_cnn(dtype=np.float64)``).
    images : numpy.ndarray of float64
        A small batch (every parameter entry costs two forward passes).
    labels : numpy.ndarray of int
    eps : float

    Returns
    -------
    dict
        Relative error per parameter, keyed as in ``model.named_parameters()``, plus
        ``"input"`` for the gradient with respect to the images.
    """
    _check_model(model, needs=("forward", "backward", "named_parameters", "named_gradients"))
    images = as_array(images, "images")

    def loss(_):
        return softmax_cross_entropy(model.forward(images), labels)[0]

    parameters = dict(model.named_parameters())
    if any(p.dtype != np.float64 for p in parameters.values()) or images.dtype != np.float64:
        raise TypeError("gradient checking needs float64 parameters and images; "
                        "build the model with dtype=np.float64.")
    _, dlogits = softmax_cross_entropy(model.forward(images), labels)
    dimages = model.backward(dlogits)
    gradients = dict(model.named_gradients())
    errors = {name: grad_check(loss, parameters[name], gradients[name], eps) for name in parameters}
    errors["input"] = grad_check(loss, images, dimages, eps)
    return errors
