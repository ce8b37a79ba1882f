"""The release gate: every alternative keeps full marks, every mistake loses, forgery earns nothing.

``prove`` grades, through the grading path (see ``trials``), the reference pasted into
the staged release, every correct alternative and every mistake of the library, and
the forge-everything submission. It refuses the release (ReleaseError, naming each
offender and check) when

- an alternative, or the pasted reference, loses any point;
- a mistake does not lose at least a quarter of its test cell's points by a wide
  margin: its failing scored checks must add up to a quarter of the cell, each with an
  error at least 100x its tolerance or a failure of shape, dtype, structure or value
  (NaN, a property of the initial parameters), or, for an accuracy check, an error rate
  at least twice the allowed one. A mistake listed with an ``accepted`` reason is
  reported instead of refused;
- a forger earns a point (the forge-everything submission, or the one that takes over
  the Solver's training), a blanket value passes any scored check, or a classifier that
  is not a trained network (``shortcuts``) reaches the threshold of an accuracy check
  measured on held-out examples.

Otherwise it records each mistake's values as fingerprints in the grading bundle (and
those of public checks in the release's ``public_checks.json``), adds the fingerprints
learned from killed mutants (``learned``; grading bundle only), and writes
``check_quality.md`` / ``.json`` beside the bundle.

Runs are packed to save time: mistakes in different solution cells share a notebook
when no test cell that judges one depends on the other's cell (``dependencies``), and
alternatives share one when they are in different cells. A shared run whose
unaffected test cells lose points, or an alternatives' run that loses points, is run
again one change at a time, so every verdict is the one the change earns alone.
"""

import json
import os
import shutil

import nbformat

from ..authoring.library import apply_edits, load_library, paste_reference
from ..authoring.release import release
from ..authoring.release_stamp import forget_proven, inputs_digest, record_proven, unchanged_since_proven
from ..authoring.sync import write_public_checks
from ..bundle import bundle_path, load_bundle
from ..checks import PUBLIC_CHECKS_FILE
from ..errors import ReleaseError
from ..grading.pipeline import GradingPipeline, release_files
from ..rounding import write_json, write_text
from ..sandbox import check_sandbox_available
from .assessment import assess_mistake, closest_check, failed_checks, fingerprints_of, public_failures
from .dependencies import solution_dependencies, without_untested_cells
from .forgery import (
    blanket_forgeries,
    forgeable_points,
    forger_notebook,
    forgery_measures,
    forgery_offenders,
    solver_forger_notebook,
)
from .learned import learned_fingerprints
from .mutation import mutation_quality, mutation_run
from .records import proof_key, recall_committed, recall_proof, record_proof, write_committed_record
from .report import quality_report, summary_line
from .trials import Trial, run_trials


def _pack(changes, pasted, compatible):
    """Greedy packing of changes into runs: each joins the first run it is ``compatible`` with."""
    runs = []
    for change in changes:
        for run in runs:
            if compatible(change, run, pasted):
                run.append(change)
                break
        else:
            runs.append([change])
    return runs


def _changed(pasted, changes):
    return apply_edits(pasted, [edit for change in changes for edit in change.as_edits()])


def _independent(mistake, run, pasted):
    """Whether a mistake can join a run: no test cell judging one of them reaches another's cell."""
    if any(other.cell == mistake.cell for other in run):
        return False
    dependencies = solution_dependencies(_changed(pasted, [*run, mistake]))
    members = [*run, mistake]
    return all(
        other.cell not in dependencies.get(judged.caught_by, ())
        for judged in members
        for other in members
        if other is not judged
    )


def _different_cells(change, run, pasted):
    return all(other.cell != change.cell for other in run)


def _trials(prefix, runs, pasted, prune=False):
    """One Trial per run; ``prune`` empties the cells no test cell runs (for mistakes, whose
    verdicts come from test cells only)."""
    trials = []
    for number, run in enumerate(runs):
        nb = _changed(pasted, run)
        trials.append(Trial(f"{prefix}{number:02d}", without_untested_cells(nb) if prune else nb, tuple(run)))
    return trials


