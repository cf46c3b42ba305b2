"""Shared pytest set-up: report how long each notebook took to run."""

NOTEBOOK_TIMES = {}


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook run times (2-core budget: 60 s each)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"{seconds:6.1f} s  {name}")
