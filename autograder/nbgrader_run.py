"""Run nbgrader's own commands in a course workspace.

Grading goes through nbgrader itself (its autograde preprocessors, checksums,
cell overwriting and gradebook), never a reimplementation of them.
"""

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log, .log all of it."""

    def __init__(self, message, log=""):
        super().__init__(message)
        self.log = log


def nbgrader(workspace, *args, timeout=None, env=None):
    """Run `nbgrader ARGS` with the workspace as the course root; return its log.

    nbgrader upgrades its gradebook with the `alembic` command, so the
    interpreter's own bin/ folder goes first on PATH.
    """
    env = dict(os.environ, **(env or {}))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-30:])
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n{tail}", log)
    return log
