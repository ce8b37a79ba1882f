"""Find the submissions to grade: nbgrader's submitted/ layout, or an LMS zip export.

Everything here is hostile data. Student ids come from folder or file names and are
validated (``files.unsafe_student_id``); a link in place of a student's or an
assignment's folder is never followed; files are read later, as plain bytes of
regular files only (``Submission.read``). A submission that cannot be graded at all
carries a ``problem`` and the ``status`` to report, so that it is listed with the batch
instead of stopping it. Zip entries are size-capped while they are extracted, and
two entries for one file of one student are reported, never silently merged; who and
when come from the LMS's part of each name (lms.py), never from the student's.

``submitted/`` is the instructor's: ``nbgrader collect`` (our SafeExchangeCollect) fills it and
writes each ``timestamp.txt`` from the time the system recorded, so ``autograder grade``
trusts that file as the submission time. Anything else put there by hand is taken as it is.
"""

import datetime
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field

from ..errors import SubmissionsError
from ..files import MiB, inside, read_regular_files, shown, unsafe_student_id, write_files
from .handin import parse_time, text_utc
from .lms import DEFAULT_FORMAT, ExportNames

# Canvas names a resubmission FullyConnectedNets-1.ipynb, FullyConnectedNets-2.ipynb, ...
RESUBMISSION = re.compile(r"^(?P<name>.+)-(?P<attempt>\d{1,4})(?P<extension>\.ipynb)$")
TIMESTAMP_FILE = "timestamp.txt"
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
    timestamp, problem = parse_time(text)
    return timestamp, problem and f"{TIMESTAMP_FILE} is {problem}"


