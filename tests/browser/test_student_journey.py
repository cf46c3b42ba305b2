"""The student's journey, in a real JupyterLab in headless Chromium.

JupyterLab is started by the README's command (`make lab`) in a copy of the
course (see conftest.py). For every topic that exists: the lecture runs
(Run > Run All Cells) without errors and with its figures drawn; the released
assignment shows the cells to fill where the student expects them and keeps
the test cells read-only; the reference solution, typed into those cells,
passes nbgrader's Validate button, and a catalogued mistake fails it with a
message that names the mistake. And on first open the student sees the
course: no news prompt, no question about which kernel to use, and a lecture
that is not marked modified before the student has touched it.

Screenshots of every step: artifacts/browser/<test>/.
"""

import json
import re
import time
import warnings

import nbformat
import pytest

from autograder import layout
from tests.browser.conftest import REPO
from tests.browser.jupyterlab import CURRENT, Notebook, dialogs, open_lab, toasts
from tests.conftest import record
from tests.grading.harness import catalogues, solution_sources

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What exists when the suite is collected: every topic present is tested.
LECTURES = layout.lectures()
ASSIGNMENTS = layout.assignments()
COURSE_NOTEBOOKS = sorted([*LECTURES, *map(layout.release, ASSIGNMENTS), *map(layout.solution, ASSIGNMENTS)])

# A code cell that draws a figure; in the browser it must show an image.
FIGURE = re.compile(r"\bplt\.(subplots|figure|subplot|imshow|plot)\(")
STUDENT_STUB = "YOUR CODE HERE"
# nbgrader's markers around the answer in solutions/: a student types the answer, not the markers.
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)", re.M)
KERNEL = "python3"


def _tested_name(test_id, solution_ids):
    """The solution cell a test cell checks: test_<name> or test_<name>_<aspect> (the longest name that fits)."""
    fits = [s for s in solution_ids if test_id == f"test_{s}" or test_id.startswith(f"test_{s}_")]
    return max(fits, key=len) if fits else None


def _catalogue(assignment):
    catalogue = catalogues().get(assignment)
    if catalogue is None:
        pytest.fail(f"no catalogue of mistakes for {assignment} (tests/grading/catalogue_{assignment}.py)",
                    pytrace=False)
    return catalogue


CELL_TIMEOUT_LOG = "Timeout waiting for execute reply"


def _validate(request, nb, lab, what):
    """Press Validate; return (outcome, dialog text, seconds, note). The dialog stays open.

    Validate runs the notebook with nbgrader's per-cell limit (Execute.timeout).
    A cell that hits it is interrupted, and the dialog then shows only the
    knock-on error in a test cell (a NameError). The server log says why; on a
    loaded machine the test validates once more, and names the cause if it
    happens again.
    """
    for attempt in (1, 2):
        mark = lab.log_offset()
        start = time.monotonic()
        outcome, text = nb.validate()
        seconds = time.monotonic() - start
        record(request, "notebook_seconds", (f"{nb.path} (browser, Validate {what})", seconds))
        if CELL_TIMEOUT_LOG not in lab.log_since(mark):
            return outcome, text, seconds, ""
        if attempt == 1:
            warnings.warn(f"{nb.path}: Validate {what} took {seconds:.0f} s and a cell hit nbgrader's per-cell "
                          "time limit (a loaded machine?); validating again", stacklevel=2)
            nb.close_dialog()
    return outcome, text, seconds, (f"\n(a cell hit nbgrader's per-cell time limit, Execute.timeout in "
                                    f"nbgrader_config.py, during Validate, twice; the last took {seconds:.0f} s)")


# ---------------------------------------------------------------- first open

def test_first_open_shows_the_course(page, lab):
    """`make lab`'s page, then the first lecture from the file browser: the course, no prompts."""
    open_lab(page, lab)
    page.locator(".jp-DirListing-item").first.wait_for()
    page.wait_for_timeout(3000)  # JupyterLab's news prompt, when it comes, comes in the first seconds
    page.shots.take("lab_opened")
    first_lecture = LECTURES[0].name
    page.locator(".jp-DirListing-item[data-isdir='true']", has_text="lectures").dblclick()
    page.locator(".jp-DirListing-item", has_text=first_lecture).dblclick()
    nb = Notebook(page, f"lectures/{first_lecture}")
    nb.wait_until_ready()  # fails if JupyterLab asks which kernel to use
    page.wait_for_timeout(3000)
    page.shots.take("first_lecture")

    assert nb.kernel()["name"] == KERNEL
    assert not toasts(page), f"a notification pops up over the course: {toasts(page)}"
    assert not dialogs(page), f"a dialog pops up over the course: {dialogs(page)}"
    # The news prompt stays away for good: the course's settings are in effect.
    notification = lab.api("lab/api/settings/@jupyterlab/apputils-extension:notification")
    props = notification["schema"]["properties"]
    effective = {k: notification["settings"].get(k, props[k].get("default")) for k in ("fetchNews", "checkForUpdates")}
    assert effective == {"fetchNews": "false", "checkForUpdates": False}, (
        f"JupyterLab's news/update settings are {effective}: the course's overrides "
        "(.jupyter/lab/overrides.json, installed by `make setup`) are not in effect")


