"""The class report (python -m autograder report) opened in Chromium, as an instructor opens it.

A synthetic class of 300 graded submissions of assignment 02 (its real test cells and misconceptions,
tests/bench/bench_course.synthetic_summary) is reported; the page must render its tables, load both figures
(embedded PNGs), link each misconception to a lecture section that exists, and log no console error.
A screenshot goes to artifacts/report/; tests/browser/update_screenshots.py copies it for the README.
"""

import json
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import REPO, VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = REPO / "artifacts" / "report"


def test_the_class_report_renders_with_its_figures_and_no_console_error(chromium, tmp_path):
    sys.path.insert(0, str(REPO / "tests" / "bench"))
    from bench_course import synthetic_summary

    from autograder.report import assignment_report

    summary = synthetic_summary("02_elman", 300)
    (tmp_path / "summary_02_elman.json").write_text(json.dumps(summary))
    n_cells = len(next(iter(summary["students"].values()))["cells"])
    page_path = assignment_report(tmp_path, "02_elman") / "report.html"
    context = chromium.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    try:
        page.goto(page_path.as_uri())
        assert page.title() == "Class report: 02_elman"
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
        assert len(sizes) == 2 and all(done and width > 300 for done, width in sizes), sizes
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        assert headings[:2] == ["Score distribution", "Questions by points lost"], headings
        rows = page.eval_on_selector_all("table", "ts => ts.map(t => t.tBodies[0].rows.length)")
        assert rows[0] == n_cells and rows[1] > 0, f"test cells and misconceptions tables: {rows}"
        links = page.eval_on_selector_all("a[href*='lectures/']", "as => as.map(a => a.getAttribute('href'))")
        assert links and all((REPO / link.split("#")[0]).is_file() for link in links), links[:5]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "class_report.png"), full_page=False)
        page.evaluate("document.querySelectorAll('h2')[3].scrollIntoView()")
        page.screenshot(path=str(SHOTS / "class_report_misconceptions.png"), full_page=False)
    finally:
        context.close()
    assert not problems, problems
    assert Path(SHOTS / "class_report.png").stat().st_size > 10_000
