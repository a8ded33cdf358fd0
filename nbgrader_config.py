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

# A cell that runs longer than this is stopped, so a submission that hangs cannot stall grading.
c.ExecutePreprocessor.timeout = 180
c.Execute.timeout = 180
