"""The grader's side of a frozen check: what a sandbox recorded, compared with the key.

Runs in the grader's own process (nbgrader's replay phase), never in the
student's interpreter: the student's values arrive as plain data, and the
expected values never enter the sandbox.
"""

import json

from answer_key.keys import cell_entries
from rnncourse.checks import CheckFailure
from rnncourse.expect import MIME, compare, decode


def take_records(outputs):
    """(outputs without the records, [records]); a record is a display output of the course's own type."""
    kept, records = [], []
    for out in outputs:
        if out.get("output_type") == "display_data" and MIME in out.get("data", {}):
            records.append(json.loads(json.dumps(out["data"][MIME])))   # plain dicts, not NotebookNodes
        else:
            kept.append(out)
    return kept, records


def verdict(entries, records, cell_failed):
    """None if every frozen check of a test cell passed, else the message of the first that did not.

    entries: the cell's frozen checks, in order; records: what the sandbox sent.
    cell_failed: the cell already has an error (then checks that never ran are explained by it).
    """
    got = {}
    for record in records:
        if type(record) is not dict or type(record.get("id")) is not str or "got" not in record:
            return "the grader received a malformed check record from this cell"
        if record["id"] in got and got[record["id"]] != record["got"]:
            return f"check {record['id']!r} was recorded twice with different values"
        got[record["id"]] = record["got"]
    for entry in entries:
        if entry["id"] not in got:
            if cell_failed:
                return None
            return (f"{entry['name']}: this check did not run, so it cannot pass "
                    "(was the test's code changed, or the checker replaced?)")
        try:
            compare(entry, decode(got[entry["id"]]))
        except CheckFailure as failure:
            return str(failure)
        except (ValueError, TypeError, KeyError) as exc:
            return f"{entry['name']}: the recorded value could not be read ({exc})"
    return None


def judge_notebook(nb, assignment):
    """Remove the records from every cell; add a CheckFailure error to each test cell that fails its checks."""
    entries = cell_entries(assignment)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, records = take_records(cell.get("outputs", []))
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        cell.outputs = _stderr_as_stdout(cell.outputs)
        failed = any(o.get("output_type") == "error" for o in cell.outputs)
        message = verdict(entries.get(meta.get("grade_id"), []), records, failed)
        if message is not None:
            cell.outputs.append(_error("CheckFailure", message))
    return nb


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
