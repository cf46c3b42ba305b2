"""Misconceptions (rnncourse/misconceptions/) and the class report's figures (autograder/analytics.py, report.py).

The registry is complete and points at real lecture sections; the item statistics match values computed by
hand on a tiny class; the report names every misconception with its students and escapes what it shows.
"""

import csv
import json
import math
import re

import nbformat
import numpy as np
import pytest

from answer_key.misconceptions import named_mistakes
from autograder import analytics, layout
from autograder.report import assignment_report, course_report
from rnncourse import misconceptions
from tests.grading.harness import REPO

ASSIGNMENTS = layout.assignments()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_mistake_a_check_can_name_is_a_registered_misconception_and_no_other(assignment):
    data = misconceptions.registry(assignment)
    registered = {(e["function"], e["description"]) for e in data["misconceptions"].values()}
    named = {(f, d) for f, ds in named_mistakes(assignment).items() for d in ds}
    assert named - registered == set(), f"run `python -m answer_key.misconceptions {assignment}`: new descriptions"
    assert registered - named == set(), f"run `python -m answer_key.misconceptions {assignment}`: stale entries"
    for mid, entry in data["misconceptions"].items():
        assert re.fullmatch(rf"{assignment[:2]}\.{re.escape(entry['function'])}\.[a-z0-9_]+", mid), mid
        assert entry["concept"], mid


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_a_lecture_section_that_exists(assignment):
    data = misconceptions.registry(assignment)
    lecture = nbformat.read(REPO / data["lecture"], as_version=4)
    headings = {line.lstrip("#").strip() for cell in lecture.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("#")}
    solution = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    functions = [c.metadata["nbgrader"]["grade_id"] for c in solution.cells
                 if c.metadata.get("nbgrader", {}).get("solution")]
    missing = set(functions) - set(data["sections"])
    assert not missing, f"functions without a lecture section: {missing}"
    for function, section in data["sections"].items():
        assert section in headings, f"{assignment}: {function}'s section {section!r} is not a heading of the lecture"


def test_ids_are_unique_across_the_course_and_lookup_prefers_the_tested_function():
    ids = [mid for a in [*ASSIGNMENTS, misconceptions.SHARED] for mid in misconceptions.registry(a)["misconceptions"]]
    assert len(ids) == len(set(ids))
    from rnncourse.checks import CONTRACT

    entry = misconceptions.lookup("02_elman", CONTRACT["device"])
    assert entry["id"] == "contract.device"
    assert misconceptions.lookup("02_elman", "words nobody wrote") == {"id": None, "description": "words nobody wrote"}
    some = next(iter(misconceptions.registry("02_elman")["misconceptions"].values()))
    found = misconceptions.lookup("02_elman", some["description"], "test_" + some["function"])
    assert found["function"] == some["function"] and found["lecture"].startswith("lectures/02_elman_rnn.ipynb#")


# ---- the figures of a tiny class, by hand -----------------------------------------------------------------

def _cell(points, most, outcome=None, misconceptions=(), check=""):
    outcome = outcome or ("passed" if points == most else "failed")
    return {"points": points, "max": most, "outcome": outcome, "check": check, "misconceptions": list(misconceptions)}


OFF = {"id": "01.f.off_by_one", "description": "off by one", "concept": "off by one", "section": "1.1 X",
       "lecture": "lectures/01_sequence_learning.ipynb#1.1-X"}
AXIS = {"id": "01.g.axis", "description": "wrong axis", "concept": "shapes and axes"}


def _summary(assignment, students):
    """A summary as the grader writes it: misconceptions as keys into one table."""
    return {"assignment": assignment, "students": students, "misconceptions": analytics.compact(students)}


def tiny_class():
    """Four students, two test cells (q1: 2 points, q2: 1 point)."""
    return _summary("01_sequences", {
        "ann": {"score": 3, "max_score": 3, "status": "graded", "cells": {"q1": _cell(2, 2), "q2": _cell(1, 1)}},
        "bob": {"score": 2, "max_score": 3, "status": "graded",
                "cells": {"q1": _cell(2, 2), "q2": _cell(0, 1, misconceptions=[AXIS], check="g(x)")}},
        "cy": {"score": 1, "max_score": 3, "status": "graded",
               "cells": {"q1": _cell(0, 2, misconceptions=[OFF], check="f(1)"), "q2": _cell(1, 1)}},
        "dee": {"score": 0, "max_score": 3, "status": "timed out",
                "cells": {"q1": _cell(0, 2, check="f(2)"), "q2": _cell(0, 1, outcome="timeout")}},
    })


