"""``autograder release ASSIGNMENT``: from the source notebooks to what students get.

1. refuse if a solution cell has drifted from ``course/``;
2. rebuild the student-safe ``nnsupport`` package next to the source notebooks;
3. run the source notebooks (the reference) and record every check's expected value
   into the grading bundle ``grading_bundle/<assignment>/`` (held-out examples from its
   ``heldout.py``), and the public checks' values into ``public_checks.json`` next to
   the notebooks;
4. run nbgrader's ``generate_assignment`` into a staging folder (it also records the
   assignment's cells in the gradebook, which autograding relies on);
5. run the leak check on the staging folder, then the ``verify`` step the caller
   injects (the command line proves the checks with ``autograder.proving``: it may
   refuse, and may add to the bundle and the staged public checks), then the leak
   check again, and only then replace ``release/<assignment>``.
"""

import os
import shutil
import subprocess
import sys

from ..bundle import bundle_path, load_bundle
from ..checks import PUBLIC_CHECKS_FILE
from ..environments import tool_environment
from ..errors import CourseError, ReleaseError
from ..manifest import solutions_handed_out
from ..rounding import keeping_bytes_of, write_json
from .expected import checks_from_executed, execute_in_scratch_copy
from .leaks import find_leaks
from .material import material_path, run_material
from .support_package import write_support_package
from .sync import check_cells, drifted_cells, write_public_checks

STAGING_DIRECTORY = ".release-staging"
# Set while our release runs nbgrader's generate_assignment: the Generate hooks stand aside.
RELEASING_ENV = "AUTOGRADER_RELEASING"
# A copy of the last release published, to put back when nbgrader's Generate is refused.
LAST_RELEASE_DIRECTORY = ".last-release"


def last_release(course, assignment):
    return os.path.join(course.root, LAST_RELEASE_DIRECTORY, assignment)


HELDOUT_FILE = "heldout.py"


def record_bundles(course, assignment, log=print):
    """Steps 1 to 3: the grading bundles, the support package and the public expectations."""
    notebooks, manifest = course.source_notebooks(assignment), course.manifest(assignment)
    check_cells(notebooks, course.reference_dir, manifest)
    for path in notebooks:
        drifted = drifted_cells(path, course.reference_dir, manifest)
        if drifted:
            raise ReleaseError(
                f"{path}: solution cells {', '.join(drifted)} differ from their definitions in "
                f"course/. Run `autograder sync {assignment}` to copy them from course/."
            )
    write_support_package(course.reference_dir, course.source(assignment), manifest)
    heldout_file = material_path(course, assignment, HELDOUT_FILE)
    heldout = run_material(course, assignment, HELDOUT_FILE)["HELDOUT"] if os.path.isfile(heldout_file) else {}

    bundles = []
    for path in notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        log(f"recording expected values from {os.path.relpath(path, course.root)}")
        executed = execute_in_scratch_copy(path, timeout=course.settings.notebook_timeout)
        bundle = {"assignment": assignment, "notebook": name, "cells": checks_from_executed(executed, path, heldout)}
        write_json(bundle_path(course.bundle_dir, assignment, name), bundle)
        bundles.append(bundle)
    _check_kinds(manifest, bundles)
    # From the bundles as written (each value settled against the last release), never by
    # itself: a public check must carry its bundle's bits.
    write_public_checks(
        course, assignment, [load_bundle(course.bundle_dir, assignment, b["notebook"]) for b in bundles]
    )
    return bundles


def _check_kinds(manifest, bundles):
    """ReleaseError when the notebooks record a kind of check the manifest does not declare."""
    recorded = {spec["kind"] for bundle in bundles for specs in bundle["cells"].values() for spec in specs}
    undeclared = sorted(recorded - set(manifest.check_kinds))
    if undeclared:
        raise ReleaseError(
            f"{manifest.path}: the notebooks record check kind(s) {', '.join(undeclared)}, which `checks.kinds` "
            "does not list: add them there."
        )


