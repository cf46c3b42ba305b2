"""The grading command against hostile and broken submissions (assignment 01).

One class is graded once: the reference, and one submission per case. Each
case must get a score no higher than its honest content deserves, a clear
reason, and leave every other submission's score untouched.
"""

import nbformat
import pytest

from autograder.grading import grade_class
from autograder.limits import Limits
from autograder.sandbox import namespaced
from tests.conftest import ADVERSARIAL_OUTCOMES
from tests.grading.catalogue_01_sequences import MISTAKES
from tests.grading.harness import REPO, reference_with, solution_cells

pytestmark = pytest.mark.slow
A = "01_sequences"
LIMITS = Limits(cell_timeout=10, notebook_timeout=120)
REF = solution_cells(A)


def _with(grade_id, prefix="", suffix=""):
    """The reference with code added before/after one solution cell's own code."""
    return reference_with(A, {grade_id: prefix + REF[grade_id] + suffix})


def _drop_cell(nb, grade_id):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _edit_cell(nb, grade_id, **changes):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            for key, value in changes.items():
                if key == "source":
                    c.source = value
                elif key == "cell_type":
                    c.cell_type = value
                    c.pop("outputs", None)
                    c.pop("execution_count", None)
                else:
                    c.metadata["nbgrader"][key] = value
    return nb


# a catalogued mistake worth 17 of 20 points: the pad_batch tests (3 points) fail
WRONG_PAD = next(v for v in MISTAKES if v.name == "pad_batch: inverted mask").cells["pad_batch"]

# student id -> (notebook or raw bytes or None for no notebook, most points allowed, text the reasons must contain)
CASES = {
    "infinite_loop": (_with("next_char_pairs", suffix="\nwhile True:\n    pass\n"), 20, "cell time limit"),
    "loop_in_function": (_with("next_char_pairs", prefix="def _spin():\n    while True:\n        pass\n",
                               suffix="\n_real = next_char_pairs\ndef next_char_pairs(text, context):\n"
                                      "    _spin()\n"), 17, "cell time limit"),
    "memory_bomb": (_with("pad_batch", prefix="_hog = np.ones(100 * 2**30 // 8)\n"), 20, ""),
    "memory_bomb_in_test": (_with("pad_batch", suffix="\n_pad = pad_batch\ndef pad_batch(*a, **k):\n"
                                  "    np.ones(100 * 2**30 // 8)\n"), 17, ""),
    # the tests before the bomb ran honestly (10 points); none after it may count
    "fork_bomb": (_with("unroll", suffix="\nimport os\nwhile True:\n    os.fork()\n"), 10, "processes"),
    "os_exit": (_with("ngram_autocomplete", suffix="\nimport os\nos._exit(1)\n"), 3, "kernel died"),
    "segfault": (_with("ngram_autocomplete", suffix="\nimport ctypes\nctypes.string_at(0)\n"), 3, "kernel died"),
    "huge_output": (_with("next_char_pairs", suffix="\nfor _ in range(8):\n    print('x' * 10**8)\n"), 20, ""),
    "malformed_json": (b'{"cells": [ this is not json', 0, "malformed notebook"),
    "missing_notebook": (None, 0, "missing notebook"),
    "deleted_test_cell": (_drop_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch"), 17, ""),
    "edited_test_cell": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                    source="pass"), 17, ""),
    "retyped_test_cell": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                     cell_type="markdown"), 17, ""),
    "edited_metadata": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                   grade=False, points=0), 17, ""),
    "patched_library": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport rnncourse.checks\n"
                                           "rnncourse.checks.check_equal = lambda *a, **k: None\n"}),
                        3 + 4, "rnncourse.checks"),
    "patched_numpy": (reference_with(A, {"pad_batch": WRONG_PAD + "\nnp.array_equal = lambda *a, **k: True\n"}),
                      3 + 4, "numpy"),
    "rebound_checker": (reference_with(A, {"pad_batch": WRONG_PAD + "\ncheck_equal = lambda *a, **k: None\n"}),
                        3 + 4, "check_equal"),
    "swallowed_exceptions": (reference_with(A, {"pad_batch": WRONG_PAD + "\nget_ipython().set_custom_exc("
                                                "(Exception,), lambda *a, **k: None)\n"}), 3 + 4, "custom exception"),
    "silenced_tracebacks": (reference_with(A, {"pad_batch": WRONG_PAD + "\nget_ipython().showtraceback = "
                                               "lambda *a, **k: None\n"}), 3 + 4, "instance overrides"),
    # tampering the guard once missed (it compared object ids only)
    "replaced_code": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport rnncourse.checks\nrnncourse.checks."
                                         "check_equal.__code__ = (lambda got, expected, name, mistakes=None, "
                                         "hint=None: None).__code__\n"}), 3 + 4, "rnncourse.checks"),
    "patched_ipython_class": (reference_with(A, {"pad_batch": WRONG_PAD + "\ntype(get_ipython()).showtraceback = "
                                                 "lambda *a, **k: None\n"}), 3 + 4, "kernel's classes"),
    "rebound_import": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport builtins\n_imp = builtins.__import__\n"
                                          "builtins.__import__ = lambda *a, **k: _imp(*a, **k)\n"}),
                       3 + 4, "__import__"),
    "patched_numpy_internals": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport numpy._core.numeric as _nc\n"
                                                   "_nc.array_equal = lambda *a, **k: True\n"}),
                                3 + 4, "numpy._core"),
    # the kernel's own request handling and message signing are watched like the shell's
    "patched_kernel_class": (reference_with(A, {"pad_batch": WRONG_PAD + "\n_k = type(get_ipython().kernel)\n"
                                                "_run = _k.do_execute\n"
                                                "_k.do_execute = lambda self, *a, **k: _run(self, *a, **k)\n"
                                                "_s = type(get_ipython().kernel.session)\n_send = _s.send\n"
                                                "_s.send = lambda self, *a, **k: _send(self, *a, **k)\n"}),
                             3 + 4, "kernel's classes"),
    # the guard answers with a signature the submission cannot make: replacing it is detected
    "replaces_guard": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport types as _types\n"
                                          "for _n, _v in list(globals().items()):\n"
                                          "    if isinstance(_v, _types.FunctionType) and _v.__name__ == 'guard':\n"
                                          "        globals()[_n] = lambda op, nonce: 'f' * 64 + ':ok'\n"}),
                       3 + 4, "guard was removed or replaced"),
    # values whose comparisons lie: the checks read them as plain numpy arrays
    "lying_values": (reference_with(A, {"pad_batch": WRONG_PAD + '''
class _Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __array_function__(self, func, types, args, kwargs):
        return True
_wrong_pad = pad_batch
def pad_batch(sequences, pad_value=0):
    return tuple(np.asarray(part).view(_Liar) for part in _wrong_pad(sequences, pad_value))
'''}), 17, ""),
    "reads_solutions": (reference_with(A, {"pad_batch": '''
import json as _json, pathlib as _pathlib
_source = _json.loads(_pathlib.Path("''' + str(REPO / "solutions" / A / f"{A}.ipynb") + '''").read_text())
exec(next("".join(c["source"]) for c in _source["cells"]
          if c["metadata"].get("nbgrader", {}).get("grade_id") == "pad_batch"))
'''}), 17, ""),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    inbox = tmp / "inbox"
    submissions = {"reference": reference_with(A, {}), "renamed": reference_with(A, {}), **{
        sid: nb for sid, (nb, _, _) in CASES.items()}}
    for sid, nb in submissions.items():
        folder = inbox / sid / A
        folder.mkdir(parents=True)
        name = "01_sequences (1).ipynb" if sid == "renamed" else f"{A}.ipynb"
        if isinstance(nb, bytes):
            (folder / name).write_bytes(nb)
        elif nb is not None:
            nbformat.write(nb, folder / name)
    summary = grade_class(A, inbox, tmp / "course", tmp / "grades.csv", limits=LIMITS, show_progress=False)
    for sid, info in summary["students"].items():
        ADVERSARIAL_OUTCOMES[sid] = (info["score"], info["max_score"], info["status"], info["reasons"])
    return summary, tmp


