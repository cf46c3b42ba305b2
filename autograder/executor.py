"""Runs one submission's notebook inside the sandbox.

Runs in a process forked from the zygote (autograder.zygote), with numpy,
torch, ipykernel and nbclient already imported. Protocol with the grader
(autograder.sandbox), over the sandbox's socket:
  1. fork the kernel (limits applied in it, imports inherited), install the
     tamper guard, send READY and the kernel's pid;
  2. read one line, `JOB` and the notebook as a JSON string;
  3. run it cell by cell, sending each finished cell's outputs as one line
     `CELL {json}` (so a killed run still leaves its finished cells), then
     `DONE {json}` with the outcome, and exit (the grader sees end of file).
Nothing is written to files for the grader: the kernel can write to this
folder, so the grader trusts only what arrives on the socket, which the
kernel never holds, and this process is not dumpable (the kernel, the same
user, cannot trace it and forge what it sends).
Cells that cannot run (the kernel died, tampering was found) get an error
output saying why, so nbgrader scores them 0 and the reason is visible.
"""

import ast
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat.v4 import new_output

from autograder import guard
from autograder.limits import DROPPED_OUTPUT, apply_kernel_limits

KERNEL_NAME = "autograder-python"
RECORD_MIME = "application/vnd.rnncourse.record+json"   # rnncourse.expect.MIME (not imported: no course code here)
RECORD_BUDGET = 32 * 1024 * 1024                        # bytes of check records kept per cell


def _error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def write_kernelspec(scratch):
    """The kernel spec jupyter_client looks up by name (for the interrupt mode); its argv is never run."""
    folder = Path(scratch) / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "autograder", "language": "python", "interrupt_mode": "signal"}
    (folder / "kernel.json").write_text(json.dumps(spec))


class ForkedProcess:
    """The forked kernel, with the part of subprocess.Popen's interface jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def fork_kernel(where, limits, close_fds):
    """Start the kernel as a fork of this (zygote-born) process; return (pid, connection file).

    Called before this process has an event loop or a ZeroMQ context, so the
    child starts from a clean state. It gets the limits, its own session (an
    interrupt reaches the kernel and what it started, not the executor), and
    the sandbox's folder as the first entry of sys.path.
    """
    from jupyter_client.connect import write_connection_file

    conn, _ = write_connection_file(str(Path(where) / "jupyter" / "kernel.json"), transport="ipc",
                                    ip=str(Path(where) / "jupyter" / "k"), key=secrets.token_hex(16).encode())
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid, conn
    code = 1
    try:
        from autograder.namespaces import die_with_parent

        die_with_parent(parent)
        os.setsid()
        for fd in close_fds:
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(2, 1)                         # the sandbox's log
        apply_kernel_limits(limits)
        try:
            import torch
            torch.set_num_threads(1)
        except ImportError:
            pass
        sys.path.insert(0, where)
        sys.argv = ["ipykernel", "-f", conn]
        from ipykernel.kernelapp import IPKernelApp
        IPKernelApp.launch_instance(argv=["-f", conn])
        code = 0
    except BaseException:  # noqa: BLE001 - into the sandbox's log; the executor sees the kernel die
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


def attach_kernel(km, pid):
    """Make jupyter_client manage the forked kernel as if it had launched it."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    km.kernel_id = km.kernel_id or secrets.token_hex(8)
    provisioner = LocalProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    provisioner.process = ForkedProcess(pid)
    provisioner.pid = provisioner.pgid = pid
    provisioner.connection_info = km.get_connection_info()
    km.provisioner = provisioner


class GuardedClient(NotebookClient):
    """nbclient with a tamper check before each test cell and a cap on output per cell."""

    def __init__(self, nb, limits, **kw):
        super().__init__(nb, timeout=limits.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
                         record_timing=False, **kw)
        self.max_output = limits.max_output_kb * 1024
        # the guard's name in the kernel and its signing key: random, known to this run only
        self.guard_name = "_" + secrets.token_hex(8)
        self.guard_key = secrets.token_bytes(32)
        self._output_bytes = {}
        self._record_bytes = {}
        self._dropped = {}

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {})))
        if RECORD_MIME in msg.get("content", {}).get("data", {}):
            # a frozen check's value for the grader: its own, larger budget, so chatty code cannot push it out
            used = self._record_bytes.get(cell_index, 0)
            if used + size > RECORD_BUDGET:
                return None
            self._record_bytes[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)
        used = self._output_bytes.get(cell_index, 0)
        if used + size > self.max_output:
            self._dropped[cell_index] = self._dropped.get(cell_index, 0) + size
            return None
        self._output_bytes[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)

    def evaluate(self, expression):
        """Evaluate an expression silently in the kernel; return its text, or None on failure."""
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"v": expression})
        reply = run_sync(self.async_wait_for_reply)(msg_id)
        value = reply["content"].get("user_expressions", {}).get("v", {})
        if value.get("status") != "ok":
            return None
        try:
            text = ast.literal_eval(value["data"]["text/plain"])     # the repr of the str the guard returned
        except (ValueError, SyntaxError, KeyError, TypeError):
            return None
        return text if isinstance(text, str) else None

    def ask_guard(self, operation):
        """The guard's verified answer to one request, or None if it is gone or its answer is not signed."""
        nonce = secrets.token_hex(16)
        return guard.verified(self.guard_key, operation, nonce,
                              self.evaluate(guard.request(self.guard_name, operation, nonce)))

    def run_silently(self, code):
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        reply = run_sync(self.async_wait_for_reply)(msg_id)
        return reply["content"]["status"] == "ok"

    def finish_cell(self, index, cell):
        dropped = self._dropped.pop(index, 0)
        if dropped:
            cell.outputs.append(new_output("stream", name="stdout",
                                           text=f"\n[autograder: {dropped} {DROPPED_OUTPUT}]\n"))


