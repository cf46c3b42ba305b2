"""Grade a class: nbgrader's grading, run in parallel sandboxes; then report what the class got wrong.

    python -m autograder grade ASSIGNMENT --submissions PATH [options]
    python -m autograder report ASSIGNMENT | --all [--workspace DIR]

PATH is nbgrader's collected layout (PATH/<student>/<assignment>/*.ipynb),
a zip file, or a folder of zip files (see autograder/collect.py). Results go
to the workspace: the gradebook, autograded notebooks, feedback HTML (no
hidden tests), grades.csv and summary_<assignment>.json. Re-running is safe:
unchanged submissions are not run again and no earlier score is kept. The
class report (autograder/report.py) goes to WORKSPACE/reports/.
"""

import argparse
import sys
from pathlib import Path

from autograder.collect import SubmissionError
from autograder.grading import grade_class, print_summary
from autograder.limits import Limits
from autograder.nbgrader_run import NbgraderError
from autograder.report import ReportError, assignment_report, course_report


def grade(assignment, submissions, workspace, csv_path, feedback=True, **kw):
    """Grade every submission of one assignment; return the path of the CSV written."""
    summary = grade_class(assignment, submissions, workspace, csv_path, feedback=feedback, **kw)
    return Path(summary["csv"])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde submissions, write feedback, export a CSV")
    g.add_argument("assignment", help="assignment name, a folder of solutions/ (e.g. 01_sequences)")
    g.add_argument("--submissions", required=True, help="<student>/<assignment>/*.ipynb folders, or zip files")
    g.add_argument("--workspace", default="grading", help="course folder for the gradebook and results")
    g.add_argument("--csv", default=None, help="where to write the grades (default WORKSPACE/grades.csv)")
    g.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: one per core)")
    g.add_argument("--scheduler", default=None, help="a Dask scheduler address: run on that cluster instead")
    g.add_argument("--no-feedback", action="store_true", help="skip generating feedback HTML")
    defaults = Limits()
    g.add_argument("--cell-timeout", type=int, default=defaults.cell_timeout, help="seconds per cell")
    g.add_argument("--notebook-timeout", type=int, default=defaults.notebook_timeout, help="seconds per notebook")
    g.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="memory per submission")
    g.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds, help="CPU time per submission")
    g.add_argument("--max-processes", type=int, default=defaults.max_processes, help="processes per submission")
    g.add_argument("--disk-mb", type=int, default=defaults.disk_mb, help="what a submission may write, in all")
    r = sub.add_parser("report", help="the class report of graded assignments: HTML page and CSV files")
    r.add_argument("assignment", nargs="?", help="a graded assignment (omit with --all)")
    r.add_argument("--all", action="store_true", help="every graded assignment of the workspace, and across them")
    r.add_argument("--workspace", default="grading", help="the course folder `grade` wrote to")
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args, parser)

    workspace = Path(args.workspace).resolve()
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds, max_processes=args.max_processes,
                    disk_mb=args.disk_mb)
    try:
        summary = grade_class(args.assignment, args.submissions, workspace, args.csv or workspace / "grades.csv",
                              limits=limits, workers=args.workers, scheduler=args.scheduler,
                              feedback=not args.no_feedback)
    except (SubmissionError, NbgraderError) as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    print_summary(summary)
    try:
        print(f"class report: {assignment_report(workspace, args.assignment) / 'report.html'}")
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
    if not args.no_feedback:
        print(f"feedback: {workspace / 'feedback'}")
    return 0


def _report(args, parser):
    if bool(args.assignment) == bool(args.all):
        parser.error("report: name one ASSIGNMENT, or give --all")
    workspace = Path(args.workspace).resolve()
    try:
        if args.all:
            for summary in sorted(workspace.glob("summary_*.json")):
                folder = assignment_report(workspace, summary.stem.removeprefix("summary_"))
                print(f"class report: {folder / 'report.html'}")
            print(f"course report: {course_report(workspace) / 'report.html'}")
        else:
            print(f"class report: {assignment_report(workspace, args.assignment) / 'report.html'}")
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    return 0