def test_reference_and_renamed_notebook_get_full_marks(graded):
    students = graded[0]["students"]
    assert students["reference"]["score"] == students["reference"]["max_score"] == 20
    assert students["renamed"]["score"] == 20
    assert any("graded as" in r for r in students["renamed"]["reasons"])


def test_every_submission_has_exactly_one_row(graded):
    summary, tmp = graded
    import csv
    with open(tmp / "grades.csv") as f:
        rows = [r["student_id"] for r in csv.DictReader(f) if r["assignment"] == A]
    assert sorted(rows) == sorted(summary["students"]), "one CSV row per submission, none lost or doubled"


@pytest.mark.parametrize("student", sorted(CASES))
def test_hostile_case_scores_no_more_than_it_deserves_with_a_reason(graded, student):
    _, most, reason = CASES[student]
    info = graded[0]["students"][student]
    assert info["score"] <= most, f"{student}: {info}"
    if reason:
        assert any(reason in r for r in info["reasons"]), f"{student}: no reason mentioning {reason!r}: {info}"


def test_a_submission_cannot_read_the_solutions(graded):
    if not namespaced():
        pytest.skip("hiding files needs the root sandbox (a mount namespace)")
    info = graded[0]["students"]["reads_solutions"]
    assert info["score"] == 17, f"reading solutions/ must fail inside the sandbox: {info}"


def test_feedback_shows_no_hidden_tests(graded):
    _, tmp = graded
    html = (tmp / "course" / "feedback" / "reference" / A / f"{A}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html and "hidden tests ran here" in html
    source = nbformat.read(REPO / "solutions" / A / f"{A}.ipynb", as_version=4)
    hidden_line = "for text, context in [(&quot;&quot;, 1)"
    assert hidden_line not in html
    assert any("BEGIN HIDDEN TESTS" in c.source for c in source.cells)
