"""The grading command against hostile and broken submissions (assignment 01).

One class is graded once: the reference, and one submission per case. Each
case must get a score no higher than its honest content deserves, a clear
reason, and leave every other submission's score untouched. The reason is one
the summary gives; where the summary gives none, one the graded notebook
shows the student, and then exactly the points its honest content earns (a
further loss would go unexplained).
"""

import dataclasses
import html
import re

import nbformat
import pytest

from autograder.grading import grade_class
from autograder.limits import Limits
from autograder.sandbox import namespaced
from tests.conftest import record
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
PAD_FAILS = "the mask is inverted"          # what the pad_batch test says about WRONG_PAD


@dataclasses.dataclass(frozen=True)
class Said:
    """A reason in the grader's summary contains `text`: it may explain any score up to the case's most."""

    text: str

    def explains(self, info, shown, most):
        return any(self.text in r for r in info["reasons"])

    def __str__(self):
        return f"a reason in the summary mentioning {self.text!r}"


@dataclasses.dataclass(frozen=True)
class Shown:
    """The graded notebook's cell `cell` shows `text` (the feedback the student reads); with no reason in the
    summary, it explains exactly the points the honest content earns, the case's most, and no other score."""

    cell: str
    text: str

    def explains(self, info, shown, most):
        return info["score"] == most and self.text in shown(self.cell)

    def __str__(self):
        return f"cell {self.cell} of the graded notebook showing {self.text!r}, with exactly the case's most"


