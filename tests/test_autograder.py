"""The autograder's engine (cvcourse/_autograder.py) against a dishonest student.

A small chapter (a lesson and exercises on `correlate2d`) is graded by the engine in a
subprocess, as nbgrader's autograde step runs it. Each attack sits in one exercise, between
two honest exercises that must keep their points. Every attack is graded twice: with the
static reading of the source (as instructors run it) and without it, to show that the checks
at run time hold on their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

from cvcourse._autograder import static_check

LESSON = """
import numpy as np
from cvcourse import filters, grading
image = np.random.default_rng(0).random((12, 10))
kernel = np.random.default_rng(1).normal(size=(3, 3))
"""
HONEST = """
def correlate2d(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="symmetric")
    out = np.zeros(image.shape)
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * padded[a:a + image.shape[0], b:b + image.shape[1]]
    return out
"""
TEST = "from cvcourse import grading\ngrading.check_function(correlate2d, filters.correlate2d, image, kernel)"
STUB = "def correlate2d(image, kernel):\n    return np.zeros(image.shape)\n"

ATTACKS = {
    # Replace the checks themselves (through a helper's parameter, which the static reading allows).
    "patch helpers": STUB + """
def _set(module, name, value):
    module.check_function = value
from cvcourse import grading as g
_set(g, "check_function", lambda *args, **kwargs: None)
""",
    "patch helpers directly": "from cvcourse import grading\n"
                              "grading.check_function = lambda *a, **k: None\n" + STUB,
    # Point the reference at the student's stub, so both sides agree.
    "patch the reference": STUB + """
def _swap(module, name, value):
    module.correlate2d = value
_swap(filters, "correlate2d", correlate2d)
""",
    # Make NumPy's comparison say yes.
    "patch numpy": STUB + """
def _swap(module, value):
    module.isclose = value
_swap(np, lambda a, b, **k: np.ones(np.shape(a), dtype=bool))
""",
    "patch numpy directly": "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n" + STUB,
    # Change the lesson's data that the test compares against.
    "patch lesson data": "def correlate2d(image, kernel):\n    image[...] = 0\n    return np.zeros(image.shape)\n"
                         "correlate2d(image, kernel)\n",
    # Switch the guard off, then call the course's implementation.
    "profiler off": """
import sys
def correlate2d(image, kernel):
    sys.setprofile(None)
    return filters.correlate2d(image, kernel)
""",
    "trace off and threading profiler": """
import sys, threading
def correlate2d(image, kernel):
    threading.setprofile(None)
    sys.settrace(None)
    sys.setprofile(None)
    return filters.correlate2d(image, kernel)
""",
    # Reach the reference indirectly.
    "importlib": """
import importlib
def correlate2d(image, kernel):
    return importlib.import_module("cvcourse.filters").correlate2d(image, kernel)
""",
    "__import__": """
def correlate2d(image, kernel):
    return __import__("cvcourse.filters", fromlist=["x"]).correlate2d(image, kernel)
""",
    "getattr on a computed name": """
def correlate2d(image, kernel):
    return getattr(filters, "correlate" + "2d")(image, kernel)
""",
    "exec": """
def correlate2d(image, kernel):
    space = {}
    exec("from cvcourse.filters import correlate2d as f", space)
    return space["f"](image, kernel)
""",
    "eval": """
def correlate2d(image, kernel):
    return eval("filters.correlate2d")(image, kernel)
""",
    "source read and executed": """
import cvcourse.filters
def correlate2d(image, kernel):
    space = {}
    with open(cvcourse.filters.__file__) as file:
        exec(compile(file.read(), "copy.py", "exec"), space)
    return space["correlate2d"](image, kernel)
""",
    "source through inspect": """
import inspect
def correlate2d(image, kernel):
    space = {"np": np}
    exec(inspect.getsource(filters), space)
    return space["correlate2d"](image, kernel)
""",
    # Files: the gradebook and other submissions are out of reach.
    "write a file": """
def correlate2d(image, kernel):
    with open("/tmp/cvcourse-autograder-attack.txt", "w") as file:
        file.write("pwned")
    return np.zeros(image.shape)
""",
    # Crashes and hangs cost their own exercise only.
    "kernel death": "import os\nos._exit(0)\n",
    "segfault": """
from numpy.lib.stride_tricks import as_strided
def correlate2d(image, kernel):
    return as_strided(np.zeros(1), shape=(1 << 40,), strides=(1 << 20,)).sum()
