"""Benchmarks for the course: prints timings and ratios measured in one run.

    make bench

Not a test: the machine is shared and noisy, so only ratios within one run
mean much. Reports
  1. each notebook's run time under Jupyter (kernel start included) as a
     fraction of the 60 s budget a student's laptop gets;
  2. grading throughput through nbgrader (the `make grade` path): seconds
     per submission, and nbgrader's overhead over a bare notebook run;
  3. the torch track: packing a batch vs running each sequence alone;
  4. assignment 02's numpy forward + backward against torch.nn.RNN's, float64;
  5. the grading command against stock `nbgrader autograde` on the same 40
     submissions of assignment 01 (torch track included): same scores, and
     the ratio of wall times;
  6. topic 04's training times; what the namespaced sandbox costs over the plain one;
  7. assignment 05's graded findings over 20 seeds (`ONLY=calibration`): each seed's measured values
     against the recorded ones, and the margin to every threshold (the suite checks 4 seeds);
  8. the figures quoted in the lectures' exercise answers (`ONLY=exercises`: tests/bench/exercise_answers.py).
"""

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from tests.grading.harness import grade_class, reference_with  # noqa: E402
from tests.grading.harness import solution_cells as solution_cells_of  # noqa: E402
from tests.notebooks import LECTURES, REPO, SOLUTIONS, execute, namespace  # noqa: E402

BUDGET_S = 60.0


def bench_notebooks():
    print("1. notebook run times (Jupyter kernel, start included)")
    times = {}
    for path in LECTURES + SOLUTIONS:
        _, seconds = execute(path, timeout=120)
        times[path] = seconds
        print(f"   {str(path.relative_to(REPO)):50s} {seconds:6.1f} s   {seconds / BUDGET_S:5.2f} of the budget")
    return times


def bench_grading(times, copies=4):
    print(f"2. grading {copies} submissions per assignment through nbgrader (sequential)")
    for source in SOLUTIONS:
        assignment = source.parent.name
        subs = {f"student{i:02d}": reference_with(assignment, {}) for i in range(copies)}
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = grade_class(tmp, assignment, subs)
            seconds = time.perf_counter() - start
        full = sum(score == top for score, top in result.scores.values())
        per = seconds / copies
        print(f"   {assignment}: {seconds:.1f} s in all, {per:.1f} s per submission "
              f"({full}/{copies} full marks); {per / times[source]:.2f}x a bare run of the notebook")


def bench_packing(repeats=5):
    print("3. torch track on the CPU: last state of 64 sequences (T <= 100, D=32, H=256)")
    torch.manual_seed(0)
    torch.set_num_threads(2)
    rnn = torch.nn.RNN(32, 256, batch_first=True)
    lengths = torch.randint(10, 101, (64,))
    seqs = [torch.randn(int(t), 32) for t in lengths]
    padded = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)

    def packed():
        pack = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        return rnn(pack)[1][-1]

    def one_by_one():
        return torch.stack([rnn(s[None])[1][-1, 0] for s in seqs])

    timings = {}
    with torch.no_grad():
        for name, fn in [("packed batch", packed), ("one sequence at a time", one_by_one)]:
            fn()
            start = time.perf_counter()
            for _ in range(repeats):
                out = fn()
            timings[name] = (time.perf_counter() - start) / repeats
            print(f"   {name:24s} {timings[name] * 1e3:8.1f} ms")
        assert torch.allclose(packed(), one_by_one(), atol=1e-5), out
    print(f"   packing is {timings['one sequence at a time'] / timings['packed batch']:.1f}x faster")


