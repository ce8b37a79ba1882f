"""The nbgrader hooks our nbgrader_config.py plugs into plain ``nbgrader autograde``.

Formgrader's Autograde button runs the same converter, so both keep our guarantees.

``refuse_unsafe_entries`` (``c.Autograde.pre_convert_hook``) runs before nbgrader copies
a submission into autograded/: nbgrader copies with
``shutil.copy``, which reads through symbolic links as the grader (a link to the
grading bundle or to a root-only file arrives in the kernel's folder as a regular
file) and blocks forever on a FIFO. The hook removes such entries from the
submission first. No student data is lost: a link holds no content of its own, a
hard link's content stays under its other name, and FIFOs, sockets and devices hold
none; each removal is logged with its reason.

``remember_outcome`` (``c.Autograde.post_convert_hook``) writes the state file that
``autograder grade`` writes (status, score, the judge's verdicts, content hash), so the
CSV status, ``autograder feedback`` and the next ``autograder grade`` run agree with a
submission graded by plain nbgrader.

Between the two hooks the assignment's course lock is held (``autograder.lock``): when
another run holds it (an ``autograder grade``, a rescore), the pre hook logs who, since
when, and stops nbgrader (SystemExit, which nbgrader does not swallow as it does hook
errors; formgrader shows the log).
"""

import os
import stat

import nbformat
from nbgrader.api import Gradebook
from traitlets.log import get_logger

from ..course import Course
from ..files import read_regular_file, read_regular_files
from ..judge import verdicts_in_notebook
from ..lock import CourseLocked, hold_for_nbgrader, let_go_for_nbgrader
from .collect import content_hash
from .pipeline import GradingPipeline
from .records import MAX_GRADER_FILE_BYTES
from .state import Outcome, write_state


def _unsafe_reason(info):
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if stat.S_ISREG(info.st_mode):
        return "a hard link (the same file exists elsewhere)" if info.st_nlink > 1 else None
    if stat.S_ISDIR(info.st_mode):
        return None
    return "a special file (FIFO, socket or device)"


def _remove(path, reason, log):
    log.warning("Removed %s from the submission before grading: %s (no content is lost)", path, reason)
    os.unlink(path)


def refuse_unsafe_entries(assignment=None, student=None, notebooks=(), **_):
    """pre_convert_hook: remove links and special files from the submission being converted."""
    log = get_logger()
    try:
        hold_for_nbgrader(os.getcwd(), assignment, "nbgrader autograde (formgrader's Autograde)")
    except CourseLocked as locked:
        log.error("%s", locked)
        raise SystemExit(1) from None
    folders = {os.path.dirname(os.path.abspath(path)) for path in notebooks}
    for folder in sorted(folders):
        student_folder = os.path.dirname(folder)
        for path in (student_folder, folder):  # submitted/<student> and submitted/<student>/<assignment>
            if os.path.islink(path):
                _remove(path, "a symbolic link in place of the submission folder", log)
                break
        else:
            for current, dirs, names in os.walk(folder):
                for name in dirs + names:
                    path = os.path.join(current, name)
                    reason = _unsafe_reason(os.lstat(path))
                    if reason is not None:
                        _remove(path, reason, log)


def remember_outcome(assignment=None, student=None, notebooks=(), **_):
    """post_convert_hook: the state file for each submission nbgrader has just autograded.

    nbgrader runs its converters from the course directory, and ``notebooks`` are the
    submitted notebooks of one student (the hook's ``student`` is a glob from the command line).
    """
    course = Course(os.getcwd())
    try:
        _remember(course, notebooks)
    finally:
        let_go_for_nbgrader(course.root, assignment)


def _remember(course, notebooks):
    for folder in sorted({os.path.dirname(os.path.abspath(path)) for path in notebooks}):
        student_id, assignment_id = os.path.basename(os.path.dirname(folder)), os.path.basename(folder)
        autograded = course.autograded(student_id, assignment_id)
        checks = []
        for name in course.notebook_names(assignment_id):
            try:  # only the assignment's notebooks, only as plain files (a folder may carry the name)
                text = read_regular_file(os.path.join(autograded, f"{name}.ipynb"), max_bytes=MAX_GRADER_FILE_BYTES)
            except OSError:
                continue
            checks += verdicts_in_notebook(nbformat.reads(text.decode("utf-8"), as_version=4))
        with Gradebook(course.db_url, course.course_id) as gb:
            submission = gb.find_submission(assignment_id, student_id)
            score, max_score = submission.score, submission.max_score
        digest = content_hash(read_regular_files(folder).files, GradingPipeline(course, assignment_id).version())
        write_state(
            course,
            assignment_id,
            Outcome(student_id, "graded", "graded by nbgrader autograde", score, max_score, checks, digest),
        )