def _check_changes_apply(assignment, pasted, changes):
    """ReleaseError naming every change whose edits no longer fit the reference."""
    broken = []
    for change in changes:
        try:
            _changed(pasted, [change])
        except (ValueError, KeyError) as problem:
            broken.append(f"{change.name}: {problem}")
    if broken:
        raise ReleaseError(
            f"Refusing to release {assignment}: these entries of grading_bundle/{assignment}/mistakes.py no "
            "longer apply to the reference (each edit must match its solution cell's text exactly once; "
            "update them after changing course/):\n  " + "\n  ".join(broken)
        )


def _packed_run_is_sound(result, dependencies):
    """A shared run counts only if every test cell none of its mistakes reaches kept full marks."""
    cells = {change.cell for change in result.trial.changes}
    return not result.problem and all(
        cell.score == cell.max_score
        for grade_id, cell in result.cells.items()
        if not dependencies.get(grade_id, set()) & cells
    )


def _offenders(quality):
    lines = []
    for entry in quality["alternatives"]:
        if entry["points"] < entry["max_points"]:
            lines.append(f"alternative {entry['name']} ({entry['cell']}) loses points: {entry['failed']}")
    for entry in quality["mistakes"]:
        if not entry["caught"] and not entry["accepted"]:
            lines.append(
                f"mistake {entry['name']} ({entry['cell']}) is not caught by {entry['caught_by']}: "
                f"loses {entry['points_lost']:g} of {entry['cell_points']:g} points; weakest: "
                f"{entry['weakest_margin']}"
            )
    forge = quality["forge"]
    if forge["points"] > 0:
        lines.append(f"the forge-everything submission earns {forge['points']:g} points")
    if forge["training_points"] > 0:
        lines.append(f"the submission that takes over the Solver's training earns {forge['training_points']:g} points")
    for check, label in forge["forgeable"].items():
        lines.append(f"scored check {check} is forgeable: {label} passes it")
    for survivor in quality["mutants"]["survivors"]:
        lines.append(
            f"mutant {survivor['name']} ({survivor['cell']}) loses no points: add a case that catches it, "
            "or accept it in mutants.py with a reason"
        )
    return lines + forgery_offenders(forge["heldout"])


def _grade(pipeline, name, staged_dir, workers, pasted, forgers, mistakes, alternatives, log):
    """(label -> TrialResult, label -> solution dependencies) for the reference, the forgers
    (label -> notebook) and every change, packed into shared runs and run again alone where
    sharing did not hold."""
    mistake_runs = _pack(mistakes, pasted, _independent)
    alternative_runs = _pack(alternatives, pasted, _different_cells)
    trials = [Trial("reference", pasted)] + [Trial(label, nb) for label, nb in forgers.items()]
    trials += _trials("alternatives", alternative_runs, pasted) + _trials("mistakes", mistake_runs, pasted, True)
    restored = release_files(staged_dir)
    log(
        f"proving the checks of {name}: {len(mistakes)} mistakes and {len(alternatives)} alternatives "
        f"in {len(trials)} notebooks, {workers} at a time"
    )
    results = run_trials(pipeline, name, trials, restored, workers)
    dependencies = {label: solution_dependencies(result.trial.notebook) for label, result in results.items()}
    alternatives_again = [
        change
        for label, result in results.items()
        if label.startswith("alternatives")
        and (result.problem or result.score < result.max_score)
        and len(result.trial.changes) > 1
        for change in result.trial.changes
    ]
    mistakes_again = [
        change
        for label, result in results.items()
        if label.startswith("mistakes")
        and len(result.trial.changes) > 1
        and not _packed_run_is_sound(result, dependencies[label])
        for change in result.trial.changes
    ]
    if alternatives_again or mistakes_again:
        log(f"grading {len(alternatives_again) + len(mistakes_again)} changes again one at a time")
        retrials = _trials("single-alternative-", [[change] for change in alternatives_again], pasted) + _trials(
            "single-mistake-", [[change] for change in mistakes_again], pasted, True
        )
        single = run_trials(pipeline, name, retrials, restored, workers)
        results.update(single)
        dependencies.update({label: solution_dependencies(r.trial.notebook) for label, r in single.items()})
    return results, dependencies