def test_notebook_without_kernel_metadata_does_not_ask_for_a_kernel(page, lab):
    """Every course notebook names its kernel; and one that does not still opens on Python 3 without a prompt."""
    unnamed = [str(p.relative_to(REPO)) for p in COURSE_NOTEBOOKS
               if json.loads(p.read_text()).get("metadata", {}).get("kernelspec", {}).get("name") != KERNEL]
    assert not unnamed, f"notebooks without kernelspec name {KERNEL!r} (JupyterLab would ask for a kernel): {unnamed}"

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A notebook without kernel metadata"),
                                         nbformat.v4.new_code_cell("print('hello')")])
    nbformat.write(nb, lab.root / "no_kernel_metadata.ipynb")
    view = Notebook.open(page, lab, "no_kernel_metadata.ipynb")  # fails on a "Select Kernel" dialog
    page.shots.take("opened_without_prompt")
    assert view.kernel()["name"] == KERNEL


def test_opening_a_notebook_leaves_it_unmodified(page, lab):
    """Opening a lecture, before the student does anything, does not mark it modified.

    When the kernel starts, JupyterLab writes the kernel's `language_info` into
    the notebook's metadata. Where the committed one differs, the tab shows the
    notebook as modified at once, closing it asks whether to save, and
    autosave rewrites the file. The committed notebooks carry the full
    language_info of the course's Python; only a different patch release of
    Python on this machine (its "version" field) is tolerated, as an expected
    failure that says so.
    """
    path = f"lectures/{LECTURES[0].name}"
    nb = Notebook.open(page, lab, path)
    kernel_language = page.evaluate(f"async () => (await {CURRENT}.sessionContext.session.kernel.info).language_info")
    page.wait_for_timeout(2000)  # JupyterLab updates the metadata once the kernel's info arrives
    modified = nb.js("return w.context.model.dirty;")
    page.shots.take("opened")
    if not modified:
        return
    committed = json.loads((REPO / path).read_text())["metadata"].get("language_info", {})
    differing = sorted(k for k in set(committed) | set(kernel_language) if committed.get(k) != kernel_language.get(k))
    if differing == ["version"]:
        pytest.xfail(f"{path} opens marked modified only because this machine's Python is "
                     f"{kernel_language.get('version')}, the notebooks record {committed.get('version')}")
    pytest.fail(f"{path} is marked modified right after opening; its language_info differs from the kernel's in "
                f"{differing} (committed {committed}, kernel {kernel_language})", pytrace=False)


# ---------------------------------------------------------------- lectures

@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.stem)
def test_lecture_runs_in_the_browser(request, page, lab, lecture):
    path = f"lectures/{lecture.name}"
    nb = Notebook.open(page, lab, path)
    page.shots.take("opened")
    assert nb.kernel()["name"] == KERNEL

    seconds = nb.run_all()
    record(request, "notebook_seconds", (f"{path} (browser, Run All Cells)", seconds))
    outputs = nb.outputs()

    figures = [o for o in outputs if FIGURE.search(o["source"])]
    shown = [o for o in figures if o["images"]]
    if shown:  # the README's picture of this topic: the first figure, with the code above it
        nb.scroll_to_figure(shown[0]["index"])
        page.shots.take("figure")
    nb.scroll_to(outputs[-1]["index"], "end")
    page.shots.take("end")

    problems = []
    for o in outputs:
        where = f"cell {o['index']}"
        if o["count"] is None:
            problems.append(f"{where} did not run (Run All stopped before it)")
        problems += [f"{where} raised {e}" for e in o["errors"]]
        problems += [f"{where} writes to stderr (a red box): {s[:400]!r}" for s in o["stderr_streams"]]
        if o["stderr_shown"] and not (o["errors"] or o["stderr_streams"]):
            problems.append(f"{where} shows red output: {o['stderr_shown'][0][:400]!r}")
    for o in figures:
        drawn = [im for im in o["images"] if im["complete"] and im["width"] > 0 and im["height"] > 0]
        if not drawn:
            problems.append(f"cell {o['index']} draws a figure, but no image is shown "
                            f"({len(o['images'])} img elements): {o['source'][:120]!r}")
    assert not problems, f"{path} in the browser:\n" + "\n".join(problems)


