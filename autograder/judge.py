"""Judge recorded values against the instructor's grading bundle.

Everything here runs in the grading process, never in the student's kernel, and
treats what the kernel emitted as untrusted data: records are parsed as JSON
and decoded from raw bytes, never unpickled or evaluated.

``judge_notebook`` is the one way a notebook gets its verdicts: it removes any
verdict output already present (a kernel may print anything, including something
that looks like ours), judges every test cell the bundle knows, and puts each
cell's score first among its outputs, as an ``execute_result``: nbgrader's
``determine_grade`` takes the first error, stderr or execute_result it finds, so our
score is the one ``SaveAutoGrades`` stores, whatever the student's code printed.
"""

import html
from dataclasses import asdict, dataclass, field

import numpy as np
from nbformat.v4 import new_output
from nbgrader import utils

from .checks import MIME_TYPE, decode_value, mlp_accuracy, relative_error

VERDICT_METADATA_KEY = "nn_autograder"


@dataclass
class Verdict:
    """The outcome of one check, as reported to students and instructors."""

    name: str
    passed: bool
    message: str
    error: float | None = None
    scored: bool = True

    def to_dict(self):
        return asdict(self)


@dataclass
class CellJudgement:
    """A judged test cell: its score and the verdict on each of its checks."""

    grade_id: str
    score: float
    max_score: float
    verdicts: list = field(default_factory=list)


def records_in_outputs(outputs):
    """The records of our MIME type among a cell's outputs, in order."""
    records = []
    for output in outputs:
        if output.get("output_type") != "display_data":
            continue
        record = output.get("data", {}).get(MIME_TYPE)
        if isinstance(record, dict) and isinstance(record.get("name"), str):
            records.append(record)
    return records


def _judge_close(spec, actual):
    expected = decode_value(spec["expected"])
    if actual.shape != expected.shape:
        return Verdict(spec["name"], False, f"shape {actual.shape}, expected {expected.shape}")
    if spec.get("check_dtype") and actual.dtype != expected.dtype:
        return Verdict(spec["name"], False, f"dtype {actual.dtype}, expected {expected.dtype}")
    if not np.all(np.isfinite(actual.astype(np.float64))):
        return Verdict(spec["name"], False, "contains NaN or infinity")
    error = relative_error(actual, expected)
    passed = error <= spec["tol"]
    return Verdict(
        spec["name"], passed, f"relative error {error:.2e} (tolerance {spec['tol']:.0e})", error
    )


def _judge_accuracy(spec, record):
    """Accuracy of the recorded parameters on the instructor's copy of the data."""
    value = record.get("value")
    if not isinstance(value, dict):
        return Verdict(spec["name"], False, "unusable value: not a dict of parameters")
    try:
        params = {str(key): decode_value(array) for key, array in value.items()}
        X, y = decode_value(spec["inputs"]["X"]), decode_value(spec["inputs"]["y"])
        accuracy = mlp_accuracy(params, X, y)
    except Exception as problem:  # noqa: BLE001 - whatever a kernel sent, it is only a failed check
        return Verdict(spec["name"], False, f"unusable parameters: {type(problem).__name__}: {problem}"[:200])
    passed = bool(accuracy >= spec["threshold"])
    return Verdict(spec["name"], passed, f"accuracy {accuracy:.4f} (needs at least {spec['threshold']})")


def is_scored(spec):
    """Whether a check earns points: only what a student cannot forge in the kernel.

    A check on visible inputs has a public expected value (shipped for feedback),
    so a kernel that suppresses the recorder could emit it without computing
    anything: such checks are feedback only, as are checks the instructor marked
    ``scored=False``. Hidden-input checks and accuracy checks (computed here from
    the recorded parameters) earn the points.
    """
    if not spec.get("scored", True):
        return False
    return spec["kind"] == "accuracy" or not spec["public"]


def judge_check(spec, records):
    """Verdict on one check given every record the cell emitted."""
    mine = [record for record in records if record["name"] == spec["name"]]
    if not mine:
        return Verdict(
            spec["name"], False, "not recorded: the test cell did not reach this check "
            "(an error stopped it, or it was skipped or changed)"
        )
    if len(mine) > 1:
        return Verdict(
            spec["name"], False, f"recorded {len(mine)} times; a check is recorded exactly once"
        )
    if spec["kind"] == "accuracy":
        return _judge_accuracy(spec, mine[0])
    if spec["kind"] != "close":
        raise ValueError(f"unknown check kind {spec['kind']!r} in the grading bundle")
    try:
        actual = decode_value(mine[0].get("value"))
    except Exception as problem:  # noqa: BLE001 - whatever a kernel sent, it is only a failed check
        return Verdict(spec["name"], False, f"unusable value: {type(problem).__name__}: {problem}"[:200])
    return _judge_close(spec, actual)


def judge_cell(specs, records):
    """Verdicts for one test cell and the fraction of its scored checks that passed."""
    verdicts = []
    for spec in specs:
        verdict = judge_check(spec, records)
        verdict.scored = is_scored(spec)
        if not verdict.scored:
            verdict.message += " (public check: feedback only)"
        verdicts.append(verdict)
    scored = [v for v in verdicts if v.scored]
    fraction = sum(v.passed for v in scored) / len(scored) if scored else 0.0
    return fraction, verdicts


def verdict_output(judgement):
    """The execute_result nbgrader reads as the cell's score, with a readable table."""
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(v.name), "pass" if v.passed else "FAIL", html.escape(v.message)
        )
        for v in judgement.verdicts
    )
    table = (
        f"<p><b>Score {judgement.score:g} / {judgement.max_score:g}</b></p>"
        f"<table><tr><th>check</th><th>verdict</th><th>detail</th></tr>{rows}</table>"
    )
    return new_output(
        "execute_result",
        data={"text/plain": repr(float(judgement.score)), "text/html": table},
        metadata={
            VERDICT_METADATA_KEY: {
                "score": judgement.score,
                "max_score": judgement.max_score,
                "verdicts": [v.to_dict() for v in judgement.verdicts],
            }
        },
        execution_count=None,
    )


def is_verdict_output(output):
    return VERDICT_METADATA_KEY in (output.get("metadata") or {})


def is_judged_cell(cell, bundle_cells):
    return (
        cell.cell_type == "code"
        and utils.is_grade(cell)
        and not utils.is_solution(cell)
        and cell.metadata["nbgrader"]["grade_id"] in bundle_cells
    )


def judge_notebook(nb, bundle_cells):
    """Judge every test cell of an executed notebook in place; returns its CellJudgements.

    Verdict outputs already in the notebook (an earlier judgement, or anything a
    kernel emitted that looks like one) are removed first: only this function writes
    verdicts.
    """
    judgements = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [output for output in cell.outputs if not is_verdict_output(output)]
        if not is_judged_cell(cell, bundle_cells):
            continue
        max_score = float(cell.metadata["nbgrader"]["points"])
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        fraction, verdicts = judge_cell(bundle_cells[grade_id], records_in_outputs(cell.outputs))
        judgement = CellJudgement(grade_id, round(max_score * fraction, 6), max_score, verdicts)
        cell.outputs.insert(0, verdict_output(judgement))
        judgements.append(judgement)
    return judgements


def verdicts_in_notebook(nb):
    """The judge's verdicts in an autograded notebook, as check dicts with their cell."""
    checks = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if is_verdict_output(output):
                verdict = output["metadata"][VERDICT_METADATA_KEY]
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                checks += [{"cell": grade_id, **check} for check in verdict["verdicts"]]
    return checks
