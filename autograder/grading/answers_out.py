"""Which submissions were handed in after another assignment handed this one's answers out.

A later assignment's ``nnsupport`` ships earlier assignments' answers solved, and the
exchange lets it out only once they are past due (``exchange.earlier_answers_not_due``).
Work still arrives afterwards: nbgrader accepts late work (the late policy takes its
penalty), and an extension granted after the release keeps a student's due date open. Such
work may copy the answers, so ``autograder grade`` notes, beside each submission handed in
after the release, which release held this assignment's answers and when it went out, for
the instructor to look at; the grade is the checks' as always.

Both times come from the system: the handed-in time is the collector's (``handin``), and a
release went out at the latest change time of its folder in the exchange's ``outbound/``
(written by nbgrader's release_assignment; students cannot write there). A folder released
again counts from its latest release.
"""

import os
from dataclasses import dataclass

from jupyter_core.paths import jupyter_config_path
from nbgrader.exchange.default.exchange import Exchange
from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from ..answers import answer_finder
from ..errors import CourseError
from ..files import shown
from .handin import latest_change


@dataclass(frozen=True)
class HandedOut:
    release: str  # the other assignment whose outbound folder holds the answers
    at: object  # naive UTC datetime: when that folder last changed
    answers: int  # how many of this assignment's answers it holds


def exchange_root(course):
    """The exchange root nbgrader's commands use for this course: ``c.Exchange.root`` from the
    Jupyter configuration folders, then the course's nbgrader_config.py, as nbgrader reads them."""
    config = Config()
    for folder in reversed(jupyter_config_path()):
        try:
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
        except ConfigFileNotFound:
            continue
    config.merge(course.config)
    return config.Exchange.get("root", Exchange.root.default_value)


def answers_handed_out(course, assignment):
    """HandedOut for every other assignment's folder in the exchange's outbound/ that holds
    answers of ``assignment``, earliest first; [] when there is no exchange (LMS zips) or the
    course cannot tell whose answers a folder holds. A folder with a file this process cannot
    read is left out: it must not stop a grading run."""
    outbound = os.path.join(exchange_root(course), course.course_id, "outbound")
    try:
        names = sorted(os.listdir(outbound))
        find = answer_finder(course, outbound)
    except (OSError, CourseError):
        return []
    found = []
    for name in names:
        folder = os.path.join(outbound, name)
        if name == assignment or os.path.islink(folder) or not os.path.isdir(folder):
            continue
        try:
            held = find(folder).get(assignment, [])
        except OSError:  # a file there this process may not read: that folder cannot be judged
            continue
        at = latest_change(folder)
        if held and at is not None:
            found.append(HandedOut(name, at, len(held)))
    return sorted(found, key=lambda handed: handed.at)


def handed_in_after(timestamp, handed_out, assignment):
    """The note for a submission handed in at ``timestamp`` (naive UTC, or None) after one of
    the ``handed_out`` releases went out, or None."""
    first = next((handed for handed in handed_out if timestamp is not None and handed.at < timestamp), None)
    if first is None:
        return None
    return (
        f"handed in {timestamp:%Y-%m-%d %H:%M} UTC, after {shown(first.release)} went out "
        f"({first.at:%Y-%m-%d %H:%M} UTC) with {first.answers} of {assignment}'s answers solved in its "
        "nnsupport: look at this work beside them"
    )
