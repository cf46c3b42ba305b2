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
    """id -> entry, for one assignment (or SHARED); empty when the file does not exist."""
    path = FOLDER / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


@functools.cache
def _by_description(assignment):
    found = {}
    for name in (SHARED, assignment):
        for mid, entry in registry(name).items():
            found[entry["description"]] = {"id": mid, **entry}
    return found


def lookup(assignment, description):
    """The misconception entry whose words are description; id None when no entry has them."""
    return _by_description(assignment).get(description, {"id": None, "description": description})
