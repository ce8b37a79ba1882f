"""The ``autograder`` command: one entry point whose subcommands follow the pipeline.

Each subcommand imports what it needs when it runs, so ``autograder --help`` answers
at once. Whatever goes wrong ends in one line on stderr (what, which file, what to do)
and an exit status of status.py: errors the user can fix (``AutograderError``, a bad
option, a course folder that cannot be written) exit 1, or the status the error names
(75, EX_TEMPFAIL, when the Dask cluster was lost mid-batch and running the same command
again finishes it); ``grade`` exits 2 when some submission could not be graded; Ctrl-C
exits 130 and SIGTERM 143, after what was recorded is kept. Every string that came from a
submission (ids, messages, check names and verdicts) is printed through
``terminal.visible``, and so is what this process logs.
"""

import argparse
import json
import os
import re
import signal
import sys
from typing import Any

from . import __version__, status
from .environments import tool_environment
from .errors import AutograderError
from .terminal import log_visibly, visible

# host:port, optionally behind a Dask protocol; an IPv6 host in brackets.
SCHEDULER_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+):(\d{1,5})")


def _must_write(*paths):
    """CourseError now, before any work, when a folder a command will write cannot be written
    (a read-only mount, another owner): otherwise it would fail at its last step."""
    from .errors import CourseError

    for path in paths:
        existing = path
        while not os.path.exists(existing) and os.path.dirname(existing) != existing:
            existing = os.path.dirname(existing)
        if not os.access(existing, os.W_OK):
            raise CourseError(
                f"Cannot write {existing}: make it writable by whoever runs this command "
                "(it is read-only here) and run it again."
            )


def _release(course, args):
    from .proving.gate import release_proven

    release_proven(course, args.assignment, force=args.force)
    return 0


def _mutants(course, args):
    from .errors import CourseError
    from .proving.mutation import mutation_run, summary_line, survivors, weakest_margins

    release_dir = course.release(args.assignment)
    if not os.path.isfile(os.path.join(release_dir, "nnsupport", "checks.py")):
        raise CourseError(
            f"{release_dir} holds no release: run `autograder release {args.assignment}` first, then this again."
        )
    result = mutation_run(
        course,
        args.assignment,
        release_dir,
        log=lambda text: print(text, file=sys.stderr),
        workers=args.workers,
        cells=args.cells,
    )
    print(summary_line(result))
    left = survivors(result)
    print(f"{len(left)} survivor(s) (each a mistake the checks let through):")
    for entry in left:
        print(f"  {entry['name']}")
    print("weakest kills (smallest share of the test cell lost, then smallest margin):")
    for entry in weakest_margins(result, 5):
        print(f"  {entry['name']}: {entry['test_cell']} loses {entry['share_lost']:.0%}; {entry['margin_text']}")
    print(f"{result['counts']['generated']} mutants in {result['seconds']:g} s")
    return 0


def _sync(course, args):
    from .authoring.sync import sync_assignment, write_generated_files

    for assignment in args.assignments or course.assignments():
        if args.generated_only:
            course.source_notebooks(assignment)  # a clear error for an unknown assignment
            write_generated_files(course, assignment)
            print(f"{assignment}: support package and public checks written")
            continue
        changed = sync_assignment(course, assignment)
        print(
            f"{assignment}: {'updated ' + ', '.join(changed) if changed else 'solutions already in sync'}; "
            "support package and public checks written"
        )
    return 0


def _new(course, args):
    from .authoring.scaffold import new_assignment

    for path in new_assignment(course, args.assignment, args.title):
        print(f"wrote {os.path.relpath(path, course.root)}")
    print(f"next: `autograder release {args.assignment}` (it proves the checks), then see docs/AUTHORING.md")
    return 0


def _leaks(course, args):
    from .authoring.release import check_release

    leaks = check_release(course, args.assignment)
    for leak in leaks:
        print(leak)
    print(f"{len(leaks)} leak(s) in release/{args.assignment}")
    return 1 if leaks else 0


