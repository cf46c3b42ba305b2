"""Every lecture and every reference solution runs top to bottom without an
error, within the per-cell timeout, and no test cell writes to stderr."""

import pytest

from tests.conftest import NOTEBOOK_TIMES
from tests.notebooks import LECTURES, REPO, SOLUTIONS, execute, problems

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=lambda p: str(p.relative_to(REPO)))
def test_notebook_runs_clean(path):
    nb, seconds = execute(path, timeout=60)
    NOTEBOOK_TIMES[str(path.relative_to(REPO))] = seconds
    found = problems(nb)
    assert not found, f"{path.name} ran with problems:\n" + "\n".join(found)
