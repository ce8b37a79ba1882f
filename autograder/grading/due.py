"""``autograder due``: set an assignment's due date from text read strictly, in a named zone.

nbgrader stores due dates in UTC and reads the text an instructor types with ``parse_utc``,
which guesses: ``2026-12-10 17:00 -0800`` is taken as an offset of -800 *seconds*,
``PST`` and ``-08:00`` after a space are ignored (the time is then read as UTC), and a time
a daylight-saving change skips or repeats is taken as it comes. A due date off by hours
decides late penalties and when the exchange lets out a later assignment holding this one's
answers (``exchange.earlier_answers_not_due``). Here the text is an ISO date and time, its
zone an IANA name (``America/Los_Angeles``) or an offset written in the text, never a guess;
what is stored is printed in UTC and in the zone given.

A due date moved later after a release holding this assignment's answers went out cannot call
those answers back: the command says which release and when, so the instructor knows whose
work to look at (``autograder grade`` notes each submission handed in after it).
"""

import datetime
import re
from zoneinfo import ZoneInfo, available_timezones

from nbgrader.api import Gradebook

from ..errors import CourseError
from ..files import shown
from .answers_out import answers_handed_out
from .exchange import stored_due

EXAMPLE = "autograder due fc_nets '2026-12-10 17:00' --zone America/Los_Angeles"


# A time of day after the date (``T`` or a space): a date alone would be read as its midnight,
# a day before the end of the day an instructor usually means.
TIME_OF_DAY = re.compile(r"[T ]\d")
# Names zoneinfo accepts that do not say where the instructor is: the server's own zone, a
# placeholder, and POSIX's Etc/GMT+8, which means UTC-8.
MISLEADING_ZONES = re.compile(r"localtime|Factory|Etc/GMT[+-]\d+")


def _zone(zone):
    """The ZoneInfo of an IANA name that says where it is, or a CourseError."""
    if zone in available_timezones() and not MISLEADING_ZONES.fullmatch(zone):
        return ZoneInfo(zone)
    raise CourseError(
        f"unknown time zone {zone!r}: give an IANA name such as America/Los_Angeles, Europe/Berlin or UTC "
        "(abbreviations like PST are ambiguous, and localtime, Factory and Etc/GMT+N, which means UTC-N, "
        "are not accepted)"
    )


def _in_utc(moment, text):
    try:
        return moment.astimezone(datetime.UTC).replace(tzinfo=None)
    except OverflowError:
        raise CourseError(f"{text!r} is out of the range of dates a gradebook can hold") from None


def parse_due(text, zone=None):
    """(naive UTC datetime, the same moment as the instructor wrote it) from ``text`` (ISO 8601:
    ``2026-12-10 17:00``, ``2026-12-10T17:00:00-08:00``, ``...Z``) in ``zone`` (an IANA name),
    which is needed exactly when the text has no offset; a CourseError says what was wrong."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseError(
            f"{text!r} is not a date and time: write it as YYYY-MM-DD HH:MM (ISO 8601), e.g. {EXAMPLE}"
        ) from None
    if not TIME_OF_DAY.search(text.strip()):
        raise CourseError(f"{text!r} has no time of day: write the time too (e.g. 23:59), e.g. {EXAMPLE}")
    if moment.tzinfo is not None:
        if zone:
            raise CourseError(f"{text!r} already has its offset: give it or --zone {zone}, not both")
        return _in_utc(moment, text), moment.isoformat(" ")
    if not zone:
        raise CourseError(
            f"{text!r} has no time zone: name the zone it is in with --zone (an IANA name such as "
            f"America/Los_Angeles, Europe/Berlin or UTC), e.g. {EXAMPLE}"
        )
    place = _zone(zone)
    early, late = moment.replace(tzinfo=place, fold=0), moment.replace(tzinfo=place, fold=1)
    if early.utcoffset() != late.utcoffset():
        raise CourseError(
            f"{text} happens {'twice' if early.utcoffset() > late.utcoffset() else 'never'} in {zone} "
            "(a daylight-saving change): choose another time"
        )
    return _in_utc(early, text), f"{early:%Y-%m-%d %H:%M:%S %Z} ({zone})"


def set_due(course, assignment, due):
    """Store ``due`` (naive UTC) as the assignment's due date; returns the one it replaces."""
    course.source_notebooks(assignment)  # a clear error for an unknown assignment
    with Gradebook(course.db_url, course.course_id) as gb:
        before = stored_due(gb, assignment)
        gb.update_or_create_assignment(assignment, duedate=due)
    return before


def released_before(course, assignment, due):
    """Warnings: one for each release holding ``assignment``'s answers that went out before
    ``due``, and any about how those releases were dated."""
    handed_out, warnings = answers_handed_out(course, assignment)
    return [
        f"{shown(handed.release)} went out {handed.at:%Y-%m-%d %H:%M} UTC with {handed.answers} of {assignment}'s "
        f"answers solved in its nnsupport, before this due date: students who hand {assignment} in after that "
        "may have them (`autograder grade` notes each such submission)"
        for handed in handed_out
        if handed.at < due
    ] + warnings
