"""The grading command's handling of bad input: clear errors, nothing lost."""

import subprocess
import sys

from autograder import workspace as ws
from autograder.cli import main
from tests.notebooks import REPO


def test_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    code = main(["grade", "01_sequences", "--submissions", str(tmp_path / "nope"),
                 "--workspace", str(tmp_path / "w")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_wrong_layout_names_the_expected_layout(tmp_path, capsys):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "01_sequences.ipynb").write_text("{}")
    code = main(["grade", "01_sequences", "--submissions", str(tmp_path / "subs"),
                 "--workspace", str(tmp_path / "w")])
    assert code == 2
    assert "<student>/01_sequences/*.ipynb" in capsys.readouterr().err


def test_unknown_assignment_lists_the_known_ones(tmp_path):
    try:
        ws.prepare(tmp_path / "w", "99_nothing")
    except ws.SubmissionError as exc:
        assert "01_sequences" in str(exc)
    else:
        raise AssertionError("an unknown assignment must be refused")


def test_module_entry_point_prints_usage():
    proc = subprocess.run([sys.executable, "-m", "autograder", "--help"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0 and "grade" in proc.stdout
