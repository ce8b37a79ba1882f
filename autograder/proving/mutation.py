"""Mutation testing of an assignment's checks: every non-equivalent mutant must lose points.

``mutation_run`` generates the mutants of every solution cell (``mutants``), has worker
processes run them (``mutant_runs``: one process runs all the mutants of a cell, never one
notebook execution per mutant) and classifies each one:

- *equivalent*: its values on the probe's fresh random inputs equal the reference's;
- *killed*: a test cell that depends on its cell (``dependencies``) loses points;
- *accepted*: it survives, and ``grading_bundle/<a>/mutants.py`` lists it in ACCEPTED with
  a reason (as an accepted mistake is listed in ``mistakes.py``);
- *survivor*: it survives, unaccepted: a weak spot of the checks.

The material file also holds the probes (one per mutated cell) and the cells left unmutated,
each with a reason; a solution cell with neither is an error, and so is an ACCEPTED entry
that names no mutant.
"""

import hashlib
import json
import math
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import nbformat
from nbgrader import utils

from ..authoring.library import paste_reference
from ..authoring.material import material_path, run_material
from ..bundle import load_bundle
from ..errors import ReleaseError
from ..grading.pipeline import release_files
from .dependencies import cell_dependencies, solution_dependencies, without_untested_cells
from .mutants import OPERATORS, notebook_mutants

MATERIAL_FILE = "mutants.py"
CHUNK = 40  # mutants per worker job: small enough to share a big cell between workers


def _material(course, assignment):
    path = material_path(course, assignment, MATERIAL_FILE)
    namespace = run_material(course, assignment, MATERIAL_FILE)
    probes, unmutated = namespace.get("PROBES", {}), namespace.get("UNMUTATED", {})
    accepted = {}
    for number, entry in enumerate(namespace.get("ACCEPTED", [])):
        if not isinstance(entry, dict) or not entry.get("mutant") or not entry.get("accepted"):
            raise ReleaseError(f"{path}: ACCEPTED #{number + 1} needs a mutant (its name) and an accepted reason.")
        accepted[entry["mutant"]] = entry["accepted"]
    return path, probes, unmutated, accepted


def _mutated_source(source, mutant):
    for old, new in mutant.edits:
        if source.count(old) != 1:
            raise ReleaseError(f"mutant {mutant.name}: its edit does not match the pasted cell exactly once")
        source = source.replace(old, new)
    return source


def _jobs(course, assignment, name, release_dir, probes, unmutated, path, cells, scratch_root):
    """(jobs for mutant_runs.run_job, mutants, its solution cells) of one notebook (mutants of the
    solution cells in ``cells`` only, if given)."""
    source = nbformat.read(os.path.join(course.source(assignment), f"{name}.ipynb"), as_version=4)
    released = nbformat.read(os.path.join(release_dir, f"{name}.ipynb"), as_version=4)
    pasted = without_untested_cells(paste_reference(released, source))
    ids = [
        (cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}", index, cell)
        for index, cell in enumerate(pasted.cells)
        if cell.cell_type == "code"
    ]
    solutions = {grade_id for grade_id, _, cell in ids if utils.is_solution(cell)}
    missing = sorted(solutions - set(probes) - set(unmutated))
    if missing:
        raise ReleaseError(
            f"{path}: no probe in PROBES and no reason in UNMUTATED for the solution cells {', '.join(missing)}."
        )
    tests = [
        (grade_id, index, cell) for grade_id, index, cell in ids if utils.is_grade(cell) and not utils.is_solution(cell)
    ]
    base = [cell.source for _, _, cell in ids if not (utils.is_grade(cell) and not utils.is_solution(cell))]
    reaches, judged_by = cell_dependencies(pasted), solution_dependencies(pasted)
    position = {grade_id: index for grade_id, index, _ in ids}
    plain = {grade_id for grade_id, _, cell in ids if not utils.is_grade(cell) and not utils.is_solution(cell)}
    specs = load_bundle(course.bundle_dir, assignment, name)["cells"]
    sources = {grade_id: cell.source for grade_id, _, cell in ids}
    # Test cells as grading runs them: nbgrader restores them, hidden tests included, from the source.
    sources.update(
        {
            cell.metadata.nbgrader.grade_id: cell.source
            for cell in source.cells
            if utils.is_grade(cell) and not utils.is_solution(cell)
        }
    )
    mutated = set(probes) & solutions & (solutions if cells is None else set(cells))
    mutants = notebook_mutants(source, cells=mutated)
    files = release_files(release_dir)
    namespace_key = hashlib.sha256(
        json.dumps([sorted((k, hashlib.sha256(v).hexdigest()) for k, v in files.items()), base]).encode()
    ).hexdigest()
    jobs = []
    for cell in sorted(mutated, key=lambda c: position[c]):
        judging = [
            (
                test,
                sources[test],
                [sources[p] for p in sorted(reaches[test] & plain, key=position.get) if position[p] > position[cell]],
            )
            for test, _, _ in tests
            if cell in judged_by[test]
        ]
        mine = [(m.name, _mutated_source(sources[cell], m)) for m in mutants if m.cell == cell]
        for start in range(0, len(mine), CHUNK):
            jobs.append(
                {
                    "course": course,
                    "assignment": assignment,
                    "material": MATERIAL_FILE,
                    "cell": cell,
                    "files": files,
                    "namespace_key": namespace_key,
                    "scratch_root": scratch_root,
                    "base_cells": base,
                    "tests": judging,
                    "specs": {test: specs[test] for test, _, _ in judging},
                    "mutants": mine[start : start + CHUNK],
                }
            )
    return jobs, mutants, solutions


