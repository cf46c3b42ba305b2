"""Find each student's files for an assignment: nbgrader's folder layout, or LMS zip exports.

Accepted layouts for --submissions PATH:
  PATH/<student>/<assignment>/*.ipynb         nbgrader's collected layout
  PATH/<student>.zip, or PATH being one .zip  archives; inside, either the layout above,
                                              or notebooks anywhere, or LMS-style flat names
                                              <student>_<anything>_<notebook>.ipynb
Zip members are read, never extracted by their own paths (no path traversal),
and a member (or a file of a submission folder) over the size limit is refused, with the reason in that
student's row, never for the whole class. Only regular files are taken:
a symbolic link (to a solution, another student's work, a device) is never
followed, and is reported instead.
"""

import os
import re
import shutil
import stat
import typing
import zipfile
from pathlib import Path

MAX_MEMBER_BYTES = 64 * 1024 * 1024


class SubmissionError(ValueError):
    """The submissions are not laid out in any way this command understands."""


def _safe_name(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)


def _student_id(raw):
    sid = re.sub(r"[^A-Za-z0-9_.-]", "_", raw).strip("._")
    if not sid:
        raise SubmissionError(f"cannot make a student id from {raw!r}")
    return sid


def _from_zip(path, assignment, notebooks, refused):
    """{student: {file name: bytes}} from one archive; members over the size limit go to refused[student]."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir() or "__MACOSX" in info.filename or Path(info.filename).name.startswith("."):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                continue                                              # a link stored in the archive
            parts = Path(info.filename).parts
            name = Path(info.filename).name
            lms_match = next((nb for nb in notebooks if name.endswith("_" + nb)), None)
            if len(parts) >= 3 and parts[-2] == assignment:
                student = _student_id(parts[-3])                      # <student>/<assignment>/<file>
            elif lms_match:
                student, name = _student_id(name.split("_")[0]), lms_match   # <student>_..._<notebook>
            else:
                student = _student_id(path.stem)                      # <student>.zip holding the files
            if info.file_size > MAX_MEMBER_BYTES:
                # never read into memory; the student's row says why (one class-wide export must not fail
                # for everyone because one member is too large)
                refused.setdefault(student, []).append(
                    f"{path.name}: {info.filename} is larger than {MAX_MEMBER_BYTES >> 20} MB: not graded")
                found.setdefault(student, {})
                continue
            found.setdefault(student, {})[_safe_name(name)] = archive.read(info)
    return found


def find_submissions(submissions, assignment, notebooks, staging, notes=None):
    """Map student id -> folder holding that student's files for the assignment.

    notebooks: the assignment's notebook file names (e.g. ["01_sequences.ipynb"]).
    staging: where files from archives are written, one folder per student.
    notes: a dict; an archive that cannot be read becomes an empty folder for
    the student its name gives (graded as a missing notebook), with the reason
    in notes[student], instead of stopping the whole class.
    """
    root = Path(submissions)
    if not root.exists():
        raise SubmissionError(f"submissions folder {root} does not exist")
    archives = [root] if root.is_file() else sorted(root.glob("*.zip"))
    found = {}
    for archive in archives:
        try:
            if not zipfile.is_zipfile(archive):
                raise SubmissionError(f"{archive.name} is not a zip file")
            refused = {}
            students = _from_zip(archive, assignment, notebooks, refused)
            if refused and notes is None:
                raise SubmissionError("; ".join(r for rs in refused.values() for r in rs))
        except (SubmissionError, zipfile.BadZipFile, OSError, EOFError) as exc:
            if notes is None or root.is_file():
                raise SubmissionError(str(exc)) from exc
            student = _student_id(archive.stem)
            (Path(staging) / student / assignment).mkdir(parents=True, exist_ok=True)
            found[student] = Path(staging) / student / assignment
            notes.setdefault(student, []).append(f"unreadable archive {archive.name}: {exc}")
            continue
        for student, reasons in refused.items():
            notes.setdefault(student, []).extend(reasons)
        for student, files in students.items():
            folder = Path(staging) / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (folder / name).write_bytes(data)
            found[student] = folder
    if root.is_dir():
        for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            folder = student_dir / assignment
            if student_dir.is_symlink() or folder.is_symlink():
                if notes is not None:
                    notes.setdefault(_student_id(student_dir.name), []).append(
                        f"{folder} is a symbolic link: not followed, nothing collected")
                    found[_student_id(student_dir.name)] = _empty(staging, student_dir.name, assignment)
                continue
            if folder.is_dir():
                found[_student_id(student_dir.name)] = folder
    if not found:
        raise SubmissionError(
            f"no submissions for {assignment!r} under {root}: expected {root}/<student>/{assignment}/*.ipynb "
            "or zip files")
    return found


def _empty(staging, student, assignment):
    folder = Path(staging) / _student_id(student) / assignment
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Copied(typing.NamedTuple):
    links: list        # symbolic links, not followed
    too_large: list    # files over MAX_MEMBER_BYTES, not copied (the grader never reads them into memory)


def copy_regular_files(source, target, skip=(".ipynb_checkpoints", "__pycache__")):
    """Copy a submission folder, regular files (up to the size limit) and folders only; say what was left out."""
    left = Copied([], [])
    target.mkdir(parents=True, exist_ok=True)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name in skip:
                continue
            if entry.is_symlink():
                left.links.append(entry.name)
            elif entry.is_dir(follow_symlinks=False):
                inner = copy_regular_files(entry.path, target / entry.name, skip)
                left.links.extend(f"{entry.name}/{n}" for n in inner.links)
                left.too_large.extend(f"{entry.name}/{n}" for n in inner.too_large)
            elif entry.is_file(follow_symlinks=False):
                if entry.stat(follow_symlinks=False).st_size > MAX_MEMBER_BYTES:
                    left.too_large.append(entry.name)
                else:
                    shutil.copy2(entry.path, target / entry.name, follow_symlinks=False)
    return left
