"""Read a notebook's code cells with the standard library alone.

Used where Jupyter is not installed (the GPU machine) as well as by the tests.
"""

import json


def code_cells(path):
    """[(grade_id or 'cell N', source, is_test_cell)] for every code cell."""
    with open(path) as f:
        nb = json.load(f)
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cells.append((meta.get("grade_id") or f"cell {i}", source, bool(meta.get("grade"))))
    return cells


def run_cells(path, include_tests=True, names=None, skip=()):
    """Execute a notebook's code cells in one namespace, stopping at the first error.

    skip: grade_ids of cells not to run (e.g. a training demo a unit test does not need).
    Returns the namespace. Raises RuntimeError naming the cell that failed.
    """
    names = {"__name__": "__notebook__"} if names is None else names
    for where, source, is_test in code_cells(path):
        if (is_test and not include_tests) or where in skip:
            continue
        try:
            exec(compile(source, f"{path}:{where}", "exec"), names)
        except Exception as exc:
            raise RuntimeError(f"{path} [{where}]: {type(exc).__name__}: {exc}") from exc
    return names
