"""The checks that the assignments' test cells call.

Each check passes silently or raises CheckFailure (an AssertionError, so
nbgrader scores the cell as failed) with a message a student can act on:
what was checked, expected vs got, the shapes, and, when the wrong answer
matches a known wrong pattern, the likely mistake.

Known wrong patterns are passed in as `mistakes`: a dict from a description
of the mistake to the value that mistake would produce on the same input.
"""

import sys

import numpy as np

_MAX_REPR = 400


# a failed check's structured part (which check, which known mistakes fit), for the class report: the grader
# takes these outputs out of the notebook, as it does the frozen checks' records (rnncourse.expect)
DIAGNOSIS_MIME = "application/vnd.rnncourse.diagnosis+json"


# the known mistakes a contract check names, the same words in every assignment (rnncourse.contracts)
CONTRACT = {
    "own_work": "the graded function is the course library's, imported, not the student's own",
    "input_modified": "the function changes an input it was given instead of working on a copy",
    "global_rng": "random numbers drawn from a global generator instead of the generator or seed given",
    "device": "the model or its inputs are not moved to the device the function is given",
}


class CheckFailure(AssertionError):
    """A test cell's check failed; the message says what and, if it can, why.

    check: the name of what was checked; diagnoses: the known mistakes that fit (their descriptions). In the
    grading sandbox both are also sent to the grader as data, so that the class report never reads messages.
    """

    def __init__(self, message, check=None, diagnoses=()):
        super().__init__(message)
        self.check = check
        self.diagnoses = list(diagnoses)
        import os

        if os.environ.get("RNNCOURSE_EXPECT") == "record":
            from IPython.display import display

            display({DIAGNOSIS_MIME: {"check": str(check or ""), "diagnoses": [str(d) for d in self.diagnoses]}},
                    raw=True)


# ---------------------------------------------------------------- what a check reads of a value

class Unreadable:
    """Stands in for a value the checks do not read: an object of a class the submission defined.

    Its own __eq__, __lt__, __array_function__ or __torch_function__ could answer any comparison as it
    liked, so a check compares this stand-in instead, which equals nothing.
    """

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<a {self.kind} object, which the checks do not read: return built-in, numpy or torch values>"


def _torch():
    return sys.modules.get("torch")


def plain(value, _depth=0, *, keep=()):
    """A copy of value built from exact built-in, numpy and torch types, read with those types' own methods.

    Subclasses of list, tuple, dict, int, float, str, ndarray and Tensor become their base type (a namedtuple
    is a tuple), read through the base class, so nothing the submission defined runs; any other object of
    the submission's becomes an Unreadable. Test cells compare plain(got), never got itself.

    keep: classes (a class or a tuple of them) whose objects are left as they are, for a test that goes on
    to read them itself, such as the Value nodes of assignment 03: plain(result, keep=Value) reads the
    tuples and lists around the nodes through their base classes and hands the nodes back untouched.
    """
    kind = type(value)
    keep = keep if type(keep) is tuple else (keep,)
    if any(type.__subclasscheck__(k, kind) for k in keep):   # type's own check: a metaclass cannot answer it
        return value
    if value is None or kind in (bool, int, float, complex, str, bytes):
        return value
    if kind is np.ndarray:
        if value.dtype != object:
            return value
        return np.array([plain(v, _depth + 1, keep=keep) for v in value.ravel()], dtype=object).reshape(value.shape)
    if kind.__module__ == "numpy" and issubclass(kind, np.generic) or isinstance(value, np.dtype):
        return value
    if _depth > 50:
        return Unreadable("too deeply nested")
    if issubclass(kind, (list, tuple)):
        items = [plain(v, _depth + 1, keep=keep)
                 for v in (list.__iter__ if issubclass(kind, list) else tuple.__iter__)(value)]
        return items if issubclass(kind, list) else tuple(items)
    if issubclass(kind, dict):
        return {plain(k, _depth + 1, keep=keep): plain(v, _depth + 1, keep=keep) for k, v in dict.items(value)}
    if issubclass(kind, (set, frozenset)):
        items = (set.__iter__ if issubclass(kind, set) else frozenset.__iter__)(value)
        return (set if issubclass(kind, set) else frozenset)(plain(v, _depth + 1, keep=keep) for v in items)
    if issubclass(kind, int):
        return int.__int__(value)           # the base class's own method: an exact int
    if issubclass(kind, float):
        return float.__float__(value)
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, np.ndarray):
        return np.array(np.ndarray.view(value, np.ndarray), copy=True)
    torch = _torch()
    if torch is not None:
        if issubclass(kind, torch.Tensor):
            with torch._C.DisableTorchFunctionSubclass():
                tensor = torch.Tensor.detach(value)
                return tensor if type(tensor) is torch.Tensor else torch.Tensor.as_subclass(tensor, torch.Tensor)
        if kind in (torch.device, torch.dtype):
            return value
    return Unreadable(kind.__name__)


def _is_tensor(x):
    torch = _torch()
    return torch is not None and isinstance(x, torch.Tensor)


