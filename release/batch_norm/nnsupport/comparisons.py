"""How a recorded value compares with the expected one, and what to tell the student.

This module ships to students as ``nnsupport/comparisons.py``: the notebook's public
checks (printed while a student works, and raised under nbgrader's Validate) and the
grader call these same functions, so a student sees what the grader decides.

What a check is (its kind: ``close``, ``init``, ``accuracy``) and how a value of that kind
is judged live in the kind's own module, ``kinds/<kind>.py``, and ``kinds.compare`` judges
one check through its kind (the package ``kinds`` ships beside this one); this module holds
what every kind shares: the ``Comparison``, describing how an array is off, fingerprints of
known mistakes, and the diagnosis of a test cell.

A failure comes with a diagnosis: how the value is off (a flipped sign, a constant
factor, some rows only, NaN, ...), never the expected value itself, and every such claim
is checked on the values with the check's own tolerance and floor. A known mistake is
mentioned only where the value matches that mistake's value on the check within the
check's tolerance (``kinds.matching_mistakes``); one check alone says "consistent with", and the
grader, which sees the whole test cell, names a mistake as the cause only when every check
of the cell bears it out (``diagnose_cell``).
"""

import functools
from dataclasses import dataclass, field

import numpy as np

from .values import decode_value, encode_value, relative_error

_FACTORS = (2, 3, 4, 5, 10)
FLOOR = 1e-8  # the relative error's floor: entries are compared by max(FLOOR, |x| + |y|)
_FIT_SHARE = 0.1  # a claimed pattern must explain the value ten times better than the expected value does


@dataclass
class Comparison:
    passed: bool
    message: str  # what was measured, e.g. "relative error 3.1e-09 (tolerance 1e-08)"
    # Relative error (close), error rate (accuracy); None when a property failed (shape, dtype, NaN, ...).
    error: float | None = None
    diagnosis: str = ""  # for a failure: what the student is told
    signature: str = ""  # for a failure: a short code of how it failed, matched against known mistakes
    description: str = ""  # for a failure: how the value is off, verified on the values (no mistake named)
    matched: tuple = ()  # for a failure: the known mistakes whose value on this check this value matches
    entries: tuple = ()  # for a dict value whose numbers differ: the entries that differ
    # For a failure no known mistake matches whole: mistake -> the entries it accounts for, when
    # known mistakes together account for every entry that differs (``kinds.explaining_parts``).
    parts: dict = field(default_factory=dict)


class SpecError(ValueError):
    """A record the release cannot make a check of: the message says why and what to do."""


def plain_verdict_line(name, comparison):
    """The line a public check prints: what was measured and ok or FAIL."""
    return f"{name}: {comparison.message}: {'ok' if comparison.passed else 'FAIL'}"


def _names(keys, limit=4):
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _factor_phrase(ratio):
    """'about 2x too large' for a simple ratio; just 'too large' otherwise (the exact factor
    would reveal the expected value)."""
    size = ratio if ratio >= 1 else 1 / ratio
    direction = "too large" if ratio >= 1 else "too small"
    for factor in _FACTORS:
        if abs(size - factor) <= 0.02 * factor:
            return f"about {factor}x {direction}"
    return direction


def _rows_phrase(ok):
    if ok.ndim == 2 and ok.shape[0] > 1:
        bad_rows = [str(i) for i in np.flatnonzero(~ok.all(axis=1))]
        if len(bad_rows) < ok.shape[0] and len(bad_rows) <= 4:
            rows = f"rows {', '.join(bad_rows)} differ" if len(bad_rows) > 1 else f"row {bad_rows[0]} differs"
            return f"only {rows}; the other rows match"
    return f"{int(ok.sum())} of {ok.size} entries match; the others differ"


def _explains(a, model, tol, error):
    """Whether ``model`` accounts for ``a`` as well as the check can tell: within the check's
    tolerance everywhere (with its floor), and ten times closer than the expected value is."""
    residual = relative_error(a, model)
    return residual <= max(tol, 1e-12) and residual <= _FIT_SHARE * error


_MIN_LINE = 4  # a factor and a shift fitted to each column show something only on this many rows


