"""Hostile submissions against the grader's trust boundaries (assignment 01, one class, then a second run).

Honest students are graded before, between and after the hostile ones, and again in a second run on the same
machine: each must keep full marks. Each hostile case must gain nothing, and where it says so, leave a reason.
"""

import os
import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.grading import grade_class
from autograder.limits import Limits
from autograder.sandbox import namespaced
from autograder.zygote import close_shared_zygote
from tests.grading.catalogue_01_sequences import MISTAKES
from tests.grading.harness import REPO, reference_with, solution_cells

pytestmark = pytest.mark.slow
A = "01_sequences"
LIMITS = Limits(cell_timeout=20, notebook_timeout=120, memory_mb=2048, disk_mb=256)
REF = solution_cells(A)
SECRET = "grader-secret-5f1c9e"
SHM_NAME = "autograder_hardening_leak"
# pad_batch wrong: its tests (3 points) fail, so these cases are worth at most 17
WRONG_PAD = next(v for v in MISTAKES if v.name == "pad_batch: inverted mask").cells["pad_batch"]
HIDDEN_LINE = "rng_hidden = np.random.default_rng(101)"     # a line of test_pad_batch's hidden part


def _with_pad(extra):
    return reference_with(A, {"pad_batch": WRONG_PAD + "\n" + extra})


def _with_markdown(nb, text):
    nb.cells.insert(3, nbformat.v4.new_markdown_cell(text))
    return nb


