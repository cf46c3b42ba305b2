"""The browser suite's set-up: the course in JupyterLab, started the README's way, seen in Chromium.

- The course is copied (tracked files and new files git does not ignore) to a
  temporary folder, so filling in notebooks and pressing Validate never
  touches the real checkout. The copy uses the real checkout's `.venv`.
- JupyterLab is started there by the README's command, `make lab`, on
  127.0.0.1 with a random free port and a token, as a new user: empty
  Jupyter config, data, settings and workspace folders.
- Playwright for Python drives Debian's Chromium (/usr/bin/chromium); it never
  downloads a browser. Without Chromium or Playwright every test here fails
  and says how to install them (`bash tests/browser/install.sh`).
- Screenshots of each step go to artifacts/browser/<test>/ (ignored by git).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# Headless flags that work on the course's machines: no sandbox (CI runs as
# root), no GPU, and no background connections to Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
LAB_START_TIMEOUT = 180
INSTALL_HINT = "Install what is missing with `bash tests/browser/install.sh` (CI runs it from .ci/run)."


def _browser_problems():
    problems = []
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed in this Python environment")
    return problems


@pytest.fixture(scope="session")
def browser_tools():
    """Fail, plainly, when the browser cannot run; never skip."""
    problems = _browser_problems()
    if problems:
        pytest.fail("The browser suite cannot run: " + "; ".join(problems) + ". " + INSTALL_HINT, pytrace=False)


# ---------------------------------------------------------------- the course copy

def _course_files():
    """Paths (relative to the checkout) of the tracked files and new files git does not ignore."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             check=True, capture_output=True).stdout
        return [p for p in out.decode().split("\0") if p and (REPO / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an unpacked archive): everything but machine state.
        skip = {".git", ".venv", "artifacts", "grading", "__pycache__", ".pytest_cache", ".ruff_cache",
                ".ipynb_checkpoints"}
        return [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                if p.is_file() and not skip.intersection(p.relative_to(REPO).parts)]


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory, browser_tools):
    """A copy of the course to work in; its .venv is the checkout's."""
    if not (REPO / ".venv" / "bin" / "jupyter").exists():
        pytest.fail("No .venv with JupyterLab in the checkout: run `make setup` first.", pytrace=False)
    root = tmp_path_factory.mktemp("course")
    for rel in _course_files():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest)  # keeps modification times, which make compares
    (root / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    return root


# ---------------------------------------------------------------- JupyterLab

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server started by `make lab` in the course copy."""

    def __init__(self, root, home, log_path):
        self.root, self.home, self.log_path = root, home, log_path
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def url(self, path="lab", query=""):
        sep = "&" if query else ""
        return f"{self.base}/{path}?{query}{sep}token={self.token}"

    def api(self, path, method="GET", body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def environment(self):
        """The environment of a new user: nothing from this machine's Jupyter folders."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "MAKE", "MFLAGS")) and k not in ("IPYTHONDIR", "PYTEST_CURRENT_TEST")}
        env.update(
            JUPYTER_CONFIG_DIR=str(self.home / ".jupyter"),
            JUPYTER_DATA_DIR=str(self.home / ".local/share/jupyter"),
            JUPYTER_RUNTIME_DIR=str(self.home / ".local/share/jupyter/runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(self.home / ".jupyter/lab/user-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / ".jupyter/lab/workspaces"),
            IPYTHONDIR=str(self.home / ".ipython"),
        )
        return env

    def command(self):
        lab_args = [
            "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            # Only exposes window.jupyterapp, so the tests can read the notebook
            # model the page shows; it changes nothing a student sees.
            "--LabApp.expose_app_in_browser=True",
        ]
        if os.geteuid() == 0:
            lab_args.append("--allow-root")  # CI runs as root; Jupyter refuses root without it
        # `-o .venv/.installed`: the copy shares the checkout's .venv, which
        # must not be reinstalled from here (an editable install would then
        # point at this temporary copy). Everything else `make lab` does,
        # the course's JupyterLab settings included, happens as usual.
        return ["make", "--no-print-directory", "-o", ".venv/.installed", "lab", "LAB_ARGS=" + " ".join(lab_args)]

    def start(self):
        for d in ("config", "data", "runtime"):
            (self.home / d).mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.log.write("$ (cd course copy && " + " ".join(self.command()) + ")\n")
        self.log.flush()
        self.process = subprocess.Popen(self.command(), cwd=self.root, env=self.environment(), stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.watchdog = _watch_over(self.process.pid)
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`make lab` exited with {self.process.returncode} before JupyterLab answered:\n"
                            + self.log_tail(), pytrace=False)
            try:
                self.api("api/status", timeout=5)
                self.api("lab/api/settings", timeout=30)  # JupyterLab itself, not only the server, is up
                return self
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.5)
        pytest.fail(f"JupyterLab did not answer on {self.base} within {LAB_START_TIMEOUT} s:\n" + self.log_tail(),
                    pytrace=False)

    def log_offset(self):
        self.log.flush()
        return Path(self.log_path).stat().st_size

    def log_since(self, offset):
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def log_tail(self, n=40):
        try:
            lines = Path(self.log_path).read_text().splitlines()
        except OSError:
            return ""
        return "\n".join(re.sub(r"token=\w+", "token=...", line) for line in lines[-n:])

    def shutdown_kernels(self):
        try:
            for session in self.api("api/sessions"):
                self.api(f"api/sessions/{session['id']}", method="DELETE")
            for kernel in self.api("api/kernels"):
                self.api(f"api/kernels/{kernel['id']}", method="DELETE")
        except (OSError, urllib.error.URLError):
            pass

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        try:  # the server shuts its kernels down, then exits; make exits after it
            self.api("api/shutdown", method="POST", timeout=10)
            self.process.wait(timeout=30)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        finally:
            self.log.close()
            self.watchdog.stdin.close()      # the server is down: the watchdog has nothing left to do
            self.watchdog.wait(timeout=30)


