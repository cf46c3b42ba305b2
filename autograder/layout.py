"""Where the course's topics live: the one place that lists them, derived from the folders.

Topic NN is a lecture, lectures/NN_<topic>.ipynb, and an assignment whose nbgrader source is
solutions/NN_<name>/NN_<name>.ipynb, released by `make release` to assignments/NN_<name>/NN_<name>.ipynb.
Adding a topic is adding those files (CONTRIBUTING.md lists the rest); nothing else names the topics.

Standard library only: the Makefile asks it for the assignments before any virtualenv exists
(`python3 -m autograder.layout`).
"""

import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_NUMBERED = re.compile(r"^\d\d_\w+$")


def assignments(repo=REPO_ROOT):
    """Names of the assignments (e.g. "01_sequences"): folders of solutions/ that hold their notebook."""
    folder = Path(repo) / "solutions"
    return sorted(p.name for p in folder.iterdir()
                  if _NUMBERED.match(p.name) and (p / f"{p.name}.ipynb").is_file()) if folder.is_dir() else []


def lectures(repo=REPO_ROOT):
    """The lecture notebooks, in order."""
    return sorted(p for p in (Path(repo) / "lectures").glob("*.ipynb") if _NUMBERED.match(p.stem))


def solution(assignment, repo=REPO_ROOT):
    """nbgrader's source notebook of an assignment (solutions and hidden tests: never given to students)."""
    return Path(repo) / "solutions" / assignment / f"{assignment}.ipynb"


def release(assignment, repo=REPO_ROOT):
    """The student copy of an assignment, as `make release` writes it."""
    return Path(repo) / "assignments" / assignment / f"{assignment}.ipynb"


if __name__ == "__main__":
    print(" ".join(assignments(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT)))
