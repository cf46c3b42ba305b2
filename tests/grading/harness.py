"""Tests of the tests: build submissions from the released notebook and grade
them through the real nbgrader pipeline (the same code `make grade` runs)."""

import csv
import dataclasses
import importlib
import pkgutil
import shutil
from pathlib import Path

import nbformat

from autograder.cli import grade

REPO = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Variant:
    """A submission written as the reference with some solution cells replaced.

    cells maps a solution cell's grade_id to the code a student might write.
    expect, for a wrong variant, is text the failing test's message must contain.
    """

    name: str
    cells: dict
    expect: str = ""


def notebook_path(assignment, folder):
    return REPO / folder / assignment / f"{assignment}.ipynb"


def catalogues():
    """assignment -> its catalogue module (tests/grading/catalogue_*.py)."""
    import tests.grading as package

    modules = (importlib.import_module(f"{package.__name__}.{info.name}")
               for info in pkgutil.iter_modules(package.__path__) if info.name.startswith("catalogue_"))
    return {module.ASSIGNMENT: module for module in modules}


def solution_sources(nb):
    """grade_id -> source of every solution cell of a notebook."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def solution_cells(assignment):
    """grade_id -> source of every solution cell in the reference notebook."""
    return solution_sources(nbformat.read(notebook_path(assignment, "solutions"), as_version=4))


def build_submission(assignment, cells):
    """The released notebook with the given solution cells filled in."""
    nb = nbformat.read(notebook_path(assignment, "assignments"), as_version=4)
    unknown = set(cells) - {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    if unknown:
        raise KeyError(f"no solution cells named {sorted(unknown)} in {assignment}")
    for c in nb.cells:
        grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            c.source = cells[grade_id]
    return nb


def reference_with(assignment, replacements):
    cells = solution_cells(assignment)
    cells.update(replacements)
    return build_submission(assignment, cells)


@dataclasses.dataclass
class GradedClass:
    workspace: Path
    assignment: str
    scores: dict  # student -> (score, max_score)

    def autograded(self, student):
        return nbformat.read(self.workspace / "autograded" / student / self.assignment /
                             f"{self.assignment}.ipynb", as_version=4)

    def test_outcomes(self, student):
        """grade_id -> (passed, message) for every test cell of a graded notebook."""
        return _outcomes(self.autograded(student))

    def cells(self, student):
        """grade_id -> the test cell's outcome as the summary has it (the replay step's)."""
        import json

        summary = json.loads((self.workspace / f"summary_{self.assignment}.json").read_text())
        cells = summary["students"][student]["cells"]
        for cell in cells.values():        # entries in full, as the quick path gives them
            cell["misconceptions"] = [{"id": None if k.startswith("unregistered: ") else k,
                                       **summary["misconceptions"][k]} for k in cell["misconceptions"]]
        return cells


def grade_class(tmp_path, assignment, submissions):
    """Grade {student: notebook} with the course's grading command; return the scores."""
    inbox = Path(tmp_path) / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    for student, nb in submissions.items():
        folder = inbox / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    workspace = Path(tmp_path) / "course"
    csv_path = grade(assignment, inbox, workspace, Path(tmp_path) / "grades.csv", feedback=True)
    scores = {}
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["assignment"] == assignment:
                scores[row["student_id"]] = (float(row["score"]), float(row["max_score"]))
    return GradedClass(workspace, assignment, scores)


# ---------------------------------------------------------------- the quick path for catalogues

