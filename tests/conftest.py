"""Shared fixtures: the repository's paths, the chapter tool (tools/chapters.py) and the built website."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
# Subprocesses (nbgrader calls `alembic`, kernels start `python`) must find the environment's tools.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

import chapters as chapter_tool  # noqa: E402
import nbclient_fix  # noqa: E402

nbclient_fix.install()


def chapter_names() -> list[str]:
    """Every chapter with a source in solutions/ (used to parametrise tests)."""
    return chapter_tool.chapter_names()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The website, built once per test session into a temporary folder (its ``_build/html``).

    Its tests (test_book.py, test_browser.py) share the ``xdist_group("book")`` mark, so
    ``pytest -n 2 --dist loadgroup`` (``make test``) runs them in one worker and builds once.
    ``CVCOURSE_BUILT_SITE=_build/html`` checks a site built before instead (quicker while
    working on the tests; ``make test`` always builds afresh).
    """
    if os.environ.get("CVCOURSE_BUILT_SITE"):
        return Path(os.environ["CVCOURSE_BUILT_SITE"]).resolve()
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--keep-going"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, f"the book failed to build:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return out / "_build" / "html"


def pytest_collection_modifyitems(items):
    """Run the longest tests first so that pytest-xdist's two workers finish together."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)
