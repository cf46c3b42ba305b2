"""One sandboxed run of one notebook, and a pool that starts sandboxes ahead.

As root (CI, a grading server) each sandbox is a new PID, mount and network
namespace (`unshare`): no network, the other sandboxes, the submissions, the
grading workspace and solutions/ hidden, no capabilities left (so nothing can be unmounted), a
pids cgroup against fork bombs, and everything in it killed with it.
Without root it is a new session with the same per-kernel limits (memory,
CPU time, file size) and is killed as a process group.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from autograder.limits import Limits

AS_ROOT = (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare") is not None
           and shutil.which("setpriv") is not None)
PIDS_CGROUP = Path("/sys/fs/cgroup/pids")     # cgroup v1 pids controller, where the machine has one
# every sandbox's scratch folder lives here; inside a sandbox the whole folder is hidden but its own
SCRATCH_ROOT = Path(tempfile.gettempdir()) / "autograder-sandboxes"


def _process_cgroup(name, max_processes):
    """A pids cgroup for one sandbox; None where the machine has none to give.

    Root ignores RLIMIT_NPROC, so a fork bomb is held by the cgroup, and by the
    PID namespace that is killed whole at the end of the run.
    """
    group = PIDS_CGROUP / name
    try:
        group.mkdir(exist_ok=True)
        (group / "pids.max").write_text(str(max_processes))
        return group
    except OSError:
        return None


def _join(group):
    """preexec_fn: the new process enters the cgroup before it can start anything."""
    def join():
        (group / "cgroup.procs").write_text(str(os.getpid()))
    return join


class Sandbox:
    """A started executor waiting (warm: kernel up, numpy and torch imported) for one notebook."""

    def __init__(self, limits, slot, hidden_paths):
        self.limits = limits
        SCRATCH_ROOT.mkdir(mode=0o700, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"slot{slot}-", dir=SCRATCH_ROOT))
        self.slot = slot
        env = dict(os.environ, AUTOGRADER_LIMITS=limits.to_json(), AUTOGRADER_MAX_PROCESSES=str(limits.max_processes),
                   PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
        if AS_ROOT:
            self.scratch.chmod(0o700)
            cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--net", "--mount-proc",
                   sys.executable, "-m", "autograder.sandbox_init", str(self.scratch), str(SCRATCH_ROOT),
                   *[str(p) for p in hidden_paths]]
        else:
            env.update(HOME=str(self.scratch), MPLCONFIGDIR=str(self.scratch / ".mpl"),
                       IPYTHONDIR=str(self.scratch / ".ipython"), JUPYTER_RUNTIME_DIR=str(self.scratch / "jupyter"))
            cmd = [sys.executable, "-m", "autograder.executor", str(self.scratch)]
        self.cgroup = _process_cgroup(self.scratch.name, limits.max_processes) if AS_ROOT else None
        self.proc = subprocess.Popen(cmd, cwd=self.scratch, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True,
                                     preexec_fn=_join(self.cgroup) if self.cgroup else None)
        self.ready = threading.Event()
        self.startup_error = None
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self):
        line = self.proc.stdout.readline()
        if line.strip() != "READY":
            self.startup_error = (line + self.proc.stderr.read())[-2000:]
        self.ready.set()

    def run(self, notebook_text, extra_files=()):
        """Run a notebook (JSON text); return (status dict, executed notebook text or None)."""
        if not self.ready.wait(timeout=300) or self.startup_error is not None:
            self.kill()
            return {"status": "sandbox failed", "reason": f"the sandbox did not start: {self.startup_error}"}, None
        target = self.scratch / "submission.ipynb"
        target.write_text(notebook_text)
        for name, data in extra_files:
            (self.scratch / name).write_bytes(data)
        start = time.perf_counter()
        stopped = None
        try:
            self.proc.stdin.write("submission.ipynb\n")
            self.proc.stdin.flush()
            stopped = self._watch(start)
        except BrokenPipeError:
            pass
        finally:
            self.kill()
        return self._collect(stopped, time.perf_counter() - start)

    def _process_limit_hits(self):
        try:
            events = (self.cgroup / "pids.events").read_text().split()
            return int(events[events.index("max") + 1])
        except (AttributeError, OSError, ValueError, IndexError):
            return 0

    def _watch(self, start):
        """Wait for the run; return why it was stopped early (None if it finished by itself)."""
        first_hit = None
        while True:
            try:
                self.proc.wait(timeout=0.5)
                return None
            except subprocess.TimeoutExpired:
                pass
            now = time.perf_counter()
            if now - start > self.limits.notebook_timeout:
                return {"status": "timed out", "reason": f"the notebook ran past {self.limits.notebook_timeout} s"}
            if first_hit is None and self._process_limit_hits():
                first_hit = now
            if first_hit is not None and now - first_hit > 3:
                # a fork bomb: the kernel is past saving, so stop now rather than at the time limit
                return {"status": "process limit", "reason": f"the submission hit the limit of "
                                                             f"{self.limits.max_processes} processes (a fork bomb?)"}

    def _collect(self, stopped, seconds):
        out = self.scratch / "out.ipynb"
        result = self.scratch / "result.json"
        text = out.read_text() if out.exists() else None
        if stopped:
            status = stopped
        elif result.exists():
            status = json.loads(result.read_text())
        else:
            err = self.proc.stderr.read()[-1500:] if self.proc.stderr else ""
            status = {"status": "crashed", "reason": f"the run ended without a result (exit {self.proc.returncode}): "
                                                     f"{err.strip().splitlines()[-1] if err.strip() else ''}"}
        status["wall_seconds"] = round(seconds, 3)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return status, text

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self.cgroup is not None and self.cgroup.exists():
            # nothing started in the sandbox may outlive it (the PID namespace already sees to it)
            for _ in range(50):
                pids = (self.cgroup / "cgroup.procs").read_text().split()
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


class SandboxPool:
    """Hands out warm sandboxes for one slot: while one runs, the next starts."""

    def __init__(self, limits, slot, hidden_paths):
        self.limits, self.slot, self.hidden = limits, slot, list(hidden_paths)
        self._next = None

    def run(self, notebook_text, extra_files=(), attempts=3):
        """Run in a warm sandbox; one that fails to start (a loaded machine) is replaced and tried again."""
        for attempt in range(attempts):
            sandbox = self._next or Sandbox(self.limits, self.slot, self.hidden)
            self._next = Sandbox(self.limits, self.slot, self.hidden)
            status, text = sandbox.run(notebook_text, extra_files)
            if status["status"] != "sandbox failed":
                break
            time.sleep(2 * (attempt + 1))
        return status, text

    def close(self):
        if self._next is not None:
            self._next.kill()
            shutil.rmtree(self._next.scratch, ignore_errors=True)
            self._next = None


def executed_or_none(text):
    try:
        return nbformat.reads(text, as_version=4) if text else None
    except Exception:  # noqa: BLE001 - a half-written notebook counts as no result
        return None


__all__ = ["Limits", "Sandbox", "SandboxPool", "AS_ROOT"]
