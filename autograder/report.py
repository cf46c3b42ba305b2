"""The class report: one self-contained HTML page and CSV files, from the grader's summaries.

    python -m autograder report ASSIGNMENT [--workspace grading]    one graded assignment
    python -m autograder report --all [--workspace grading]         every graded assignment of the workspace

`python -m autograder grade` writes the assignment's report at the end of each run. Files go to
WORKSPACE/reports/<assignment>/ (report.html, items.csv, misconceptions.csv, unexpected.csv, students.csv)
and, for --all, WORKSPACE/reports/course/ (report.html, persistence.csv, students.csv). The numbers come from
autograder/analytics.py; this module only lays them out.
"""

import base64
import csv
import html
import io
import json
from pathlib import Path

from autograder import analytics

SHOWN_STUDENTS = 40       # ids listed in a table cell of the page; the CSV files have them all


class ReportError(RuntimeError):
    """No graded summary to report on."""


def load_summary(workspace, assignment):
    path = Path(workspace) / f"summary_{assignment}.json"
    if not path.exists():
        raise ReportError(f"no graded summary for {assignment} in {workspace} (run `python -m autograder grade` "
                          "first)")
    return json.loads(path.read_text())


def _figure_png(draw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=96)
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _e(text):
    return html.escape(str(text), quote=True)


def _students(ids):
    """The students of a row, folded: a click shows them (the first SHOWN_STUDENTS; the CSV has all)."""
    if not ids:
        return "–"
    shown = ", ".join(_e(s) for s in ids[:SHOWN_STUDENTS])
    more = f" … and {len(ids) - SHOWN_STUDENTS} more (see the CSV)" if len(ids) > SHOWN_STUDENTS else ""
    return f"<details><summary>{len(ids)} student{'s' if len(ids) != 1 else ''}</summary>{shown}{more}</details>"


