"""Freeze every test cell's checks from the reference solution (run by `make release`).

    python -m answer_key.build [ASSIGNMENT ...]     (all assignments by default)

Runs solutions/<assignment>/<assignment>.ipynb in a fresh kernel with
RNNCOURSE_EXPECT=build: each `expect.equal/close` in a test cell records the
reference's value and, through answer_key.oracles, what the known mistakes
give on the same input. Each test cell runs as separate parts, so that
checks in the visible part go to rnncourse/visible/<assignment>.json (shipped
with the course) and checks in the hidden part to answer_key/hidden/<assignment>.json.
"""

import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from answer_key.keys import HIDDEN_DIR
from autograder import layout
from rnncourse.expect import MIME, VISIBLE_DIR

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class BuildError(RuntimeError):
    """The reference notebook failed, or its checks are not well formed."""


def split_test_source(source):
    """[(part, code)] of a test cell, part 'visible' or 'hidden', in order."""
    parts, current, lines = [], "visible", []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped in (BEGIN, END):
            if line != stripped:
                raise BuildError(f"{stripped} must start its line (not inside a block)")
            parts.append((current, "\n".join(lines)))
            current, lines = ("hidden" if stripped == BEGIN else "visible"), []
            continue
        lines.append(line)
    parts.append((current, "\n".join(lines)))
    return [(part, code) for part, code in parts if code.strip()]


def _split_notebook(nb):
    """A copy of nb whose test cells are cut into their parts, each part marked in its metadata."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            for part, code in split_test_source(cell.source):
                out.cells.append(nbformat.v4.new_code_cell(
                    code, metadata={"expect_part": part, "grade_id": meta["grade_id"]}))
        else:
            out.cells.append(cell)
    return out


def freeze(assignment, repo=REPO, timeout=120):
    """({grade_id: [visible entries]}, {grade_id: [hidden entries]}) from the reference notebook."""
    path = Path(repo) / "solutions" / assignment / f"{assignment}.ipynb"
    nb = _split_notebook(nbformat.read(path, as_version=4))
    previous = os.environ.get("RNNCOURSE_EXPECT")
    os.environ["RNNCOURSE_EXPECT"] = "build"      # the kernel inherits it
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if previous is None:
            os.environ.pop("RNNCOURSE_EXPECT", None)
        else:
            os.environ["RNNCOURSE_EXPECT"] = previous
    frozen = {"visible": {}, "hidden": {}}
    seen, errors, seq = set(), [], 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = cell.metadata.get("grade_id") or cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i}"
        errors += [f"{where}: {o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        records = [json.loads(json.dumps(o.data[MIME]))          # plain dicts, not NotebookNodes
                   for o in cell.outputs if o.output_type == "display_data" and MIME in o.data]
        if records and "expect_part" not in cell.metadata:
            errors.append(f"{where}: expect.* called outside a test cell")
            continue
        for record in records:
            if record["id"] in seen:
                errors.append(f"{where}: check id {record['id']!r} is used twice")
            seen.add(record["id"])
            record["seq"] = seq
            seq += 1
            frozen[cell.metadata["expect_part"]].setdefault(cell.metadata["grade_id"], []).append(record)
    if errors:
        raise BuildError(f"{path.name}:\n  " + "\n  ".join(errors))
    return frozen["visible"], frozen["hidden"]


def dumps(frozen):
    return json.dumps(frozen, indent=1, sort_keys=True) + "\n"


def write(assignment, repo=REPO):
    visible, hidden = freeze(assignment, repo)
    written = []
    for folder, data in ((VISIBLE_DIR, visible), (HIDDEN_DIR, hidden)):
        target = folder / f"{assignment}.json"
        if data:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(dumps(data))
            written.append(target)
        elif target.exists():
            target.unlink()
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    assignments = argv or layout.assignments(REPO)
    for assignment in assignments:
        for target in write(assignment):
            print(f"froze {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
