"""nbgrader's exchange, with identity and time taken from the system.

nbgrader 0.9.6's default exchange trusts what students write. ``release_assignment``
creates ``inbound/`` with mode 0733 (2733 with its set-gid bit) and no sticky bit, so any
student who knows an entry's name can rename or remove it; ``collect`` takes the student id
and the time from the folder's name and its ``timestamp.txt``, both written by the student's
process, only logs "cheating attempt?" when the folder's owner differs, follows links with
the collector's privileges, and stops for the whole class on one name whose time does not
parse. Our two classes, set in nbgrader_config.py:

- ``SafeExchangeReleaseAssignment`` (``c.ExchangeFactory.release_assignment``) makes the
  exchange root and the course's ``inbound/`` sticky: entries there can be renamed or
  removed only by their owner (and the folder's owner, the instructor). It records when each
  release went out (``release_log``).
- ``SafeExchangeSubmit`` (``c.ExchangeFactory.submit``, for the students' own nbgrader) leaves
  each submission folder writable by its student only, where nbgrader leaves it 0777.
- ``SafeExchangeCollect`` (``c.ExchangeFactory.collect``) collects a folder only when its
  owner is the account of the student its name claims (``handin.Accounts``; an instructor's
  mapping in ``c.SafeExchangeCollect.student_accounts`` for ids that are not account names).
  The time that counts is the folder's latest inode change time (``handin.latest_change``),
  cross-checked with ``timestamp.txt``: the later one counts, a mismatch is reported, and
  it is written to ``submitted/<student>/<assignment>/timestamp.txt``, which nbgrader
  autograde, ``autograder grade``, formgrader and the late-penalty plugins read. Every folder
  refused (another student's id, an owner without an account, a name that does not parse,
  a link) is reported in the log and in ``reports/<assignment>_collect.csv``, and the rest of
  the class is collected. Files are copied as plain bytes of regular files owned by the
  folder's owner (nbgrader's submit leaves the folder writable by everyone), within the
  course's size limits. An ``inbound/`` that is not sticky is made sticky when the collector
  may, else the collect refuses to run.
"""

import datetime
import fnmatch
import glob
import os
import shutil
import stat
from collections import defaultdict

from nbgrader.api import Assignment, Gradebook, MissingEntry, Student, SubmittedAssignment
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit
from traitlets import Bool, Dict, Float, Int, List, Unicode, Union

from ..answers import answers_in
from ..course import Course
from ..errors import CourseError
from ..files import read_regular_file, read_regular_files, shown, unsafe_student_id, write_files
from ..spreadsheet import write_csv
from .collect import TIMESTAMP_FILE
from .exchange_folders import (
    ExchangeFolderError,
    check_ancestors,
    configured_instructors,
    folder_problem,
    make_folder,
    make_sticky,
)
from .handin import TIMESTAMP_TOLERANCE, Accounts, decide_time, latest_change, now_utc, parse_time, text_utc
from .release_log import log_path, record_release

REPORTED_PER_ACCOUNT = 20  # refused folders logged one by one per owner; the rest are counted
OPEN_ROOT = "any user could rename a course's folder and put their own there"
OPEN_INBOUND = "students could rename or remove each other's submissions"
SUBMISSION_MODE = 0o755  # a submission folder: its student writes, the instructor reads
ROOT_MODE = 0o1777  # nbgrader's 0777, and sticky: a course's folder there stays its maker's
INBOUND_MODE = 0o3733  # nbgrader's 2733 (set-gid: submissions get the instructors' group), and sticky
REPORT_COLUMNS = ["folder", "student", "owner", "outcome", "handed_in", "timestamp_txt", "reason"]


def stored_due(gb, assignment):
    """The due date the gradebook ``gb`` holds for ``assignment`` (naive UTC), or None."""
    try:
        return gb.find_assignment(assignment).duedate
    except MissingEntry:
        return None


