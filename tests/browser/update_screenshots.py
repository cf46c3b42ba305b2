"""Refresh the README's screenshots from the browser suite's last run.

    .venv/bin/python -m pytest -m browser tests/browser     # writes artifacts/browser/
    .venv/bin/python tests/browser/update_screenshots.py    # -> tests/browser/screenshots/

One picture per topic: the lecture's first figure in JupyterLab, after
Run > Run All Cells (artifacts/browser/test_lecture_runs_in_the_browser_<lecture>/NN_figure.png),
saved as tests/browser/screenshots/<lecture>.png, e.g. 01_sequence_learning.png; and the class report
(artifacts/report/class_report*.png, from test_class_report.py).
The PNGs are reduced to a 256-colour palette to stay small (< 200 KB each).
"""

import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))          # run as a script: the repository's packages
from autograder import layout  # noqa: E402

ARTIFACTS = REPO / "artifacts" / "browser"
SCREENSHOTS = HERE / "screenshots"
MAX_BYTES = 200_000


REPORT_SHOTS = REPO / "artifacts" / "report"      # tests/browser/test_class_report.py


def _save(shot, dest):
    image = Image.open(shot).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(dest, optimize=True)
    size = dest.stat().st_size
    print(f"{dest.relative_to(REPO)}  {size / 1000:.0f} KB  (from {shot.relative_to(REPO)})")
    if size > MAX_BYTES:
        print(f"  warning: larger than {MAX_BYTES // 1000} KB", file=sys.stderr)


def main():
    lectures = layout.lectures(REPO)
    SCREENSHOTS.mkdir(exist_ok=True)
    missing = []
    for lecture in lectures:
        shots = sorted((ARTIFACTS / f"test_lecture_runs_in_the_browser_{lecture.stem}").glob("*_figure.png"))
        if not shots:
            missing.append(lecture.stem)
            continue
        _save(shots[0], SCREENSHOTS / f"{lecture.stem}.png")
    for name in ("class_report.png", "class_report_misconceptions.png"):   # the instructors' class report
        if (REPORT_SHOTS / name).exists():
            _save(REPORT_SHOTS / name, SCREENSHOTS / name)
        else:
            missing.append(name)
    if missing:
        print("no figure screenshot for " + ", ".join(missing) + ": run the browser suite first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
