"""Find the submissions to grade: nbgrader's submitted/ layout, or an LMS zip export.

Everything here is hostile data. Student ids come from folder or file names and are
validated (``files.unsafe_student_id``); a link in place of a student's or an
assignment's folder is never followed; files are read later, as plain bytes of
regular files only (``Submission.read``). A submission that cannot be graded at all
carries a ``problem`` and the ``status`` to report, so that it is listed with the batch
instead of stopping it. Zip entries are size-capped while they are extracted, and
two entries for one file of one student are reported, never silently merged.
"""

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field

from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import parse_utc

from ..errors import SubmissionsError
from ..files import MiB, inside, read_regular_files, shown, unsafe_student_id

# Canvas-style exports: <student>_[anything_]<notebook>.ipynb, e.g. alice_late_1234_FullyConnectedNets.ipynb
DEFAULT_ZIP_PATTERN = r"^(?P<student_id>[^_/]+)_(?:.*_)?(?P<file_id>[^_/]+\.ipynb)$"
# Canvas names a resubmission FullyConnectedNets-1.ipynb, FullyConnectedNets-2.ipynb, ...
RESUBMISSION = re.compile(r"^(?P<name>.+)-(?P<attempt>\d{1,4})(?P<extension>\.ipynb)$")
TIMESTAMP_FILE = "timestamp.txt"
TIMESTAMP_TEXT = re.compile(r"[0-9A-Za-z:.+\- ]{8,64}")
MAX_SUBMISSION_BYTES = 256 * MiB
MAX_ZIP_ENTRIES = 100_000


@dataclass
class Submission:
    student: str
    folder: str | None = None  # where its files are; None when there is nothing to grade
    problem: str | None = None
    status: str | None = None  # the outcome to report when there is a problem
    notes: list = field(default_factory=list)  # what intake refused or chose, for the report

    def read(self):
        """(files, refused): relative path -> bytes of its regular files, and what was refused."""
        contents = read_regular_files(self.folder, max_total_bytes=MAX_SUBMISSION_BYTES)
        return contents.files, contents.refused


def submission_timestamp(files):
    """(timestamp or None, problem or None) from a submission's timestamp.txt, parsed defensively."""
    raw = files.get(TIMESTAMP_FILE)
    if raw is None:
        return None, None
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return None, None
    if not TIMESTAMP_TEXT.fullmatch(text):
        return None, f"{TIMESTAMP_FILE} is not a date: {text[:40]!r}"
    try:
        return parse_utc(text), None
    except (ValueError, OverflowError, TypeError) as error:
        return None, f"{TIMESTAMP_FILE} is not a date: {text[:40]!r} ({error})"


def _is_folder(path):
    """A real folder (not a link to one, not a file)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def collect_folder(submitted_dir, assignment):
    """One Submission per student folder of ``submitted_dir`` (nbgrader's layout)."""
    if not _is_folder(submitted_dir):
        raise SubmissionsError(
            f"No submissions folder {submitted_dir}: expected <student>/{assignment}/<notebook>.ipynb "
            "inside it (nbgrader's submitted/ layout), or pass --submissions with a folder or a zip."
        )
    submissions = []
    for name in sorted(os.listdir(submitted_dir)):
        student_dir = os.path.join(submitted_dir, name)
        reason = unsafe_student_id(name)
        if reason is None and not _is_folder(student_dir):
            reason = "a symbolic link or a file, not a student folder" if os.path.islink(student_dir) else None
            if reason is None:
                continue  # a stray file next to the student folders
        if reason is not None:
            submissions.append(Submission(shown(name), problem=f"refused {name!r}: {reason}", status="not collected"))
            continue
        folder = os.path.join(student_dir, assignment)
        if os.path.islink(folder):
            submissions.append(Submission(name, problem=f"{assignment} is a symbolic link, not a folder: refused",
                                          status="invalid"))
        elif not _is_folder(folder):
            found = ", ".join(shown(n) for n in sorted(os.listdir(student_dir)))
            submissions.append(Submission(
                name, problem=f"no {assignment} folder in {name}/ (found: {found or 'nothing'})",
                status="not collected"))
        elif not any(files for _, _, files in os.walk(folder)):
            submissions.append(Submission(name, folder, problem="empty submission folder", status="empty"))
        else:
            submissions.append(Submission(name, folder))
    return submissions


def _zip_entries(archive, collector, pattern):
    """((student, file name, attempt), entry) for every entry we can attribute; the rest as Submissions."""
    attributed, unattributed = [], []
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SubmissionsError(f"{archive.filename} has {len(entries)} entries, more than {MAX_ZIP_ENTRIES}.")
    for entry in entries:
        if entry.is_dir():
            continue
        info = collector.collect(os.path.basename(entry.filename))
        reason = "its name does not match the pattern " + repr(pattern) if info is None else (
            unsafe_student_id(info["student_id"]))
        if reason is not None:
            unattributed.append(Submission(
                shown(entry.filename), problem=f"cannot tell whose it is: {reason}", status="not collected"))
            continue
        file_name = os.path.basename(info["file_id"])
        match = RESUBMISSION.fullmatch(file_name)
        attempt = int(match["attempt"]) if match else 0
        if match:
            file_name = match["name"] + match["extension"]
        attributed.append(((info["student_id"], file_name, attempt), entry))
    return attributed, unattributed


def _extract(archive, entry, target, limit):
    """Copy one zip entry's bytes to ``target``, refusing more than ``limit`` bytes (zip bombs lie)."""
    with archive.open(entry) as source:
        data = source.read(limit + 1)
    if len(data) > limit or entry.file_size > limit:
        raise SubmissionsError(f"{entry.filename}: larger than {limit} bytes uncompressed")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "xb") as out:
        out.write(data)