CASES = {
    # the grader's environment never reaches a kernel
    "reads_environment": (_with_pad("import os\nprint('ENV', dict(os.environ))\n"), 17),
    # results are what the executor sends on its socket: files in the kernel's folder are not read
    "forges_result_files": (_with_pad(
        "import json, os\n"
        "open('result.json', 'w').write(json.dumps({'status': 'ok'}))\n"
        "os.mkfifo('out.ipynb')\n"
        "print('FORGED', sorted(os.listdir('.')))\n"), 17),
    # the executor cannot be traced or read by the kernel (same user, but not dumpable)
    "reads_executor_memory": (_with_pad(
        "import os\n"
        "try:\n"
        "    _start = int(open(f'/proc/{os.getppid()}/maps').readline().split('-')[0], 16)\n"
        "    with open(f'/proc/{os.getppid()}/mem', 'rb') as _mem:\n"
        "        _mem.seek(_start)\n"
        "        _mem.read(1)\n"
        "    print('EXECUTOR MEMORY OPENED')\n"
        "except OSError as exc:\n"
        "    print('EXECUTOR MEMORY DENIED', type(exc).__name__)\n"), 17),
    # killing the executor ends the run (or, in a PID namespace, where it is PID 1, is ignored): no gain
    "kills_executor": (_with_pad("import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(1)\n"
                                 "print('KILL SENT AND STILL RUNNING')\n"), 17),
    # the filesystem is read-only but for the sandbox's own folder, /tmp and /dev/shm: no .pth in the
    # virtualenv, no new module in the course library or the standard library, no change to its limits
    "writes_everywhere": (_with_pad(
        "import os, site\n"
        "for _t in [site.getsitepackages()[0] + '/zz_hardening.pth', os.path.dirname(os.__file__) + '/zz_h.py',\n"
        f"           {str(REPO / 'rnncourse' / 'zz_hardening.py')!r}, {str(REPO / 'zz_hardening')!r},\n"
        "           '/sys/fs/cgroup/pids/zz_hardening', '/sys/fs/cgroup/memory/memory.limit_in_bytes']:\n"
        "    try:\n"
        "        open(_t, 'w').write('import os')\n"
        "        print('WROTE', _t)\n"
        "    except OSError as _e:\n"
        "        print('REFUSED', _t, type(_e).__name__)\n"), 17),
    # it sees only the system, the interpreter, the virtualenv and the student package, as nobody
    "looks_around": (_with_pad(
        "import os, tempfile\n"
        "print('UID', os.getuid())\n"
        f"_repo = {str(REPO)!r}\n"
        "print('REPO', sorted(n for n in os.listdir(_repo) if not n.startswith('.') or n == '.venv')"
        " if os.path.isdir(_repo) else None)\n"
        f"print('HOST TMP', os.path.exists({str(Path(tempfile.gettempdir()) / 'autograder-sandboxes')!r}))\n"
        "print('GIT', os.path.exists(os.path.join(_repo, '.git')))\n"
        "print('DEV', sorted(os.listdir('/dev')))\n"), 17),
    # what it writes is capped in all (its folder is a tmpfs of disk_mb)
    "fills_disk": (_with_pad(
        "_n = 0\n"
        "try:\n"
        "    with open('big.bin', 'wb') as _f:\n"
        "        for _n in range(1, 2049):\n"
        "            _f.write(b'x' * 2**20)\n"
        "            _f.flush()\n"
        "except OSError as _e:\n"
        "    print('DISK FULL after', _n, 'MB', type(_e).__name__)\n"
        "else:\n"
        "    print('WROTE ALL', _n, 'MB')\n"
        "import os\n"
        "os.remove('big.bin')\n"), 17),
    # memory is limited for all the submission's processes together, not per process
    "memory_in_many_processes": (_with_pad(
        "import os, time\n"
        "print('FORKING', flush=True)\n"
        "_kids = []\n"
        "for _ in range(3):\n"
        "    _pid = os.fork()\n"
        "    if _pid == 0:\n"
        "        _hog = bytearray(1200 * 2**20)\n"
        "        time.sleep(3)\n"
        "        os._exit(0)\n"
        "    _kids.append(_pid)\n"
        "print('CHILDREN', [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in _kids])\n"), 17),
    # POSIX shared memory stays inside the sandbox
    "leaves_shared_memory": (_with_pad(
        "from multiprocessing import shared_memory\n"
        f"_keep = shared_memory.SharedMemory(name={SHM_NAME!r}, create=True, size=4096)\n"
        "_keep.buf[:4] = b'leak'\n"
        "print('SHARED MEMORY CREATED', _keep.name)\n"), 17),
    # feedback never runs submitted script, and never shows hidden-test source the submission printed
    "submits_script": (_with_markdown(_with_pad(
        "from IPython.display import HTML, display\n"
        "display(HTML('<script>alert(\"from-output\")</script>'))\n"),
        "<script>alert('from-markdown')</script> my notes"), 17),
    "prints_hidden_tests": (reference_with(A, {"pad_batch": WRONG_PAD.replace(
        "def pad_batch(sequences, pad_value=0):",
        "def pad_batch(sequences, pad_value=0):\n"
        "    import linecache, sys\n"
        "    _caller = sys._getframe(1).f_code.co_filename\n"
        "    print('LEAK', ''.join(linecache.getlines(_caller)))")}), 17),
}


def _write(inbox, student, nb):
    folder = inbox / student / A
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{A}.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hardening")
    inbox = tmp / "inbox"
    honest = reference_with(A, {})
    _write(inbox, "aa_honest_first", honest)
    for i, (student, (nb, _)) in enumerate(sorted(CASES.items())):
        _write(inbox, student, nb)
        if i == len(CASES) // 2:
            _write(inbox, "mm_honest_middle", honest)
    _write(inbox, "zz_honest_last", honest)
    # links are never followed: a notebook linked to the solution, a student folder linked to another's
    (inbox / "links_to_solution" / A).mkdir(parents=True)
    (inbox / "links_to_solution" / A / f"{A}.ipynb").symlink_to(REPO / "solutions" / A / f"{A}.ipynb")
    (inbox / "links_to_classmate").symlink_to(inbox / "aa_honest_first")
    Path(f"/dev/shm/{SHM_NAME}").unlink(missing_ok=True)
    os.environ["AUTOGRADER_TEST_SECRET"] = SECRET
    close_shared_zygote()                  # a zygote started now sees the secret in the grader's environment
    try:
        summary = grade_class(A, inbox, tmp / "course", tmp / "grades.csv", limits=LIMITS, show_progress=False)
        second_inbox = tmp / "second"
        _write(second_inbox, "next_run_honest", honest)
        second = grade_class(A, second_inbox, tmp / "course2", tmp / "grades2.csv", limits=LIMITS,
                             show_progress=False)
    finally:
        os.environ.pop("AUTOGRADER_TEST_SECRET", None)
        close_shared_zygote()
    return summary, second, tmp


