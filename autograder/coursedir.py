"""Where the course lives: the folder holding nbgrader_config.py, and its layout."""

import os
from dataclasses import dataclass


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
