"""The kinds of check, one module each, and the registry that finds a check's kind by name.

A kind's module holds everything that differs between kinds: what the kernel records, the
spec the release derives from a record, how a recorded value is judged and a difference
described, what a known mistake's fingerprint keeps and how a value matches it, and how a
verdict and a margin are worded. The rest of the toolkit asks the registry (``kind_of``,
and ``compare``, which judges one check through its kind and matches known mistakes) and
never branches on a kind's name, so a new kind is one module here, registered in
``KINDS`` below (docs/AUTHORING.md, "Adding a kind of check", lists what it defines).

This package ships to students as ``nnsupport/kinds/``, beside ``comparisons`` and
``values`` (which it imports, as ``..comparisons`` and ``..values``), so it may import
nothing else of the toolkit.
"""

from ..comparisons import _diagnoses, _either, compound_text
from . import accuracy, close, init

# What every kind module defines (tests/core/test_kinds.py holds each registered kind to it).
REQUIRED = (
    "NAME",  # the kind's name: a spec's and a record's "kind"
    "PUBLIC_FIELDS",  # the spec's fields a public check ships in public_checks.json
    "EXAMPLES",  # whether the check is judged on examples (X, y) besides the recorded value
    "MARGIN",  # how many tolerances a mistake's error must reach to count as caught
    "decode",  # encoded recorded value -> what ``compare`` takes
    "spec_fields",  # (record, public, heldout) -> the release's spec fields (comparisons.SpecError: refused)
    "compare",  # (spec, actual, X, y) -> Comparison, a failure's diagnosis describing the difference
    "tolerance",  # spec -> the bound a Comparison's error is held to (None if the spec has none)
    "verdict_line",  # (name, comparison, spec) -> the line a public check prints
    "margin_text",  # ratio of error to tolerance -> how far a mistake is from passing, in words
    "fingerprint",  # (spec, record) -> what a known mistake's fingerprint keeps, or None
    "matches",  # (spec, actual, comparison, fingerprint) -> whether a failed value matches it
    "informative",  # fingerprint fields -> whether they say something specific of a slip
    "same_fingerprint",  # (spec, mine, theirs) -> whether two fingerprints are the same slip
    "explained_entries",  # (spec, actual) -> {mistake: the entries of a failed value it accounts for}
)

KINDS = {kind.NAME: kind for kind in (close, init, accuracy)}


def kind_of(spec_or_name):
    """The module of a check's kind, from a spec or record (its ``kind``) or the kind's name."""
    name = spec_or_name.get("kind") if isinstance(spec_or_name, dict) else spec_or_name
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown check kind {name!r} (known: {', '.join(KINDS)})") from None


def matching_mistakes(spec, actual, comparison):
    """Names of the known mistakes whose value on this check this failed value matches, as the
    check's kind matches a fingerprint (close: within the check's own tolerance; init: failing
    the same way with the same spread)."""
    kind, found = kind_of(spec), []
    for fingerprint in spec.get("fingerprints", []):
        if kind.matches(spec, actual, comparison, fingerprint) and fingerprint["mistake"] not in found:
            found.append(fingerprint["mistake"])
    return found


def compare(spec, actual, X=None, y=None):
    """The Comparison for one check; for a failure, with the best diagnosis available.

    One check alone cannot tell a known mistake from another cause that gives the same value
    there, so a match is reported as "consistent with"; the grader, which sees every check of
    the cell, names a mistake outright only when all of them agree (``diagnose_cell``).
    """
    comparison = kind_of(spec).compare(spec, actual, X, y)
    if not comparison.passed:
        comparison.description = comparison.diagnosis
        comparison.matched = tuple(matching_mistakes(spec, actual, comparison))
        if comparison.matched:
            known = [_diagnoses(spec)[name] for name in comparison.matched]
            kind = "this known mistake" if len(known) == 1 else "any of these known mistakes"
            comparison.diagnosis = f"consistent with {kind} (the same value on this check): {_either(known)}"
        else:
            comparison.parts = explaining_parts(spec, actual, comparison)
            if comparison.parts:
                comparison.diagnosis = f"consistent with {compound_text(spec, comparison.parts)}"
    return comparison


def explaining_parts(spec, actual, comparison):
    """mistake -> the entries it accounts for, when known mistakes, each matched on the entries
    it gets wrong, together account for every entry of ``actual`` that differs (two slips in
    one function, say the loss's and the gradient's); {} otherwise."""
    parts = kind_of(spec).explained_entries(spec, actual)
    covered = {entry for entries in parts.values() for entry in entries}
    return parts if comparison.entries and covered == set(comparison.entries) else {}
