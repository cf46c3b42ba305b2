"""rnncourse: the small library that the course's lectures and assignments share.

One module per concern:
    device     device choice (CUDA when present) and seeding
    gradcheck  rel_error and centred-difference numerical gradients
    checks     the checks that test cells call: expected vs got, shapes, likely mistakes
    text       text the project writes and generates (nothing is downloaded)
    plotting   figure helpers used by the lectures
    progress   a progress bar that writes to stdout (stderr fails nbgrader test cells)
    expect     checks against values frozen at release (no reference answer ships here)
    visible/   those frozen values for the visible tests

Reference answers and the hidden tests' values are the grader's (answer_key/, not part of this package).
"""

from rnncourse.checks import CheckFailure, check_close, check_equal, check_shape, check_type
from rnncourse.device import pick_device, seed_everything, strict_float32
from rnncourse.gradcheck import numerical_gradient, rel_error
from rnncourse.progress import progress

__all__ = [
    "CheckFailure",
    "check_close",
    "check_equal",
    "check_shape",
    "check_type",
    "numerical_gradient",
    "pick_device",
    "progress",
    "rel_error",
    "seed_everything",
    "strict_float32",
]