def _prove_notebook(course, assignment, name, staged_dir, library, log):
    """(quality entries, fingerprints, forge data) for one notebook of the assignment."""
    pipeline = GradingPipeline(course, assignment)
    bundle = load_bundle(course.bundle_dir, assignment, name)
    specs = bundle["cells"]
    released = nbformat.read(os.path.join(staged_dir, f"{name}.ipynb"), as_version=4)
    source = nbformat.read(os.path.join(course.source(assignment), f"{name}.ipynb"), as_version=4)
    pasted = paste_reference(released, source)
    here = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in pasted.cells}
    mistakes = [m for m in library.mistakes.values() if m.cell in here]
    alternatives = [a for a in library.alternatives.values() if a.cell in here]
    _check_changes_apply(assignment, pasted, mistakes + alternatives)

    forgers = {"forger": forger_notebook(released, specs), "forger-solver": solver_forger_notebook(released)}
    results, dependencies = _grade(
        pipeline, name, staged_dir, course.settings.worker_count, pasted, forgers, mistakes, alternatives, log
    )
    final = {}  # change name -> (label, result): the last run that judged it
    for label, result in results.items():
        for change in result.trial.changes:
            final[change.name] = (label, result)

    reference = results["reference"]
    if reference.problem or reference.score < reference.max_score:
        raise ReleaseError(
            f"Refusing to release {assignment}: the reference pasted into the released "
            f"stubs of {name} loses points: {failed_checks(reference)}"
        )
    entries = {"mistakes": [], "alternatives": []}
    fingerprints = []
    for mistake in mistakes:
        label, result = final[mistake.name]
        entries["mistakes"].append(assess_mistake(mistake, result, specs))
        fingerprints += fingerprints_of(mistake, result, dependencies[label], specs)
    for alternative in alternatives:
        label, result = final[alternative.name]
        entries["alternatives"].append(
            {
                "name": alternative.name,
                "cell": alternative.cell,
                "points": round(result.score, 6),
                "max_points": reference.max_score,
                "closest_check": closest_check(alternative, result, dependencies[label], specs),
                "public_failed": public_failures(alternative, result, dependencies[label]),
                "failed": failed_checks(result) if result.score < reference.max_score else "",
            }
        )
    forger = results["forger"]
    forged = {record["name"]: record for cell in forger.cells.values() for record in cell.records.values()}
    if not forged:
        raise ReleaseError(
            f"Refusing to release {assignment}: the forge-everything submission recorded nothing, "
            f"so forgery is unproven ({forger.problem or 'no records in any test cell'})."
        )
    sources = {
        cell.metadata.nbgrader.grade_id: cell.source
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") in specs
    }
    forgeable = blanket_forgeries(specs, forged, sources)
    trainer = results["forger-solver"]
    forge = {
        "points": round(forger.score, 6),
        "max_points": forger.max_score,
        "training_points": round(trainer.score, 6),
        "forgeable": forgeable,
        "forgeable_points": round(forgeable_points(pasted, specs, forgeable), 6),
        "heldout": forgery_measures(specs, [forger, trainer]),
    }
    return entries, fingerprints, forge


def _add_fingerprints(bundle, fingerprints, keep_library=False):
    """Put fingerprints on the bundle's checks, replacing the old ones (all of them, or, with
    ``keep_library``, only those learned from mutants)."""
    by_name = {spec["name"]: spec for specs in bundle["cells"].values() for spec in specs}
    for spec in by_name.values():
        kept = [fp for fp in spec.pop("fingerprints", []) if keep_library and not fp.get("mutant")]
        if kept:
            spec["fingerprints"] = kept
    for name, fingerprint in fingerprints:
        if name in by_name:
            by_name[name].setdefault("fingerprints", []).append(fingerprint)


