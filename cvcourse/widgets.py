"""Explorers: the parameters of an image operation on sliders, live in a notebook and on the website.

In JupyterLab, Binder and Colab, :func:`explore` is a thin wrapper over
``ipywidgets.interactive``: the sliders update when released (not on every step) so that
figures do not flicker, and every control is labelled. The website has no kernel to redraw a figure, so when the book is built
(the book's Sphinx extension ``tools/website.py`` sets ``CVCOURSE_WEBSITE=1``) :func:`explore`
draws the figure for a few values of each control instead, swept one control at a time around
the defaults, and shows them as a self-contained HTML explorer whose controls switch between
those precomputed figures with a few lines of JavaScript.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os

import ipywidgets as widgets
from tqdm.std import tqdm

from ._validate import _describe, check_callable, check_number

__all__ = ["float_slider", "int_slider", "dropdown", "explore", "on_website", "progress_bar"]

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}

WEBSITE_VARIABLE = "CVCOURSE_WEBSITE"
"""Environment variable that the book build sets to ``"1"`` (see :func:`on_website`)."""
STEPS_PER_SLIDER = 5
"""How many values of each slider the website shows (the default among them)."""
WEBP_QUALITY = 85
"""Quality of the website's precomputed figures (WebP, 0-100): crisp text, a fifth of a PNG."""


def on_website() -> bool:
    """True while the book build executes the chapter for the website (no live kernel later)."""
    return os.environ.get(WEBSITE_VARIABLE) == "1"


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


def _check_spec(name, spec):
    """Raise a TypeError unless ``spec`` is a control that :func:`explore` understands."""
    if isinstance(spec, (widgets.Widget, list, dict, bool)):
        return
    if isinstance(spec, tuple) and len(spec) == 4:
        return
    raise TypeError(
        f"control {name!r} must be a widget, a list or dict of options, a bool, or a "
        f"(low, high, step, value) tuple; got {spec!r}."
    )


def _as_widget(name, spec):
    """Turn a plain control description into a labelled widget."""
    _check_spec(name, spec)
    if isinstance(spec, widgets.Widget):
        return spec
    if isinstance(spec, (list, dict)):
        return dropdown(spec, name)
    if isinstance(spec, bool):
        return widgets.Checkbox(value=spec, description=name, style=_STYLE)
    low, high, step, value = spec
    if all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
        return int_slider(value, low, high, name, step=step)
    return float_slider(value, low, high, step, name)


def explore(draw, **controls):
    """Call ``draw(**values)`` now, and again whenever a control changes.

    A wrapper over ``ipywidgets.interactive`` that turns plain values into labelled
    widgets updating on release: a ``(low, high, step, value)`` tuple of ints becomes an
    integer slider, of floats a float slider; a list or a {label: value} dict a
    drop-down; a bool a checkbox; widgets pass through unchanged.

    On the website (:func:`on_website`) it shows the same controls in HTML, switching
    between figures drawn at build time: every option of a drop-down or checkbox and
    :data:`STEPS_PER_SLIDER` values of each slider, one control at a time (moving one
    control puts the others back to their defaults).

    Parameters
    ----------
    draw : callable
        Draws a figure from keyword arguments (and calls ``plt.show()``); it may also print.
    **controls
        One per keyword argument of ``draw``.

    Returns
    -------
    ipywidgets.interactive or IPython.display.HTML
        The controls and their output, already displayed (the HTML explorer on the website).

    Examples
    --------
    >>> def draw(sigma, mode):  # doctest: +SKIP
    ...     show_images([gaussian_blur(image, sigma, mode=mode)]); plt.show()
    >>> explore(draw, sigma=(0.5, 8.0, 0.5, 2.0), mode=["reflect", "constant"])  # doctest: +SKIP
    """
    check_callable(draw, "draw", "a function that draws a figure from the controls' values")
    if on_website():
        return precomputed_explorer(draw, **controls)
    from IPython.display import display

    explorer = widgets.interactive(draw, **{name: _as_widget(name, spec) for name, spec in controls.items()})
    display(explorer)
    return explorer


# --- the website's explorer: figures drawn at build time ---------------------------------------

def _decimals(step) -> int:
    """Decimal places that show every multiple of ``step`` exactly (0.25 -> 2, 5.0 -> 0)."""
    text = f"{step:.10f}".rstrip("0")
    return len(text.split(".")[1])


