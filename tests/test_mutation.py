"""The mutant generator behind `make mutants` (tests/mutation/): one change per mutant, every kind it claims."""

import ast

import pytest

from autograder import layout
from tests.conftest import record
from tests.mutation.mutate import mutants

SOURCE = '''
def f(xs, axis=1):
    """A docstring is never mutated."""
    total = 0
    for x in reversed(xs[1:3]):
        total += x * 2
    if total >= 3 and not xs:
        return -total
    y = xs.T.sum(axis=axis)
    return total, y
'''


def test_every_kind_of_change_is_made_once_per_place():
    found = mutants("f", SOURCE)
    kinds = {m.id.split(":")[3] for m in found}
    assert {"binop", "augassign", "compare0", "boolop", "int+1", "int-1", "neg", "not", "transpose", "call",
            "lower+1", "upper-1", "dropped"} <= kinds, kinds
    assert len({m.id for m in found}) == len(found), "mutant ids must be unique"
    original = ast.unparse(ast.parse(SOURCE))
    for m in found:
        assert m.source != original and m.cell == "f", m
        ast.parse(m.source)                                # every mutant is valid Python
        assert "A docstring is never mutated." in m.source, m


def test_each_mutant_differs_from_the_reference_in_one_place():
    original = ast.unparse(ast.parse(SOURCE)).splitlines()
    for m in mutants("f", SOURCE):
        changed = [(a, b) for a, b in zip(original, m.source.splitlines(), strict=False) if a != b]
        assert len(changed) == 1 or m.id.endswith("dropped"), (m.id, changed)


def test_a_dropped_statement_is_never_a_functions_only_statement():
    assert not [m for m in mutants("g", "def g(x):\n    return x\n") if m.id.endswith("dropped")]


def test_every_mutant_judged_equivalent_exists_and_says_why():
    """tests/mutation/equivalent/<assignment>.json names current mutants only, each with its reason."""
    import json
    from pathlib import Path

    from autograder import layout
    from tests.grading.harness import solution_cells

    folder = Path(__file__).resolve().parent / "mutation" / "equivalent"
    files = sorted(folder.glob("*.json"))
    assert files, "no equivalent mutants listed: this test would prove nothing"
    for path in files:
        assert path.stem in layout.assignments(), f"{path.name}: no such assignment"
        ids = {m.id for cell, source in solution_cells(path.stem).items() for m in mutants(cell, source)}
        listed = json.loads(path.read_text())
        stale = sorted(set(listed) - ids)
        assert not stale, f"{path.name} lists mutants that no longer exist (the cell changed): {stale}"
        assert all(isinstance(why, str) and len(why) > 20 for why in listed.values()), path.name


@pytest.mark.slow
@pytest.mark.parametrize("assignment", layout.assignments())
def test_the_tests_kill_at_least_95_percent_of_the_non_equivalent_mutants(request, assignment):
    """`make mutants` for one assignment, in CI: every mutant of the reference solution is graded; those not
    listed as equivalent must fail at least one test, 95% of them at least (the README's figure)."""
    from tests.mutation.run import run

    found, killed, survived, same, stale = run(assignment)
    rate = len(killed) / max(1, len(killed) + len(survived))
    record(request, "mutants", (assignment, (len(found), len(killed), len(survived), len(same), rate)))
    assert not stale, f"equivalent mutants that no longer exist (update tests/mutation/equivalent/): {stale}"
    assert len(found) >= 40, f"{assignment}: only {len(found)} mutants: the generator is not reaching the solutions"
    assert rate >= 0.95, (f"{assignment}: {len(killed)} of {len(killed) + len(survived)} non-equivalent mutants "
                          f"killed ({100 * rate:.1f}%); survivors:\n  "
                          + "\n  ".join(f"{m.id}  {m.description}" for m in survived))


@pytest.mark.slow
def test_a_mutation_run_stops_at_the_first_failed_test_with_the_same_verdict():
    """Limits.stop_at_first_failed_test: the reference still gets full marks; a wrong submission fails at its
    own test, and the cells after it are not run (they say why)."""
    from autograder.limits import Limits
    from tests.grading.catalogue_01_sequences import MISTAKES
    from tests.grading.harness import judge_class, reference_with

    wrong = MISTAKES[0]     # next_char_pairs: the first graded function, so almost every cell comes after it
    judged = judge_class("01_sequences", {"reference": reference_with("01_sequences", {}),
                                          "wrong": reference_with("01_sequences", wrong.cells)},
                         limits=Limits(cell_timeout=20, notebook_timeout=120, stop_at_first_failed_test=True))
    assert judged.scores["reference"][0] == judged.scores["reference"][1] > 0
    assert judged.scores["wrong"][0] == 0
    skipped = [c for c in judged.notebooks["wrong"].cells if c.cell_type == "code"
               and any(o.get("ename") == "NotRun" and "first failed test (test_next_char_pairs" in o.get("evalue", "")
                       for o in c.outputs)]
    assert len(skipped) >= 10, "every code cell after the first failed test is skipped"
