"""The frozen checks of an assignment, per test cell: visible ones (shipped) and hidden ones (here)."""

import json
from pathlib import Path

from rnncourse.expect import VISIBLE_DIR

HIDDEN_DIR = Path(__file__).resolve().parent / "hidden"


def _load(path):
    return json.loads(path.read_text()) if path.exists() else {}


def hidden_entries(assignment):
    """check id -> entry, for the hidden tests of one assignment."""
    return {e["id"]: e for cell in _load(HIDDEN_DIR / f"{assignment}.json").values() for e in cell}


def cell_entries(assignment):
    """test cell grade_id -> its frozen checks in the order they run (visible first, then hidden)."""
    cells = {}
    for path in (VISIBLE_DIR / f"{assignment}.json", HIDDEN_DIR / f"{assignment}.json"):
        for grade_id, entries in _load(path).items():
            cells.setdefault(grade_id, []).extend(entries)
    return {grade_id: sorted(entries, key=lambda e: e["seq"]) for grade_id, entries in cells.items()}
