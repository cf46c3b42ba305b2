"""A fork server for sandboxes: numpy, torch, matplotlib, ipykernel and nbclient are imported once.

Starting a Python kernel and importing torch costs seconds of CPU; paid once
per submission, it was most of the grading time. The zygote is a process that
imports everything a sandbox needs, then never runs any notebook code itself:
for each submission it forks a child, and that child (a fresh copy of the
clean zygote, sharing nothing with any other submission) becomes the sandbox:

  zygote ── fork ─> sandbox (new session, its own pids cgroup)
                      as root: new mount, network and PID namespaces; the
                      scratch folder bound at a fixed path, the other
                      folders hidden, every capability dropped
                      └─ the executor (autograder.executor), which forks the kernel

The grader talks to the zygote over a SOCK_SEQPACKET socket: one request
(JSON) per message, with the sandbox's end of a fresh socket pair attached
(SCM_RIGHTS); the reply is the sandbox's pid. The grader then talks to the
sandbox over its own socket (READY, the notebook's name, end of file when
it is done).
"""

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

# inside a root sandbox the submission's scratch folder appears here
INSIDE = "/sandbox"          # the submission's folder, inside its own root
# sandboxes already run one per core: thread pools inside a kernel only fight over the cores
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# what a sandbox inherits from the grader's environment, and nothing else
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "AUTOGRADER_SANDBOX", "RNN_COURSE_DEVICE",
              "CUDA_VISIBLE_DEVICES", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV", "PYTHONPATH")
WARM_IMPORTS = ("numpy", "matplotlib", "matplotlib.pyplot", "torch", "torch.optim", "torch._dynamo", "rnncourse",
                "rnncourse.checks", "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "jupyter_client",
                "nbclient", "nbformat", "autograder.executor")


# ------------------------------------------------------------------ inside the zygote

def _isolation():
    """How this machine lets us isolate a sandbox: "root" namespaces, "user" namespaces, or "" (plain).

    Root gets namespaces, cgroups and the nobody user; without root, a kernel that allows unprivileged user
    namespaces gives the same own root, read-only filesystem, /tmp, /dev, IPC, PID and network, but no cgroups.
    AUTOGRADER_SANDBOX=plain turns them all off, =user asks for user namespaces even as root (tests).
    """
    wanted = os.environ.get("AUTOGRADER_SANDBOX", "")
    if wanted == "plain":
        return ""
    for mode in (["root"] if os.geteuid() == 0 and wanted != "user" else []) + ["user"]:
        pid = os.fork()
        if pid == 0:
            try:
                from autograder import namespaces
                namespaces.enter_new_namespaces(user=mode == "user")
                os._exit(0)
            except BaseException:  # noqa: BLE001 - any failure means not this mode
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            return mode
    return ""


def _visible_paths():
    """What a sandbox's own root shows: the system, this interpreter and virtualenv, the student package."""
    import rnncourse

    prefixes = [os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)]
    package = os.path.dirname(os.path.realpath(rnncourse.__file__))
    paths = ["/usr", "/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin", "/etc", "/sys", *prefixes,
             package]
    for entry in sys.path:      # site-packages and friends, but nothing outside the interpreter's own folders
        real = os.path.realpath(entry) if entry else ""
        if os.path.isdir(real) and any(real == p or real.startswith(p + os.sep) for p in prefixes + ["/usr"]):
            paths.append(real)
    return paths


