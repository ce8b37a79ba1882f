"""An assignment's authored grading material: Python files beside its grading bundle.

``grading_bundle/<assignment>/`` holds, besides what ``autograder release`` writes,
files the instructor writes and nothing ever ships to students:

- ``mistakes.py``: the library of realistic mistakes and correct alternatives that the
  release runs through the checks (see ``library``);
- ``heldout.py``: the held-out examples of accuracy checks, which exist only here
  (see ``expected``).

They are trusted instructor code, like ``nbgrader_config.py``, run with the course
directory importable (so they can build on ``course/``).
"""

import os
import runpy
import sys

from ..errors import ReleaseError


def material_path(course, assignment, filename):
    return os.path.join(course.bundle_dir, assignment, filename)


def run_material(course, assignment, filename):
    """The namespace of ``grading_bundle/<assignment>/<filename>``; ReleaseError if it is missing."""
    path = material_path(course, assignment, filename)
    if not os.path.isfile(path):
        raise ReleaseError(
            f"{path} does not exist: {assignment} needs it to release (see "
            "autograder/authoring/material.py for what it holds)."
        )
    sys.path.insert(0, course.root)
    try:
        return runpy.run_path(path, run_name=f"grading_material_{assignment}")
    finally:
        sys.path.remove(course.root)