def generate_with_nbgrader(course, assignment, release_directory):
    """nbgrader's own generate_assignment, configured by the course's nbgrader_config.py."""
    command = [
        sys.executable,
        "-m",
        "nbgrader",
        "generate_assignment",
        assignment,
        "--force",
        f"--CourseDirectory.release_directory={release_directory}",
    ]
    result = subprocess.run(
        command, cwd=course.root, capture_output=True, text=True, env={**tool_environment(), RELEASING_ENV: "1"}
    )
    if result.returncode != 0:
        raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n{result.stdout}{result.stderr}")


def _all_cells(bundles):
    return {grade_id: specs for bundle in bundles for grade_id, specs in bundle["cells"].items()}


def _leaks(course, assignment, folder, bundles):
    """What of the solutions, hidden tests and expected values ``folder`` gives away."""
    notebooks, manifest = course.source_notebooks(assignment), course.manifest(assignment)
    return find_leaks(folder, notebooks, course.reference_dir, _all_cells(bundles), manifest)


def _refuse_leaks(course, assignment, staged, bundles):
    leaks = _leaks(course, assignment, staged, bundles)
    if leaks:
        raise ReleaseError(f"Refusing to release {assignment}: {len(leaks)} leak(s) found:\n  " + "\n  ".join(leaks))


def release(course, assignment, log=print, verify=None):
    """Release ``assignment``; returns the release folder.

    ``verify(staged_release_dir)``, when given, runs after the leak check and before the
    release replaces the previous one; it may raise ReleaseError. Raises ReleaseError on a
    leak, keeping the previous release.
    """
    with keeping_bytes_of(_recorded_outputs(course, assignment)):
        return _release(course, assignment, log, verify)


def release_outputs(course, assignment):
    """The files a release regenerates beside the student version: bundles, reports, public checks."""
    return [*_recorded_outputs(course, assignment), os.path.join(course.source(assignment), PUBLIC_CHECKS_FILE)]


def _recorded_outputs(course, assignment):
    """The outputs recorded from runs, which keep their earlier bytes up to rounding: bundles and
    reports. ``public_checks.json`` is derived from the bundles on disk and so settles with them."""
    folder = os.path.join(course.bundle_dir, assignment)
    bundles = [bundle_path(course.bundle_dir, assignment, name) for name in course.notebook_names(assignment)]
    return [*bundles, *(os.path.join(folder, name) for name in ("check_quality.json", "check_quality.md"))]


def _release(course, assignment, log, verify):
    bundles = record_bundles(course, assignment, log)
    # One staging folder per assignment: two assignments may be released at once (each holds
    # only its own lock), and each clears only its own staging.
    staging = os.path.join(STAGING_DIRECTORY, assignment)
    staging_root = os.path.join(course.root, staging)
    shutil.rmtree(staging_root, ignore_errors=True)
    try:
        log("generating the student version with nbgrader")
        generate_with_nbgrader(course, assignment, staging)
        staged = os.path.join(staging_root, assignment)
        _refuse_leaks(course, assignment, staged, bundles)
        if verify is not None:
            verify(staged)
            bundles = [load_bundle(course.bundle_dir, assignment, name) for name in course.notebook_names(assignment)]
            _refuse_leaks(course, assignment, staged, bundles)
        target = course.release(assignment)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(staged, target)
        shutil.rmtree(last_release(course, assignment), ignore_errors=True)
        shutil.copytree(target, last_release(course, assignment))
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    log(f"released {os.path.relpath(target, course.root)}: leak check clean")
    handed_out = solutions_handed_out(course.manifest(assignment), course.other_manifests(assignment))
    for earlier, definitions in handed_out.items():
        log(
            f"{assignment} ships {len(definitions)} of {earlier}'s answers solved in nnsupport (support.solved_after): "
            f"nbgrader release_assignment hands it out only once {earlier} is past its due date"
        )
    return target


def check_release(course, assignment):
    """Leak-check an existing release folder (for `autograder leaks`)."""
    target = course.release(assignment)
    if not os.path.isdir(target):
        raise CourseError(f"{target} does not exist: run `autograder release {assignment}`.")
    bundles = [load_bundle(course.bundle_dir, assignment, name) for name in course.notebook_names(assignment)]
    return _leaks(course, assignment, target, bundles)
