"""Shared pytest set-up: report how long each notebook took to run, and what each hostile submission got."""

NOTEBOOK_TIMES = {}
# student id -> (score, max score, status, reasons), filled by the adversarial grading tests
ADVERSARIAL_OUTCOMES = {}


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook run times (2-core budget: 60 s each)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"{seconds:6.1f} s  {name}")
    if ADVERSARIAL_OUTCOMES:
        terminalreporter.section("hostile submissions, graded by the autograder (score / max, status, reasons)")
        for sid, (score, most, status, reasons) in sorted(ADVERSARIAL_OUTCOMES.items()):
            terminalreporter.write_line(f"{sid:22s} {score:>4g}/{most:<3g} {status:14s} {'; '.join(reasons)[:150]}")