def _outputs(tmp, student):
    """All output text of the autograded notebook (not its source)."""
    path = tmp / "course" / "autograded" / student / A / f"{A}.ipynb"
    if not path.exists():
        return ""
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") + out.get("evalue", "") + str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def _feedback(tmp, student):
    return (tmp / "course" / "feedback" / student / A / f"{A}.html").read_text()


def test_honest_students_before_between_after_and_in_the_next_run_get_full_marks(graded):
    summary, second, _ = graded
    for student in ("aa_honest_first", "mm_honest_middle", "zz_honest_last"):
        assert summary["students"][student]["score"] == 20, summary["students"][student]
    assert second["students"]["next_run_honest"]["score"] == 20, second["students"]


@pytest.mark.parametrize("student", sorted(CASES))
def test_hostile_case_gains_nothing(graded, student):
    info = graded[0]["students"][student]
    assert info["score"] <= CASES[student][1], f"{student}: {info}"


@pytest.mark.parametrize("student", sorted(CASES))
def test_hostile_case_loses_no_more_than_its_mistake_without_a_reason(graded, student):
    """Below the points its honest content earns (17: only pad_batch is wrong), a case is told why."""
    info = graded[0]["students"][student]
    assert info["score"] == CASES[student][1] or info["reasons"], f"{student}: a silent loss: {info}"


def test_the_grader_environment_does_not_reach_the_kernel(graded):
    _, _, tmp = graded
    text = _outputs(tmp, "reads_environment")
    assert "ENV" in text, "the case did not run"
    assert SECRET not in text and SECRET not in _feedback(tmp, "reads_environment")


def test_result_files_in_the_kernel_folder_are_not_trusted(graded):
    info = graded[0]["students"]["forges_result_files"]
    assert "FORGED" in _outputs(graded[2], "forges_result_files"), "the case did not write its forged files"
    assert info["status"] == "graded" and info["score"] == 17, info


def test_the_kernel_cannot_read_the_executor(graded):
    if not namespaced():
        pytest.skip("without namespaces a root kernel keeps the capability to trace (run the grader unprivileged)")
    text = _outputs(graded[2], "reads_executor_memory")
    assert "EXECUTOR MEMORY DENIED" in text and "EXECUTOR MEMORY OPENED" not in text, text[-500:]


def test_killing_the_executor_is_refused_or_reported(graded):
    info = graded[0]["students"]["kills_executor"]
    if namespaced():       # the executor is PID 1 of the sandbox's namespace: a signal from inside is ignored
        assert info["status"] == "graded" and info["score"] == 17, info
        assert "KILL SENT AND STILL RUNNING" in _outputs(graded[2], "kills_executor"), "the case did not run"
    else:
        assert info["status"] != "graded" and info["reasons"], info


def test_shared_memory_does_not_outlive_the_sandbox(graded):
    if not namespaced():
        pytest.skip("a private /dev/shm needs the namespaced sandbox")
    assert f"SHARED MEMORY CREATED {SHM_NAME}" in _outputs(graded[2], "leaves_shared_memory"), "the case did not run"
    assert not Path(f"/dev/shm/{SHM_NAME}").exists()


def test_feedback_runs_no_submitted_script(graded):
    graded_nb = nbformat.read(graded[2] / "course" / "autograded" / "submits_script" / A / f"{A}.ipynb", as_version=4)
    html_outputs = [str(out.get("data", {}).get("text/html", "")) for cell in graded_nb.cells
                    for out in cell.get("outputs", [])]
    assert any('alert("from-output")' in h for h in html_outputs), "the graded notebook holds no script to keep out"
    html = _feedback(graded[2], "submits_script")
    assert "my notes" in html
    assert "<script>alert" not in html


