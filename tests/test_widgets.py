"""Explorers: live ipywidgets in a notebook, precomputed figures on the website."""

from __future__ import annotations

import re

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cvcourse import widgets


@pytest.fixture
def website(monkeypatch):
    monkeypatch.setenv(widgets.WEBSITE_VARIABLE, "1")


@pytest.fixture
def notebook(monkeypatch):
    monkeypatch.delenv(widgets.WEBSITE_VARIABLE, raising=False)


def draw_square(size, colour, outline):
    """A figure that depends visibly on every argument, and a line of text."""
    print(f"size={size} colour={colour} outline={outline}")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.add_patch(plt.Rectangle((0, 0), size, size, color=colour, fill=not outline))
    ax.set(xlim=(0, 10), ylim=(0, 10))
    plt.show()


CONTROLS = {"size": (1, 9, 1, 3), "colour": ["red", "blue"], "outline": False}


@pytest.mark.parametrize("low, high, step, value", [
    (0.5, 8.0, 0.25, 2.0), (0, 35, 1, 0), (1, 3, 1, 1), (-180.0, 180.0, 5.0, 30.0),
    (0.0, 1.0, 0.01, 0.04), (0.001, 0.5, 0.001, 0.05), (3, 151, 2, 35), (-5.0, 0.0, 0.1, -2.0),
])
def test_slider_values_spread_over_the_range_on_the_grid_with_the_default(low, high, step, value):
    values = widgets.slider_values(low, high, step, value)
    positions = round((high - low) / step) + 1
    assert len(values) == min(widgets.STEPS_PER_SLIDER, positions)
    assert value in values and values == sorted(values)
    assert min(values) >= low and max(values) <= high
    assert values[0] == low and values[-1] == high
    for v in values:
        assert abs((v - low) / step - round((v - low) / step)) < 1e-9, f"{v} is not on the slider's grid"
    if isinstance(step, int):
        assert all(type(v) is int for v in values)


def test_notebook_explorer_is_live_ipywidgets(notebook):
    explorer = widgets.explore(draw_square, **CONTROLS)
    assert isinstance(explorer, ipywidgets.interactive)
    kinds = {w.description: type(w) for w in explorer.children if isinstance(w, ipywidgets.ValueWidget)}
    assert kinds == {"size": ipywidgets.IntSlider, "colour": ipywidgets.Dropdown, "outline": ipywidgets.Checkbox}
    plt.close("all")


def frames(explorer) -> dict[str, str]:
    return dict(re.findall(r'<div class="cvx-frame" data-frame="([^"]+)"[^>]*>(.*?)</div>', explorer.data, re.S))


def test_website_explorer_has_one_frame_per_value_swept_one_control_at_a_time(website):
    calls = []

    def draw(size, colour, outline):
        calls.append((size, colour, outline))
        draw_square(size, colour, outline)

    explorer = widgets.explore(draw, **CONTROLS)
    sizes = widgets.slider_values(1, 9, 1, 3)
    expected = [(3, "red", False)] + [(s, "red", False) for s in sizes if s != 3] + \
        [(3, "blue", False), (3, "red", True)]
    assert calls == expected
    shown = frames(explorer)
    assert list(shown) == ["default"] + [f"0:{i}" for i, s in enumerate(sizes) if s != 3] + ["1:1", "2:1"]
    assert all(body.count("data:image/") == 1 for body in shown.values())
    assert len(set(shown.values())) == len(shown), "every frame should differ"
    assert "size=9 colour=red outline=False" in shown[f"0:{sizes.index(9)}"]
    # Only the default frame is visible; the others wait for the script.
    assert len(re.findall(r'data-frame="[^"]+" hidden', explorer.data)) == len(shown) - 1
    assert "<script>" in explorer.data
    assert "computed in advance" in explorer.data and "is live" in explorer.data
    assert not plt.get_fignums(), "the explorer should close the figures it drew"


def test_website_controls_label_their_values(website):
    explorer = widgets.explore(draw_square, size=(0.5, 2.0, 0.25, 1.0), colour={"Red": "red", "Blue": "blue"},
                               outline=True)
    html = explorer.data
    assert 'type="range" min="0" max="4"' in html and "<output>1.00</output>" in html
    assert "&quot;0.50&quot;" in html and "&quot;2.00&quot;" in html
    assert ">Red</option>" in html and ">Blue</option>" in html
    assert 'type="checkbox"' in html and " checked" in html


def test_website_explorer_accepts_widgets(website):
    explorer = widgets.explore(draw_square, size=widgets.int_slider(4, 1, 9, "size"),
                               colour=widgets.dropdown(["red", "blue"], "colour", value="blue"),
                               outline=ipywidgets.Checkbox(value=True))
    shown = frames(explorer)
    assert "size=4 colour=blue outline=True" in shown["default"]
    assert len(shown) == 1 + 4 + 1 + 1


@pytest.mark.parametrize("mode", ["website", "notebook"])
def test_bad_control_names_the_control(mode, request):
    request.getfixturevalue(mode)
    with pytest.raises(TypeError, match="control 'size' must be"):
        widgets.explore(draw_square, size=(1, 9, 3), colour=["red"], outline=False)


def test_progress_bar_in_notebooks_is_tqdm_auto(notebook):
    from tqdm.auto import tqdm

    bar = widgets.progress_bar(3)
    assert isinstance(bar, tqdm) and not isinstance(bar, widgets._FinalLineBar)
    bar.close()


def test_progress_bar_on_the_website_prints_its_final_line_once(website, capsys):
    bar = widgets.progress_bar(3)
    for _ in range(3):
        bar.update()
    assert capsys.readouterr().out == ""
    bar.close()
    bar.close()
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and "3/3" in line and "100%" in line
    silent = widgets.progress_bar(3, enabled=False)
    silent.update()
    silent.close()
    assert capsys.readouterr().out == ""


def test_website_frames_show_text_when_draw_makes_no_figure(website):
    def draw(n):
        print(f"n = {n}" if n > 1 else "too small: no figure")
        if n > 1:
            plt.imshow(np.eye(n))
            plt.show()

    shown = frames(widgets.explore(draw, n=(1, 4, 1, 2)))
    assert "too small" in shown["0:0"] and "data:image" not in shown["0:0"]
    assert "data:image" in shown["default"]
