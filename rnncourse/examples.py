"""Many inputs for a hidden test, drawn by hypothesis from a fixed seed.

A frozen check compares what a submission returns with what the reference returned on the same input when
the assignment was released (rnncourse.expect), so a test's inputs must be the same at release and at grading.
draw() runs hypothesis's generator (edge cases first: empty, zero, repeated values, extremes) from a fixed
seed, without shrinking or an example database, and returns the inputs as a list; the test cell then calls the
student's function on each and checks every result. Same seed, same hypothesis version (pinned): same inputs.
"""

import os
import tempfile

# hypothesis caches Unicode tables in ./.hypothesis by default: keep the student's folder clean
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "rnncourse-hypothesis"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402


def draw(strategy, n, seed_value=0):
    """n inputs from strategy (a hypothesis strategy), the same ones at every call with the same arguments."""
    found = []

    @seed(seed_value)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def collect(value):
        if len(found) < n:
            found.append(value)

    collect()
    return found
