"""The one family of errors a user can fix, each reported by the CLI as one line.

Every message says what is wrong, which file or folder, and what to do. Anything
else that escapes is a bug in the toolkit and keeps its traceback.
"""


class AutograderError(Exception):
    """A problem with the user's input or set-up, not with the toolkit."""


class CourseError(AutograderError):
    """The course directory, its configuration or an assignment in it is missing or malformed."""


class SubmissionsError(AutograderError):
    """The submissions to grade cannot be read at all (a missing folder, an unreadable zip)."""


class BundleError(AutograderError):
    """The grading bundle is missing or does not fit the notebook being graded."""


class ReleaseError(AutograderError):
    """The assignment cannot be released as it stands (drifted solutions, leaks, unsound checks)."""


class SandboxUnavailable(AutograderError):
    """Student code would run unconfined: refused unless the instructor opted out."""


class RecordingError(AutograderError):
    """The gradebook database or the course folder cannot be written; what was recorded is kept."""


class ClusterError(AutograderError):
    """The Dask cluster cannot be used: no scheduler, no live workers, or mismatched workers."""