def _number(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def _table(header, rows, cls=""):
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } tr.poor td { background: #fff3cd; } .num { text-align: right; }
figure { margin: 1em 0; } .note { color: #555; font-size: 0.9em; }
"""


def _page(title, sections):
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>{''.join(sections)}</body></html>\n")


def assignment_report(workspace, assignment, out=None):
    """Write the report of one graded assignment; return the folder written."""
    import numpy as np

    summary = load_summary(workspace, assignment)
    out = Path(out or Path(workspace) / "reports" / assignment)
    out.mkdir(parents=True, exist_ok=True)
    students, cells, points, maxima, outcomes = analytics.score_matrix(summary)
    items = analytics.item_statistics(points, maxima, outcomes)
    misconceptions = analytics.misconception_table(summary)
    unexpected = analytics.unexpected_failures(summary)
    totals = points.sum(axis=1)
    most = float(maxima.sum())

    item_header = ["test cell", "points", "mean", "pass rate", "difficulty", "discrimination (r_pb)",
                   "upper-lower 27%", "points lost", *[f"n {o}" for o in analytics.OUTCOMES]]
    item_rows = [[c, s["points"], round(s["mean"], 4), round(s["pass_rate"], 4), round(s["difficulty"], 4),
                  "" if s["discrimination"] is None else round(s["discrimination"], 4),
                  "" if s["upper_lower"] is None else round(s["upper_lower"], 4), s["points_lost"],
                  *[s[f"n_{o.replace(' ', '_')}"] for o in analytics.OUTCOMES]]
                 for c, s in zip(cells, items, strict=True)]
    _write_csv(out / "items.csv", item_header, item_rows)
    _write_csv(out / "misconceptions.csv", ["id", "description", "concept", "section", "lecture", "n_students",
                                            "test cells", "students", "n_possible", "possible"],
               [[m["id"], m.get("description", ""), m.get("concept", ""), m.get("section", ""), m.get("lecture", ""),
                 m["n_students"], " ".join(m["cells"]), " ".join(m["students"]), m["n_possible"],
                 " ".join(m["possible"])] for m in misconceptions])
    _write_csv(out / "unexpected.csv", ["test cell", "check", "n_students", "students"],
               [[u["cell"], u["check"], u["n_students"], " ".join(u["students"])] for u in unexpected])
    shown_by = {}
    for m in misconceptions:
        for sid in m["students"]:
            shown_by.setdefault(sid, []).append(m["id"])
    _write_csv(out / "students.csv", ["student", "score", "max_score", "status", "misconceptions"],
               [[s, summary["students"][s]["score"], summary["students"][s]["max_score"],
                 summary["students"][s]["status"], " ".join(shown_by.get(s, []))] for s in students])

    def histogram(ax):
        bins = min(40, max(5, int(most) + 1))          # one bar per point, for a test of up to 40 points
        ax.hist(totals, bins=bins, range=(-0.5, max(most, 1) + 0.5), color="#4c72b0", edgecolor="white")
        ax.set_xlabel(f"score (of {most:g})")
        ax.set_ylabel("students")
        ax.set_title("score distribution")

    ranked = sorted(zip(cells, items, strict=True), key=lambda ci: -ci[1]["points_lost"])

    def lost(ax):
        names = [c for c, _ in ranked][::-1]
        ax.barh(names, [s["points_lost"] for _, s in ranked][::-1], color="#dd8452")
        ax.set_xlabel("points lost by the class")
        ax.set_title("where the class lost points")
        ax.tick_params(axis="y", labelsize=7)

    poor = sum(s["poor"] for s in items)
    sections = [
        f'<p class="note">{len(students)} submissions; mean {totals.mean() if len(totals) else 0:.2f} of {most:g} '
        f"points, median {float(np.median(totals)) if len(totals) else 0:.2f}. Item figures by classical test "
        "theory: difficulty is the mean fraction of the points; discrimination is the point-biserial correlation "
        "with the rest of the score (below 0.2 flagged: the cell does not separate strong from weak work).</p>",
        "<h2>Score distribution</h2>", f'<figure><img alt="score distribution" src="{_figure_png(histogram)}">'
        "</figure>",
        "<h2>Questions by points lost</h2>",
        f'<figure><img alt="points lost per test cell" src="{_figure_png(lost)}"></figure>',
        "<h2>Test cells</h2>",
        f'<p class="note">{poor} test cell(s) discriminate poorly (highlighted).</p>',
        _table(["test cell", "points", "mean", "pass rate", "difficulty", "r_pb", "upper−lower", "points lost",
                "timeouts", "tampered", "not attempted"],
               [[_e(c), s["points"], _number(s["mean"]), _number(s["pass_rate"]), _number(s["difficulty"]),
                 _number(s["discrimination"]), _number(s["upper_lower"]), _number(s["points_lost"], 1),
                 s["n_timeout"], s["n_tampered"], s["n_not_attempted"]] for c, s in ranked]),
        "<h2>Misconceptions, most frequent first</h2>",
        '<p class="note">A student counts for a misconception when it is the only known mistake that fits the '
        "failed check; \u201calso possible\u201d counts those for whom it was one of several that fit.</p>",
        _table(["misconception", "students", "also possible", "in test cells", "re-teach", "who"],
               [[f"<code>{_e(m['id'])}</code><br>{_e(m.get('description', ''))}", m["n_students"], m["n_possible"],
                 ", ".join(f"{_e(c)} ({n})" for c, n in m["cells"].items()),
                 (f'<a href="{_e(m["lecture"])}">{_e(m.get("section", m["lecture"]))}</a>'
                  if m.get("lecture") else "–"), _students(m["students"])] for m in misconceptions]),
        "<h2>Unexpected failures: mistakes nobody has named yet</h2>",
        '<p class="note">Failed test cells whose output matched no known mistake, grouped by the check that '
        "failed. Large groups are candidates for a new entry in the catalogue of mistakes.</p>",
        _table(["test cell", "failed check", "students", "who"],
               [[_e(u["cell"]), f"<code>{_e(u['check'])}</code>", u["n_students"], _students(u["students"])]
                for u in unexpected]),
    ]
    page = _page(f"Class report: {assignment}", sections)
    for c, s in ranked:
        if s["poor"]:
            page = page.replace(f"<tr><td>{_e(c)}</td>", f'<tr class="poor"><td>{_e(c)}</td>', 1)
    (out / "report.html").write_text(page)
    return out


def course_report(workspace, out=None):
    """Write the report across every graded assignment of the workspace; return the folder written."""
    paths = sorted(Path(workspace).glob("summary_*.json"))
    if not paths:
        raise ReportError(f"no graded summaries in {workspace}")
    summaries = [json.loads(p.read_text()) for p in paths]
    out = Path(out or Path(workspace) / "reports" / "course")
    out.mkdir(parents=True, exist_ok=True)
    class_rows, per_student = analytics.persistence(summaries)
    names = [s["assignment"] for s in summaries]
    _write_csv(out / "persistence.csv", ["concept", *names, "n_persisted", "students"],
               [[r["concept"], *[r["per_assignment"][a] for a in names], r["n_persisted"], " ".join(r["students"])]
                for r in class_rows])
    _write_csv(out / "students.csv", ["student", "concept", "assignments"],
               [[sid, row["concept"], " ".join(row["assignments"])] for sid, rows in per_student.items()
                for row in rows])
    scores = _table(["assignment", "submissions", "mean score", "of"],
                    [[_e(s["assignment"]), len(s["students"]),
                      _number(sum(i["score"] for i in s["students"].values()) / max(1, len(s["students"]))),
                      _number(max([i["max_score"] for i in s["students"].values()] or [0]), 0)] for s in summaries])
    sections = [
        "<h2>Assignments graded</h2>", scores,
        "<h2>Misconceptions that persist</h2>",
        '<p class="note">Per concept: how many students showed it in each assignment, and how many showed it in '
        "one assignment and again in a later one.</p>",
        _table(["concept", *names, "persisted", "who"],
               [[_e(r["concept"]), *[r["per_assignment"][a] for a in names], r["n_persisted"],
                 _students(r["students"])] for r in class_rows]),
        "<h2>Per student</h2>",
        _table(["student", "persisting concepts"],
               [[_e(sid), "; ".join(f"{_e(r['concept'])} ({', '.join(map(_e, r['assignments']))})" for r in rows)]
                for sid, rows in list(per_student.items())[:500]]),
    ]
    (out / "report.html").write_text(_page("Course report: misconceptions across assignments", sections))
    return out
