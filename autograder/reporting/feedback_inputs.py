"""Which feedback pages need rendering again: a page is rendered again only when something it
shows could have changed.

A page's *inputs digest* covers the student's autograded notebook, the files nbgrader's
``release_feedback`` needs beside it, that notebook's rows in the gradebook (every grade's
automatic, manual and extra-credit score and points, whether it awaits a grader, every
comment, the late penalty), the released notebook (whose test cells the page shows), the
course's ``nbgrader_config.py`` and the toolkit (its version, modules and page template).
Rendering records it, with the digest of what it wrote, in
``feedback/<student>/<assignment>/.feedback-inputs.json``: the feedback folder is written
by the grader only (never a student's files), and nbgrader's ``release_feedback`` hands out
only the ``.html`` pages. A page is skipped when both digests still match; a manual grade
or comment entered in formgrader changes the gradebook rows, so that page is rendered again.
"""

import json
import os
from typing import Any

from nbgrader.api import Gradebook, MissingEntry

from ..course import CONFIG_FILE
from ..digests import Digest, file_sha256, toolkit_digest
from ..files import read_regular_file, write_files

STAMP_FILE = ".feedback-inputs.json"
MAX_STAMP_BYTES = 2**20


def _gradebook_rows(gb, assignment, student, notebook) -> dict[str, Any] | None:
    """What the page shows of the gradebook for one submitted notebook (None: not recorded)."""
    try:
        submitted = gb.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return None
    return {
        "late_penalty": submitted.late_submission_penalty,
        "grades": sorted(
            (
                [g.name, g.auto_score, g.manual_score, g.extra_credit, g.max_score, bool(g.needs_manual_grade)]
                for g in submitted.grades
            ),
            key=lambda row: row[0],
        ),
        "comments": sorted(
            ([c.name, c.auto_comment, c.manual_comment] for c in submitted.comments), key=lambda row: row[0]
        ),
    }


def page_inputs(course, assignment, pages, exchange_files, max_notebook_bytes):
    """(student, notebook) -> the digest of everything that page depends on, for ``pages``."""
    common = Digest().add("toolkit", toolkit_digest().encode())
    common.add_file("config", os.path.join(course.root, CONFIG_FILE))
    released = {
        notebook: file_sha256(os.path.join(course.release(assignment), f"{notebook}.ipynb")) for _, notebook in pages
    }
    shared = common.hexdigest()
    digests = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for student, notebook in pages:
            source = course.autograded(student, assignment)
            digest = Digest().add("common", shared.encode()).add("released", str(released[notebook]).encode())
            digest.add_json("gradebook", _gradebook_rows(gb, assignment, student, notebook))
            for name in (f"{notebook}.ipynb", *exchange_files):
                try:
                    data = read_regular_file(os.path.join(source, name), max_notebook_bytes)
                    digest.add(name, b"file\0" + data)
                except OSError:
                    digest.add(name, b"unreadable")
            digests[(student, notebook)] = digest.hexdigest()
    return digests


def page_outputs(course, assignment, student, notebook, exchange_files):
    """The digest of what rendering the page wrote: the page and the exchange files beside it."""
    target = course.feedback(student, assignment)
    digest = Digest()
    for name in (f"{notebook}.html", *exchange_files):
        digest.add(name, str(file_sha256(os.path.join(target, name))).encode())
    return digest.hexdigest()


def read_stamp(course, assignment, student) -> dict[str, Any]:
    """notebook -> {"inputs", "outputs"} as last rendered ({} when none, or unreadable)."""
    try:
        stamp = json.loads(
            read_regular_file(os.path.join(course.feedback(student, assignment), STAMP_FILE), MAX_STAMP_BYTES)
        )
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def is_current(stamp, notebook, inputs, outputs) -> bool:
    entry = stamp.get(notebook)
    return isinstance(entry, dict) and entry.get("inputs") == inputs and entry.get("outputs") == outputs


def write_stamp(course, assignment, student, entries) -> None:
    """Record notebook -> {"inputs", "outputs"} for the pages just rendered (others kept)."""
    stamp = {**read_stamp(course, assignment, student), **entries}
    write_files(
        course.feedback(student, assignment), {STAMP_FILE: json.dumps(stamp, indent=1, sort_keys=True).encode()}
    )
