"""``autograder demo``: the whole round trip on the embedded data, in a scratch course.

Copies the course into ``outputs/demo`` and, for each of its assignments (fc_nets first),
releases it (proving its checks), writes a class of sample submissions (correct ones in
several styles, one common mistake each, a broken notebook, an infinite loop, ...), gives
the assignment a due date (a week apart) and the students their names in the gradebook (as
``nbgrader db`` or formgrader would; a few hand in late, so the course's late policy
applies), grades them in parallel, and writes the CSV export, per-student feedback and the
class report; then the course view (every student by every assignment) beside the class
reports. The repository's own folders stay untouched.

Proving is most of the time. A proof is a pure function of its inputs, so the demo reuses
the proof that accepted the course's committed release when its inputs (sources, bundles,
configuration, toolkit, Python and libraries, machine) are exactly the same, and keeps the
proofs it ran in a folder of records beside its scratch course (``<output>.proofs``,
``proving.records``) for the next demo; anything changed proves again.
"""

import datetime
import os
import shutil

from nbgrader.api import Gradebook, MissingEntry

from ..authoring.library import load_library
from ..course import copy_instructor_files
from ..errors import CourseError
from ..grading.batch import GradingOptions, grade
from ..proving.gate import release_proven
from ..reporting.class_report import write_class_report
from ..reporting.course_view import write_course_view
from ..reporting.export import export_csv
from ..reporting.feedback import feedback_students, write_all_feedback
from ..status import NOT_COLLECTED
from .sample_class import DUE, write_sample_class

FIRST = "fc_nets"  # the demo's first assignment; the others follow in the course's order
DUE_EVERY = datetime.timedelta(days=7)


def prepare_demo_course(course, target):
    """A fresh copy of the course's instructor files in ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    return copy_instructor_files(course.root, target)


def proof_records(target):
    """The folder of proofs on record kept beside the scratch course ``target``."""
    return os.path.abspath(target).rstrip(os.sep) + ".proofs"


def demo_assignments(course, only=None):
    """The assignments the demo runs, fc_nets first: all of the course's, or those ``only`` names
    (CourseError naming any the course does not have)."""
    names = course.assignments()
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise CourseError(
            f"The demo course has no assignment {', '.join(unknown)}: choose among {', '.join(names)} "
            f"(the folders of {course.root}/source_assignments)."
        )
    ordered = [FIRST, *(name for name in names if name != FIRST)] if FIRST in names else names
    return [name for name in ordered if not only or name in only]


def run_demo(course, target, workers, log=print, only=None):
    """Release and grade every assignment of the course (or those ``only`` names) in a scratch
    copy; returns assignment -> the grading report."""
    assignments = demo_assignments(course, only)
    demo = prepare_demo_course(course, target)
    records = proof_records(target)
    reports = {}
    for number, assignment in enumerate(assignments):
        log(f"\n=== {assignment} ===")
        due = DUE + number * DUE_EVERY
        reports[assignment] = run_assignment(demo, assignment, due, workers, records, log, committed=course)
    log(f"\ncourse view: {os.path.relpath(write_course_view(demo))} (every student by every assignment; course.csv)")
    return reports


def run_assignment(demo, assignment, due, workers, records, log=print, committed=None):
    """Release, write the sample class, grade it, export, feedback and class report; the proof is
    reused from ``records`` or from the ``committed`` course's release when its inputs are the same."""
    release_proven(demo, assignment, log=log, records=records, committed=committed)
    kinds, roster = write_sample_class(
        demo, assignment, load_library(demo, assignment), os.path.join(demo.root, "submitted"), due
    )
    with Gradebook(demo.db_url, demo.course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=due)
        for student, (first, last, _) in roster.items():
            gb.update_or_create_student(student, first_name=first, last_name=last)
    log(f"wrote {len(kinds)} sample submissions (due {due:%Y-%m-%d %H:%M} UTC); grading with {workers} workers")
    # An honest sample notebook takes 10-12 s here with two graded at once; the sample infinite
    # loop runs until the notebook's limit, and was the last submission to finish in every class.
    options = GradingOptions(workers=workers, cell_timeout=10, notebook_timeout=40)
    report = grade(demo, assignment, options)

    csv_path = export_csv(demo, assignment, [o for o in report.outcomes if o.status == NOT_COLLECTED])
    write_all_feedback(demo, assignment, feedback_students(demo, assignment)[0], workers)
    report_path, _ = write_class_report(demo, assignment)

    lateness = late_penalties(demo, assignment)
    width = max(len(s) for s in kinds)
    log(f"\n{'student':<{width}}  {'score':>9}  {'late':<22} {'status':<22} submission")
    for outcome in sorted(report.outcomes, key=lambda o: o.student):
        score = "-" if outcome.score is None else f"{outcome.score:.2f}/{outcome.max_score:g}"
        log(
            f"{outcome.student:<{width}}  {score:>9}  {lateness.get(outcome.student, ''):<22} {outcome.status:<22} "
            f"{kinds.get(outcome.student, '')}"
        )
    not_collected = [o for o in report.failed if o.status == NOT_COLLECTED]
    log(
        f"\n{len(report.outcomes)} submissions in {report.seconds:.0f} s: "
        f"{len(report.outcomes) - len(report.failed)} graded, "
        f"{len(report.failed) - len(not_collected)} could not be graded (on purpose: broken JSON, an "
        f"empty folder, ...), {len(not_collected)} not collected (on purpose: a misplaced folder)"
    )
    log(
        f"late policy: {demo.config.LateSubmissionPlugin.get('penalty_method', 'none')!r} (nbgrader's "
        "LateSubmissionPlugin); the CSV's late_submission_penalty and score columns apply it"
    )
    log(f"grades: {os.path.relpath(csv_path)}")
    log(f"feedback: {os.path.relpath(os.path.join(demo.root, 'feedback'))}/<student>/{assignment}/")
    log(f"class report: {os.path.relpath(report_path)}")
    return report


def late_penalties(course, assignment):
    """student -> how late and the penalty taken off, for the students who handed in late."""
    found = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in gb.students:
            try:
                submission = gb.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            if submission.total_seconds_late > 0:
                hours = submission.total_seconds_late / 3600
                found[student.id] = f"{hours:.1f} h late: -{submission.late_submission_penalty:g}"
    return found
