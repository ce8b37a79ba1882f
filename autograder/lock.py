"""One writer per assignment: the course lock taken by release, grade, rescore and feedback.

Two runs that write the same assignment's results (two ``autograder grade`` runs, a grade
and a rescore, formgrader's Generate while a release runs, the JupyterLab panel's jobs)
would do the work twice and interleave their writes. Each of them takes the assignment's
lock first: ``<course>/.autograder-locks/<assignment>.lock``, an ``flock`` on that file.

- The kernel holds an ``flock`` for the open file, so it dies with the process that took
  it (and the processes it forked): a holder killed with ``kill -9`` leaves no lock
  behind, and nothing has to guess from a pid whether a lock is stale.
- Inside the file the holder writes who it is (pid, host, command, start time), so a
  second run can say who holds the lock since when; a clean release empties the file.
  A run that takes the lock and finds a holder written there knows that holder stopped
  without releasing it (killed, crashed), and says that it takes over.
- A second run refuses at once (``CourseLocked``, exit status 1) or, with ``--wait``,
  waits until the holder is done.
"""

import fcntl
import json
import os
import socket
import time
from dataclasses import asdict, dataclass

from .errors import CourseError
from .files import unsafe_name_reason

LOCK_FOLDER = ".autograder-locks"


class CourseLocked(CourseError):
    """Another run holds the assignment's lock."""

    def __init__(self, assignment, holder):
        self.assignment, self.holder = assignment, holder
        who = holder.describe() if holder else "another run (it has not said who it is yet)"
        super().__init__(f"{assignment} is locked: {who}. Wait for it to finish, or pass --wait to run after it.")


@dataclass
class Holder:
    """Who holds a lock: written inside the lock file by the holder."""

    pid: int
    host: str
    command: str
    started: float  # seconds since the epoch

    def describe(self):
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        minutes = max(0, int((time.time() - self.started) // 60))
        gone = "" if self.alive() is not False else ", no longer running (a process it started still holds it)"
        return f"{self.command} (pid {self.pid} on {self.host}{gone}) has held it since {since} ({minutes} min ago)"

    def alive(self):
        """True or False for a holder on this host, None when it runs elsewhere (cannot tell)."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def to_dict(self):
        return asdict(self)

    @classmethod
    def parse(cls, text):
        """The holder written in a lock file, or None (empty: released cleanly; unreadable)."""
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["command"]), float(data["started"]))
        except (ValueError, TypeError, KeyError):
            return None


def lock_path(course_root, assignment):
    reason = unsafe_name_reason(assignment) or ("a name starting with a dot" if assignment.startswith(".") else None)
    if reason:
        raise CourseError(f"{assignment!r} is not an assignment name ({reason}).")
    return os.path.join(course_root, LOCK_FOLDER, f"{assignment}.lock")


def _open(path):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise CourseError(
            f"Cannot take the lock {path}: {error.strerror or error}. The course directory must "
            "be writable by whoever grades."
        ) from None


def _read(descriptor):
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 4096).decode("utf-8", "replace")


class AssignmentLock:
    """The lock of one assignment in one course; a context manager.

    ``on_message`` receives what a person should read: that this run waits, or takes
    over from a holder that died (default: printed to stderr by the CLI's caller).
    """

    def __init__(self, course_root, assignment, command, on_message=None):
        self.assignment, self.command = assignment, command
        self.path = lock_path(course_root, assignment)
        self.on_message = on_message or (lambda text: None)
        self._descriptor = None
        self.taken_over = None  # the Holder that had died holding the lock, if any

    @property
    def held(self):
        return self._descriptor is not None

    def acquire(self, wait=False):
        descriptor = _open(self.path)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = Holder.parse(_read(descriptor))
                if not wait:
                    raise CourseLocked(self.assignment, holder) from None
                who = holder.describe() if holder else "another run"
                self.on_message(f"waiting for the lock on {self.assignment}: {who}")
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            self.taken_over = Holder.parse(_read(descriptor))
            if self.taken_over is not None:
                self.on_message(
                    f"took over the lock on {self.assignment} from {self.taken_over.command} (pid "
                    f"{self.taken_over.pid} on {self.taken_over.host}), which stopped without "
                    "releasing it"
                )
            me = Holder(os.getpid(), socket.gethostname(), self.command, time.time())
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, json.dumps(me.to_dict()).encode(), 0)
            os.fsync(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return self

    def release(self):
        """Empty the file (a clean release), then let go of the lock."""
        if self._descriptor is None:
            return
        descriptor, self._descriptor = self._descriptor, None
        try:
            os.ftruncate(descriptor, 0)
        finally:
            os.close(descriptor)  # closing the last descriptor releases the flock

    def __enter__(self):
        """``with lock:`` takes it (no waiting); ``with lock.acquire(wait=True):`` keeps what it took."""
        return self if self.held else self.acquire()

    def __exit__(self, *exc):
        self.release()


def current_holder(course_root, assignment):
    """Who holds the assignment's lock now, or None when it is free.

    Probes with a non-blocking shared lock, so it never takes the lock from anyone (a
    holder that died shows as free: the next run takes over)."""
    path = lock_path(course_root, assignment)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CourseError(f"Cannot read the lock {path}: {error.strerror or error}.") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Holder.parse(_read(descriptor)) or Holder(0, "?", "another run", time.time())
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return None
    finally:
        os.close(descriptor)


# --- nbgrader's buttons -----------------------------------------------------------------------
# formgrader runs nbgrader's converters inside the Jupyter server, one at a time per request;
# their pre- and post-convert hooks take and give back the lock. A conversion that fails
# between the two never calls the post hook: the next hook call of this process for the same
# assignment lets go of that stale lock first.
_held_by_hooks: dict[tuple[str, str], AssignmentLock] = {}  # (course root, assignment) -> AssignmentLock


def hold_for_nbgrader(course_root, assignment, command):
    """Take the assignment's lock for an nbgrader converter in this process; CourseLocked if held."""
    key = (os.path.abspath(course_root), assignment)
    stale = _held_by_hooks.pop(key, None)
    if stale is not None:
        stale.release()
    _held_by_hooks[key] = AssignmentLock(course_root, assignment, command).acquire()


def let_go_for_nbgrader(course_root, assignment):
    lock = _held_by_hooks.pop((os.path.abspath(course_root), assignment), None)
    if lock is not None:
        lock.release()


def lock_before_feedback(assignment=None, **_):
    """GenerateFeedback's pre_convert_hook (formgrader's Generate Feedback): take the lock or stop
    nbgrader, saying who holds it (SystemExit: nbgrader swallows other errors of its hooks)."""
    from traitlets.log import get_logger

    try:
        hold_for_nbgrader(os.getcwd(), assignment, "nbgrader generate_feedback (formgrader's Generate Feedback)")
    except CourseLocked as locked:
        get_logger().error("%s", locked)
        raise SystemExit(1) from None


def unlock_after_feedback(assignment=None, **_):
    """GenerateFeedback's post_convert_hook."""
    let_go_for_nbgrader(os.getcwd(), assignment)
