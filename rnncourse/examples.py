"""Many inputs for a hidden test, drawn by hypothesis from a fixed seed.

A frozen check compares what a submission returns with what the reference returned on the same input when
the assignment was released (rnncourse.expect), so a test's inputs must be the same at release and at grading.
draw() runs hypothesis's generator (edge cases first: empty, zero, repeated values, extremes) from a fixed
seed, without shrinking or an example database, and returns the inputs as a list; the test cell then calls the
student's function on each and checks every result. Same seed, same hypothesis version (pinned): same inputs.
"""

import contextlib
import os
import tempfile

# hypothesis caches Unicode tables in ./.hypothesis by default: keep the student's folder clean
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "rnncourse-hypothesis"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402


@contextlib.contextmanager
def _no_local_constants():
    """Hypothesis mixes constants found in the project's own loaded modules into what it draws, so the same seed
    would draw other inputs at release (the answer key loaded) than at grading (not loaded): none while drawing."""
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants(integers=providers.SortedSet(), floats=providers.SortedSet(key=providers.float_to_int),
                                bytes=providers.SortedSet(), strings=providers.SortedSet())
    original = providers._get_local_constants
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def draw(strategy, n, seed_value=0):
    """n inputs from strategy (a hypothesis strategy), the same ones at every call with the same arguments,
    whatever else the process has loaded."""
    found = []

    @seed(seed_value)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def collect(value):
        if len(found) < n:
            found.append(value)

    with _no_local_constants():
        collect()
    return found
