"""Keep the source notebooks' solution cells identical to the reference in ``course/``.

A solution cell whose nbgrader ``grade_id`` names a function or class defined in a
course module (``affine_forward``, ``FullyConnectedNet``, ``adam``, ...) must contain
exactly that definition's source. ``drifted_cells`` lists the cells that differ
(``autograder release`` refuses to release them); ``sync_solutions`` rewrites them.
"""

import ast
import os

import nbformat
from nbgrader import utils

# Course modules whose definitions students write in notebooks.
REFERENCE_MODULES = ("layers", "fc_net", "optim")


def reference_definitions(course_dir):
    """Mapping of every top-level function / class name to its exact source text."""
    definitions = {}
    for module in REFERENCE_MODULES:
        with open(os.path.join(course_dir, f"{module}.py")) as f:
            text = f.read()
        lines = text.splitlines()
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                definitions[node.name] = "\n".join(lines[first - 1 : node.end_lineno])
    return definitions


def _synced_cells(nb, definitions):
    for cell in nb.cells:
        if cell.cell_type == "code" and utils.is_solution(cell):
            name = cell.metadata["nbgrader"].get("grade_id")
            if name in definitions:
                yield cell, name


def drifted_cells(notebook_path, course_dir):
    """grade_ids of solution cells whose source differs from the course definition."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(course_dir)
    return [name for cell, name in _synced_cells(nb, definitions) if cell.source != definitions[name]]


def sync_solutions(notebook_path, course_dir):
    """Rewrite drifted solution cells from ``course/``; returns the grade_ids changed."""
    nb = nbformat.read(notebook_path, as_version=4)
    definitions = reference_definitions(course_dir)
    changed = []
    for cell, name in _synced_cells(nb, definitions):
        if cell.source != definitions[name]:
            cell.source = definitions[name]
            changed.append(name)
    if changed:
        nbformat.write(nb, notebook_path)
    return changed