def latest_due(gb, assignment):
    """(the latest moment any student may still hand ``assignment`` in, or None when it has no
    due date; how an extension set that, or "") from the gradebook: its due date, moved by the
    longest extension a student has (nbgrader's ``SubmittedAssignment.extension``, which its
    late-submission plugins honour)."""
    due = stored_due(gb, assignment)
    if due is None:
        return None, ""
    longest = (
        gb.db.query(SubmittedAssignment.extension, Student.id)
        .join(Assignment)
        .join(Student)
        .filter(Assignment.name == assignment, SubmittedAssignment.extension.isnot(None))
        .order_by(SubmittedAssignment.extension.desc())
        .first()
    )
    if longest is None or longest[0] <= datetime.timedelta(0):
        return due, ""
    extended = f" with {shown(longest[1])}'s extension of {longest[0].total_seconds() / 3600:g} hours"
    try:
        return due + longest[0], extended
    except OverflowError:  # past the last date a datetime holds: open for as long as there are dates
        return datetime.datetime.max, extended


def answers_shipped(root, assignment, folder):
    """{other assignment: its definitions} whose answers the release folder ``folder`` of
    ``assignment`` hands out solved, read from its files (``answers.answers_in``), not from the
    manifests: a folder generated before a manifest changed, or copied under another name, is
    judged by what it would hand out. Its own answers are the leak check's business
    (``autograder release``). {} for a folder without an ``nnsupport`` package (plain nbgrader);
    a CourseError for one in a course directory without ``course/`` or manifests (nobody can
    tell whose answers it holds)."""
    try:
        shipped = answers_in(os.path.normpath(folder), Course(root))
    except CourseError:
        if os.path.isdir(os.path.join(folder, "nnsupport")):
            raise
        return {}
    except OSError as error:
        raise CourseError(f"Cannot tell whose answers {folder} hands out: {error}. Release it again.") from error
    shipped.pop(assignment, None)
    return shipped


def earlier_answers_not_due(db_url, course_id, assignment, folder, shipped, now, note=lambda text: None):
    """Why the release folder ``folder`` of ``assignment``, which hands out ``shipped``
    (``answers_shipped``), may not go to students yet, or None.

    A folder that holds answers of other assignments of the course goes out only once each of
    them is past its due date in the gradebook (a missing due date counts as not due). When it
    may go, ``note`` receives each earlier assignment's due date as the gradebook holds it, in
    UTC: a due date typed with a zone nbgrader misreads (it takes ``-0800`` for seconds) shows
    there. A student's extension moves the due date that counts (``latest_due``).
    """
    waiting = []
    with Gradebook(db_url, course_id) as gb:
        for earlier, definitions in sorted(shipped.items()):
            due, extended = latest_due(gb, earlier)
            if due is None or due > now:
                when = "has no due date in the gradebook" if due is None else f"is due {due:%Y-%m-%d %H:%M} UTC"
                when += extended
                waiting.append(f"{earlier} ({when}; {len(definitions)} of its answers: {', '.join(definitions)})")
            else:
                note(
                    f"{folder} hands out {len(definitions)} of {earlier}'s answers solved; {earlier} was due "
                    f"{due:%Y-%m-%d %H:%M} UTC{extended}, {(now - due).total_seconds() / 3600:.1f} hours ago"
                )
    if not waiting:
        return None
    return (
        f"{folder} hands out other assignments' answers solved, and these are not past their due "
        f"date: {'; '.join(waiting)}. Hand {assignment} out after that due date (set one with `autograder "
        "due NAME 'YYYY-MM-DD HH:MM' --zone ZONE`), or remove those assignments from support.solved_after in "
        f"source_assignments/{assignment}/assignment.toml and run `autograder release {assignment}`, so "
        "that their answers ship stubbed."
    )


class TrustedExchangeRoot:
    """The exchange root made or checked as ``release_assignment`` makes it, for any exchange
    command an instructor runs: without following a link, trusted owners only, sticky."""

    def _instructors(self):
        try:
            return configured_instructors(self.config)
        except ValueError as error:
            self.fail(f"c.SafeExchangeReleaseAssignment.instructor_accounts: {error}")

    def ensure_root(self):
        """nbgrader's root (writable by everyone), made or checked without following a link, and
        sticky (nbgrader leaves a group-shared course's root without the bit)."""
        mode = ROOT_MODE | (stat.S_ISGID if self.coursedir.groupshared else 0)
        try:
            make_folder(self.root, mode, self._instructors(), parents=True, keep_mode=False, students_write=True)
        except ExchangeFolderError as error:
            self.fail(f"The exchange root: {error}")