def _become_sandbox(request, channel_fd):
    """In the forked child: set the sandbox up, run the executor, never return."""
    from autograder import executor, namespaces
    from autograder.limits import Limits

    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # the zygote ignores it; we wait for our children
        os.setsid()
        scratch = request["scratch"]
        for group in request.get("cgroups", []):      # its limits: processes, memory of all its processes
            Path(group, "cgroup.procs").write_text(str(os.getpid()))
        log = os.open(os.path.join(scratch, ".sandbox.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 2)
        os.close(log)
        where = scratch
        mode = request["namespaces"]           # "root", "user" or "" (see _isolation)
        if mode:
            namespaces.enter_new_namespaces(user=mode == "user")
            # as root the student's code runs as nobody; in a user namespace only our own uid is mapped (as 0)
            owner = namespaces.NOBODY if mode == "root" else None
            child = os.fork()
            if child == 0:
                namespaces.die_with_parent()
            if child:                      # stays outside, like `unshare --fork`: waits for PID 1 inside
                os.close(channel_fd)
                _, status = os.waitpid(child, 0)
                os._exit(max(0, os.waitstatus_to_exitcode(status)))
            namespaces.private_mounts_with_new_proc()
            # a root of its own: only the allow-listed paths (system, interpreter, virtualenv, student package)
            root = "/mnt/sandbox-root"
            namespaces.tmpfs("/mnt", "64k")
            os.makedirs(root)
            limits = Limits.from_json(request["limits"])
            # its own /tmp first: a repository or virtualenv under the host's /tmp is then bound on top of it
            namespaces.own_root(root, _visible_paths(), private_tmp="64m", owner=owner)
            os.makedirs(root + "/dev")
            namespaces.minimal_dev(root + "/dev")
            for path, size in ((INSIDE, f"{limits.disk_mb}m"), ("/dev/shm", "64m")):
                # its only writable places, all its own: the folder (its size is the disk quota; the notebook
                # arrives on the socket, nothing written here is read by the grader), /tmp and shared memory
                os.makedirs(root + path, exist_ok=True)
                namespaces.tmpfs(root + path, size, owner=owner)
                os.chmod(root + path, 0o700 if path == INSIDE else 0o1777)
            os.makedirs(root + "/proc", exist_ok=True)
            namespaces.mount("proc", root + "/proc", "proc", namespaces.MS_NOSUID | namespaces.MS_NODEV
                             | namespaces.MS_NOEXEC)
            os.chroot(root)
            os.chdir("/")
            failed = namespaces.read_only_everywhere(keep_writable={INSIDE, "/tmp", "/dev/shm", "/proc"})
            if "/" in failed:
                raise RuntimeError(f"could not make the filesystem read-only: {failed}")
            namespaces.drop_all_capabilities(become=owner)    # student code never runs as root (of the host)
            where = INSIDE
        os.chdir(where)
        os.makedirs(f"{where}/tmp", exist_ok=True)
        os.environ.update(HOME=where, MPLCONFIGDIR=f"{where}/.mpl", IPYTHONDIR=f"{where}/.ipython",
                          JUPYTER_RUNTIME_DIR=f"{where}/jupyter", TMPDIR=f"{where}/tmp",
                          RNNCOURSE_EXPECT="record")   # frozen checks are sent to the grader, not compared here
        executor.serve(where, Limits.from_json(request["limits"]), channel_fd, blocked=request["hidden"],
                       namespaced=bool(request["namespaces"]))
        code = 0
    except BaseException:  # noqa: BLE001 - whatever happened, it goes to the log and the child exits
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


def serve(control):
    from autograder.nbgrader_main import skip_iri_grammars

    skip_iri_grammars()
    for name in WARM_IMPORTS:
        try:
            __import__(name)
        except ImportError:   # a course without torch still grades
            pass
    # the grader's folder was sys.path[0]; sandboxes must not import from there
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    hello = {"namespaces": _isolation(), "threads": threading.active_count()}
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)        # sandboxes are reaped by the system
    control.send(json.dumps(hello).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
        except (ConnectionError, OSError):
            break
        if not message:
            break                                       # the grader went away
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            control.close()
            _become_sandbox(request, fds[0])
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())


def main():
    serve(socket.socket(fileno=int(sys.argv[1])))


# ------------------------------------------------------------------ in the grader

class ZygoteError(RuntimeError):
    pass


class Zygote:
    """The grader's handle on a running zygote; thread-safe."""

    def __init__(self, log_path):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # a minimal environment: nothing of the grader's (tokens, passwords, paths) reaches a submission
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", **THREAD_ENV)
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "autograder.zygote", str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, start_new_session=True)
        theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        self.log_path = log_path
        self.sock.settimeout(300)
        try:
            hello = self.sock.recv(1 << 16)
        except OSError as exc:
            hello = b""
            self.close()
            raise ZygoteError(f"the zygote did not start: {exc}") from exc
        if not hello:
            self.close()
            raise ZygoteError("the zygote did not start: " + Path(log_path).read_text(errors="replace")[-1500:])
        info = json.loads(hello)
        self.namespaces = info["namespaces"]
        self.sock.settimeout(60)

    def alive(self):
        return self.proc.poll() is None

    def spawn(self, request):
        """Fork a sandbox; return (its pid, the grader's end of its socket)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self.lock:
                socket.send_fds(self.sock, [json.dumps(dict(request, namespaces=self.namespaces)).encode()],
                                [theirs.fileno()])
                reply = self.sock.recv(1 << 16)
        except OSError as exc:
            ours.close()
            raise ZygoteError(f"the zygote did not answer: {exc}") from exc
        finally:
            theirs.close()
        if not reply:
            ours.close()
            raise ZygoteError("the zygote exited")
        return json.loads(reply)["pid"], ours

    def close(self):
        try:
            self.sock.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


_shared = None
_shared_lock = threading.Lock()


def shared_zygote(log_dir):
    """This process's zygote, started on first use and again if it died."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.alive():
            Path(log_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
            _shared = Zygote(Path(log_dir) / f"zygote-{os.getpid()}.log")
        return _shared


def close_shared_zygote():
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


atexit.register(close_shared_zygote)

if __name__ == "__main__":
    main()