def slider_values(low, high, step, value, count=STEPS_PER_SLIDER) -> list:
    """``count`` values on the slider's grid, spread over its range, the default among them.

    Evenly spaced grid positions from ``low`` to ``high``; the inner one nearest the default
    gives way to the default (the ends stay, so the range's extremes are always shown). A
    slider with at most ``count`` positions keeps them all.

    Examples
    --------
    >>> slider_values(0.5, 8.0, 0.25, 2.0)
    [0.5, 2.0, 4.25, 6.0, 8.0]
    >>> slider_values(0.001, 0.5, 0.001, 0.05)
    [0.001, 0.05, 0.251, 0.375, 0.5]
    >>> slider_values(1, 3, 1, 1)
    [1, 2, 3]
    """
    integer = all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step, value))
    positions = int(round((high - low) / step)) + 1
    if positions <= count:
        chosen = range(positions)
    else:
        chosen = sorted({round(k * (positions - 1) / (count - 1)) for k in range(count)})
    values = [low + k * step if integer else round(low + k * step, _decimals(step)) for k in chosen]
    if value not in values:
        inner = range(1, len(values) - 1) if len(values) > 2 else range(len(values))
        values[min(inner, key=lambda k: abs(values[k] - value))] = value
    return sorted(set(values))


def _choices(name, spec):
    """A control's website form: its kind, the (label, value) pairs shown, the default's index."""
    _check_spec(name, spec)
    if isinstance(spec, widgets.Dropdown):
        pairs = [option if isinstance(option, tuple) else (str(option), option) for option in spec.options]
        return "select", pairs, [value for _, value in pairs].index(spec.value)
    if isinstance(spec, widgets.Checkbox):
        spec = spec.value
    if isinstance(spec, (widgets.IntSlider, widgets.FloatSlider)):
        spec = (spec.min, spec.max, spec.step, spec.value)
    if isinstance(spec, widgets.Widget):
        raise TypeError(f"control {name!r}: the website shows sliders, checkboxes and drop-downs, "
                        f"not a {type(spec).__name__}; pass (low, high, step, value), a list or a bool.")
    if isinstance(spec, bool):
        return "checkbox", [(str(spec), spec), (str(not spec), not spec)], 0
    if isinstance(spec, (list, dict)):
        pairs = list(spec.items()) if isinstance(spec, dict) else [(str(option), option) for option in spec]
        return "select", pairs, 0
    low, high, step, value = spec
    values = slider_values(low, high, step, value)
    integer = all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
    pairs = [(str(v) if integer else f"{v:.{_decimals(step)}f}", v) for v in values]
    return "range", pairs, values.index(value)


def _image_tag(figure) -> str:
    """An <img> holding ``figure`` as WebP (PNG where Pillow cannot write WebP)."""
    from PIL import features

    webp = features.check("webp")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="webp" if webp else "png",
                   pil_kwargs={"quality": WEBP_QUALITY} if webp else None)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="figure" src="data:image/{"webp" if webp else "png"};base64,{data}">'


def render_frame(draw, values: dict) -> str:
    """``draw(**values)``'s printed text, displayed objects and figures as HTML.

    ``plt.show`` does nothing meanwhile, so that the figures stay open to be written
    straight to WebP (the notebook's inline backend would make a PNG of each first).
    """
    from unittest import mock

    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    open_before = set(plt.get_fignums())
    with capture_output() as captured, mock.patch.object(plt, "show"):
        draw(**values)
    parts = [f"<pre>{html.escape(captured.stdout)}</pre>"] if captured.stdout.strip() else []
    for output in captured.outputs:
        data = output.data
        if "text/html" in data:
            parts.append(data["text/html"])
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
    for number in sorted(set(plt.get_fignums()) - open_before):
        figure = plt.figure(number)
        parts.append(_image_tag(figure))
        plt.close(figure)
    return "\n".join(parts)


_NOTE = ("Website version: figures computed in advance, one control at a time (moving a control "
         "resets the others). In the notebook (JupyterLab, Binder, Colab) this explorer is live.")

_STYLE_SHEET = """<style>
.cvx-explorer{border:1px solid #ddd;border-radius:6px;padding:.6em .8em;margin:.5em 0}
.cvx-controls{display:flex;flex-wrap:wrap;gap:.3em 1.5em;margin-bottom:.5em}
.cvx-controls label{display:flex;align-items:center;gap:.5em;font-size:.9em}
.cvx-controls output{min-width:3em;font-family:monospace}
.cvx-note{font-size:.8em;color:#666;margin:0 0 .4em 0}
.cvx-frame img{max-width:100%;height:auto}
</style>"""