def _is_folder(path):
    """A real folder (not a link to one, not a file)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_file(path):
    """A regular file (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def collect_folder(submitted_dir, assignment, other_assignments=(), notebooks=()):
    """One Submission per student folder of ``submitted_dir`` (nbgrader's layout).

    A student folder that holds only other assignments of the course (``other_assignments``)
    is a student who has not handed this one in: no Submission (the gradebook's roster says
    "no submission"), unless one of those folders holds a notebook of this assignment
    (``notebooks``, file names): that is reported, as is anything else without this
    assignment's folder, as not collected, with what the folder holds: a misplaced or
    misnamed hand-in."""
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
            submissions.append(
                Submission(name, problem=f"{assignment} is a symbolic link, not a folder: refused", status="invalid")
            )
        elif not _is_folder(folder):
            entries = sorted(os.listdir(student_dir))
            found = ", ".join(shown(n) for n in entries)
            problem = f"no {assignment} folder in {name}/ (found: {found or 'nothing'})"
            if entries and all(n in other_assignments and _is_folder(os.path.join(student_dir, n)) for n in entries):
                misplaced = [
                    f"{shown(other)}/{shown(notebook)}"
                    for other in entries
                    for notebook in notebooks
                    if _is_file(os.path.join(student_dir, other, notebook))
                ]
                if not misplaced:
                    continue  # other assignments only: this one not handed in
                problem += (
                    f"; {', '.join(misplaced)} is a notebook of {assignment} handed in under another "
                    f"assignment: move it to {name}/{assignment}/ to grade it"
                )
            submissions.append(Submission(name, problem=problem, status="not collected"))
        elif not any(files for _, _, files in os.walk(folder)):
            submissions.append(Submission(name, folder, problem="empty submission folder", status="empty"))
        else:
            submissions.append(Submission(name, folder))
    return submissions


def _zip_entries(archive, names):
    """((student, file name, attempt), entry, what its name says) for every entry we can attribute;
    the rest as Submissions. An attempt orders one file's copies: its time, then Canvas's -N."""
    attributed, unattributed = [], []
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SubmissionsError(f"{archive.filename} has {len(entries)} entries, more than {MAX_ZIP_ENTRIES}.")
    for entry in entries:
        if entry.is_dir():
            continue
        said, reason = names.read(os.path.basename(entry.filename))
        if reason is None:
            reason = unsafe_student_id(said.student_id)
        if reason is None and os.path.basename(said.file_id) == TIMESTAMP_FILE:
            reason = f"{TIMESTAMP_FILE} is the grader's own file"
        if reason is not None:
            unattributed.append(
                Submission(shown(entry.filename), problem=f"cannot tell whose it is: {reason}", status="not collected")
            )
            continue
        file_name = os.path.basename(said.file_id)
        match = RESUBMISSION.fullmatch(file_name)
        attempt = (said.timestamp or datetime.datetime.min, int(match["attempt"]) if match else 0)
        if match:
            file_name = match["name"] + match["extension"]
        attributed.append(((said.student_id, file_name, attempt), entry, said))
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


def _handed_in(said, duedate):
    """(time the LMS says the student handed in, or None; note or None) from what the names of
    the student's graded files say. A late marker without a time counts as one second after
    the due date: late, so the configured policy applies, by the least amount the marker proves."""
    times = [entry.timestamp for entry in said if entry.timestamp is not None]
    moment = max(times) if times else None
    if not any(entry.late for entry in said):
        return moment, None
    if duedate is None:
        return moment, "marked late by the LMS, but the assignment has no due date in the gradebook: no late penalty"
    least = duedate + datetime.timedelta(seconds=1)
    if moment is None or moment < least:
        return least, "marked late by the LMS: counted as handed in 1 s after the due date"
    return moment, None


def _check_usable(zip_path, names, attributed, unattributed):
    """SubmissionsError when an export gives nothing to grade: no file at all, or no file whose
    name the format reads (the wrong --zip-pattern, or not an LMS export): a run that reports
    "0 graded" for those would look like success."""
    if attributed:
        return
    if not unattributed:
        raise SubmissionsError(
            f"{zip_path} holds no files: download the LMS's submissions export again, "
            "or pass --submissions with the folder or zip that holds them."
        )
    first = unattributed[0].problem.removeprefix("cannot tell whose it is: ")
    raise SubmissionsError(
        f"none of the {len(unattributed)} file(s) in {zip_path} can be read as a submission "
        f"(the first, {unattributed[0].student!r}: {first}): pass the --zip-pattern of the "
        "LMS that exported it (canvas, blackboard, or a regular expression)."
    )


def collect_zip(zip_path, assignment, staging_dir, pattern=DEFAULT_FORMAT, duedate=None):
    """Unpack an LMS export into nbgrader's layout under ``staging_dir`` and collect it.

    File names are read as the LMS writes them (``lms.ExportNames``: Canvas by default); only
    the validated student id and the entry's base name are used, so no entry can write
    outside the staging folder. Of a student's copies of one file the latest attempt is
    graded (by the time in its name, then Canvas's ``name-1.ipynb``, ``name-2.ipynb``) and the
    others noted. When the LMS says when, or that it was late, the time goes into the
    student's ``timestamp.txt`` (ours: no entry can be named that), which nbgrader's late-penalty
    plugin reads against ``duedate`` (naive UTC, from the gradebook).
    """
    names = ExportNames(pattern)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionsError(f"{zip_path} is not a readable zip file ({error})") from None
    problems, notes = {}, {}
    with archive:
        attributed, unattributed = _zip_entries(archive, names)
        _check_usable(zip_path, names, attributed, unattributed)
        chosen = {}
        for (student, file_name, attempt), entry, said in sorted(attributed, key=lambda item: item[0]):
            key = (student, file_name)
            if key in chosen and chosen[key][0] == attempt:
                problems[student] = (
                    f"two files for {file_name} in the export ({chosen[key][1].filename!r} and "
                    f"{entry.filename!r}): cannot tell which to grade"
                )
            elif key in chosen:
                notes.setdefault(student, []).append(
                    f"graded {entry.filename!r}, the latest attempt; ignored {chosen[key][1].filename!r}"
                )
            chosen[key] = (attempt, entry, said)
        extracted, said_by_student = {}, {}
        for (student, file_name), (_, entry, said) in chosen.items():
            if student in problems:
                continue
            size = extracted.get(student, 0) + entry.file_size
            try:
                if size > MAX_SUBMISSION_BYTES:
                    raise SubmissionsError(f"{entry.filename}: the student's files exceed {MAX_SUBMISSION_BYTES} bytes")
                _extract(
                    archive,
                    entry,
                    inside(staging_dir, os.path.join(student, assignment, file_name)),
                    MAX_SUBMISSION_BYTES - extracted.get(student, 0),
                )
                extracted[student] = size
                said_by_student.setdefault(student, []).append(said)
            except (SubmissionsError, zipfile.BadZipFile, OSError, ValueError) as error:
                problems[student] = f"could not extract {entry.filename!r}: {error}"
    for student, said in said_by_student.items():
        moment, note = _handed_in(said, duedate)
        if note:
            notes.setdefault(student, []).append(note)
        if moment is not None and student not in problems:
            write_files(os.path.join(staging_dir, student, assignment), {TIMESTAMP_FILE: text_utc(moment).encode()})
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