def test_item_statistics_match_values_computed_by_hand():
    students, cells, points, maxima, outcomes = analytics.score_matrix(tiny_class())
    assert students == ["ann", "bob", "cy", "dee"] and cells == ["q1", "q2"]
    q1, q2 = analytics.item_statistics(points, maxima, outcomes)
    # q1 scores (2, 2, 0, 0), rest of the score (q2) (1, 0, 1, 0): r = 0 by hand
    assert q1["mean"] == 1.0 and q1["pass_rate"] == 0.5 and q1["difficulty"] == 0.5 and q1["points_lost"] == 4
    assert q1["discrimination"] == pytest.approx(0.0) and q1["poor"]
    # q2 scores (1, 0, 1, 0), rest (2, 2, 0, 0): r = 0; totals (3, 2, 1, 0): top 27% of 4 = 1 student (ann, passes
    # q2), bottom 1 student (dee, fails): upper-lower = 1 - 0 = 1
    assert q2["upper_lower"] == 1.0 and q1["upper_lower"] == 1.0
    assert q2["n_timeout"] == 1 and q2["n_passed"] == 2 and q2["n_failed"] == 1
    # a cell everyone passes carries no information: no correlation, not flagged as poor
    flat = analytics.item_statistics(np.array([[1.0], [1.0]]), np.array([1.0]), np.zeros((2, 1), dtype=np.int8))[0]
    assert flat["discrimination"] is None and flat["no_information"] and not flat["poor"]
    # the point-biserial correlation by its own formula on a class where it is not 0
    item, rest = np.array([1.0, 1, 0, 0, 1]), np.array([4.0, 3, 1, 2, 2])
    p = item.mean()
    by_formula = (rest[item == 1].mean() - rest[item == 0].mean()) / rest.std() * math.sqrt(p * (1 - p))
    assert analytics._correlation(item, rest) == pytest.approx(by_formula)


def test_misconceptions_and_unexpected_failures_name_the_students():
    summary = tiny_class()
    table = analytics.misconception_table(summary)
    assert [(m["id"], m["n_students"], m["students"], m["cells"], m["n_possible"]) for m in table] == [
        ("01.f.off_by_one", 1, ["cy"], {"q1": 1}, 0), ("01.g.axis", 1, ["bob"], {"q2": 1}, 0)]
    assert analytics.unexpected_failures(summary) == [
        {"cell": "q1", "check": "f(2)", "n_students": 1, "students": ["dee"]}]
    # two known mistakes that both fit: each is possible for the student, neither is counted as shown
    summary["students"]["eve"] = {"score": 0, "max_score": 3, "status": "graded",
                                  "cells": {"q1": _cell(0, 2, misconceptions=[OFF, AXIS]), "q2": _cell(0, 1)}}
    summary["misconceptions"].update(analytics.compact({"eve": summary["students"]["eve"]}))
    rows = {m["id"]: m for m in analytics.misconception_table(summary)}
    assert rows["01.f.off_by_one"]["students"] == ["cy"] and rows["01.f.off_by_one"]["possible"] == ["eve"]
    assert rows["01.g.axis"]["possible"] == ["eve"]


def test_persistence_follows_a_concept_into_a_later_assignment():
    first = tiny_class()
    second = _summary("02_elman", {
        "cy": {"score": 0, "max_score": 1, "status": "graded",
               "cells": {"r1": _cell(0, 1, misconceptions=[{**OFF, "id": "02.h.off"}])}},
        "bob": {"score": 1, "max_score": 1, "status": "graded", "cells": {"r1": _cell(1, 1)}}})
    rows, per_student = analytics.persistence([first, second])
    off = next(r for r in rows if r["concept"] == "off by one")
    assert off["per_assignment"] == {"01_sequences": 1, "02_elman": 1} and off["students"] == ["cy"]
    assert per_student == {"cy": [{"concept": "off by one", "assignments": ["01_sequences", "02_elman"]}]}


def test_the_report_writes_every_figure_and_escapes_what_submissions_control(tmp_path):
    summary = tiny_class()
    hostile = "<script>alert(1)</script>"
    summary["students"][hostile] = {"score": 0, "max_score": 3, "status": "graded", "cells": {
        "q1": _cell(0, 2, misconceptions=[{"id": None, "description": hostile}], check=hostile),
        "q2": _cell(0, 1, check=hostile)}}
    summary["misconceptions"].update(analytics.compact({hostile: summary["students"][hostile]}))
    (tmp_path / "summary_01_sequences.json").write_text(json.dumps(summary))
    out = assignment_report(tmp_path, "01_sequences")
    page = (out / "report.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page
    assert page.count("data:image/png;base64,") == 2
    assert 'href="lectures/01_sequence_learning.ipynb#1.1-X"' in page
    with open(out / "misconceptions.csv") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert rows["01.f.off_by_one"]["students"] == "cy" and rows["01.f.off_by_one"]["n_students"] == "1"
    with open(out / "items.csv") as f:
        items = {r["test cell"]: r for r in csv.DictReader(f)}
    assert items["q1"]["mean"] == "0.8" and items["q2"]["n timeout"] == "1"
    course = course_report(tmp_path)
    assert (course / "report.html").exists() and (course / "persistence.csv").exists()
