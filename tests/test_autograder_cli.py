"""The grading command's handling of bad input: clear errors, nothing lost."""

import subprocess
import sys

import pytest

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


def test_report_needs_one_assignment_or_all_and_says_when_nothing_was_graded(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", "--workspace", str(tmp_path)])
    assert "name one ASSIGNMENT, or give --all" in capsys.readouterr().err
    assert main(["report", "01_sequences", "--workspace", str(tmp_path)]) == 2
    assert "no graded summary for 01_sequences" in capsys.readouterr().err
    assert main(["report", "--all", "--workspace", str(tmp_path)]) == 2
    assert "no graded summaries" in capsys.readouterr().err