# ---------------------------------------------------------------- assignments

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_journey(request, page, lab, assignment):
    path = f"assignments/{assignment}/{assignment}.ipynb"
    solution_file = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    assert solution_file.exists(), f"{path} has no reference solution at {solution_file.relative_to(REPO)}"
    reference = {grade_id: SOLUTION_MARKER.sub("", source)
                 for grade_id, source in solution_sources(nbformat.read(solution_file, 4)).items()}
    mistake = _catalogue(assignment).MISTAKES[0]

    # 1. The released copy, as the student opens it.
    nb = Notebook.open(page, lab, path)
    page.shots.take("released")
    assert nb.kernel()["name"] == KERNEL
    nb.reveal_all()
    cells = nb.cells()
    released = nbformat.read(lab.root / path, 4)
    assert len(cells) == len(released.cells), "the notebook shows a different number of cells from the file"

    solution_cells = [c for c in cells if c["nbgrader"].get("solution")]
    solution_ids = [c["nbgrader"]["grade_id"] for c in solution_cells]
    to_fill = [c for c in cells if c["type"] == "code" and STUDENT_STUB in c["source"]]
    assert [c["index"] for c in to_fill] == [c["index"] for c in solution_cells], (
        f"the cells that say '# {STUDENT_STUB}' (cells {[c['index'] for c in to_fill]}) are not the graded "
        f"solution cells (cells {[c['index'] for c in solution_cells]})")
    assert set(solution_ids) == set(reference), (
        f"solution cells differ from the reference: released {sorted(solution_ids)}, solutions/ {sorted(reference)}")
    problems = []
    for c in solution_cells:
        name = c["nbgrader"]["grade_id"]
        if c["readOnly"] or c["ariaReadOnly"] == "true":
            problems.append(f"cell {c['index']} ({name}) is for the student to fill, but the editor is read-only")
        if not re.search(rf"\b{re.escape(name)}\b", c["source"]):
            problems.append(f"cell {c['index']} ({name}) does not show the name the grader calls")
        if "raise NotImplementedError()" not in c["source"]:
            problems.append(f"cell {c['index']} ({name}) has no `raise NotImplementedError()` stub")
    tests = [c for c in cells if c["nbgrader"].get("grade") and c["type"] == "code"]
    assert tests, f"{path} has no test cells"
    position = {c["nbgrader"]["grade_id"]: c["index"] for c in solution_cells}
    for t in tests:
        tid = t["nbgrader"]["grade_id"]
        if not (t["readOnly"] and t["ariaReadOnly"] == "true" and t["editable"] is False and t["deletable"] is False):
            problems.append(f"test cell {t['index']} ({tid}) is not read-only and undeletable in the UI: "
                            f"readOnly={t['readOnly']}, editor aria-readonly={t['ariaReadOnly']}, "
                            f"editable={t['editable']}, deletable={t['deletable']}")
        tested = _tested_name(tid, solution_ids)
        if tested is not None and t["index"] < position[tested]:
            problems.append(f"test cell {t['index']} ({tid}) comes before the cell it tests ({tested})")
    assert not problems, f"{path} as released:\n" + "\n".join(problems)

    # The student tries to change the first test cell and to delete it: nothing happens.
    first_test = tests[0]
    nb.scroll_to(first_test["index"], "center")
    source_after, n_after = nb.try_to_edit(first_test["index"])
    page.shots.take("test_cell_locked")
    assert source_after == first_test["source"], "typing into a test cell changed it"
    assert n_after == len(cells), "D, D deleted a locked test cell"

    # 2. The reference solution, typed into the cells to fill: Validate says success.
    first_fill = solution_cells[0]["index"]
    nb.scroll_to(max(first_fill - 1, 0))
    page.shots.take("cell_to_fill")
    for c in solution_cells:
        nb.set_source(c["index"], reference[c["nbgrader"]["grade_id"]])
    nb.scroll_to(max(first_fill - 1, 0))
    page.shots.take("filled_in")
    outcome, text, _, note = _validate(request, nb, lab, "the reference")
    page.shots.take("validate_reference")
    nb.close_dialog()
    assert "validation-success" in outcome and "Success! Your notebook passes all the tests." in text, (
        f"Validate on the reference solution did not report success ({outcome}):\n{text[:3000]}{note}")
    saved = solution_sources(nbformat.read(lab.root / path, 4))
    assert saved == reference, "the notebook Validate saved does not hold the typed solution"

    # 3. A catalogued mistake: Validate fails, and the message names the mistake.
    for grade_id, source in mistake.cells.items():
        nb.set_source(position[grade_id], source)
    outcome, text, _, note = _validate(request, nb, lab, "a mistake")
    nb.show_validation_error(mistake.expect)
    page.shots.take("validate_mistake")
    nb.close_dialog()
    assert "validation-failed" in outcome, (
        f"Validate did not fail on the mistake {mistake.name!r} ({outcome}):\n{text[:3000]}{note}")
    assert mistake.expect in text, (
        f"Validate failed on the mistake {mistake.name!r}, but its message does not name it "
        f"({mistake.expect!r}):\n{text[:3000]}{note}")
