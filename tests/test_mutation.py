"""The mutant generator behind `make mutants` (tests/mutation/): one change per mutant, every kind it claims."""

import ast
import os
import subprocess
from pathlib import Path

import pytest

from autograder import layout
from tests.conftest import record
from tests.mutation.mutate import mutants

REPO = Path(__file__).resolve().parents[1]

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


def test_every_mutant_judged_equivalent_exists_on_its_line_and_says_why():
    """tests/mutation/equivalent/<assignment>.json names current mutants only, each pinned to the text of the
    line it changes and with its reason: an id that an edit above it re-points to another line is stale."""
    from tests.mutation.run import EQUIVALENT, all_mutants, equivalent, stale_entries

    files = sorted(EQUIVALENT.glob("*.json"))
    assert files, "no equivalent mutants listed: this test would prove nothing"
    for path in files:
        assert path.stem in layout.assignments(), f"{path.name}: no such assignment"
        listed = equivalent(path.stem)
        stale = stale_entries(listed, all_mutants(path.stem))
        assert not stale, f"{path.name}: stale entries (the cell changed; judge these mutants again): {stale}"
        for mutant_id, entry in listed.items():
            assert set(entry) == {"line", "why"} and entry["line"], (path.name, mutant_id, entry)
            assert isinstance(entry["why"], str) and len(entry["why"]) > 20, (path.name, mutant_id)


def test_an_equivalent_entry_re_pointed_by_an_edit_above_it_is_stale():
    """The failure of stop 20: a line inserted above moved an id onto another statement."""
    from tests.mutation.run import stale_entries

    before = mutants("f", SOURCE)
    dropped = next(m for m in before if m.id.endswith("dropped") and m.line.startswith("y = "))
    known = {dropped.id: {"line": dropped.line, "why": "listed for the line that sums the transpose"}}
    assert stale_entries(known, before) == []
    # five lines inserted at the top of the body: the same position now holds `total = 0`
    shifted = SOURCE.replace("    total = 0\n", "".join(f"    a{i} = {i}\n" for i in range(5)) + "    total = 0\n")
    stale = stale_entries(known, mutants("f", shifted))
    assert stale == [f"{dropped.id} (now names `total = 0`, listed for `{dropped.line}`)"], stale
    assert stale_entries(known, mutants("f", SOURCE.replace("    y = xs.T.sum(axis=axis)\n", ""))) \
        == [f"{dropped.id} (no such mutant now)"]


# `make test` grades a sample of each assignment's mutants, drawn afresh at every commit (the seed is the commit),
# so successive commits cover them all; RNNCOURSE_MUTANTS=all grades every one, as `make mutants` does.
SAMPLE = os.environ.get("RNNCOURSE_MUTANTS", "40")


def _commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no-git"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", layout.assignments())
def test_the_tests_kill_at_least_95_percent_of_the_non_equivalent_mutants(request, assignment):
    """`make mutants` for one assignment, in CI (on a sample: SAMPLE above): the mutants of the reference
    solution are graded; those not listed as equivalent must fail at least one test, 95% of them at least
    (the README's figure)."""
    from tests.mutation.run import run

    size = None if SAMPLE == "all" else int(SAMPLE)
    seed = _commit()
    r = run(assignment, size=size, seed=seed)
    rate = len(r.killed) / max(1, len(r.killed) + len(r.survived))
    record(request, "mutants", (assignment, (len(r.found), len(r.killed), len(r.survived), len(r.same), rate,
                                             "all" if size is None else f"sample, seed {seed[:10]}")))
    assert not r.stale, f"stale equivalent entries (update tests/mutation/equivalent/): {r.stale}"
    assert len(r.found) >= min(40, size or 40), \
        f"{assignment}: only {len(r.found)} mutants: the generator is not reaching the solutions"
    assert rate >= 0.95, (f"{assignment}: {len(r.killed)} of {len(r.killed) + len(r.survived)} non-equivalent "
                          f"mutants killed ({100 * rate:.1f}%; RNNCOURSE_MUTANTS={SAMPLE}, seed {seed}); "
                          "survivors:\n  " + "\n  ".join(f"{m.id}  {m.description}" for m in r.survived))


def test_the_sample_is_spread_over_the_cells_and_fixed_by_its_seed():
    from tests.mutation.run import all_mutants, sample

    found = all_mutants("02_elman")
    a, b, c = sample(found, 40, "abc"), sample(found, 40, "abc"), sample(found, 40, "abd")
    assert a == b and a != c
    assert {m.cell for m in a} == {m.cell for m in found}, "every graded function has a mutant in the sample"
    assert 35 <= len(a) <= 45 and len({m.id for m in a}) == len(a)
    assert sample(found, None, "abc") == found and sample(found, 10_000, "x") == found


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
