"""Collecting submissions from LMS zip exports and folders (autograder.collect), without grading."""

import zipfile

import pytest

from autograder.collect import MAX_MEMBER_BYTES, SubmissionError, find_submissions

A = "01_sequences"
NB = f"{A}.ipynb"


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _files(found):
    return {s: sorted(p.name for p in folder.iterdir()) for s, folder in found.items()}


def test_one_archive_in_nbgraders_layout(tmp_path):
    archive = _zip(tmp_path / "class.zip", {f"alice/{A}/{NB}": "a", f"bob/{A}/{NB}": "b", f"bob/{A}/data.txt": "x"})
    found = find_submissions(archive, A, [NB], tmp_path / "staging")
    assert _files(found) == {"alice": [NB], "bob": [NB, "data.txt"]}
    assert (found["bob"] / NB).read_text() == "b"


def test_lms_flat_names_become_student_ids_and_the_notebook_name(tmp_path):
    archive = _zip(tmp_path / "export.zip", {f"alice_12345_67890_{NB}": "a", f"bob_late_222_{NB}": "b"})
    found = find_submissions(archive, A, [NB], tmp_path / "staging")
    assert _files(found) == {"alice": [NB], "bob": [NB]}


def test_a_folder_of_per_student_archives_and_folders(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    _zip(subs / "carol.zip", {f"anything/{NB}": "c"})
    (subs / "dave" / A).mkdir(parents=True)
    (subs / "dave" / A / NB).write_text("d")
    found = find_submissions(subs, A, [NB], tmp_path / "staging")
    assert _files(found) == {"carol": [NB], "dave": [NB]}


def test_member_paths_cannot_escape_the_staging_folder(tmp_path):
    """A member named with enough ../ to leave <staging>/<student>/<assignment>/ and one with an absolute path
    (both aimed inside tmp_path, so that an escape lands where this test looks) are written as the notebook of
    a student folder in the staging folder, and nowhere else."""
    staging = tmp_path / "staging"
    archive = _zip(tmp_path / "evil.zip", {f"../../../{NB}": "x", f"{tmp_path}/etc/{A}_{NB}": "y"})
    found = find_submissions(archive, A, [NB], staging)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".ipynb")
    assert written == sorted(folder / NB for folder in found.values()), written
    assert all(staging in folder.parents for folder in found.values()), found
    assert sorted((folder / NB).read_text() for folder in found.values()) == ["x", "y"], "a member was lost"


def test_a_corrupt_archive_in_a_class_is_noted_not_fatal(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    _zip(subs / "erin.zip", {f"x/{NB}": "e"})
    (subs / "frank.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    notes = {}
    found = find_submissions(subs, A, [NB], tmp_path / "staging", notes=notes)
    assert set(found) == {"erin", "frank"}
    assert list(found["frank"].iterdir()) == []             # graded as a missing notebook
    assert "unreadable archive frank.zip" in notes["frank"][0]


def test_an_oversized_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.collect.MAX_MEMBER_BYTES", 10)
    subs = tmp_path / "subs"
    subs.mkdir()
    _zip(subs / "gina.zip", {f"x/{NB}": "y" * 100})
    notes = {}
    find_submissions(subs, A, [NB], tmp_path / "staging", notes=notes)
    assert "larger than" in notes["gina"][0]
    assert MAX_MEMBER_BYTES >= 1 << 20                     # real notebooks with figures fit


def test_a_single_corrupt_archive_is_a_clear_error(tmp_path):
    bad = tmp_path / "class.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="not a zip file"):
        find_submissions(bad, A, [NB], tmp_path / "staging")


def test_an_oversized_member_of_a_class_export_costs_only_its_student(tmp_path, monkeypatch):
    """One class-wide zip: a member over the limit is never read, its student is noted, the others are graded."""
    monkeypatch.setattr("autograder.collect.MAX_MEMBER_BYTES", 10)
    archive = _zip(tmp_path / "class.zip", {f"hana/{A}/{NB}": "h" * 100, f"ivan/{A}/{NB}": "small"})
    notes = {}
    found = find_submissions(archive, A, [NB], tmp_path / "staging", notes=notes)
    assert _files(found) == {"hana": [], "ivan": [NB]}
    assert notes["hana"] == [f"class.zip: hana/{A}/{NB} is larger than 0 MB: not graded"]
    assert "ivan" not in notes
    with pytest.raises(SubmissionError, match="larger than"):     # without a place for notes: a clear error
        find_submissions(archive, A, [NB], tmp_path / "staging2")


def test_a_submission_folder_copies_no_file_over_the_limit_and_says_so(tmp_path, monkeypatch):
    from autograder.collect import copy_regular_files

    monkeypatch.setattr("autograder.collect.MAX_MEMBER_BYTES", 10)
    source = tmp_path / "jan"
    (source / "data").mkdir(parents=True)
    (source / NB).write_text("x" * 100)
    (source / "data" / "big.csv").write_text("y" * 11)
    (source / "data" / "ok.csv").write_text("z" * 10)
    (source / "link.ipynb").symlink_to(source / NB)
    left = copy_regular_files(source, tmp_path / "copy")
    assert sorted(left.too_large) == sorted([NB, "data/big.csv"]) and left.links == ["link.ipynb"]
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == ["data/ok.csv"]


def test_a_notebook_over_the_limit_is_graded_as_missing_with_the_reason(tmp_path, monkeypatch):
    """The grading command's normalising step: the row says why, and the released copy stands in (0 points)."""
    from autograder.grading import _normalise
    from tests.grading.harness import REPO

    monkeypatch.setattr("autograder.collect.MAX_MEMBER_BYTES", 1000)
    folder = tmp_path / "kim" / A
    folder.mkdir(parents=True)
    (folder / NB).write_text("{" + " " * 2000 + "}")
    target = tmp_path / "submitted" / "kim" / A
    notes = _normalise(folder, target, [NB], REPO / "assignments" / A)
    assert f"larger than 0 MB, not graded: {NB}" in notes and f"missing notebook {NB}" in notes, notes
    assert (target / NB).read_bytes() == (REPO / "assignments" / A / NB).read_bytes()
