"""`make mutants`: how many mutants of each reference solution the assignment's tests kill.

    make mutants                      every assignment
    make mutants ONLY=01_sequences    one

Each mutant is the reference notebook with one solution cell changed in one place (tests/mutation/mutate.py),
graded on the quick path (tests/grading/harness.judge_class: the grader's sandboxes, the answer key, nbgrader's
determine_grade). A mutant is killed when it scores less than full marks. A mutant that survives is either
a gap in the tests or equivalent to the reference (it computes the same thing); equivalent ones are listed,
with the reason, in tests/mutation/equivalent/<assignment>.json. The table shows killed, survived and
equivalent per assignment, and the kill rate over the non-equivalent mutants; the survivors are written to
artifacts/mutants/<assignment>.txt with their change.
"""

import json
import random
import sys
import time
import typing
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from autograder import layout  # noqa: E402
from autograder.limits import Limits  # noqa: E402
from tests.grading.harness import judge_class, reference_with, solution_cells  # noqa: E402
from tests.mutation.mutate import mutants  # noqa: E402

EQUIVALENT = Path(__file__).resolve().parent / "equivalent"
REPORTS = REPO / "artifacts" / "mutants"
# a mutant that loops for ever or trains far too long is stopped early: that, too, costs a student points, so
# it kills the mutant; such kills are counted apart ("by time"), since a faster machine might not make them
# a mutant is killed as soon as one test fails, so its run stops there
LIMITS = Limits(cell_timeout=20, notebook_timeout=120, stop_at_first_failed_test=True)


def equivalent(assignment):
    """id -> {"line": the line the mutant changes, "why": the reason it computes the same thing}."""
    path = EQUIVALENT / f"{assignment}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def stale_entries(known, found):
    """Listed equivalent mutants that no longer exist, or whose id now names another line (an edit above
    moved it): such an entry would hide a mutant nobody has judged."""
    by_id = {m.id: m for m in found}
    stale = []
    for mutant_id, entry in sorted(known.items()):
        if mutant_id not in by_id:
            stale.append(f"{mutant_id} (no such mutant now)")
        elif by_id[mutant_id].line != entry["line"]:
            stale.append(f"{mutant_id} (now names `{by_id[mutant_id].line}`, listed for `{entry['line']}`)")
    return stale


class Result(typing.NamedTuple):
    found: list       # every mutant
    killed: list      # those that lost points
    survived: list    # full marks, not listed as equivalent
    same: list        # full marks, listed as equivalent (on the same line)
    stale: list       # listed equivalent entries that name no mutant, or another line, now
    by_time: list     # killed only by a time limit, no test failed: a kill that a faster machine might miss


def sample(found, size, seed):
    """`size` of the mutants, the same for the same seed, spread over the cells in proportion (at least one
    from each cell): what `make test` grades, a different share at each commit."""
    if size is None or size >= len(found):
        return list(found)
    rng = random.Random(seed)
    by_cell = {}
    for m in found:
        by_cell.setdefault(m.cell, []).append(m)
    chosen = []
    for _cell, ms in sorted(by_cell.items()):
        share = max(1, round(size * len(ms) / len(found)))
        chosen += rng.sample(ms, min(share, len(ms)))
    return sorted(chosen, key=lambda m: m.id)


def all_mutants(assignment):
    """Every mutant of one assignment's reference solution cells, cell by cell in name order."""
    return [m for cell, source in sorted(solution_cells(assignment).items()) for m in mutants(cell, source)]


def run(assignment, size=None, seed=0):
    """Grade the mutants of one assignment's reference (all of them, or a sample of `size`)."""
    every = all_mutants(assignment)
    found = sample(every, size, seed)
    judged = judge_class(assignment, {f"m{i:04d}": reference_with(assignment, {m.cell: m.source})
                                      for i, m in enumerate(found)}, limits=LIMITS, strict=False)
    known = equivalent(assignment)
    killed, survived, same, by_time = [], [], [], []
    for i, mutant in enumerate(found):
        score, most = judged.scores[f"m{i:04d}"]
        if most == 0 or score < most:
            killed.append(mutant)
            outcomes = {c["outcome"] for c in judged.cells(f"m{i:04d}").values()}
            if "timeout" in outcomes and "failed" not in outcomes:
                by_time.append(mutant)
        elif mutant.id in known and known[mutant.id]["line"] == mutant.line:
            same.append(mutant)
        else:
            survived.append(mutant)
    return Result(found, killed, survived, same, stale_entries(known, every), by_time)


def main(argv):
    assignments = argv or layout.assignments()
    REPORTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for assignment in assignments:
        start = time.perf_counter()
        r = run(assignment)
        rate = len(r.killed) / max(1, len(r.killed) + len(r.survived))
        rows.append((assignment, len(r.found), len(r.killed), len(r.by_time), len(r.survived), len(r.same), rate,
                     time.perf_counter() - start))
        lines = [f"{m.id}  {m.description}" for m in r.survived]
        lines += [f"(killed only by a time limit) {m.id}  {m.description}" for m in r.by_time]
        lines += [f"(stale equivalent entry) {s}" for s in r.stale]
        (REPORTS / f"{assignment}.txt").write_text("\n".join(lines) + "\n")
    print(f"{'assignment':14s} {'mutants':>7s} {'killed':>7s} {'by time':>7s} {'survived':>8s} {'equivalent':>10s} "
          f"{'killed %':>8s} {'seconds':>8s}")
    for assignment, total, k, t, s, e, rate, seconds in rows:
        print(f"{assignment:14s} {total:7d} {k:7d} {t:7d} {s:8d} {e:10d} {100 * rate:7.1f}% {seconds:8.0f}")
    print(f"survivors: {REPORTS.relative_to(REPO)}/<assignment>.txt")


if __name__ == "__main__":
    main(sys.argv[1:])
