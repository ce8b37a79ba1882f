"""Where the course lives: the folder holding nbgrader_config.py, and its layout."""

import os
import shutil
from dataclasses import dataclass

# What an instructor's course directory holds besides student data.
INSTRUCTOR_FILES = ("nbgrader_config.py", "course", "source_assignments", "grading", "release")


class CourseError(Exception):
    """The course directory or an assignment in it is missing or malformed."""


@dataclass(frozen=True)
class Course:
    root: str

    @property
    def course_dir(self):
        """The reference package (solutions); never shipped, never on a kernel's path."""
        return os.path.join(self.root, "course")

    @property
    def grading_dir(self):
        return os.path.join(self.root, "grading")

    def source(self, assignment):
        return os.path.join(self.root, "source_assignments", assignment)

    def release(self, assignment):
        return os.path.join(self.root, "release", assignment)

    def source_notebooks(self, assignment):
        folder = self.source(assignment)
        if not os.path.isdir(folder):
            available = sorted(os.listdir(os.path.dirname(folder))) if os.path.isdir(
                os.path.dirname(folder)) else []
            raise CourseError(
                f"No assignment {assignment!r}: {folder} does not exist "
                f"(assignments here: {', '.join(available) or 'none'})."
            )
        notebooks = sorted(
            os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".ipynb")
        )
        if not notebooks:
            raise CourseError(f"Assignment {assignment!r} has no notebook in {folder}.")
        return notebooks


def find_course(start=None):
    """The nearest folder at or above ``start`` (default: cwd) with nbgrader_config.py."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.isfile(os.path.join(folder, "nbgrader_config.py")):
            return Course(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            raise CourseError(
                f"No nbgrader_config.py in {os.path.abspath(start or os.getcwd())} or any "
                "folder above it: run autograder inside the course directory, or pass "
                "--course-dir."
            )
        folder = parent


def copy_instructor_files(source_root, target):
    """A copy of a course's instructor files (no gradebook, no submissions) in ``target``."""
    os.makedirs(target, exist_ok=True)
    for name in INSTRUCTOR_FILES:
        source = os.path.join(source_root, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(target, name), ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, os.path.join(target, name))
    return Course(os.path.abspath(target))
