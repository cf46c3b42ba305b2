"""The grader's side of a frozen check: what a sandbox recorded, compared with the key.

Runs in the grader's own process (nbgrader's replay phase), never in the
student's interpreter: the student's values arrive as plain data, and the
expected values never enter the sandbox.
"""

import json

from answer_key.keys import cell_entries
from rnncourse import misconceptions
from rnncourse.checks import DIAGNOSIS_MIME, CheckFailure
from rnncourse.expect import MIME, compare, decode


def take_records(outputs, diagnoses=None):
    """(outputs without the records, [records]); a record is a display output of the course's own type.

    diagnoses: a list that receives the failed checks' structured parts the sandbox sent (their outputs go too).
    """
    kept, records = [], []
    for out in outputs:
        data = out.get("data", {}) if out.get("output_type") == "display_data" else {}
        if DIAGNOSIS_MIME in data:
            if diagnoses is not None:
                diagnoses.append(json.loads(json.dumps(data[DIAGNOSIS_MIME])))
            continue
        if MIME in data:
            records.append(json.loads(json.dumps(out["data"][MIME])))   # plain dicts, not NotebookNodes
        else:
            kept.append(out)
    return kept, records


def verdict(entries, records, cell_failed):
    """None if every frozen check of a test cell passed, else the message of the first that did not."""
    failure = first_failure(entries, records, cell_failed)
    return None if failure is None else str(failure)


def first_failure(entries, records, cell_failed):
    """None if every frozen check of a test cell passed, else a CheckFailure for the first that did not.

    entries: the cell's frozen checks, in order; records: what the sandbox sent.
    cell_failed: the cell already has an error (then checks that never ran are explained by it).
    """
    got = {}
    for record in records:
        if type(record) is not dict or type(record.get("id")) is not str or "got" not in record:
            return CheckFailure("the grader received a malformed check record from this cell", check="records")
        if record["id"] in got and got[record["id"]] != record["got"]:
            return CheckFailure(f"check {record['id']!r} was recorded twice with different values", check="records")
        got[record["id"]] = record["got"]
    for entry in entries:
        if entry["id"] not in got:
            if cell_failed:
                return None
            return CheckFailure(f"{entry['name']}: this check did not run, so it cannot pass "
                                "(was the test's code changed, or the checker replaced?)", check=entry["name"])
        try:
            compare(entry, decode(got[entry["id"]]))
        except CheckFailure as failure:
            return failure
        except (ValueError, TypeError, KeyError) as exc:
            return CheckFailure(f"{entry['name']}: the recorded value could not be read ({exc})", check=entry["name"])
    return None


def judge_notebook(nb, assignment):
    """Remove the records from every cell; add a CheckFailure error to each test cell that fails its checks.

    A failed test cell also gets, in its metadata (METADATA_KEY), what failed as data: the check and the known
    mistakes that fit it, each with its misconception id and the lecture section that teaches the point.
    """
    entries = cell_entries(assignment)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        sent = []
        cell.outputs, records = take_records(cell.get("outputs", []), sent)
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        cell.metadata.pop(METADATA_KEY, None)            # only the grader writes it
        cell.outputs = _stderr_as_stdout(cell.outputs)
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        failure = first_failure(entries.get(meta.get("grade_id"), []), records, bool(errors))
        if failure is not None:
            cell.outputs.append(_error("CheckFailure", str(failure)))
            found = {"check": failure.check or "", "diagnoses": failure.diagnoses}
        elif errors and errors[0].get("ename") == "CheckFailure" and sent:
            found = sent[-1]                             # the sandbox's own check raised: its structured part
        elif errors:
            found = {"check": str(errors[0].get("ename", "error")), "diagnoses": []}
        else:
            continue
        cell.metadata[METADATA_KEY] = _described(assignment, meta.get("grade_id", ""), found)
    return nb


METADATA_KEY = "rnncourse"


def _described(assignment, grade_id, found):
    """The failure as data: the failed check, and each fitting known mistake with its misconception entry."""
    diagnoses = [str(d) for d in found.get("diagnoses", [])][:10] if isinstance(found.get("diagnoses"), list) else []
    return {"check": str(found.get("check", ""))[:200],
            "misconceptions": [misconceptions.lookup(assignment, d, grade_id) for d in diagnoses]}


def _stderr_as_stdout(outputs):
    """nbgrader scores a test cell that wrote anything to stderr as failed, without a word; a progress bar or a
    warning is not a failed check, so the grader shows it as ordinary output (a failed check raises an error)."""
    from nbformat.v4 import new_output

    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = str(output.get("text", ""))
            if kept and kept[-1].get("from_stderr"):
                kept[-1]["text"] += text
                continue
            output = new_output("stream", name="stdout", text="[written to stderr] " + text)
            output["from_stderr"] = True
        kept.append(output)
    for output in kept:
        output.pop("from_stderr", None)
    return kept


def _error(ename, evalue):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
