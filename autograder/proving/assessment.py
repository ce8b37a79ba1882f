"""What a graded trial says about the change it carries: margins, fingerprints, failures.

A mistake is caught when its failing scored checks in its test cell add up to a quarter
of the cell's points, each failing by a wide margin: an error at least the check kind's
``MARGIN`` times its tolerance (100 tolerances; on an accuracy check, twice the error rate
allowed), or a failed property (shape, dtype, structure, NaN, not recorded, a property of
the initial parameters). Its values on the checks it fails become fingerprints, but only in test
cells that no other change of its run reaches.
"""

import math

from ..kinds import kind_of


def _strength(verdict, spec):
    """How far a failed check is from passing, in units of the margin it needs (>= 1: enough)."""
    if verdict.passed:
        return 0.0
    if verdict.error is None:
        return math.inf  # shape, dtype, structure, NaN, not recorded, a property of the parameters
    kind = kind_of(spec)
    bound = kind.tolerance(spec)
    return math.inf if bound == 0 else verdict.error / bound / kind.MARGIN


def strengths(verdicts, by_name):
    """Each verdict with its strength; a check withheld because the check it requires failed
    (``judge._withhold_unbacked``) is as strong as that check: its own value was right."""
    own = {verdict.name: _strength(verdict, by_name[verdict.name]) for verdict in verdicts}
    return [(own.get(verdict.withheld_by, own[verdict.name]), verdict) for verdict in verdicts]


def _margin_text(verdict, spec, strength):
    if math.isinf(strength):
        return f"{verdict.name}: {verdict.message}"
    return f"{verdict.name}: {kind_of(spec).margin_text(strength)}"


def assess_mistake(mistake, result, specs):
    """The mistake's entry in the quality report."""
    entry = {
        "name": mistake.name,
        "cell": mistake.cell,
        "caught_by": mistake.caught_by,
        "accepted": mistake.accepted,
        "caught": False,
        "points_lost": 0.0,
        "cell_points": 0.0,
        "weakest_margin": "",
        "problem": result.problem,
    }
    cell = result.cells.get(mistake.caught_by)
    if cell is None:
        entry["weakest_margin"] = f"test cell {mistake.caught_by} was not judged ({result.problem or 'missing'})"
        return entry
    by_name = {spec["name"]: spec for spec in specs[mistake.caught_by]}
    scored = [v for v in cell.verdicts if v.scored]
    ranked = sorted(strengths(scored, by_name), key=lambda pair: pair[0], reverse=True)
    needed = max(1, math.ceil(len(scored) / 4))
    strength, verdict = ranked[needed - 1] if len(ranked) >= needed else (0.0, None)
    entry.update(
        points_lost=round(cell.max_score - cell.score, 6),
        cell_points=cell.max_score,
        caught=strength >= 1 and cell.max_score - cell.score >= cell.max_score / 4 - 1e-9,
    )
    if verdict is not None:
        entry["weakest_margin"] = (
            _margin_text(verdict, by_name[verdict.name], strength) if strength > 0 else f"{verdict.name} passes"
        )
    return entry


ROUNDING_MARGIN = 1e-3  # an error below this fraction of a tolerance is floating-point rounding


def closest_check(alternative, result, dependencies, specs):
    """The passing check that depends on the alternative's cell with the largest error for its
    tolerance: how close the alternative came to losing points."""
    worst, text = -1.0, ""
    for grade_id, cell in result.cells.items():
        if alternative.cell not in dependencies.get(grade_id, ()):
            continue
        by_name = {spec["name"]: spec for spec in specs[grade_id]}
        for verdict in cell.verdicts:
            spec = by_name[verdict.name]
            if verdict.scored and verdict.error is not None and spec.get("tol"):
                ratio = verdict.error / spec["tol"]
                if ratio > worst:
                    worst, text = ratio, f"{verdict.name}: {ratio:.2g} of the tolerance"
    if 0 <= worst < ROUNDING_MARGIN:
        # Which check comes "closest" at this level is the machine's rounding, not the alternative.
        return f"every check below {ROUNDING_MARGIN:g} of its tolerance (rounding only)"
    return text


def public_failures(alternative, result, dependencies):
    """The public (feedback-only) checks an alternative fails: what Validate would show it."""
    return sorted(
        verdict.name
        for grade_id, cell in result.cells.items()
        if alternative.cell in dependencies.get(grade_id, ())
        for verdict in cell.verdicts
        if verdict.public and not verdict.passed
    )


def fingerprints_of(mistake, result, dependencies, specs):
    """(check name, fingerprint) for every failed check whose cell only this mistake reaches."""
    cells = {change.cell for change in result.trial.changes}
    found = []
    for grade_id, cell in result.cells.items():
        if dependencies.get(grade_id, set()) & cells != {mistake.cell}:
            continue
        by_name = {spec["name"]: spec for spec in specs[grade_id]}
        for verdict in cell.verdicts:
            record = cell.records.get(verdict.name)
            spec = by_name[verdict.name]
            unusable = verdict.passed or verdict.withheld_by or record is None
            fields = None if unusable else fingerprint_fields(spec, record)
            if fields is None:  # passed (or withheld), not recorded, or a kind without fingerprints (accuracy)
                continue
            found.append((verdict.name, {"mistake": mistake.name, "diagnosis": mistake.diagnosis, **fields}))
    return found


def fingerprint_fields(spec, record):
    """What a fingerprint keeps of a failed check's record, as its kind says (the encoded value
    of a close check, the signature of how an init check's parameters fail), or None for a kind
    without fingerprints. Raises ValueError on a malformed value."""
    return kind_of(spec).fingerprint(spec, record)


def failed_checks(result):
    failed = [
        f"{v.name} ({v.message})" for cell in result.cells.values() for v in cell.verdicts if v.scored and not v.passed
    ]
    return result.problem or "; ".join(failed[:3])