def _run_jobs(jobs, workers, log):
    from .mutant_runs import run_job

    jobs = sorted(jobs, key=lambda job: -len(job["mutants"]) * (1 + len(job["tests"])))
    verdicts = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for done, result in enumerate(pool.map(run_job, jobs), start=1):
                verdicts += result
                log(f"mutation testing: {done}/{len(jobs)} batches done")
        except Exception as error:  # noqa: BLE001 - a worker's failure is reported in one line
            raise ReleaseError(f"Mutation testing could not finish: {type(error).__name__}: {error}") from None
    return {verdict["name"]: verdict for verdict in verdicts}


def summary_line(result):
    """``mutants killed: K/M, accepted: A, equivalent: E``: M counts the mutants that are not
    equivalent (each must be killed or accepted), so K + A = M when no mutant survives."""
    counts = result["counts"]
    return (
        f"mutants killed: {counts['killed']}/{counts['killable']}, accepted: {counts['accepted']}, "
        f"equivalent: {counts['equivalent']}"
    )


def mutation_run(course, assignment, release_dir, log=print, workers=None, cells=None):
    """The mutation result of ``assignment`` (a JSON-able dict; ``summary_line`` reads it), for
    the solution cells in ``cells`` only, if given."""
    started = time.monotonic()
    path, probes, unmutated, accepted = _material(course, assignment)
    with tempfile.TemporaryDirectory(prefix="autograder-mutants-") as scratch_root:
        jobs, mutants, solutions, notebooks = [], [], set(), {}
        for name in course.notebook_names(assignment):
            found_jobs, found, here = _jobs(
                course, assignment, name, release_dir, probes, unmutated, path, cells, scratch_root
            )
            jobs += found_jobs
            mutants += found
            solutions |= here
            notebooks.update({mutant.name: name for mutant in found})
        unknown = sorted(set(cells or ()) - solutions)
        if unknown:
            raise ReleaseError(f"{assignment} has no solution cells named {', '.join(unknown)}.")
        stale = sorted(set(accepted) - {m.name for m in mutants})
        if stale and cells is None:
            raise ReleaseError(f"{path}: these ACCEPTED entries name no mutant of the reference: {'; '.join(stale)}")
        log(f"mutation testing {assignment}: {len(mutants)} mutants in {len(jobs)} batches")
        verdicts = _run_jobs(jobs, workers or course.settings.worker_count, log)
    entries = []
    for mutant in mutants:
        verdict = verdicts[mutant.name]
        status = verdict["status"]
        if status == "survived" and mutant.name in accepted:
            status = "accepted"
        entries.append(
            {
                **verdict,
                "status": status,
                "cell": mutant.cell,
                "notebook": notebooks[mutant.name],
                "operator": mutant.operator,
                "diagnosis": mutant.diagnosis,
                "accepted": accepted.get(mutant.name, ""),
            }
        )
    counts = {
        status: sum(e["status"] == status for e in entries)
        for status in ("killed", "equivalent", "accepted", "survived")
    }
    counts["generated"] = len(entries)
    counts["killable"] = len(entries) - counts["equivalent"]
    per_operator = {}
    for operator in OPERATORS:
        mine = [e for e in entries if e["operator"] == operator]
        per_operator[operator] = {"generated": len(mine)} | {
            status: sum(e["status"] == status for e in mine)
            for status in ("killed", "equivalent", "accepted", "survived")
        }
    return {
        "assignment": assignment,
        "counts": counts,
        "operators": per_operator,
        "unmutated": unmutated,
        "mutants": entries,
        "seconds": round(time.monotonic() - started, 1),
    }


def mutation_quality(result):
    """What check_quality.json and .md keep of a mutation run: the summary line, the survivors,
    the accepted mutants and the weakest kills (nothing that depends on the machine's speed)."""
    keep = ("name", "cell", "operator", "test_cell", "share_lost", "margin_text", "accepted")

    def brief(entries):
        return [{key: entry.get(key) for key in keep} for entry in entries]

    return {
        "summary": summary_line(result),
        "counts": result["counts"],
        "survivors": brief(survivors(result)),
        "accepted": brief(e for e in result["mutants"] if e["status"] == "accepted"),
        "weakest": brief(weakest_margins(result)),
    }


def survivors(result):
    return [entry for entry in result["mutants"] if entry["status"] == "survived"]


def weakest_margins(result, count=10):
    """The killed mutants closest to surviving: the smallest share of their test cell lost,
    then the smallest margin (error / (100 x tolerance); a failed property counts as infinite)."""
    killed = [e for e in result["mutants"] if e["status"] == "killed"]
    return sorted(killed, key=lambda e: (e["share_lost"], math.inf if e["margin"] is None else e["margin"]))[:count]
