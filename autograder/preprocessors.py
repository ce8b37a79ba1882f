"""nbgrader preprocessors that put our judging into nbgrader's own autograde.

``JudgeChecks`` goes right after ``Execute`` in ``c.Autograde.autograde_preprocessors``
(see nbgrader_config.py). For every autograded test cell with checks in the grading
bundle it judges the values the cell recorded and puts the score first among the
cell's outputs, as an ``execute_result``: nbgrader's ``determine_grade`` takes the
first error, stderr or execute_result it finds, so our score is the one
``SaveAutoGrades`` stores, whatever the student's code printed or raised.
"""

import html

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .bundle import GRADING_DIRECTORY, load_bundle
from .judge import judge_cell, records_in_outputs

VERDICT_METADATA_KEY = "nn_autograder"


def verdict_output(score, max_score, verdicts):
    """The execute_result nbgrader reads as the cell's score, with a readable table."""
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(v.name), "pass" if v.passed else "FAIL", html.escape(v.message)
        )
        for v in verdicts
    )
    table = (
        f"<p><b>Score {score:g} / {max_score:g}</b></p>"
        f"<table><tr><th>check</th><th>verdict</th><th>detail</th></tr>{rows}</table>"
    )
    return new_output(
        "execute_result",
        data={"text/plain": repr(float(score)), "text/html": table},
        metadata={
            VERDICT_METADATA_KEY: {
                "score": score,
                "max_score": max_score,
                "verdicts": [v.to_dict() for v in verdicts],
            }
        },
        execution_count=None,
    )


def is_judged_cell(cell, bundle_cells):
    return (
        cell.cell_type == "code"
        and utils.is_grade(cell)
        and not utils.is_solution(cell)
        and cell.metadata["nbgrader"]["grade_id"] in bundle_cells
    )


class JudgeChecks(NbGraderPreprocessor):
    """Score test cells from their recorded values and the instructor's expected ones."""

    grading_directory = Unicode(
        GRADING_DIRECTORY,
        help="Folder holding <assignment>/<notebook>.checks.json grading bundles",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        bundle = load_bundle(self.grading_directory, info["assignment"], info["notebook"])
        self._bundle_cells = bundle["cells"]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if is_judged_cell(cell, self._bundle_cells):
            max_score = float(cell.metadata["nbgrader"]["points"])
            specs = self._bundle_cells[cell.metadata["nbgrader"]["grade_id"]]
            fraction, verdicts = judge_cell(specs, records_in_outputs(cell.outputs))
            score = round(max_score * fraction, 6)
            cell.outputs.insert(0, verdict_output(score, max_score, verdicts))
        return cell, resources
