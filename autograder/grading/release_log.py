"""The exchange's own record of when each release went out, and whose answers it held.

``autograder grade`` notes work handed in after a release that held its answers
(``answers_out``). That needs the moment the release first reached students, and a folder's
change times cannot give it: they only move later (a release again with --force, an
instructor's ``chmod -R``, a student's hard link to one of its files where the kernel allows
it), and a release removed from ``outbound/`` leaves no time at all, though students fetched
it. So ``SafeExchangeReleaseAssignment`` appends one line per release, just before copying
it out, to ``releases.jsonl`` in the exchange's course folder: the system's time, the
assignment, and how many of each other assignment's answers it ships solved. nbgrader makes
that folder writable by the instructor alone (0755), so students can neither write the file
nor replace it. The log is opened inside the course folder itself (a link there is never
followed, a pipe never waited on) and believed only when the folder and the file belong to
root, the instructor or an instructor account the course names, and
nobody else may write the file (``exchange_folders``).
"""

import json
import os
import stat

from .exchange_folders import ExchangeFolderError, folder_problem, open_folder, trusted_owner, untrusted_group_writer
from .handin import parse_time, text_utc

LOG_NAME = "releases.jsonl"
MAX_LOG_BYTES = 16 * 1024 * 1024  # about 100,000 releases; a longer log is not read
LOG_MODE = 0o644  # the instructor writes, everyone may read (release times are not secret)
# Never follow a link, never wait on a pipe a student left in its place.
LOG_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)


def log_path(course_path):
    """The release log of the exchange's course folder ``<root>/<course_id>``."""
    return os.path.join(course_path, LOG_NAME)


def _untrusted(info, path, instructors):
    """Why the log at ``path`` (its stat ``info``) cannot be trusted, or None: it must be a
    regular file of a trusted owner (``exchange_folders.trusted_owner``) nobody else may write."""
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if not trusted_owner(info, instructors):
        return f"{path} is owned by uid {info.st_uid}, not by root, you or the course's instructors"
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by everyone (mode {stat.S_IMODE(info.st_mode):o})"
    writer = untrusted_group_writer(info, instructors)
    if writer is not None:
        return f"{path} may be written by its group, whose members include uid {writer}"
    return None


def _open_log(course_path, flags, instructors):
    """A descriptor of the log, opened inside the course folder itself (never through a link)."""
    folder = open_folder(course_path)
    try:
        problem = folder_problem(course_path, instructors, os.fstat(folder))
        if problem:
            raise ExchangeFolderError(problem)
        return os.open(LOG_NAME, flags | LOG_FLAGS, LOG_MODE, dir_fd=folder)
    finally:
        os.close(folder)


def record_release(course_path, assignment, at, shipped, instructors=frozenset()):
    """Append that ``assignment`` went out at ``at`` (naive UTC) holding ``shipped``
    ({other assignment: its definitions solved}); raises OSError when it cannot be written."""
    path = log_path(course_path)
    answers = {name: len(found) for name, found in sorted(shipped.items())}
    line = json.dumps({"release": assignment, "at": text_utc(at), "answers": answers})
    descriptor = _open_log(course_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, instructors)
    try:
        problem = _untrusted(os.fstat(descriptor), path, instructors)
        if problem:
            raise OSError(f"{problem}: refusing to record the release there")
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)


def _read_log(course_path, instructors):
    """The log's text, None when there is none; OSError when it cannot be trusted or read."""
    path = log_path(course_path)
    try:
        descriptor = _open_log(course_path, os.O_RDONLY, instructors)
    except FileNotFoundError:
        return None
    try:
        problem = _untrusted(os.fstat(descriptor), path, instructors)
        if problem:
            raise OSError(problem)
        data = os.read(descriptor, MAX_LOG_BYTES + 1)
        if len(data) > MAX_LOG_BYTES:
            raise OSError(f"{path} is larger than {MAX_LOG_BYTES} bytes")
        return data.decode("utf-8", errors="replace")
    finally:
        os.close(descriptor)


def first_releases(course_path, assignment, instructors=frozenset()):
    """({release: (the first time it went out holding answers of ``assignment``, how many)},
    problem or None) from the log; ({}, None) when there is no log yet."""
    path = log_path(course_path)
    try:
        text = _read_log(course_path, instructors)
    except OSError as error:
        return {}, f"the release log is not believed ({error}): release times are taken from outbound/ instead"
    if text is None:
        return {}, None
    first, unreadable = {}, 0
    for line in text.splitlines():
        entry = _entry(line)
        if entry is None:
            unreadable += 1
            continue
        release, at, answers = entry
        held = answers.get(assignment, 0)
        if held and (release not in first or at < first[release][0]):
            first[release] = (at, held)
    return first, (f"{unreadable} line(s) of the release log {path} are not releases" if unreadable else None)


def _entry(line):
    """(release, naive UTC time, {assignment: answers}) from one line of the log, or None."""
    try:
        entry = json.loads(line)
        release, answers = entry["release"], entry["answers"]
        at, problem = parse_time(entry["at"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    valid = isinstance(release, str) and isinstance(answers, dict)
    if not valid or problem or not all(isinstance(count, int) for count in answers.values()):
        return None
    return release, at, answers
