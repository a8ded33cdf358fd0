"""Transposed convolution from scratch: the convolution's backward pass, run forward (chapter 15).

A convolution with stride ``s`` maps an (N, C_out, H_out, W_out) image to a smaller
(N, C_in, H, W) one; its gradient with respect to the input maps (N, C_in, H, W) back up
to (N, C_out, H_out, W_out). A **transposed convolution** is that gradient used as a layer:
each input pixel scales the whole kernel and stamps it onto the output, ``s`` pixels
apart from its neighbour's stamp, and overlapping stamps add up. Its matrix is the
transpose of the convolution's matrix, hence the name (the older name "deconvolution" is
wrong: it does not undo the convolution).

Arrays follow PyTorch's ``conv_transpose2d``: inputs ``x`` are (N, C_in, H, W), weights
``w`` are (C_in, C_out, kh, kw) (input channels first, the layout of the convolution whose
gradient this is), the bias ``b`` is (C_out,). The output has
``H_out = (H - 1) * stride - 2 * pad + kh + output_padding``.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite, check_ndim, check_number, float_dtype_for
from .conv import _check_batch, _check_bias, _col2im, _conv_forward

__all__ = ["conv_transpose_output_shape", "conv_transpose_forward", "conv_transpose_backward"]


def conv_transpose_output_shape(n, f, p=0, s=1, output_padding=0) -> int:
    """Size of a transposed convolution's output along one axis.

    ``(n - 1) * s - 2p + f + output_padding``: the first stamp of the ``f``-wide kernel
    covers ``f`` pixels, each of the other ``n - 1`` inputs moves the stamp ``s`` further,
    ``p`` pixels are cropped from each side, and ``output_padding`` extra rows (fewer than
    ``s``) pick one of the ``s`` input sizes that a stride-``s`` convolution maps onto ``n``.
    PyTorch's documentation writes it with a dilation ``d`` as ``(n - 1) * s - 2p + d * (f - 1)
    + output_padding + 1``, the same for ``d = 1``.

    Parameters
    ----------
    n : int
        Input size, at least 1.
    f : int
        Kernel size, at least 1.
    p : int
        Cropping on each side (the padding of the matching convolution), at least 0.
    s : int
        Stride, at least 1.
    output_padding : int
        Extra rows or columns added at the end, in [0, s).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``output_padding >= s`` or the output would be empty.

    Examples
    --------
    >>> conv_transpose_output_shape(3, 3, s=2)          # 2x upsampling with a 3x3 kernel
    7
    >>> conv_transpose_output_shape(4, 4, p=1, s=2)     # PyTorch's DCGAN example: exactly 2x
    8
    >>> conv_transpose_output_shape(4, 3, p=1, s=2, output_padding=1)
    8
    """
    n = check_number(n, "n", low=1, integer=True)
    f = check_number(f, "f", low=1, integer=True)
    p = check_number(p, "p", low=0, integer=True)
    s = check_number(s, "s (the stride)", low=1, integer=True)
    output_padding = check_number(output_padding, "output_padding", low=0, high=s - 1, integer=True)
    size = (n - 1) * s - 2 * p + f + output_padding
    if size < 1:
        raise ValueError(
            f"the output would be empty: (n - 1) * s - 2p + f + output_padding = ({n} - 1) * {s} "
            f"- 2*{p} + {f} + {output_padding} = {size}; use less padding."
        )
    return size


def _check_transpose_args(x, w, b, stride, pad, output_padding):
    """Validate the arguments shared by the transposed-convolution functions."""
    x = _check_batch(x, "x")
    w = as_array(w, "w")
    check_ndim(w, 4, "w", "(C_in, C_out, kh, kw): for each input channel, C_out kernels of kh x kw weights")
    check_finite(w, "w")
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"w's first axis must match the input's channels: x has C_in = {x.shape[1]} "
            f"channels (shape {x.shape}) but w has {w.shape[0]} (shape {w.shape})."
        )
    dtype = np.result_type(x.dtype, float_dtype_for(w.dtype))
    b = _check_bias(b, w.shape[1], dtype, "output channel")
    stride = check_number(stride, "stride", low=1, integer=True)
    pad = check_number(pad, "pad", low=0, integer=True)
    output_padding = check_number(output_padding, "output_padding", low=0, high=stride - 1, integer=True)
    out_h = conv_transpose_output_shape(x.shape[2], w.shape[2], pad, stride, output_padding)
    out_w = conv_transpose_output_shape(x.shape[3], w.shape[3], pad, stride, output_padding)
    out_shape = (x.shape[0], w.shape[1], out_h, out_w)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b, stride, pad, out_shape


def conv_transpose_forward(x, w, b=None, stride=1, pad=0, output_padding=0) -> np.ndarray:
    """The transposed convolution's forward pass: the gradient of a convolution, as a layer.

    ``out[n, o, i*stride + u - pad, j*stride + v - pad] += x[n, c, i, j] * w[c, o, u, v]``
    summed over ``c, i, j, u, v`` (positions outside the output are dropped), plus ``b[o]``.
    Computed exactly as :func:`~cvcourse.nn.conv_backward` computes ``dx``: the filters times
    the input give one column per input pixel, and :func:`~cvcourse.nn.col2im` adds the
    overlapping stamps. Equal to ``torch.nn.functional.conv_transpose2d(x, w, b, stride, pad,
    output_padding)``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
    w : array_like, shape (C_in, C_out, kh, kw)
    b : array_like, shape (C_out,), optional
    stride : int
        Distance between the stamps of neighbouring input pixels, at least 1.
    pad : int
        Rows and columns cropped from each side of the output, at least 0.
    output_padding : int
        Extra rows and columns at the bottom and right, in [0, stride).

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1) * stride - 2 * pad + kh + output_padding``, likewise ``W_out``.

    Raises
    ------
    ValueError
        If an array has the wrong number of axes or NaN, the channels disagree, or a
        setting is out of range.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    >>> conv_transpose_forward(x, np.ones((1, 1, 2, 2)), stride=1)[0, 0]   # stamps overlap
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> conv_transpose_forward(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]   # stamps tile
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    """
    x, w, b, stride, pad, out_shape = _check_transpose_args(x, w, b, stride, pad, output_padding)
    n_images, in_channels = x.shape[:2]
    x_rows = x.transpose(1, 0, 2, 3).reshape(in_channels, -1)  # (C_in, N * H * W)
    columns = w.reshape(in_channels, -1).T @ x_rows  # (C_out * kh * kw, N * H * W): one stamp per pixel
    out = _col2im(columns, out_shape, w.shape[2], w.shape[3], stride, pad)
    if b is not None:
        out += b[None, :, None, None]
    return np.ascontiguousarray(out)


def conv_transpose_backward(dout, x, w, stride=1, pad=0, output_padding=0):
    """The transposed convolution's backward pass: gradients with respect to x, w and b.

    The transposed convolution is the convolution's backward pass, so its own backward
    pass is the convolution's forward pass: ``dx`` is ``conv_forward(dout, w, stride=stride,
    pad=pad)``, ``dw`` pairs each input pixel with the window of ``dout`` its stamp covered,
    and ``db`` sums ``dout`` over images and positions.

    Parameters
    ----------
    dout : array_like, shape (N, C_out, H_out, W_out)
        Gradient of the loss with respect to the forward pass's output.
    x, w, stride, pad, output_padding
        As given to :func:`conv_transpose_forward` (the bias is not needed).

    Returns
    -------
    dx : numpy.ndarray, shape (N, C_in, H, W)
    dw : numpy.ndarray, shape (C_in, C_out, kh, kw)
    db : numpy.ndarray, shape (C_out,)

    Raises
    ------
    ValueError
        For the bad input :func:`conv_transpose_forward` refuses, or a ``dout`` of the wrong shape.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    >>> dx, dw, db = conv_transpose_backward(np.ones((1, 1, 4, 4)), x, np.ones((1, 1, 2, 2)), stride=2)
    >>> dx[0, 0], dw[0, 0], db
    (array([[4., 4.],
           [4., 4.]]), array([[10., 10.],
           [10., 10.]]), array([16.]))
    """
    x, w, _, stride, pad, out_shape = _check_transpose_args(x, w, None, stride, pad, output_padding)
    dout = _check_batch(dout, "dout")
    if dout.shape != out_shape:
        raise ValueError(f"dout must have the shape of the forward output, {out_shape}; got {dout.shape}.")
    dout = dout.astype(np.result_type(dout.dtype, w.dtype), copy=False)
    in_channels, _, kh, kw = w.shape
    dx, dout_columns = _conv_forward(dout, w, None, stride, pad)  # dout_columns: (C_out * kh * kw, N * H * W)
    x_rows = x.transpose(1, 0, 2, 3).reshape(in_channels, -1)
    dw = (x_rows @ dout_columns.T).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
