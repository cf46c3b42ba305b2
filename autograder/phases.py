"""nbgrader preprocessors that split `nbgrader autograde` around a parallel execution step.

nbgrader's autograde runs, per notebook: sanitize (restore test cells, kernel
spec, metadata), execute, then grade (save scores to the gradebook). Here it
runs twice over the whole class:
  capture  sanitize exactly as nbgrader does, then save each sanitized
           notebook as a job (no execution, no grades);
  replay   sanitize again (the same result), put in the outputs that the
           sandboxes produced for that job, and let nbgrader grade as usual.
autograder.extension puts these steps into nbgrader's own lists; the grader
passes the phase and the jobs folder on the command line (autograder.nbgrader_main).
"""

import hashlib
import html
import json
import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


def job_key(notebook_text, limits_json):
    return hashlib.sha256((notebook_text + limits_json).encode()).hexdigest()[:16]


class _JobStep(NbGraderPreprocessor):
    """A step that reads or writes the jobs of one run: jobs_dir/<student>/<notebook>.ipynb and .result.json."""

    jobs_dir = Unicode("", help="the folder of this run's jobs and results").tag(config=True)

    def _paths(self, resources):
        nbg = resources["nbgrader"]
        folder = Path(self.jobs_dir) / nbg["student"]
        return folder / f"{nbg['notebook']}.ipynb", folder / f"{nbg['notebook']}.result.json"


class CaptureSanitized(_JobStep):
    """Save the sanitized notebook as the job for the sandboxes."""

    def preprocess(self, nb, resources):
        job, _ = self._paths(resources)
        job.parent.mkdir(parents=True, exist_ok=True)
        partial = job.with_suffix(".partial")    # the grader picks jobs up while this phase runs
        partial.write_text(nbformat.writes(nb))
        os.replace(partial, job)
        return nb, resources


def _not_run(cell, reason):
    cell.outputs = [new_output("error", ename="NotGraded", evalue=reason, traceback=[f"NotGraded: {reason}"])]


def fail_if_never_ran(cell, reason):
    """A test cell the run never reached (cut short: no execution count, no error) must not count as passed."""
    if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False) \
            and cell.get("execution_count") is None and not any(o.output_type == "error" for o in cell.outputs):
        _not_run(cell, reason)


class ReplayExecution(_JobStep):
    """Fill in the outputs that the sandbox produced for this exact notebook."""

    def preprocess(self, nb, resources):
        job, result_path = self._paths(resources)
        result = json.loads(result_path.read_text()) if result_path.exists() else None
        executed = None
        if result and result.get("notebook"):
            executed = nbformat.reads(result["notebook"], as_version=4)
        reason = (result or {}).get("reason") or (result or {}).get("status") or "the notebook was not run"
        if executed is None or len(executed.cells) != len(nb.cells):
            executed = None
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if executed is None:
                _not_run(cell, reason)
                continue
            ran = executed.cells[i]
            if ran.source != cell.source:
                _not_run(cell, "the notebook changed between sanitizing and grading")
                continue
            cell.outputs = ran.outputs
            cell.execution_count = ran.get("execution_count")
            fail_if_never_ran(cell, reason if result.get("status") != "ok" else "this test cell did not run")
        resources["autograder_job_key"] = (result or {}).get("key")
        return nb, resources


class JudgeRecords(_JobStep):
    """Compare what each test cell recorded in the sandbox with the frozen key, here in the grader.

    The expected values of hidden tests never enter a sandbox (answer_key/ is
    hidden there); a test cell whose recorded values do not pass gets a
    CheckFailure error, so nbgrader scores it 0. Each test cell's outcome
    (points as nbgrader scores them, passed/failed/timeout/tampered/not run,
    the failed check and its misconceptions) is saved beside the job's result
    as <notebook>.judged.json, for the summary and the class report.
    """

    def preprocess(self, nb, resources):
        from answer_key.judge import judge_notebook

        nb = judge_notebook(nb, resources["nbgrader"]["assignment"])
        if self.jobs_dir:
            job, _ = self._paths(resources)
            judged = job.with_name(job.stem + ".judged.json")
            partial = judged.with_suffix(".partial")
            partial.write_text(json.dumps({"key": resources.get("autograder_job_key"), "cells": cell_outcomes(nb)}))
            os.replace(partial, judged)
        return nb, resources


# the executor's words for what happened to a cell (autograder/executor.py)
_STOPPED = "[autograder: this cell was stopped after"
_NOT_RUN = {"NotRun", "NotGraded", "KernelDied", "InvalidOutput"}


