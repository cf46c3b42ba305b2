"""Keep rnncourse/misconceptions/<assignment>.json in step with the known mistakes the checks can name.

    python -m answer_key.misconceptions [ASSIGNMENT ...]     (all assignments by default; `make release` runs it)

A known mistake is named by its description: the key of a `mistakes` entry, either frozen by `make release`
(rnncourse/visible/ and answer_key/hidden/, from answer_key/oracles) or written in a test cell. Each gets a
misconception entry with a stable id `<nn>.<function>.<words>`: a new description gets a new entry, an
entry whose description no check names any more is removed, and every other entry is kept as it is (its id,
its concept, any edit an instructor made). The lecture section of a function is kept in the file's
"sections" (set once per function, by hand: the test suite checks it is a heading of the lecture).
"""

import ast
import json
import re
import sys
from pathlib import Path

import nbformat

from answer_key.keys import HIDDEN_DIR
from autograder import layout
from rnncourse.checks import CONTRACT
from rnncourse.expect import VISIBLE_DIR
from rnncourse.misconceptions import FOLDER, SHARED

REPO = Path(__file__).resolve().parent.parent

# the concept a new entry starts with, from the words of its description (first rule that matches)
CONCEPT_RULES = [
    ("devices", r"\bdevice|\.to\(|cuda|\bcpu\b"),
    ("randomness", r"random|seed|shuffl|generator"),
    ("side effects", r"in place|modif|changes? (an|the|its) input|copy"),
    ("shapes and axes", r"axis|axes|transpos|shape|batch_first|time and batch|\.T\b|reshape|flatten|dimension"),
    ("off by one", r"off by one|one step (early|late)|one too|last n\b|\bn characters|\+ ?1\b|- ?1\b|stops? one"),
    ("gradients", r"gradient|backward|derivative|accumulat|chain rule|dL|d[WUhx]\b|autograd|grad\b|clip|norm\b"),
    ("recurrent state", r"\bstate|h0|h_0|carried|carry|hidden"),
    ("probabilities and sampling", r"softmax|probabilit|logit|log\b|temperature|sampl|argmax|normali[sz]"),
    ("averages and sums", r"\bmean\b|\bsum\b|average|divide|total|count"),
    ("ordering and ties", r"\btie|sort|order|revers|first|last"),
]


def concept_of(description):
    for concept, pattern in CONCEPT_RULES:
        if re.search(pattern, description, re.IGNORECASE):
            return concept
    return "other"


def function_of(grade_id, functions):
    """The graded function a test cell tests: test_<function>[_aspect]."""
    name = grade_id.removeprefix("test_")
    matches = [f for f in functions if name == f or name.startswith(f + "_")]
    return max(matches, key=len) if matches else name


def _literal_mistakes(source):
    """Descriptions written in a test cell: the string keys of every `mistakes={...}` argument."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "mistakes" and isinstance(keyword.value, ast.Dict):
                    found += [k.value for k in keyword.value.keys if isinstance(k, ast.Constant)
                              and isinstance(k.value, str)]
    return found


def named_mistakes(assignment, repo=REPO):
    """function -> the descriptions the checks of that function's test cells can name."""
    nb = nbformat.read(Path(repo) / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    functions = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            for d in _literal_mistakes(cell.source):
                found.setdefault(function_of(meta["grade_id"], functions), []).append(d)
    for folder in (VISIBLE_DIR, HIDDEN_DIR):
        path = folder / f"{assignment}.json"
        for grade_id, entries in (json.loads(path.read_text()) if path.exists() else {}).items():
            for entry in entries:
                found.setdefault(function_of(grade_id, functions), []).extend(d for d, _ in entry["mistakes"])
    return {f: list(dict.fromkeys(ds)) for f, ds in found.items()}


def _words(description, taken):
    words = re.findall(r"[a-z0-9]+", description.lower().split(":")[0])[:6] or ["mistake"]
    base = "_".join(words)
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def update(assignment, repo=REPO):
    """Bring one assignment's file up to date; return (added ids, removed ids)."""
    path = FOLDER / f"{assignment}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault("lecture", next((str(p.relative_to(repo)) for p in sorted((Path(repo) / "lectures").glob(
        f"{assignment[:2]}_*.ipynb"))), ""))
    data.setdefault("sections", {})
    entries = data.setdefault("misconceptions", {})
    named = named_mistakes(assignment, repo)
    wanted = {(f, d) for f, ds in named.items() for d in ds}
    removed = [mid for mid, e in entries.items() if (e["function"], e["description"]) not in wanted]
    for mid in removed:
        del entries[mid]
    have = {(e["function"], e["description"]) for e in entries.values()}
    added = []
    for function, descriptions in named.items():
        data["sections"].setdefault(function, "")
        for d in descriptions:
            if (function, d) in have:
                continue
            taken = {mid.rsplit(".", 1)[1] for mid in entries if mid.split(".")[1] == function}
            mid = f"{assignment[:2]}.{function}.{_words(d, taken)}"
            entries[mid] = {"description": d, "function": function, "concept": concept_of(d)}
            have.add((function, d))
            added.append(mid)
    data["misconceptions"] = dict(sorted(entries.items()))
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return added, removed


def update_shared():
    path = FOLDER / f"{SHARED}.json"
    data = {"lecture": "", "sections": {}, "misconceptions": {
        f"contract.{key}": {"description": d, "function": "contract", "concept": concept_of(d)}
        for key, d in CONTRACT.items()}}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    update_shared()
    for assignment in argv or layout.assignments(REPO):
        added, removed = update(assignment)
        print(f"{assignment}: {len(added)} misconception(s) added, {len(removed)} removed")
        missing = [f for f, s in json.loads((FOLDER / f"{assignment}.json").read_text())["sections"].items() if not s]
        if missing:
            print(f"  set the lecture section of: {', '.join(missing)} (rnncourse/misconceptions/{assignment}.json)")


if __name__ == "__main__":
    main()
