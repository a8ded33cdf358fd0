"""Turn the chapter sources in solutions/ into the student notebooks in chapters/.

    python tools/chapters.py build  [NAME ...]   regenerate chapters/ (all chapters by default)
                                                 and book/references.md
    python tools/chapters.py check  [NAME ...]   fail if either differs from a regeneration

For each ``solutions/NN-slug.md`` (a MyST Markdown notebook):

1. jupytext reads it; cells get stable ids so regeneration is byte-for-byte repeatable, and
   the Colab install cell gets the repository URL from ``_config.yml`` (``repository.url``);
2. it is written to the nbgrader course folder as ``<course>/source/NN-slug/NN-slug.ipynb``;
3. ``nbgrader generate_assignment NN-slug`` writes ``<course>/release/NN-slug/NN-slug.ipynb``
   (solutions replaced by stubs, hidden tests removed, graded cells locked);
4. that file is copied to ``chapters/NN-slug.ipynb``.

The course folder (``course/`` by default, set in ``nbgrader_config.py``) is then ready for
``nbgrader autograde``: see the instructor guide in ``book/instructors.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
COURSE = ROOT / "course"
REFERENCES = ROOT / "book" / "references.md"
BOOK_TAGS = ("raises-exception", "remove-output")
CONFIG = ROOT / "_config.yml"
# The Colab cell's install command; its repository URL comes from _config.yml (repository.url),
# like the book's repository and launch buttons, so a fork changes one line.
COLAB_INSTALL = re.compile(r'(%pip install [^\n]*"cvcourse @ git\+)[^"]+(")')
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def chapter_names() -> list[str]:
    """Every chapter, as its ``NN-slug`` name, in order."""
    return sorted(p.stem for p in SOLUTIONS.glob("[0-9][0-9]-*.md"))


def repository_url() -> str:
    """The course's repository, as ``_config.yml`` names it (``repository.url``)."""
    return yaml.safe_load(CONFIG.read_text())["repository"]["url"]


def read_source(name: str) -> nbformat.NotebookNode:
    """Read ``solutions/<name>.md`` as a notebook with stable cell ids and clean metadata."""
    notebook = jupytext.read(SOLUTIONS / f"{name}.md", fmt="md:myst")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata["language_info"] = {"name": "python"}
    seen = set()
    for index, cell in enumerate(notebook.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell_id = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id) if grade_id else f"cell-{index:03d}"
        if cell_id in seen:
            raise ValueError(f"{name}: two cells share the id {cell_id!r} (grade_id must be unique)")
        seen.add(cell_id)
        cell["id"] = cell_id
        if cell.cell_type == "code" and "google.colab" in cell.source:
            cell.source = COLAB_INSTALL.sub(lambda m: f"{m.group(1)}{repository_url()}{m.group(2)}", cell.source)
        if "nbgrader" in cell.metadata and cell.cell_type == "code":
            # Exercise and test cells fail until the student solves the exercise. The book
            # lets them fail quietly (raises-exception) and shows no output (remove-output),
            # so its readers never see a traceback; nbgrader still records their errors.
            tags = cell.metadata.setdefault("tags", [])
            tags.extend(t for t in BOOK_TAGS if t not in tags)
    nbformat.validate(notebook)
    return notebook


def write_source(name: str, course: Path) -> Path:
    """Write the instructor notebook into the nbgrader course's ``source/`` folder."""
    target = course / "source" / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(read_source(name), target)
    return target


def nbgrader(*args: str, course: Path) -> str:
    """Run an nbgrader command (``args``: its name and options) on ``course``, configured
    by the project's ``nbgrader_config.py``; return its log."""
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def toc_chapters() -> list[str]:
    """The chapters listed in _toc.yml, in the book's order."""
    return re.findall(r"^\s*- file: chapters/(\S+)\s*$", (ROOT / "_toc.yml").read_text(), re.M)


def chapter_title(name: str) -> str:
    """The chapter's first heading, e.g. ``"1. Pixels"``."""
    text = (SOLUTIONS / f"{name}.md").read_text()
    return re.search(r"^# (.+)$", text, re.M).group(1).strip()


def further_reading(name: str) -> str:
    """The body of the chapter's "Further reading" section (up to the next heading)."""
    text = (SOLUTIONS / f"{name}.md").read_text()
    match = re.search(r"^## Further reading\s*\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    if match is None:
        raise ValueError(f"solutions/{name}.md has no '## Further reading' section")
    return match.group(1).strip()


def references_page(names: list[str]) -> str:
    """book/references.md: every chapter's further reading, gathered in one page."""
    parts = [
        "# References\n",
        "The papers and books each chapter cites, gathered from the chapters' *Further reading*",
        "sections (`make chapters` writes this page; edit the chapters, not this file).\n",
    ]
    for name in names:
        parts.append(f"## {chapter_title(name)}\n\n{further_reading(name)}\n")
    return "\n".join(parts)


def normalise(path: Path) -> str:
    """The notebook's JSON in a canonical form (sorted keys, fixed indentation)."""
    return json.dumps(json.loads(path.read_text()), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build(names: list[str], course: Path, out: Path) -> list[Path]:
    """Generate the student version of each chapter into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        write_source(name, course)
        nbgrader("generate_assignment", name, "--force", course=course)
        target = out / f"{name}.ipynb"
        target.write_text(normalise(course / "release" / name / f"{name}.ipynb"))
        written.append(target)
    return written


def check(names: list[str]) -> list[str]:
    """Names of the chapters whose committed notebook differs from a fresh regeneration."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build(names, Path(tmp) / "course", Path(tmp) / "chapters")
        stale = []
        for path in fresh:
            committed = CHAPTERS / path.name
            if not committed.exists() or committed.read_text() != path.read_text():
                stale.append(path.stem)
        return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("names", nargs="*", help="chapters to process (default: all)")
    args = parser.parse_args(argv)
    names = args.names or chapter_names()
    unknown = sorted(set(names) - set(chapter_names()))
    if unknown:
        parser.error(f"no solutions/<name>.md for: {', '.join(unknown)}")
    if args.command == "build":
        for path in build(names, COURSE, CHAPTERS):
            print(f"wrote {path.relative_to(ROOT)}")
        REFERENCES.write_text(references_page(toc_chapters()))
        print(f"wrote {REFERENCES.relative_to(ROOT)}")
        orphans = sorted({p.stem for p in CHAPTERS.glob("*.ipynb")} - set(chapter_names()))
        for orphan in orphans:
            (CHAPTERS / f"{orphan}.ipynb").unlink()
            print(f"removed chapters/{orphan}.ipynb (no source in solutions/)")
        return 0
    stale = check(names)
    if REFERENCES.read_text() != references_page(toc_chapters()):
        stale.append(str(REFERENCES.relative_to(ROOT)))
    if stale:
        print("chapters/ is out of date for: " + ", ".join(stale) + ". Run `make chapters`.")
        return 1
    print(f"chapters/ matches solutions/ ({len(names)} chapters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