def _cell_id(cell, index):
    return cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {index}")


def _is_test(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


def _is_read_only_code(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("locked") and not meta.get("grade") and not meta.get("solution")


def serve(where, limits, channel_fd, blocked=(), namespaced=True):
    """Run one notebook in this sandbox, talking to the grader over the socket channel_fd.

    blocked: the grader's folders; the kernel's audit hook refuses to open them (the sandbox also hides them
    when it has namespaces). Without namespaces (namespaced=False) the kernel may not start programs either.
    """
    scratch = Path(where)
    write_kernelspec(scratch)
    os.environ["JUPYTER_PATH"] = str(scratch / "jupyter")
    pid, conn = fork_kernel(where, limits, close_fds=[channel_fd])
    from autograder.namespaces import not_dumpable

    not_dumpable()
    channel = socket.socket(fileno=channel_fd).makefile("rw", buffering=1)

    def send(kind, data):
        channel.write(f"{kind} {json.dumps(data)}\n")
        channel.flush()        # the process may end with os._exit, which flushes nothing

    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", connection_file=conn)
    km.load_connection_file()
    attach_kernel(km, pid)
    placeholder = nbformat.v4.new_notebook()
    client = GuardedClient(placeholder, limits, km=km, resources={"metadata": {"path": str(scratch)}})
    status = {"status": "ok", "reason": "", "tampering": ""}
    with client.setup_kernel(cwd=str(scratch)):
        if not client.run_silently(guard.install_code(client.guard_name, client.guard_key, blocked, where,
                                                      no_processes=not namespaced)):
            raise RuntimeError("could not install the tamper guard")
        channel.write(f"READY {pid}\n")
        channel.flush()
        line = channel.readline()
        if not line.startswith("JOB "):     # the grader went away before giving this warm sandbox a job
            return
        start = time.perf_counter()
        nb = nbformat.reads(json.loads(line[4:]), as_version=4)
        client.nb = nb
        dead_at = failed_at = None
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if dead_at is not None:
                cell.outputs.append(_error("NotRun", f"the kernel died in an earlier cell ({dead_at})"))
                continue
            if failed_at is not None:
                cell.outputs.append(_error("NotRun", f"the run stopped at the first failed test ({failed_at})"))
                continue
            if _is_test(cell):
                verdict = client.ask_guard("check")
                if verdict != "ok":
                    what = verdict.split("tampered:", 1)[1] if verdict and verdict.startswith("tampered:") \
                        else "the grader's guard was removed or replaced"
                    status.update(status="tampered", tampering=what)
                    cell.outputs.append(_error("TamperingDetected", f"this test was not run: {what}"))
                    continue
            if _is_read_only_code(cell):
                client.ask_guard("before_read_only")
            began = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                dead_at = _cell_id(cell, index)
                cell.outputs.append(_error("KernelDied", "the kernel died while running this cell "
                                           "(it exited, crashed or ran out of memory)"))
                status.update(status="kernel died", reason=f"the kernel died in {dead_at}")
            client.finish_cell(index, cell)
            if time.perf_counter() - began >= limits.cell_timeout and any(o.output_type == "error"
                                                                          for o in cell.outputs):
                # nbclient interrupted the kernel: say so, the KeyboardInterrupt alone is puzzling
                status.setdefault("cell_timeouts", []).append(_cell_id(cell, index))
                cell.outputs.append(new_output("stream", name="stdout", text=f"\n[autograder: this cell was stopped "
                                                                             f"after {limits.cell_timeout} s]\n"))
            elif status.get("cell_timeouts") and any(o.output_type == "error" and o.get("ename") == "NameError"
                                                     for o in cell.outputs):
                # a name that a stopped cell would have defined: say where it went missing
                cell.outputs.append(new_output("stream", name="stdout", text=(
                    "\n[autograder: this NameError may come from an earlier cell that was stopped at the time "
                    f"limit ({', '.join(status['cell_timeouts'])}): what that cell defines was never created]\n")))
            if dead_at is None and _is_read_only_code(cell):
                client.ask_guard("snapshot")
            if limits.stop_at_first_failed_test and _is_test(cell) and any(o.output_type == "error"
                                                                          for o in cell.outputs):
                failed_at = _cell_id(cell, index)
            send("CELL", {"index": index, "outputs": cell.outputs, "execution_count": cell.get("execution_count")})
        status["seconds"] = round(time.perf_counter() - start, 3)
    for index, cell in enumerate(nb.cells):    # cells skipped after a death or tampering carry their reason
        if cell.cell_type == "code" and cell.get("execution_count") is None and cell.outputs:
            send("CELL", {"index": index, "outputs": cell.outputs, "execution_count": None})
    send("DONE", status)