# student id -> (notebook or raw bytes or None for no notebook, most points allowed,
#                what explains the outcome: a Said or Shown, or a tuple of those of which one must hold)
CASES = {
    "infinite_loop": (_with("next_char_pairs", suffix="\nwhile True:\n    pass\n"), 20, Said("cell time limit")),
    "loop_in_function": (_with("next_char_pairs", prefix="def _spin():\n    while True:\n        pass\n",
                               suffix="\n_real = next_char_pairs\ndef next_char_pairs(text, context):\n"
                                      "    _spin()\n"), 17, Said("cell time limit")),
    # refused by the address-space limit: pad_batch is never defined, so its tests (3 points) fail
    "memory_bomb": (_with("pad_batch", prefix="_hog = np.ones(100 * 2**30 // 8)\n"), 17,
                    (Said("memory limit"), Said("ran out of memory (MemoryError) in pad_batch"))),
    "memory_bomb_in_test": (_with("pad_batch", suffix="\n_pad = pad_batch\ndef pad_batch(*a, **k):\n"
                                  "    np.ones(100 * 2**30 // 8)\n"), 17,
                            (Said("memory limit"), Said("ran out of memory (MemoryError) in test_pad_batch"))),
    # the tests before the bomb ran honestly (10 points); none after it may count
    "fork_bomb": (_with("unroll", suffix="\nimport os\nwhile True:\n    os.fork()\n"), 10, Said("processes")),
    "os_exit": (_with("ngram_autocomplete", suffix="\nimport os\nos._exit(1)\n"), 3, Said("kernel died")),
    "segfault": (_with("ngram_autocomplete", suffix="\nimport ctypes\nctypes.string_at(0)\n"), 3,
                 Said("kernel died")),
    # 800 MB printed: the output kept per cell is capped (full marks, the cap said in the cell), or the flood
    # takes the run past a time limit or the output the grader reads back (then a reason in the summary)
    "huge_output": (_with("next_char_pairs", suffix="\nfor _ in range(8):\n    print('x' * 10**8)\n"), 20,
                    (Said("cell time limit"), Said("the notebook ran past"), Said("MB of output"),
                     Said("output over the per-cell limit was dropped in next_char_pairs"))),
    "malformed_json": (b'{"cells": [ this is not json', 0, Said("malformed notebook")),
    "missing_notebook": (None, 0, Said("missing notebook")),
    # nbgrader puts the test cell back (add_missing_cells, OverwriteCells): it runs and fails as it should
    "deleted_test_cell": (_drop_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch"), 17,
                          Shown("test_pad_batch", PAD_FAILS)),
    "edited_test_cell": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                    source="pass"), 17, Shown("test_pad_batch", PAD_FAILS)),
    "retyped_test_cell": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                     cell_type="markdown"), 17, Said("nbgrader metadata of read-only cells")),
    "edited_metadata": (_edit_cell(reference_with(A, {"pad_batch": WRONG_PAD}), "test_pad_batch",
                                   grade=False, points=0), 17, Said("nbgrader metadata of read-only cells")),
    "patched_library": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport rnncourse.checks\n"
                                           "rnncourse.checks.check_equal = lambda *a, **k: None\n"}),
                        3 + 4, Said("rnncourse.checks")),
    "patched_numpy": (reference_with(A, {"pad_batch": WRONG_PAD + "\nnp.array_equal = lambda *a, **k: True\n"}),
                      3 + 4, Said("numpy")),
    "rebound_checker": (reference_with(A, {"pad_batch": WRONG_PAD + "\ncheck_equal = lambda *a, **k: None\n"}),
                        3 + 4, Said("check_equal")),
    "swallowed_exceptions": (reference_with(A, {"pad_batch": WRONG_PAD + "\nget_ipython().set_custom_exc("
                                                "(Exception,), lambda *a, **k: None)\n"}), 3 + 4,
                             Said("custom exception")),
    "silenced_tracebacks": (reference_with(A, {"pad_batch": WRONG_PAD + "\nget_ipython().showtraceback = "
                                               "lambda *a, **k: None\n"}), 3 + 4,
                            Said("instance overrides")),
    # tampering the guard once missed (it compared object ids only)
    "replaced_code": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport rnncourse.checks\nrnncourse.checks."
                                         "check_equal.__code__ = (lambda got, expected, name, mistakes=None, "
                                         "hint=None: None).__code__\n"}), 3 + 4,
                      Said("rnncourse.checks")),
    "patched_ipython_class": (reference_with(A, {"pad_batch": WRONG_PAD + "\ntype(get_ipython()).showtraceback = "
                                                 "lambda *a, **k: None\n"}), 3 + 4,
                              Said("kernel's classes")),
    "rebound_import": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport builtins\n_imp = builtins.__import__\n"
                                          "builtins.__import__ = lambda *a, **k: _imp(*a, **k)\n"}),
                       3 + 4, Said("__import__")),
    "patched_numpy_internals": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport numpy._core.numeric as _nc\n"
                                                   "_nc.array_equal = lambda *a, **k: True\n"}),
                                3 + 4, Said("numpy._core")),
    # the kernel's own request handling and message signing are watched like the shell's
    "patched_kernel_class": (reference_with(A, {"pad_batch": WRONG_PAD + "\n_k = type(get_ipython().kernel)\n"
                                                "_run = _k.do_execute\n"
                                                "_k.do_execute = lambda self, *a, **k: _run(self, *a, **k)\n"
                                                "_s = type(get_ipython().kernel.session)\n_send = _s.send\n"
                                                "_s.send = lambda self, *a, **k: _send(self, *a, **k)\n"}),
                             3 + 4, Said("kernel's classes")),
    # the guard answers with a signature the submission cannot make: replacing it is detected
    "replaces_guard": (reference_with(A, {"pad_batch": WRONG_PAD + "\nimport types as _types\n"
                                          "for _n, _v in list(globals().items()):\n"
                                          "    if isinstance(_v, _types.FunctionType) and _v.__name__ == 'guard':\n"
                                          "        globals()[_n] = lambda op, nonce: 'f' * 64 + ':ok'\n"}),
                       3 + 4, Said("guard was removed or replaced")),
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
'''}), 17, Shown("test_pad_batch", PAD_FAILS)),
    # honest work that writes to stderr (a progress bar, a warning): nbgrader alone would zero the test silently
    "noisy_but_correct": (_with("next_char_pairs", prefix="import sys as _sys, warnings as _warnings\n",
                                suffix="\n_quiet = next_char_pairs\ndef next_char_pairs(text, context):\n"
                                       "    print('working...', file=_sys.stderr)\n"
                                       "    _warnings.warn('a warning is not a failed check')\n"
                                       "    return _quiet(text, context)\n"), 20,
                          Shown("test_next_char_pairs", "[written to stderr] working...")),
    # a cell stopped at the time limit before its def: the tests' NameError says where the name went missing
    "stopped_before_definition": (_with("ngram_autocomplete", prefix="while True:\n    pass\n"), 16,
                                  Shown("test_ngram_autocomplete_basic", "stopped at the time limit (")),
    "reads_solutions": (reference_with(A, {"pad_batch": '''
import json as _json, pathlib as _pathlib
_source = _json.loads(_pathlib.Path("''' + str(REPO / "solutions" / A / f"{A}.ipynb") + '''").read_text())
exec(next("".join(c["source"]) for c in _source["cells"]
          if c["metadata"].get("nbgrader", {}).get("grade_id") == "pad_batch"))
