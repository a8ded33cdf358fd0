"""nbgrader preprocessors that grade every exercise in a process of its own.

``nbgrader_config.py`` puts :class:`IsolatedExecute` in place of nbgrader's ``Execute`` in
``Autograde.autograde_preprocessors`` and :class:`SaveAutoGradesWithReasons` in place of
``SaveAutoGrades``. Instructors keep using nbgrader's own commands (``autograde``,
``formgrader``, ``generate_feedback``, ``export``); what changes is how a submission runs:

- the lesson cells come from the instructor's source notebook (``course/source/``), so a
  student's edits to them do not count;
- each exercise (its solution cells and its test cell) runs in a fresh process forked after
  the lesson cells, see ``cvcourse/_autograder.py``; a crash, hang or memory blow-up costs
  that exercise only;
- a solution that tampers with the grading scores 0 on its exercise, and the reason is
  stored as the autograder's comment on its solution cell, where the formgrader and the
  feedback show it (the instructor can override the score by hand).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from traitlets import Integer

ROOT = Path(__file__).resolve().parent.parent


def _kind(cell) -> str | None:
    """'solution', 'test' or 'lesson' for a code cell; None for other cells."""
    if cell.cell_type != "code":
        return None
    if utils.is_solution(cell) and not utils.is_grade(cell):
        return "solution"
    if utils.is_grade(cell):
        return "test"
    return "lesson"


def grading_job(source_nb, submitted_nb) -> list[dict]:
    """The cells to run: lessons and tests from the source, solutions from the submission."""
    submitted = {cell.metadata.nbgrader["grade_id"]: cell for cell in submitted_nb.cells
                 if utils.is_solution(cell) and "grade_id" in cell.metadata.get("nbgrader", {})}
    cells = []
    for cell in source_nb.cells:
        kind = _kind(cell)
        if kind is None:
            continue
        entry = {"kind": kind, "source": cell.source}
        if kind != "lesson":
            grade_id = cell.metadata.nbgrader["grade_id"]
            entry["grade_id"] = grade_id
            if kind == "solution":
                from cvcourse._autograder import defined_names

                entry["names"] = defined_names(cell.source)
                entry["source"] = submitted[grade_id].source if grade_id in submitted else ""
        cells.append(entry)
    return cells


class IsolatedExecute(NbGraderPreprocessor):
    """Grade each exercise of the notebook in its own process (replaces ``Execute``)."""

    timeout = Integer(180, help="Seconds each exercise (its solution and its test) may run.").tag(config=True)
    memory_limit_mib = Integer(4096, help="MiB of new memory each exercise may use.").tag(config=True)
    lesson_timeout = Integer(1800, help="Seconds the whole notebook may take.").tag(config=True)

    def _source_notebook(self, resources):
        coursedir = CourseDirectory(config=self.config)
        info = resources["nbgrader"]
        path = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / (
            info["notebook"] + ".ipynb")
        return nbformat.read(path, as_version=4)

    def preprocess(self, nb, resources):
        job = {"cells": grading_job(self._source_notebook(resources), nb), "timeout": self.timeout,
               "memory_limit": self.memory_limit_mib << 20}
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join(
            filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))}
        completed = subprocess.run(
            [sys.executable, "-m", "cvcourse._autograder"], input=json.dumps(job), capture_output=True,
            text=True, timeout=self.lesson_timeout, env=env, cwd=resources.get("metadata", {}).get("path") or None,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"the autograder failed on the lesson cells:\n{completed.stderr[-5000:]}")
        result = json.loads(completed.stdout)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code":
                cell.outputs = [nbformat.from_dict(o) for o in result["outputs"].get(grade_id, [])] if grade_id else []
                cell.execution_count = None
        resources.setdefault("cvcourse", {})["flags"] = result["flags"]
        return nb, resources


class SaveAutoGradesWithReasons(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, plus the autograder's reason for a 0 on tampering."""

    def _add_comment(self, cell, resources):
        super()._add_comment(cell, resources)
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        reason = resources.get("cvcourse", {}).get("flags", {}).get(grade_id)
        if reason:
            comment = self.gradebook.find_comment(grade_id, self.notebook_id, self.assignment_id, self.student_id)
            comment.auto_comment = reason
            self.gradebook.db.commit()
