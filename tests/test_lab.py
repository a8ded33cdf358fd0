"""`make lab` and `make grade` start JupyterLab as root and as a user, and the Formgrader works.

The commands are read from the Makefile with ``make -n`` (which prints a target's commands
without running them), so the test starts exactly what an instructor's ``make grade``
starts, on a free port of this machine, and stops it at the end.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 90


def make_command(target: str) -> list[str]:
    """The JupyterLab command line that ``make <target>`` runs (its last command)."""
    printed = subprocess.run(["make", "-n", "-s", target], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=30).stdout
    lab_lines = [line for line in printed.splitlines() if "jupyter lab" in line]
    assert lab_lines, f"make {target} starts no JupyterLab:\n{printed}"
    return shlex.split(lab_lines[-1])


@pytest.mark.parametrize("target", ["lab", "grade"])
def test_lab_allows_root_only_when_run_as_root(target):
    command = make_command(target)
    assert ("--allow-root" in command) == (os.geteuid() == 0), command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_make_grade_serves_a_working_formgrader(tmp_path):
    port, token = _free_port(), "cvcourse-test"
    command = make_command("grade") + [
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert server.poll() is None, f"JupyterLab stopped:\n{log.read_text()}"
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{log.read_text()}"
            time.sleep(0.5)
        status, page = _get(f"{base}/formgrader/manage_assignments?token={token}")
        assert status == 200, f"the Formgrader answered {status}:\n{log.read_text()}"
        assert "Manage Assignments" in page
        assert "not a subdirectory" not in log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