def _lines_phrase(a, e, ok, tol, error):
    """'each column is off by its own constant factor (one per column)' (or its own scale and
    shift, or the same per row) when that explains every entry of a 2-D value, verified like
    every other claim; None otherwise, and when some column (row) matches as it is."""
    for axis, line in ((0, "column"), (1, "row")):
        A, E, fine = (a, e, ok) if axis == 0 else (a.T, e.T, ok.T)
        if E.shape[0] < _MIN_LINE or E.shape[1] < 2 or fine.all(axis=0).any() or np.any(E.std(axis=0) <= FLOOR):
            continue
        factor = (A * E).sum(axis=0) / (E * E).sum(axis=0)
        if _explains(A, factor * E, tol, error):
            return f"each {line} is off by its own constant factor (one per {line})"
        centred = E - E.mean(axis=0)
        scale = (A * centred).sum(axis=0) / (centred * centred).sum(axis=0)
        if _explains(A, scale * E + (A.mean(axis=0) - scale * E.mean(axis=0)), tol, error):
            return f"each {line} is off by its own scale and shift (one pair per {line})"
    return None


def describe_difference(actual, expected, tol):
    """How ``actual`` (same shape as ``expected``, finite) is off, without expected values.

    Every sentence is checked on the values with the check's own tolerance and floor: a
    sign or a factor is only claimed when it explains every entry within the tolerance,
    far better than the expected value does, and never for entries below the floor, where
    the check compares absolute differences and a sign or a ratio means nothing.
    """
    a, e = np.asarray(actual, np.float64).ravel(), np.asarray(expected, np.float64).ravel()
    ok = np.abs(a - e) / np.maximum(FLOOR, np.abs(a) + np.abs(e)) <= tol
    error = relative_error(a, e)
    entries = "value is" if a.size == 1 else "values are"
    if not np.any(a) and np.any(e):
        return f"the {entries} all zero" if a.size > 1 else "the value is zero"
    if np.all(np.abs(a[~ok]) + np.abs(e[~ok]) <= FLOOR):
        return (
            f"{int(ok.sum())} of {ok.size} entries match; the others are all smaller than {FLOOR:.0e} in size, "
            "where the check compares absolute differences"
        )
    significant = np.abs(e) > FLOOR
    if np.any(significant) and np.all(np.sign(a) == -np.sign(e)) and _explains(a, -e, tol, error):
        return "the value has the opposite sign" if a.size == 1 else "the values have the opposite sign everywhere"
    norm = float(e @ e)
    ratio = float(a @ e) / norm if norm > 0 else 0.0
    scaled = ratio > 0 and np.all(np.sign(a) == np.sign(e)) and _explains(a, ratio * e, tol, error)
    offset = float(np.mean(a - e))
    shifted = a.size > 1 and _explains(a, e + offset, tol, error)
    if shifted and scaled:  # equal expected entries fit a factor and a shift alike: claim neither pattern
        return f"every entry is {_factor_phrase(ratio)} in size"
    if shifted:
        return f"the values are shifted {'up' if offset > 0 else 'down'} by the same amount everywhere"
    if scaled:
        where = "" if a.size == 1 else ", by the same factor everywhere"
        return f"the {entries} {_factor_phrase(ratio)} in size{where}"
    if np.ndim(expected) == 2:
        shape = np.shape(expected)
        lines = _lines_phrase(a.reshape(shape), e.reshape(shape), ok.reshape(shape), tol, error)
        if lines:
            return lines
    if ok.any():
        return _rows_phrase(ok.reshape(np.shape(expected)))
    return "the value differs" if a.size == 1 else "every entry differs"


def _other_names(expected, actual, advice):
    """A failed Comparison when the dict ``actual`` lacks names of ``expected`` or has others."""
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    if not (missing or extra):
        return None
    parts = ([f"missing {_names(missing)}"] if missing else []) + ([f"unexpected {_names(extra)}"] if extra else [])
    # The names themselves are part of the signature: a known mistake that drops W3 says nothing of gamma1.
    signature = f"keys-{'/'.join(sorted(missing))}+{'/'.join(sorted(extra))}"
    return Comparison(False, "; ".join(parts), None, advice, signature)


def _same(actual, fingerprint, tol):
    """Whether two decoded values agree within ``tol`` (NaN and inf where the other has them too)."""
    if isinstance(fingerprint, dict) or isinstance(actual, dict):
        return (
            isinstance(fingerprint, dict)
            and isinstance(actual, dict)
            and set(actual) == set(fingerprint)
            and all(_same(actual[key], fingerprint[key], tol) for key in fingerprint)
        )
    if actual.shape != fingerprint.shape:
        return False
    a, f = actual.astype(np.float64), fingerprint.astype(np.float64)
    finite = np.isfinite(a) & np.isfinite(f)
    if not np.array_equal(np.isfinite(a), np.isfinite(f)) or not np.array_equal(a[~finite], f[~finite], equal_nan=True):
        return False
    return relative_error(a[finite], f[finite]) <= tol  # the check's own tolerance: no looser match


