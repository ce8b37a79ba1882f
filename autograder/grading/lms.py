"""What an LMS export's file names say: whose file it is, which file, and when or whether late.

An LMS's "download all submissions" zip names each file after the student and the
submission. Part of each name is the LMS's own (ids, the late marker, the time) and part
is the student's: the uploaded file's name always, and the person's name too where the LMS
lets users edit it (Canvas does by default, ``users_can_edit_name``). So identity is read
only from the LMS's ids, and a name is accepted only when it has exactly one reading: each
format is matched twice, once reading the free parts around the LMS's fields as short as
possible and once as long as possible, and the two readings must agree, or the entry is
refused as "cannot tell whose it is". A student who puts ``_LATE_<id>_<id>_`` in their
display name cannot pass for another student, or hide the late marker.

Formats (``--zip-pattern``):

- ``canvas`` (the default): ``<sortable name>[_LATE]_<user id>_<file id>_<file name>``,
  ``anon_<id>`` for the user id when grading is anonymous (Canvas's ContentZipper). The
  student id is Canvas's numeric user id (or ``anon_<id>``); ``LATE`` is Canvas's verdict
  against its own due date, with no time.
- ``blackboard`` or ``blackboard:<time zone>``: Blackboard Learn's "Download Assignment",
  ``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>``; the student id is
  the username (without underscores; a custom pattern for others), the time is the
  attempt's, in the server's time zone (UTC unless given, e.g. ``blackboard:America/Chicago``).
- any other value: a regular expression for nbgrader's ``FileNameCollectorPlugin``, with the
  groups ``student_id`` and ``file_id`` and optionally ``timestamp`` (a date nbgrader reads)
  and ``late`` (non-empty: late). It is matched once, as nbgrader does.

Moodle's "Download all submissions" is not a supported format: it puts a student's files in
a folder named ``<full name>_<participant id>_assignsubmission_file_`` (identity in the
folder, not the file name) and its names carry neither a time nor lateness.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass

from nbgrader.plugins import FileNameCollectorPlugin

from ..errors import SubmissionsError
from .handin import parse_time

# Canvas downcases the person's name, so an upper-case LATE can only be Canvas's own marker.
_CANVAS = (
    r"^(?:(?P<name>[^A-Z/]{free})_){opt}(?:(?P<late>LATE)_)?(?P<student_id>\d+|anon_[0-9A-Za-z]+)"
    r"_(?P<file_number>\d+)_(?P<file_id>[^/]+)$"
)
_BLACKBOARD = (
    r"^(?P<assignment_name>[^/]{free})_(?P<student_id>[^_/]+)_attempt_"
    r"(?P<timestamp>\d{{4}}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file_id>[^/]+)$"
)
BLACKBOARD_TIME = "%Y-%m-%d-%H-%M-%S"
DEFAULT_FORMAT = "canvas"


@dataclass(frozen=True)
class Entry:
    """What one file name says."""

    student_id: str
    file_id: str
    late: bool = False
    timestamp: datetime.datetime | None = None  # naive UTC


class _Reading(FileNameCollectorPlugin):
    """nbgrader's file-name collector, quiet about names that do not match (we report them)."""

    def _match(self, filename):
        match = re.match(self.named_regexp, filename)
        return match.groupdict() if match else None


class ExportNames:
    """Reads the file names of one LMS export format (see the module's docstring)."""

    def __init__(self, pattern=DEFAULT_FORMAT):
        name, _, zone = pattern.partition(":")
        self.zone, self.time_format = datetime.UTC, None
        if name == "canvas" and not zone:
            regexps = [_CANVAS.format(free="*?", opt="??"), _CANVAS.format(free="*", opt="?")]
        elif name == "blackboard":
            regexps = [_BLACKBOARD.format(free="+?"), _BLACKBOARD.format(free="+")]
            self.time_format = BLACKBOARD_TIME
            if zone:
                try:
                    self.zone = zoneinfo.ZoneInfo(zone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    raise SubmissionsError(
                        f"--zip-pattern {pattern}: unknown time zone {zone!r} (an IANA name such as Europe/London)"
                    ) from None
        else:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                raise SubmissionsError(f"--zip-pattern {pattern!r} is not a regular expression ({error})") from None
            if not {"student_id", "file_id"} <= set(compiled.groupindex):
                raise SubmissionsError(
                    f"--zip-pattern {pattern!r} needs the groups (?P<student_id>...) and "
                    "(?P<file_id>...), or one of the formats canvas, blackboard"
                )
            regexps = [pattern]
        self.pattern = pattern
        self._readings = [_Reading(named_regexp=regexp) for regexp in regexps]

    def read(self, filename):
        """(Entry or None, why it cannot be read or None)."""
        readings = [reading.collect(filename) for reading in self._readings]
        if any(found is None for found in readings):
            return None, f"its name does not match the pattern {self.pattern!r}"
        entries = set()
        for found in readings:
            entry, problem = self._entry(found)
            if problem:
                return None, problem
            entries.add(entry)
        if len(entries) > 1:
            ids = ", ".join(sorted({repr(entry.student_id) for entry in entries}))
            return None, f"its name can be read more than one way (student ids {ids})"
        return entries.pop(), None

    def _entry(self, found):
        timestamp, text = None, found.get("timestamp")
        if text:
            timestamp = self._time(text)
            if timestamp is None:
                return None, f"the time in its name is not a date: {text[:40]!r}"
        return Entry(found["student_id"], found["file_id"], bool(found.get("late")), timestamp), None

    def _time(self, text):
        if self.time_format is None:
            return parse_time(text)[0]
        try:
            moment = datetime.datetime.strptime(text, self.time_format).replace(tzinfo=self.zone)
        except ValueError:
            return None
        return moment.astimezone(datetime.UTC).replace(tzinfo=None)