def cell_outcome(cell):
    """passed, failed, not attempted, timeout, tampered or not run: what happened to a graded test cell."""
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    if any(o.get("ename") == "TamperingDetected" for o in errors):
        return "tampered"
    if any(o.get("output_type") == "stream" and _STOPPED in str(o.get("text", "")) for o in cell.outputs):
        return "timeout"
    if errors and all(o.get("ename") in _NOT_RUN for o in errors):
        return "not run"
    if errors and errors[0].get("ename") == "NotImplementedError":     # the released skeleton, untouched
        return "not attempted"
    return "failed" if errors else "passed"


def cell_outcomes(nb):
    """grade_id -> {points, max, outcome, check, misconceptions} for every test cell (nbgrader's scoring)."""
    import logging

    from nbgrader.utils import determine_grade

    from answer_key.judge import METADATA_KEY

    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        points, most = determine_grade(cell, logging.getLogger("autograder"))
        failure = cell.metadata.get(METADATA_KEY, {})
        found[meta["grade_id"]] = {"points": points or 0.0, "max": most, "outcome": cell_outcome(cell),
                                   "check": failure.get("check", ""),
                                   "misconceptions": failure.get("misconceptions", [])}
    return found


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: test cells as the student saw them, nothing of the hidden tests, no active content.

    Stock feedback shows the autograded notebook, hidden tests and the source
    lines in tracebacks included (nbgrader issues 917 and 1363). Here:
    - hidden-test regions are cut from test cells, tracebacks become one line;
    - any line of a hidden test that a submission printed (from a frame, say)
      is removed from every output, error messages included;
    - HTML, JavaScript, SVG and Markdown outputs are dropped (their plain text
      stays), and HTML in Markdown cells the student wrote is escaped, so no
      submitted markup or script runs in the page.
    """

    begin = "### BEGIN HIDDEN TESTS"
    end = "### END HIDDEN TESTS"
    active = ("text/html", "application/javascript", "image/svg+xml", "text/markdown", "text/latex")

    def preprocess(self, nb, resources):
        secret = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                secret |= {line.strip() for line in self._hidden_lines(cell.source) if len(line.strip()) >= 8}
        self._secret = sorted(secret, key=len, reverse=True)
        nb, resources = super().preprocess(nb, resources)
        plan = study_plan(nb)
        if plan:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(plan))
        return nb, resources

    def _hidden_lines(self, source):
        hiding, lines = False, []
        for line in source.splitlines():
            if self.begin in line:
                hiding = True
            elif self.end in line:
                hiding = False
            elif hiding:
                lines.append(line)
        return lines

    def _scrub(self, text):
        if not isinstance(text, str) or not self._secret:
            return text
        return "\n".join("[a line of a hidden test was removed]" if any(s in line for s in self._secret) else line
                         for line in text.split("\n"))

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and not meta.get("locked"):
            # the student's own Markdown still renders, but any HTML in it shows as text
            cell.source = html.escape(cell.source, quote=False)
        if cell.cell_type == "code" and meta.get("grade"):
            kept, hiding = [], False
            for line in cell.source.splitlines():
                if self.begin in line:
                    hiding = True
                    kept.append("# (hidden tests ran here)")
                elif self.end in line:
                    hiding = False
                elif not hiding:
                    kept.append(line)
            cell.source = "\n".join(kept)
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                out.evalue = self._scrub(out.evalue)
                out.traceback = [f"{out.ename}: {out.evalue}"] if meta.get("grade") else \
                    [self._scrub(line) for line in out.traceback]
            elif out.output_type == "stream":
                out.text = self._scrub(out.text)
            elif out.output_type in ("display_data", "execute_result"):
                for mime in self.active:
                    out.get("data", {}).pop(mime, None)
                if "text/plain" in out.get("data", {}):
                    out.data["text/plain"] = self._scrub(out.data["text/plain"])
        return cell, resources


def study_plan(nb):
    """Markdown for the top of a student's feedback: the misconceptions their failed tests showed, each with the
    lecture section to reread; '' when there are none. Only registered misconceptions are listed (their words are
    the course's, not text a submission sent), and nothing of a hidden test: no check names, inputs or values."""
    from answer_key.judge import METADATA_KEY

    seen = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or cell_outcome(cell) != "failed":
            continue
        for m in cell.metadata.get(METADATA_KEY, {}).get("misconceptions", []):
            if m.get("id"):
                seen.setdefault(m["id"], m)
    if not seen:
        return ""
    lines = ["## Your study plan", "",
             "The tests found these misconceptions in your work. Each names the lecture section that teaches the "
             "point: reread it, then try the failing test again.", ""]
    for m in seen.values():
        where = html.escape(m.get("section") or "the lecture", quote=False)
        lecture = html.escape(str(m.get("lecture", "")).split("#")[0], quote=False)
        lines.append(f"- {html.escape(m['description'], quote=False)}. Reread *{where}*"
                     + (f" in `{lecture}`" if lecture else "") + ".")
    return "\n".join(lines)