SKETCH_SAMPLE = 8  # entries a sketched fingerprint keeps of an array
_SKETCH_PROJECTIONS = 3
_SKETCH_NUMBERS = SKETCH_SAMPLE + _SKETCH_PROJECTIONS + 1  # and the sum of magnitudes


@functools.lru_cache(maxsize=64)
def _sketch_basis(size):
    """(sampled positions, random +-1 projections) of an array of ``size`` entries: fixed by
    the size alone, so the grading bundle stores neither."""
    rng = np.random.default_rng(size)
    positions = np.sort(rng.choice(size, SKETCH_SAMPLE, replace=False))
    return positions, rng.choice([-1.0, 1.0], size=(_SKETCH_PROJECTIONS, size))


def _sketch_numbers(values):
    positions, signs = _sketch_basis(values.size)
    return np.concatenate([values[positions], signs @ values, [np.abs(values).sum()]])


def sketch_value(value):
    """A compact fingerprint of a decoded value: of an array, its shape and, as one encoded
    array, SKETCH_SAMPLE of its entries, a few random +-1 projections and the sum of its
    magnitudes (kept whole when that would be no smaller); of a dict of arrays, one such
    sketch per entry, so that a mistake can be matched on the entries it gets wrong alone
    (``kinds.explaining_parts``). ``_same_sketched`` accepts every value ``_same`` accepts
    (each condition it tests follows from a match within the tolerance), and little else."""
    if isinstance(value, dict):
        return {"entries": {key: sketch_value(value[key]) for key in sorted(value)}}
    values = np.asarray(value, np.float64).ravel()
    if values.size <= _SKETCH_NUMBERS:
        return {"value": encode_value(value)}
    return {"shapes": list(np.shape(value)), "sketch": encode_value(_sketch_numbers(values))}


def _same_sketched(actual, sketched, tol):
    """Whether ``actual`` may be within ``tol`` of the value ``sketch_value`` summarised: the
    same names and shapes, the sampled entries within the tolerance, and each projection and
    the sum of magnitudes within the bound a match implies (sum of |a_i - m_i| <= tol * sum
    of max(FLOOR, |a_i| + |m_i|))."""
    if "value" in sketched:
        return _same(actual, decode_value(sketched["value"]), tol)
    if "entries" in sketched or isinstance(actual, dict):
        entries = sketched.get("entries")
        return (
            isinstance(actual, dict)
            and isinstance(entries, dict)
            and set(actual) == set(entries)
            and all(_same_sketched(actual[key], entries[key], tol) for key in entries)
        )
    values = np.asarray(actual, np.float64).ravel()
    if list(np.shape(actual)) != sketched["shapes"] or not np.all(np.isfinite(values)):
        return False
    mine, theirs = _sketch_numbers(values), decode_value(sketched["sketch"])
    if relative_error(mine[:SKETCH_SAMPLE], theirs[:SKETCH_SAMPLE]) > tol:
        return False
    total = mine[-1] + theirs[-1] + values.size * FLOOR
    bound = tol * total + 8 * values.size * np.finfo(np.float64).eps * total  # and the sums' rounding
    return bool(np.all(np.abs(mine[SKETCH_SAMPLE:] - theirs[SKETCH_SAMPLE:]) <= bound))


def _diagnoses(spec):
    """mistake name -> its diagnosis, from the check's fingerprints."""
    return {fingerprint["mistake"]: fingerprint["diagnosis"] for fingerprint in spec.get("fingerprints", [])}


def _either(diagnoses):
    return "; or: ".join(diagnoses[:3])


def _compound_groups(spec, parts):
    """[(the distinct diagnoses that account for them, entries)] for ``parts`` (mistake ->
    entries), entries in name order and grouped by what explains them."""
    diagnoses, by_entry = _diagnoses(spec), {}
    for name, entries in parts.items():
        for entry in entries:
            by_entry.setdefault(entry, []).append(diagnoses[name])
    groups = {}
    for entry, texts in sorted(by_entry.items()):
        groups.setdefault(tuple(dict.fromkeys(texts)), []).append(entry)
    return list(groups.items())


def compound_text(spec, parts):
    """'known mistakes together, each accounting for its own entries: (1) dW1, dW2: A (2) loss: B'
    (with "A; or: A2" where more than one explanation fits an entry)."""
    return _grouped_text(_compound_groups(spec, parts))


