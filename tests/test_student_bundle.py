"""The student bundle (`make student-bundle`) holds what students need and no answer.

With only the bundle installed (a fresh virtual environment that sees the third-party packages but not this
repository): the grader's modules cannot be imported, and every assignment's visible tests run and fail on
the released stubs for the right reason (the stub), not for a missing module or frozen value.
"""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from autograder.student_bundle import FORBIDDEN, write_bundle
from tests.notebooks import REPO, SOLUTIONS

MARKERS = [("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_bundle(tmp_path_factory.mktemp("bundle") / "student-bundle")


def _secret_lines():
    """Lines (stripped, longer than 12 characters) found only inside solution or hidden-test regions."""
    secret, public = set(), set()
    for path in SOLUTIONS:
        for cell in nbformat.read(path, as_version=4).cells:
            inside = None
            for line in cell.source.splitlines():
                stripped = line.strip()
                begin = [end for b, end in MARKERS if b in stripped]
                if begin:
                    inside = begin[0]
                elif inside and inside in stripped:
                    inside = None
                elif inside and len(stripped) > 12:
                    secret.add(stripped)
                elif not inside:
                    public.add(stripped)
    return secret - public      # a line that the released notebooks show anyway is no secret


def _bundle_lines(bundle):
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            for cell in nbformat.reads(text, as_version=4).cells:
                for line in cell.source.splitlines():
                    yield path, line.strip()
        else:
            for line in text.splitlines():
                yield path, line.strip()


def test_the_bundle_holds_the_student_files_only(bundle):
    top = sorted(p.name for p in bundle.iterdir())
    assert top == sorted([".jupyter", "Makefile", "README.md", "assignments", "capstone", "environment.yml",
                          "lectures", "pyproject.toml", "requirements.txt", "rnncourse"])
    assert not [p for p in bundle.rglob("*") if p.name in FORBIDDEN]
    released = sorted(p.relative_to(REPO / "assignments") for p in (REPO / "assignments").rglob("*.ipynb"))
    assert sorted(p.relative_to(bundle / "assignments") for p in (bundle / "assignments").rglob("*.ipynb")) == released
    assert len(list((bundle / "lectures").glob("*.ipynb"))) == len(list((REPO / "lectures").glob("*.ipynb")))
    assert (bundle / "capstone" / "checkpoints" / "gru.pt").is_file() and (bundle / "capstone" / "data").is_dir()


def test_no_line_of_any_solution_or_hidden_test_is_in_the_bundle(bundle):
    secret = _secret_lines()
    assert len(secret) > 100, "the solution notebooks should have many solution lines to look for"
    leaks, run = set(), []
    for path, line in _bundle_lines(bundle):
        run = run + [line] if line in secret else []
        # a long, distinctive line, or three secret lines in a row (short idioms like `loss.backward()` alone
        # are everyone's code)
        if line in secret and len(line) >= 40 or len(run) >= 3:
            leaks.add(f"{path.relative_to(bundle)}: {' / '.join(run[-3:])}")
    assert not leaks, "solution or hidden-test lines in the student bundle:\n" + "\n".join(sorted(leaks)[:30])


def test_no_hidden_value_is_in_the_bundle(bundle):
    blobs = set()
    for key in (REPO / "answer_key" / "hidden").glob("*.json"):
        for entries in json.loads(key.read_text()).values():
            for entry in entries:
                text = json.dumps(entry["expected"])
                if len(text) > 60:            # short values (a word, a small number) occur anyway
                    blobs.add(text[:200])
    text = "\n".join(p.read_text(errors="replace") for p in bundle.rglob("*") if p.is_file())
    found = [b for b in blobs if b in text]
    assert not found, f"{len(found)} hidden expected values appear in the bundle"


RUN_RELEASED = r'''
import json, os, sys, traceback
os.environ["MPLBACKEND"] = "Agg"
report = {"imports": {}, "notebooks": {}}
for name in ("answer_key", "answer_key.oracles", "autograder", "rnncourse.oracles", "rnncourse.recurrence"):
    try:
        __import__(name)
        report["imports"][name] = "imported"
    except ImportError as exc:
        report["imports"][name] = type(exc).__name__
import rnncourse
report["rnncourse"] = rnncourse.__file__
for path in sys.argv[1:]:
    nb = json.load(open(path))
    os.chdir(os.path.dirname(path))
    scope = {"__name__": "__main__"}
    outcome = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        try:
            exec(compile("".join(cell["source"]), f"{path}:{i}", "exec"), scope)
            result = "ok"
        except BaseException as exc:
            result = f"{type(exc).__name__}: {str(exc)[:200]}"
        outcome[meta.get("grade_id") or f"cell {i}"] = [bool(meta.get("grade")), bool(meta.get("solution")), result]
    report["notebooks"][os.path.basename(path)] = outcome
print(json.dumps(report))
'''


WRONG_REASONS = ("ModuleNotFound", "ImportError", "no frozen value", "PermissionError", "FileNotFoundError")


@pytest.mark.slow
def test_with_only_the_bundle_installed_the_visible_tests_run_and_fail_on_the_stubs(bundle, tmp_path):
    venv = tmp_path / "student-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # third-party packages from this environment, as a plain path: its .pth files (the repository's own
    # editable install among them) are not processed there
    (site / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(bundle)], check=True, cwd=tmp_path, capture_output=True)
    script = tmp_path / "run_released.py"
    script.write_text(RUN_RELEASED)
    notebooks = sorted(str(p) for p in (bundle / "assignments").glob("*/*.ipynb"))
    done = subprocess.run([str(python), str(script), *notebooks], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["imports"] == {name: "ModuleNotFoundError" for name in report["imports"]}, report["imports"]
    assert report["rnncourse"].startswith(str(venv)), f"rnncourse came from {report['rnncourse']}, not the bundle"
    problems = []
    for nb, cells in report["notebooks"].items():
        tests = {k: v for k, v in cells.items() if v[0]}
        assert tests, f"{nb}: no test cells"
        for grade_id, (is_test, _is_solution, result) in cells.items():
            if is_test and result == "ok":
                problems.append(f"{nb} {grade_id}: passes on the released stub")
            # a demo cell may fail on a stub too (NotImplementedError, or a NameError after one); never for this
            if any(w in result for w in WRONG_REASONS):
                problems.append(f"{nb} {grade_id}: fails for the wrong reason: {result}")
    assert not problems, "\n".join(problems)