def _grade(course, args):
    from .errors import SubmissionsError
    from .grading.batch import GradingOptions, grade
    from .reporting.export import export_csv, hand_grading_points, json_report, summary_table

    options = GradingOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        force=args.force,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        submissions=args.submissions,
        zip_pattern=args.zip_pattern,
        progress=not args.json,
        unsafe_no_sandbox=args.unsafe_no_sandbox,
    )
    if args.zip_pattern and not (args.submissions or "").endswith(".zip"):
        raise SubmissionsError(
            f"--zip-pattern reads the file names of an LMS zip export: pass the export with "
            f"--submissions <export>.zip (grading {args.submissions or 'submitted/'} needs none)."
        )
    _must_write(os.path.dirname(course.report(args.assignment, "grades.csv")), os.path.join(course.root, "autograded"))
    report = grade(course, args.assignment, options)
    hand_points = hand_grading_points(course, args.assignment)
    csv_path = export_csv(
        course, args.assignment, [o for o in report.outcomes if o.status == status.NOT_COLLECTED], hand_points
    )
    if args.json:
        print(json_report(report, hand_points))
    else:
        print(summary_table(report, hand_points))
        print(f"grades: {os.path.relpath(csv_path)}; for feedback pages run `autograder feedback {args.assignment}`")
    for warning in report.warnings:  # about the run: before what went wrong with single submissions
        print(f"autograder: warning: {visible(warning)}", file=sys.stderr)
    for outcome in report.outcomes:
        said = status.word(outcome.status)
        if said in (status.NOT_GRADED, status.NOT_COLLECTED):
            print(f"autograder: {said}: {visible(outcome.student)}: {visible(outcome.message)}", file=sys.stderr)
    return status.run_exit_status(outcome.status for outcome in report.outcomes)


def _due(course, args):
    from .grading.due import parse_due, released_before, set_due

    due, written = parse_due(args.when, args.zone)
    before = set_due(course, args.assignment, due)
    was = f"it was {before:%Y-%m-%d %H:%M:%S} UTC" if before else "it had no due date"
    print(f"{args.assignment} is due {due:%Y-%m-%d %H:%M:%S} UTC, {written} ({was})")
    for warning in released_before(course, args.assignment, due):
        print(f"autograder: warning: {visible(warning)}", file=sys.stderr)
    return 0


def _feedback(course, args):
    from .reporting.feedback import feedback_students, write_all_feedback

    course.source_notebooks(args.assignment)  # a clear error for an unknown assignment
    _must_write(os.path.join(course.root, "feedback"))
    students, skipped = feedback_students(course, args.assignment)
    run = write_all_feedback(course, args.assignment, students, args.workers or course.settings.worker_count)
    for student, why in skipped + run.failed:
        print(f"no feedback for {visible(student)}: {visible(why)}", file=sys.stderr)
    print(
        f"rendered {len(run.written)} feedback page(s), {run.unchanged} unchanged, for {len(students)} student(s) "
        f"in feedback/<student>/{args.assignment}/"
    )
    return 0


def _report(course, args):
    from .reporting.class_report import summary_lines, write_class_report
    from .reporting.course_view import write_course_view

    course.source_notebooks(args.assignment)  # a clear error for an unknown assignment
    _must_write(os.path.dirname(course.report(args.assignment, "report.html")))
    path, numbers = write_class_report(course, args.assignment)
    for line in summary_lines(numbers):
        print(visible(line))
    print(
        f"class report: {os.path.relpath(path)} (numbers in {args.assignment}_report.json, "
        f"per-check failure rates in {args.assignment}_checks.csv)"
    )
    print(f"course view: {os.path.relpath(write_course_view(course))} (every student by every assignment; course.csv)")
    return 0


def _rescore(course, args):
    from .grading.rescore import rescore

    _must_write(os.path.join(course.root, "autograded"))
    report = rescore(course, args.assignment, args.workers or course.settings.worker_count)
    for outcome in report.outcomes:
        print(f"{visible(outcome.student)}: {outcome.score:g} / {outcome.max_score:g}")
    for student, problem in report.problems:
        print(f"autograder: could not rescore {visible(student)}: {visible(problem)}", file=sys.stderr)
    print(f"rescored {len(report.outcomes)} submission(s) in {report.seconds:.1f} s without executing any notebook")
    return status.EXIT_NOT_GRADED if report.problems else status.EXIT_OK


