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

from rnncourse.checks import CheckFailure, _close, _diagnosis_lines, _equal, plain


@dataclass(frozen=True)
class Exercise:
    what: str                   # what the answer is, in words, with its form
    expected: object            # the right answer
    hint: str                   # shown when the answer is wrong
    rtol: float | None = None   # None: the answer must be exactly equal; else compared as numbers with rtol
    mistakes: dict = field(default_factory=dict)   # {description: a wrong answer that mistake gives}
    also: dict = field(default_factory=dict)       # {note: another answer accepted, read another way}


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
    "02.1": Exercise(
        "the state at the last step (t = 24) of section 2.1's pulses, for w = 1.5 and no tanh (a number)",
        1.5**21 + 1.5**12 + 1.5**10,
        "without tanh the state is the sum of the pulses, each multiplied by w once per step since it arrived",
        rtol=1e-6,
        mistakes={"this is one step too many for each pulse (or the step after the last)": 1.5**22 + 1.5**13 + 1.5**11,
                  "this counts only the first pulse": 1.5**21}),
    "02.3 stacked": Exercise(
        "the number of parameters of the 3-layer recurrent network of section 2.9 (D = 4, H = 6), "
        "without an output layer",
        222, "U, W and b per layer; only the first layer's U reads the D = 4 inputs, the others read H = 6",
        also={"counting torch's two biases per layer (our notation keeps one b per layer: 222)": 240},
        mistakes={"this gives every layer a U of shape (H, D); the higher layers read states, so their U is (H, H)":
                  198}),
    "02.3 wide": Exercise(
        "the number of parameters of one recurrent layer with D = 4 and H = 18, without an output layer", 414,
        "U is (H, D), W is (H, H), b is (H,)",
        also={"counting torch's two biases (our notation keeps one b: 414)": 432}),
    "03.1": Exercise("df/dx for f = (x y + x)^2 at x = 1, y = 2 (a number)", 18.0,
                     "x reaches f along two paths (through x y, and straight into x y + x); add their products",
                     rtol=1e-9, mistakes={"this is the path through x y alone; add the direct path from x": 12.0,
                                          "this is df/dy, not df/dx": 6.0}),
    "03.3": Exercise("the number of paths from x_0 to x_n for x_{k+1} = x_k * x_k and n = 10 (an int)", 1024,
                     "each product records its operand twice, so every step doubles the number of paths",
                     mistakes={"that counts one path per step; the product has two edges per step": 10}),
    "03.4": Exercise("how many forward sweeps give all the gradients of the scalar tape of section 3.8 (an int)", 29,
                     "one sweep per leaf: count the inputs and all the parameters",
                     also={"counting the parameters only (the inputs x add 3 more: 29)": 26}),
    "04.3": Exercise("the smallest hidden size H with which the lecture's set-up spells \"hello\" (an int)", 2,
                     "try H = 1 and H = 2 with the same training; one number cannot separate the two l's",
                     mistakes={"H = 1 prints 'helll...': one number cannot hold the count of l's": 1}),
}


def _matches(got, expected, rtol):
    """The checks' own comparisons (rnncourse.checks): exact without rtol, else within rtol (and atol 1e-12)."""
    if rtol is None:
        if isinstance(expected, str):
            return isinstance(got, str) and got.strip().lower() == expected.lower()
        return _equal(got, expected)
    return _close(got, expected, 1e-12, rtol)


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
    for note, other in spec.also.items():
        if _matches(got, other, spec.rtol):
            print(f"Exercise {key}: right, {note}.")
            return True
    lines = [f"Exercise {key}: not yet.", f"  asked for: {spec.what}", f"  you gave:  {got!r}"]
    if np.shape(got) != np.shape(spec.expected) and not isinstance(spec.expected, str):
        lines.append(f"  expected an answer of shape {np.shape(spec.expected)}, got shape {np.shape(got)}")
    fits = [d for d, wrong in spec.mistakes.items() if _matches(got, wrong, spec.rtol or 1e-9)]
    lines += _diagnosis_lines(fits)       # named only when it alone fits, as every check does
    lines += _direction(got, spec.expected, spec.rtol)
    if spec.rtol is not None:
        lines.append(f"  (compared to a relative tolerance of {spec.rtol:g})")
    lines.append(f"  Hint: {spec.hint}")
    raise CheckFailure("\n".join(lines), check=f"exercise {key}", diagnoses=fits)
