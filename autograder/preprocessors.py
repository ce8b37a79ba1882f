"""The nbgrader preprocessors our nbgrader_config.py plugs into nbgrader's own pipelines.

- ``RestoreCellRoles`` extends nbgrader's ``OverwriteCells`` (sanitising, before execution)
  to restore each graded cell's role as well as its source;
- ``JudgeChecks`` goes right after ``Execute`` in ``c.Autograde.autograde_preprocessors``
  and scores each test cell from its recorded values (see ``judge.judge_notebook``).

So plain ``nbgrader autograde`` and formgrader grade exactly as ``autograder grade`` does.
"""

from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

from .bundle import load_bundle
from .course import BUNDLE_DIRECTORY
from .judge import judge_notebook


class JudgeChecks(NbGraderPreprocessor):
    """Score test cells from their recorded values and the instructor's expected ones."""

    bundle_directory = Unicode(
        BUNDLE_DIRECTORY,
        help="Folder holding <assignment>/<notebook>.checks.json grading bundles",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        bundle = load_bundle(self.bundle_directory, info["assignment"], info["notebook"])
        resources["autograder_judgements"] = judge_notebook(nb, bundle["cells"])
        return nb, resources


class RestoreCellRoles(OverwriteCells):
    """nbgrader's ``OverwriteCells``, plus the roles it leaves to the submission.

    ``OverwriteCells`` restores a graded cell's type, lock, points and (when locked)
    source, but trusts the submission's ``grade`` / ``solution`` / ``task`` flags: a
    test cell relabelled as a solution cell is then graded by hand, and one whose
    grade flag is removed is not graded at all. This restores those flags (and the
    points of a cell that lost its grade flag) from the gradebook too.
    """

    def preprocess(self, nb, resources):
        self._roles = None
        return super().preprocess(nb, resources)

    def _source_roles(self):
        if self._roles is None:
            notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            self._roles = {
                "grade": {c.name: c.max_score for c in notebook.grade_cells},
                "solution": {c.name for c in notebook.solution_cells},
                "task": {c.name: c.max_score for c in notebook.task_cells},
                "sources": {c.name for c in notebook.source_cells},
            }
        return self._roles

    def preprocess_cell(self, cell, resources, cell_index):
        # Roles first: nbgrader's checksum of a locked cell covers these flags.
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        roles = self._source_roles() if grade_id is not None else None
        if roles is not None and grade_id in roles["sources"]:
            metadata = cell.metadata.nbgrader
            for flag in ("grade", "solution", "task"):
                wanted = grade_id in roles[flag]
                if bool(metadata.get(flag, False)) != wanted:
                    self.report_change(grade_id, flag, wanted, metadata.get(flag, False))
                    metadata[flag] = wanted
            for flag in ("grade", "task"):
                if grade_id in roles[flag]:
                    metadata["points"] = float(roles[flag][grade_id])
        return super().preprocess_cell(cell, resources, cell_index)
