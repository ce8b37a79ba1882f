"""Judge recorded values against the instructor's grading bundle.

Everything here runs in the grading process, never in the student's kernel, and
treats what the kernel emitted as untrusted data: outputs and records are parsed
field by field, values are decoded from raw bytes (never unpickled or evaluated)
with size limits checked before anything is allocated, and nothing a kernel can emit
makes judging raise: a value that cannot be judged fails its check, saying why.

``judge_notebook`` is the one way a notebook gets its verdicts: it removes every
output that is or imitates a verdict (a kernel may print anything, including
something that looks like ours), judges every test cell the bundle knows, and puts
each cell's score first among its outputs, as an ``execute_result``: nbgrader's
``determine_grade`` takes the first error, stderr or execute_result it finds, so our
score is the one ``SaveAutoGrades`` stores, whatever the student's code printed.

The judging itself (decoding records, comparing, a forward pass for an accuracy check)
runs in a confined service process (confinement.py): unprivileged, with memory and
CPU-time limits, answering in JSON. Before it decodes anything it bounds the work a
record can ask for: at most ``MAX_RECORD_ELEMENTS`` numbers per judged record (its
recorded inputs included), and for an accuracy check a forward pass of at most
``MAX_FORWARD_MULTIPLY_ADDS`` multiply-adds and ``MAX_ACTIVATIONS`` values per layer.
Judging one notebook therefore costs at most the judge's limits
(``c.Autograder.judge_memory_limit``, ``judge_cpu_seconds``); a notebook whose judging
exceeds them fails to be judged (``ConfinementError``), as that student's problem.

Each verdict says whether the check was shown to students (public: its inputs and
expected value ship with the release) or hidden, and whether it earns points
(scored) or is feedback only: a public check's expected value is known, so a kernel
could emit it without computing anything, and only hidden checks earn points. A
failed check carries a diagnosis: the known mistake its value matches (the release
records each mistake's fingerprint), or how the value is off. A hidden check may require
another one of its cell (the same code on a large input): it passes only when that one does.
"""

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from .checks import MIME_TYPE
from .comparisons import diagnose_cell
from .confinement import ConfinementError, Limits, serve, service
from .kinds import compare, kind_of
from .terminal import visible
from .values import MAX_DIMENSIONS, MAX_ENTRIES, decode_value

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from .confinement import Service
    from .settings import Autograder

# A check of the grading bundle, a record a kernel emitted, a notebook output: parsed JSON.
Spec = dict[str, Any]
Record = dict[str, Any]

VERDICT_METADATA_KEY = "nn_autograder"
VERDICT_MARKER = "nn-autograder-verdicts"  # CSS class of our verdict table
_MAX_NAME = 200
SERVICE_MODULE = "autograder.judge"
# What one judged record may make the judge compute (the largest honest record of fc_nets holds 83,330 numbers).
MAX_RECORD_ELEMENTS = 2_000_000  # numbers in one record, its recorded inputs included (16 MB as float64)
MAX_FORWARD_MULTIPLY_ADDS = 2 * 10**9  # an accuracy check's forward pass: examples x sum of weight sizes
MAX_ACTIVATIONS = 10**7  # an accuracy check's forward pass: examples x the widest layer (80 MB as float64)


@dataclass
class Verdict:
    """The outcome of one check, as reported to students and instructors."""

    name: str
    passed: bool
    message: str
    error: float | None = None
    scored: bool = True
    public: bool = False
    diagnosis: str = ""
    withheld_by: str = ""  # right on its own, failed because the check it requires failed

    def __post_init__(self):
        # A message may quote what a submission sent (a value's type, an entry's name): made
        # visible text here, once, so that no terminal, page or notebook writer that shows a
        # verdict meets a control character, a bidi override or a lone surrogate.
        self.message, self.diagnosis = visible(self.message), visible(self.diagnosis)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CellJudgement:
    """A judged test cell: its score and the verdict on each of its checks."""

    grade_id: str
    score: float
    max_score: float
    verdicts: list[Verdict] = field(default_factory=list)


