"""Figures the chapters draw again and again: image grids, histograms, channels, code.

Every function draws with matplotlib and returns the figure (or axes) it drew on, so a
chapter can add to it; none calls ``plt.show()``.
"""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import numpy as np

from ._validate import as_array, check_callable, check_channels, check_ndim, check_not_empty, finite_image

__all__ = ["show_images", "show_array", "show_histogram", "show_channels", "show_source"]


def _show(ax, image, title=None, cmap=None, vmin=None, vmax=None):
    """Draw one image on ``ax`` without ticks; gray colormap for 2-D images."""
    image = np.asarray(image)
    if image.ndim == 2 and cmap is None:
        cmap = "gray"
        if vmin is None and vmax is None:
            # Show the full range of the dtype, not a stretched one, unless told otherwise.
            vmin, vmax = (0, 255) if image.dtype == np.uint8 else (0, 1) if image.dtype == np.bool_ or (
                image.size and image.min() >= 0 and image.max() <= 1) else (None, None)
    ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)


def _image(image, name: str) -> np.ndarray:
    """A 2-D grayscale or (H, W, 3 or 4) colour image that imshow can draw."""
    array = as_array(image, name)  # NaN is allowed: imshow leaves those pixels blank
    check_ndim(array, (2, 3), name, "an image, (H, W) or (H, W, 3)")
    check_not_empty(array, name)
    if array.ndim == 3 and array.shape[-1] not in (3, 4):
        raise ValueError(f"{name} must be (H, W) grayscale or (H, W, 3) colour; got shape {array.shape}.")
    return array


def show_images(images, titles=None, *, ncols=None, size=3.2, cmap=None, vmin=None, vmax=None):
    """Show images side by side (or in a grid), each with an optional title.

    Parameters
    ----------
    images : sequence of array_like
        2-D grayscale (drawn in gray on the dtype's full range) or (H, W, 3) RGB images.
    titles : sequence of str, optional
        One title per image.
    ncols : int, optional
        Images per row; all in one row by default.
    size : float
        Height of each panel in inches.
    cmap, vmin, vmax
        Passed to ``imshow`` for 2-D images (e.g. ``cmap="twilight"`` for angles).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if images is None or isinstance(images, (str, bytes)):
        raise TypeError(f"images must be a list of images; got {type(images).__name__}.")
    images = [_image(image, f"images[{index}]") for index, image in enumerate(images)]
    if not images:
        raise ValueError("images is empty; show_images needs at least one image.")
    titles = list(titles) if titles is not None else [None] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles.")
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax, image, title in zip(axes.flat, images, titles):
        _show(ax, image, title, cmap, vmin, vmax)
    for ax in axes.flat[len(images):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_array(array, *, ax=None, fmt="{:g}", cmap="gray", vmin=None, vmax=None, title=None):
    """Draw a small 2-D array as an image with each value written in its cell.

    For looking at pixels up close, and at the worked examples of convolution and pooling.

    Parameters
    ----------
    array : array_like, 2-D
        At most a few dozen rows and columns, or the numbers get unreadable.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    fmt : str
        Format of the numbers, e.g. ``"{:d}"`` or ``"{:.2f}"``.
    cmap, vmin, vmax
        Colour map and range (the array's own range by default).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    array = finite_image(array, "array", what="a small 2-D array")
    if ax is None:
        height, width = array.shape
        _, ax = plt.subplots(figsize=(0.5 * width + 0.6, 0.5 * height + 0.6))
    low = array.min() if vmin is None else vmin
    high = array.max() if vmax is None else vmax
    ax.imshow(array, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    middle = (float(low) + float(high)) / 2
    for (row, col), value in np.ndenumerate(array):
        colour = "black" if float(value) > middle else "white"
        ax.text(col, row, fmt.format(value.item()), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def show_histogram(image, *, bins=256, ax=None, threshold=None, title="Histogram"):
    """Plot the histogram of a grayscale image, optionally with a threshold line.

    Parameters
    ----------
    image : array_like
        Grayscale image; uint8 is binned over 0-255, floats over [0, 1].
    bins : int
        Number of bins.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    threshold : float, optional
        Draw a vertical line here (in the image's units).
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    image = finite_image(image, ndim=(2, 3), what="a grayscale image")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    value_range = (0, 256) if image.dtype == np.uint8 else (0, 1)
    ax.hist(image.ravel(), bins=bins, range=value_range, color="0.35")
    if threshold is not None:
        ax.axvline(threshold, color="crimson", lw=2, label=f"threshold = {threshold:g}")
        ax.legend(loc="upper right")
    ax.set_xlabel("intensity")
    ax.set_ylabel("pixels")
    ax.set_title(title)
    return ax


def show_channels(image, names=("R", "G", "B"), *, tint=True, size=3.2):
    """Show a colour image and each of its three channels.

    Parameters
    ----------
    image : array_like, shape (H, W, 3)
    names : sequence of 3 str
        Channel names for the titles.
    tint : bool
        Draw each RGB channel in its own colour (red, green, blue) instead of gray.
    size : float
        Height of each panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    image = as_array(image)
    check_channels(image, 3)
    cmaps = ("Reds_r", "Greens_r", "Blues_r") if tint else ("gray",) * 3
    fig, axes = plt.subplots(1, 4, figsize=(4 * size, size))
    _show(axes[0], image, "image")
    for ax, channel, name, cmap in zip(axes[1:], np.moveaxis(image, -1, 0), names, cmaps):
        _show(ax, channel, name, cmap=cmap)
    fig.tight_layout()
    return fig


def show_source(function):
    """Display a function's source code with syntax highlighting in a notebook.

    Chapters show the reference implementation this way, so the text and the library
    cannot drift apart.

    Parameters
    ----------
    function : callable

    Returns
    -------
    IPython.display.Markdown
        Renders as a highlighted Python code block.
    """
    from IPython.display import Markdown

    check_callable(function, "function", "a function or class of the course")
    return Markdown(f"```python\n{inspect.getsource(function).rstrip()}\n```")