'''}), 17, Said("uses the course's reference implementation")),
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
    return summary, tmp


def test_reference_and_renamed_notebook_get_full_marks(graded):
    students = graded[0]["students"]
    assert students["reference"]["score"] == students["reference"]["max_score"] == 20
    assert students["renamed"]["score"] == 20
    assert any("graded as" in r for r in students["renamed"]["reasons"])


def test_every_submission_has_exactly_one_row(request, graded):
    summary, tmp = graded
    for sid, info in summary["students"].items():      # for the end-of-run table
        record(request, "hostile_outcomes", (sid, (info["score"], info["max_score"], info["status"], info["reasons"])))
    import csv
    with open(tmp / "grades.csv") as f:
        rows = [r["student_id"] for r in csv.DictReader(f) if r["assignment"] == A]
    assert sorted(rows) == sorted(summary["students"]), "one CSV row per submission, none lost or doubled"


def _shown(tmp, student, grade_id):
    """What cell grade_id of a student's graded notebook shows: its outputs' text, errors and tracebacks."""
    nb = nbformat.read(tmp / "course" / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            for out in cell.get("outputs", []):
                texts += [out.get("text", ""), out.get("ename", ""), out.get("evalue", ""), *out.get("traceback", [])]
    return "\n".join(texts)


@pytest.mark.parametrize("student", sorted(CASES))
def test_hostile_case_scores_no_more_than_it_deserves_with_a_reason(graded, student):
    summary, tmp = graded
    _, most, why = CASES[student]
    why = why if isinstance(why, tuple) else (why,)
    info = summary["students"][student]
    assert info["score"] <= most, f"{student}: {info}"
    assert any(w.explains(info, lambda cell: _shown(tmp, student, cell), most) for w in why), (
        f"{student}: {info['score']:g}/{info['max_score']:g} with nothing that explains it; expected "
        + " or ".join(map(str, why)) + f"; got {info}")


def test_deleted_and_edited_test_cells_are_named_in_the_summary(graded):
    """They are graded as released (their Shown outcome above); the instructor also reads why in the summary."""
    students = graded[0]["students"]
    edited = "test cells edited or retyped in 01_sequences.ipynb, graded as released"
    for student, words in (("deleted_test_cell", "test cells deleted in 01_sequences.ipynb, put back and graded"),
                           ("edited_test_cell", edited), ("retyped_test_cell", edited)):
        assert any(r.startswith(words) and r.endswith("test_pad_batch") for r in students[student]["reasons"]), \
            students[student]
    assert not any("test cells" in r for r in students["reference"]["reasons"]), students["reference"]


def test_a_submission_cannot_read_the_solutions(graded):
    if not namespaced():
        pytest.skip("hiding files needs the root sandbox (a mount namespace)")
    info = graded[0]["students"]["reads_solutions"]
    assert info["score"] == 17, f"reading solutions/ must fail inside the sandbox: {info}"


def _regions(source):
    """(lines inside hidden-test regions, lines outside them) of a cell's source, stripped."""
    inside, hidden, shown = False, set(), set()
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        else:
            (hidden if inside else shown).add(line.strip())
    return hidden, shown


def test_feedback_shows_no_hidden_tests(graded):
    _, tmp = graded
    page = (tmp / "course" / "feedback" / "reference" / A / f"{A}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in page and "hidden tests ran here" in page
    # the page as text (code is highlighted: tags between its words, quotes as entities)
    text = html.unescape(re.sub(r"<[^>]*>", "", page))
    source = nbformat.read(REPO / "solutions" / A / f"{A}.ipynb", as_version=4)
    hidden, shown = set(), set()
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell_hidden, cell_shown = _regions(cell.source)
            hidden, shown = hidden | cell_hidden, shown | cell_shown
    secret = {line for line in hidden - shown if len(line) > 20}
    visible = {line for line in shown - hidden if len(line) > 20 and "###" not in line}
    assert len(secret) > 20, "the hidden tests should have many lines to look for"
    # the test cells as the student saw them are on the page, line for line: so a hidden line would be found too
    missing = sorted(line for line in visible if line not in text)
    assert not missing, f"the page does not show these visible test lines (or does not read as code): {missing[:5]}"
    # a hidden line that is also part of a visible one (a call broken over lines differently) reveals nothing
    leaked = sorted(line for line in secret if line in text and not any(line in v for v in shown))
    assert not leaked, f"the feedback shows hidden-test lines: {leaked[:5]}"
