"""What the grader remembers per submission: its outcome and content hash, in a state file.

``autograded/<student>/<assignment>/.autograder.json`` is written last, after the
gradebook and the autograded notebooks, so a submission without an up-to-date state
file is simply graded again: a run killed at any moment is finished by the next one.

autograded/ also holds what a submission handed in (plain nbgrader copies it there), so
any name in it may be a folder, a link or a special file: the grader's files are read
only as plain regular files (``files.read_regular_file``: never through a link, never
blocking on a FIFO), and written through a fresh temporary file of an unpredictable
name that then replaces the target (``write_atomically``), never through a link or
into something a submission put under a name we would use.
"""

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..files import read_regular_file
from ..status import GRADED_KINDS, counts_as_graded

if TYPE_CHECKING:
    from ..course import Course
    from .jobs import NotebookRun

STATE_FILE = ".autograder.json"
# A submission in one of these states has grades in the gradebook worth trusting (status.py's kinds).
GRADED_STATUSES = GRADED_KINDS


@dataclass
class Outcome:
    """One submission's result, as remembered; ``status`` is its kind, which status.py turns
    into the words every report shows."""

    student: str
    status: str
    message: str = ""
    score: float | None = None
    max_score: float | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)  # verdict dicts, each with its test cell
    content_hash: str | None = None
    seconds: float | None = None
    timings: dict[str, Any] = field(default_factory=dict)  # notebook -> where its time went
    worker: str = ""  # host:pid of the worker that executed it
    # notebook -> {grade_id: verdict key} of the cells judged (see records.py), for rescoring
    verdict_keys: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def graded(self) -> bool:
        return counts_as_graded(self.status)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict, not copied (``asdict`` would deep-copy every verdict)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Outcome":
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def submission_status(notebook_runs: Mapping[str, "NotebookRun"]) -> str:
    """One status for a submission from its notebooks' runs."""
    statuses = [run.status for run in notebook_runs.values()]
    for failed in ("invalid", "missing"):
        if failed in statuses:
            return failed
    if "timeout" in statuses:
        return "graded (time limit)"
    if "output limit" in statuses:
        return "graded (output limit)"
    if "unreadable output" in statuses:
        return "graded (unreadable output)"
    if "kernel died" in statuses:
        return "graded (kernel died)"
    return "graded"


def state_path(course: "Course", student: str, assignment: str) -> str:
    return os.path.join(course.autograded(student, assignment), STATE_FILE)


def read_state(course: "Course", student: str, assignment: str) -> Outcome | None:
    """The remembered Outcome, or None when there is none (or it is unreadable, or not a file)."""
    try:
        return Outcome.from_dict(json.loads(read_regular_file(state_path(course, student, assignment))))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def write_atomically(path: str, text: str | bytes) -> None:
    """Replace ``path`` with a file holding ``text`` (UTF-8, or bytes as they are): written to a new
    temporary file beside it (created, never opened through a link), then renamed over it. OSError when
    ``path`` is a folder."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_state(course: "Course", assignment: str, outcome: Outcome) -> None:
    write_atomically(
        state_path(course, outcome.student, assignment), json.dumps(outcome.to_dict(), separators=(",", ":"))
    )


def forget_state(course: "Course", student: str, assignment: str) -> None:
    """Remove a submission's state before it is recorded again: until the new state is
    written, it reads as interrupted, never as its old outcome."""
    path = state_path(course, student, assignment)
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass
