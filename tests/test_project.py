"""Project hygiene: requirements and environment.yml agree, lint is clean,
nothing machine-specific is tracked, and the README's commands are the real ones."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.notebooks import REPO


def _requirements():
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _environment():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                name, version = line.split("==")
                pins[name.lower()] = version
        elif "=" in dep:
            name, version = dep.split("=", 1)
            pins[name.lower()] = version
    return pins


def test_requirements_and_environment_name_the_same_versions():
    req, env = _requirements(), _environment()
    python = env.pop("python")
    assert python == "3.11"
    assert req == env, f"only in requirements.txt: {set(req.items()) - set(env.items())}; " \
                       f"only in environment.yml: {set(env.items()) - set(req.items())}"


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version
    for name, pinned in _requirements().items():
        assert version(name).split("+")[0] == pinned, f"{name}: installed {version(name)}, pinned {pinned}"


def test_ruff_is_clean():
    proc = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "."], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_machine_state_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.splitlines()
    bad = [f for f in tracked if re.search(r"(^|/)(gradebook\.db|__pycache__|\.ipynb_checkpoints|\.venv)(/|$)", f)]
    assert not bad, f"machine state tracked by git: {bad}"
    config = (REPO / "nbgrader_config.py").read_text()
    assert "/root" not in config and "/home" not in config and "/work" not in config


def test_readme_first_screen_gives_the_two_commands_and_ci_runs_the_test_one():
    first_screen = "\n".join((REPO / "README.md").read_text().splitlines()[:30])
    assert "make lab" in first_screen and "make test" in first_screen
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^\s*make test\b", ci, re.M), ".ci/run must run the README's test command"


def test_student_files_never_import_the_grader():
    """Lectures, released assignments and the student package import neither answer_key nor autograder."""
    import json

    pattern = re.compile(r"^\s*(from|import)\s+(answer_key|autograder|rnncourse\.oracles|rnncourse\.recurrence)\b"
                         r"|import_module\(\s*f?['\"](answer_key|autograder)", re.M)
    found = []
    for path in sorted((REPO / "rnncourse").rglob("*.py")):
        found += [f"{path.relative_to(REPO)}: {m.group(0).strip()}" for m in pattern.finditer(path.read_text())]
    # the one allowed reference: rnncourse.expect looks the key up by name where a full repository has it
    # (the release's freezer, a self-learner's hidden tests) and does without it everywhere else
    optional = [f for f in found if f.startswith("rnncourse/expect.py: import_module(")]
    assert len(optional) == 2, found
    found = [f for f in found if f not in optional]
    for path in sorted((REPO / "lectures").glob("*.ipynb")) + sorted((REPO / "assignments").rglob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            found += [f"{path.relative_to(REPO)}: {m.group(0).strip()}" for m in pattern.finditer(source)]
    assert not found, "student files that import grader code:\n" + "\n".join(found)


def test_conventions_that_code_cites_live_in_the_repository():
    """A comment that cites a convention cites a section of CONTRIBUTING.md that exists, never an outside text."""
    sections = set(re.findall(r"^## (.+)$", (REPO / "CONTRIBUTING.md").read_text(), re.M))
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True)
    cited, outside = [], []
    for rel in tracked.stdout.split():
        if not rel.endswith((".py", ".ipynb", "Makefile")):
            continue
        text = (REPO / rel).read_text(errors="replace")
        cited += [(rel, name) for name in re.findall(r"CONTRIBUTING\.md, ([A-Z][a-z]+(?: [a-z]+)*)", text)]
        outside += [rel for _ in re.findall(r"\bGUIDE\b", text)]
    assert cited, "no code cites the contributor's guide: this test would prove nothing"
    assert not outside, f"these files cite a guide outside the repository: {sorted(set(outside))}"
    missing = [(rel, name) for rel, name in cited if name not in sections]
    assert not missing, f"citations of sections CONTRIBUTING.md does not have: {missing}"
