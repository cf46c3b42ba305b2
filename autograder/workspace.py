"""A grading workspace: a course folder, separate from the repository, that
holds the gradebook, the collected submissions and the graded results."""

import shutil
from pathlib import Path

from autograder import layout
from autograder.nbgrader_run import nbgrader

REPO_ROOT = layout.REPO_ROOT


from autograder.collect import SubmissionError  # noqa: E402,F401 - one error type for bad input


def prepare(workspace, assignment, repo_root=REPO_ROOT):
    """Create the workspace for one assignment and register it in the gradebook.

    The workspace gets the course's nbgrader_config.py and the assignment's
    source notebooks; generate_assignment then records the assignment, its
    cells and checksums in the workspace's gradebook.db.
    """
    workspace = Path(workspace)
    source = Path(repo_root) / "solutions" / assignment
    if not source.is_dir():
        known = layout.assignments(repo_root)
        raise SubmissionError(f"no assignment named {assignment!r} in solutions/; known: {', '.join(known)}")
    workspace.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(repo_root) / "nbgrader_config.py", workspace / "nbgrader_config.py")
    target = workspace / "solutions" / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    nbgrader(workspace, "generate_assignment", assignment, "--force")
    return workspace
