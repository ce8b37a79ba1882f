"""Who handed a folder in, and when, from what the system recorded, never from the folder's text.

nbgrader's exchange names a submission ``<student>+<assignment>+<time>+<random>`` and puts a
``timestamp.txt`` in it; the student's own process writes both, so neither says who or when.
The system does: a folder's owner is the uid that created it (renaming it, or moving it
elsewhere, keeps that uid; only root can change it), and an inode's change time (st_ctime)
is set by the kernel on every change to the entry (writing, renaming, linking, chmod,
``touch -d``) and cannot be set back by its owner. So:

- ``owner_problem``: whether a folder's owner is the account of the student its name claims
  (nbgrader's model: the student id is the account name), or of the account the instructor
  mapped to that student (``c.SafeExchangeCollect.student_accounts``);
- ``latest_change``: the latest change time of the folder and of every entry below it, read
  with lstat, links never followed: the earliest moment the folder was as it is now;
- ``decide_time``: that time, cross-checked with the time the student's ``timestamp.txt``
  claims; a mismatch is reported and the later of the two counts.
"""

import datetime
import os
import pwd
import re
import stat

from nbgrader.utils import parse_utc

MAX_DATED_ENTRIES = 100_000  # entries whose change time is read; past this the collect time counts
TIMESTAMP_TOLERANCE = 60.0  # seconds between timestamp.txt and the change time before it is reported
TIMESTAMP_TEXT = re.compile(r"[0-9A-Za-z:.+\- ]{8,64}")  # what a date may look like (no path, no control)


def parse_time(text):
    """(naive UTC datetime or None, problem or None) from hostile text, as nbgrader's parse_utc
    reads it, but only once it is plain date text (a time zone that is a path would be opened)."""
    if not TIMESTAMP_TEXT.fullmatch(text):
        return None, f"not a date: {text[:40]!r}"
    try:
        return parse_utc(text), None
    except (ValueError, OverflowError, TypeError) as error:
        return None, f"not a date: {text[:40]!r} ({error})"


def utc(ns):
    """A naive UTC datetime (nbgrader's convention) from nanoseconds since the epoch."""
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=ns // 1000)


def now_utc():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def text_utc(moment):
    """A naive UTC datetime as timestamp.txt holds it (nbgrader's parse_utc reads it back)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def latest_change(folder, limit=MAX_DATED_ENTRIES):
    """The latest st_ctime (naive UTC) of ``folder`` and everything below it, or None when it
    holds more than ``limit`` entries or cannot be read (the caller then takes the present)."""
    try:
        latest = os.lstat(folder).st_ctime_ns
    except OSError:
        return None
    pending, seen = [folder], 0
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > limit:
                        return None
                    info = entry.stat(follow_symlinks=False)
                    latest = max(latest, info.st_ctime_ns)
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(entry.path)
        except OSError:
            return None
    return utc(latest)


class Accounts:
    """Which uid may hand in a student's work.

    ``mapping`` (student id -> account name or uid) is the instructor's, for set-ups where
    student ids are not account names; empty means nbgrader's model, id == account name.
    """

    def __init__(self, mapping):
        self.mapping = dict(mapping)
        self._names = {}
        owners = {}
        for student, account in self.mapping.items():
            uid, problem = self._resolve(account)
            if problem is None and uid in owners:
                raise ValueError(
                    f"students {owners[uid]!r} and {student!r} are both mapped to the account "
                    f"{self.name(uid)!r}: one account hands in one student's work"
                )
            owners[uid] = student

    @staticmethod
    def _resolve(account):
        if isinstance(account, int):
            return account, None
        try:
            return pwd.getpwnam(account).pw_uid, None
        except KeyError:
            return None, f"the account {account!r} mapped to this student does not exist"

    def name(self, uid):
        """The account name of ``uid``, or None when no account has it."""
        if uid not in self._names:
            try:
                self._names[uid] = pwd.getpwuid(uid).pw_name
            except KeyError:
                self._names[uid] = None
        return self._names[uid]

    def shown(self, uid):
        name = self.name(uid)
        return f"account {name!r}" if name is not None else f"uid {uid} (no account)"

    def owner_problem(self, student, uid):
        """Why a folder owned by ``uid`` cannot be ``student``'s submission, or None."""
        if self.mapping:
            if student not in self.mapping:
                return f"{student!r} is not a student of c.SafeExchangeCollect.student_accounts"
            expected, problem = self._resolve(self.mapping[student])
            if problem is not None:
                return problem
            if uid != expected:
                return f"it is owned by {self.shown(uid)}, not by the account of {student!r}"
            return None
        owner = self.name(uid)
        if owner is None:
            return f"its owner, uid {uid}, has no account: cannot tell who handed it in"
        if owner != student:
            return f"it is owned by {self.shown(uid)}, not by {student!r}"
        return None


def decide_time(changed, claimed, tolerance=TIMESTAMP_TOLERANCE):
    """(time that counts, problem or None) from the folder's latest change and the time its
    timestamp.txt claims (None when absent or unreadable): the later one counts."""
    if claimed is None:
        return changed, None
    gap = (claimed - changed).total_seconds()
    problem = None
    if abs(gap) > tolerance:
        problem = (
            f"its timestamp.txt says {text_utc(claimed)} but the folder last changed at {text_utc(changed)} "
            f"({abs(gap):.0f} s {'earlier' if gap < 0 else 'later'}): the later time counts"
        )
    return max(changed, claimed), problem