class JudgeRequest(TypedDict):
    """What the judge service is asked (as JSON): per cell, its grade_id and the records its checks read."""

    cells: list[tuple[str, list[Record]]]


class JudgeAnswer(TypedDict):
    """What it answers (as JSON): per requested cell, the fraction of its points and its
    verdicts (``Verdict.to_dict``)."""

    cells: list[tuple[float, list[dict[str, Any]]]]


def records_in_outputs(outputs: Any) -> list[Record]:
    """The well-formed records of our MIME type among a cell's display outputs, in order."""
    records = []
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict) or output.get("output_type") != "display_data":
            continue
        data = output.get("data")
        record = data.get(MIME_TYPE) if isinstance(data, dict) else None
        if isinstance(record, dict) and isinstance(record.get("name"), str) and len(record["name"]) <= _MAX_NAME:
            records.append(record)
    return records


def is_scored(spec: Spec) -> bool:
    """Only hidden checks earn points: a public check's expected value ships with the release."""
    return not spec["public"]


class TooLarge(ValueError):
    """A record that asks the judge for more work than any honest answer needs."""


def claimed_elements(encoded: Any) -> int:
    """How many numbers an encoded value says it holds, read from its shapes (nothing decoded).

    Anything malformed counts as 0: decoding refuses it anyway, before allocating.
    """
    if not isinstance(encoded, dict):
        return 0
    entries = encoded.get("entries")
    if isinstance(entries, dict):
        return (
            sum(claimed_elements(item) for item in entries.values() if isinstance(item, dict) and "entries" not in item)
            if len(entries) <= MAX_ENTRIES
            else 0
        )
    shape = encoded.get("shape")
    if isinstance(shape, list) and len(shape) <= MAX_DIMENSIONS and all(type(n) is int and n >= 0 for n in shape):
        return math.prod(shape)
    return 0


def _recorded_inputs(record):
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        raise ValueError("the record has no inputs")
    return inputs.get("X"), inputs.get("y")