class SafeExchangeReleaseAssignment(TrustedExchangeRoot, ExchangeReleaseAssignment):
    """nbgrader's release_assignment, leaving the exchange root and ``inbound/`` sticky,
    refusing an assignment that hands out the answers of one not yet due
    (``earlier_answers_not_due``), and recording when each release went out and whose answers
    it held (``release_log``), for ``autograder grade``'s note on work handed in after it."""

    instructor_accounts = List(
        Union([Unicode(), Int()]),
        default_value=[],
        help="Accounts (names or uids) of the other instructors of a course, whose exchange folders and "
        "release log are trusted besides root's and your own (collect and `autograder grade` read this "
        "setting too). Empty (the default): only root and the account running the command.",
    ).tag(config=True)

    def init_src(self):
        super().init_src()
        coursedir = self.coursedir
        try:
            self._shipped = answers_shipped(coursedir.root, coursedir.assignment_id, self.src_path)
        except CourseError as error:
            self.fail(str(error))
        why = earlier_answers_not_due(
            coursedir.db_url,
            coursedir.course_id,
            coursedir.assignment_id,
            os.path.normpath(self.src_path),
            self._shipped,
            now_utc(),
            self.log.warning,
        )
        if why is not None:
            self.fail(why)

    def init_dest(self):
        """nbgrader's course, outbound and inbound folders, made or checked without following a
        link (``exchange_folders``); inbound/ sticky."""
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        groupshared, instructors = self.coursedir.groupshared, self._instructors()
        if groupshared:  # nbgrader checks the root only for courses that are not group-shared
            self.ensure_root()
        shared = (stat.S_ISGID | stat.S_IWGRP) if groupshared else 0
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.outbound_path = os.path.join(self.course_path, "outbound")
        self.inbound_path = os.path.join(self.course_path, "inbound")
        self.dest_path = os.path.join(self.outbound_path, self.coursedir.assignment_id)
        inbound_mode = INBOUND_MODE | (stat.S_IRGRP if groupshared else 0)
        try:
            make_folder(self.course_path, 0o755 | shared, instructors)
            make_folder(self.outbound_path, 0o755 | shared, instructors)
            make_folder(self.inbound_path, inbound_mode, instructors, students_write=True)
        except ExchangeFolderError as error:
            self.fail(str(error))
        if not make_sticky(self.inbound_path, self.log.info, OPEN_INBOUND):
            self.fail(f"Could not make {self.inbound_path} sticky: run `chmod +t {self.inbound_path}` as its owner.")

    def copy_files(self):
        """Record the release, then copy it out: its time is taken before the first file can
        reach a student, and a release holding earlier answers never goes out unrecorded."""
        try:
            record_release(
                self.course_path, self.coursedir.assignment_id, now_utc(), self._shipped, self._instructors()
            )
        except OSError as error:
            if self._shipped:
                self.fail(
                    f"Could not record this release in {log_path(self.course_path)} ({error}); it holds "
                    "earlier assignments' answers, so it does not go out unrecorded."
                )
            self.log.warning("Could not record this release in %s (%s).", log_path(self.course_path), error)
        super().copy_files()


