"""Grade a whole class: nbgrader's semantics, sandboxed runs in parallel, nothing lost.

Steps (each safe to repeat; a run killed halfway resumes where it stopped):
  1. collect: every student's files (folders or zips) into the workspace's
     submitted/ tree; malformed or misnamed notebooks are noted;
  2. forget earlier grades of these students for this assignment, so a
     resubmission never keeps a score from before;
  3. nbgrader autograde, capture phase: sanitize each notebook (restore test
     cells, metadata, kernel) and save it as a job;
  4. meanwhile, run each job as soon as it is saved, in sandboxes forked
     from a zygote that imported torch once, in parallel (local threads or
     Dask); each result is written as soon as it arrives and reused when its
     job is unchanged;
  5. nbgrader autograde, replay phase: the outputs go back in and nbgrader
     scores them into the gradebook (written by this process alone);
  6. feedback without hidden tests, the CSV export and a summary.
"""

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import nbformat

from autograder import collect
from autograder import workspace as ws
from autograder.guard import REFUSED_MARK
from autograder.limits import DROPPED_OUTPUT, Limits
from autograder.nbgrader_run import NbgraderError, Running, nbgrader
from autograder.phases import job_key
from autograder.runners import run_dask, run_local


class _Clock:
    """Wall seconds of each step, for the summary (where a big class spends its time)."""

    def __init__(self):
        self.laps, self.last = {}, time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 1)
        self.last = now


def _write_json(path, data):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _restore_locked_metadata(path, release_path):
    """Give every read-only or test cell back its nbgrader metadata and cell type from the release.

    nbgrader restores their source itself, but stops with an error on some
    edits of the metadata (a test cell made ungraded, say).
    """
    if not release_path.exists():
        return False
    release = {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(release_path, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("locked") or c.metadata.get("nbgrader", {}).get("grade")}
    nb = nbformat.read(path, as_version=4)
    changed = False
    for i, cell in enumerate(nb.cells):
        original = release.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if original is None:
            continue
        if cell.metadata.get("nbgrader") != original.metadata["nbgrader"] or cell.cell_type != original.cell_type:
            replacement = nbformat.from_dict(dict(original))
            replacement.source = cell.source
            nb.cells[i] = replacement
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def _test_cell_changes(path, release_path):
    """Notes on test cells the student deleted or edited (nbgrader puts them back as released and grades them)."""
    if not release_path.exists():
        return []

    def cells(nb):
        return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}

    released = {k: (c.cell_type, c.source) for k, c in cells(nbformat.read(release_path, as_version=4)).items()
                if k and c.cell_type == "code" and c.metadata["nbgrader"].get("grade")}
    submitted = {k: (c.cell_type, c.source) for k, c in cells(nbformat.read(path, as_version=4)).items()
                 if k in released}
    deleted = sorted(set(released) - set(submitted))
    edited = sorted(k for k in submitted if submitted[k][0] != "code"
                    or submitted[k][1].strip() != released[k][1].strip())
    notes = []
    if deleted:
        notes.append(f"test cells deleted in {path.name}, put back and graded: " + ", ".join(deleted[:5]))
    if edited:
        notes.append(f"test cells edited or retyped in {path.name}, graded as released: " + ", ".join(edited[:5]))
    return notes


def _normalise(folder, target, notebooks, release_dir):
    """Copy a student's folder to submitted/; fix a lone misnamed notebook; drop malformed ones.

    Returns notes (strings) on what was found.
    """
    notes = []
    if target.exists():
        shutil.rmtree(target)
    left = collect.copy_regular_files(Path(folder), target)
    if left.links:
        notes.append("symbolic links not followed: " + ", ".join(sorted(left.links)[:5]))
    if left.too_large:
        notes.append(f"larger than {collect.MAX_MEMBER_BYTES >> 20} MB, not graded: "
                     + ", ".join(sorted(left.too_large)[:5]))
    present = sorted(p.name for p in target.glob("*.ipynb"))
    for name in present:
        try:
            nbformat.validate(nbformat.read(target / name, as_version=4))
        except Exception as exc:  # noqa: BLE001 - any unreadable notebook is reported the same way
            (target / name).rename(target / (name + ".malformed"))
            notes.append(f"malformed notebook {name}: {str(exc).splitlines()[0][:150]}")
    present = sorted(p.name for p in target.glob("*.ipynb"))
    missing = [nb for nb in notebooks if nb not in present]
    strays = [nb for nb in present if nb not in notebooks]
    if len(missing) == 1 and len(strays) == 1:
        (target / strays[0]).rename(target / missing[0])
        notes.append(f"notebook {strays[0]!r} graded as {missing[0]!r}")
    elif missing:
        notes.append("missing notebook " + ", ".join(missing))
    for name in notebooks:
        if not (target / name).exists() and (release_dir / name).exists():
            # graded as the untouched student copy: 0 points, but a row, feedback and a reason like everyone's
            shutil.copy2(release_dir / name, target / name)
        if (target / name).exists():
            notes += _test_cell_changes(target / name, release_dir / name)
        if (target / name).exists() and _restore_locked_metadata(target / name, release_dir / name):
            notes.append(f"nbgrader metadata of read-only cells in {name} was edited; restored")
    return notes


