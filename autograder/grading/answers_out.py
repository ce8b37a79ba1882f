"""Which submissions were handed in after another assignment handed this one's answers out.

A later assignment's ``nnsupport`` ships earlier assignments' answers solved, and the
exchange lets it out only once they are past due (``exchange.earlier_answers_not_due``).
Work still arrives afterwards: nbgrader accepts late work (the late policy takes its
penalty), and an extension granted after the release keeps a student's due date open. Such
work may copy the answers, so ``autograder grade`` notes, beside each submission handed in
after the release, which release held this assignment's answers and when it went out, for
the instructor to look at; the grade is the checks' as always.

Both times come from the system: the handed-in time is the collector's (``handin``); a
release went out at the time ``SafeExchangeReleaseAssignment`` recorded when it copied it out
(``release_log``), the first such time when it was released more than once. A folder in the
exchange's ``outbound/`` the log does not know (released by plain nbgrader, or before releases
were recorded) counts from its latest change time, which is never earlier than the release but
moves later with any change there; grade says so.
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
from .exchange_folders import ExchangeFolderError, check_ancestors, configured_instructors, folder_problem
from .handin import latest_change
from .release_log import first_releases, log_path


@dataclass(frozen=True)
class HandedOut:
    release: str  # the other assignment whose release holds the answers
    at: object  # naive UTC datetime: when it first went out holding them
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


def answers_handed_out(course, assignment, through_exchange=True):
    """(HandedOut for every other assignment's release holding answers of ``assignment``, earliest
    first; warnings for the instructor). No release when there is no exchange (LMS zips) or the
    course cannot tell whose answers a folder holds, or when the course's exchange folder is
    one a student could have made (``exchange_folders``); a folder in outbound/ that cannot be
    judged is left out, said: it must not stop a grading run. ``through_exchange``: False for
    work that never came through one (an LMS zip), which no missing exchange folder concerns."""
    course_path = os.path.join(exchange_root(course), course.course_id)
    outbound = os.path.join(course_path, "outbound")
    try:
        instructors = configured_instructors(course.config)
        check_ancestors(course_path, instructors, create=False)
        problem = folder_problem(course_path, instructors) or (
            folder_problem(outbound, instructors) if os.path.lexists(outbound) else None
        )
    except FileNotFoundError:
        return [], _no_exchange(course, assignment, course_path) if through_exchange else []
    except (ValueError, ExchangeFolderError) as error:
        problem = str(error)
    if problem:
        return [], [f"the exchange is not believed ({problem}): no submission is noted as handed in after a release"]
    recorded, problem = first_releases(course_path, assignment, instructors)
    warnings = [problem] if problem else []
    found = {release: HandedOut(release, at, held) for release, (at, held) in recorded.items() if release != assignment}
    for release, at, held in _outbound_folders(course, assignment, outbound, warnings):
        if release in found:  # a folder's change time is never earlier than its release, and may be
            found[release] = HandedOut(release, min(at, found[release].at), found[release].answers)
            continue
        found[release] = HandedOut(release, at, held)
        warnings.append(
            f"{shown(release)} in the exchange's outbound/ holds {held} of {assignment}'s answers, but no "
            f"release of it is recorded in {log_path(course_path)} (released by plain nbgrader, or before "
            "releases were recorded): it counts from the folder's latest change, which any later change there moves"
        )
    return sorted(found.values(), key=lambda handed: handed.at), warnings


def _outbound_folders(course, assignment, outbound, warnings):
    """(release, latest change, answers of ``assignment`` held) for each folder in ``outbound``
    holding some; what cannot be judged is added to ``warnings`` and left out."""
    try:
        names = sorted(os.listdir(outbound))
        find = answer_finder(course, outbound)
    except (OSError, CourseError):
        return
    for name in names:
        folder = os.path.join(outbound, name)
        if name == assignment:
            continue
        if os.path.islink(folder) or not os.path.isdir(folder):
            warnings.append(f"{shown(name)} in the exchange's outbound/ is not a folder (a link?): left out")
            continue
        try:
            held = find(folder).get(assignment, [])
        except Exception as error:  # noqa: BLE001 - one folder that cannot be judged must not stop a grading run
            problem = type(error).__name__
            warnings.append(f"{shown(name)} in the exchange's outbound/ cannot be read ({problem}): left out")
            continue
        at = latest_change(folder)
        if held and at is not None:
            yield name, at, len(held)


def _no_exchange(course, assignment, course_path):
    """A warning when an assignment of the course ships ``assignment``'s answers but the exchange
    this configuration names has no folder for the course: its releases cannot be seen."""
    try:
        others = course.other_manifests(assignment)
        shipping = sorted(name for name, manifest in others.items() if assignment in manifest.solved_after)
    except CourseError:
        return []
    if not shipping:
        return []
    return [
        f"{', '.join(shipping)} ship {assignment}'s answers solved, but there is no exchange folder {course_path}: "
        f"if they were released through an exchange elsewhere, set c.Exchange.root in nbgrader_config.py, so that "
        f"work handed in after they went out is noted"
    ]


def handed_in_after(timestamp, handed_out, assignment):
    """The note for a submission handed in at ``timestamp`` (naive UTC, or None) after one of
    the ``handed_out`` releases went out, or None."""
    if timestamp is None and handed_out:
        first = handed_out[0]
        return (
            f"no hand-in time (no timestamp.txt): it may have come after {shown(first.release)} went out "
            f"({first.at:%Y-%m-%d %H:%M} UTC) with {first.answers} of {assignment}'s answers solved in its nnsupport"
        )
    first = next((handed for handed in handed_out if timestamp is not None and handed.at < timestamp), None)
    if first is None:
        return None
    return (
        f"handed in {timestamp:%Y-%m-%d %H:%M} UTC, after {shown(first.release)} went out "
        f"({first.at:%Y-%m-%d %H:%M} UTC) with {first.answers} of {assignment}'s answers solved in its "
        "nnsupport: look at this work beside them"
    )
