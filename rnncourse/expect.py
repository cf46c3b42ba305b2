"""Checks against values frozen when the assignment was released.

A test cell never computes its expected values from a reference answer: no
reference answer ships with the course library. Instead each check has an
id, and its expected value (with the outputs that known mistakes give on the
same input) was frozen by `make release`, from running the solution notebook:

    visible tests  rnncourse/visible/<assignment>.json, shipped with the course;
    hidden tests   answer_key/hidden/<assignment>.json, the grader's alone.

How a check behaves depends on where the notebook runs (RNNCOURSE_EXPECT):

    (unset)   a student or self-learner: compare here, raise CheckFailure with
              what was expected, what was got and the likely mistake;
    record    the grading sandbox: send what the student's code returned to
              the grader as plain data (an output the grader removes), where
              it is compared with the key outside the student's interpreter;
              visible checks also compare here, so the message is immediate;
    build     `make release`: record the reference's value and the known
              mistakes' values (answer_key.oracles) as the new frozen key.
"""

import base64
import importlib
import json
import os
from pathlib import Path

import numpy as np

from rnncourse import checks

MIME = "application/vnd.rnncourse.record+json"
VISIBLE_DIR = Path(__file__).resolve().parent / "visible"
# arrays are sent as raw bytes of these dtypes only; anything else is reported as its type name
_DTYPES = {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"}
_MAX_RECORD_BYTES = 4 * 1024 * 1024


def mode():
    return os.environ.get("RNNCOURSE_EXPECT", "")


# ---------------------------------------------------------------- plain data

def _tensor_type():
    import sys

    torch = sys.modules.get("torch")
    return (torch.Tensor, torch.nn.Parameter) if torch is not None else ()


def encode(value, depth=0):
    """value as JSON-able plain data, by exact type only (no method of a student's object is called)."""
    if depth > 20:
        return {"__unsupported__": "nesting deeper than 20"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if kind in (list, tuple):
        items = [encode(v, depth + 1) for v in value]
        return items if kind is list else {"__tuple__": items}
    if kind is dict:
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is np.ndarray:
        return _encode_array(value, "__ndarray__")
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return {"__npscalar__": _encode_array(np.asarray(value), "__ndarray__")["__ndarray__"]}
    if kind in _tensor_type():
        import torch

        plain = torch.Tensor.detach(value)
        device = plain.device.type
        array = torch.Tensor.numpy(torch.Tensor.cpu(plain)) if plain.dtype != torch.bfloat16 else None
        if array is None:
            return {"__unsupported__": "a bfloat16 tensor"}
        return {"__tensor__": _encode_array(array, "x")["x"], "device": device}
    return {"__unsupported__": f"a {kind.__name__}"}


def _encode_array(array, tag):
    array = np.asarray(array, order="C")     # keeps a 0-d array 0-d
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.str not in _DTYPES:
        return {"__unsupported__": f"an array of dtype {array.dtype}"}
    return {tag: [dtype.str, list(array.shape), base64.b64encode(array.astype(dtype).tobytes()).decode()]}


def _decode_array(spec):
    dtype, shape, data = spec
    if dtype not in _DTYPES or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError("malformed array record")
    raw = base64.b64decode(data, validate=True)
    array = np.frombuffer(raw, dtype=np.dtype(dtype))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise ValueError("array record size does not match its shape")
    return array.reshape(shape).copy()


class Unsupported:
    """What the grader sees of a value it was not sent as plain data."""

    def __init__(self, what):
        self.what = what

    def __repr__(self):
        return f"<{self.what}>"


def decode(data):
    """The inverse of encode; raises ValueError on anything it did not produce."""
    if data is None or type(data) in (bool, int, str, float):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if type(data) is not dict or len(data) not in (1, 2):
        raise ValueError("malformed record")
    (tag, body), = [(k, v) for k, v in data.items() if k != "device"]
    if tag == "__tuple__":
        return tuple(decode(v) for v in body)
    if tag == "__dict__":
        return {_hashable(decode(k)): decode(v) for k, v in body}
    if tag == "__float__":
        return float(body)
    if tag == "__ndarray__":
        return _decode_array(body)
    if tag == "__npscalar__":
        return _decode_array(body)[()]
    if tag == "__tensor__":
        import torch

        return torch.from_numpy(_decode_array(body))
    if tag == "__unsupported__":
        return Unsupported(str(body))
    raise ValueError(f"unknown record tag {tag!r}")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


# ---------------------------------------------------------------- the checks

def compare(entry, got):
    """Raise CheckFailure unless got passes the frozen check entry (both sides plain data)."""
    expected = decode(entry["expected"])
    mistakes = {d: decode(v) for d, v in entry.get("mistakes", [])}
    opts = entry.get("opts", {})
    if isinstance(got, Unsupported):
        raise checks.CheckFailure(f"{entry['name']} should be like {checks._short(expected)}, got {got!r}",
                                  check=entry["name"])
    if entry["how"] == "equal":
        checks.check_equal(got, expected, entry["name"], mistakes=mistakes, hint=opts.get("hint"))
    elif entry["how"] == "close":
        checks.check_close(got, expected, entry["name"], atol=opts["atol"], rtol=opts["rtol"],
                           mistakes=mistakes, hint=opts.get("hint"))
    else:
        raise ValueError(f"unknown check kind {entry['how']!r}")


class known_mistakes:  # noqa: N801 - reads as a call in a test cell
    """Which function of the grader's catalogue (answer_key.oracles) gives the mistakes' outputs.

    Called only by `make release`, to freeze those outputs next to the expected value.
    """

    def __init__(self, function, *args, **kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs

    def resolve(self):
        module, name = self.function.rsplit(".", 1)
        return getattr(importlib.import_module(f"answer_key.oracles.{module}"), name)(*self.args, **self.kwargs)


class Expectations:
    """The frozen checks of one assignment: expect.equal(...) and expect.close(...) in its test cells."""

    def __init__(self, assignment):
        self.assignment = assignment
        self._visible = None
        self._hidden = None

    def equal(self, check_id, got, name, mistakes=None, hint=None):
        """Fail unless got equals the frozen value exactly (arrays: same shape and values)."""
        self._check(check_id, got, name, "equal", {"hint": hint}, mistakes)

    def close(self, check_id, got, name, atol=1e-8, rtol=1e-6, mistakes=None, hint=None):
        """Fail unless got matches the frozen value within atol and rtol (numpy allclose)."""
        self._check(check_id, got, name, "close", {"atol": atol, "rtol": rtol, "hint": hint}, mistakes)

    # -------------------------------------------------------------- internals

    def _check(self, check_id, got, name, how, opts, mistakes):
        where = mode()
        if where == "build":
            if isinstance(mistakes, known_mistakes):
                mistakes = mistakes.resolve()
            _emit({"id": check_id, "how": how, "name": name, "opts": opts, "expected": encode(got),
                   "mistakes": [[d, encode(v)] for d, v in (mistakes or {}).items()]})
            return
        if where == "record":
            _emit({"id": check_id, "got": encode(got)})
            entry = self.visible().get(check_id)
            if entry is not None:
                compare(entry, decode(encode(got)))
            return
        entry = self.visible().get(check_id) or self.hidden().get(check_id)
        if entry is None:
            raise checks.CheckFailure(
                f"{name}: no frozen value for check {check_id!r} of {self.assignment} in this copy of the course "
                "(hidden tests are compared by the grader; run `make release` if you changed a solution notebook)")
        compare(entry, decode(encode(got)))

    def visible(self):
        if self._visible is None:
            path = VISIBLE_DIR / f"{self.assignment}.json"
            self._visible = _entries(path) if path.exists() else {}
        return self._visible

    def hidden(self):
        """The grader's key, where this copy of the course has it (a self-learner's full repository)."""
        if self._hidden is None:
            try:
                keys = importlib.import_module("answer_key.keys")
            except ImportError:
                self._hidden = {}
            else:
                self._hidden = keys.hidden_entries(self.assignment)
        return self._hidden


def _entries(path):
    return {entry["id"]: entry for cell in json.loads(Path(path).read_text()).values() for entry in cell}


def for_assignment(assignment):
    return Expectations(assignment)


def _emit(payload):
    text = json.dumps(payload)
    if len(text) > _MAX_RECORD_BYTES:
        text = json.dumps({**payload, **({"got": {"__unsupported__": "a value too large to record"}}
                                          if "got" in payload else {})})
    from IPython.display import display

    display({MIME: json.loads(text)}, raw=True)
