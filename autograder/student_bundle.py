"""What an instructor hands out for a course taken for credit (`make student-bundle`).

    python -m autograder.student_bundle [OUT]        (default dist/student-bundle)

The bundle holds the released assignments, the lectures, the student package
`rnncourse` (with the frozen values of the *visible* tests only) and the files
that install them; nothing else. Solutions, the answer key, the grader, the
project's tests and git's history stay with the instructor.
"""

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPIED = ["assignments", "lectures", "capstone", "rnncourse", ".jupyter/lab/overrides.json", "environment.yml"]
# what never goes out, even if a copied folder picked it up by mistake
FORBIDDEN = ("answer_key", "autograder", "solutions", "tests", ".git", "oracles", "hidden", "gradebook.db")

STUDENT_REQUIREMENTS = ["numpy", "matplotlib", "jupyterlab", "notebook", "nbgrader", "nbclient", "nbformat",
                        "ipykernel", "torch", "tqdm", "hypothesis"]

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "rnncourse"
version = "0.1.0"
description = "Sequence Learning with RNNs: the library the lectures and assignments import"
requires-python = ">=3.11"
dependencies = ["numpy", "matplotlib", "tqdm", "hypothesis"]

[tool.setuptools.packages.find]
include = ["rnncourse*"]

[tool.setuptools.package-data]
rnncourse = ["visible/*.json", "misconceptions/*.json"]
"""

MAKEFILE = """# Set up (first run only) and open the course: `make lab`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
BIN    := $(CURDIR)/.venv/bin
export PATH := $(BIN):$(PATH)

lab: .venv/.installed
\tmkdir -p .venv/share/jupyter/lab/settings && cp .jupyter/lab/overrides.json .venv/share/jupyter/lab/settings/
\t$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS)

.venv/.installed: requirements.txt pyproject.toml
\t$(PYTHON) -m venv .venv
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\t$(BIN)/python -m pip install --quiet --no-deps .
\ttouch $@
"""

README = """# Sequence Learning with RNNs: student copy

```bash
make lab      # set up (first run only), then open the course in JupyterLab
```

(As root, in a container: `make lab LAB_ARGS=--allow-root`.)

Read a lecture in `lectures/`, then work the matching assignment in `assignments/NN_name/`: fill in every cell
that says `# YOUR CODE HERE` and delete the `raise NotImplementedError()`. Run the test cell under each
function, then press **Validate**. Grading also runs hidden tests on more inputs, so make your code correct in
general, not only for the examples. Hand in the notebook as your instructor asks.
"""


def _requirements():
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip()] = version.strip()
    return "".join(f"{name}=={pins[name]}\n" for name in STUDENT_REQUIREMENTS if name in pins)


def _ignore(folder, names):
    return [n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith((".pyc", ".egg-info"))
            or n in FORBIDDEN]


def write_bundle(out, repo=REPO):
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for item in COPIED:
        source, target = Path(repo) / item, out / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=_ignore)
        else:
            shutil.copy2(source, target)
    (out / "pyproject.toml").write_text(PYPROJECT)
    (out / "requirements.txt").write_text(_requirements())
    (out / "Makefile").write_text(MAKEFILE)
    (out / "README.md").write_text(README)
    leaked = [str(p.relative_to(out)) for p in out.rglob("*") if p.name in FORBIDDEN]
    if leaked:
        raise RuntimeError(f"the student bundle would contain grader files: {leaked}")
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = write_bundle(argv[0] if argv else REPO / "dist" / "student-bundle")
    print(f"student bundle written to {out}")


if __name__ == "__main__":
    main()
