"""The benchmark runner works (a quick smoke run); it measures, it does not assert speed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_quick_benchmark_run_writes_a_table(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = output.read_text()
    for operation in ("correlate 3x3", "Gaussian blur", "median 5x5", "Canny", "Harris",
                      "integral image", "conv forward + backward, LeNet-sized", "box_iou", "nms",
                      "roi_align", "roi_pool"):
        assert f"| {operation}" in table, f"{operation} is missing from the benchmark table"
    assert "CPU cores" in table and "scikit-image 0." in table