def _check(course, args):
    from .errors import CourseError
    from .grading.check import check, check_result, course_at, format_check

    if not os.path.lexists(args.notebook):
        raise CourseError(f"No file {args.notebook}: give the path of an existing notebook (.ipynb).")
    mode, outcome = check(args.notebook, course_at(args.course_dir), args.assignment)
    print(json.dumps(check_result(mode, outcome), indent=1) if args.json else format_check(mode, outcome))
    return 0 if outcome.graded and all(c["passed"] for c in outcome.checks) else 1


def _demo(course, args):
    from .demo.run import run_demo

    run_demo(course, args.output, args.workers or course.settings.worker_count, only=args.only)
    return 0


def _positive(kind, what):
    """An argparse type: a positive ``kind``, or an error saying what was expected."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


def _scheduler(text):
    """An argparse type: a Dask scheduler address, checked before any connection is tried."""
    match = SCHEDULER_ADDRESS.fullmatch(text)
    if not match or not 0 < int(match[1]) < 65536:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address: give host:port or tcp://host:port, as `dask scheduler` prints it"
        )
    return text


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to read more, with exit status 1
    (2 is ``grade``'s "some submission could not be graded")."""

    def error(self, message):
        self.exit(status.EXIT_ERROR, f"{self.prog}: {message}; see `{self.prog} --help`\n")


def _under_lock(handler, name):
    """``handler`` run while holding the assignment's course lock (autograder/lock.py): one writer
    per assignment, whether it runs here, from formgrader's buttons or from the JupyterLab panel."""

    def run(course, args):
        from .lock import AssignmentLock

        say = lambda text: print(f"autograder: {text}", file=sys.stderr, flush=True)  # noqa: E731
        with AssignmentLock(course.root, args.assignment, f"autograder {name} {args.assignment}", say).acquire(
            wait=args.wait
        ):
            return handler(course, args)

    return run


def _command(
    commands,
    name,
    handler,
    summary,
    description=None,
    needs_course=True,
    assignment=True,
    workers=None,
    locked=False,
    epilog=None,
):
    """One subcommand: its summary, its --help text, the function that runs it, its assignment,
    ``workers``, the help of its --workers option when it runs in parallel, and ``locked``
    when it writes the assignment's results (it then holds the course lock, and has --wait)."""
    formatter = argparse.RawDescriptionHelpFormatter if epilog else argparse.HelpFormatter
    command = commands.add_parser(
        name, help=summary, description=description or summary, epilog=epilog, formatter_class=formatter
    )
    command.set_defaults(handler=_under_lock(handler, name) if locked else handler, needs_course=needs_course)
    if assignment:
        command.add_argument("assignment", help="assignment name, e.g. fc_nets")
    if locked:
        command.add_argument(
            "--wait",
            action="store_true",
            help="when another run holds this assignment's lock, wait for it to finish instead of stopping",
        )
    if workers:
        command.add_argument(
            "--workers",
            type=_positive(int, "a positive whole number"),
            help=f"{workers} (default: c.Autograder.workers, else one per core)",
        )
    return command


GRADE_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (  # flag, help, argparse options
    (
        "--submissions",
        "a folder in nbgrader's submitted/ layout, or an LMS zip export (default: <course>/submitted)",
        {},
    ),
    (
        "--zip-pattern",
        "how the zip export names files: canvas (default), blackboard[:<time zone>], or a regular "
        "expression with groups student_id, file_id and optionally timestamp, late",
        {},
    ),
    (
        "--scheduler",
        "address of a dask.distributed scheduler to run on (host:port or tcp://host:port)",
        {"type": _scheduler},
    ),
    (
        "--cell-timeout",
        "seconds per cell (default: c.Execute.timeout in nbgrader_config.py)",
        {"type": _positive(float, "a positive number of seconds")},
    ),
    (
        "--notebook-timeout",
        "seconds per notebook (default: c.Autograder.notebook_timeout)",
        {"type": _positive(float, "a positive number of seconds")},
    ),
    ("--force", "regrade unchanged submissions too", {"action": "store_true"}),
    ("--json", "print the result as JSON", {"action": "store_true"}),
    (
        "--unsafe-no-sandbox",
        "run student kernels without bubblewrap (only where that risk is accepted)",
        {"action": "store_true"},
    ),
)


