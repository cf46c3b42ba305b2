# One entry point for students, instructors and CI. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader calls `alembic` and `jupyter` by name: the venv's bin/ goes first.
export PATH := $(BIN):$(PATH)

ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9]*))

.PHONY: help setup lab test test-fast lint release grade bench gpu-check clean

help:
	@echo "make lab         set up (first time only) and open the course in JupyterLab"
	@echo "make test        run the whole test suite (what CI runs)"
	@echo "make test-fast   the suite without the notebook runs and grading pipeline"
	@echo "make release     regenerate assignments/ from solutions/ with nbgrader"
	@echo "make grade ASSIGNMENT=01_sequences SUBMISSIONS=path/to/submitted"
	@echo "                 autograde a folder of submissions, write feedback and grades.csv"
	@echo "make bench       print notebook, grading and BPTT timings (ONLY=bptt for one section)"
	@echo "make gpu-check   run the torch tracks on CUDA and compare with the CPU"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

release: setup
	@for a in $(ASSIGNMENTS); do \
		$(BIN)/nbgrader generate_assignment $$a --force --no-db --log-level=WARN || exit 1; \
	done
	@echo "assignments/ regenerated from solutions/ ($(ASSIGNMENTS))"

grade: setup
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
		{ echo "usage: make grade ASSIGNMENT=01_sequences SUBMISSIONS=path/to/submitted"; exit 2; }
	$(BIN)/python -m autograder grade $(ASSIGNMENT) --submissions "$(SUBMISSIONS)" $(GRADE_ARGS)

bench: setup
	$(BIN)/python tests/bench/bench_course.py $(ONLY)

gpu-check: setup
	$(BIN)/python tests/gpu/gpu_check.py

clean:
	rm -rf grading .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
