"""assignments/ is exactly what nbgrader generates from solutions/, and the
student copies carry no solution code, no hidden tests and no outputs."""

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import layout
from tests.notebooks import LECTURES, RELEASED, REPO, SOLUTIONS, nbgrader_meta


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


@pytest.mark.slow
def test_assignments_are_exactly_the_regenerated_release(tmp_path):
    shutil.copy2(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions", tmp_path / "solutions")
    # a clean HOME, so no user-level nbgrader config can change the release
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    for assignment in layout.assignments(REPO):
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--no-db"]
        subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True, env=env)
    fresh, committed = tmp_path / "assignments", REPO / "assignments"
    assert _files(fresh) == _files(committed), "assignments/ has missing or extra files: run `make release`"
    stale = [str(f) for f in _files(fresh) if not filecmp.cmp(fresh / f, committed / f, shallow=False)]
    assert not stale, f"assignments/ differs from a fresh release in {stale}: run `make release` and commit"


def _region_lines(source, begin, end):
    """Lines strictly inside BEGIN/END markers, stripped, skipping short ones."""
    inside, lines = False, []
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def _outside_lines(source, begin, end):
    inside, lines = False, set()
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            lines.add(line.strip())
    return lines


@pytest.mark.parametrize("source_path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_student_copy_has_no_solution_or_hidden_test_code(source_path):
    released_path = REPO / "assignments" / source_path.parent.name / source_path.name
    released = nbformat.read(released_path, as_version=4)
    text = released_path.read_text()
    for marker in ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]:
        assert marker not in text, f"{released_path.name} still contains '### {marker}'"
    released_cells = {nbgrader_meta(c).get("grade_id"): c.source for c in released.cells}
    source = nbformat.read(source_path, as_version=4)
    for cell in source.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        regions = [("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
        for begin, end in regions:
            visible = _outside_lines(cell.source, begin, end)
            released_lines = {line.strip() for line in released_cells.get(grade_id, "").splitlines()}
            leaked = [line for line in _region_lines(cell.source, begin, end)
                      if line not in visible and line in released_lines]
            assert not leaked, f"{grade_id}: the student copy shows lines from a {begin[4:]} region: {leaked[:3]}"


def test_every_solution_cell_keeps_signature_and_grade_ids_follow_convention():
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade_ids"
        solutions = {nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("solution")}
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta.get("solution") and cell.source.lstrip().startswith(("def ", "class ")):
                name = re.match(r"\s*(?:def|class)\s+(\w+)", cell.source).group(1)
                assert meta["grade_id"] == name, f"{path.name}: cell defining {name} has grade_id {meta['grade_id']}"
                head = cell.source.split("### BEGIN SOLUTION")[0]
                assert '"""' in head, f"{path.name}: {name}'s docstring must sit above the solution region"
            if meta.get("grade"):
                assert meta.get("points", 0) > 0, f"{path.name}: test cell {meta['grade_id']} carries no points"
                assert re.match(r'\s*"""[^\n]+"""', cell.source), \
                    f"{path.name}: test cell {meta['grade_id']} must start with a one-line docstring"
                target = meta["grade_id"].removeprefix("test_")
                assert any(target == s or target.startswith(s + "_") for s in solutions), \
                    f"{path.name}: test cell {meta['grade_id']} is not named test_<solution name>[_aspect]"


@pytest.mark.parametrize("path", SOLUTIONS + RELEASED + LECTURES, ids=lambda p: str(p.relative_to(REPO)))
def test_committed_notebooks_carry_no_outputs_and_a_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (clear them before committing)"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"
    # JupyterLab marks a notebook modified on opening when this differs from what the kernel reports
    language = nb.metadata.get("language_info", {})
    assert language.get("pygments_lexer") == "ipython3" and language.get("version", "").startswith("3.11."), (
        f"{path.name}: metadata.language_info must be the full one of the course's Python 3.11 "
        f"(see tests/browser: a partial one makes the notebook open as modified), not {language}")


def _same_value(entry, fresh, committed):
    from rnncourse.checks import _close, _equal
    from rnncourse.expect import decode

    a, b = decode(fresh), decode(committed)
    if entry["how"] == "close":    # float32 results may differ in the last bits from machine to machine
        return _close(a, b, entry["opts"]["atol"], entry["opts"]["rtol"], equal_nan=True)
    return _equal(a, b)


@pytest.mark.slow
@pytest.mark.parametrize("source_path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_frozen_values_are_what_the_reference_gives_now(source_path):
    """rnncourse/visible/ and answer_key/hidden/ are what `make release` freezes from the solution today."""
    import json

    from answer_key.build import freeze
    from answer_key.keys import HIDDEN_DIR
    from rnncourse.expect import VISIBLE_DIR

    assignment = source_path.parent.name
    for fresh, folder in zip(freeze(assignment), (VISIBLE_DIR, HIDDEN_DIR), strict=True):
        path = folder / f"{assignment}.json"
        committed = json.loads(path.read_text()) if path.exists() else {}
        assert sorted(fresh) == sorted(committed), f"{path.name}: test cells differ; run `make release`"
        for cell, entries in fresh.items():
            old = committed[cell]
            assert [e["id"] for e in entries] == [e["id"] for e in old], f"{cell}: check ids differ; `make release`"
            for new, was in zip(entries, old, strict=True):
                for field in ("how", "name", "opts"):
                    assert new[field] == was[field], f"{new['id']}: {field} differs; run `make release`"
                assert _same_value(new, new["expected"], was["expected"]), f"{new['id']}: expected value is stale"
                assert [d for d, _ in new["mistakes"]] == [d for d, _ in was["mistakes"]], \
                    f"{new['id']}: known mistakes differ; run `make release`"
                for (d, v_new), (_, v_old) in zip(new["mistakes"], was["mistakes"], strict=True):
                    assert _same_value(new, v_new, v_old), f"{new['id']}: the value of mistake {d!r} is stale"


def _frozen_cells(assignment):
    import json

    from answer_key.keys import HIDDEN_DIR
    from rnncourse.expect import VISIBLE_DIR

    cells = {}
    for folder in (VISIBLE_DIR, HIDDEN_DIR):
        path = folder / f"{assignment}.json"
        for cell, entries in (json.loads(path.read_text()) if path.exists() else {}).items():
            cells.setdefault(cell, []).extend(entries)
    return cells


@pytest.mark.parametrize("source_path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_every_known_mistake_can_be_told_apart_and_none_passes(source_path):
    """No dead diagnosis: a known mistake whose output passes every check of its test cell could never be named.
    And every known mistake of a test cell is the only one that fits on at least one of the cell's checks, so
    a message can name it (a mistake is named only when it alone fits). On a given input a mistake may well
    give the right answer (no weight decay when the decay is 0): that check simply cannot catch it."""
    from rnncourse.checks import CheckFailure
    from rnncourse.expect import compare, decode

    assignment = source_path.parent.name
    dead, ambiguous = [], []
    for cell, entries in _frozen_cells(assignment).items():
        caught, named_alone = set(), set()
        for entry in entries:
            values = [(d, decode(v)) for d, v in entry["mistakes"]]
            for description, value in values:
                try:
                    compare({**entry, "mistakes": []}, value)
                except CheckFailure:
                    caught.add(description)
                    if [d for d, v in values if _fits(entry, value, v)] == [description]:
                        named_alone.add(description)
        every = {d for entry in entries for d, _ in entry["mistakes"]}
        dead += [f"{cell}: {d!r}" for d in sorted(every - caught)]
        ambiguous += [f"{cell}: {d!r}" for d in sorted(caught - named_alone)]
    assert not dead, ("known mistakes whose output passes every check of their cell (dead diagnoses):\n  "
                      + "\n  ".join(dead))
    assert not ambiguous, ("known mistakes never the only one that fits on any check of their cell (choose an "
                           "input on which they differ):\n  " + "\n  ".join(ambiguous))


def _fits(entry, got, wrong):
    from rnncourse.checks import _close, _equal

    if entry["how"] == "close":
        return _close(got, wrong, entry["opts"]["atol"], entry["opts"]["rtol"], equal_nan=True)
    return _equal(got, wrong)
