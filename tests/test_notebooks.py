"""Every chapter's instructor version (solutions and hidden tests) runs top to bottom, offline.

The kernel loads tests/offline/sitecustomize.py, which refuses any connection off this machine.
"""

from __future__ import annotations

import os
import time

import nbclient
import pytest
from conftest import ROOT, chapter_names, chapter_tool


@pytest.mark.slow
@pytest.mark.parametrize("name", chapter_names())
def test_solution_notebook_executes(name):
    notebook = chapter_tool.read_source(name)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}},
    )
    start = time.perf_counter()
    offline = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "offline")}
    client.execute(env=offline)
    elapsed = time.perf_counter() - start
    errors = [
        f"cell {cell.id}: {output.ename}: {output.evalue}"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors, f"{name} raised:\n" + "\n".join(errors)
    print(f"{name} executed in {elapsed:.1f} s")
