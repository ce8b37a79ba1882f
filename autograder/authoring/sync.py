"""Keep an assignment's source folder in step with ``course/`` and its grading bundle.

1. The assignment's manifest names the course definitions students write
   (``layers.affine_forward``, ``fc_net.FullyConnectedNet``, ...) and the modules given whole
   (``layer_utils``: CS231n's sandwich layers, built on the student's own layers). Each
   written definition has one solution cell whose nbgrader ``grade_id`` is its name and
   which contains exactly its source; each provided module one locked cell named after it
   holding every definition of that module; a solution cell named after another course
   definition is refused (nnsupport would ship that definition solved). ``drifted_cells``
   lists the cells that differ (``autograder release`` refuses to release them);
   ``sync_solutions`` rewrites them.
2. The files generated beside the source notebook, never committed there: the
   student-safe ``nnsupport`` package (from ``course/``) and ``public_checks.json``
   (from the grading bundle). nbgrader copies both into the release and restores them
   over every submission, so plain nbgrader needs them right after a clone too.
"""

import os

import nbformat
from nbgrader import utils

from ..bundle import load_bundle
from ..checks import PUBLIC_CHECKS_FILE
from ..errors import BundleError, ReleaseError
from ..manifest import module_definitions
from ..rounding import write_json
from .expected import public_expectations
from .support_package import write_support_package


def reference_definitions(reference_dir, manifest):
    """grade_id -> exact source text: each definition students write, each provided module whole."""
    definitions = {}
    for entry in manifest.writes:
        module, name = entry.split(".", 1)
        definitions[name] = next(d[3] for d in module_definitions(reference_dir, module) if d[0] == name)
    for module in manifest.provided:
        definitions[module] = "\n\n\n".join(d[3] for d in module_definitions(reference_dir, module))
    return definitions


def _course_names(reference_dir):
    """name -> the "module.name" entries of every top-level definition in course/ called so."""
    names = {}
    for filename in sorted(os.listdir(reference_dir)):
        module, ext = os.path.splitext(filename)
        if ext == ".py":
            for definition in module_definitions(reference_dir, module):
                names.setdefault(definition[0], []).append(f"{module}.{definition[0]}")
    return names


def check_cells(notebook_paths, reference_dir, manifest):
    """ReleaseError unless the notebooks hold exactly the cells the manifest promises: a solution
    cell per written definition, a locked cell per provided module, and no solution cell named
    after a course definition the manifest does not list (nnsupport would ship it solved)."""
    found, course_names = {}, _course_names(reference_dir)
    for path in notebook_paths:
        for cell in nbformat.read(path, as_version=4).cells:
            name = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or not name:
                continue
            if utils.is_solution(cell):
                found[name] = "solution"
                if name in course_names and not set(course_names[name]) & set(manifest.writes):
                    raise ReleaseError(
                        f"{path}: solution cell {name!r} is course definition {' or '.join(course_names[name])}, which "
                        f"{manifest.path} does not list under `students.write`: add it there (then nnsupport "
                        "ships it stubbed), or rename the cell."
                    )
            elif utils.is_locked(cell):
                found[name] = "locked"
    for entry in manifest.writes:
        if found.get(entry.split(".", 1)[1]) != "solution":
            raise ReleaseError(
                f"{manifest.path}: students write {entry}, but no notebook has a solution cell with grade_id "
                f"{entry.split('.', 1)[1]!r}: add one (`autograder sync` then fills it from course/)."
            )
    for module in manifest.provided:
        if found.get(module) != "locked":
            raise ReleaseError(
                f"{manifest.path}: module {module} is provided, but no notebook has a locked cell with "
                f"grade_id {module!r}: add one (`autograder sync` then fills it from course/)."
            )


def _synced_cells(nb, definitions):
    for cell in nb.cells:
        if cell.cell_type == "code" and (utils.is_solution(cell) or utils.is_locked(cell)):
            name = cell.metadata.get("nbgrader", {}).get("grade_id")
            if name in definitions:
                yield cell, name


def drifted_cells(notebook_path, reference_dir, manifest):
    """grade_ids of solution cells whose source differs from the course definition."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(reference_dir, manifest)
    return [name for cell, name in _synced_cells(nb, definitions) if cell.source != definitions[name]]


def sync_solutions(notebook_path, reference_dir, manifest):
    """Rewrite drifted solution cells from ``course/``; returns the grade_ids changed."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(reference_dir, manifest)
    changed = []
    for cell, name in _synced_cells(nb, definitions):
        if cell.source != definitions[name]:
            cell.source = definitions[name]
            changed.append(name)
    if changed:
        nbformat.write(nb, notebook_path)
    return changed


def write_public_checks(course, assignment, bundles):
    """``public_checks.json`` beside the source notebooks, from the bundles' public checks."""
    public = {}
    for bundle in bundles:
        public.update(public_expectations(bundle["cells"]))
    write_json(os.path.join(course.source(assignment), PUBLIC_CHECKS_FILE), public)


def write_generated_files(course, assignment):
    """The support package and, when the bundle exists, the public checks, beside the notebooks."""
    write_support_package(course.reference_dir, course.source(assignment), course.manifest(assignment))
    try:
        bundles = [load_bundle(course.bundle_dir, assignment, name) for name in course.notebook_names(assignment)]
    except BundleError:
        return  # not released yet: `autograder release` records the bundle and writes them
    write_public_checks(course, assignment, bundles)


def sync_assignment(course, assignment):
    """Solution cells from course/, then the generated files; returns the grade_ids changed."""
    changed, manifest = [], course.manifest(assignment)
    for path in course.source_notebooks(assignment):
        changed += sync_solutions(path, course.reference_dir, manifest)
    write_generated_files(course, assignment)
    return changed
