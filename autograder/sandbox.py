"""One sandboxed run of one notebook, and a pool that starts sandboxes ahead.

Each sandbox is forked from the zygote (autograder.zygote), so it starts
with numpy, torch and Jupyter imported and shares nothing with another
submission. As root (CI, a grading server) it gets new PID, mount and network
namespaces: no network; the other sandboxes, the submissions, the grading
workspace and solutions/ hidden; no capabilities left (so nothing can be
unmounted); a pids cgroup against fork bombs; everything in it killed with
it. Without root it is a new session with the same per-kernel limits
(memory, CPU time, file size), killed as a process group with its kernel.
"""

import json
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from autograder.zygote import ZygoteError, shared_zygote

PIDS_CGROUP = Path("/sys/fs/cgroup/pids")     # cgroup v1 controllers, where the machine has them
MEMORY_CGROUP = Path("/sys/fs/cgroup/memory")
CPUACCT_CGROUP = Path("/sys/fs/cgroup/cpuacct")
# every sandbox's scratch folder lives here; inside a sandbox the whole folder is hidden but its own
SCRATCH_ROOT = Path(tempfile.gettempdir()) / "autograder-sandboxes"


def _cgroup(root, name, settings):
    """A cgroup for one sandbox with the given limit files written; None where the machine has none."""
    group = root / name
    try:
        group.mkdir(exist_ok=True)
        for file, value in settings.items():
            (group / file).write_text(str(value))
        return group
    except OSError:
        if group.exists():
            try:
                group.rmdir()
            except OSError:
                pass
        return None


def _sandbox_cgroups(name, limits):
    """{kind: cgroup} for one sandbox: all its processes together may use max_processes, memory_mb and
    cpu_seconds (the grader reads the CPU account and stops the run; no kernel limit file exists for it).

    Root ignores RLIMIT_NPROC, so a fork bomb is held by the pids cgroup; RLIMIT_AS is per process, so the
    memory of a submission that starts many processes is held by the memory cgroup. The sandbox cannot
    change them: its whole filesystem, /sys/fs/cgroup included, is read-only.
    """
    groups = {"pids": _cgroup(PIDS_CGROUP, name, {"pids.max": limits.max_processes}),
              "memory": _cgroup(MEMORY_CGROUP, name, {"memory.limit_in_bytes": limits.memory_mb << 20}),
              "cpuacct": _cgroup(CPUACCT_CGROUP, name, {})}
    if groups["memory"] is not None:
        try:    # swap counts too, where the machine accounts for it
            (groups["memory"] / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_mb << 20))
        except OSError:
            pass
    return {kind: group for kind, group in groups.items() if group is not None}


def isolation():
    """How sandboxes are isolated here: "root" (namespaces, cgroups, nobody), "user" (user namespaces: the
    same own root, read-only filesystem and private /tmp, /dev, IPC, PID and network, without cgroups) or
    "" (plain: a process group with per-process limits)."""
    return shared_zygote(SCRATCH_ROOT).namespaces


def namespaced():
    """Whether sandboxes here get the full set: namespaces made as root, cgroups, the nobody user."""
    return isolation() == "root"


MAX_CHANNEL_BYTES = 256 * 1024 * 1024    # all a run may send back (outputs are capped per cell before that)
_STATUSES = ("ok", "tampered", "kernel died")


def _checked_status(data):
    """The executor's outcome, keeping only known fields of the right types."""
    status = {"status": data.get("status") if data.get("status") in _STATUSES else "crashed"}
    for key in ("reason", "tampering"):
        status[key] = data[key][:2000] if isinstance(data.get(key), str) else ""
    timeouts = data.get("cell_timeouts")
    if isinstance(timeouts, list) and all(isinstance(t, str) for t in timeouts):
        status["cell_timeouts"] = [t[:200] for t in timeouts[:100]]
    if isinstance(data.get("seconds"), (int, float)):
        status["seconds"] = float(data["seconds"])
    return status


