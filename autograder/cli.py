"""The ``autograder`` command: one entry point whose subcommands follow the pipeline."""

import argparse
import sys

from .bundle import BundleError
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
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        course = find_course(args.course_dir)
        return args.handler(course, args)
    except (CourseError, ReleaseError, RecordingError, BundleError) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
