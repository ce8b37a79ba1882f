"""Judge recorded values against the instructor's grading bundle.

Everything here runs in the grading process, never in the student's kernel, and
treats what the kernel emitted as untrusted data: records are parsed as JSON
and decoded from raw bytes, never unpickled or evaluated.
"""

from dataclasses import asdict, dataclass

import numpy as np

from .student_checks import MIME_TYPE, decode_value, relative_error


@dataclass
class Verdict:
    """The outcome of one check, as reported to students and instructors."""

    name: str
    passed: bool
    message: str
    error: float | None = None

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


def _judge_at_least(spec, actual):
    if actual.size != 1:
        return Verdict(spec["name"], False, f"shape {actual.shape}, expected a single number")
    value = float(actual.reshape(()))
    passed = bool(np.isfinite(value) and value >= spec["threshold"])
    return Verdict(spec["name"], passed, f"{value:.4f} (needs at least {spec['threshold']})")


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
    try:
        actual = decode_value(mine[0].get("value"))
    except (ValueError, KeyError, TypeError) as problem:
        return Verdict(spec["name"], False, f"unusable value: {problem}")
    if spec["kind"] == "close":
        return _judge_close(spec, actual)
    if spec["kind"] == "at_least":
        return _judge_at_least(spec, actual)
    raise ValueError(f"unknown check kind {spec['kind']!r} in the grading bundle")


def judge_cell(specs, records):
    """Verdicts for one test cell and the fraction of its checks that passed."""
    verdicts = [judge_check(spec, records) for spec in specs]
    fraction = sum(v.passed for v in verdicts) / len(verdicts) if verdicts else 0.0
    return fraction, verdicts
