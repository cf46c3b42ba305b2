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
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from autograder import layout  # noqa: E402
from autograder.limits import Limits  # noqa: E402
from tests.grading.harness import judge_class, reference_with, solution_cells  # noqa: E402
from tests.mutation.mutate import mutants  # noqa: E402

EQUIVALENT = Path(__file__).resolve().parent / "equivalent"
REPORTS = REPO / "artifacts" / "mutants"
# a mutant that loops for ever or trains far too long is stopped early: that, too, kills it
# a mutant is killed as soon as one test fails, so its run stops there
LIMITS = Limits(cell_timeout=20, notebook_timeout=120, stop_at_first_failed_test=True)


def equivalent(assignment):
    path = EQUIVALENT / f"{assignment}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def run(assignment):
    cells = solution_cells(assignment)
    found = [m for cell, source in sorted(cells.items()) for m in mutants(cell, source)]
    judged = judge_class(assignment, {f"m{i:04d}": reference_with(assignment, {m.cell: m.source})
                                      for i, m in enumerate(found)}, limits=LIMITS, strict=False)
    known = equivalent(assignment)
    killed, survived, same = [], [], []
    for i, mutant in enumerate(found):
        score, most = judged.scores[f"m{i:04d}"]
        if most == 0 or score < most:
            killed.append(mutant)
        elif mutant.id in known:
            same.append(mutant)
        else:
            survived.append(mutant)
    stale = sorted(set(known) - {m.id for m in found})
    return found, killed, survived, same, stale


def main(argv):
    assignments = argv or layout.assignments()
    REPORTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for assignment in assignments:
        start = time.perf_counter()
        found, killed, survived, same, stale = run(assignment)
        rate = len(killed) / max(1, len(killed) + len(survived))
        rows.append((assignment, len(found), len(killed), len(survived), len(same), rate,
                     time.perf_counter() - start))
        lines = [f"{m.id}  {m.description}" for m in survived]
        lines += [f"(stale equivalent entry, no such mutant now) {s}" for s in stale]
        (REPORTS / f"{assignment}.txt").write_text("\n".join(lines) + "\n")
    print(f"{'assignment':14s} {'mutants':>7s} {'killed':>7s} {'survived':>8s} {'equivalent':>10s} "
          f"{'killed %':>8s} {'seconds':>8s}")
    for assignment, total, k, s, e, rate, seconds in rows:
        print(f"{assignment:14s} {total:7d} {k:7d} {s:8d} {e:10d} {100 * rate:7.1f}% {seconds:8.0f}")
    print(f"survivors: {REPORTS.relative_to(REPO)}/<assignment>.txt")


if __name__ == "__main__":
    main(sys.argv[1:])
