"""The grading command across runs: stale scores, resuming a killed run,
idempotent re-runs, and the Dask runner giving what the local one gives."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grading import grade_class
from autograder.limits import Limits
from autograder.nbgrader_run import nbgrader
from tests.grading.catalogue_01_sequences import MISTAKES
from tests.grading.harness import REPO, build_submission, reference_with
from tests.processes import become_subreaper, sandbox_processes

pytestmark = pytest.mark.slow
A = "01_sequences"
# a catalogued mistake worth 17 of 20 points: the pad_batch tests (3 points) fail
WRONG_PAD = next(v for v in MISTAKES if v.name == "pad_batch: inverted mask").cells["pad_batch"]


def _write_class(inbox, submissions):
    if inbox.exists():
        shutil.rmtree(inbox)
    for sid, nb in submissions.items():
        (inbox / sid / A).mkdir(parents=True)
        nbformat.write(nb, inbox / sid / A / f"{A}.ipynb")


def _without(nb, grade_id):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _scores(csv_path):
    with open(csv_path) as f:
        return {r["student_id"]: float(r["score"]) for r in csv.DictReader(f) if r["assignment"] == A}


def test_stock_nbgrader_keeps_a_deleted_cells_old_grade_and_this_command_does_not(tmp_path):
    first = reference_with(A, {})                                         # 20/20
    resubmission = _without(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch")   # honestly 17

    stock = tmp_path / "stock"
    (stock / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / A, stock / "solutions" / A)
    config = (REPO / "nbgrader_config.py").read_text().replace(
        "c.OverwriteCells.add_missing_cells = True", "c.OverwriteCells.add_missing_cells = False")
    (stock / "nbgrader_config.py").write_text(config)
    nbgrader(stock, "generate_assignment", A, "--force")
    for nb in (first, resubmission):
        _write_class(stock / "submitted", {"s1": nb})
        nbgrader(stock, "autograde", A, "--force")
    nbgrader(stock, "export", "--to", str(tmp_path / "stock.csv"))
    assert _scores(tmp_path / "stock.csv")["s1"] == 20, "stock nbgrader keeps the deleted cell's old 3 points"

    ours = tmp_path / "ours"
    for nb in (first, resubmission):
        _write_class(tmp_path / "inbox", {"s1": nb})
        summary = grade_class(A, tmp_path / "inbox", ours, tmp_path / "ours.csv", show_progress=False,
                              feedback=False)
    assert summary["students"]["s1"]["score"] == 17 == _scores(tmp_path / "ours.csv")["s1"]


def test_a_killed_run_resumes_without_losing_or_duplicating_and_reruns_are_idempotent(tmp_path):
    subs = {"ref": reference_with(A, {}), "released": build_submission(A, {}),
            "wrong": reference_with(A, {"pad_batch": WRONG_PAD}), "ref2": reference_with(A, {})}
    _write_class(tmp_path / "inbox", subs)
    workspace = tmp_path / "course"
    cmd = [sys.executable, "-m", "autograder", "grade", A, "--submissions", str(tmp_path / "inbox"),
           "--workspace", str(workspace), "--workers", "1", "--no-feedback"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    results = workspace / "jobs" / A
    deadline = time.time() + 300
    while time.time() < deadline and len(list(results.glob("*/*.result.json"))) < 1:
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)                       # killed halfway through the class
    proc.wait()
    done_before = len(list(results.glob("*/*.result.json")))
    assert 1 <= done_before < len(subs), "the kill should land mid-run"

    summary = grade_class(A, tmp_path / "inbox", workspace, tmp_path / "grades.csv", show_progress=False,
                          feedback=False)
    assert (summary["runs"]["executed"], summary["runs"]["reused"]) == (len(subs) - done_before, done_before)
    expected = {"ref": 20, "released": 0, "wrong": 17, "ref2": 20}
    assert _scores(tmp_path / "grades.csv") == expected
    with open(tmp_path / "grades.csv") as f:
        assert len([r for r in csv.DictReader(f) if r["assignment"] == A]) == len(subs)

    again = grade_class(A, tmp_path / "inbox", workspace, tmp_path / "again.csv", show_progress=False, feedback=False)
    assert (again["runs"]["executed"], again["runs"]["reused"]) == (0, len(subs))
    assert _scores(tmp_path / "again.csv") == expected


def test_dask_runner_gives_the_same_results_as_local_workers(tmp_path):
    from distributed import Client, LocalCluster

    subs = {"ref": reference_with(A, {}), "released": build_submission(A, {}),
            "wrong": reference_with(A, {"pad_batch": WRONG_PAD})}
    _write_class(tmp_path / "inbox", subs)
    local = grade_class(A, tmp_path / "inbox", tmp_path / "local", tmp_path / "local.csv", show_progress=False,
                        feedback=False, limits=Limits())
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = grade_class(A, tmp_path / "inbox", tmp_path / "dask", tmp_path / "dask.csv", show_progress=False,
                           feedback=False, scheduler=client)
    assert _scores(tmp_path / "local.csv") == _scores(tmp_path / "dask.csv") == {"ref": 20, "released": 0,
                                                                                 "wrong": 17}
    assert {s: i["status"] for s, i in local["students"].items()} == \
           {s: i["status"] for s, i in dask["students"].items()}
    autograded = [nbformat.read(Path(tmp_path / run / "autograded" / "wrong" / A / f"{A}.ipynb"), as_version=4)
                  for run in ("local", "dask")]
    outputs = [[c.get("outputs") for c in nb.cells if c.cell_type == "code"] for nb in autograded]
    assert outputs[0] == outputs[1], "the graded notebooks must be the same, output for output"
    # the class report reads the summary: the same test cell outcomes and misconceptions either way
    assert {s: i["cells"] for s, i in local["students"].items()} == {s: i["cells"] for s, i in dask["students"].items()}
    assert local["misconceptions"] == dask["misconceptions"] and local["misconceptions"], local["misconceptions"]
    assert local["students"]["wrong"]["cells"]["test_pad_batch"]["outcome"] == "failed"


def test_plain_sandboxes_from_an_lms_zip_export_through_the_command_line(tmp_path):
    """The fallback without namespaces (a grader without root), on an LMS export, as an instructor runs it.

    AUTOGRADER_SANDBOX=plain gives what a non-root machine gets: rlimits, time
    limits and process-group kills only. The limits must still hold and
    nothing the sandboxes started may outlive the command.
    """
    import json
    import zipfile

    from tests.test_autograder_adversarial import _with

    cases = {"alice": (reference_with(A, {}), 20, None),
             "bob": (_with("next_char_pairs", suffix="\nwhile True:\n    pass\n"), 20, "cell time limit"),
             "carol": (_with("ngram_autocomplete", suffix="\nimport os\nos._exit(1)\n"), 3, "kernel died")}
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as z:
        for sid, (nb, _, _) in cases.items():
            z.writestr(f"{sid}_1234_5678_{A}.ipynb", nbformat.writes(nb))
    become_subreaper()                   # what the command leaves behind stays below this process
    before = sandbox_processes()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", A, "--submissions", str(tmp_path / "export.zip"),
         "--workspace", str(tmp_path / "ws"), "--csv", str(tmp_path / "grades.csv"), "--cell-timeout", "10",
         "--no-feedback"],
        cwd=REPO, env=dict(os.environ, AUTOGRADER_SANDBOX="plain"), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    scores = _scores(tmp_path / "grades.csv")
    summary = json.loads((tmp_path / "ws" / f"summary_{A}.json").read_text())["students"]
    for sid, (_, most, reason) in cases.items():
        assert scores[sid] <= most, f"{sid}: {summary[sid]}"
        if reason:
            assert any(reason in r for r in summary[sid]["reasons"]), f"{sid}: {summary[sid]}"
    assert scores["alice"] == 20 and scores["bob"] == 20, summary
    report = tmp_path / "ws" / "reports" / A
    assert f"class report: {report / 'report.html'}" in proc.stdout, proc.stdout[-2000:]
    assert {p.name for p in report.iterdir()} == {"report.html", "items.csv", "misconceptions.csv", "unexpected.csv",
                                                  "students.csv"}
    time.sleep(1)
    left = sandbox_processes() - before
    assert not left, f"processes of the command's sandboxes outlived it: {sorted(left)}"


_KILL_WHILE_STARTING = """
import sys, time
from autograder.limits import Limits
from autograder.sandbox import Sandbox
from autograder.zygote import shared_zygote
from tests.processes import become_subreaper, sandbox_processes

