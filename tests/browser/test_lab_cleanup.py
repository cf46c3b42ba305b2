"""A test run that is killed (SIGKILL: no teardown runs) leaves no JupyterLab server behind."""

import os
import subprocess
import sys
import time

import pytest

from tests.browser.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# a test process that starts the server as the `lab` fixture does, says its process group, then waits to be killed
_KILLED_RUN = """
import sys, time
from pathlib import Path
from tests.browser.conftest import Lab
home = Path(sys.argv[1])
lab = Lab(Path(sys.argv[2]), home, home / "lab.log").start()
print(lab.process.pid, flush=True)
time.sleep(600)
"""


def _alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


def test_a_killed_test_run_leaves_no_jupyterlab_server(tmp_path, course_copy):
    run = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(tmp_path), str(course_copy)], cwd=REPO,
                           stdout=subprocess.PIPE, text=True)
    try:
        group = int(run.stdout.readline())          # the server answered
        assert _alive(group)
        run.kill()
        run.wait()
        deadline = time.monotonic() + 40
        while _alive(group) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _alive(group), "the JupyterLab server outlived the killed test run"
    finally:
        run.kill()
