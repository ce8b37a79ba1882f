"""Diagnoses learned from mutants: a killed mutant's values become a candidate diagnosis.

Mutation testing (``mutation``) runs each mutant of a solution cell through the test cells
that judge it; the first test cell that loses points kills it, and the values the mutant
recorded on that cell's failed checks are kept. Those values are fingerprints like the
mistake library's (``assessment.fingerprints_of``): a student whose values match a mutant's
on every check it fails is told the mutant's slip, in the student's terms
(``mutants._diagnosis``), by the same rule that names a library mistake
(``comparisons.diagnose_cell``: named only as far as every check bears it out, hedged when
several fit).

Only informative fingerprints are kept, and each mutant whole or not at all (a mutant kept
on some of its checks only could be named where an unkept check contradicts it):

- every failed check must have a value to match: not an accuracy check, nothing unrecorded,
  no NaN or infinity, and not only zeros (many different slips give zeros or NaN);
  an initialisation check must fail on the weights' spread or centre, which its signature
  records with numbers, not only on names, shapes or fills;
- a mutant whose values equal a library mistake's on every check it fails is left out: the
  checks cannot tell them apart, and the library's wording, written by the course's
  authors, takes precedence;
- mutants that equal each other on every check are all kept: a student matching them reads
  "consistent with any of these known mistakes", never one of them as fact.

Learned fingerprints carry ``"mutant": true`` and a sketch of the value instead of the value
(``comparisons.sketch_value``: the bundle stays small with hundreds of them); they stay in the
grading bundle and never in the release's public checks (their diagnoses quote expressions
of the reference).
"""

from ..comparisons import sketch_value
from ..kinds import kind_of
from ..values import decode_value


def informative(spec, fields):
    """Whether a failed check's fingerprint fields say something specific of the slip."""
    return fields is not None and kind_of(spec).informative(fields)


def _same_fields(spec, mine, theirs):
    return kind_of(spec).same_fingerprint(spec, mine, theirs)


def _library(specs):
    """mistake -> {check name: fingerprint} of the library's fingerprints already in the bundle."""
    library = {}
    for name, spec in specs.items():
        for fingerprint in spec.get("fingerprints", []):
            if not fingerprint.get("mutant"):
                library.setdefault(fingerprint["mistake"], {})[name] = fingerprint
    return library


def learned_fingerprints(result, bundle):
    """(check name, fingerprint) of every informative killed mutant of ``bundle``'s notebook
    (``result``: ``mutation.mutation_run``'s), and the number of mutants they come from."""
    specs = {spec["name"]: spec for cell in bundle["cells"].values() for spec in cell}
    library = _library(specs)
    found, mutants = [], 0
    for entry in result["mutants"]:
        if entry["status"] != "killed" or entry.get("notebook") != bundle["notebook"] or not entry.get("fingerprints"):
            continue
        prints = {name: fields for name, fields in entry["fingerprints"] if name in specs}
        if len(prints) != len(entry["fingerprints"]) or not all(
            informative(specs[name], fields) for name, fields in prints.items()
        ):
            continue
        if any(
            set(prints) <= set(known) and all(_same_fields(specs[name], prints[name], known[name]) for name in prints)
            for known in library.values()
        ):
            continue
        mutants += 1
        for name, fields in prints.items():
            found.append(
                (name, {"mistake": entry["name"], "diagnosis": entry["diagnosis"], "mutant": True, **_compact(fields)})
            )
    return found, mutants


def _compact(fields):
    """A close check's value as a sketch (``comparisons.sketch_value``): a few hundred bytes
    instead of every entry of a network's gradients, hundreds of times over."""
    if "value" not in fields:
        return fields
    return {"sketch": sketch_value(decode_value(fields["value"]))}