become_subreaper()
shared_zygote(sys.argv[1])
before = sandbox_processes()
for delay in (0, 0.02, 0.1, 0.3, 0.5, 0.7):
    sandbox = Sandbox(Limits(), 0, [])
    time.sleep(delay)
    sandbox.kill()
    time.sleep(1)
    print(delay, sorted(sandbox_processes() - before), flush=True)
# and one left alone runs a notebook: a sandbox that dies at once would also leave nothing behind
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
status, text = Sandbox(Limits(), 0, []).run(nbformat.writes(nb))
print("RAN", status["status"], "42" in (text or ""), flush=True)
"""


@pytest.mark.parametrize("mode", ["plain", "user", "namespaces where the machine allows"])
def test_a_sandbox_killed_while_it_starts_leaves_no_process(tmp_path, mode):
    """A warm sandbox given back at the end of a run is killed at any moment of its start.

    Killed between forking its kernel and reporting the kernel's pid, it used
    to leave the kernel running (seen in CI as a process outliving the command).
    """
    env = dict(os.environ, AUTOGRADER_SANDBOX=mode) if mode in ("plain", "user") else \
        {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SANDBOX"}
    proc = subprocess.run([sys.executable, "-c", _KILL_WHILE_STARTING, str(tmp_path / "logs")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines and lines[-1] == "RAN ok True", \
        f"a sandbox must still run a notebook: {proc.stdout}{proc.stderr[-2000:]}"
    rounds = [line.split(" ", 1) for line in lines[:-1]]
    assert len(rounds) == 6, proc.stdout
    left = {delay: pids for delay, pids in rounds if pids != "[]"}
    assert not left, f"killed after these delays (s), a sandbox left processes behind: {left}"
