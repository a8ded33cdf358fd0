"""Thin helpers over ``ipywidgets.interact`` for exploring an image operation's parameters.

The sliders update when released (not on every step) so that figures do not flicker, and
every control is labelled. In the built website the widgets show the state they had when
the page was executed; in JupyterLab, Binder and Colab they are live.
"""

from __future__ import annotations

import ipywidgets as widgets

from ._validate import _describe, check_callable, check_number

__all__ = ["float_slider", "int_slider", "dropdown", "explore"]

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


def float_slider(value, low, high, step, description, **options):
    """A labelled float slider that updates on release.

    Parameters
    ----------
    value, low, high, step : float
        Initial value, bounds and step.
    description : str
        Label shown beside the slider.
    **options
        Further ``ipywidgets.FloatSlider`` options.
    """
    value, low, high = (check_number(v, name, finite=True)
                        for v, name in ((value, "value"), (low, "low"), (high, "high")))
    step = check_number(step, "step", low=0, low_inclusive=False, finite=True)
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=False, style=_STYLE, layout=_LAYOUT, **options,
    )


def int_slider(value, low, high, description, step=1, **options):
    """A labelled integer slider that updates on release (see :func:`float_slider`)."""
    value, low, high, step = (check_number(v, name, integer=True) for v, name in
                              ((value, "value"), (low, "low"), (high, "high"), (step, "step")))
    return widgets.IntSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=False, style=_STYLE, layout=_LAYOUT, **options,
    )


def dropdown(options, description, value=None):
    """A labelled drop-down list; ``options`` is a list or a {label: value} dict."""
    if not isinstance(options, (list, tuple, dict)):
        raise TypeError(f"options must be a list or a {{label: value}} dict; got {_describe(options)}.")
    if not options:
        raise ValueError("options is empty; a drop-down needs at least one choice.")
    return widgets.Dropdown(
        options=options, value=value if value is not None else next(iter(
            options.values() if isinstance(options, dict) else options)),
        description=description, style=_STYLE,
    )


def _as_widget(name, spec):
    """Turn a plain control description into a labelled widget."""
    if isinstance(spec, widgets.Widget):
        return spec
    if isinstance(spec, (list, dict)):
        return dropdown(spec, name)
    if isinstance(spec, tuple) and len(spec) == 4:
        low, high, step, value = spec
        if all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
            return int_slider(value, low, high, name, step=step)
        return float_slider(value, low, high, step, name)
    if isinstance(spec, bool):
        return widgets.Checkbox(value=spec, description=name, style=_STYLE)
    raise TypeError(
        f"control {name!r} must be a widget, a list or dict of options, a bool, or a "
        f"(low, high, step, value) tuple; got {spec!r}."
    )


def explore(draw, **controls):
    """Call ``draw(**values)`` now, and again whenever a control changes.

    A wrapper over ``ipywidgets.interact`` that turns plain values into labelled
    widgets updating on release: a ``(low, high, step, value)`` tuple of ints becomes an
    integer slider, of floats a float slider; a list or a {label: value} dict a
    drop-down; a bool a checkbox; widgets pass through unchanged.

    Parameters
    ----------
    draw : callable
        Draws a figure from keyword arguments (and calls ``plt.show()``).
    **controls
        One per keyword argument of ``draw``.

    Returns
    -------
    ipywidgets.interactive
        The controls and their output, already displayed.

    Examples
    --------
    >>> def draw(sigma, mode):  # doctest: +SKIP
    ...     show_images([gaussian_blur(image, sigma, mode=mode)]); plt.show()
    >>> explore(draw, sigma=(0.5, 8.0, 0.5, 2.0), mode=["reflect", "constant"])  # doctest: +SKIP
    """
    check_callable(draw, "draw", "a function that draws a figure from the controls' values")
    return widgets.interact(draw, **{name: _as_widget(name, spec) for name, spec in controls.items()})
