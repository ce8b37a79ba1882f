"""The ``autograder`` command: one entry point whose subcommands follow the pipeline."""

import argparse
import json
import os
import sys

from .bundle import BundleError
from .feedback import write_all_feedback
from .grading import GradingOptions, grade
from .checkcmd import check, format_check
from .demo import run_demo
from .kernel_env import tool_environment
from .sandbox import SandboxUnavailable
from .pipeline import course_id, db_url, load_course_config, split_pipeline
from .report import export_csv, json_report, summary_table
from .writer import GradebookWriter, graded_students
from .coursedir import CourseError, find_course
from .recording import RecordingError
from .release import ReleaseError, check_release, release
from .solutions import sync_solutions


def _release(course, args):
    release(course, args.assignment)
    return 0


def _sync(course, args):
    for path in course.source_notebooks(args.assignment):
        changed = sync_solutions(path, course.course_dir)
        print(f"{path}: {'updated ' + ', '.join(changed) if changed else 'already in sync'}")
    return 0


def _leaks(course, args):
    leaks = check_release(course, args.assignment)
    for leak in leaks:
        print(leak)
    print(f"{len(leaks)} leak(s) in release/{args.assignment}")
    return 1 if leaks else 0


def _grade(course, args):
    options = GradingOptions(
        workers=args.workers, scheduler=args.scheduler, force=args.force,
        cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
        submissions=args.submissions, zip_pattern=args.zip_pattern, progress=not args.json,
        unsafe_no_sandbox=args.unsafe_no_sandbox,
    )
    report = grade(course, args.assignment, options)
    config = load_course_config(course.root)
    csv_path = os.path.join(course.root, "reports", f"{args.assignment}_grades.csv")
    export_csv(course.root, args.assignment, db_url(config, course.root), course_id(config), csv_path)
    if args.json:
        print(json_report(report))
    else:
        print(summary_table(report))
        print(f"grades: {os.path.relpath(csv_path)}; for feedback pages run "
              f"`autograder feedback {args.assignment}`")
    for outcome in report.failed:
        print(f"could not grade {outcome['student']}: {outcome['message']}", file=sys.stderr)
    return 1 if report.failed else 0


def _feedback(course, args):
    students = graded_students(course.root, args.assignment)
    paths = write_all_feedback(course.root, args.assignment, students, args.workers)
    print(f"wrote {len(paths)} feedback page(s) in feedback/<student>/{args.assignment}/")
    return 0


def _rescore(course, args):
    config = load_course_config(course.root)
    _, writer_preprocessors = split_pipeline(config)
    writer = GradebookWriter(course.root, config, args.assignment, writer_preprocessors,
                             db_url(config, course.root), course_id(config))
    students = sorted(os.listdir(os.path.join(course.root, "autograded"))) if os.path.isdir(
        os.path.join(course.root, "autograded")) else []
    count = 0
    for student in students:
        outcome = writer.rescore(student)
        if outcome is not None:
            count += 1
            print(f"{student}: {outcome['score']:g} / {outcome['max_score']:g}")
    print(f"rescored {count} submission(s) without executing any notebook")
    return 0


def _check(course, args):
    result = check(args.notebook)
    print(json.dumps(result, indent=1) if args.json else format_check(result))
    return 0 if result["status"] == "ok" else 1


def _demo(course, args):
    run_demo(course, args.output, args.workers)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Release, grade and report on the course's nbgrader assignments.",
    )
    parser.add_argument(
        "--course-dir", help="course directory (default: the nearest folder with nbgrader_config.py)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, handler, summary in [
        ("release", _release, "record expected values, generate the student version, leak-check it"),
        ("sync", _sync, "copy solution cells of the source notebooks from course/"),
        ("leaks", _leaks, "leak-check an existing release folder"),
    ]:
        command = commands.add_parser(name, help=summary, description=summary)
        command.add_argument("assignment", help="assignment name, e.g. fc_nets")
        command.set_defaults(handler=handler)

    grading = commands.add_parser(
        "grade", help="grade every submission in parallel into nbgrader's gradebook",
        description="Execute submissions in parallel workers (or on a Dask cluster), judge them "
        "and record the grades in nbgrader's gradebook; writes reports/<assignment>_grades.csv "
        "(feedback pages: `autograder feedback`). Unchanged submissions are skipped.")
    grading.add_argument("assignment", help="assignment name, e.g. fc_nets")
    grading.add_argument("--submissions", help="a folder in nbgrader's submitted/ layout, or an LMS "
                         "zip export (default: <course>/submitted)")
    grading.add_argument("--zip-pattern", help="regular expression with groups student_id and "
                         "file_id for the file names in a zip export")
    grading.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                         help="local worker processes (default: the number of cores)")
    grading.add_argument("--scheduler", help="address of a dask.distributed scheduler to run on")
    grading.add_argument("--cell-timeout", type=float, help="seconds per cell (default: "
                         "c.Execute.timeout in nbgrader_config.py)")
    grading.add_argument("--notebook-timeout", type=float, help="seconds per notebook (default: "
                         "c.Autograder.notebook_timeout, else 600)")
    grading.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    grading.add_argument("--json", action="store_true", help="print the result as JSON")
    grading.add_argument("--unsafe-no-sandbox", action="store_true",
                         help="run student kernels without bubblewrap (only where that risk is accepted)")
    grading.set_defaults(handler=_grade)

    feedback = commands.add_parser(
        "feedback", help="write per-student feedback HTML (verdicts, never hidden tests)",
        description="Render feedback/<student>/<assignment>/*.html for every graded submission: "
        "each check's name, verdict, points and error size; never hidden test code or expected "
        "values (which nbgrader's own feedback would show).")
    feedback.add_argument("assignment")
    feedback.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    feedback.set_defaults(handler=_feedback)

    rescoring = commands.add_parser(
        "rescore", help="judge recorded values again after a tolerance or points change",
        description="Re-judge every recorded submission against the current grading bundle "
        "and gradebook points, without executing any notebook.")
    rescoring.add_argument("assignment")
    rescoring.set_defaults(handler=_rescore)

    checking = commands.add_parser(
        "check", help="grade one notebook and print each check",
        description="Grade one notebook: public checks only when run by a student, every "
        "check (hidden ones too) when run inside the course directory by an instructor.")
    checking.add_argument("notebook")
    checking.add_argument("--json", action="store_true")
    checking.set_defaults(handler=_check, needs_course=False)

    demo = commands.add_parser(
        "demo", help="the full round trip on the embedded data, in outputs/demo",
        description="Copy the course into a scratch folder, release fc_nets, generate a class "
        "of sample submissions, grade them in parallel, write the CSV and feedback.")
    demo.add_argument("--output", default="outputs/demo", help="scratch course folder")
    demo.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    demo.set_defaults(handler=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    os.environ.update(PATH=tool_environment()["PATH"])  # nbgrader's gradebook runs `alembic`
    try:
        course = find_course(args.course_dir) if getattr(args, "needs_course", True) else None
        return args.handler(course, args)
    except (CourseError, ReleaseError, RecordingError, BundleError, SandboxUnavailable) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