class SafeExchangeSubmit(ExchangeSubmit):
    """nbgrader's submit, leaving the submission writable by the student alone.

    nbgrader makes each submission folder writable by everyone ("so the instructor can delete
    later"): a classmate who learns its name can remove or add files in it. Here it gets the
    mode nbgrader gives its sub-folders (0755). It protects the students whose nbgrader reads
    the course's configuration (on a shared server, the system-wide nbgrader_config.py), which
    is every honest student; ``SafeExchangeCollect`` never relies on it.
    """

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), SUBMISSION_MODE)


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect: each submission from its owner's account, at a time the system recorded."""

    student_accounts = Dict(
        value_trait=Union([Unicode(), Int()]),
        key_trait=Unicode(),
        default_value={},
        help="Student id -> the account (name or uid) that hands in that student's work, for courses "
        "whose student ids are not account names. Empty (the default): nbgrader's model, the student "
        "id is the name of the account that owns the submission folder. When set, only the ids listed "
        "are collected.",
    ).tag(config=True)

    timestamp_tolerance = Float(
        TIMESTAMP_TOLERANCE,
        help="Seconds by which a submission's timestamp.txt may differ from its folder's last change "
        "before the difference is reported (the later of the two always counts).",
    ).tag(config=True)

    check_owner = Bool(False, help="Not used: ownership is always enforced, not only logged.").tag(config=True)

    # --- where the submissions are ------------------------------------------------------
    def _guard_exchange(self):
        """Refuse an inbound folder a student could have replaced; make it sticky if it is not."""
        try:
            instructors = configured_instructors(self.config)
            check_ancestors(self.root, instructors, create=False)
        except ValueError as error:
            self.fail(f"c.SafeExchangeReleaseAssignment.instructor_accounts: {error}")
        except FileNotFoundError:
            self.fail(f"Course not found: {self.course_path}")
        except ExchangeFolderError as error:
            self.fail(f"{error} Refusing to collect from it.")
        for path in (self.root, self.course_path, self.inbound_path):
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                self.fail(f"Course not found: {path}")
            if path == self.root:  # writable by everyone, as nbgrader makes it: its link or kind matters
                problem = None if stat.S_ISDIR(info.st_mode) else f"{path} is not a folder (a link?)"
            else:
                problem = folder_problem(path, instructors, info, students_write=path == self.inbound_path)
            if problem:
                self.fail(f"{problem}; refusing to collect from it, then release the assignment again.")
        if not make_sticky(
            self.inbound_path,
            self.log.error,
            f"until now {OPEN_INBOUND} (those removed cannot be collected; those renamed are refused below)",
        ):
            self.fail(
                f"{self.inbound_path} is not sticky: students can rename or remove each other's "
                f"submissions. Run `chmod +t {self.inbound_path}` as its owner, then collect again."
            )
        root = os.lstat(self.root)
        if root.st_mode & stat.S_IWOTH and not make_sticky(self.root, self.log.error, OPEN_ROOT):
            self.log.error(
                "The exchange root %s is writable by everyone and not sticky: ask its owner to run chmod +t on it.",
                self.root,
            )

    def _duedate(self):
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            return stored_due(gb, self.coursedir.assignment_id)

    # --- which folders are whose ----------------------------------------------------------
    def _examine(self, path, accounts):
        """(record or None, owner uid or None, why it is refused or None) for one entry of inbound."""
        name = os.path.basename(path)
        try:
            info = os.lstat(path)
        except OSError:
            return None, None, "it vanished while being read"
        if not stat.S_ISDIR(info.st_mode):
            return None, info.st_uid, "a symbolic link or a file, not a folder"
        parts = name.rsplit("+", 3)  # as nbgrader splits it: ids may contain '+'
        if len(parts) < 3 or parts[1] != self.coursedir.assignment_id:
            return None, info.st_uid, "its name does not read <student>+<assignment>+<time>"
        problem = unsafe_student_id(parts[0])
        if problem:
            return None, info.st_uid, f"the student id is {problem}"
        _, problem = parse_time(parts[2])
        if problem:
            return None, info.st_uid, f"the time in its name is {problem}"
        problem = accounts.owner_problem(parts[0], info.st_uid)
        if problem:
            return None, info.st_uid, problem
        # Too large to date, or unreadable: the present is a time the folder cannot predate.
        changed = latest_change(path) or now_utc()
        return {"username": parts[0], "filename": name, "timestamp": changed, "owner": info.st_uid}, info.st_uid, None

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        try:
            accounts = Accounts(self.student_accounts)
        except ValueError as error:
            self.fail(f"c.SafeExchangeCollect.student_accounts: {error}")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        self._guard_exchange()
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{glob.escape(self.coursedir.assignment_id)}+*")
        self._accounts, self._report, self._refused = accounts, {}, defaultdict(list)
        by_student = defaultdict(list)
        for path in sorted(glob.glob(pattern)):
            record, owner_uid, reason = self._examine(path, accounts)
            if record is None:
                self._refuse(os.path.basename(path), owner_uid, reason)
            else:
                by_student[record["username"]].append(record)
        self.duedate = self._duedate()
        self.src_records = [self._choose(records) for records in by_student.values()]
        self._by_name = {record["filename"]: record for record in self.src_records}
        self._log_refused()

    def _choose(self, records):
        """nbgrader's choice among one student's folders (the latest; with --before-duedate the
        latest before the due date, if any), by the time the system recorded."""
        records = sorted(records, key=lambda record: record["timestamp"], reverse=True)
        if self.duedate is not None and self.before_duedate:
            on_time = [record for record in records if record["timestamp"] <= self.duedate]
            if on_time:
                return on_time[0]
        return records[0]

    def _refuse(self, name, owner_uid, reason):
        owner = self._accounts.shown(owner_uid) if owner_uid is not None else "unknown"
        student = name.split("+", 1)[0]
        self._refused[owner].append((name, reason))
        self._report[name] = {
            "folder": name,
            "student": student,
            "owner": owner,
            "outcome": "refused",
            "reason": reason,
        }

    def _log_refused(self):
        for owner, folders in sorted(self._refused.items()):
            for name, reason in folders[:REPORTED_PER_ACCOUNT]:
                self.log.error("Not collected: %s (owner: %s): %s", shown(name), owner, reason)
            if len(folders) > REPORTED_PER_ACCOUNT:
                self.log.error(
                    "Not collected: %d more folders handed in by %s (all are listed in %s)",
                    len(folders) - REPORTED_PER_ACCOUNT,
                    owner,
                    self._report_path(),
                )

    # --- copying ----------------------------------------------------------------------------
    def _wanted(self, relative):
        name = os.path.basename(relative)
        if any(fnmatch.fnmatch(part, ignored) for part in relative.split(os.sep) for ignored in self.coursedir.ignore):
            return False
        return not self.coursedir.include or any(fnmatch.fnmatch(name, kept) for kept in self.coursedir.include)

    def _claimed_time(self, src):
        """The time the student's timestamp.txt claims, or None (absent, not a plain file, not a date)."""
        try:
            text = read_regular_file(os.path.join(src, TIMESTAMP_FILE), max_bytes=1024)
        except OSError:
            return None
        claimed, _ = parse_time(text.decode("utf-8", "replace").strip())
        return claimed

    def do_copy(self, src, dest, log=None):
        record = self._by_name[os.path.basename(src)]
        try:
            self._copy(record, src, dest)
        except (OSError, ValueError, RecursionError) as error:  # this student's problem: the class goes on
            shutil.rmtree(dest, ignore_errors=True)
            self.log.error("Not collected: %s (%s): %s", record["username"], shown(record["filename"]), error)
            self._report[record["filename"]] = {
                "folder": record["filename"],
                "student": record["username"],
                "owner": self._accounts.shown(record["owner"]),
                "outcome": "failed",
                "reason": str(error),
            }

    def _copy(self, record, src, dest):
        contents = read_regular_files(
            src,
            max_file_bytes=int(1000 * self.coursedir.max_file_size),
            max_total_bytes=int(1000 * self.coursedir.max_dir_size),
            owner=record["owner"],
        )
        for refused in contents.refused:
            self.log.warning("Not collected from %s: %s", shown(os.path.basename(src)), refused)
        # Dated after the copy: any change that reached what was copied happened before this.
        changed = max(record["timestamp"], latest_change(src) or now_utc())
        claimed = self._claimed_time(src)
        handed_in, mismatch = decide_time(changed, claimed, self.timestamp_tolerance)
        if mismatch:
            self.log.warning("%s (%s): %s", record["username"], shown(record["filename"]), mismatch)
        files = {name: data for name, data in contents.files.items() if self._wanted(name) and name != TIMESTAMP_FILE}
        os.makedirs(dest, exist_ok=True)
        write_files(dest, files)
        write_files(dest, {TIMESTAMP_FILE: text_utc(handed_in).encode()})  # the instructor's from now on
        self._report[record["filename"]] = {
            "folder": record["filename"],
            "student": record["username"],
            "owner": self._accounts.shown(record["owner"]),
            "outcome": "collected",
            "handed_in": text_utc(handed_in),
            "timestamp_txt": text_utc(claimed) if claimed else "",
            "reason": mismatch or "",
        }

    def copy_files(self):
        try:
            super().copy_files()
        finally:
            self._write_report()

    def _report_path(self):
        return os.path.join(self.coursedir.root, "reports", f"{self.coursedir.assignment_id}_collect.csv")

    def _write_report(self):
        """Every folder this collect looked at, what became of it and why, for the instructor."""
        for record in self.src_records:
            self._report.setdefault(
                record["filename"],
                {
                    "folder": record["filename"],
                    "student": record["username"],
                    "owner": self._accounts.shown(record["owner"]),
                    "outcome": "not copied (already collected)",
                    "handed_in": text_utc(record["timestamp"]),
                },
            )
        path = self._report_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_csv(path, REPORT_COLUMNS, [self._report[name] for name in sorted(self._report)])
        refused = sum(1 for row in self._report.values() if row["outcome"] == "refused")
        self.log.info(
            "Collect report: %s (%d collected or already there, %d refused)", path, len(self._report) - refused, refused
        )
