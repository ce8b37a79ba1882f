"""Keep an assignment's source folder in step with ``course/`` and its grading bundle.

1. A solution cell whose nbgrader ``grade_id`` names a function or class defined in a
   course module (``affine_forward``, ``FullyConnectedNet``, ``adam``, ...) must contain
   exactly that definition's source, and a locked cell named after a provided module
   (``layer_utils``: CS231n's sandwich layers, built on the student's own layers) every
   definition of that module. ``drifted_cells`` lists the cells that differ (``autograder
   release`` refuses to release them); ``sync_solutions`` rewrites them.
2. The files generated beside the source notebook, never committed there: the
   student-safe ``nnsupport`` package (from ``course/``) and ``public_checks.json``
   (from the grading bundle). nbgrader copies both into the release and restores them
   over every submission, so plain nbgrader needs them right after a clone too.
"""

import ast
import os

import nbformat
from nbgrader import utils

from ..bundle import load_bundle
from ..checks import PUBLIC_CHECKS_FILE
from ..errors import BundleError
from ..rounding import write_json
from .expected import public_expectations
from .support_package import write_support_package

# Course modules whose definitions students write in notebooks.
REFERENCE_MODULES = ("layers", "fc_net", "optim")
# Course modules given to students whole, as one locked cell named after the module: their
# functions call the layers the student wrote in the notebook, so they cannot ship in nnsupport.
PROVIDED_MODULES = ("layer_utils",)


def _module_definitions(reference_dir, module):
    """(name, exact source text) of every top-level function and class of a course module."""
    with open(os.path.join(reference_dir, f"{module}.py")) as f:
        text = f.read()
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield node.name, "\n".join(lines[first - 1 : node.end_lineno])


def reference_definitions(reference_dir):
    """grade_id -> exact source text: every definition of REFERENCE_MODULES, each PROVIDED_MODULE whole."""
    definitions = {}
    for module in REFERENCE_MODULES:
        definitions.update(_module_definitions(reference_dir, module))
    for module in PROVIDED_MODULES:
        definitions[module] = "\n\n\n".join(source for _, source in _module_definitions(reference_dir, module))
    return definitions


def _synced_cells(nb, definitions):
    for cell in nb.cells:
        if cell.cell_type == "code" and (utils.is_solution(cell) or utils.is_locked(cell)):
            name = cell.metadata.get("nbgrader", {}).get("grade_id")
            if name in definitions:
                yield cell, name


def drifted_cells(notebook_path, reference_dir):
    """grade_ids of solution cells whose source differs from the course definition."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(reference_dir)
    return [name for cell, name in _synced_cells(nb, definitions) if cell.source != definitions[name]]


def sync_solutions(notebook_path, reference_dir):
    """Rewrite drifted solution cells from ``course/``; returns the grade_ids changed."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(reference_dir)
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
    write_support_package(course.reference_dir, course.source(assignment))
    try:
        bundles = [load_bundle(course.bundle_dir, assignment, name) for name in course.notebook_names(assignment)]
    except BundleError:
        return  # not released yet: `autograder release` records the bundle and writes them
    write_public_checks(course, assignment, bundles)


def sync_assignment(course, assignment):
    """Solution cells from course/, then the generated files; returns the grade_ids changed."""
    changed = []
    for path in course.source_notebooks(assignment):
        changed += sync_solutions(path, course.reference_dir)
    write_generated_files(course, assignment)
    return changed