def _unprocessed(workspace, assignment, students, notebooks):
    """Students whose notebooks nbgrader did not write: it removes a submission's destination when it fails."""
    return [s for s in students
            if not all((workspace / "autograded" / s / assignment / name).exists() for name in notebooks)]


def _note_unprocessed(workspace, assignment, students, notebooks, notes):
    """After an nbgrader phase failed: note each submission it could not process; False if there is none
    (then nbgrader itself failed, and the caller stops with its log)."""
    failed = _unprocessed(workspace, assignment, students, notebooks)
    for student in failed:
        note = "nbgrader could not process this submission (see the grading log)"
        if note not in notes.setdefault(student, []):
            notes[student].append(note)
    return bool(failed)


def _autograde(workspace, assignment, students, notebooks, notes, **phase):
    """One autograde phase over the class; a submission nbgrader cannot process is noted, not fatal."""
    try:
        nbgrader(workspace, "autograde", assignment, "--force", **phase)
    except NbgraderError:
        if not _note_unprocessed(workspace, assignment, students, notebooks, notes):
            raise


def _start_zygote():
    from autograder.sandbox import SCRATCH_ROOT
    from autograder.zygote import ZygoteError, shared_zygote

    try:
        shared_zygote(SCRATCH_ROOT)
    except ZygoteError:
        pass                          # the first sandbox tries again and reports it


def _gradebook(workspace):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{workspace / 'gradebook.db'}")


def _forget_old_grades(workspace, assignment, students):
    from nbgrader.api import MissingEntry

    with _gradebook(workspace) as gb:
        for student in students:
            try:
                gb.remove_submission(assignment, student)
            except MissingEntry:
                pass


def _scores(workspace, assignment, students):
    """student -> (score, max_score) from nbgrader's gradebook; a student it has no submission of is absent."""
    from nbgrader.api import MissingEntry

    scores = {}
    with _gradebook(workspace) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            scores[student] = (float(submission.score), float(submission.max_score))
    return scores


class _Progress:
    """A bar on stdout while notebooks run (tqdm; the grader does not import the course library for it)."""

    def __init__(self, total, assignment, show):
        self.bar = None
        if show:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"grading {assignment}", unit="nb", file=sys.stdout, mininterval=0.5)

    def update(self):
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _collect(assignment, submissions, workspace, notebooks, repo_root):
    """Steps 1-2: every student's files into submitted/, normalised; their earlier grades forgotten."""
    staging = workspace / "inbox"
    shutil.rmtree(staging, ignore_errors=True)       # unpacked afresh: a resubmitted archive leaves nothing behind
    collect_notes = {}
    students = collect.find_submissions(submissions, assignment, notebooks, staging, notes=collect_notes)
    ws.prepare(workspace, assignment, repo_root)
    notes = {}
    for student, folder in students.items():
        notes[student] = collect_notes.get(student, []) + _normalise(
            folder, workspace / "submitted" / student / assignment, notebooks, workspace / "assignments" / assignment)
    _forget_old_grades(workspace, assignment, students)
    return students, notes


# the repository's folders a submission must not read: solutions (also in git's history), tests, the answer key
GRADER_FOLDERS = ("solutions", "tests", "answer_key", ".git")


def _hidden_paths(workspace, submissions, repo_root):
    """What a submission must not read: the grader's folders, the workspace and the other submissions."""
    return [str(workspace), str(Path(submissions).resolve())] + [str(Path(repo_root) / n) for n in GRADER_FOLDERS]


