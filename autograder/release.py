"""``autograder release ASSIGNMENT``: from the source notebooks to what students get.

1. refuse if a solution cell has drifted from ``course/``;
2. rebuild the student-safe ``nnsupport`` package next to the source notebooks;
3. run the source notebooks (the reference) and record every check's expected value
   into the grading bundle ``grading/<assignment>/``, and the public checks' values
   into ``public_checks.json`` next to the notebooks;
4. run nbgrader's ``generate_assignment`` into a staging folder (it also records the
   assignment's cells in the gradebook, which autograding relies on);
5. run the leak check on the staging folder and only then replace ``release/<assignment>``.
"""

import os
import shutil
import subprocess
import sys

from .bundle import bundle_path, load_bundle, write_json
from .coursedir import CourseError
from .kernel_env import tool_environment
from .leaks import find_leaks
from .recording import checks_from_executed, execute_in_scratch_copy, public_expectations
from .solutions import drifted_cells
from .student_checks import PUBLIC_CHECKS_FILE
from .support import write_support_package

STAGING_DIRECTORY = ".release-staging"


class ReleaseError(Exception):
    """The assignment cannot be released as it stands."""


def record_bundles(course, assignment, log=print):
    """Steps 2 and 3: support package, grading bundles and public expectations."""
    notebooks = course.source_notebooks(assignment)
    for path in notebooks:
        drifted = drifted_cells(path, course.course_dir)
        if drifted:
            raise ReleaseError(
                f"{path}: solution cells {', '.join(drifted)} differ from their definitions in "
                f"course/. Run `autograder sync {assignment}` to copy them from course/."
            )
    write_support_package(course.course_dir, course.source(assignment))

    bundles, public = {}, {}
    for path in notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        log(f"recording expected values from {os.path.relpath(path, course.root)}")
        cells = checks_from_executed(execute_in_scratch_copy(path), path)
        bundles[name] = {"assignment": assignment, "notebook": name, "cells": cells}
        public.update(public_expectations(cells))
        write_json(bundle_path(course.grading_dir, assignment, name), bundles[name])
    write_json(os.path.join(course.source(assignment), PUBLIC_CHECKS_FILE), public)
    return bundles


def generate_with_nbgrader(course, assignment, release_directory):
    """nbgrader's own generate_assignment, configured by the course's nbgrader_config.py."""
    command = [
        sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
        f"--CourseDirectory.release_directory={release_directory}",
    ]
    result = subprocess.run(
        command, cwd=course.root, capture_output=True, text=True, env=tool_environment()
    )
    if result.returncode != 0:
        raise ReleaseError(
            f"nbgrader generate_assignment {assignment} failed:\n{result.stdout}{result.stderr}"
        )


def release(course, assignment, log=print):
    """Release ``assignment``; returns the release folder. Raises ReleaseError on a leak."""
    bundles = record_bundles(course, assignment, log)
    staging_root = os.path.join(course.root, STAGING_DIRECTORY)
    shutil.rmtree(staging_root, ignore_errors=True)
    try:
        log("generating the student version with nbgrader")
        generate_with_nbgrader(course, assignment, STAGING_DIRECTORY)
        staged = os.path.join(staging_root, assignment)
        all_cells = {
            grade_id: specs for bundle in bundles.values() for grade_id, specs in bundle["cells"].items()
        }
        leaks = find_leaks(staged, course.source_notebooks(assignment), course.course_dir, all_cells)
        if leaks:
            raise ReleaseError(
                f"Refusing to release {assignment}: {len(leaks)} leak(s) found:\n  "
                + "\n  ".join(leaks)
            )
        target = course.release(assignment)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(staged, target)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    log(f"released {os.path.relpath(target, course.root)}: leak check clean")
    return target


def check_release(course, assignment):
    """Leak-check an existing release folder (for `autograder leaks`)."""
    target = course.release(assignment)
    if not os.path.isdir(target):
        raise CourseError(f"{target} does not exist: run `autograder release {assignment}`.")
    cells = {}
    for path in course.source_notebooks(assignment):
        name = os.path.splitext(os.path.basename(path))[0]
        cells.update(load_bundle(course.grading_dir, assignment, name)["cells"])
    return find_leaks(target, course.source_notebooks(assignment), course.course_dir, cells)