def build_parser():
    parser = _Parser(
        prog="autograder",
        description="Release, grade and report on the course's nbgrader assignments.",
    )
    parser.add_argument("--course-dir", help="course directory (default: the nearest folder with nbgrader_config.py)")
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="print the toolkit's version (workers must run the same) and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    releasing = _command(
        commands,
        "release",
        _release,
        "record expected values, generate the student version, leak-check it, prove its checks",
        "Record expected values from the reference, generate the student version with nbgrader, "
        "leak-check it, and prove the checks: the mistakes and correct alternatives of "
        "grading_bundle/<assignment>/mistakes.py and a forge-everything submission are graded, and "
        "the release is refused unless every mistake loses points, every alternative keeps full marks "
        "and forgery earns nothing. Writes grading_bundle/<assignment>/check_quality.md. When nothing "
        "the last proven release depends on changed (course/, the source folder, mistakes.py, heldout.py, "
        "nbgrader_config.py, the toolkit) and its outputs are intact, it says so and proves nothing.",
        locked=True,
    )
    releasing.add_argument(
        "--force", action="store_true", help="release and prove again even when nothing changed since the last proof"
    )
    creating = _command(
        commands,
        "new",
        _new,
        "scaffold an assignment that releases and proves at once",
        "Write a new assignment: a reference function in course/<assignment>.py, the manifest and a "
        "source notebook (one solution cell, one test cell) in source_assignments/<assignment>/, an "
        "empty mistake library and the mutation-testing probe in grading_bundle/<assignment>/. "
        "Nothing existing is overwritten. docs/AUTHORING.md goes on from there.",
    )
    creating.add_argument("--title", help="the assignment's title (default: from its name)")
    _command(commands, "leaks", _leaks, "leak-check an existing release folder")
    mutating = _command(
        commands,
        "mutants",
        _mutants,
        "mutation-test the checks of a released assignment",
        "Generate mutants of every solution cell (operator swaps, constants, dropped terms, axes, "
        "transposes, off-by-one, removed state updates, in-place versus copy), set aside those "
        "equivalent to the reference on random inputs, and run the others through the test cells "
        "that depend on their cell. Prints `mutants killed: K/M, accepted: A, equivalent: E` and "
        "every survivor; accepted survivors and probes live in grading_bundle/<assignment>/mutants.py.",
        workers="worker processes",
    )
    mutating.add_argument("--cells", nargs="+", help="mutate only these solution cells (grade ids; default: all)")

    syncing = _command(
        commands,
        "sync",
        _sync,
        "copy solution cells from course/ and write the generated files",
        "Copy the source notebooks' solution cells from course/, and write the files generated "
        "beside them (the nnsupport package, public_checks.json).",
        assignment=False,
    )
    syncing.add_argument("assignments", nargs="*", help="assignment names (default: every assignment)")
    syncing.add_argument(
        "--generated-only",
        action="store_true",
        help="write only the generated files, leave the notebooks alone (make setup)",
    )

    grading = _command(
        commands,
        "grade",
        _grade,
        "grade every submission in parallel into nbgrader's gradebook",
        "Execute submissions in parallel workers (or on a Dask cluster), judge them and record the "
        "grades in nbgrader's gradebook; writes reports/<assignment>_grades.csv (feedback pages: "
        "`autograder feedback`). Unchanged submissions are skipped.",
        workers="local worker processes",
        locked=True,
        epilog=status.EXIT_STATUS_HELP,
    )
    for flag, help_text, options in GRADE_OPTIONS:
        grading.add_argument(flag, help=help_text, **options)

    dating = _command(
        commands,
        "due",
        _due,
        "set an assignment's due date, read strictly in a named time zone",
        "Store the assignment's due date in nbgrader's gradebook (in UTC, as nbgrader does) from an ISO "
        "date and time and an IANA time zone, and print it back in both. Unlike `nbgrader db assignment "
        "add --duedate`, an offset is never misread and an unknown zone or abbreviation (PST) is refused. "
        "Warns when a release holding this assignment's answers went out before the new due date.",
        locked=True,
    )
    dating.add_argument("when", help="date and time, e.g. '2026-12-10 17:00' or 2026-12-10T17:00-08:00")
    dating.add_argument("--zone", help="the IANA time zone WHEN is in, e.g. America/Los_Angeles (or UTC)")

    _command(
        commands,
        "feedback",
        _feedback,
        "write per-student feedback HTML (verdicts, never hidden tests)",
        "Render feedback/<student>/<assignment>/*.html for every graded submission: each check's "
        "name, verdict, points and error size; never hidden test code or expected values (which "
        "nbgrader's own feedback would show). A page whose inputs did not change since it was "
        "rendered (the autograded notebook, its gradebook scores and comments, the release, "
        "nbgrader_config.py, the toolkit) is left as it is.",
        workers="processes rendering in parallel",
        locked=True,
    )

    _command(
        commands,
        "report",
        _report,
        "the class report: who needs help, questions by difficulty, "
        "the mistakes diagnosed, late and hand-grading counts",
        "Print the counts and who needs help first; write reports/<assignment>_report.html (no "
        "script) with links to their feedback pages, and the same numbers as _report.json and "
        "_checks.csv, from the gradebook and the grader's state files.",
    )
    _command(
        commands,
        "rescore",
        _rescore,
        "judge recorded values again after a tolerance or points change",
        "Re-judge every recorded submission against the current grading bundle and gradebook "
        "points, from the values recorded when it was graded, without executing any notebook.",
        workers="processes judging in parallel",
        locked=True,
        epilog=status.EXIT_STATUS_HELP,
    )

    checking = _command(
        commands,
        "check",
        _check,
        "grade one notebook and print each check",
        "Grade one notebook: public checks only when run by a student, every check (hidden ones "
        "too) when run by an instructor in the course directory (or with --course-dir). The "
        "course is never looked for from the notebook's location.",
        needs_course=False,
        assignment=False,
    )
    checking.add_argument("notebook")
    checking.add_argument(
        "--assignment", help="the assignment to check against (default: the notebook's folder name), for instructors"
    )
    checking.add_argument("--json", action="store_true")

    demo = _command(
        commands,
        "demo",
        _demo,
        "the full round trip on the embedded data, in outputs/demo",
        "Copy the course into a scratch folder; for each assignment, release it, generate a class of "
        "sample submissions, grade them in parallel, write the CSV, feedback and class report; then the "
        "course view. Proofs run are kept in <output>.proofs and reused while their inputs are unchanged.",
        assignment=False,
        workers="grading processes",
    )
    demo.add_argument("--output", default="outputs/demo", help="scratch course folder")
    demo.add_argument(
        "--only",
        action="append",
        metavar="ASSIGNMENT",
        help="run the round trip for this assignment alone (repeat for several; default: every assignment)",
    )
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised where the main thread is, so that it stops as Ctrl-C does."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _interrupted(how, exit_status):
    print(
        f"autograder: {how}: every submission recorded so far is kept; run the same command again to finish",
        file=sys.stderr,
        flush=True,
    )
    return exit_status


