"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT


def _requirements(entries):
    return {re.sub(r"\s+", "", e) for e in entries if isinstance(e, str) and not e.startswith("-")}


# Packages environment.yml takes from conda-forge (pip name -> conda name): PyTorch's CPU build
# for Binder, which has no GPU.
FROM_CONDA = {"torch": "pytorch", "torchvision": "torchvision"}


def test_environment_yml_has_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirements(project["dependencies"] + project["optional-dependencies"]["dev"])
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    conda = _requirements(environment["dependencies"])
    from_conda = {r for r in wanted if re.match(r"[A-Za-z0-9_.-]+", r).group() in FROM_CONDA}
    assert from_conda, "pyproject.toml should require torch and torchvision"
    assert {re.sub(r"^[A-Za-z0-9_.-]+", lambda m: FROM_CONDA[m.group()], r) for r in from_conda} <= conda, \
        "environment.yml should take PyTorch from conda-forge, with pyproject.toml's ranges"
    assert _requirements(pip) == wanted - from_conda
    assert "-e ." in pip


def test_dependencies_are_ranges_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "==" not in requirement, f"pin {requirement!r}: use a range"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _no_deps_installs(text):
    return set(re.findall(r"pip install [^\n]*--no-deps\s+(\"[^\"]+\"|\S+)", text))


def test_binder_installs_the_no_deps_packages_the_makefile_installs():
    makefile = _no_deps_installs((ROOT / "Makefile").read_text())
    assert makefile, "the Makefile should install the packages that pin ancient dependencies with --no-deps"
    assert _no_deps_installs((ROOT / "postBuild").read_text()) == makefile, \
        "postBuild (Binder) should install the same --no-deps packages as the Makefile"