def test_feedback_shows_no_hidden_test_line_a_submission_printed(graded):
    _, _, tmp = graded
    source = next(c.source for c in nbformat.read(REPO / "solutions" / A / f"{A}.ipynb", as_version=4).cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test_pad_batch")
    assert HIDDEN_LINE in source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0], \
        f"{HIDDEN_LINE!r} is no longer a line of test_pad_batch's hidden part: pick another"
    printed = _outputs(tmp, "prints_hidden_tests")
    assert "LEAK" in printed and HIDDEN_LINE in printed, "the case did not print the hidden test's source"
    html = _feedback(tmp, "prints_hidden_tests")
    assert "LEAK" in html and HIDDEN_LINE not in html
    assert "a line of a hidden test was removed" in html


def test_links_are_not_followed(graded):
    students = graded[0]["students"]
    for student in ("links_to_solution", "links_to_classmate"):
        info = students[student]
        assert info["score"] == 0, info
        assert any("symbolic link" in r for r in info["reasons"]), info


def test_nothing_outside_the_sandbox_folder_can_be_written(graded):
    if not namespaced():
        pytest.skip("a read-only filesystem needs the namespaced sandbox")
    text = _outputs(graded[2], "writes_everywhere")
    assert text.count("REFUSED") == 6 and "WROTE" not in text, text[-1500:]
    import site
    assert not Path(site.getsitepackages()[0], "zz_hardening.pth").exists()
    assert not (REPO / "rnncourse" / "zz_hardening.py").exists() and not (REPO / "zz_hardening").exists()


def test_disk_use_is_capped(graded):
    if not namespaced():
        pytest.skip("the disk quota needs the namespaced sandbox (its folder is a tmpfs)")
    text = _outputs(graded[2], "fills_disk")
    assert "DISK FULL after" in text, text[-500:]
    written = int(text.split("DISK FULL after")[1].split()[0])
    assert written <= LIMITS.disk_mb, text


def test_memory_is_limited_for_all_processes_together(graded):
    if not namespaced():
        pytest.skip("a memory limit per submission needs the namespaced sandbox (a memory cgroup)")
    text = _outputs(graded[2], "memory_in_many_processes")
    info = graded[0]["students"]["memory_in_many_processes"]
    assert "FORKING" in text, ("the case did not run", text[-500:], info)
    # three children of 1.2 GB each do not fit in 2 GB: at least one is killed (a non-zero status), or the
    # submission is stopped (the children stall at the limit until the cell's time runs out, or the kernel dies)
    children = re.search(r"CHILDREN \[([^\]]*)\]", text)
    if children:
        assert any(int(code) != 0 for code in children.group(1).split(",")), (text[-500:], info)
    else:
        stopped = ("cell time limit", "memory limit", "kernel died")
        assert any(s in r for r in info["reasons"] for s in stopped), (text[-500:], info)


def test_the_sandbox_sees_only_its_allow_list_and_runs_unprivileged(graded):
    if not namespaced():
        pytest.skip("a root of its own needs the namespaced sandbox")
    text = _outputs(graded[2], "looks_around")
    assert "UID 65534" in text, text[-800:]
    assert "REPO ['rnncourse']" in text or "REPO ['.venv', 'rnncourse']" in text \
        or "REPO ['rnncourse', '.venv']" in text, text[-800:]
    assert "HOST TMP False" in text and "GIT False" in text, text[-800:]
    # its own /dev: the device nodes a kernel needs and the usual links, none of the host's disks or sockets
    devices = text.split("DEV ")[1].splitlines()[0]
    assert devices == str(sorted(["fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "tty",
                                  "urandom", "zero"])), devices


