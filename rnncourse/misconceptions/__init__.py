"""The known mistakes of every assignment as misconceptions: a stable id, the words, and where it is taught.

Each assignment's file (<assignment>.json here) maps a misconception id, `<nn>.<function>.<name>` such as
`02.rnn_backward.dh_not_carried`, to
    description  the words the checks use for the mistake (the key of a `mistakes` entry, the same text),
    concept      what it is an instance of, shared across assignments (the course-wide report follows a
                 student's concepts from one assignment to the next),
    lecture      the lecture notebook and section that teach the point ("lectures/<file>.ipynb#<anchor>"),
    section      that section's title.
contract.json holds the contract mistakes every assignment shares (rnncourse.checks.CONTRACT).

The grader turns the descriptions a failed check names into these entries (answer_key.judge), so the class
report and the students' study plans count ids, never message text. tests/test_misconceptions.py keeps the
files complete: every description a check can name has an entry, and every entry is one a check can name.
`python -m answer_key.misconceptions` adds entries for new descriptions (an id and a lecture section to check).
"""

import functools
import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
SHARED = "contract"


@functools.cache
def registry(name):
    """The file of one assignment (or SHARED): {"lecture", "sections": {function: title}, "misconceptions"}."""
    path = FOLDER / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {"lecture": "", "sections": {}, "misconceptions": {}}


def anchor(title):
    """JupyterLab's anchor for a Markdown heading: its text with spaces as hyphens."""
    return title.replace(" ", "-").replace("`", "")


def _entry(name, mid):
    data = registry(name)
    entry = {"id": mid, **data["misconceptions"][mid]}
    section = data["sections"].get(entry["function"], "")
    entry["section"] = section
    entry["lecture"] = f"{data['lecture']}#{anchor(section)}" if data["lecture"] and section else data["lecture"]
    return entry


@functools.cache
def _by_description(assignment):
    """description -> [(function, id, file)], the shared contract mistakes first."""
    found = {}
    for name in (SHARED, assignment):
        for mid, entry in registry(name)["misconceptions"].items():
            found.setdefault(entry["description"], []).append((entry["function"], mid, name))
    return found


def lookup(assignment, description, grade_id=""):
    """The misconception entry whose words are description (the one of the tested function, when the same words
    name mistakes of several functions); id None when no entry has them."""
    candidates = _by_description(assignment).get(description, [])
    if not candidates:
        return {"id": None, "description": description}
    tested = grade_id.removeprefix("test_")
    best = max(candidates, key=lambda c: (tested == c[0] or tested.startswith(c[0] + "_"), len(c[0])))
    return _entry(best[2], best[1])