_SCRIPT = """<script>
(function (root) {
  var controls = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  function position(c) { return c.type === "checkbox" ? (c.checked === (c.dataset.initial === "1") ? 0 : 1) : Number(c.value); }
  function label(c) { var out = c.parentNode.querySelector("output"); if (out) out.textContent = JSON.parse(c.dataset.labels)[position(c)]; }
  function reset(c) { if (c.type === "checkbox") c.checked = c.dataset.initial === "1"; else c.value = c.dataset.initial; label(c); }
  function show(key) { root.querySelectorAll("[data-frame]").forEach(function (f) { f.hidden = f.dataset.frame !== key; }); }
  controls.forEach(function (c, j) {
    function changed() {
      controls.forEach(function (other) { if (other !== c) reset(other); });
      label(c);
      var i = position(c);
      show(i === Number(c.dataset.default) ? "default" : j + ":" + i);
    }
    c.addEventListener("input", changed);
    c.addEventListener("change", changed);
  });
})(document.currentScript.parentNode);
</script>"""


def _control_html(name, kind, pairs, default) -> str:
    """One labelled HTML control; its positions index the precomputed frames."""
    labels = html.escape(json.dumps([label for label, _ in pairs]))
    common = f'data-control="{html.escape(name)}" data-default="{default}" data-labels="{labels}"'
    if kind == "checkbox":
        checked = " checked" if pairs[0][1] else ""
        field = f'<input type="checkbox" {common} data-initial="{int(bool(pairs[0][1]))}"{checked}>'
        return f"<label>{html.escape(name)} {field}</label>"
    if kind == "select":
        options = "".join(f'<option value="{k}"{" selected" if k == default else ""}>{html.escape(label)}</option>'
                          for k, (label, _) in enumerate(pairs))
        return f'<label>{html.escape(name)} <select {common} data-initial="{default}">{options}</select></label>'
    return (f'<label>{html.escape(name)} <input type="range" min="0" max="{len(pairs) - 1}" step="1" '
            f'value="{default}" {common} data-initial="{default}">'
            f"<output>{html.escape(pairs[default][0])}</output></label>")


def precomputed_explorer(draw, **controls):
    """Display (and return) the website's explorer: :func:`explore`'s figures drawn in advance.

    One figure for the defaults, and one for every other value of each control with the
    others at their defaults (see :func:`explore`).
    """
    from IPython.display import HTML, display

    forms = {name: _choices(name, spec) for name, spec in controls.items()}
    defaults = {name: pairs[default][1] for name, (_, pairs, default) in forms.items()}
    frames = [("default", render_frame(draw, defaults))]
    for j, (name, (_, pairs, default)) in enumerate(forms.items()):
        for i, (_, value) in enumerate(pairs):
            if i != default:
                frames.append((f"{j}:{i}", render_frame(draw, {**defaults, name: value})))
    parts = [
        '<div class="cvx-explorer">', _STYLE_SHEET, f'<p class="cvx-note">{html.escape(_NOTE)}</p>',
        '<div class="cvx-controls">',
        *(_control_html(name, *form) for name, form in forms.items()),
        "</div>",
        *(f'<div class="cvx-frame" data-frame="{key}"{"" if key == "default" else " hidden"}>{body}</div>'
          for key, body in frames),
        _SCRIPT, "</div>",
    ]
    explorer = HTML("\n".join(parts))
    display(explorer)
    return explorer


# --- progress bars -----------------------------------------------------------------------------

def progress_bar(total: int, enabled: bool = True, unit: str = "batch"):
    """A tqdm progress bar: a live widget in notebooks, its final line as text on the website.

    Parameters
    ----------
    total : int
        Number of steps.
    enabled : bool
        False gives a bar that shows nothing.
    unit : str
        What a step is called.
    """
    total = check_number(total, "total", low=0, integer=True)
    if on_website():
        return _FinalLineBar(total=total, disable=not enabled, unit=unit, file=io.StringIO(), ascii=False)
    from tqdm.auto import tqdm as auto_tqdm

    return auto_tqdm(total=total, disable=not enabled, unit=unit)


class _FinalLineBar(tqdm):
    """A tqdm bar that draws nothing while it runs and prints its final line when closed:
    the website keeps no widgets, and a bar's intermediate states are noise in a page."""

    def close(self):
        if not self.disable and not getattr(self, "_printed", False):
            self._printed = True
            print(self)
        super().close()
