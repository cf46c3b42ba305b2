"""What a graded class got wrong, computed from the grader's summaries (summary_<assignment>.json).

Pure computation, no files and no drawing (autograder/report.py writes the pages):
    item_statistics     per test cell: points, mean, pass rate, outcomes, difficulty, discrimination
    misconception_table per misconception: the students who showed it, in which test cells
    unexpected_failures failures that no known mistake explains, grouped by the check that failed
    persistence         across assignments: the concepts a student shows again in a later assignment

Item analysis as classical test theory defines it: difficulty is the mean fraction of the points scored;
discrimination is the point-biserial correlation of the cell's score with the rest of the score (the total
without this cell), and the upper-lower index is the pass rate of the top 27% minus that of the bottom 27%
of the class by total score. A cell discriminates poorly when the correlation is below 0.2 (Ebel's rule of
thumb): strong and weak students pass it alike, or it fails for reasons unrelated to the skill.
"""

import math

import numpy as np

POOR_DISCRIMINATION = 0.2
OUTCOMES = ("passed", "failed", "not attempted", "timeout", "tampered", "not run", "missing")


def score_matrix(summary):
    """(students, cells, points (S x C), maxima (C,), outcomes (S x C) as OUTCOMES indices) of one summary."""
    students = sorted(summary["students"])
    cells, maxima = [], {}
    for sid in students:
        for grade_id, cell in summary["students"][sid].get("cells", {}).items():
            if grade_id not in maxima:
                cells.append(grade_id)
            maxima[grade_id] = max(maxima.get(grade_id, 0.0), float(cell.get("max", 0.0)))
    index = {c: j for j, c in enumerate(cells)}
    points = np.zeros((len(students), len(cells)))
    outcomes = np.full((len(students), len(cells)), OUTCOMES.index("missing"), dtype=np.int8)
    code = {name: i for i, name in enumerate(OUTCOMES)}
    for i, sid in enumerate(students):
        for grade_id, cell in summary["students"][sid].get("cells", {}).items():
            j = index[grade_id]
            points[i, j] = float(cell.get("points", 0.0))
            outcomes[i, j] = code.get(cell.get("outcome"), code["failed"])
    return students, cells, points, np.array([maxima[c] for c in cells]), outcomes


def _correlation(x, y):
    """Pearson's r of two vectors; None when either is constant (no information)."""
    x, y = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return None if denominator == 0 else float(x @ y) / denominator


def item_statistics(points, maxima, outcomes, upper_lower=0.27):
    """One dict per test cell (in the order of the columns), with the class's figures for it."""
    n = points.shape[0]
    totals = points.sum(axis=1)
    order = np.argsort(totals, kind="stable")
    group = max(1, int(round(upper_lower * n))) if n else 0
    lower, upper = order[:group], order[n - group:]
    rows = []
    for j, most in enumerate(maxima):
        column = points[:, j]
        passed = column >= most if most > 0 else np.ones(n, dtype=bool)
        r = _correlation(column, totals - column) if n > 1 else None
        d = float(passed[upper].mean() - passed[lower].mean()) if n > 1 else None
        counts = {name: int((outcomes[:, j] == k).sum()) for k, name in enumerate(OUTCOMES)}
        rows.append({
            "points": float(most), "mean": float(column.mean()) if n else 0.0,
            "pass_rate": float(passed.mean()) if n else 0.0,
            "difficulty": float(column.mean() / most) if n and most else 0.0,
            "discrimination": r, "upper_lower": d,
            "poor": r is not None and r < POOR_DISCRIMINATION,
            "no_information": r is None,
            "points_lost": float((most - column).sum()),
            **{f"n_{name.replace(' ', '_')}": count for name, count in counts.items()},
        })
    return rows


def _key(misconception):
    return misconception.get("id") or "unregistered: " + str(misconception.get("description", ""))


