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
nor replace it; a log anyone else could have written is refused when read.
"""

import json
import os
import stat

from ..files import read_regular_file
from .handin import parse_time, text_utc

LOG_NAME = "releases.jsonl"
MAX_LOG_BYTES = 16 * 1024 * 1024  # about 100,000 releases; a longer log is not read
LOG_MODE = 0o644  # the instructor writes, everyone may read (release times are not secret)


def log_path(course_path):
    """The release log of the exchange's course folder ``<root>/<course_id>``."""
    return os.path.join(course_path, LOG_NAME)


def _trusted(info, path):
    """Why the log at ``path`` (its stat ``info``) cannot be trusted, or None. Its folder is the
    instructors' (0755, or group-writable for a group-shared course): a log anyone may write is
    the one way a student could have touched it."""
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by everyone (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def record_release(course_path, assignment, at, shipped):
    """Append that ``assignment`` went out at ``at`` (naive UTC) holding ``shipped``
    ({other assignment: its definitions solved}); raises OSError when it cannot be written."""
    path = log_path(course_path)
    answers = {name: len(found) for name, found in sorted(shipped.items())}
    line = json.dumps({"release": assignment, "at": text_utc(at), "answers": answers})
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, LOG_MODE)
    try:
        problem = _trusted(os.fstat(descriptor), path)
        if problem:
            raise OSError(f"{problem}: refusing to record the release there")
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)


def first_releases(course_path, assignment):
    """({release: (the first time it went out holding answers of ``assignment``, how many)},
    problem or None) from the log; ({}, None) when there is no log yet."""
    path = log_path(course_path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {}, None
    except OSError as error:
        return {}, f"the release log {path} cannot be read ({error.strerror})"
    problem = _trusted(info, path)
    if problem:
        return {}, f"the release log {problem}: release times are taken from the folders in outbound/ instead"
    try:
        text = read_regular_file(path, MAX_LOG_BYTES).decode("utf-8", errors="replace")
    except OSError as error:
        return {}, f"the release log {path} cannot be read ({error})"
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
    except (ValueError, KeyError, TypeError):
        return None
    valid = isinstance(release, str) and isinstance(answers, dict)
    if not valid or problem or not all(isinstance(count, int) for count in answers.values()):
        return None
    return release, at, answers
