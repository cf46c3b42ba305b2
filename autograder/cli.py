"""Grade a folder of submissions for one assignment and export the grades.

    python -m autograder grade 01_sequences --submissions PATH [--workspace DIR] [--csv FILE]

PATH is nbgrader's collected layout, PATH/<student>/<assignment>/*.ipynb.
The steps are nbgrader's own: generate_assignment (registers the assignment
in the workspace's gradebook), autograde, generate_feedback and export.
"""

import argparse
import sys
from pathlib import Path

from autograder import workspace as ws
from autograder.nbgrader_run import NbgraderError, nbgrader


def grade(assignment, submissions, workspace, csv_path, feedback=True):
    """Grade every submission of one assignment; return the path of the CSV written."""
    students = ws.find_submissions(submissions, assignment)
    ws.prepare(workspace, assignment)
    ws.collect(workspace, assignment, students)
    nbgrader(workspace, "autograde", assignment, "--force")
    if feedback:
        nbgrader(workspace, "generate_feedback", assignment, "--force")
    csv_path = Path(csv_path).resolve()
    nbgrader(workspace, "export", "--to", str(csv_path))
    return csv_path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde a folder of submissions and export a CSV")
    g.add_argument("assignment", help="assignment name, a folder of solutions/ (e.g. 01_sequences)")
    g.add_argument("--submissions", required=True, help="folder laid out as <student>/<assignment>/*.ipynb")
    g.add_argument("--workspace", default="grading", help="course folder for the gradebook and results")
    g.add_argument("--csv", default=None, help="where to write the grades (default WORKSPACE/grades.csv)")
    g.add_argument("--no-feedback", action="store_true", help="skip generating feedback HTML")
    args = parser.parse_args(argv)

    workspace = Path(args.workspace).resolve()
    csv_path = args.csv or workspace / "grades.csv"
    try:
        out = grade(args.assignment, args.submissions, workspace, csv_path, feedback=not args.no_feedback)
    except (ws.SubmissionError, NbgraderError) as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    print(f"grades written to {out}")
    if not args.no_feedback:
        print(f"feedback in {workspace / 'feedback'}")
    return 0
