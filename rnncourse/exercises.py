"""Self-checks for the lectures' exercises (not graded: the assignments are).

A lecture's hints-and-answers section calls `check_exercise("01.3", your_answer)`:

- with `None` it prints what kind of answer the exercise expects and returns False;
- with a right answer it prints a short confirmation and returns True;
- with a wrong one it raises CheckFailure with a message that says what was checked, what you gave, and a hint,
  without printing the answer itself (it is in the collapsed answer above the check cell).

Nothing here is a reference answer to a graded function: the values are the answers to the lectures' own
exercises, which the lectures also work out in their collapsed answer cells.
"""

from dataclasses import dataclass, field

import numpy as np

from rnncourse.checks import CheckFailure, plain


@dataclass(frozen=True)
class Exercise:
    what: str                   # what the answer is, in words, with its form
    expected: object            # the right answer
    hint: str                   # shown when the answer is wrong
    rtol: float | None = None   # None: the answer must be exactly equal; else compared as numbers with rtol
    mistakes: dict = field(default_factory=dict)   # {description: a wrong answer that mistake gives}


EXERCISES = {
    "01.2": Exercise(
        "the K among 1, 2 and 8 for which shuffling within sentences costs the least accuracy (an int)", 1,
        "compare, for each K, the accuracy on the real text with the accuracy after shuffling; "
        "a shorter context has less to lose"),
    "01.3": Exercise(
        "how much each of the 3 naive (unmasked) means changes when the padding is -1 instead of 0 "
        "(a list of 3 numbers, new minus old)", [0.0, -0.5, -0.25],
        "each pad cell adds -1 instead of 0 to a row's sum, and the naive mean divides by T_max = 4", rtol=1e-9,
        mistakes={"these are the changes with the opposite sign (old minus new)": [0.0, 0.5, 0.25],
                  "the masked means do not change; the question asks about the naive ones": [0.0, 0.0, 0.0]}),
    "01.5 memory": Exercise(
        "the memory unrolled_memory keeps for N = 64, H = 256, T = 1000, in MiB (2**20 bytes)", 72_448_000 / 2**20,
        "4 bytes per float32, inputs (N, T, D) plus states (N, T, H), D = len(vocab)", rtol=0.01,
        mistakes={"this counts the states only, not the inputs": 62.5,
                  "this is in MB (10**6 bytes), not MiB (2**20 bytes)": 72.448}),
    "01.5 windows": Exercise(
        "the number of windows of 100 steps in a text of 1,000,000 characters (an int)", 10_000,
        "divide the length by the window, rounding up"),
}


def _matches(got, expected, rtol):
    if rtol is None:
        if isinstance(expected, str):
            return isinstance(got, str) and got.strip().lower() == expected.lower()
        try:
            return bool(np.array_equal(np.asarray(got), np.asarray(expected)))
        except (TypeError, ValueError):
            return False
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    e = np.asarray(expected, dtype=np.float64)
    return g.shape == e.shape and bool(np.allclose(g, e, rtol=rtol, atol=1e-12))


def _direction(got, expected, rtol):
    # for a single wrong number: say whether it is too large or too small, and by about how much
    if rtol is None or np.ndim(expected) != 0 or np.ndim(got) != 0:
        return []
    try:
        g, e = float(got), float(expected)
    except (TypeError, ValueError):
        return []
    if not np.isfinite(g):
        return ["  Your value is not a finite number."]
    side = "too large" if g > e else "too small"
    if e != 0 and g != 0 and np.sign(g) == np.sign(e):
        return [f"  Your value is {side}, by a factor of about {max(g / e, e / g):.2g}."]
    return [f"  Your value is {side}" + (" (or has the wrong sign)." if e != 0 else ".")]


def check_exercise(key, answer=None):
    """Check your answer to a lecture exercise; see the module docstring."""
    if key not in EXERCISES:
        raise KeyError(f"no checked exercise {key!r}; checked exercises: {', '.join(sorted(EXERCISES))}")
    spec = EXERCISES[key]
    if answer is None:
        print(f"Exercise {key}: give {spec.what}.")
        return False
    got = plain(answer)
    if _matches(got, spec.expected, spec.rtol):
        print(f"Exercise {key}: right.")
        return True
    lines = [f"Exercise {key}: not yet.", f"  asked for: {spec.what}", f"  you gave:  {got!r}"]
    if np.shape(got) != np.shape(spec.expected) and not isinstance(spec.expected, str):
        lines.append(f"  expected an answer of shape {np.shape(spec.expected)}, got shape {np.shape(got)}")
    fits = [d for d, wrong in spec.mistakes.items() if _matches(got, wrong, spec.rtol or 1e-9)]
    lines += [f"  Likely mistake: {d}" for d in fits[:1]]
    lines += _direction(got, spec.expected, spec.rtol)
    if spec.rtol is not None:
        lines.append(f"  (compared to a relative tolerance of {spec.rtol:g})")
    lines.append(f"  Hint: {spec.hint}")
    raise CheckFailure("\n".join(lines), check=f"exercise {key}", diagnoses=fits[:1])