def _execute(assignment, students, notebooks, workspace, jobs_root, hidden, limits, run_jobs, progress, notes):
    """Steps 3-4: nbgrader sanitizes (capture phase) while each job it saves runs in a sandbox at once.

    Returns (results keyed by (student, notebook), how many notebooks were run rather than reused).
    """
    for student in students:          # old jobs go (their results stay, keyed by content, for resuming)
        for stale in (jobs_root / student).glob("*.ipynb"):
            stale.unlink()
    capture = Running(workspace, "autograde", assignment, "--force", phase="capture", jobs=jobs_root)
    results, counts = {}, {"executed": 0}

    def jobs():
        """Each sanitized notebook as a job, as soon as nbgrader has written it (runs overlap sanitizing)."""
        seen = set()
        while True:
            finished = capture.done()
            for student in students:
                for job_file in sorted((jobs_root / student).glob("*.ipynb")):
                    if job_file in seen:
                        continue
                    seen.add(job_file)
                    text = job_file.read_text()
                    key = job_key(text, limits.to_json())
                    result_file = job_file.with_name(job_file.stem + ".result.json")
                    cached = json.loads(result_file.read_text()) if result_file.exists() else None
                    if cached and cached.get("key") == key:
                        results[(student, job_file.stem)] = cached      # unchanged job: resume, do not re-run
                        progress.update()
                        continue
                    result_file.unlink(missing_ok=True)
                    counts["executed"] += 1
                    yield {"student": student, "notebook": job_file.stem, "key": key, "text": text,
                           "limits": limits.to_json(), "hidden": hidden}
            if finished:
                return
            time.sleep(0.1)

    def on_result(result):
        path = jobs_root / result["student"] / f"{result['notebook_name']}.result.json"
        _write_json(path, result)
        results[(result["student"], result["notebook_name"])] = result
        progress.update()

    run_jobs(jobs(), on_result)
    try:
        capture.finish()
    except NbgraderError:
        if not _note_unprocessed(workspace, assignment, students, notebooks, notes):
            raise
    return results, counts["executed"]


def grade_class(assignment, submissions, workspace, csv_path, limits=None, workers=None, scheduler=None,
                feedback=True, show_progress=True, repo_root=ws.REPO_ROOT):
    """Grade every submission of one assignment; return the summary (also saved in the workspace)."""
    workspace = Path(workspace).resolve()
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    source = Path(repo_root) / "solutions" / assignment
    notebooks = sorted(p.name for p in source.glob("*.ipynb")) if source.is_dir() else []
    clock = _Clock()
    if not scheduler:                 # the zygote imports torch while nbgrader prepares and sanitizes
        threading.Thread(target=_start_zygote, daemon=True).start()

    students, notes = _collect(assignment, submissions, workspace, notebooks, repo_root)
    clock.lap("prepare")

    jobs_root = workspace / "jobs" / assignment
    progress = _Progress(len(students) * max(1, len(notebooks)), assignment, show_progress)
    run_jobs = (lambda jobs, on_result: run_dask(jobs, scheduler, on_result)) if scheduler else \
        (lambda jobs, on_result: run_local(jobs, workers, on_result))
    results, executed = _execute(assignment, students, notebooks, workspace, jobs_root,
                                 _hidden_paths(workspace, submissions, repo_root), limits, run_jobs, progress, notes)
    progress.close()
    clock.lap("sanitize and execute")

    # step 5: the outputs go back in, nbgrader scores them into the gradebook (and the replay step saves each
    # test cell's outcome beside the job: none from an earlier run may stand in for one this run did not write)
    for old in jobs_root.glob("*/*.judged.json"):
        old.unlink()
    _autograde(workspace, assignment, students, notebooks, notes, phase="replay", jobs=jobs_root)
    clock.lap("score")
    if feedback:                      # step 6: feedback without hidden tests, the CSV, the summary
        nbgrader(workspace, "generate_feedback", assignment, "--force")
        clock.lap("feedback")
    csv_path = Path(csv_path).resolve()
    nbgrader(workspace, "export", "--to", str(csv_path))
    clock.lap("export")
    summary = summarise(assignment, students, notes, results, _scores(workspace, assignment, students),
                        _judged_cells(jobs_root, results))
    summary["csv"] = str(csv_path)
    summary["runs"] = {"executed": executed, "reused": len(results) - executed, "seconds": clock.laps}
    summary["sandbox"] = _sandbox_statement(scheduler)
    _write_json(workspace / f"summary_{assignment}.json", summary)
    return summary


# an error that names the grader's modules or folders: the attempt failed (they are hidden or refused)
_REFERENCE_SIGNS = (REFUSED_MARK, "answer_key", "rnncourse.oracles", "rnncourse.recurrence", "solutions/")


def _outputs(notebook_text):
    """(cell's grade_id or 'cell N', output) for every output of a run's notebook (JSON text, maybe absent)."""
    try:
        nb = json.loads(notebook_text or "{}")
    except ValueError:
        return
    for i, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else []):
        if not isinstance(cell, dict):
            continue
        where = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {i}"
        for out in cell.get("outputs", []):
            if isinstance(out, dict):
                yield where, out


def reference_attempts(notebook_text):
    """Cells whose errors show the submission reaching for the answer key, as 'cell: message' lines."""
    found = []
    for where, out in _outputs(notebook_text):
        if out.get("output_type") == "error":
            text = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            if any(sign in text for sign in _REFERENCE_SIGNS):
                found.append(f"{where}: {text.replace(REFUSED_MARK + ': ', '')[:160]}")
    return found