correlate2d(image, kernel)
""",
    "hang": "while True:\n    pass\n",
    "memory blow-up": "hog = np.ones((20000, 20000))\n" + STUB,
}
# Attacks whose source an honest reading cannot tell apart from honest code: the checks at
# run time must catch them even with the static reading on.
RUNTIME_ONLY = {"patch helpers", "patch the reference", "patch numpy", "patch lesson data", "segfault", "hang",
                "memory blow-up"}


def grade(solutions: list[str], static: bool, timeout: float = 20) -> dict:
    """Grade one exercise per solution (all on correlate2d); {index: (passed, message)}."""
    cells = [{"kind": "lesson", "source": LESSON}]
    for index, source in enumerate(solutions):
        cells.append({"kind": "solution", "source": source, "grade_id": f"ex{index}", "names": ["correlate2d"]})
        cells.append({"kind": "test", "source": TEST, "grade_id": f"test_ex{index}"})
    job = {"cells": cells, "timeout": timeout, "memory_limit": 512 << 20, "static": static}
    completed = subprocess.run([sys.executable, "-m", "cvcourse._autograder"], input=json.dumps(job),
                               capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    verdicts = {}
    for index in range(len(solutions)):
        errors = [o for o in result["outputs"][f"test_ex{index}"] if o["output_type"] == "error"]
        verdicts[index] = (not errors, " ".join(f"{e['ename']}: {e['evalue']}" for e in errors),
                           result["flags"].get(f"ex{index}"))
    return verdicts


@pytest.mark.slow
@pytest.mark.parametrize("static", [True, False], ids=["static-and-runtime", "runtime-only"])
def test_every_attack_scores_zero_and_costs_only_its_exercise(static):
    names = list(ATTACKS)
    # honest, attack, honest, attack, ... so that each attack sits between honest exercises.
    solutions = [HONEST]
    for name in names:
        solutions += [ATTACKS[name], HONEST]
    verdicts = grade(solutions, static=static, timeout=15)
    for position, (passed, message, _) in verdicts.items():
        if position % 2 == 0:
            assert passed, f"an honest exercise lost its points after '{names[position // 2 - 1]}': {message}"
        else:
            assert not passed, f"the attack '{names[position // 2]}' was not caught"


@pytest.mark.slow
def test_reasons_name_the_attack():
    verdicts = grade([ATTACKS["profiler off"], ATTACKS["kernel death"], ATTACKS["hang"],
                      ATTACKS["patch helpers"], ATTACKS["memory blow-up"]], static=False, timeout=8)
    assert "setprofile" in verdicts[0][1] and verdicts[0][2]
    assert "exited with status 0" in verdicts[1][1]
    assert "longer than 8 s" in verdicts[2][1]
    assert "cvcourse.grading.check_function was replaced" in verdicts[3][1] and verdicts[3][2]
    assert "memory" in verdicts[4][1]


@pytest.mark.parametrize("name", sorted(set(ATTACKS) - RUNTIME_ONLY))
def test_static_reading_flags_the_attack(name):
    assert static_check(ATTACKS[name]), f"the static reading let '{name}' through"


@pytest.mark.parametrize("source", [
    HONEST,
    # helpers, classes with attributes, comprehension variables, getattr with a constant name
    textwrap.dedent("""
        import numpy as np
        from scipy import ndimage
        def _pad(image, k):
            return np.pad(image, k, mode="symmetric")
        class Model:
            def __init__(self, size):
                super().__init__()
                self.size = size
                self.weights = [np.zeros(size) for _ in range(3)]
                self.weights[0][:] = 1
        def f(x):
            out = np.empty_like(x)
            out[0] = getattr(x, "shape")[0]
            totals = {}
            totals["a"] = 1
            return out
        result = f(np.ones(3))
        result[0] = 2
    """),
])
def test_static_reading_passes_honest_code(source):
    assert static_check(source) == []


def test_static_check_refuses_bad_input():
    with pytest.raises(TypeError, match="source must be a str"):
        static_check(None)


@pytest.mark.slow
def test_one_lesson_run_grades_every_student_from_the_same_state():
    """``--serve`` (how nbgrader's autograde uses the engine): the lesson runs once, then each
    submission is graded from checkpoints no earlier student's code has touched."""
    cells = [{"kind": "lesson", "source": LESSON},
             {"kind": "lesson", "source": "raise ValueError('a broken lesson cell')"},
             {"kind": "lesson", "source": "raise KeyError('expected')", "raises": True},
             {"kind": "solution", "source": "", "grade_id": "ex0", "names": ["correlate2d"]},
             {"kind": "test", "source": TEST, "grade_id": "test_ex0"}]
    job = {"cells": cells, "timeout": 15, "memory_limit": 512 << 20}
    server = subprocess.Popen([sys.executable, "-m", "cvcourse._autograder", "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        server.stdin.write(json.dumps(job) + "\n")
        server.stdin.flush()
        ready = json.loads(server.stdout.readline())
        assert ready["ready"] and len(ready["lesson_errors"]) == 1, ready
        assert "a broken lesson cell" in ready["lesson_errors"][0]
        students = [(ATTACKS["patch lesson data"], False), (HONEST, True), (ATTACKS["patch numpy"], False),
                    (ATTACKS["segfault"], False), (HONEST, True), ("", False)]
        for source, honest in students:
            server.stdin.write(json.dumps({"ex0": source}) + "\n")
            server.stdin.flush()
            result = json.loads(server.stdout.readline())
            errors = [o for o in result["outputs"]["test_ex0"] if o["output_type"] == "error"]
            assert (not errors) == honest, f"{source[:60]!r}: {errors}"
        server.stdin.close()
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