def _check_forward_pass(params, X):
    """Refuse an accuracy check whose forward pass would cost more than the bounds allow."""
    if not getattr(X, "shape", ()):
        return  # not an array of examples: the comparison refuses it
    weights = [w for name, w in params.items() if name.startswith("W") and getattr(w, "ndim", 0) == 2]
    examples = X.shape[0]
    multiply_adds = examples * sum(w.size for w in weights)
    widest = examples * max([w.shape[1] for w in weights] + [X.size // max(examples, 1)])
    if multiply_adds > MAX_FORWARD_MULTIPLY_ADDS or widest > MAX_ACTIVATIONS:
        raise TooLarge(
            f"a forward pass of {examples} examples through layers of widths "
            f"{[w.shape[1] for w in weights][:6]} is beyond what the grader evaluates "
            f"({MAX_FORWARD_MULTIPLY_ADDS:.0e} multiply-adds, {MAX_ACTIVATIONS:.0e} values per layer)"
        )


def _judge_record(spec, record):
    value = record.get("value")
    kind = kind_of(spec)
    inputs: tuple[Any, ...] = ()
    recorded_inputs = kind.EXAMPLES and not spec.get("inputs")
    if recorded_inputs:
        # A public spec without the bundle's copy of the examples (a student's own check)
        # evaluates the examples the notebook recorded.
        inputs = _recorded_inputs(record)
    claimed = claimed_elements(value) + sum(claimed_elements(part) for part in inputs)
    if claimed > MAX_RECORD_ELEMENTS:
        raise TooLarge(f"{claimed} numbers recorded, more than the {MAX_RECORD_ELEMENTS} this check may judge")
    actual = kind.decode(value)
    if kind.EXAMPLES:
        bundled = spec.get("inputs")
        inputs = (
            (decode_value(bundled["X"]), decode_value(bundled["y"]))
            if bundled
            else tuple(decode_value(part) for part in inputs)
        )
        if isinstance(actual, dict):
            _check_forward_pass(actual, inputs[0])
    comparison = compare(spec, actual, *inputs)
    verdict = Verdict(
        spec["name"],
        comparison.passed,
        comparison.message,
        comparison.error,
        diagnosis="" if comparison.passed else comparison.diagnosis,
    )
    return verdict, comparison


def judge_check(spec: Spec, records: Sequence[Record]) -> Verdict:
    """Verdict on one check given every record the cell emitted; never raises on a record."""
    return _judge_checks([spec], records)[0]


def _judge_checks(specs, records):
    """Verdicts on a cell's checks, each failed one diagnosed in the light of all of them
    (``diagnose_cell``: a known mistake is named only as far as every check bears it out)."""
    judged = [_judge_one(spec, records) for spec in specs]
    diagnoses = diagnose_cell(specs, [comparison for _, comparison in judged])
    for (verdict, _), diagnosis in zip(judged, diagnoses, strict=True):
        if diagnosis is not None:
            verdict.diagnosis = visible(diagnosis)
    return [verdict for verdict, _ in judged]


def _judge_one(spec, records):
    """(Verdict, Comparison or None when nothing could be compared) for one check."""
    comparison = None
    mine = [record for record in records if record["name"] == spec["name"]]
    if not mine:
        verdict = Verdict(
            spec["name"],
            False,
            "not recorded",
            diagnosis=(
                "the test cell did not reach this check: an error stopped it (see the cell's output), "
                "or the cell was skipped or changed"
            ),
        )
    elif len(mine) > 1:
        verdict = Verdict(
            spec["name"],
            False,
            f"recorded {len(mine)} times",
            diagnosis="a check is recorded exactly once, by the test cell itself",
        )
    else:
        try:
            verdict, comparison = _judge_record(spec, mine[0])
        except (TooLarge, MemoryError) as problem:
            verdict = Verdict(
                spec["name"],
                False,
                f"too large to judge: {str(problem)[:300]}",
                diagnosis="the recorded value is far larger than this check needs: record "
                "exactly what the test cell records",
            )
        except Exception as problem:  # noqa: BLE001 - whatever a kernel sent, judging goes on
            verdict = Verdict(
                spec["name"],
                False,
                f"unusable value: {str(problem)[:200]}",
                diagnosis="the recorded value is not a number, an array or a dict of arrays",
            )
    verdict.scored, verdict.public = is_scored(spec), spec["public"]
    return verdict, comparison


def _withhold_unbacked(specs, verdicts):
    """A check that ``requires`` another counts only when that one passed too.

    Why: a small input can be answered without the skill a cell grades (numerical
    differentiation re-runs the forward pass once per element, which is instant on 4 x 5
    numbers), or answered by a function that special-cases small inputs. The instructor
    pairs such checks with one on a large input, run under a CPU budget that element-by-element
    numerical differentiation cannot finish within; a value right on the small input then earns
    its points only when the large one is right as well, whatever else the submission did.
    (Probing that uses the Jacobian's structure stays as cheap as the derived pass: a known
    limit, docs/SECURITY.md.)
    """
    by_name = {verdict.name: verdict for verdict in verdicts}
    for spec, verdict in zip(specs, verdicts, strict=True):
        required = spec.get("requires")
        backing = by_name.get(required) if isinstance(required, str) else None
        if backing is not None and verdict.passed and not backing.passed:
            verdict.passed, verdict.withheld_by = False, backing.name
            verdict.message = f"right here, but counts only together with {backing.name}, which did not pass"
            verdict.diagnosis = (
                f"{backing.name} runs the same code on a larger input: it must be right there too (see that check)"
            )


def judge_cell(specs: Sequence[Spec], records: Sequence[Record]) -> tuple[float, list[Verdict]]:
    """Verdicts for one test cell and the fraction of its scored checks that passed (a check
    that requires another passes only with it: ``_withhold_unbacked``)."""
    verdicts = _judge_checks(specs, records)
    _withhold_unbacked(specs, verdicts)
    scored = [v for v in verdicts if v.scored]
    fraction = sum(v.passed for v in scored) / len(scored) if scored else 0.0
    return fraction, verdicts


def _row(verdict):
    cells = (
        verdict.name,
        "public" if verdict.public else "hidden",
        "scored" if verdict.scored else "feedback only",
        "pass" if verdict.passed else "FAIL",
        verdict.message,
        verdict.diagnosis,
    )
    return "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in cells) + "</tr>"


def verdict_output(judgement: CellJudgement) -> "NotebookNode":
    """The execute_result nbgrader reads as the cell's score, with a readable table."""
    from nbformat.v4 import new_output  # nbformat takes a second to import: not in the judge service

    table = (
        f'<div class="{VERDICT_MARKER}"><p><b>Score {judgement.score:g} / {judgement.max_score:g}</b></p>'
        "<table><tr><th>check</th><th>shown</th><th>counts</th><th>verdict</th><th>detail</th>"
        "<th>what to look at</th></tr>" + "".join(_row(v) for v in judgement.verdicts) + "</table></div>"
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


def _mentions_verdicts(node, depth=0):
    """Whether a parsed JSON tree carries our verdict key or marker anywhere (depth-limited)."""
    if depth > 20:
        return True  # nothing of ours is that deep: treat it as hostile
    if isinstance(node, dict):
        return VERDICT_METADATA_KEY in node or any(_mentions_verdicts(v, depth + 1) for v in node.values())
    if isinstance(node, list):
        return any(_mentions_verdicts(v, depth + 1) for v in node)
    return isinstance(node, str) and VERDICT_MARKER in node


def is_verdict_output(output: Any) -> bool:
    """A verdict, or anything imitating one: our metadata key or table marker in any output,
    or a record of ours in an output type other than display_data."""
    if not isinstance(output, dict):
        return True  # not an output at all: drop it
    data = output.get("data")
    if isinstance(data, dict) and MIME_TYPE in data and output.get("output_type") != "display_data":
        return True
    return any(_mentions_verdicts(output.get(part)) for part in ("metadata", "data", "text", "traceback"))


def is_judged_cell(cell: "NotebookNode", bundle_cells: Mapping[str, list[Spec]]) -> bool:
    from nbgrader import utils  # loads all of nbgrader: only where a whole notebook is judged

    return (
        cell.cell_type == "code"
        and utils.is_grade(cell)
        and not utils.is_solution(cell)
        and cell.metadata["nbgrader"]["grade_id"] in bundle_cells
    )


def start_judge(settings: "Autograder | None" = None) -> None:
    """Start this process's judge service now (with ``settings``' limits), so that its
    start-up overlaps other work; judging starts it anyway when it is not running."""
    service(SERVICE_MODULE, Limits.from_settings(settings) if settings is not None else None).start()


def _wanted(specs, records):
    """The records judging ``specs`` reads: those named like one of its checks (a flood of
    other names never leaves this process)."""
    names = {spec["name"] for spec in specs}
    return [record for record in records if record["name"] in names]


def judge_cells_confined(
    bundle_cells: Mapping[str, list[Spec]], cells: Iterable[tuple[str, list[Record]]], judge: "Service | None" = None
) -> list[tuple[float, list[Verdict]]]:
    """[(fraction, [Verdict])] for each (grade_id, records) of ``cells``, computed by the judge
    service (``judge``, else this process's) against ``bundle_cells``; ConfinementError when it
    could not finish."""
    request: JudgeRequest = {
        "cells": [(grade_id, _wanted(bundle_cells[grade_id], records)) for grade_id, records in cells]
    }
    answer = (judge or service(SERVICE_MODULE)).request(request, shared=bundle_cells)
    try:
        return [
            (float(fraction), [Verdict(**verdict) for verdict in verdicts]) for fraction, verdicts in answer["cells"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise ConfinementError(f"the judge answered something unexpected ({error})") from None


def judge_checks_confined(
    specs: Iterable[Spec], records: list[Record], judge: "Service | None" = None
) -> list[Verdict]:
    """Verdicts on ``specs`` (a list of checks) given ``records``, computed by the judge service."""
    return judge_cells_confined({"checks": list(specs)}, [("checks", records)], judge)[0][1]


def _serve_request(message: JudgeRequest, bundle_cells: Mapping[str, list[Spec]]) -> JudgeAnswer:
    """In the judge service: judge each requested cell."""
    answered: list[tuple[float, list[dict[str, Any]]]] = []
    for grade_id, records in message["cells"]:
        fraction, verdicts = judge_cell(bundle_cells[grade_id], [r for r in records if isinstance(r, dict)])
        answered.append((fraction, [verdict.to_dict() for verdict in verdicts]))
    return {"cells": answered}


def _warm_up():
    """Run every kind of check once, before the judge service gives up its privileges
    (confinement.serve): whatever judging imports is imported while it can still be read."""
    import numpy as np

    from .comparisons import sketch_value
    from .values import encode_summaries, encode_value

    params = {"W1": np.ones((2, 3)), "b1": np.zeros(3)}
    shapes = {
        "W1": {"shape": [2, 3], "dtype": "float64", "fill": "normal"},
        "b1": {"shape": [3], "dtype": "float64", "fill": "zeros"},
    }
    # A fingerprint learned from a mutant is a sketch: matching it draws its random basis.
    sketched = {"mistake": "warm-up", "diagnosis": "", "mutant": True, "sketch": sketch_value(-np.arange(40.0))}
    specs = [
        {
            "name": "close",
            "kind": "close",
            "tol": 1e-8,
            "expected": encode_value(np.arange(40.0)),
            "public": False,
            "fingerprints": [sketched],
        },
        {"name": "init", "kind": "init", "tol": 0.15, "weight_scale": 1.0, "params": shapes, "public": False},
        {
            "name": "accuracy",
            "kind": "accuracy",
            "threshold": 0.5,
            "public": False,
            "inputs": {"X": encode_value(np.ones((2, 2))), "y": encode_value(np.zeros(2, int))},
        },
    ]
    records = [
        {"name": "close", "value": encode_value(-np.arange(40.0))},
        {"name": "init", "value": encode_summaries(params)},
        {"name": "accuracy", "value": encode_value(params)},
    ]
    judge_cell(specs, records)


def judge_notebook(nb: "NotebookNode", bundle_cells: Mapping[str, list[Spec]]) -> list[CellJudgement]:
    """Judge every test cell of an executed notebook in place; returns its CellJudgements.

    Verdict outputs already in the notebook (an earlier judgement, or anything a
    kernel emitted that looks like one) are removed first: only this function writes
    verdicts. The verdicts are computed by the confined judge service (see the module
    docstring); ConfinementError when it could not finish.
    """
    judged = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        cell.outputs = [output for output in outputs if not is_verdict_output(output)]
        if is_judged_cell(cell, bundle_cells):
            judged.append(cell)
    cells = [(cell.metadata["nbgrader"]["grade_id"], records_in_outputs(cell.outputs)) for cell in judged]
    results = judge_cells_confined(bundle_cells, cells) if cells else []
    judgements = []
    for cell, (fraction, verdicts) in zip(judged, results, strict=False):
        max_score = float(cell.metadata["nbgrader"]["points"])
        judgement = CellJudgement(
            cell.metadata["nbgrader"]["grade_id"], round(max_score * fraction, 6), max_score, verdicts
        )
        cell.outputs.insert(0, verdict_output(judgement))
        judgements.append(judgement)
    return judgements


def verdicts_in_notebook(nb: "NotebookNode") -> list[dict[str, Any]]:
    """The judge's verdicts in an autograded notebook, as check dicts with their cell."""
    from nbgrader import utils  # loads all of nbgrader: only where a whole notebook is read

    checks = []
    for cell in nb.cells:
        if not (cell.cell_type == "code" and utils.is_grade(cell)):
            continue
        for output in cell.get("outputs", []):
            metadata = output.get("metadata") if isinstance(output, dict) else None
            verdict = metadata.get(VERDICT_METADATA_KEY) if isinstance(metadata, dict) else None
            if isinstance(verdict, dict) and isinstance(verdict.get("verdicts"), list):
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                checks += [{"cell": grade_id, **check} for check in verdict["verdicts"] if isinstance(check, dict)]
    return checks


if __name__ == "__main__":
    serve(_serve_request, _warm_up)
