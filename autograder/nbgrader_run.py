"""Run nbgrader's own commands in a course workspace.

Grading goes through nbgrader itself (its autograde preprocessors, checksums,
cell overwriting and gradebook), never a reimplementation of them.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log, .log all of it."""

    def __init__(self, message, log=""):
        super().__init__(message)
        self.log = log


def _command(args, env, phase=None, jobs=None):
    env = dict(os.environ, **(env or {}))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    ours = ["--phase", phase, "--jobs", str(jobs)] if phase else []
    return [sys.executable, "-m", "autograder.nbgrader_main", *ours, *args], env


def _check(args, returncode, log):
    if returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-30:])
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed (exit {returncode}):\n{tail}", log)
    return log


def nbgrader(workspace, *args, timeout=None, env=None, phase=None, jobs=None):
    """Run `nbgrader ARGS` with the workspace as the course root; return its log.

    phase and jobs: a phase of autograde (autograder.extension) and its jobs folder.
    nbgrader upgrades its gradebook with the `alembic` command, so the
    interpreter's own bin/ folder goes first on PATH.
    """
    cmd, env = _command(args, env, phase, jobs)
    proc = subprocess.run(cmd, cwd=workspace, env=env, capture_output=True, text=True, timeout=timeout)
    return _check(args, proc.returncode, proc.stdout + proc.stderr)


class Running:
    """An nbgrader command started in the background; finish() waits and returns its log like nbgrader()."""

    def __init__(self, workspace, *args, env=None, phase=None, jobs=None):
        cmd, env = _command(args, env, phase, jobs)
        self.args = args
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(cmd, cwd=workspace, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     text=True)

    def done(self):
        return self.proc.poll() is not None

    def finish(self):
        self.proc.wait()
        self.log.seek(0)
        log = self.log.read()
        self.log.close()
        return _check(self.args, self.proc.returncode, log)
