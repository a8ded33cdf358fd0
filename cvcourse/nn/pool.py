"""Pooling from scratch: max and average pooling, forward and backward.

A pooling window of ``size x size`` slides over each channel separately, ``stride``
pixels at a time, and keeps the largest value (max pooling) or the mean (average
pooling) of what it covers. Pooling has no parameters to learn. Shapes follow PyTorch:
``(N, C, H, W)`` in, ``(N, C, H_out, W_out)`` out with
``H_out = floor((H - size) / stride) + 1``; the tests compare with
``torch.nn.functional.max_pool2d`` and ``avg_pool2d``.

Both passes loop over the ``size * size`` offsets inside the window, not over the
windows: at each offset, one strided slice of the input holds that pixel of every
window at once.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_number
from .conv import _check_batch, _offset_slices, output_shape

__all__ = ["pool_forward", "pool_backward"]

_MODES = ("max", "average")


def _check_settings(size, stride, mode):
    """Validated (size, stride) of a pooling layer; the stride defaults to the size."""
    size = check_number(size, "size", low=1, integer=True)
    stride = size if stride is None else check_number(stride, "stride", low=1, integer=True)
    check_choice(mode, "mode", _MODES)
    return size, stride


def _check_pool_args(x, size, stride, mode):
    x = _check_batch(x, "x")
    size, stride = _check_settings(size, stride, mode)
    for axis, n in (("height", x.shape[2]), ("width", x.shape[3])):
        if size > n:
            raise ValueError(
                f"the pooling window ({size} x {size}) is larger than the input {axis} ({n})."
            )
    return x, size, stride


def _pool_slices(x_shape, size, stride):
    out_h, out_w = (output_shape(n, size, 0, stride) for n in x_shape[2:])
    return _offset_slices(size, size, out_h, out_w, stride)


def pool_forward(x, size=2, stride=None, mode="max") -> np.ndarray:
    """Max or average pooling over every channel of a batch.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of feature maps, channels first.
    size : int
        The window is ``size x size``.
    stride : int, optional
        Step between windows; ``size`` by default (windows that tile without overlap).
    mode : {"max", "average"}
        Keep the largest value of each window, or the mean.

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)
        ``H_out = floor((H - size) / stride) + 1``; rows and columns that no whole
        window reaches are dropped, as in PyTorch.

    Raises
    ------
    ValueError
        For input that is not 4-D or holds NaN, a window larger than the input,
        ``size`` or ``stride`` below 1, or an unknown ``mode``.

    Examples
    --------
    >>> x = np.array([[0, 2, 3, 4], [1, 0, 0, 0], [5, 6, 0, 7], [4, 1, 0, 2]])
    >>> pool_forward(x[None, None], size=2, stride=2, mode="max")[0, 0]
    array([[2., 4.],
           [6., 7.]])
    """
    x, size, stride = _check_pool_args(x, size, stride, mode)
    out = None
    for _, _, rows, cols in _pool_slices(x.shape, size, stride):
        part = x[:, :, rows, cols]
        if out is None:
            out = part.copy()
        elif mode == "max":
            np.maximum(out, part, out=out)
        else:
            out += part
    return out if mode == "max" else out / (size * size)


def pool_backward(dout, x, size=2, stride=None, mode="max") -> np.ndarray:
    """Gradient of a pooling layer with respect to its input.

    - Max pooling passes each output's gradient to the one input that was the largest
      in its window (the first one, in reading order, when several tie, as PyTorch does);
      every other input of the window gets zero.
    - Average pooling shares each output's gradient equally among the ``size * size``
      inputs of its window.

    Where windows overlap (``stride < size``) an input collects the gradients of every
    window that covers it; inputs that no window reaches get zero.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
        Gradient of the loss with respect to the pooling output.
    x, size, stride, mode
        The forward pass's input and settings.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [2.0, 0.0]])[None, None]
    >>> pool_backward(np.array([[[[10.0]]]]), x, size=2, mode="max")[0, 0]
    array([[ 0., 10.],
           [ 0.,  0.]])
    >>> pool_backward(np.array([[[[10.0]]]]), x, size=2, mode="average")[0, 0]
    array([[2.5, 2.5],
           [2.5, 2.5]])
    """
    x, size, stride = _check_pool_args(x, size, stride, mode)
    dout = _check_batch(dout, "dout")
    expected = x.shape[:2] + tuple(output_shape(n, size, 0, stride) for n in x.shape[2:])
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the forward output, {expected}; got {dout.shape}."
        )
    dx = np.zeros(x.shape, dtype=np.result_type(dout.dtype, x.dtype))
    if mode == "average":
        for _, _, rows, cols in _pool_slices(x.shape, size, stride):
            dx[:, :, rows, cols] += dout / (size * size)
        return dx
    largest = pool_forward(x, size, stride, "max")
    unclaimed = np.ones(largest.shape, dtype=bool)  # windows whose maximum is not yet found
    for _, _, rows, cols in _pool_slices(x.shape, size, stride):
        winner = unclaimed & (x[:, :, rows, cols] == largest)
        dx[:, :, rows, cols] += np.where(winner, dout, 0)
        unclaimed &= ~winner
    return dx
