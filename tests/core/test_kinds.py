"""Kinds of check: each is one module holding what the registry asks of it, and the toolkit
judges, describes, diagnoses and words a check through the registry alone, so a kind
registered nowhere but in ``KINDS`` is judged like the built-in ones."""

import types

import numpy as np
import pytest

from autograder import checks
from autograder.authoring.expected import public_expectations
from autograder.authoring.support_package import KERNEL_MODULES
from autograder.comparisons import Comparison, plain_verdict_line
from autograder.judge import judge_cell, judge_check
from autograder.kinds import KINDS, REQUIRED, compare, kind_of
from autograder.proving.assessment import fingerprint_fields
from autograder.values import decode_value, encode_value


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_registered_kind_defines_what_the_registry_asks_and_ships_to_students(name):
    kind = KINDS[name]
    assert [field for field in REQUIRED if not hasattr(kind, field)] == []
    assert kind.NAME == name
    assert f"kinds/{kind.__name__.rpartition('.')[2]}.py" in KERNEL_MODULES


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown check kind 'median' \\(known: close, init, accuracy\\)"):
        kind_of({"kind": "median"})


def _toy_kind():
    """A kind "total": an array whose sum is within ``tol`` of the expected total. Its
    fingerprints are the sums of known mistakes."""

    def compare_total(spec, actual, X=None, y=None):
        error = abs(float(np.sum(actual)) - spec["total"])
        message = f"sum off by {error:.2g} (tolerance {spec['tol']})"
        if error <= spec["tol"]:
            return Comparison(True, message, error)
        direction = "large" if np.sum(actual) > spec["total"] else "small"
        return Comparison(False, message, error, f"the entries add up to too {direction} a total", "total")

    return types.SimpleNamespace(
        NAME="total",
        PUBLIC_FIELDS=("tol", "total"),
        EXAMPLES=False,
        MARGIN=10,
        decode=decode_value,
        spec_fields=lambda record, public, heldout: {"tol": 0.5, "total": float(np.sum(decode_value(record["value"])))},
        compare=compare_total,
        tolerance=lambda spec: spec["tol"],
        verdict_line=lambda name, comparison, spec: "total " + plain_verdict_line(name, comparison),
        margin_text=lambda strength: f"sum {strength * 10:.0f}x the tolerance off",
        fingerprint=lambda spec, record: {"total": float(np.sum(decode_value(record["value"])))},
        matches=lambda spec, actual, comparison, fingerprint: abs(np.sum(actual) - fingerprint["total"]) <= spec["tol"],
        informative=lambda fields: True,
        same_fingerprint=lambda spec, mine, theirs: mine == theirs,
        explained_entries=lambda spec, actual: {},
    )


def test_a_kind_registered_in_the_registry_alone_is_judged_described_diagnosed_and_worded(monkeypatch):
    toy = _toy_kind()
    monkeypatch.setitem(KINDS, "total", toy)
    mistake = {"mistake": "doubled", "diagnosis": "every entry counted twice", "total": 12.0}
    spec = {"name": "s", "kind": "total", "tol": 0.5, "total": 6.0, "public": False, "fingerprints": [mistake]}

    def record(value):
        return {"name": "s", "kind": "total", "value": encode_value(np.asarray(value, float))}

    assert judge_check(spec, [record([1, 2, 3])]).passed  # judged by the toy's compare
    far = judge_check(spec, [record([5, 5, 5])])
    assert not far.passed and far.message == "sum off by 9 (tolerance 0.5)"
    assert far.diagnosis == "the entries add up to too large a total"  # the toy's description of the difference
    twice = compare(spec, np.array([2.0, 4.0, 6.0]))
    assert twice.matched == ("doubled",) and twice.description == "the entries add up to too large a total"
    fraction, verdicts = judge_cell([spec], [record([2, 4, 6])])
    assert fraction == 0 and verdicts[0].diagnosis == "every entry counted twice"  # diagnosed by the toy's matches
    assert fingerprint_fields(spec, record([2, 4, 6])) == {"total": 12.0}
    assert checks._line("s", twice, spec).startswith("total s: sum off by 6 (tolerance 0.5): FAIL\n    -> consistent")
    shipped = public_expectations({"cell": [dict(spec, public=True)]})["s"]
    assert (shipped["tol"], shipped["total"], shipped["fingerprints"]) == (0.5, 6.0, [mistake])


def test_a_learned_init_diagnosis_names_a_scaled_draw_only_for_that_spread():
    """A mutant that scales the draw by 0.5 is named for a 0.5x normal draw, not for uniform
    weights of spread 0.56x (inside the check's 15% of 0.5x, which a library mistake's
    fingerprint keeps; uniform(-1, 1) spreads 0.577x)."""
    import numpy as np

    from autograder.kinds import init, matching_mistakes
    from autograder.values import encode_summaries

    rng = np.random.default_rng(0)
    spec = {
        "name": "init",
        "kind": "init",
        "tol": 0.15,
        "weight_scale": 1.0,
        "public": False,
        "params": {"W1": {"shape": [100, 50], "dtype": "float64", "fill": "normal"}},
    }

    def signature(weights):
        return init.compare_init(spec, init.decode(encode_summaries({"W1": weights}))).signature

    half = signature(0.5 * rng.standard_normal((100, 50)))
    spec["fingerprints"] = [
        {"mistake": "library_half", "diagnosis": "", "signature": half},
        {"mistake": "mutant_half", "diagnosis": "", "signature": half, "mutant": True},
    ]
    for weights, named in (
        (0.5 * rng.standard_normal((100, 50)), ["library_half", "mutant_half"]),
        (rng.uniform(-0.97, 0.97, (100, 50)), ["library_half"]),
    ):
        actual = init.decode(encode_summaries({"W1": weights}))
        assert matching_mistakes(spec, actual, init.compare_init(spec, actual)) == named
