"""The nbgrader round trip for every chapter, as an instructor would run it.

For each chapter a fresh nbgrader course is generated from solutions/ and three students
submit: the instructor's solution (full marks), the untouched student notebook (zero), and a
notebook solved correctly except for one wrong exercise and one that only calls the reference
implementation (both of those score zero, the rest full: a partial score).
"""

from __future__ import annotations

import runpy

import nbformat
import pytest
from conftest import ROOT, chapter_names, chapter_tool
from nbgrader.api import Gradebook

SUBMISSIONS = ROOT / "tests" / "submissions"


def test_every_chapter_has_submissions():
    missing = sorted(set(chapter_names()) - {p.stem for p in SUBMISSIONS.glob("*.py")})
    assert not missing, f"add round-trip submissions tests/submissions/<chapter>.py for: {missing}"


def _load_submissions(name):
    """(grade_id, source) of the wrong and of the cheating solution for chapter ``name``."""
    namespace = runpy.run_path(str(SUBMISSIONS / f"{name}.py"))
    return namespace["WRONG"], namespace["CHEAT"]


def _solution_cells(notebook) -> dict[str, str]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def _submit(course, name, student, notebook):
    target = course / "submitted" / student / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)


def _student_version(course, name, answers: dict[str, str]):
    """The released notebook with the given solution cells filled in."""
    notebook = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


@pytest.mark.slow
@pytest.mark.parametrize("name", chapter_names())
def test_round_trip(name, tmp_path):
    course = tmp_path / "course"
    chapter_tool.build([name], course, tmp_path / "chapters")
    solutions = _solution_cells(nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4))
    (wrong_id, wrong_source), (cheat_id, cheat_source) = _load_submissions(name)
    assert {wrong_id, cheat_id} <= set(solutions), f"unknown grade_id in tests/submissions/{name}.py"
    assert wrong_id != cheat_id

    _submit(course, name, "instructor", _student_version(course, name, solutions))
    _submit(course, name, "untouched", _student_version(course, name, {}))
    _submit(course, name, "mixed", _student_version(
        course, name, {**solutions, wrong_id: wrong_source, cheat_id: cheat_source}))
    chapter_tool.nbgrader("autograde", name, "--force", course=course)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        def score(student):
            submission = gradebook.find_submission(name, student)
            return submission.score, submission.max_score

        def exercise_scores(student):
            notebook = gradebook.find_submission_notebook(name, name, student)
            return {grade.name: grade.score for grade in notebook.grades}

        full, maximum = score("instructor")
        assert maximum > 0
        assert full == maximum, f"instructor solution scored {full}/{maximum}: {exercise_scores('instructor')}"
        assert score("untouched")[0] == 0, f"untouched notebook scored: {exercise_scores('untouched')}"

        mixed, _ = score("mixed")
        assert 0 < mixed < maximum, f"mixed submission scored {mixed}/{maximum}"
        per_test = exercise_scores("mixed")
        failing = {test for test, points in per_test.items() if points == 0}
        # The wrong and the cheating exercise lose their points, and only they do (the test
        # cell of exercise `x` has the grade_id `test_x`).
        assert failing == {f"test_{wrong_id}", f"test_{cheat_id}"}, f"mixed submission scored {per_test}"