def main(argv=None):
    # nbformat validates with jsonschema, which imports rfc3987_syntax for IRI formats that no
    # notebook schema uses; building its grammar costs 0.7 s of every command's start.
    sys.modules.setdefault("rfc3987_syntax", None)

    log_visibly()
    args = build_parser().parse_args(argv)
    os.environ.update(PATH=tool_environment()["PATH"])  # nbgrader's gradebook runs `alembic`
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        from .course import find_course

        course = find_course(args.course_dir) if args.needs_course else None
        return args.handler(course, args)
    except AutograderError as error:
        print(f"autograder: {visible(error)}", file=sys.stderr, flush=True)
        return getattr(error, "exit_status", status.EXIT_ERROR)  # or what the error says (75: run it again)
    except OSError as error:  # the machine's: a read-only or full course folder, a missing file
        where = f" {visible(error.filename)}" if error.filename else ""
        print(
            f"autograder: cannot use{where}: {error.strerror or error}; make it readable and writable by whoever "
            "runs this command (or free space) and run the same command again",
            file=sys.stderr,
            flush=True,
        )
        return status.EXIT_ERROR
    except KeyboardInterrupt:
        return _interrupted("interrupted (Ctrl-C)", status.EXIT_INTERRUPTED)
    except _Terminated:
        return _interrupted("stopped (SIGTERM)", 128 + signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
