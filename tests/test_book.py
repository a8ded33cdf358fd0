"""The website builds with warnings as errors, and its widget pages carry their widget state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--keep-going"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, f"the book failed to build:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return out / "_build" / "html"


@pytest.mark.slow
def test_book_builds_with_every_page(site):
    for page in ("index.html", "book/intro.html", "book/running.html", "book/instructors.html",
                 "chapters/01-pixels.html"):
        assert (site / page).exists(), f"{page} is missing from the website"


@pytest.mark.slow
def test_chapter_pages_show_figures_and_no_tracebacks(site):
    for page in sorted((site / "chapters").glob("*.html")):
        html = page.read_text()
        assert "<img" in html, f"{page.name} has no figures"
        for sign in ("Traceback (most recent call last)", "output traceback", "GradingError:"):
            assert sign not in html, f"{page.name} shows '{sign}' to readers"


@pytest.mark.slow
def test_widget_state_is_embedded(site):
    html = (site / "chapters" / "01-pixels.html").read_text()
    assert WIDGET_STATE in html, "chapter 01 has no embedded widget state"
    assert html.count(WIDGET_VIEW) >= 2, "chapter 01 should show its two widget explorers"
