"""Expected values, produced by running a source notebook's reference solutions.

The source notebook runs end to end in a scratch copy of its folder; every test
cell's ``expect_*`` calls emit records, which become the checks of the grading
bundle. Expected values are thereby produced by the reference, through the very
cells that will later run on the students' code, and are never typed by hand.
"""

import os
import shutil
import tempfile

import nbformat
import numpy as np
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbgrader import utils

from ..checks import decode_value, encode_value, mlp_accuracy
from ..environments import QUIET_KERNEL, kernel_environment
from ..errors import ReleaseError
from ..judge import is_scored, judge_cell, records_in_outputs
from ..regions import strip_hidden_tests


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


def _spec_from_record(record, public):
    spec = {"name": record["name"], "kind": record["kind"], "expected": record["value"],
            "public": public}
    if record["kind"] == "close":
        spec.update(tol=float(record["tol"]), check_dtype=bool(record["check_dtype"]),
                    scored=bool(record.get("scored", True)))
    else:  # accuracy: the instructor's data is what the grader evaluates on
        spec.update(threshold=float(record["threshold"]), inputs=record["inputs"],
                    expected=encode_value(mlp_accuracy(
                        {k: decode_value(v) for k, v in record["value"].items()},
                        decode_value(record["inputs"]["X"]), decode_value(record["inputs"]["y"]))))
    return spec


def checks_from_executed(nb, notebook_path):
    """The grading bundle's cells: grade_id -> list of check specs, validated."""
    cells, seen = {}, set()
    for cell in nb.cells:
        if not (cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        records = records_in_outputs(cell.outputs)
        if not records:
            raise ReleaseError(
                f"{notebook_path}: test cell {grade_id!r} records no checks. Every autograded "
                "test cell must call expect_close / expect_accuracy: a cell that only asserts "
                "would award full points to a blank answer."
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
            specs.append(_spec_from_record(record, public))
        for spec in specs:
            if is_scored(spec) and spec["kind"] == "close" and not np.any(decode_value(spec["expected"])):
                raise ReleaseError(
                    f"{notebook_path}: the expected value of scored check {spec['name']!r} is all "
                    "zeros, which a forged record matches without any work. Check something "
                    "non-trivial, or pass scored=False to make it feedback only."
                )
        if not any(is_scored(spec) for spec in specs):
            raise ReleaseError(
                f"{notebook_path}: test cell {grade_id!r} has only public value checks, which "
                "earn no points (their expected values are shipped). Add hidden checks."
            )
        fraction, verdicts = judge_cell(specs, records)
        if fraction < 1 or not all(v.passed for v in verdicts):
            failed = [f"{v.name}: {v.message}" for v in verdicts if not v.passed]
            raise ReleaseError(
                f"{notebook_path}: the reference fails its own checks in {grade_id!r}: "
                + "; ".join(failed)
            )
        cells[grade_id] = specs
    return cells


def public_expectations(bundle_cells):
    """What students may see: the expected values of checks on visible inputs."""
    public = {}
    for specs in bundle_cells.values():
        for spec in specs:
            if spec["public"]:
                keys = ("kind", "threshold") if spec["kind"] == "accuracy" else ("kind", "tol", "expected")
                public[spec["name"]] = {key: spec[key] for key in keys}
    return public
