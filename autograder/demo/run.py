"""``autograder demo``: the whole round trip on the embedded data, in a scratch course.

Copies the course into ``outputs/demo``, releases ``fc_nets``, writes a class of
sample submissions (correct ones in several styles, one common mistake each, a
broken notebook, an infinite loop, ...), grades them in parallel, and writes the
CSV export, per-student feedback and the class report. The repository's own folders stay untouched.
"""

import os
import shutil

from ..authoring.release import release
from ..course import copy_instructor_files
from ..grading.batch import GradingOptions, grade
from ..reporting.class_report import write_class_report
from ..reporting.export import export_csv
from ..reporting.feedback import feedback_students, write_all_feedback
from .sample_class import write_sample_class

ASSIGNMENT = "fc_nets"


def prepare_demo_course(course, target):
    """A fresh copy of the course's instructor files in ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    return copy_instructor_files(course.root, target)


def run_demo(course, target, workers, log=print):
    demo = prepare_demo_course(course, target)
    release(demo, ASSIGNMENT, log=log)
    kinds = write_sample_class(
        os.path.join(demo.source(ASSIGNMENT), "FullyConnectedNets.ipynb"),
        demo.release(ASSIGNMENT), os.path.join(demo.root, "submitted"), ASSIGNMENT)
    log(f"wrote {len(kinds)} sample submissions; grading with {workers} workers")
    options = GradingOptions(workers=workers, cell_timeout=10, notebook_timeout=60)
    report = grade(demo, ASSIGNMENT, options)

    csv_path = export_csv(demo, ASSIGNMENT, [o for o in report.outcomes if o.status == "not collected"])
    write_all_feedback(demo, ASSIGNMENT, feedback_students(demo, ASSIGNMENT)[0], workers)
    report_path = write_class_report(demo, ASSIGNMENT)

    width = max(len(s) for s in kinds)
    log(f"\n{'student':<{width}}  {'score':>9}  {'status':<22} submission")
    for outcome in sorted(report.outcomes, key=lambda o: o.student):
        score = "-" if outcome.score is None else f"{outcome.score:.2f}/{outcome.max_score:g}"
        log(f"{outcome.student:<{width}}  {score:>9}  {outcome.status:<22} {kinds.get(outcome.student, '')}")
    log(f"\n{len(report.outcomes)} submissions in {report.seconds:.0f} s: "
        f"{len(report.outcomes) - len(report.failed)} graded, {len(report.failed)} could not be "
        "graded (on purpose: broken JSON, empty and misplaced folders)")
    log(f"grades: {os.path.relpath(csv_path)}")
    log(f"feedback: {os.path.relpath(os.path.join(demo.root, 'feedback'))}/<student>/{ASSIGNMENT}/")
    log(f"class report: {os.path.relpath(report_path)}")
    return report