def _best_of(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_bptt(repeats=7):
    import numpy as np

    N, T, D, H = 32, 50, 64, 128
    print(f"4. assignment 02: forward + backward through time, float64, N={N} T={T} D={D} H={H}, 2 threads")
    with contextlib.redirect_stdout(io.StringIO()):
        sol = namespace(REPO / "solutions" / "02_elman" / "02_elman.ipynb", skip=("train_memory_model",))
    rng = np.random.default_rng(0)
    X, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    U, W, b = rng.normal(size=(H, D)) * 0.1, rng.normal(size=(H, H)) * 0.1, rng.normal(size=H) * 0.1
    dH = rng.normal(size=(N, T, H))

    def numpy_step():
        Hs, cache = sol["rnn_forward"](X, h0, U, W, b)
        sol["rnn_backward"](dH, cache)

    rnn = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    Xt, h0t, dHt = torch.from_numpy(X).requires_grad_(), torch.from_numpy(h0)[None], torch.from_numpy(dH)

    def torch_step():
        rnn.zero_grad()
        out, _ = rnn(Xt, h0t)
        out.backward(dHt)

    t_np, t_torch = _best_of(numpy_step, repeats), _best_of(torch_step, repeats)
    print(f"   numpy reference   {t_np * 1e3:8.2f} ms")
    print(f"   torch.nn.RNN      {t_torch * 1e3:8.2f} ms")
    print(f"   numpy / torch = {t_np / t_torch:.2f}")


def bench_autograder(n=40, assignment="01_sequences"):
    import csv
    import functools
    import shutil
    import subprocess

    import nbformat

    from autograder.grading import grade_class
    from tests.grading.catalogue_01_sequences import MISTAKES
    from tests.grading.harness import REPO as repo

    print(f"5. grading {n} submissions of {assignment}: stock nbgrader autograde vs this command")
    slow = reference_with(assignment, {"next_char_pairs": "import time\ntime.sleep(3)\n"
                                       + solution_cells_of(assignment)["next_char_pairs"]})
    kinds = [reference_with(assignment, {}), slow] + [reference_with(assignment, v.cells) for v in MISTAKES]
    subs = {f"s{i:03d}": kinds[i % len(kinds)] for i in range(n)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for sid, nb in subs.items():
            (tmp / "inbox" / sid / assignment).mkdir(parents=True)
            nbformat.write(nb, tmp / "inbox" / sid / assignment / f"{assignment}.ipynb")
        stock = tmp / "stock"
        (stock / "solutions").mkdir(parents=True)
        shutil.copytree(repo / "solutions" / assignment, stock / "solutions" / assignment)
        shutil.copy2(repo / "nbgrader_config.py", stock)
        # stock: nbgrader's own console script, exactly as an instructor runs it
        stock_nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
        env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
        run = functools.partial(subprocess.run, cwd=stock, env=env, check=True, capture_output=True)
        run(stock_nbgrader + ["generate_assignment", assignment, "--force"])
        shutil.copytree(tmp / "inbox", stock / "submitted")
        start = time.perf_counter()
        run(stock_nbgrader + ["autograde", assignment, "--force"])
        t_stock = time.perf_counter() - start
        run(stock_nbgrader + ["export", "--to", str(tmp / "stock.csv")])
        start = time.perf_counter()
        summary = grade_class(assignment, tmp / "inbox", tmp / "ours", tmp / "ours.csv", feedback=False,
                              show_progress=False)
        t_ours = time.perf_counter() - start
        with open(tmp / "stock.csv") as f:
            stock_scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
        ours = {sid: info["score"] for sid, info in summary["students"].items()}
    floor = execute(REPO / "solutions" / assignment / f"{assignment}.ipynb")[1]
    print(f"   stock nbgrader autograde   {t_stock:7.1f} s  ({t_stock / n:.2f} s per submission)")
    print(f"   this command ({os.cpu_count()} workers)  {t_ours:7.1f} s  ({t_ours / n:.2f} s per submission)")
    print(f"   floor: a bare run of the reference notebook takes {floor:.2f} s; "
          f"this command's per-submission time is {t_ours / n / floor:.2f}x the floor")
    print("   this command's steps (s): " + ", ".join(f"{k} {v}" for k, v in summary["runs"]["seconds"].items()))
    print(f"   scores identical: {stock_scores == ours}; speed-up {t_stock / t_ours:.2f}x")
    if stock_scores != ours:
        diff = {k: (stock_scores.get(k), ours.get(k)) for k in set(stock_scores) | set(ours)
                if stock_scores.get(k) != ours.get(k)}
        print(f"   differences (stock, ours): {diff}")


def bench_hello():
    print("6. topic 04 on the CPU: numpy training to 'hello' (target <= 5 s), torch char-RNN, 300 steps (<= 30 s)")
    with contextlib.redirect_stdout(io.StringIO()):
        sol = namespace(REPO / "solutions" / "04_hello" / "04_hello.ipynb",
                        skip=("train_hello_demo", "train_hello_torch", "train_corpus"))
    start = time.perf_counter()
    sol["train_hello"]()
    print(f"   train_hello (numpy, 200 steps)      {time.perf_counter() - start:6.2f} s")
    from rnncourse.text import make_greetings

    text = make_greetings(400, seed=0)           # the corpus the solution notebook trains on
    _, idx_to_char = sol["build_vocab"](text)
    torch.manual_seed(0)
    model = sol["CharRNN"](len(idx_to_char), 64)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        losses = sol["train_char_model"](model, text, 300, torch.device("cpu"))
    tail = sum(losses[-20:]) / 20 if losses else float("nan")
    print(f"   train_char_model (torch, 300 steps) {time.perf_counter() - start:6.2f} s, "
          f"final loss {tail:.3f} nats/char")


def bench_isolation(runs=10):
    """What the namespaced sandbox (own root, read-only, nobody, cgroups) costs over the plain one."""
    import nbformat

    from autograder.limits import Limits
    from autograder.sandbox import Sandbox
    from autograder.zygote import close_shared_zygote

    print(f"7. one sandbox start, run and teardown of a one-cell notebook (median of {runs}), per mode")
    nb = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))
    medians = {}
    previous = os.environ.get("AUTOGRADER_SANDBOX")
    try:
        for mode in ("namespaced", "plain"):
            if mode == "plain":
                os.environ["AUTOGRADER_SANDBOX"] = "plain"
            close_shared_zygote()
            Sandbox(Limits(), "bench-warm", []).run(nb)        # start this mode's zygote
            times = []
            for i in range(runs):
                start = time.perf_counter()
                Sandbox(Limits(), f"bench{i}", []).run(nb)
                times.append(time.perf_counter() - start)
            medians[mode] = sorted(times)[runs // 2]
            print(f"   {mode:10s} {medians[mode]:.3f} s")
    finally:
        close_shared_zygote()
        if previous is None:
            os.environ.pop("AUTOGRADER_SANDBOX", None)
        else:
            os.environ["AUTOGRADER_SANDBOX"] = previous
    print(f"   the isolation costs {medians['namespaced'] - medians['plain']:+.3f} s per submission "
          f"({medians['namespaced'] / medians['plain']:.2f}x the plain sandbox)")


def bench_calibration():
    """Assignment 05's graded findings over all 20 recorded seeds (the suite checks the first few)."""
    from tests.test_solutions_05 import MARGIN, MEASURED, SOLUTION, THRESHOLDS, _measure

    print("7. assignment 05's findings over 20 seeds: recorded values and margins to the graded thresholds")
    with contextlib.redirect_stdout(io.StringIO()):       # the notebook's own prints
        sol = namespace(SOLUTION)
    worst = {}
    for seed in sorted(MEASURED):
        for i, model in enumerate(("linear", "cnn")):
            got = _measure(sol, seed, model)
            recorded = MEASURED[seed][4 * i:4 * i + 4]
            low_b, high_b, high_a, low_a = THRESHOLDS[model]
            margins = [got[0] - low_b, high_b - got[1], high_a - got[2], got[3] - low_a]
            drift = max(abs(g - r) for g, r in zip(got, recorded, strict=True))
            worst[model] = min(worst.get(model, 1.0), min(margins))
            flag = "" if min(margins) >= MARGIN and drift <= (0.0015 if model == "linear" else 0.05) else "  <-- check"
            print(f"  seed {seed:2d} {model:6s} measured {[round(g, 3) for g in got]}  smallest margin "
                  f"{min(margins):.3f}  drift from recorded {drift:.3f}{flag}")
    print("  smallest margin per model (required {:.1f}): ".format(MARGIN)
          + ", ".join(f"{m} {v:.3f}" for m, v in worst.items()))


def synthetic_summary(assignment, n, seed=0):
    """A graded class of n made-up students for one assignment: its real test cells and points, and its real
    misconceptions, each failed cell naming one (or two, or none) of those of its function."""
    import nbformat
    import numpy as np

    from answer_key.misconceptions import function_of
    from rnncourse import misconceptions

    rng = np.random.default_rng(seed)
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    functions = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    cells = [(c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"]["points"])) for c in nb.cells
             if c.metadata.get("nbgrader", {}).get("grade")]
    by_function = {}
    for entry in misconceptions.registry(assignment)["misconceptions"].values():
        found = misconceptions.lookup(assignment, entry["description"], "test_" + entry["function"])
        by_function.setdefault(found["function"], []).append(found)
    ability = rng.normal(size=n)
    students = {}
    for i in range(n):
        graded = {}
        for grade_id, points in cells:
            known = by_function.get(function_of(grade_id, functions), [])
            passed = rng.random() < 1 / (1 + np.exp(-(ability[i] + 1.0)))
            outcome = "passed" if passed else str(rng.choice(["failed"] * 12 + ["timeout", "not attempted"]))
            named = [] if outcome != "failed" or not known else \
                [known[j] for j in rng.choice(len(known), size=min(len(known), int(rng.choice([0, 1, 1, 1, 2]))),
                                              replace=False)]
            graded[grade_id] = {"points": points if passed else 0.0, "max": points, "outcome": outcome,
                                "check": f"{grade_id}/check{int(rng.integers(3))}", "misconceptions": named}
        students[f"student{i:05d}"] = {"score": sum(c["points"] for c in graded.values()),
                                       "max_score": sum(p for _, p in cells), "status": "graded", "cells": graded}
    from autograder.analytics import compact

    return {"assignment": assignment, "students": students, "misconceptions": compact(students)}


def bench_report(n=10_000):
    """The class report on a synthetic class of n submissions (issue: under 10 s for 10,000)."""
    import json
    import tempfile

    from autograder import layout
    from autograder.report import assignment_report, course_report

    print(f"8. the class report for {n:,} synthetic submissions (target: under 10 s)")
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in layout.assignments():
            (Path(tmp) / f"summary_{assignment}.json").write_text(json.dumps(synthetic_summary(assignment, n)))
            start, cpu = time.perf_counter(), time.process_time()
            assignment_report(tmp, assignment)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"   {assignment}: {seconds:5.2f} s wall, {cpu:5.2f} s CPU  ({seconds / 10:.2f} of the 10 s budget)")
        start, cpu = time.perf_counter(), time.process_time()
        course_report(tmp)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"   --all across the {len(layout.assignments())} assignments: {seconds:5.2f} s wall, {cpu:5.2f} s CPU")


SECTIONS = {"notebooks": None, "grading": None, "packing": bench_packing, "bptt": bench_bptt,
            "autograder": bench_autograder, "hello": bench_hello, "isolation": bench_isolation,
            "calibration": bench_calibration, "report": bench_report, "exercises": None}

if __name__ == "__main__":
    # `make bench ONLY=bptt` runs one section; the grading section needs the notebook times.
    only = sys.argv[1:] or list(SECTIONS)
    times = bench_notebooks() if {"notebooks", "grading"} & set(only) else {}
    if "grading" in only:
        bench_grading(times)
    for name in only:
        if SECTIONS.get(name):
            SECTIONS[name]()
    if "exercises" in only:
        from tests.bench.exercise_answers import main as exercise_answers

        exercise_answers()
