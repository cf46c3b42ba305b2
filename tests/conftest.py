"""Shared pytest set-up: how tests are spread over the cores, and the figures printed at the end of a run.

Tests run in parallel (pytest-xdist, `-n auto` in pyproject.toml). A module whose tests share an expensive
fixture (a graded class, a running JupyterLab) is one group, run by one worker, so the fixture is built once;
test_grading.py is a group per assignment; the heaviest groups are handed out first. The groups are made by a
scheduler of our own (xdist's hook pytest_xdist_make_scheduler): xdist's `--dist loadgroup` marks do not
reach pytest 9's node ids. Figures (notebook and cell times, what each hostile submission got) travel from
the workers to the end-of-run summary as user properties of the tests' reports.
"""

import re

# modules whose tests are independent of each other: spread test by test
UNGROUPED = {"test_notebooks_run.py", "test_autograder_runs.py", "test_release.py", "test_mutation.py"}
# the longest groups first, so that no worker is left with one at the end (seconds, quiet 2-core machine)
HEAVY_FIRST = ["test_delegation.py", "grading:05_bias", "grading:03_graphs", "grading:04_hello", "browser",
               "test_sandbox_hardening.py", "test_autograder_adversarial.py", "grading:06_long_memory",
               "grading:02_elman", "grading:01_sequences", "test_autograder_runs.py", "test_notebooks_run.py"]

_FIGURES = {"notebook_seconds": {}, "cell_seconds": [], "hostile_outcomes": {}, "mutants": {}}


def record(request, kind, value):
    """Report a figure for the end-of-run summary: notebook_seconds (name, s), cell_seconds [(s, where)],
    hostile_outcomes (student, (score, max, status, reasons))."""
    request.node.user_properties.append((kind, value))


def group_of(nodeid):
    """The group of a test, from its node id; None for a test that can run anywhere."""
    path, _, name = nodeid.partition("::")
    if path.startswith("tests/browser/"):
        return "browser"
    file = path.rsplit("/", 1)[-1]
    if file == "test_grading.py":
        found = re.search(r"\[(\d\d_\w+?)[\]:]", name)
        return "grading:" + (found.group(1) if found else "checks")
    return None if file in UNGROUPED else file


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        """xdist's scope scheduling, with our groups as the scopes (each test alone where it has none)."""

        def _split_scope(self, nodeid):
            return group_of(nodeid) or nodeid

    return ByGroup(config, log)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    # stable: the order within a group is kept
    items.sort(key=lambda item: rank.get(group_of(item.nodeid) or item.path.name, len(rank)))


def pytest_runtest_logreport(report):
    if report.when != "call":           # every phase's report carries the item's properties: count them once
        return
    for kind, value in getattr(report, "user_properties", ()):
        if kind == "notebook_seconds":
            _FIGURES[kind][value[0]] = value[1]
        elif kind == "cell_seconds":
            _FIGURES[kind].extend(tuple(v) for v in value)
        elif kind in ("hostile_outcomes", "mutants"):
            _FIGURES[kind][value[0]] = tuple(value[1])


def pytest_terminal_summary(terminalreporter):
    notebooks, cells, hostile, mutants = (_FIGURES[k] for k in ("notebook_seconds", "cell_seconds",
                                                               "hostile_outcomes", "mutants"))
    if notebooks:
        terminalreporter.section("notebook run times (2-core budget: 60 s each)")
        for name, seconds in sorted(notebooks.items()):
            terminalreporter.write_line(f"{seconds:6.1f} s  {name}")
    if cells:
        terminalreporter.section("the 10 slowest cells (limit 10 s each: tests/test_notebooks_run.py)")
        for seconds, where in sorted(cells, reverse=True)[:10]:
            terminalreporter.write_line(f"{seconds:6.1f} s  {where}")
    if hostile:
        terminalreporter.section("hostile submissions, graded by the autograder (score / max, status, reasons)")
        for sid, (score, most, status, reasons) in sorted(hostile.items()):
            terminalreporter.write_line(f"{sid:22s} {score:>4g}/{most:<3g} {status:14s} {'; '.join(reasons)[:150]}")
    if mutants:
        terminalreporter.section("mutants of the reference solutions (tests/test_mutation.py; all: make mutants)")
        terminalreporter.write_line(f"{'assignment':14s} {'mutants':>7s} {'killed':>7s} {'survived':>8s} "
                                    f"{'equivalent':>10s} {'killed %':>8s}  graded")
        for name, (total, killed, survived, same, rate, which) in sorted(mutants.items()):
            terminalreporter.write_line(f"{name:14s} {total:7d} {killed:7d} {survived:8d} {same:10d} "
                                        f"{100 * rate:7.1f}%  {which}")