@dataclasses.dataclass
class JudgedClass:
    """Submissions run in the grader's sandboxes and judged with the answer key, scored with nbgrader's own
    rules, without nbgrader's bookkeeping (sanitize, gradebook, feedback, export). Same interface as
    GradedClass for what tests of the tests read: scores and test_outcomes."""

    assignment: str
    notebooks: dict   # student -> judged notebook (NotebookNode)
    scores: dict      # student -> (score, max_score)

    def test_outcomes(self, student):
        return _outcomes(self.notebooks[student])

    def cells(self, student):
        """grade_id -> the test cell's outcome, by the replay step's own function."""
        from autograder.phases import cell_outcomes

        return cell_outcomes(self.notebooks[student]) if self.notebooks[student] is not None else {}

    def summary(self):
        """The class as the grader's summary would have it (what the class report reads)."""
        from autograder.analytics import compact

        students = {student: {"score": score, "max_score": most, "status": "graded", "cells": self.cells(student)}
                    for student, (score, most) in self.scores.items()}
        return {"assignment": self.assignment, "students": students, "misconceptions": compact(students)}


def _outcomes(nb):
    """grade_id -> (passed, message) for every test cell of a notebook as graded."""
    outcomes = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if not meta.get("grade") or c.cell_type != "code":
            continue
        errors = [o for o in c.outputs if o.output_type == "error"]
        stderr = [o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
        message = "\n".join(f"{o.ename}: {o.evalue}" for o in errors) + "".join(stderr)
        outcomes[meta["grade_id"]] = (not errors and not stderr, message)
    return outcomes


def _with_test_cells(nb, sources):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources and cell.metadata["nbgrader"].get("grade"):
            cell.source = sources[grade_id]
    return nb


def _course_config():
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def judge_class(assignment, submissions, limits=None, workers=2, strict=True):
    """Run {student: notebook} as the grading command's execution step does and score each the way its
    replay step does: the sandbox's outputs, nbgrader's IgnorePattern (the course's settings), the answer
    key's judgement of the recorded checks (answer_key.judge), and nbgrader's determine_grade per test cell.

    A catalogue of mistakes needs only that; test_grading checks that it agrees with the whole pipeline.
    strict=False (mutation runs): a run that returned no notebook scores 0 instead of stopping the class.
    """
    import logging

    from nbgrader.preprocessors import IgnorePattern
    from nbgrader.utils import determine_grade

    from answer_key.judge import judge_notebook
    from autograder.grading import GRADER_FOLDERS
    from autograder.limits import Limits
    from autograder.phases import fail_if_never_ran, job_key
    from autograder.runners import run_local

    limits = limits or Limits()
    hidden = [str(REPO / name) for name in GRADER_FOLDERS]
    # what nbgrader's OverwriteCells does when it sanitizes: test cells as the source has them, hidden tests in
    source_tests = {c.metadata["nbgrader"]["grade_id"]: c.source
                    for c in nbformat.read(notebook_path(assignment, "solutions"), as_version=4).cells
                    if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    submissions = {s: _with_test_cells(nb, source_tests) for s, nb in submissions.items()}
    jobs = [{"student": s, "notebook": assignment, "key": job_key(nbformat.writes(nb), limits.to_json()),
             "text": nbformat.writes(nb), "limits": limits.to_json(), "hidden": hidden}
            for s, nb in submissions.items()]
    results = {}
    run_local(iter(jobs), workers, lambda r: results.__setitem__(r["student"], r))
    ignore = IgnorePattern(config=_course_config())
    notebooks, scores = {}, {}
    for student, result in results.items():
        if not result.get("notebook") and not strict:
            notebooks[student], scores[student] = None, (0.0, 0.0)
            continue
        assert result.get("notebook"), f"{student}: the sandbox returned no notebook: {result}"
        nb = nbformat.reads(result["notebook"], as_version=4)
        for cell in nb.cells:                  # the replay step's rule for test cells the run never reached
            fail_if_never_ran(cell, result.get("reason") or result["status"] if result.get("status") != "ok"
                              else "this test cell did not run")
        nb, _ = ignore.preprocess(nb, {})
        nb = judge_notebook(nb, assignment)
        got = total = 0.0
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                points, most = determine_grade(cell, logging.getLogger("judge_class"))
                got, total = got + (points or 0.0), total + most
        notebooks[student], scores[student] = nb, (got, total)
    return JudgedClass(assignment, notebooks, scores)
