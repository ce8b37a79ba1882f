"""Expected values, produced by running a source notebook's reference solutions.

The source notebook runs end to end in a scratch copy of its folder; every test
cell's ``expect_*`` calls emit records, which become the checks of the grading
bundle. Expected values are thereby produced by the reference, through the very
cells that will later run on the students' code, and are never typed by hand.

What each kind of check keeps in the bundle:

- ``close``: the reference's value;
- ``init``: each parameter's name, shape, dtype and fill (zeros, ones, or normal with
  standard deviation ``weight_scale``), derived from the reference's parameters;
- ``accuracy`` without examples in the notebook: the held-out examples of
  ``grading_bundle/<assignment>/heldout.py`` and the reference's accuracy on them.
  With examples in the notebook the check is public, feedback only, and judged on the
  examples the notebook records.

A check is public when its inputs are visible to students (its name is in the
visible part of the test cell and its examples, if any, are in the notebook).
"""

import os
import shutil
import tempfile

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbgrader import utils

from ..comparisons import mlp_accuracy, network_normalization
from ..environments import QUIET_KERNEL, kernel_environment
from ..errors import ReleaseError
from ..judge import is_scored, judge_cell, records_in_outputs
from ..regions import strip_hidden_tests
from ..values import decode_recorded, decode_value, encode_value


def execute_in_scratch_copy(notebook_path, timeout):
    """Execute a notebook in a temporary copy of its folder (``timeout`` seconds per cell)."""
    nb = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="autograder-record-") as scratch:
        workdir = os.path.join(scratch, "work")
        shutil.copytree(os.path.dirname(os.path.abspath(notebook_path)), workdir)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            extra_arguments=QUIET_KERNEL,
            resources={"metadata": {"path": workdir}},
        )
        # nbclient passes kernel keyword arguments through to the kernel launch.
        try:
            client.execute(env=kernel_environment())
        except CellExecutionError as error:
            raise ReleaseError(
                f"{notebook_path}: the reference solution raised an error, so no expected "
                f"values can be recorded. Fix the source notebook.\n{error}"
            ) from None
    return nb


def _fill(summary):
    if not summary.nonzero:
        return "zeros"
    return "ones" if summary.ones else "normal"


def _init_spec(record):
    params = decode_recorded("init", record["value"])
    return {
        "weight_scale": float(record["weight_scale"]),
        "tol": float(record["tol"]),
        "params": {
            name: {"shape": list(value.shape), "dtype": value.dtype.name, "fill": _fill(value)}
            for name, value in params.items()
        },
    }


def _accuracy_spec(record, heldout, notebook_path):
    spec = {"threshold": float(record["threshold"])}
    params = decode_value(record["value"])
    if "inputs" in record:  # the notebook's own examples: public, feedback only
        X, y = decode_value(record["inputs"]["X"]), decode_value(record["inputs"]["y"])
        spec["inputs"] = record["inputs"]  # the grader's copy: kept records need not carry them
    else:
        if record["name"] not in heldout:
            raise ReleaseError(
                f"{notebook_path}: accuracy check {record['name']!r} records no examples, so it is "
                "measured on held-out ones, but heldout.py in its grading bundle folder makes none "
                f"for it (HELDOUT has: {', '.join(sorted(heldout)) or 'nothing'})."
            )
        X, y = heldout[record["name"]]()
        spec["inputs"] = {"X": encode_value(X), "y": encode_value(y)}
    normalization = network_normalization(params)
    if normalization is not None:  # a plain network's spec stays as it was: no key
        spec["normalization"] = normalization
    spec["expected"] = encode_value(mlp_accuracy(params, X, y, normalization))
    return spec


def _spec_from_record(record, public, heldout, notebook_path):
    spec = {"name": record["name"], "kind": record["kind"], "public": public}
    if record["kind"] == "close":
        spec.update(tol=float(record["tol"]), check_dtype=bool(record["check_dtype"]), expected=record["value"])
    elif record["kind"] == "init":
        spec.update(_init_spec(record))
    else:
        if "inputs" in record and not public:
            raise ReleaseError(
                f"{notebook_path}: hidden accuracy check {record['name']!r} passes its examples from "
                "the notebook, so the student's kernel chooses what it is measured on. Record it "
                "without X and y (held-out examples from heldout.py), or make it visible."
            )
        spec.update(_accuracy_spec(record, heldout, notebook_path))
        spec["public"] = "inputs" in record
    return spec


def checks_from_executed(nb, notebook_path, heldout=None):
    """The grading bundle's cells: grade_id -> list of check specs, validated.

    ``heldout`` maps an accuracy check's name to the function making its held-out examples.
    """
    cells, seen = {}, set()
    for cell in nb.cells:
        if not (cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        records = records_in_outputs(cell.outputs)
        if not records:
            raise ReleaseError(
                f"{notebook_path}: test cell {grade_id!r} records no checks. Every autograded "
                "test cell must call expect_close / expect_init / expect_accuracy: a cell that only "
                "asserts would award full points to a blank answer."
            )
        visible_source = strip_hidden_tests(cell.source)
        specs = []
        for record in records:
            if record["name"] in seen:
                raise ReleaseError(
                    f"{notebook_path}: check name {record['name']!r} is recorded more than "
                    "once; every check needs its own name."
                )
            seen.add(record["name"])
            public = f'"{record["name"]}"' in visible_source
            specs.append(_spec_from_record(record, public, heldout or {}, notebook_path))
        if not any(is_scored(spec) for spec in specs):
            raise ReleaseError(
                f"{notebook_path}: test cell {grade_id!r} has only public checks, which earn no "
                "points (their expected values are shipped). Add hidden checks."
            )
        fraction, verdicts = judge_cell(specs, records)
        if fraction < 1 or not all(v.passed for v in verdicts):
            failed = [f"{v.name}: {v.message}" for v in verdicts if not v.passed]
            raise ReleaseError(
                f"{notebook_path}: the reference fails its own checks in {grade_id!r}: " + "; ".join(failed)
            )
        cells[grade_id] = specs
    return cells


_PUBLIC_FIELDS = {
    "close": ("tol", "check_dtype", "expected", "fingerprints"),
    "init": ("weight_scale", "tol", "params", "fingerprints"),
    "accuracy": ("threshold", "normalization"),
}


def public_expectations(bundle_cells):
    """What students may see: every public check's spec, its test cell, and whether it is the
    cell's first public check or its last (where Validate reports the cell's failures)."""
    public = {}
    for grade_id, specs in bundle_cells.items():
        shown = [spec for spec in specs if spec["public"]]
        for position, spec in enumerate(shown, start=1):
            public[spec["name"]] = {
                "kind": spec["kind"],
                "public": True,
                "cell": grade_id,
                "first_in_cell": position == 1,
                "last_in_cell": position == len(shown),
                **{key: spec[key] for key in _PUBLIC_FIELDS[spec["kind"]] if key in spec},
            }
            # Diagnoses learned from mutants quote expressions of the reference: grader only.
            library = [fp for fp in spec.get("fingerprints", []) if not fp.get("mutant")]
            public[spec["name"]].pop("fingerprints", None)
            if library:
                public[spec["name"]]["fingerprints"] = library
    return public