def prove(course, assignment, staged_dir, log=print):
    """Prove the checks of the staged release of ``assignment``; see the module docstring."""
    check_sandbox_available()
    library = load_library(course, assignment)
    quality = {
        "assignment": assignment,
        "mistakes": [],
        "alternatives": [],
        "forge": {
            "points": 0.0,
            "max_points": 0.0,
            "training_points": 0.0,
            "forgeable": {},
            "forgeable_points": 0.0,
            "heldout": {},
        },
    }
    bundles = []
    for name in course.notebook_names(assignment):
        entries, found, forge = _prove_notebook(course, assignment, name, staged_dir, library, log)
        quality["mistakes"] += entries["mistakes"]
        quality["alternatives"] += entries["alternatives"]
        for key in ("points", "max_points", "training_points", "forgeable_points"):
            quality["forge"][key] += forge[key]
        quality["forge"]["forgeable"].update(forge["forgeable"])
        quality["forge"]["heldout"].update(forge["heldout"])
        bundle = load_bundle(course.bundle_dir, assignment, name)
        _add_fingerprints(bundle, found)
        bundles.append(bundle)
    quality["summary"] = summary_line(quality)
    mutation = mutation_run(course, assignment, staged_dir, log=log)
    quality["mutants"] = mutation_quality(mutation)
    learned = 0
    for bundle in bundles:
        found, mutants = learned_fingerprints(mutation, bundle)
        _add_fingerprints(bundle, found, keep_library=True)
        learned += mutants
    quality["mutants"]["learned"] = learned
    write_json(os.path.join(course.bundle_dir, assignment, "check_quality.json"), quality)
    write_text(os.path.join(course.bundle_dir, assignment, "check_quality.md"), quality_report(quality))
    log(quality["summary"])
    log(quality["mutants"]["summary"])
    offenders = _offenders(quality)
    if offenders:
        raise ReleaseError(
            f"Refusing to release {assignment}: its checks are not proven "
            f"(see grading_bundle/{assignment}/check_quality.md):\n  " + "\n  ".join(offenders)
        )
    for bundle in bundles:
        write_json(bundle_path(course.bundle_dir, assignment, bundle["notebook"]), bundle)
    # What is on disk now (each value equal up to rounding stays as it was) is what ships.
    write_public_checks(
        course, assignment, [load_bundle(course.bundle_dir, assignment, b["notebook"]) for b in bundles]
    )
    shutil.copy(
        os.path.join(course.source(assignment), PUBLIC_CHECKS_FILE), os.path.join(staged_dir, PUBLIC_CHECKS_FILE)
    )


def _prove_or_recall(course, assignment, staged_dir, log, records, committed):
    """Prove, or reuse a proof of exactly these inputs: one in the folder of ``records``, or the
    one that accepted the ``committed`` course's release; then record its key beside the release."""
    key = proof_key(course, assignment, staged_dir)
    if records is not None and recall_proof(course, assignment, staged_dir, records, key):
        _log_recalled(course, assignment, log, f"record {key[:12]} in {records}")
    elif committed is not None and recall_committed(course, assignment, staged_dir, committed, key):
        _log_recalled(course, assignment, log, f"when the committed release was made; key {key[:12]}")
    else:
        prove(course, assignment, staged_dir, log=log)
        if records is not None:
            record_proof(course, assignment, records, key)
    write_committed_record(course, assignment, key)


def _log_recalled(course, assignment, log, where):
    with open(os.path.join(course.bundle_dir, assignment, "check_quality.json")) as f:
        quality = json.load(f)
    log(
        f"the checks of {assignment} were proven before on exactly these inputs ({where}): "
        f"{quality['summary']}; {quality['mutants']['summary']}"
    )


def release_proven(course, assignment, log=print, force=False, records=None, published=None, committed=None):
    """``autograder release``: release ``assignment`` only once its checks are proven.

    Unless ``force``, nothing is done when nothing the last proven release depends on has
    changed and what it wrote is intact (``authoring.release_stamp``). With ``records`` (a
    folder of proofs on record, ``proving.records``), a proof of exactly the same inputs is
    reused instead of run again; with a ``committed`` course, so is the proof that accepted its
    release (``proving.records``). ``published``: the folder holding the release published last,
    when release/<assignment> does not (``unchanged_since_proven``)."""
    inputs = inputs_digest(course, assignment)
    if not force:
        stamp = unchanged_since_proven(course, assignment, inputs, published)
        if stamp is not None:
            log(
                f"nothing changed since the last proven release of {assignment} ({stamp.get('proven_at')}): "
                f"release/{assignment} and grading_bundle/{assignment} are up to date; the proof is skipped "
                "(--force releases anyway)"
            )
            return course.release(assignment)
    forget_proven(course, assignment)

    def verify(staged):
        _prove_or_recall(course, assignment, staged, log, records, committed)

    target = release(course, assignment, log=log, verify=verify)
    record_proven(course, assignment, inputs)
    return target
