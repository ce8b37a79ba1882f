"""A read-only, picklable stand-in for the gradebook lookups of sanitising.

nbgrader's ``OverwriteKernelspec`` and ``OverwriteCells`` restore a submission's
kernelspec and graded cells from the gradebook before execution. Workers have no
gradebook (they may run on another machine), so the grading process takes a small
snapshot of the assignment's source cells, a few KB of plain dicts, and the
workers run nbgrader's own preprocessors against it.
"""

import json
from types import SimpleNamespace

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec

from ..errors import CourseError
from ..preprocessors import RestoreCellRoles


def take_snapshot(gradebook, notebook_id, assignment_id):
    """Plain data for one notebook: its kernelspec and its source, grade, solution, task cells."""
    notebook = gradebook.find_notebook(notebook_id, assignment_id)
    return {
        "name": notebook.name,
        "kernelspec": notebook.kernelspec,
        "source_cells": [
            {"name": c.name, "cell_type": c.cell_type, "locked": c.locked, "checksum": c.checksum, "source": c.source}
            for c in notebook.source_cells
        ],
        "grade_cells": [{"name": c.name, "max_score": c.max_score} for c in notebook.grade_cells],
        "solution_cells": [{"name": c.name} for c in notebook.solution_cells],
        "task_cells": [{"name": c.name, "max_score": c.max_score} for c in notebook.task_cells],
    }


def gradebook_snapshots(course, assignment):
    """notebook name -> snapshot, for every notebook of ``assignment`` in the gradebook."""
    try:
        with Gradebook(course.db_url, course.course_id) as gb:
            notebooks = gb.find_assignment(assignment).notebooks
            return {nb.name: take_snapshot(gb, nb.name, assignment) for nb in notebooks}
    except MissingEntry:
        raise CourseError(
            f"Assignment {assignment!r} is not in the gradebook {course.db_url}: run "
            f"`autograder release {assignment}` first (it records the assignment's cells)."
        ) from None


class SnapshotGradebook:
    """Answers the three lookups the sanitising preprocessors make, from a snapshot."""

    def __init__(self, snapshot):
        self._notebook = SimpleNamespace(
            name=snapshot["name"],
            kernelspec=snapshot["kernelspec"],
            source_cells=[SimpleNamespace(**c) for c in snapshot["source_cells"]],
            grade_cells=[SimpleNamespace(**c) for c in snapshot["grade_cells"]],
            solution_cells=[SimpleNamespace(**c) for c in snapshot["solution_cells"]],
            task_cells=[SimpleNamespace(**c) for c in snapshot["task_cells"]],
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def find_notebook(self, notebook_id, assignment_id):
        return self._notebook

    def _find(self, cells, name):
        for cell in cells:
            if cell.name == name:
                return cell
        raise MissingEntry()

    def find_source_cell(self, name, notebook_id, assignment_id):
        return self._find(self._notebook.source_cells, name)

    def find_graded_cell(self, name, notebook_id, assignment_id):
        return self._find(self._notebook.grade_cells + self._notebook.task_cells, name)


def _snapshot_gradebook(resources):
    return SnapshotGradebook(resources["autograder_snapshot"])


class SnapshotOverwriteKernelspec(OverwriteKernelspec):
    """``OverwriteKernelspec`` reading the source kernelspec from the snapshot."""

    def preprocess(self, nb, resources):
        kernelspec = _snapshot_gradebook(resources).find_notebook(None, None).kernelspec
        if kernelspec:
            nb.metadata["kernelspec"] = json.loads(kernelspec)
        return nb, resources


class SnapshotOverwriteCells(RestoreCellRoles):
    """``RestoreCellRoles`` (nbgrader's own cell checks and restores) against the snapshot."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = _snapshot_gradebook(resources)
        self._roles = None
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


def snapshot_substitute(preprocessor_class):
    """The snapshot-backed twin of a gradebook-reading sanitiser, or the class itself."""
    if issubclass(preprocessor_class, OverwriteCells):
        return SnapshotOverwriteCells
    if issubclass(preprocessor_class, OverwriteKernelspec):
        return SnapshotOverwriteKernelspec
    return preprocessor_class
