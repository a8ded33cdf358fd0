"""The convolution layer from scratch: output sizes, padding, forward and backward passes.

Arrays are channels first and batched, as in PyTorch: inputs ``x`` have shape
``(N, C, H, W)`` (N images of C channels), filters ``w`` have shape ``(F, C, kh, kw)``
(F filters, each spanning all C input channels) and the bias ``b`` has shape ``(F,)``.
The output has shape ``(N, F, H_out, W_out)`` with ``H_out = floor((H + 2p - kh) / s) + 1``.

As in every deep-learning library, the "convolution" of a CNN does not flip its filter:
it is the cross-correlation of chapter 02. A learnt filter is simply learnt flipped.

Two implementations of the forward pass are kept side by side:
:func:`conv_forward_loop` is the definition, four nested loops around
:func:`conv_single_step`; :func:`conv_forward` gathers every window into one matrix
(:func:`im2col`) and does a single matrix product. The tests prove that they agree with
each other and with ``torch.nn.functional.conv2d``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._validate import as_array, check_finite, check_ndim, check_number, float_dtype_for

__all__ = [
    "output_shape",
    "zero_pad",
    "conv_single_step",
    "conv_forward_loop",
    "im2col",
    "col2im",
    "conv_forward",
    "conv_backward",
]

_BATCH = "(N, C, H, W): a batch of N images with C channels; add a batch axis with x[None]"


def output_shape(n, f, p=0, s=1) -> int:
    """Size of a convolution's (or pooling's) output along one axis.

    ``floor((n + 2p - f) / s) + 1``: the window of size ``f`` starts at positions
    0, s, 2s, ... of the padded input of size ``n + 2p`` and must fit inside it.
    With ``s = 1`` this is ``n + 2p - f + 1``, and without padding ``n - f + 1``.

    Parameters
    ----------
    n : int
        Input size (height or width), at least 1.
    f : int
        Window (filter) size, at least 1.
    p : int
        Zeros added on each side, at least 0.
    s : int
        Stride, at least 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the window is larger than the padded input, or a size is out of range.

    Examples
    --------
    >>> output_shape(6, 3)          # the 6x6 image and 3x3 filter: 4x4
    4
    >>> output_shape(6, 3, p=1)     # "same" padding keeps 6
    6
    >>> output_shape(7, 3, p=0, s=2)
    3
    """
    n = check_number(n, "n", low=1, integer=True)
    f = check_number(f, "f", low=1, integer=True)
    p = check_number(p, "p", low=0, integer=True)
    s = check_number(s, "s (the stride)", low=1, integer=True)
    if f > n + 2 * p:
        raise ValueError(
            f"the window (f = {f}) is larger than the padded input (n + 2p = {n} + 2*{p} "
            f"= {n + 2 * p}); use a smaller window or more padding."
        )
    return (n + 2 * p - f) // s + 1


def _check_batch(x, name: str = "x") -> np.ndarray:
    """A finite (N, C, H, W) array in float64 (float32 stays float32)."""
    x = as_array(x, name)
    check_ndim(x, 4, name, _BATCH)
    check_finite(x, name)
    return x.astype(float_dtype_for(x.dtype), copy=False)


def _check_pad(pad) -> int:
    return check_number(pad, "pad", low=0, integer=True)


def _check_bias(b, count: int, dtype, what: str):
    """The bias, one per ``what`` (``count`` of them), as ``dtype``; None stays None."""
    if b is None:
        return None
    b = as_array(b, "b")
    if b.shape != (count,):
        raise ValueError(f"b must hold one bias per {what}, shape ({count},); got shape {b.shape}.")
    check_finite(b, "b")
    return b.astype(dtype, copy=False)


def _check_conv_args(x, w, b, stride, pad):
    """Validate the arguments shared by the convolution functions."""
    x = _check_batch(x, "x")
    w = as_array(w, "w")
    check_ndim(w, 4, "w", "(F, C, kh, kw): F filters, each with C channels of kh x kw weights")
    check_finite(w, "w")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"the filters must have as many channels as the input: x has C = {x.shape[1]} "
            f"channels (shape {x.shape}) but w has {w.shape[1]} (shape {w.shape})."
        )
    dtype = np.result_type(x.dtype, float_dtype_for(w.dtype))
    b = _check_bias(b, w.shape[0], dtype, "filter")
    stride = check_number(stride, "stride", low=1, integer=True)
    pad = _check_pad(pad)
    for axis, size in (("height", 2), ("width", 3)):
        if w.shape[size] > x.shape[size] + 2 * pad:
            raise ValueError(
                f"the filter {axis} ({w.shape[size]}) is larger than the padded input "
                f"{axis} ({x.shape[size]} + 2*{pad} = {x.shape[size] + 2 * pad})."
            )
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b, stride, pad


def zero_pad(x, pad) -> np.ndarray:
    """Surround every channel of every image with ``pad`` rows and columns of zeros.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of images, channels first.
    pad : int
        How many zeros to add on each side (top, bottom, left and right).

    Returns
    -------
    numpy.ndarray, shape (N, C, H + 2 pad, W + 2 pad)
        Same dtype as ``x`` (integers become float64).

    Examples
    --------
    >>> zero_pad(np.ones((1, 1, 1, 2)), 1)[0, 0]
    array([[0., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    """
    x = _check_batch(x, "x")
    pad = _check_pad(pad)
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_single_step(window, w, b=0.0) -> float:
    """Apply one filter at one position: the sum of ``window * w``, plus the bias.

    Parameters
    ----------
    window : array_like, shape (C, kh, kw)
        The slice of the (padded) input under the filter.
    w : array_like, shape (C, kh, kw)
        One filter.
    b : float
        Its bias.

    Returns
    -------
    float

    Examples
    --------
    >>> window = np.array([[[3, 0, 1], [1, 5, 8], [2, 7, 2]]])
    >>> conv_single_step(window, np.array([[[1, 0, -1]] * 3]))
    -5.0
    """
    window = as_array(window, "window")
    w = as_array(w, "w")
    check_ndim(window, 3, "window", "(C, kh, kw)")
    if window.shape != w.shape:
        raise ValueError(
            f"window and filter must have the same shape; got {window.shape} and {w.shape}."
        )
    b = check_number(b, "b")
    return float(np.sum(window * w, dtype=np.float64) + b)


def conv_forward_loop(x, w, b=None, stride=1, pad=0) -> np.ndarray:
    """The convolution layer's forward pass, written as its definition: four loops.

    For every image ``n``, filter ``f`` and output position ``(i, j)``, take the window
    of the padded input that starts at ``(i * stride, j * stride)`` and apply
    :func:`conv_single_step`. Slow; :func:`conv_forward` computes the same thing fast.

    Parameters and Returns are those of :func:`conv_forward`.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv_forward_loop(x, np.ones((1, 1, 2, 2)))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    x, w, b, stride, pad = _check_conv_args(x, w, b, stride, pad)
    n_images, _, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    out_h = output_shape(height, kh, pad, stride)
    out_w = output_shape(width, kw, pad, stride)
    padded = zero_pad(x, pad)
    out = np.zeros((n_images, n_filters, out_h, out_w), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            bias = 0.0 if b is None else b[f]
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    window = padded[n, :, top:top + kh, left:left + kw]
                    out[n, f, i, j] = conv_single_step(window, w[f], bias)
    return out


def _offset_slices(kh: int, kw: int, out_h: int, out_w: int, stride: int):
    """For each kernel offset (di, dj), in reading order, the rows and columns it visits.

    ``padded[:, :, rows, cols]`` is then the (N, C, H_out, W_out) array of the pixels
    found at offset (di, dj) of every window: a loop over the kh * kw offsets replaces
    a loop over the H_out * W_out windows.
    """
    for di in range(kh):
        for dj in range(kw):
            yield (di, dj, slice(di, di + stride * (out_h - 1) + 1, stride),
                   slice(dj, dj + stride * (out_w - 1) + 1, stride))


def _im2col(x: np.ndarray, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """:func:`im2col` on validated input."""
    n_images, channels = x.shape[:2]
    # A view (no copy) of every window: (N, C, H_out, W_out, kh, kw).
    windows = sliding_window_view(zero_pad(x, pad), (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    # Copied once into (C, kh, kw, N, H_out, W_out): the innermost axis, W_out, is read
    # from consecutive windows, which keeps the copy fast.
    columns = np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3))
    return columns.reshape(channels * kh * kw, -1)


def _col2im(cols: np.ndarray, x_shape, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """:func:`col2im` on validated input: one strided addition per kernel offset."""
    n_images, channels, height, width = x_shape
    out_h = output_shape(height, kh, pad, stride)
    out_w = output_shape(width, kw, pad, stride)
    blocks = cols.reshape(channels, kh, kw, n_images, out_h, out_w)
    padded = np.zeros((n_images, channels, height + 2 * pad, width + 2 * pad), dtype=cols.dtype)
    for di, dj, rows, columns in _offset_slices(kh, kw, out_h, out_w, stride):
        padded[:, :, rows, columns] += blocks[:, di, dj].transpose(1, 0, 2, 3)
    return padded[:, :, pad:pad + height, pad:pad + width]


def _check_kernel(kh, kw, stride, pad):
    kh = check_number(kh, "kh", low=1, integer=True)
    kw = check_number(kw, "kw", low=1, integer=True)
    stride = check_number(stride, "stride", low=1, integer=True)
    return kh, kw, stride, _check_pad(pad)


def im2col(x, kh, kw, stride=1, pad=0) -> np.ndarray:
    """Gather every window of a batch into the columns of one matrix ("image to columns").

    Column ``(n * H_out + i) * W_out + j`` holds the window of image ``n`` under output
    position ``(i, j)``, flattened channel by channel (C, then kh, then kw: the order of
    a filter ``w[f].ravel()``). A convolution is then one matrix product,
    ``w.reshape(F, -1) @ im2col(x, ...)``: row ``f`` of the product holds filter ``f``'s
    response at every position of every image.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kh, kw : int
        Window height and width.
    stride : int
        Step between windows, at least 1.
    pad : int
        Zeros added on each side before the windows are taken.

    Returns
    -------
    numpy.ndarray, shape (C * kh * kw, N * H_out * W_out)
        ``torch.nn.functional.unfold`` gives the same numbers as (N, C * kh * kw, H_out * W_out).

    Examples
    --------
    >>> x = np.arange(6.0).reshape(1, 1, 2, 3)   # [[0, 1, 2], [3, 4, 5]]
    >>> im2col(x, 2, 2)                         # two 2x2 windows, one per column
    array([[0., 1.],
           [1., 2.],
           [3., 4.],
           [4., 5.]])
    """
    x = _check_batch(x, "x")
    kh, kw, stride, pad = _check_kernel(kh, kw, stride, pad)
    output_shape(x.shape[2], kh, pad, stride)  # refuses windows larger than the input
    output_shape(x.shape[3], kw, pad, stride)
    return _im2col(x, kh, kw, stride, pad)


def col2im(cols, x_shape, kh, kw, stride=1, pad=0) -> np.ndarray:
    """Scatter the columns of an :func:`im2col` matrix back onto the image, adding overlaps.

    Not the inverse of :func:`im2col` (a pixel covered by several windows receives the sum
    of their values) but its adjoint, which is exactly what backpropagation needs: it
    turns the gradient with respect to the windows into the gradient with respect to
    the image.

    Parameters
    ----------
    cols : array_like, shape (C * kh * kw, N * H_out * W_out)
    x_shape : tuple of 4 ints
        The shape (N, C, H, W) of the image the windows came from.
    kh, kw, stride, pad
        As given to :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape ``x_shape``

    Examples
    --------
    >>> col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)[0, 0]  # how many windows cover each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = as_array(cols, "cols")
    check_ndim(cols, 2, "cols", "(C * kh * kw, N * H_out * W_out), as im2col returns")
    kh, kw, stride, pad = _check_kernel(kh, kw, stride, pad)
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W); got {tuple(x_shape)}.")
    n_images, channels, height, width = (check_number(v, "x_shape", low=1, integer=True)
                                         for v in x_shape)
    positions = n_images * output_shape(height, kh, pad, stride) * output_shape(width, kw, pad, stride)
    if cols.shape != (channels * kh * kw, positions):
        raise ValueError(
            f"cols must have shape ({channels * kh * kw}, {positions}) for x_shape {tuple(x_shape)}, "
            f"kh={kh}, kw={kw}, stride={stride}, pad={pad}; got {cols.shape}."
        )
    cols = cols.astype(float_dtype_for(cols.dtype), copy=False)
    return _col2im(cols, (n_images, channels, height, width), kh, kw, stride, pad)


def conv_forward(x, w, b=None, stride=1, pad=0) -> np.ndarray:
    """The convolution layer's forward pass, as one matrix product (im2col).

    ``out[n, f, i, j] = b[f] + sum over c, u, v of
    xpad[n, c, i*stride + u, j*stride + v] * w[f, c, u, v]``, where ``xpad`` is ``x`` with
    ``pad`` zeros on every side. Equal to ``torch.nn.functional.conv2d(x, w, b, stride,
    pad)`` and to :func:`conv_forward_loop`.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of N inputs with C channels, channels first.
    w : array_like, shape (F, C, kh, kw)
        F filters; each spans all C channels of the input.
    b : array_like, shape (F,), optional
        One bias per filter (none by default).
    stride : int
        Step of the filter, at least 1.
    pad : int
        Zeros added on each side, at least 0.

    Returns
    -------
    numpy.ndarray, shape (N, F, H_out, W_out)
        ``H_out = floor((H + 2 pad - kh) / stride) + 1``, likewise ``W_out``; float64
        (float32 when every input is float32).

    Raises
    ------
    ValueError
        If ``x`` or ``w`` is not 4-D, their channels differ, the filter is larger than
        the padded input, ``stride`` < 1 or ``pad`` < 0, or an input holds NaN.

    Examples
    --------
    >>> image = np.array([[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
    ...                   [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]])
    >>> vertical_edge = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    >>> conv_forward(image[None, None], vertical_edge[None, None])[0, 0]
    array([[ -5.,  -4.,   0.,   8.],
           [-10.,  -2.,   2.,   3.],
           [  0.,  -2.,  -4.,  -7.],
           [ -3.,  -2.,  -3., -16.]])
    """
    x, w, b, stride, pad = _check_conv_args(x, w, b, stride, pad)
    return _conv_forward(x, w, b, stride, pad)[0]


def _conv_forward(x, w, b, stride, pad):
    """Forward pass on validated input; also returns the im2col matrix for the backward pass."""
    n_images, _, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    out_h = output_shape(height, kh, pad, stride)
    out_w = output_shape(width, kw, pad, stride)
    cols = _im2col(x, kh, kw, stride, pad)
    out = w.reshape(n_filters, -1) @ cols  # (F, N * H_out * W_out)
    if b is not None:
        out += b[:, None]
    out = out.reshape(n_filters, n_images, out_h, out_w).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), cols


def conv_backward(dout, x, w, stride=1, pad=0):
    """The convolution layer's backward pass: gradients with respect to x, w and b.

    Given ``dout``, the gradient of a loss with respect to the output of
    ``conv_forward(x, w, b, stride, pad)``:

    - ``db[f]`` sums ``dout[:, f]`` over images and positions (the bias is added everywhere);
    - ``dw[f]`` sums, over every position, the input window times ``dout`` there
      (``dout`` as a matrix times the :func:`im2col` matrix);
    - ``dx`` sends ``dout`` back through the filters to every window and adds the
      overlaps (:func:`col2im`), then drops the padding.

    Parameters
    ----------
    dout : array_like, shape (N, F, H_out, W_out)
        Gradient of the loss with respect to the layer's output.
    x, w, stride, pad
        The forward pass's input, filters, stride and padding (the bias is not needed).

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)
    dw : numpy.ndarray, shape (F, C, kh, kw)
    db : numpy.ndarray, shape (F,)

    Raises
    ------
    ValueError
        For the bad input :func:`conv_forward` refuses, or a ``dout`` of the wrong shape.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> dx, dw, db = conv_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    >>> dw[0, 0], db
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    x, w, _, stride, pad = _check_conv_args(x, w, None, stride, pad)
    dout = _check_dout(dout, x.shape, w, stride, pad)
    cols = _im2col(x, w.shape[2], w.shape[3], stride, pad)
    return _conv_backward(dout, cols, x.shape, w, stride, pad)


def _check_dout(dout, x_shape, w, stride, pad) -> np.ndarray:
    """``dout`` as a float array of the shape conv_forward(x, w, ...) returns."""
    dout = _check_batch(dout, "dout")
    expected = (x_shape[0], w.shape[0],
                output_shape(x_shape[2], w.shape[2], pad, stride),
                output_shape(x_shape[3], w.shape[3], pad, stride))
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the forward output, {expected}; got {dout.shape}."
        )
    return dout.astype(np.result_type(dout.dtype, w.dtype), copy=False)


def _conv_backward(dout, cols, x_shape, w, stride, pad):
    """Backward pass on validated input, reusing the forward pass's im2col matrix."""
    n_filters, _, kh, kw = w.shape
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(n_filters, -1)  # (F, N * H_out * W_out)
    db = dout.sum(axis=(0, 2, 3))
    dw = (dout_rows @ cols.T).reshape(w.shape)
    dcols = w.reshape(n_filters, -1).T @ dout_rows
    dx = _col2im(dcols, x_shape, kh, kw, stride, pad)
    return dx, dw, db