def _grouped_text(groups):
    return "known mistakes together, each accounting for its own entries: " + " ".join(
        f"({number}) {_names(entries)}: {_either(list(texts))}" for number, (texts, entries) in enumerate(groups, 1)
    )


def _compound_diagnosis(spec, comparison, evidence):
    """The diagnosis of a dict value whose differing entries known mistakes account for
    between them (``Comparison.parts``): said as fact when each entry has one explanation and
    every check of the cell bears each of those mistakes out (``evidence``: it differs on none
    and passes on none); offered ("consistent with") otherwise."""
    groups = _compound_groups(spec, comparison.parts)
    certain = all(len(texts) == 1 for texts, _ in groups) and not any(
        evidence[name]["differs"] or evidence[name]["passed"] for name in comparison.parts
    )
    text = _grouped_text(groups)
    return text if certain else f"consistent with {text}"


def _evidence(specs, comparisons):
    """mistake -> {"diagnosis", "matched", "differs", "passed"}: on each check the mistake fails
    (it has a fingerprint there), whether this submission's value matched it (whole, or as one
    of the mistakes that account for its entries), failed otherwise, or passed.
    Checks that were not judged (not recorded, unusable) count for nothing."""
    evidence = {}
    for spec, comparison in zip(specs, comparisons, strict=True):
        for fingerprint in spec.get("fingerprints", []):
            entry = evidence.setdefault(
                fingerprint["mistake"],
                {"diagnosis": fingerprint["diagnosis"], "matched": [], "differs": [], "passed": []},
            )
            if comparison is None or spec["name"] in entry["matched"] + entry["differs"] + entry["passed"]:
                continue
            if comparison.passed:
                entry["passed"].append(spec["name"])
            else:
                # Matched whole, or on the entries it gets wrong, other known mistakes accounting for the rest.
                found = fingerprint["mistake"] in comparison.matched or fingerprint["mistake"] in comparison.parts
                entry["matched" if found else "differs"].append(spec["name"])
    return evidence


def diagnose_cell(specs, comparisons):
    """The diagnosis of each check of a test cell (None for a passed or unjudged one), naming a
    known mistake only as far as every check of the cell bears it out.

    ``comparisons`` are aligned with ``specs`` (None where nothing could be judged). A mistake
    whose value this submission matches on one check is named as the cause when it matches on
    every check that mistake fails; as "consistent with" when that holds for several mistakes,
    or when it matches on most of its checks but not all (saying which); and not at all when a
    check contradicts it (the submission passes where the mistake fails, or the values differ
    on more of its checks than they match). A dict value no single mistake matches, whose
    differing entries known mistakes account for between them (two slips in one function), is
    diagnosed entry by entry (``_compound_diagnosis``), under the same rule.
    """
    evidence = _evidence(specs, comparisons)
    failed = {spec["name"] for spec, c in zip(specs, comparisons, strict=True) if c is not None and not c.passed}
    diagnoses = []
    for spec, comparison in zip(specs, comparisons, strict=True):
        if comparison is None or comparison.passed:
            diagnoses.append(None)
            continue
        whole = [name for name in comparison.matched if not (evidence[name]["differs"] or evidence[name]["passed"])]
        partial = [
            name
            for name in comparison.matched
            if name not in whole
            and not evidence[name]["passed"]
            and len(evidence[name]["matched"]) >= 2
            and len(evidence[name]["matched"]) > len(evidence[name]["differs"])
        ]
        # Mistakes written differently can share one explanation (``mask = rand > p`` and
        # ``mask = rand < 1 - p`` both keep units with probability 1 - p): said once, as fact.
        explanations = list(dict.fromkeys(evidence[name]["diagnosis"] for name in whole))
        if len(explanations) == 1 and not partial:
            others = failed - {check for name in whole for check in evidence[name]["matched"]}
            diagnoses.append(
                explanations[0]
                + (
                    f" ({_names(others)} also differ{'s' if len(others) == 1 else ''}, in another way)"
                    if others
                    else ""
                )
            )
        elif whole:
            diagnoses.append(
                "consistent with any of these known mistakes (the same values on every check they "
                f"affect): {_either(explanations)}"
            )
        elif partial:
            diagnoses.append(
                "; or: ".join(
                    f"consistent with a known mistake on {_names(evidence[name]['matched'])} but not on "
                    f"{_names(evidence[name]['differs'])}: {evidence[name]['diagnosis']}"
                    for name in partial[:3]
                )
            )
        elif comparison.parts:
            diagnoses.append(_compound_diagnosis(spec, comparison, evidence))
        else:
            diagnoses.append(comparison.description)
    return diagnoses
