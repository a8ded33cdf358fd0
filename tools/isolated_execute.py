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
- the lesson cells run once per assignment, not once per student: every submission is graded
  from checkpoints of the same lesson run;
- a solution that tampers with the grading scores 0 on its exercise, and the reason is
  stored as the autograder's comment on its solution cell, where the formgrader and the
  feedback show it (the instructor can override the score by hand).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
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


def grading_job(source_nb) -> list[dict]:
    """The cells to run, from the source notebook: its lessons and tests, and in place of its
    solutions the names each solution must define."""
    from cvcourse._autograder import defined_names

    cells = []
    for cell in source_nb.cells:
        kind = _kind(cell)
        if kind is None:
            continue
        entry = {"kind": kind, "source": cell.source}
        if kind == "lesson" and "raises-exception" in cell.metadata.get("tags", []):
            entry["raises"] = True
        if kind != "lesson":
            entry["grade_id"] = cell.metadata.nbgrader["grade_id"]
        if kind == "solution":
            entry["names"] = defined_names(cell.source)
            entry["source"] = ""
        cells.append(entry)
    return cells


def submitted_answers(submitted_nb) -> dict[str, str]:
    """{solution grade_id: the student's source} of a submitted notebook."""
    return {cell.metadata.nbgrader["grade_id"]: cell.source for cell in submitted_nb.cells
            if utils.is_solution(cell) and "grade_id" in cell.metadata.get("nbgrader", {})}


class GradingServer:
    """``python -m cvcourse._autograder --serve`` for one assignment: the lesson runs once, and
    then each submission is graded from the checkpoints it left (a class of a hundred costs one
    lesson run, not a hundred)."""

    def __init__(self, job: dict, *, cwd, lesson_timeout: float):
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join(
            filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))}
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty lesson cannot block
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cvcourse._autograder", "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env, cwd=cwd)
        self.exercise_timeout = job["timeout"]
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        ready = self._answer(lesson_timeout, "running the lesson cells")
        self.lesson_errors = ready["lesson_errors"]

    def _answer(self, timeout: float, doing: str) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.close()
            self.log.seek(0)
            why = "took too long" if not ready else "failed"
            raise RuntimeError(f"the autograder {why} {doing}:\n{self.log.read()[-5000:]}")
        return json.loads(line)

    def grade(self, answers: dict[str, str]) -> dict:
        """Grade one submission ({solution grade_id: source}); returns ``outputs`` and ``flags``."""
        self.process.stdin.write(json.dumps(answers) + "\n")
        self.process.stdin.flush()
        return self._answer(len(answers) * (self.exercise_timeout + 30) + 60, "grading a submission")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class IsolatedExecute(NbGraderPreprocessor):
    """Grade each exercise of the notebook in its own process (replaces ``Execute``).

    The lesson of an assignment runs once per ``nbgrader autograde`` command: its grading
    server is kept for the assignment's next submission, and closed when the next
    assignment starts or the command ends.
    """

    timeout = Integer(180, help="Seconds each exercise (its solution and its test) may run.").tag(config=True)
    memory_limit_mib = Integer(4096, help="MiB of new memory each exercise may use.").tag(config=True)
    lesson_timeout = Integer(1800, help="Seconds the lesson cells of a notebook may take.").tag(config=True)

    _server: tuple[str, GradingServer] | None = None  # (the job it was started for, the server)

    def _source_path(self, resources) -> Path:
        coursedir = CourseDirectory(config=self.config)
        info = resources["nbgrader"]
        return Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / (
            info["notebook"] + ".ipynb")

    def _grading_server(self, job: dict, cwd) -> GradingServer:
        key = json.dumps([job, str(cwd)], sort_keys=True)
        kept = IsolatedExecute._server
        if kept is not None and kept[0] == key:
            return kept[1]
        _close_server()
        self.log.info("Running the lesson cells in %s once, for every submission", cwd)
        server = GradingServer(job, cwd=cwd, lesson_timeout=self.lesson_timeout)
        if server.lesson_errors:
            self.log.warning("lesson cells raised errors in the autograder (every student is graded "
                             "after them):\n%s", "\n".join(server.lesson_errors))
        IsolatedExecute._server = (key, server)
        return server

    def preprocess(self, nb, resources):
        source = self._source_path(resources)
        job = {"cells": grading_job(nbformat.read(source, as_version=4)), "timeout": self.timeout,
               "memory_limit": self.memory_limit_mib << 20}
        # The lesson runs in the source's folder, as the instructor's notebook does (each
        # exercise then runs in a temporary folder of its own).
        server = self._grading_server(job, source.parent.resolve())
        result = server.grade(submitted_answers(nb))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code":
                cell.outputs = [nbformat.from_dict(o) for o in result["outputs"].get(grade_id, [])] if grade_id else []
                cell.execution_count = None
        resources.setdefault("cvcourse", {})["flags"] = result["flags"]
        return nb, resources


def _close_server() -> None:
    if IsolatedExecute._server is not None:
        IsolatedExecute._server[1].close()
        IsolatedExecute._server = None


atexit.register(_close_server)


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
