"""Diagnoses learned from mutants: which killed mutants become diagnosis candidates, how they
are stored (sketches), matched, worded, and kept out of what students receive."""

import numpy as np
import pytest

from autograder.authoring.expected import public_expectations
from autograder.comparisons import Comparison, _same, _same_sketched, diagnose_cell, sketch_value
from autograder.judge import judge_cell
from autograder.kinds import compare, matching_mistakes
from autograder.proving.learned import learned_fingerprints
from autograder.proving.mutants import cell_mutants
from autograder.values import encode_value

RNG = np.random.default_rng(0)
GRADS = {"loss": np.array(2.5), "W1": RNG.standard_normal((30, 20)), "b1": RNG.standard_normal(20)}


def _close(name, expected, tol=1e-8, fingerprints=(), public=False):
    spec = {"name": name, "kind": "close", "tol": tol, "public": public, "expected": encode_value(expected)}
    if fingerprints:
        spec["fingerprints"] = list(fingerprints)
    return spec


@pytest.mark.parametrize("value", [GRADS, GRADS["W1"], np.arange(5.0)], ids=["dict", "array", "small"])
def test_a_sketch_accepts_every_value_within_the_tolerance_and_not_one_entry_off(value):
    sketched = sketch_value(value)
    flat = value if isinstance(value, dict) else {"": value}
    for seed in range(20):
        noise = np.random.default_rng(seed)
        near = {k: v * (1 + 0.9e-8 * noise.uniform(-1, 1, np.shape(v))) for k, v in flat.items()}
        near = near if isinstance(value, dict) else near[""]
        assert _same(near, value, 1e-8) and _same_sketched(near, sketched, 1e-8)
    for key, array in flat.items():
        for position in range(0, array.size, max(1, array.size // 7)):
            off = {k: v.copy() for k, v in flat.items()}
            off[key].flat[position] += 1e-3 * (1 + abs(off[key].flat[position]))
            off = off if isinstance(value, dict) else off[""]
            assert not _same_sketched(off, sketched, 1e-8), (key, position)
    reshaped = {k: v.reshape(-1) if v.ndim > 1 else v for k, v in flat.items()}
    if any(v.ndim > 1 for v in flat.values()):
        assert not _same_sketched(reshaped if isinstance(value, dict) else reshaped[""], sketched, 1e-8)


def test_a_sketch_is_far_smaller_than_the_value():
    assert len(str(sketch_value(GRADS))) < len(str(encode_value(GRADS))) / 10  # a sketch per entry


def test_a_sketched_mutant_and_a_library_mistake_account_for_their_own_entries_together():
    """A slip in the loss (a library mistake, kept whole) and another in W1 (a learned mutant,
    sketched entry by entry): each is matched on the entries it gets wrong."""
    loss_slip = dict(GRADS, loss=np.array(5.0))
    w1_slip = dict(GRADS, W1=-GRADS["W1"])
    spec = _close(
        "grads",
        GRADS,
        fingerprints=[
            {"mistake": "half", "diagnosis": "loss: the factor 0.5 is missing", "value": encode_value(loss_slip)},
            {"mistake": "m", "diagnosis": "f: `-` instead of `+`", "mutant": True, "sketch": sketch_value(w1_slip)},
        ],
    )
    both = {"loss": np.array(5.0), "W1": -GRADS["W1"], "b1": GRADS["b1"]}
    comparison = compare(spec, both)
    assert comparison.matched == () and comparison.parts == {"half": ("loss",), "m": ("W1",)}
    record = {"name": "grads", "kind": "close", "value": encode_value(both)}
    assert judge_cell([spec], [record])[1][0].diagnosis == (
        "known mistakes together, each accounting for its own entries: "
        "(1) W1: f: `-` instead of `+` (2) loss: loss: the factor 0.5 is missing"
    )
    # W1 off in another way: nothing accounts for it, so neither mistake is offered.
    other = compare(spec, dict(both, W1=2 * GRADS["W1"]))
    assert other.parts == {} and "known mistake" not in other.diagnosis


def _entry(name, fingerprints, status="killed", diagnosis=None):
    return {
        "name": name,
        "status": status,
        "notebook": "NB",
        "cell": "f",
        "diagnosis": diagnosis or f"f: {name}",
        "fingerprints": [[check, None if v is None else {"value": encode_value(v)}] for check, v in fingerprints],
    }


def test_only_informative_killed_mutants_are_learned_whole_and_library_mistakes_keep_their_wording():
    a, b = RNG.standard_normal(6), RNG.standard_normal(6)
    library = {"mistake": "lib", "diagnosis": "f: the library's words", "value": encode_value(2 * a)}
    bundle = {"notebook": "NB", "cells": {"test_f": [_close("f.a", a, fingerprints=[library]), _close("f.b", b)]}}
    result = {
        "mutants": [
            _entry("doubles a", [("f.a", 2 * a)]),  # the library's values: left to the library
            _entry("triples both", [("f.a", 3 * a), ("f.b", 3 * b)]),
            _entry("triples both too", [("f.a", 3 * a), ("f.b", 3 * b)]),  # kept: the two are hedged
            _entry("nan in b", [("f.a", 4 * a), ("f.b", np.full(6, np.nan))]),  # not learned at all
            _entry("zeros", [("f.a", 0 * a)]),
            _entry("unrecorded", [("f.a", 5 * a), ("f.b", None)]),
            _entry("survivor", [], status="survived"),
        ]
    }
    found, mutants = learned_fingerprints(result, bundle)
    assert mutants == 2
    assert sorted((check, fp["mistake"]) for check, fp in found) == [
        ("f.a", "triples both"),
        ("f.a", "triples both too"),
        ("f.b", "triples both"),
        ("f.b", "triples both too"),
    ]
    assert all(fp["mutant"] and fp["diagnosis"] == f"f: {fp['mistake']}" and "sketch" in fp for _, fp in found)

    specs = bundle["cells"]["test_f"]
    for check, fp in found:
        next(spec for spec in specs if spec["name"] == check).setdefault("fingerprints", []).append(fp)
    compared = []
    for spec, value in zip(specs, (3 * a, 3 * b), strict=True):
        comparison = Comparison(False, "differs", 1.0, "described", "values", "described")
        comparison.matched = tuple(matching_mistakes(spec, value, comparison))
        compared.append(comparison)
    assert compared[0].matched == ("triples both", "triples both too")
    diagnoses = diagnose_cell(specs, compared)
    assert all(text.startswith("consistent with any of these") and "f: triples both too" in text for text in diagnoses)


def test_learned_fingerprints_never_reach_the_public_checks():
    a = RNG.standard_normal(6)
    learned = {"mistake": "m", "diagnosis": "f: uses `+` instead of `-`", "mutant": True, **{"sketch": {}}}
    library = {"mistake": "lib", "diagnosis": "f: the library's words", "value": encode_value(2 * a)}
    public = public_expectations({"test_f": [_close("f.a", a, fingerprints=[library, learned], public=True)]})
    assert public["f.a"]["fingerprints"] == [library]


def test_a_mutant_is_worded_from_the_students_side_without_line_numbers_or_whole_formulas():
    source = (
        "def step(w, dw, config):\n"
        "    ### BEGIN SOLUTION\n"
        '    config["t"] += 1\n'
        '    v = config["momentum"] * config["velocity"] - config["learning_rate"] * dw * config["scale"]\n'
        "    next_w = w + v\n"
        "    ### END SOLUTION\n"
        "    return next_w\n"
    )
    by_description = {m.description.split(": ", 1)[1]: m.diagnosis for m in cell_mutants("step", source)}
    assert (
        by_description["`-` instead of `+`"]
        == "step: your values match code that uses `-` instead of `+` where `next_w` is computed"
    )
    assert (
        by_description['`config["t"] += 1` left out']
        == 'step: your values match code that leaves out the statement that updates `config["t"]`'
    )
    for diagnosis in by_description.values():
        assert "line" not in diagnosis and diagnosis.startswith("step: your values match code that ")
        assert 'config["momentum"] * config["velocity"] - config["learning_rate"]' not in diagnosis