def run_events(notebook_text):
    """What a run's outputs say that the status does not: cells that ran out of memory, output dropped."""
    memory, dropped = [], []
    for where, out in _outputs(notebook_text):
        if out.get("output_type") == "error" and out.get("ename") == "MemoryError":
            memory.append(where)
        elif out.get("output_type") == "stream" and DROPPED_OUTPUT in str(out.get("text")):
            dropped.append(where)
    found = []
    if memory:
        found.append("ran out of memory (MemoryError) in " + ", ".join(dict.fromkeys(memory)))
    if dropped:
        found.append("output over the per-cell limit was dropped in " + ", ".join(dict.fromkeys(dropped)))
    return found


def _judged_cells(jobs_root, results):
    """student -> {grade_id: outcome} from the replay step's files, for this run's results only."""
    cells = {}
    for (student, notebook), result in results.items():
        path = jobs_root / student / f"{notebook}.judged.json"
        try:
            judged = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if judged.get("key") == result.get("key"):
            cells.setdefault(student, {}).update(judged.get("cells", {}))
    return cells


def summarise(assignment, students, notes, results, scores, cells=None):
    """Per student: status, score, max_score and the reasons, from the runs' results and the gradebook's scores;
    and each test cell's outcome (cells: student -> {grade_id: outcome}, the replay step's)."""
    per_student = {}
    for student in students:
        runs = [r for (s, _), r in results.items() if s == student]
        status = "graded"
        reasons = list(notes.get(student, []))
        for r in runs:
            if r.get("status") != "ok":
                status = r["status"]
                reasons.append(r.get("tampering") or r.get("reason") or r["status"])
            reasons += run_events(r.get("notebook"))
            attempts = reference_attempts(r.get("notebook"))
            if attempts:
                reasons.append("uses the course's reference implementation (refused: " + "; ".join(attempts[:3]) + ")")
            if r.get("cell_timeouts"):
                status = "timed out" if status == "graded" else status
                reasons.append("cell time limit hit in " + ", ".join(r["cell_timeouts"]))
        if not runs:
            status = "not run"
        score, max_score = scores.get(student, (0.0, 0.0))
        per_student[student] = {"status": status, "score": score, "max_score": max_score, "reasons": reasons,
                                "cells": (cells or {}).get(student, {})}
    from autograder.analytics import compact

    return {"assignment": assignment, "students": per_student, "misconceptions": compact(per_student)}


PLAIN_LIMITS = ("sandboxes without namespaces (no root, or AUTOGRADER_SANDBOX=plain): submissions ran as this "
                "user, saw its files (an audit hook in the kernel refuses the grader's folders and modules, and "
                "new programs, but a determined submission can get past an in-process hook), shared the "
                "machine's /tmp and network, and had per-process limits only (no process count, memory or disk "
                "limit for a submission as a whole)")


USER_NAMESPACE_LIMITS = ("sandboxes in user namespaces (no root): own root (allow-list), read-only but own folder, "
                         "own /tmp, /dev and IPC, no network, no capabilities; but no cgroups, so memory and CPU "
                         "time were limited per process, not per submission, and the number of processes only by "
                         "the notebook's time limit; submissions ran as this user (mapped to root in the namespace)")


def _sandbox_statement(scheduler):
    """What the sandboxes of this run enforced, in words, for the summary."""
    if scheduler:
        return "sandboxes on the Dask workers, as each worker's machine allows (root there: namespaced)"
    from autograder.sandbox import isolation

    return {"root": "namespaced sandboxes: own root (allow-list), read-only but own folder, nobody, cgroups "
                    "(memory, processes, CPU time per submission), no network",
            "user": USER_NAMESPACE_LIMITS}.get(isolation(), PLAIN_LIMITS)


def print_summary(summary, out=sys.stdout):
    students = summary["students"]
    by_status = {}
    for sid, info in students.items():
        by_status.setdefault(info["status"], []).append(sid)
    runs = summary.get("runs", {})
    print(f"\n{summary['assignment']}: {len(students)} submissions ({runs.get('executed', 0)} notebooks run, "
          f"{runs.get('reused', 0)} unchanged results reused)", file=out)
    for status in sorted(by_status):
        print(f"  {status:12s} {len(by_status[status]):4d}  {' '.join(sorted(by_status[status])[:20])}", file=out)
    for sid in sorted(students):
        info = students[sid]
        if info["reasons"]:
            print(f"  - {sid}: {info['score']:g}/{info['max_score']:g}; " + "; ".join(info["reasons"]), file=out)
    if summary.get("sandbox", "").startswith(("sandboxes without namespaces", "sandboxes in user namespaces")):
        print("WARNING: " + summary["sandbox"], file=out)
    print(f"grades: {summary['csv']}", file=out)
