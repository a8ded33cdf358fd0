"""nbgrader configuration for cvcourse.

The course folder is ``course/`` beside this file; ``make chapters`` fills its ``source/``
(instructor notebooks made from ``solutions/*.md``) and ``release/`` (student notebooks,
also copied to ``chapters/``). Run nbgrader from the repository root, e.g.::

    nbgrader autograde 01-pixels
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
import nbclient_fix  # noqa: E402 - see tools/nbclient_fix.py: widget cells could stall grading

nbclient_fix.install()

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "cvcourse"
c.CourseDirectory.root = str(Path(__file__).resolve().parent / "course")

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading: each exercise runs in a process of its own, forked after the lesson cells, with
# checks the student's code cannot reach (tools/isolated_execute.py, cvcourse/_autograder.py).
# nbgrader's own steps stay as they are around it.
from isolated_execute import IsolatedExecute, SaveAutoGradesWithReasons  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
)

c.Autograde.autograde_preprocessors = [
    IsolatedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGradesWithReasons, AssignLatePenalties, CheckCellMetadata,
]
# An exercise (its solution and test) that runs longer than this, or uses more memory, is
# stopped and scores 0; the other exercises are graded as usual.
c.IsolatedExecute.timeout = 180
c.IsolatedExecute.memory_limit_mib = 4096
# A deleted test cell comes back from the source notebook and is graded as usual.
c.OverwriteCells.add_missing_cells = True
# Kernels that nbgrader itself still starts (e.g. validate) stop hung cells after this.
c.ExecutePreprocessor.timeout = 180
c.Execute.timeout = 180