def _as_array(x):
    if _is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _is_arraylike(x):
    return isinstance(x, np.ndarray) or _is_tensor(x)


def _normalise(x):
    """Lists and tuples compare alike; numpy scalars compare as Python ones."""
    if isinstance(x, (list, tuple)):
        return [_normalise(v) for v in x]
    if isinstance(x, dict):
        return {k: _normalise(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return x.item()
    return x


def _short(x, precision=4):
    if _is_arraylike(x):
        arr = _as_array(x)
        text = np.array2string(arr, precision=precision, threshold=24, edgeitems=3).replace("\n", "\n            ")
        return f"{text}  (shape {arr.shape}, dtype {arr.dtype})"
    text = repr(x)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + " ..."


def _shown_apart(expected, got):
    """(expected, got) as text, with enough digits that two different values never look the same."""
    for precision in (4, 8, 12, 17):
        se, sg = _short(expected, precision), _short(got, precision)
        if se != sg:
            break
    return se, sg


def _number_pair(e, g):
    """Two scalars as text with enough significant digits to tell them apart."""
    for digits in (6, 10, 17):
        se, sg = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if se != sg:
            break
    return se, sg


def _shape_of(x):
    if _is_tensor(x):
        return tuple(x.shape)
    if _is_arraylike(x):
        return tuple(np.shape(x))
    return None


def _equal(got, expected):
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):     # arrays inside: item by item
        return len(got) == len(expected) and all(_equal(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(_equal(got[k], expected[k]) for k in expected)
    if _is_arraylike(expected) or _is_arraylike(got):
        try:
            g, e = _as_array(got), _as_array(expected)
        except Exception:  # noqa: BLE001 - anything unconvertible is simply unequal
            return False
        return g.shape == e.shape and bool(np.array_equal(g, e))
    try:
        return bool(_normalise(got) == _normalise(expected))
    except Exception:  # noqa: BLE001 - exotic objects whose == raises are unequal
        return False


def _close(got, expected, atol, rtol, equal_nan=False):
    try:
        g = _as_array(got).astype(np.float64)
        e = _as_array(expected).astype(np.float64)
    except (TypeError, ValueError):
        return False
    return g.shape == e.shape and bool(np.allclose(g, e, atol=atol, rtol=rtol, equal_nan=equal_nan))


def _diagnose(got, mistakes, same):
    """Descriptions of the known mistakes whose output equals what the student got."""
    found = []
    for description, wrong in (mistakes or {}).items():
        try:
            if same(got, wrong):
                found.append(description)
        except Exception:  # noqa: BLE001 - a diagnosis must never hide the real failure
            continue
    return found


def _diagnosis_lines(diagnoses):
    """A mistake is named only when it is the only known one that fits; several that fit are listed as such."""
    if len(diagnoses) == 1:
        return [f"  Likely mistake: {diagnoses[0]}"]
    if diagnoses:
        return ["  This output fits more than one known mistake:"] + [f"    - {d}" for d in diagnoses]
    return []


def _fail(name, expected, got, extra=(), diagnoses=(), hint=None):
    shown_expected, shown_got = _shown_apart(expected, got)
    lines = [f"{name} is wrong.", f"  expected: {shown_expected}", f"  got:      {shown_got}"]
    lines.extend(f"  {line}" for line in extra)
    lines.extend(_diagnosis_lines(diagnoses))
    if hint and not diagnoses:
        lines.append(f"  Hint: {hint}")
    raise CheckFailure("\n".join(lines), check=name, diagnoses=diagnoses)


def check_type(got, types, name):
    """Fail unless got is an instance of types (a type or a tuple of types)."""
    if not issubclass(type(got), types):          # type(), not isinstance: __class__ can be made to lie
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise CheckFailure(
            f"{name} should be a {names}, got a {type(got).__name__}: {_short(got)}"
            + ("\n  Hint: did the function return None? Check for a missing `return`." if got is None else ""),
            check=name)


def check_shape(got, expected_shape, name, mistakes=None):
    """Fail unless got (an array or tensor) has exactly expected_shape.

    mistakes maps a description to the shape that mistake produces.
    """
    got = plain(got)
    if not _is_arraylike(got):
        raise CheckFailure(f"{name} should be an array of shape {tuple(expected_shape)}, got {_short(got)}", check=name)
    shape = tuple(got.shape) if _is_tensor(got) else np.shape(got)    # a meta tensor has a shape but no data
    expected_shape = tuple(expected_shape)
    if shape != expected_shape:
        diagnoses = _diagnose(shape, mistakes, lambda a, b: tuple(a) == tuple(b))
        lines = [f"{name} has the wrong shape.", f"  expected shape: {expected_shape}", f"  got shape:      {shape}"]
        lines.extend(_diagnosis_lines(diagnoses))
        raise CheckFailure("\n".join(lines), check=name, diagnoses=diagnoses)


def check_equal(got, expected, name, mistakes=None, hint=None):
    """Fail unless got equals expected exactly (arrays: same shape and values)."""
    got = plain(got)
    if _equal(got, expected):
        return
    extra = []
    if _is_arraylike(expected):
        gs, es = _shape_of(got), _shape_of(expected)
        if gs != es:
            extra.append(f"shape: expected {es}, got {gs if gs is not None else type(got).__name__}")
        else:
            g, e = _as_array(got), _as_array(expected)
            bad = np.argwhere(g != e)
            if len(bad):
                first = tuple(int(i) for i in bad[0])
                extra.append(f"{len(bad)} of {e.size} entries differ; first at index {first}: "
                             f"expected {e[first].item()!r}, got {g[first].item()!r}")
    _fail(name, expected, got, extra, _diagnose(got, mistakes, _equal), hint)


def check_close(got, expected, name, atol=1e-8, rtol=1e-6, mistakes=None, hint=None):
    """Fail unless got matches expected to the given tolerances (numpy allclose)."""
    got = plain(got)
    if _close(got, expected, atol, rtol):
        return
    extra = []
    gs, es = _shape_of(got), _shape_of(np.asarray(expected) if not _is_tensor(expected) else expected)
    if gs is None and not isinstance(got, (int, float, list, tuple, np.generic)):
        raise CheckFailure(f"{name} should be an array of shape {es}, got {_short(got)}", check=name)
    g = _as_array(got)
    e = _as_array(expected)
    try:
        g.astype(np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should be numbers, got {_short(got)}", check=name) from None
    if g.shape != e.shape:
        extra.append(f"shape: expected {e.shape}, got {g.shape}")
    else:
        # NaN counts as the largest possible difference, so it is the one reported
        diff = np.nan_to_num(np.abs(g.astype(np.float64) - e.astype(np.float64)), nan=np.inf)
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(diff) if diff.size else 0, diff.shape))
        if diff.size:
            shown_e, shown_g = _number_pair(e[worst], g[worst])
            extra.append(f"largest difference {diff[worst]:.3g} at index {worst}: expected {shown_e}, got {shown_g} "
                         f"(allowed: |got - expected| <= atol + rtol * |expected|, atol={atol:g}, rtol={rtol:g})")
        if np.isnan(g).any():
            extra.append("got contains NaN")
    # a mistake that yields NaN (an overflow, say) is recognised by its NaNs in the same places
    _fail(name, expected, got, extra, _diagnose(got, mistakes, lambda a, b: _close(a, b, atol, rtol, True)), hint)


def check_gradient(got, numeric, name, limit, mistakes=None, against="numerical"):
    """Fail unless rel_error(got, numeric) <= limit (CONTRIBUTING.md, Conventions: float64, centred differences).

    mistakes maps a description to the gradient that mistake produces; one
    that matches what the student got (to 1e-6 relative) is named.
    against: what the reference gradient is, in the message ("numerical", or "torch autograd" when it is
    autograd's).
    """
    from rnncourse.gradcheck import rel_error

    got = plain(got)
    g, n = _as_array(got), _as_array(numeric)
    if g.shape != n.shape:
        raise CheckFailure(f"{name} has the wrong shape.\n  expected shape: {n.shape}\n  got shape:      {g.shape}",
                           check=name)
    err = rel_error(g, n)
    if err <= limit:
        return
    lines = [f"{name} does not match the {against} gradient: rel_error = {err:.2e} (limit {limit:.0e}).",
             f"  {against}: {_short(n)}", f"  got: {_short(g)}"]
    diagnoses = _diagnose(g, mistakes, lambda a, b: rel_error(a, b) < 1e-6)
    lines.extend(_diagnosis_lines(diagnoses))
    raise CheckFailure("\n".join(lines), check=name, diagnoses=diagnoses)


def _code_names(code):
    """The global names a code object reads, nested functions, lambdas and comprehensions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if type(const) is type(code):
            names |= _code_names(const)
    return names


def check_own_work(fn, name, stand_ins=()):
    """Fail if a graded function is the course library's own implementation, imported; or is, or calls, one of
    stand_ins: functions a notebook's later tests use in its place (so that one mistake costs one test), which are
    there for those tests, not as an answer."""
    import types

    module = getattr(fn, "__module__", "") or ""
    if module.startswith("rnncourse"):
        raise CheckFailure(f"{name} is imported from {module}; the assignment asks you to write it yourself.",
                           check=name, diagnoses=[CONTRACT["own_work"]])
    stand_in_names = {s.__name__ for s in stand_ins}
    seen, todo = set(), [fn]
    while todo and len(seen) < 500:
        f = todo.pop()
        if type(f) is not types.FunctionType or id(f) in seen:     # the notebook's own functions only
            continue
        seen.add(id(f))
        used = sorted(({s.__name__ for s in stand_ins if f is s}
                       | (_code_names(types.FunctionType.__code__.__get__(f)) & stand_in_names)))
        if used:
            raise CheckFailure(f"{name} uses {used[0]}, a stand-in that the later tests use in its place; the "
                               f"assignment asks you to write {name} yourself.",
                               check=name, diagnoses=[CONTRACT["own_work"]])
        scope = types.FunctionType.__globals__.__get__(f)
        todo += [scope.get(n) for n in _code_names(types.FunctionType.__code__.__get__(f))]
