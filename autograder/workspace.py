"""A grading workspace: a course folder, separate from the repository, that
holds the gradebook, the collected submissions and the graded results."""

import shutil
from pathlib import Path

from autograder.nbgrader_run import nbgrader

REPO_ROOT = Path(__file__).resolve().parent.parent


class SubmissionError(ValueError):
    """The submissions folder is not laid out the way nbgrader expects."""


def prepare(workspace, assignment, repo_root=REPO_ROOT):
    """Create the workspace for one assignment and register it in the gradebook.

    The workspace gets the course's nbgrader_config.py and the assignment's
    source notebooks; generate_assignment then records the assignment, its
    cells and checksums in the workspace's gradebook.db.
    """
    workspace = Path(workspace)
    source = Path(repo_root) / "solutions" / assignment
    if not source.is_dir():
        known = sorted(p.name for p in (Path(repo_root) / "solutions").iterdir() if p.is_dir())
        raise SubmissionError(f"no assignment named {assignment!r} in solutions/; known: {', '.join(known)}")
    workspace.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(repo_root) / "nbgrader_config.py", workspace / "nbgrader_config.py")
    target = workspace / "solutions" / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    nbgrader(workspace, "generate_assignment", assignment, "--force")
    return workspace


def find_submissions(submissions, assignment):
    """Map student id -> that student's folder for this assignment.

    submissions is nbgrader's collected layout: SUBMISSIONS/<student>/<assignment>/.
    """
    root = Path(submissions)
    if not root.is_dir():
        raise SubmissionError(f"submissions folder {root} does not exist")
    found = {}
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        folder = student_dir / assignment
        if folder.is_dir():
            found[student_dir.name] = folder
    if not found:
        raise SubmissionError(
            f"no submissions for {assignment!r} under {root}: expected {root}/<student>/{assignment}/*.ipynb"
        )
    return found


def collect(workspace, assignment, student_folders):
    """Copy each student's folder into the workspace's submitted/ tree, replacing any older copy."""
    for student, folder in student_folders.items():
        target = Path(workspace) / "submitted" / student / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
