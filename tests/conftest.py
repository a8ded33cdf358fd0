"""Shared fixtures: the repository's paths, the chapter tool (tools/chapters.py) and the built website."""

from __future__ import annotations

import json
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


# pytest-timeout's limit for the tests that use the website (pyproject.toml sets 900 s for the
# rest): the first of them builds it, executing every chapter (about 15 minutes for 25 chapters
# on two busy cores); the limit is there to catch a hang, not to time the build.
SITE_TIMEOUT_S = 3000


def chapter_names() -> list[str]:
    """Every chapter with a source in solutions/ (used to parametrise tests)."""
    return chapter_tool.chapter_names()


def public_module_names() -> list[str]:
    """cvcourse and every submodule whose dotted name has no private (``_``) part."""
    import pkgutil

    import cvcourse

    return ["cvcourse"] + [info.name for info in pkgutil.walk_packages(cvcourse.__path__, "cvcourse.")
                           if not any(part.startswith("_") for part in info.name.split("."))]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The website, built once per test run into a temporary folder (its ``_build/html``).

    test_book.py and test_browser.py check the same build. Under pytest-xdist the workers
    share it: the first to need it builds it while holding a lock, the others wait and reuse
    it (and its outcome, so a failed build is reported, not repeated). The tests that use it
    run first (see below), so that one worker usually takes them all while the other gets on
    with the rest. ``CVCOURSE_BUILT_SITE=_build/html`` checks a site built before instead
    (quicker while working on the tests; ``make test`` always builds afresh).
    """
    if os.environ.get("CVCOURSE_BUILT_SITE"):
        return Path(os.environ["CVCOURSE_BUILT_SITE"]).resolve()
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    out, outcome = shared / "book", shared / "book-build.json"
    with FileLock(str(shared / "book.lock")):
        if not outcome.exists():
            jupyter_book = Path(sys.executable).parent / "jupyter-book"
            # Offline, as the course must run: the kernels that execute the chapters load
            # tests/offline/sitecustomize.py, which refuses connections off this machine.
            offline = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "offline")}
            result = subprocess.run(
                [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "--warningiserror",
                 "--keep-going"],
                capture_output=True, text=True, env=offline,
            )
            outcome.write_text(json.dumps({"returncode": result.returncode,
                                           "log": f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"}))
    build = json.loads(outcome.read_text())
    assert build["returncode"] == 0, f"the book failed to build:\n{build['log']}"
    return out / "_build" / "html"


def pytest_collection_modifyitems(items):
    """Run the longest tests first so that pytest-xdist's two workers finish together: the
    website's (one build, shared), then the other slow ones, then the rest."""
    items.sort(key=lambda item: 0 if "site" in getattr(item, "fixturenames", ()) else
               1 if item.get_closest_marker("slow") else 2)