_SPIN_IN_TWO_PROCESSES = """
import os, time
def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
_kids = []
for _ in range(2):
    _pid = os.fork()
    if _pid == 0:
        _spin(5)
        os._exit(0)
    _kids.append(_pid)
for _pid in _kids:
    os.waitpid(_pid, 0)
print("BOTH FINISHED")
"""


def test_cpu_time_is_limited_for_all_processes_together():
    """Two processes of 5 s CPU each stay under a per-process limit of 6 s; together they pass it."""
    if not namespaced():
        pytest.skip("a CPU limit per submission needs the namespaced sandbox (a cpuacct cgroup)")
    from autograder.sandbox import Sandbox

    cells = [nbformat.v4.new_code_cell(_SPIN_IN_TWO_PROCESSES)]
    status, text = Sandbox(Limits(cpu_seconds=6, notebook_timeout=60), 0, []).run(
        nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    assert status["status"] == "cpu limit", status
    assert "6 s of CPU time" in status["reason"], status
    # the same work under a budget it fits in runs to the end
    status, text = Sandbox(Limits(cpu_seconds=30, notebook_timeout=60), 0, []).run(
        nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    assert status["status"] == "ok" and "BOTH FINISHED" in text, status


# ---------------------------------------------------------------- without root: user namespaces

USERNS_CASES = ("writes_everywhere", "looks_around", "leaves_shared_memory", "reads_environment", "fills_disk")


@pytest.fixture(scope="module")
def graded_in_user_namespaces(tmp_path_factory):
    """The same grader as an unprivileged user would run it (AUTOGRADER_SANDBOX=user makes root do so too)."""
    tmp = tmp_path_factory.mktemp("userns")
    inbox = tmp / "inbox"
    _write(inbox, "aa_honest_first", reference_with(A, {}))
    for student in USERNS_CASES:
        _write(inbox, student, CASES[student][0])
    _write(inbox, "zz_honest_last", reference_with(A, {}))
    Path(f"/dev/shm/{SHM_NAME}").unlink(missing_ok=True)
    os.environ.update(AUTOGRADER_SANDBOX="user", AUTOGRADER_TEST_SECRET=SECRET)
    close_shared_zygote()
    try:
        from autograder.sandbox import isolation

        if isolation() != "user":
            pytest.skip("this kernel does not allow unprivileged user namespaces")
        summary = grade_class(A, inbox, tmp / "course", tmp / "grades.csv", limits=LIMITS, show_progress=False)
    finally:
        os.environ.pop("AUTOGRADER_SANDBOX", None)
        os.environ.pop("AUTOGRADER_TEST_SECRET", None)
        close_shared_zygote()
    return summary, tmp


def test_without_root_user_namespaces_keep_the_filesystem_and_the_grader_out_of_reach(graded_in_user_namespaces):
    summary, tmp = graded_in_user_namespaces
    students = summary["students"]
    assert students["aa_honest_first"]["score"] == students["zz_honest_last"]["score"] == 20, students
    for student in USERNS_CASES:
        assert students[student]["score"] <= CASES[student][1], (student, students[student])
    assert summary["sandbox"].startswith("sandboxes in user namespaces") and "per process" in summary["sandbox"]
    written = _outputs(tmp, "writes_everywhere")
    assert written.count("REFUSED") == 6 and "WROTE" not in written, written[-1500:]
    seen = _outputs(tmp, "looks_around")
    assert "REPO ['rnncourse']" in seen or "REPO ['.venv', 'rnncourse']" in seen, seen[-800:]
    assert "HOST TMP False" in seen and "GIT False" in seen, seen[-800:]
    assert "'log'" not in seen.split("DEV ")[1].splitlines()[0] and "'vda'" not in seen, seen[-800:]
    assert f"SHARED MEMORY CREATED {SHM_NAME}" in _outputs(tmp, "leaves_shared_memory")
    assert not Path(f"/dev/shm/{SHM_NAME}").exists()
    assert "ENV" in _outputs(tmp, "reads_environment") and SECRET not in _outputs(tmp, "reads_environment")
    assert "DISK FULL after" in _outputs(tmp, "fills_disk")