def collect_zip(zip_path, assignment, staging_dir, pattern=DEFAULT_ZIP_PATTERN):
    """Unpack an LMS export into nbgrader's layout under ``staging_dir`` and collect it.

    File names are matched with nbgrader's FileNameCollectorPlugin (groups student_id and
    file_id); only the validated student id and the entry's base name are used, so no
    entry can write outside the staging folder. Of a student's resubmissions of one file
    (``name-1.ipynb``, ``name-2.ipynb``) the latest attempt is graded and the others noted.
    """
    collector = FileNameCollectorPlugin(named_regexp=pattern)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionsError(f"{zip_path} is not a readable zip file ({error})") from None
    problems, notes = {}, {}
    with archive:
        attributed, unattributed = _zip_entries(archive, collector, pattern)
        chosen = {}
        for (student, file_name, attempt), entry in sorted(attributed, key=lambda item: item[0]):
            key = (student, file_name)
            if key in chosen and chosen[key][0] == attempt:
                problems[student] = (f"two files for {file_name} in the export ({chosen[key][1].filename!r} and "
                                     f"{entry.filename!r}): cannot tell which to grade")
            elif key in chosen:
                notes.setdefault(student, []).append(
                    f"graded {entry.filename!r}, the latest attempt; ignored {chosen[key][1].filename!r}")
            chosen[key] = (attempt, entry)
        extracted = {}
        for (student, file_name), (_, entry) in chosen.items():
            if student in problems:
                continue
            size = extracted.get(student, 0) + entry.file_size
            try:
                if size > MAX_SUBMISSION_BYTES:
                    raise SubmissionsError(f"{entry.filename}: the student's files exceed {MAX_SUBMISSION_BYTES} bytes")
                _extract(archive, entry, inside(staging_dir, os.path.join(student, assignment, file_name)),
                         MAX_SUBMISSION_BYTES - extracted.get(student, 0))
                extracted[student] = size
            except (SubmissionsError, zipfile.BadZipFile, OSError, ValueError) as error:
                problems[student] = f"could not extract {entry.filename!r}: {error}"
    found = collect_folder(staging_dir, assignment) if os.path.isdir(staging_dir) else []
    for submission in found:
        submission.notes += notes.get(submission.student, [])
        if submission.student in problems:
            submission.problem, submission.status = problems.pop(submission.student), "invalid"
    found += [Submission(student, problem=problem, status="invalid") for student, problem in sorted(problems.items())]
    return found + unattributed


def content_hash(files, assignment_version):
    """Identity of a submission's content under one version of the assignment."""
    digest = hashlib.sha256(assignment_version.encode())
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(files[relative]).digest())
    return digest.hexdigest()