def _with_outputs(notebook_text, cells):
    """The job notebook with each code cell's outputs as the executor sent them (invalid ones replaced)."""
    import nbformat

    nb = nbformat.reads(notebook_text, as_version=4)
    for index, data in cells.items():
        if not 0 <= index < len(nb.cells) or nb.cells[index].cell_type != "code":
            continue
        cell = nb.cells[index]
        trial = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell.source)])
        trial.cells[0].outputs = [nbformat.from_dict(o) for o in data["outputs"]]
        count = data.get("execution_count")
        trial.cells[0].execution_count = count if type(count) is int else None
        try:
            nbformat.validate(trial)
        except nbformat.ValidationError:
            trial.cells[0].outputs = [nbformat.v4.new_output(
                "error", ename="InvalidOutput", evalue="the sandbox sent outputs that are not valid",
                traceback=["InvalidOutput: the sandbox sent outputs that are not valid"])]
        cell.outputs, cell.execution_count = trial.cells[0].outputs, trial.cells[0].execution_count
    return nbformat.writes(nb)


class Sandbox:
    """A sandbox forked from the zygote, waiting (kernel up, guard installed) for one notebook."""

    def __init__(self, limits, slot, hidden_paths):
        self.limits = limits
        SCRATCH_ROOT.mkdir(mode=0o700, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"slot{slot}-", dir=SCRATCH_ROOT))
        self.slot = slot
        self.pid = self.kernel_pid = None
        self.channel = None
        self._buffer, self._received, self._overflow = bytearray(), 0, False
        self._cells, self._done = {}, None
        self.ready = threading.Event()
        self.startup_error = None
        self.namespaced, self.cgroups = False, {}
        try:
            zygote = shared_zygote(SCRATCH_ROOT)
            self.namespaced = bool(zygote.namespaces)        # its own PID namespace: killing PID 1 kills all
            self.cgroups = _sandbox_cgroups(self.scratch.name, limits) if zygote.namespaces == "root" else {}
            self.pid, sock = zygote.spawn({"scratch": str(self.scratch), "limits": limits.to_json(),
                                           "hidden": [str(SCRATCH_ROOT), *map(str, hidden_paths)],
                                           "cgroups": [str(g) for g in self.cgroups.values()]})
        except ZygoteError as exc:
            self.startup_error = str(exc)
            self.ready.set()
            return
        self.sock = sock
        self.channel = sock.makefile("rw", buffering=1)
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _log_tail(self, n=1500):
        try:
            return (self.scratch / ".sandbox.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _wait_ready(self):
        try:
            line = self.channel.readline()
        except (OSError, ValueError):
            line = ""
        if line.startswith("READY "):
            self.kernel_pid = int(line.split()[1])
        else:
            self.startup_error = (line + self._log_tail())[-2000:]
        self.ready.set()

    def run(self, notebook_text):
        """Run a notebook (JSON text); return (status dict, executed notebook text or None).

        The executed notebook is this notebook_text with the outputs the executor sent on the socket:
        nothing the kernel could have written in the scratch folder is read back.
        """
        if not self.ready.wait(timeout=300) or self.startup_error is not None:
            self.kill()
            error = self.startup_error or "no answer within 300 s"
            shutil.rmtree(self.scratch, ignore_errors=True)
            return {"status": "sandbox failed", "reason": f"the sandbox did not start: {error}"}, None
        start = time.perf_counter()
        stopped = None
        try:
            self.channel.write(f"JOB {json.dumps(notebook_text)}\n")     # the notebook, as one line
            self.channel.flush()
            stopped = self._watch(start)
        except OSError:
            pass
        finally:
            self.kill()
        return self._collect(stopped, time.perf_counter() - start, notebook_text)

    def _memory_limit_hit(self):
        group = self.cgroups.get("memory")
        try:
            return group is not None and int((group / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def _process_limit_hits(self):
        if "pids" not in self.cgroups:
            return 0
        try:
            events = (self.cgroups["pids"] / "pids.events").read_text().split()
            return int(events[events.index("max") + 1])
        except (OSError, ValueError, IndexError):
            return 0

    def _cpu_seconds(self):
        """CPU time used by all the sandbox's processes together, where the machine accounts for it."""
        group = self.cgroups.get("cpuacct")
        try:
            return int((group / "cpuacct.usage").read_text()) / 1e9 if group is not None else 0.0
        except (OSError, ValueError):
            return 0.0

    def _finished(self, timeout):
        """Read what the executor sent; True once it has exited (its end of the socket is closed)."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return False
        try:
            data = self.sock.recv(1 << 20)
        except OSError:
            return True
        if not data:
            return True
        self._received += len(data)
        if self._received > MAX_CHANNEL_BYTES:
            self._overflow = True
            return True
        self._buffer += data
        *lines, rest = self._buffer.split(b"\n")
        self._buffer = bytearray(rest)
        for line in lines:
            self._take(bytes(line))
        return False

    def _take(self, line):
        """One `CELL {...}` or `DONE {...}` line from the executor; anything else is ignored."""
        kind, _, payload = line.partition(b" ")
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if kind == b"CELL" and isinstance(data, dict) and type(data.get("index")) is int \
                and isinstance(data.get("outputs"), list):
            self._cells[data["index"]] = data
        elif kind == b"DONE" and isinstance(data, dict):
            self._done = data

    def _watch(self, start):
        """Wait for the run; return why it was stopped early (None if it finished by itself)."""
        first_hit = None
        while not self._finished(0.5):
            now = time.perf_counter()
            if now - start > self.limits.notebook_timeout:
                return {"status": "timed out", "reason": f"the notebook ran past {self.limits.notebook_timeout} s"}
            if self._cpu_seconds() > self.limits.cpu_seconds:
                # RLIMIT_CPU holds one process; this holds a submission that shares the work among many
                return {"status": "cpu limit", "reason": f"the submission used more than {self.limits.cpu_seconds} s "
                                                         "of CPU time (all its processes together)"}
            if first_hit is None and self._process_limit_hits():
                first_hit = now
            if first_hit is not None and now - first_hit > 3:
                # a fork bomb: the kernel is past saving, so stop now rather than at the time limit
                return {"status": "process limit", "reason": f"the submission hit the limit of "
                                                             f"{self.limits.max_processes} processes (a fork bomb?)"}
        return None

    def _collect(self, stopped, seconds, notebook_text):
        text = _with_outputs(notebook_text, self._cells) if self._cells else None
        if self._overflow:
            status = {"status": "crashed", "reason": f"the run sent more than {MAX_CHANNEL_BYTES >> 20} MB of output"}
        elif stopped:
            status = stopped
        elif self._done is not None:
            status = _checked_status(self._done)
            if status["status"] == "kernel died" and self._memory_limit_hit():
                status["reason"] += f" (it hit the memory limit of {self.limits.memory_mb} MB)"
        else:
            log = self._log_tail().strip()
            status = {"status": "crashed", "reason": "the run ended without a result"
                                                     + (f": {log.splitlines()[-1]}" if log else "")}
        status["wall_seconds"] = round(seconds, 3)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return status, text

    def kill(self):
        """Stop everything the sandbox started: its process group, the kernel's, its cgroup."""
        for group in (self.pid, None if self.namespaced else self.kernel_pid):
            if group:
                try:
                    os.killpg(group, signal.SIGKILL)   # PID 1 of a namespace takes the namespace with it
                except (ProcessLookupError, PermissionError):
                    pass
        if self.pid:
            try:
                # a sandbox killed before its setsid() has no group yet; its kernel dies with it (die_with_parent)
                os.kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.channel is not None:
            try:
                self.channel.close()
                self.sock.close()
            except OSError:
                pass
            self.channel = None
        for group in self.cgroups.values():
            _empty_and_remove(group)


def _empty_and_remove(group):
    """Kill what is left in a sandbox's cgroup and remove it: nothing started in the sandbox outlives it."""
    for _ in range(50):
        if not group.exists():
            return
        try:
            pids = (group / "cgroup.procs").read_text().split()
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)


class SandboxPool:
    """Hands out warm sandboxes for one slot: while one runs, the next starts."""

    def __init__(self, limits, slot, hidden_paths):
        self.limits, self.slot, self.hidden = limits, slot, list(hidden_paths)
        self._next = None

    def run(self, notebook_text, attempts=3):
        """Run in a warm sandbox; one that fails to start (a loaded machine) is replaced and tried again."""
        for attempt in range(attempts):
            sandbox = self._next or Sandbox(self.limits, self.slot, self.hidden)
            self._next = Sandbox(self.limits, self.slot, self.hidden)
            status, text = sandbox.run(notebook_text)
            if status["status"] != "sandbox failed":
                break
            time.sleep(2 * (attempt + 1))
        return status, text

    def close(self):
        if self._next is not None:
            self._next.kill()
            shutil.rmtree(self._next.scratch, ignore_errors=True)
            self._next = None

