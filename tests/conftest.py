"""Shared fixtures: the repository's paths and the chapter tool (tools/chapters.py)."""

from __future__ import annotations

import os
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


def ipc_kernel_config(folder: Path) -> dict:
    """Kernel settings for tests that start kernels while another test does too.

    Kernels normally talk over TCP ports that each process picks for itself; two processes
    starting kernels at the same moment (pytest-xdist's workers) can pick the same port and
    lose messages. Unix-domain sockets in a folder of the test's own cannot collide.
    """
    return {"transport": "ipc", "ip": str(folder / "kernel")}


def chapter_names() -> list[str]:
    """Every chapter with a source in solutions/ (used to parametrise tests)."""
    return chapter_tool.chapter_names()


def pytest_collection_modifyitems(items):
    """Run the longest tests first so that pytest-xdist's two workers finish together."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)
