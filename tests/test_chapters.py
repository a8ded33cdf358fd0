"""chapters/ is what `make chapters` makes from solutions/, holds no answers, and is in the book."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shlex
import sys
import tomllib

import nbformat
import pytest
import yaml
from conftest import ROOT, chapter_names, chapter_tool

SOLUTION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def test_chapters_in_sync_with_solutions():
    stale = chapter_tool.check(chapter_names())
    assert not stale, f"chapters/ differs from solutions/ for {stale}: run `make chapters` and commit"


def test_references_page_gathers_every_chapters_further_reading():
    expected = chapter_tool.references_page(chapter_tool.toc_chapters())
    assert (ROOT / "book" / "references.md").read_text() == expected, "run `make chapters` and commit"


def test_no_orphan_chapters():
    orphans = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")} - set(chapter_names())
    assert not orphans, f"chapters without a source in solutions/: {sorted(orphans)}"


@pytest.mark.parametrize("name", chapter_names())
def test_chapter_leaks_no_answers(name):
    source = (ROOT / "solutions" / f"{name}.md").read_text()
    student = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{name}: '{marker}' reached the student version"
    visible = {line.strip() for line in HIDDEN.sub("", SOLUTION.sub("", source)).splitlines()}
    secret_lines = {
        line.strip()
        for block in SOLUTION.findall(source) + HIDDEN.findall(source)
        for line in block.splitlines()
        if len(line.strip()) > 25 and line.strip() not in visible  # specific to the answer
    }
    leaked = sorted(line for line in secret_lines if line in text)
    assert not leaked, f"{name}: solution or hidden-test lines in the student version: {leaked[:3]}"
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


@pytest.mark.parametrize("name", chapter_names())
def test_chapter_has_exercises_with_hidden_tests(name):
    source = (ROOT / "solutions" / f"{name}.md").read_text()
    notebook = chapter_tool.read_source(name)
    solutions = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    assert solutions, f"{name} has no exercises"
    for cell in solutions:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        test = tests.get(f"test_{grade_id}")
        assert test is not None, f"{name}: exercise {grade_id} has no test cell test_{grade_id}"
        assert test.metadata["nbgrader"]["locked"] and test.metadata["nbgrader"]["points"] > 0
        assert "### BEGIN HIDDEN TESTS" in test.source, f"{name}: test_{grade_id} has no hidden tests"
    assert len(SOLUTION.findall(source)) == len(solutions)


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        yield from _toc_files(entry.get("chapters", []) + entry.get("sections", []))


def test_table_of_contents_lists_every_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"], *_toc_files(toc["parts"])]
    listed = {f.split("/", 1)[1] for f in files if f.startswith("chapters/")}
    assert listed == set(chapter_names()), "_toc.yml must list exactly the chapters in solutions/"
    for file in files:
        assert any((ROOT / f"{file}{suffix}").exists() for suffix in (".md", ".ipynb")), file


def _distribution_name(requirement: str) -> str:
    """A requirement's distribution name, normalised as PEP 503 does ("Grad_CAM>=1" -> "grad-cam")."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement.strip()).group()).lower()


def _imported_modules(source: str) -> set[str]:
    """Top-level modules a code cell imports (IPython's % and ! lines read as ``pass``)."""
    tree = ast.parse(re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.M))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", chapter_names())
def test_colab_cell_installs_every_package_the_chapter_imports(name):
    # On Colab a chapter has the course's dependencies (pyproject.toml) and what its install cell
    # adds; the development extra (the oracles) is not there, so a chapter that imports an oracle
    # installs it itself.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    available = {_distribution_name(r) for r in project["dependencies"]}
    cells = [cell.source for cell in chapter_tool.read_source(name).cells if cell.cell_type == "code"]
    for colab in (source for source in cells if "google.colab" in source):
        for arguments in re.findall(r"%pip install ([^#\n]*)", colab):
            # "cvcourse @ git+https://..." is the course itself, already counted
            available |= {_distribution_name(a) for a in shlex.split(arguments) if not a.startswith("-") and "@" not in a}
    distributions = importlib.metadata.packages_distributions()
    imported = set().union(*map(_imported_modules, cells)) - set(sys.stdlib_module_names) - {"cvcourse"}
    missing = {module: distributions.get(module, ["?"]) for module in sorted(imported)
               if not available & {_distribution_name(d) for d in distributions.get(module, [module])}}
    assert not missing, (f"{name} imports {missing} (module: distributions), which Colab would not have: add them "
                         "to the chapter's Colab cell (%pip install --quiet ...) or to the dependencies")


@pytest.mark.parametrize("name", chapter_names())
def test_colab_cell_installs_from_the_configured_repository(name):
    url = chapter_tool.repository_url()
    assert url.startswith("https://")
    colab = [cell.source for cell in chapter_tool.read_source(name).cells if "google.colab" in cell.source]
    assert len(colab) == 1, f"{name} should have one Colab install cell"
    assert f'"cvcourse @ git+{url}"' in colab[0]