# A process of its own that holds the read end of a pipe whose write end only this test process has. When the
# test run ends in any way (a SIGKILL included, which runs no teardown), the pipe closes, and it stops the
# server's whole process group (make, JupyterLab, and through the server its kernels).
_WATCHDOG = """
import os, signal, sys, time
group = int(sys.argv[1])
sys.stdin.buffer.read()
for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 0)):
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        break
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            sys.exit(0)
        time.sleep(0.2)
"""


def _watch_over(group):
    return subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(group)], stdin=subprocess.PIPE,
                            start_new_session=True)


@pytest.fixture(scope="session")
def lab(course_copy, tmp_path_factory):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's artefacts only
    ARTIFACTS.mkdir(parents=True)
    server = Lab(course_copy, tmp_path_factory.mktemp("home"), ARTIFACTS / "jupyterlab.log")
    try:
        yield server.start()
    finally:
        server.stop()


# ---------------------------------------------------------------- Chromium

@pytest.fixture(scope="session")
def chromium(browser_tools):
    from playwright.sync_api import Error, sync_playwright

    pw = sync_playwright().start()
    try:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Error as e:
            pytest.fail(f"Chromium ({CHROMIUM}) did not start under Playwright: {e}. " + INSTALL_HINT, pytrace=False)
        yield browser
        browser.close()
    finally:
        pw.stop()


class Shots:
    """Numbered screenshots of one test's steps, in artifacts/browser/<test>/."""

    def __init__(self, page, folder):
        self.page, self.folder, self.n = page, folder, 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def take(self, name):
        self.n += 1
        path = self.folder / f"{self.n:02d}_{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _test_folder_name(nodeid):
    name = nodeid.split("::", 1)[-1]
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


@pytest.fixture
def page(chromium, lab, request):
    """A fresh browser page (new profile state) for each test; kernels are shut down after it."""
    context = chromium.new_context(viewport=VIEWPORT, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    console = []
    pg.on("pageerror", lambda e: console.append(f"page error: {e}"))
    pg.on("console", lambda m: console.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.shots = Shots(pg, ARTIFACTS / _test_folder_name(request.node.nodeid))
    yield pg
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        try:
            pg.shots.take("failure")
        except Exception:  # the page may be gone; the failure itself is what matters
            pass
    (pg.shots.folder / "console.log").write_text("\n".join(console) + "\n")
    context.close()
    lab.shutdown_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
