"""The course directory: the folder holding nbgrader_config.py, its layout and its configuration.

Every command works on one ``Course``. Its configuration is the course's own
nbgrader_config.py (trusted instructor code), loaded once; the gradebook URL, the
course id and our settings (``c.Autograder``) are read from it here and nowhere else.
"""

import functools
import os
import shutil

from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from .errors import CourseError
from .manifest import MANIFEST_FILE, load_manifest, with_course
from .settings import Autograder

CONFIG_FILE = "nbgrader_config.py"
REFERENCE_PACKAGE = "course"
SOURCE_DIRECTORY = "source_assignments"
RELEASE_DIRECTORY = "release"
BUNDLE_DIRECTORY = "grading_bundle"
# What an instructor's course directory holds besides student data.
INSTRUCTOR_FILES = (CONFIG_FILE, REFERENCE_PACKAGE, SOURCE_DIRECTORY, BUNDLE_DIRECTORY, RELEASE_DIRECTORY)


class Course:
    """One course directory and the configuration its nbgrader_config.py gives."""

    def __init__(self, root):
        self.root = os.path.abspath(root)

    def __repr__(self):
        return f"Course({self.root!r})"

    def __getstate__(self):
        return {"root": self.root}  # worker processes load the configuration again

    def __setstate__(self, state):
        self.root = state["root"]

    # --- layout -------------------------------------------------------------------------
    @property
    def reference_dir(self):
        """The reference package (solutions); never shipped, never on a kernel's path."""
        return os.path.join(self.root, REFERENCE_PACKAGE)

    @property
    def bundle_dir(self):
        """The grading bundles: expected values and check reports, never shipped."""
        return os.path.join(self.root, BUNDLE_DIRECTORY)

    def source(self, assignment):
        return os.path.join(self.root, SOURCE_DIRECTORY, assignment)

    def release(self, assignment):
        return os.path.join(self.root, RELEASE_DIRECTORY, assignment)

    def autograded(self, student, assignment):
        return os.path.join(self.root, "autograded", student, assignment)

    def feedback(self, student, assignment):
        return os.path.join(self.root, "feedback", student, assignment)

    def report(self, assignment, suffix):
        return os.path.join(self.root, "reports", f"{assignment}_{suffix}")

    def assignments(self):
        folder = os.path.join(self.root, SOURCE_DIRECTORY)
        return (
            sorted(name for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name)))
            if os.path.isdir(folder)
            else []
        )

    def source_notebooks(self, assignment):
        """The source notebooks of ``assignment``; a CourseError naming the others if it is unknown."""
        folder = self.source(assignment)
        if not os.path.isdir(folder):
            raise CourseError(
                f"No assignment {assignment!r}: {folder} does not exist "
                f"(assignments here: {', '.join(self.assignments()) or 'none'})."
            )
        notebooks = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".ipynb"))
        if not notebooks:
            raise CourseError(f"Assignment {assignment!r} has no notebook in {folder}.")
        return notebooks

    def manifest(self, assignment):
        """``source_assignments/<assignment>/assignment.toml``, validated against the course (manifest.py)."""
        self.source_notebooks(assignment)  # a clear error for an unknown assignment
        return with_course(self._own_manifest(assignment), self.other_manifests(assignment))

    def _own_manifest(self, assignment):
        return load_manifest(os.path.join(self.source(assignment), MANIFEST_FILE), assignment, self.reference_dir)

    def manifests_as_written(self):
        """name -> manifest of every assignment of the course (as written, not cross-checked)."""
        return {name: self._own_manifest(name) for name in self.assignments()}

    def other_manifests(self, assignment):
        """name -> manifest of every other assignment of the course (as written, not cross-checked)."""
        return {other: manifest for other, manifest in self.manifests_as_written().items() if other != assignment}

    def notebook_names(self, assignment):
        return [os.path.splitext(os.path.basename(path))[0] for path in self.source_notebooks(assignment)]

    # --- configuration ------------------------------------------------------------------
    @functools.cached_property
    def config(self):
        """The course's nbgrader_config.py as a traitlets Config."""
        try:
            return PyFileConfigLoader(CONFIG_FILE, path=self.root).load_config()
        except ConfigFileNotFound:
            raise CourseError(f"No {CONFIG_FILE} in {self.root}.") from None

    @property
    def db_url(self):
        return self.config.CourseDirectory.get("db_url", "sqlite:///" + os.path.join(self.root, "gradebook.db"))

    @property
    def course_id(self):
        return self.config.CourseDirectory.get("course_id", "default_course")

    @functools.cached_property
    def settings(self):
        """Our ``c.Autograder`` settings, validated."""
        return Autograder(config=self.config)


def find_course(course_dir=None):
    """The course: exactly ``course_dir`` when given, else the nearest folder at or above the
    working directory that holds nbgrader_config.py."""
    if course_dir is not None:
        if not os.path.isfile(os.path.join(course_dir, CONFIG_FILE)):
            raise CourseError(
                f"--course-dir {course_dir}: no {CONFIG_FILE} there; give the course "
                "directory itself (the folder holding nbgrader_config.py)."
            )
        return Course(course_dir)
    folder = os.getcwd()
    while True:
        if os.path.isfile(os.path.join(folder, CONFIG_FILE)):
            return Course(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            raise CourseError(
                f"No {CONFIG_FILE} in {os.getcwd()} or any folder above it: run autograder inside "
                "the course directory, or pass --course-dir."
            )
        folder = parent


def copy_instructor_files(source_root, target):
    """A copy of a course's instructor files (no gradebook, no submissions) in ``target``."""
    os.makedirs(target, exist_ok=True)
    for name in INSTRUCTOR_FILES:
        source = os.path.join(source_root, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(target, name), ignore=shutil.ignore_patterns("__pycache__"))
        elif os.path.exists(source):
            shutil.copy(source, os.path.join(target, name))
    return Course(target)
