"""Judge recorded values against the instructor's grading bundle.

Everything here runs in the grading process, never in the student's kernel, and
treats what the kernel emitted as untrusted data: records are parsed as JSON
and decoded from raw bytes, never unpickled or evaluated.
"""

from dataclasses import asdict, dataclass

import numpy as np

from .student_checks import MIME_TYPE, decode_value, mlp_accuracy, relative_error


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
    except (ValueError, KeyError, TypeError) as problem:
        return Verdict(spec["name"], False, f"unusable parameters: {problem}")
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
    except (ValueError, KeyError, TypeError) as problem:
        return Verdict(spec["name"], False, f"unusable value: {problem}")
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
