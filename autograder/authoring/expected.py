"""Expected values, produced by running a source notebook's reference solutions.

The source notebook runs end to end in a scratch copy of its folder; every test
cell's ``expect_*`` calls emit records, which become the checks of the grading
bundle. Expected values are thereby produced by the reference, through the very
cells that will later run on the students' code, and are never typed by hand.

What each kind of check keeps in the bundle is the kind's to say (``spec_fields`` of its
module in ``autograder/kinds/``): the reference's value (close); each parameter's name,
shape, dtype and fill (init); the examples, held-out ones from
``grading_bundle/<assignment>/heldout.py`` for a hidden check, and the reference's accuracy
on them (accuracy).

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

from ..comparisons import SpecError
from ..environments import QUIET_KERNEL, kernel_environment
from ..errors import ReleaseError
from ..judge import is_scored, judge_cell, records_in_outputs
from ..kinds import kind_of
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


def _spec_from_record(record, public, heldout, notebook_path):
    """A record's spec: its name, kind and visibility, and the fields its kind derives."""
    spec = {"name": record["name"], "kind": record["kind"], "public": public}
    if "requires" in record:
        spec["requires"] = record["requires"]
    try:
        spec.update(kind_of(record).spec_fields(record, public, heldout))
    except SpecError as problem:
        raise ReleaseError(f"{notebook_path}: {problem}") from None
    return spec


def _check_requirements(specs, grade_id, notebook_path):
    """``requires`` pairs a hidden check with another hidden check of the same cell, which
    itself requires nothing (so no chain or cycle can hide what decides the points)."""
    by_name = {spec["name"]: spec for spec in specs}
    for spec in specs:
        if "requires" not in spec:
            continue
        required = by_name.get(spec["requires"])
        where = f"{notebook_path}: test cell {grade_id!r}: check {spec['name']!r} requires {spec['requires']!r}"
        if spec["public"]:
            raise ReleaseError(f"{where}, but it is public and earns no points: use requires in hidden checks only.")
        if required is None:
            raise ReleaseError(f"{where}, which this cell does not record. Name a check of the same cell.")
        if required is spec or required["public"] or "requires" in required:
            raise ReleaseError(f"{where}, which must be another hidden check of the cell that requires nothing itself.")


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
        _check_requirements(specs, grade_id, notebook_path)
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
                **{key: spec[key] for key in kind_of(spec).PUBLIC_FIELDS if key in spec},
            }
            # Diagnoses learned from mutants quote expressions of the reference: grader only.
            library = [fp for fp in spec.get("fingerprints", []) if not fp.get("mutant")]
            public[spec["name"]].pop("fingerprints", None)
            if library:
                public[spec["name"]]["fingerprints"] = library
    return public
