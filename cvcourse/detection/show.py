"""Drawing boxes, labels, scores and keypoints on matplotlib axes."""

from __future__ import annotations

from .._validate import _describe
from .boxes import as_boxes

__all__ = ["draw_boxes"]

_COLOURS = ("#ffd60a", "#00e5ff", "#ff4fd8", "#7CFC00", "#ff8c00")


def draw_boxes(ax, boxes, labels=None, scores=None, names=None, colour=None, linestyle="-", linewidth=1.8):
    """Draw xyxy boxes on a matplotlib axis, coloured by label, with an optional caption each.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    boxes : array_like, shape (N, 4)
        xyxy in the axis' data coordinates (pixels for ``imshow``).
    labels : sequence of int, optional
        Picks the colour and, with ``names``, the caption.
    scores : sequence of float, optional
        Added to the caption.
    names : sequence of str, optional
        Class names, indexed by label.
    colour : str, optional
        One colour for every box instead of one per label.
    linestyle, linewidth
        Passed to ``matplotlib.patches.Rectangle``.
    """
    import matplotlib.axes
    import matplotlib.patches as patches

    if not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()); got {_describe(ax)}.")
    boxes = as_boxes(boxes)
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        label = None if labels is None else int(labels[k])
        edge = colour or _COLOURS[(label or 0) % len(_COLOURS)]
        ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=edge, lw=linewidth,
                                       ls=linestyle))
        caption = []
        if label is not None and names is not None:
            caption.append(names[label])
        if scores is not None:
            caption.append(f"{scores[k]:.2f}")
        if caption:
            ax.text(x1, y1 - 1, " ".join(caption), color="black", fontsize=7, va="bottom",
                    bbox=dict(facecolor=edge, edgecolor="none", pad=0.5, alpha=0.85))