def compact(students):
    """Summary form of students' cells: each cell's misconceptions as keys, the entries once in a table.

    students: student -> {..., "cells": {grade_id: {..., "misconceptions": [entry, ...]}}}, changed in place;
    returns key -> entry (the summary's "misconceptions"). A class of thousands repeats the same few dozen
    entries; the summary keeps each once, so that the report reads it fast.
    """
    entries = {}
    for info in students.values():
        for cell in info.get("cells", {}).values():
            keys = []
            for m in cell.get("misconceptions", []):
                key = m if isinstance(m, str) else _key(m)
                if not isinstance(m, str):
                    entries.setdefault(key, {k: v for k, v in m.items() if k != "id"})
                keys.append(key)
            cell["misconceptions"] = keys
    return entries


def misconception_table(summary):
    """Misconceptions ranked by how many students showed them: id, entry, students, the cells that showed it.

    A misconception counts for a student when a failed test cell names it as the only known mistake that fits
    what the student's code returned; where several fit, each is counted as possible (n_possible, possible).
    """
    entries = summary.get("misconceptions", {})
    found = {}
    for sid, info in summary["students"].items():
        for grade_id, cell in info.get("cells", {}).items():
            if cell.get("outcome") != "failed":
                continue
            fitting = cell.get("misconceptions", [])
            for key in fitting:
                row = found.setdefault(key, {"entry": entries.get(key, {}), "students": set(), "possible": set(),
                                             "cells": {}})
                row["students" if len(fitting) == 1 else "possible"].add(sid)
                row["cells"][grade_id] = row["cells"].get(grade_id, 0) + 1
    rows = []
    for key, row in found.items():
        possible = sorted(row["possible"] - row["students"])
        rows.append({"id": key, **{k: v for k, v in row["entry"].items() if k != "id"},
                     "n_students": len(row["students"]), "students": sorted(row["students"]),
                     "n_possible": len(possible), "possible": possible, "cells": dict(sorted(row["cells"].items()))})
    return sorted(rows, key=lambda r: (-r["n_students"], -r["n_possible"], r["id"]))


def unexpected_failures(summary):
    """Failed test cells whose failure matched no known mistake, grouped by (cell, the check that failed)."""
    groups = {}
    for sid, info in summary["students"].items():
        for grade_id, cell in info.get("cells", {}).items():
            if cell.get("outcome") == "failed" and not cell.get("misconceptions"):
                groups.setdefault((grade_id, cell.get("check", "")), set()).add(sid)
    rows = [{"cell": cell, "check": check, "n_students": len(s), "students": sorted(s)}
            for (cell, check), s in groups.items()]
    return sorted(rows, key=lambda r: (-r["n_students"], r["cell"], r["check"]))


def student_concepts(summary):
    """student -> {concept: [misconception ids]} shown in one assignment."""
    entries = summary.get("misconceptions", {})
    found = {}
    for sid, info in summary["students"].items():
        for cell in info.get("cells", {}).values():
            if cell.get("outcome") != "failed" or len(cell.get("misconceptions", [])) != 1:
                continue
            key = cell["misconceptions"][0]
            concept = entries.get(key, {}).get("concept")
            if concept and not key.startswith("unregistered: "):
                found.setdefault(sid, {}).setdefault(concept, []).append(key)
    return found


def persistence(summaries):
    """Across assignments in order: per concept, per assignment, the students who showed it, and those who
    showed it again in a later assignment (it persisted); per student, the concepts that persisted."""
    by_assignment = [(s["assignment"], student_concepts(s)) for s in summaries]
    concepts = sorted({c for _, per in by_assignment for shown in per.values() for c in shown})
    class_rows = []
    for concept in concepts:
        seen = [(a, {sid for sid, shown in per.items() if concept in shown}) for a, per in by_assignment]
        persisted = set()
        for i, (_, earlier) in enumerate(seen):
            for _, later in seen[i + 1:]:
                persisted |= earlier & later
        class_rows.append({"concept": concept, "per_assignment": {a: len(s) for a, s in seen},
                           "n_persisted": len(persisted), "students": sorted(persisted)})
    class_rows.sort(key=lambda r: (-r["n_persisted"], r["concept"]))
    per_student = {}
    for row in class_rows:
        for sid in row["students"]:
            per_student.setdefault(sid, []).append(
                {"concept": row["concept"],
                 "assignments": [a for a, per in by_assignment if row["concept"] in per.get(sid, {})]})
    return class_rows, dict(sorted(per_student.items()))
