"""Find the submissions to grade: nbgrader's submitted/ layout, a folder in it, or an LMS zip.

Every student folder becomes a ``Submission``. One that cannot be graded at all
(no folder for this assignment, an empty folder, a zip entry whose name does not
match the pattern) carries a ``problem`` saying why, so that it is reported with
the batch instead of stopping it.
"""

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass

from nbgrader.plugins import FileNameCollectorPlugin

from ..errors import SubmissionsError

# Canvas-style exports: <student>_[anything_]<notebook>.ipynb, e.g. alice_late_1234_FullyConnectedNets.ipynb
DEFAULT_ZIP_PATTERN = r"^(?P<student_id>[^_/]+)_(?:.*_)?(?P<file_id>[^_/]+\.ipynb)$"


@dataclass
class Submission:
    student: str
    folder: str | None = None
    problem: str | None = None
    status: str | None = None  # the outcome to report when there is a problem


def collect_folder(submitted_dir, assignment):
    """One Submission per student folder of ``submitted_dir`` (nbgrader's layout)."""
    if not os.path.isdir(submitted_dir):
        raise SubmissionsError(
            f"No submissions folder {submitted_dir}: expected <student>/{assignment}/<notebook>.ipynb "
            "inside it (nbgrader's submitted/ layout), or pass --submissions with a folder or a zip."
        )
    submissions = []
    for student in sorted(os.listdir(submitted_dir)):
        student_dir = os.path.join(submitted_dir, student)
        if not os.path.isdir(student_dir) or student.startswith("."):
            continue
        folder = os.path.join(student_dir, assignment)
        if not os.path.isdir(folder):
            found = ", ".join(sorted(os.listdir(student_dir))) or "nothing"
            submissions.append(Submission(
                student, problem=f"no {assignment} folder in {student_dir} (found: {found})",
                status="not collected"))
        elif not any(files for _, _, files in os.walk(folder)):
            submissions.append(Submission(student, folder, problem="empty submission folder",
                                          status="empty"))
        else:
            submissions.append(Submission(student, folder))
    return submissions


def collect_zip(zip_path, assignment, staging_dir, pattern=DEFAULT_ZIP_PATTERN):
    """Unpack an LMS export into nbgrader's layout under ``staging_dir`` and collect it.

    File names are matched with nbgrader's FileNameCollectorPlugin (groups student_id
    and file_id); only the matched file name is used, so no entry can write outside
    the staging folder.
    """
    collector = FileNameCollectorPlugin(named_regexp=pattern)
    unmatched = []
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionsError(f"{zip_path} is not a readable zip file ({error})") from None
    with archive:
        for entry in archive.infolist():
            if entry.is_dir():
                continue
            info = collector.collect(os.path.basename(entry.filename))
            if info is None or not re.fullmatch(r"[\w.@+-]+", info["student_id"]):
                unmatched.append(Submission(
                    entry.filename,
                    problem=f"file name does not match the pattern {pattern!r}: cannot tell whose it is",
                    status="not collected"))
                continue
            target = os.path.join(staging_dir, info["student_id"], assignment,
                                  os.path.basename(info["file_id"]))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(entry) as source, open(target, "wb") as out:
                out.write(source.read())
    found = collect_folder(staging_dir, assignment) if os.path.isdir(staging_dir) else []
    return found + unmatched


def submission_files(folder):
    """Mapping of relative path to bytes for every file of a submission folder."""
    files = {}
    for current, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", ".ipynb_checkpoints"})
        for name in sorted(names):
            path = os.path.join(current, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, folder)] = f.read()
    return files


def content_hash(files, assignment_version):
    """Identity of a submission's content under one version of the assignment."""
    digest = hashlib.sha256(assignment_version.encode())
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(files[relative]).digest())
    return digest.hexdigest()
