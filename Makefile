# One entry point for students, instructors and CI. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# The course's JupyterLab defaults (no news prompt, no update check, no kernel
# prompt), committed in .jupyter/lab/ and installed where JupyterLab reads them.
OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
# What the browser tests (tests/browser/) need besides the requirements:
# Debian's Chromium (apt) and Playwright (pip, into .venv). `make test`
# installs them, and fails if it cannot; `make test-fast` does not need them.
BROWSER := $(VENV)/.browser
# nbgrader calls `alembic` and `jupyter` by name: the venv's bin/ goes first.
export PATH := $(BIN):$(PATH)

# the topics, from the folders (autograder/layout.py: standard library only, so it runs before .venv exists)
ASSIGNMENTS := $(shell $(PYTHON) -m autograder.layout)

.PHONY: help setup lab test test-fast test-browser lint release student-bundle grade bench mutants gpu-check clean

help:
	@echo "make lab         set up (first time only) and open the course in JupyterLab"
	@echo "make test        run the whole test suite (what CI runs; installs Chromium and Playwright first)"
	@echo "make test-fast   the suite without the notebook runs, grading pipeline and browser"
	@echo "make test-browser the student's journey in JupyterLab, in headless Chromium"
	@echo "make release     regenerate assignments/ from solutions/ with nbgrader, and freeze the tests' values"
	@echo "make student-bundle  write dist/student-bundle: what students receive (no solutions, key or grader)"
	@echo "make grade ASSIGNMENT=01_sequences SUBMISSIONS=path/to/submitted"
	@echo "                 autograde a folder of submissions, write feedback and grades.csv"
	@echo "make bench       print notebook, grading and BPTT timings (ONLY=bptt for one section)"
	@echo "make mutants     how many mutants of each reference solution the tests kill (ONLY=01_sequences)"
	@echo "make gpu-check   run the torch tracks on CUDA and compare with the CPU"

setup: $(STAMP) $(OVERRIDES)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(OVERRIDES): .jupyter/lab/overrides.json | $(STAMP)
	mkdir -p $(dir $@)
	cp $< $@

$(BROWSER): tests/browser/install.sh $(STAMP)
	bash tests/browser/install.sh
	touch $@

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS)

test: setup $(BROWSER)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

test-browser: setup $(BROWSER)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

release: setup
	@for a in $(ASSIGNMENTS); do \
		$(BIN)/nbgrader generate_assignment $$a --force --no-db --log-level=WARN || exit 1; \
	done
	$(BIN)/python -m answer_key.build $(ASSIGNMENTS)
	$(BIN)/python -m answer_key.misconceptions $(ASSIGNMENTS)
	@echo "assignments/ regenerated and checks frozen from solutions/ ($(ASSIGNMENTS))"

student-bundle: setup
	$(BIN)/python -m autograder.student_bundle $(BUNDLE)

grade: setup
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
		{ echo "usage: make grade ASSIGNMENT=01_sequences SUBMISSIONS=path/to/submitted"; exit 2; }
	$(BIN)/python -m autograder grade $(ASSIGNMENT) --submissions "$(SUBMISSIONS)" $(GRADE_ARGS)

bench: setup
	$(BIN)/python tests/bench/bench_course.py $(ONLY)

mutants: setup
	$(BIN)/python tests/mutation/run.py $(ONLY)

gpu-check: setup
	$(BIN)/python tests/gpu/gpu_check.py

clean:
	rm -rf grading .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
