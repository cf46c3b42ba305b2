"""Helpers for tests that read or run the course's notebooks."""

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import layout
from tests.notebook_cells import run_cells

REPO = layout.REPO_ROOT
LECTURES = layout.lectures()
SOLUTIONS = [layout.solution(a) for a in layout.assignments()]
RELEASED = [layout.release(a) for a in layout.assignments()]


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def is_test_cell(cell):
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("grade"))


def execute(path, timeout=60, env_device=None):
    """Run a notebook top to bottom in its own folder; return (executed notebook, seconds)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def cell_seconds(nb):
    """[(seconds, grade_id or 'cell N')] of each executed code cell, from nbclient's timing metadata."""
    from datetime import datetime

    times = []
    for i, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {}) if cell.cell_type == "code" else {}
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began, ended = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                            for k in ("iopub.execute_input", "shell.execute_reply"))
            times.append(((ended - began).total_seconds(), nbgrader_meta(cell).get("grade_id") or f"cell {i}"))
    return times


def problems(nb):
    """Error outputs anywhere, and stderr written by any test cell, as readable lines."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = nbgrader_meta(cell).get("grade_id") or f"cell {i}"
        for out in cell.outputs:
            if out.output_type == "error":
                found.append(f"{where}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"{where} wrote to stderr: {out.text[:300]!r}")
    return found


def namespace(path, skip=()):
    """Run a notebook's code cells, except test cells, in this process; return the names defined.

    Lets unit tests call the reference solution's functions directly.
    """
    return run_cells(path, include_tests=False, skip=skip)
