"""The nbgrader round trip for every chapter, as an instructor would run it.

For each chapter a fresh nbgrader course is generated from solutions/ and three students
submit: the instructor's solution (full marks), the untouched student notebook (zero), and a
notebook solved correctly except for one wrong exercise and one that only calls the reference
implementation (both of those score zero, the rest full: a partial score).

The autograder runs the chapter's lesson cells once, offline (tests/offline/sitecustomize.py
refuses any connection off this machine), and grades every student from that run; the test
fails if a lesson cell raised (a chapter's asserts on its trained models are lesson cells).
With the instructor's full marks this is the check that the instructor's notebook executes
top to bottom; the website's build (test_book.py) executes the student version in a Jupyter
kernel, offline too.

Chapters whose submissions file has ``ATTACKS`` (a NumPy chapter, 09 and 10) are also graded
for dishonest students: each attacked exercise scores zero and every other exercise keeps its
points, and so does a student who edited one locked test cell and deleted another.
"""

from __future__ import annotations

import runpy

import nbformat
import pytest
from conftest import ROOT, chapter_names, chapter_tool
from nbgrader.api import Gradebook

from cvcourse._autograder import static_check

SUBMISSIONS = ROOT / "tests" / "submissions"


def test_every_chapter_has_submissions():
    missing = sorted(set(chapter_names()) - {p.stem for p in SUBMISSIONS.glob("*.py")})
    assert not missing, f"add round-trip submissions tests/submissions/<chapter>.py for: {missing}"


def _load_submissions(name):
    """(grade_id, source) of the wrong and of the cheating solution for chapter ``name``, and
    its attacks ({student: {grade_id: source}}, empty for most chapters)."""
    namespace = runpy.run_path(str(SUBMISSIONS / f"{name}.py"))
    return namespace["WRONG"], namespace["CHEAT"], namespace.get("ATTACKS", {})


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


def _tampered_version(course, name, solutions: dict[str, str]):
    """Exercise 1 unsolved with its locked test edited to pass, exercise 2 unsolved with its test
    deleted, the rest solved. Returns the notebook and the test ids that must score zero."""
    exercises = list(solutions)
    notebook = _student_version(course, name, {k: v for k, v in solutions.items() if k not in exercises[:2]})
    edited, deleted = f"test_{exercises[0]}", f"test_{exercises[1]}"
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == edited:
            cell.source = "pass"
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != deleted]
    return notebook, {edited, deleted}


@pytest.mark.slow
@pytest.mark.parametrize("name", chapter_names())
def test_round_trip(name, tmp_path, monkeypatch):
    course = tmp_path / "course"
    chapter_tool.build([name], course, tmp_path / "chapters")
    solutions = _solution_cells(nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4))
    (wrong_id, wrong_source), (cheat_id, cheat_source), attacks = _load_submissions(name)
    assert {wrong_id, cheat_id} <= set(solutions), f"unknown grade_id in tests/submissions/{name}.py"
    assert wrong_id != cheat_id

    _submit(course, name, "instructor", _student_version(course, name, solutions))
    _submit(course, name, "untouched", _student_version(course, name, {}))
    _submit(course, name, "mixed", _student_version(
        course, name, {**solutions, wrong_id: wrong_source, cheat_id: cheat_source}))
    must_fail = {}
    for student, attack in attacks.items():
        assert set(attack) <= set(solutions), f"unknown grade_id in ATTACKS of tests/submissions/{name}.py"
        _submit(course, name, student, _student_version(course, name, {**solutions, **attack}))
        must_fail[student] = {f"test_{grade_id}" for grade_id in attack}
    if attacks:
        tampered, must_fail["tampered"] = _tampered_version(course, name, solutions)
        _submit(course, name, "tampered", tampered)
    # A hang costs its exercise this long (instructors keep the configured 180 s).
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests" / "offline"))
    log = chapter_tool.nbgrader("autograde", name, "--force", "--IsolatedExecute.timeout=40", course=course)
    # One run of the lesson serves every student, and none of its cells failed.
    assert log.count("Running the lesson cells") == 1, log[-3000:]
    assert "lesson cells raised errors" not in log, log[-5000:]

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

        # Dishonest students: the attacked exercises score zero, with the reason for the
        # instructor where the autograder saw tampering; every other exercise keeps its points.
        for student, failing in must_fail.items():
            per_test = exercise_scores(student)
            zero = {test for test, points in per_test.items() if points == 0}
            assert zero == failing, f"{student} scored {per_test}; only {sorted(failing)} should be 0"
            for grade_id, source in attacks.get(student, {}).items():
                if static_check(source):
                    comment = gradebook.find_comment(grade_id, name, name, student).auto_comment or ""
                    assert "Scored 0 by the autograder" in comment, f"{student}/{grade_id}: no reason given"
