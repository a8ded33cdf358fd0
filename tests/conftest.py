"""Shared fixtures: the repository's paths and the chapter tool (tools/chapters.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

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


def pytest_collection_modifyitems(items):
    """Run the longest tests first so that pytest-xdist's two workers finish together."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)
