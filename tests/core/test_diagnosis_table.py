"""Diagnoses never mislead: a table of wrong implementations (tests/diagnosis_table.py) judged
against the committed grading bundle, and the describer's claims checked on crafted values."""

import json

import numpy as np
import pytest
from diagnosis_table import (
    ASSIGNMENT,
    CORRECT,
    HEDGE,
    NOTEBOOK,
    NOTEBOOKS,
    ROOT,
    WRONG,
    all_mutants,
    classify,
    library_diagnoses,
    run_entry,
    true_mutants,
)

from autograder.comparisons import Comparison, describe_difference, diagnose_cell
from autograder.judge import judge_cell
from autograder.kinds import compare
from autograder.values import encode_value

BUNDLE = json.loads((ROOT / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json").read_text())
TOLERANCES = {spec["name"]: spec.get("tol") for specs in BUNDLE["cells"].values() for spec in specs}
EPSILON_PLACEMENTS = [entry for entry in WRONG if "eps" in entry.name and entry.cell in ("test_adam", "test_rmsprop")]
L2_MISTAKES = [entry for entry in WRONG if entry.name.startswith("l2_")]


@pytest.fixture(scope="module")
def judged():
    return {entry.name: run_entry(entry, ROOT, judge_cell, encode_value) for entry in WRONG + CORRECT}


@pytest.fixture(scope="module")
def mutants():
    return {assignment: all_mutants(ROOT, assignment) for assignment in NOTEBOOKS}


@pytest.mark.parametrize("entry", WRONG, ids=lambda entry: entry.name)
def test_a_wrong_implementation_loses_points_and_is_never_misdiagnosed(judged, mutants, entry):
    fraction, verdicts = judged[entry.name]
    assert fraction < 1
    failed = {v.name: v.diagnosis for v in verdicts if not v.passed}
    true = entry.true + true_mutants(entry, ROOT, mutants[entry.assignment])
    assert classify(entry, verdicts, library_diagnoses(ROOT, entry.assignment), true) != "misleading", failed


@pytest.mark.parametrize("entry", CORRECT, ids=lambda entry: entry.name)
def test_a_correct_alternative_keeps_full_marks(judged, entry):
    fraction, verdicts = judged[entry.name]
    assert fraction == 1, [(v.name, v.message) for v in verdicts if not v.passed]


@pytest.mark.parametrize("entry", L2_MISTAKES, ids=lambda entry: entry.name)
def test_an_l2_mistake_loses_two_thirds_of_its_cell(judged, entry):
    assert judged[entry.name][0] <= 1 / 3 + 1e-9


@pytest.mark.parametrize("entry", EPSILON_PLACEMENTS, ids=lambda entry: entry.name)
def test_epsilon_in_the_wrong_place_fails_a_scored_check_a_hundredfold(judged, entry):
    _, verdicts = judged[entry.name]
    margins = [v.error / TOLERANCES[v.name] for v in verdicts if v.scored and not v.passed and v.error is not None]
    assert margins and max(margins) >= 100, margins


def test_a_stale_adagrad_cache_is_not_called_a_missing_square_root(judged):
    _, verdicts = judged["adagrad_stale_cache"]
    assert not any("divides by the cache itself" in v.diagnosis for v in verdicts)


def test_a_narrow_normal_initialisation_is_not_called_uniform(judged):
    _, verdicts = judged["init_narrow_normal"]
    failed = [v.diagnosis for v in verdicts if not v.passed]
    assert failed and all("spreads too narrowly" in text and "uniform" not in text for text in failed)


def test_an_adam_step_counter_never_stored_is_not_called_a_missing_power(judged):
    _, verdicts = judged["adam_t_not_stored"]
    assert not any("1 - beta instead of 1 - beta ** t" in v.diagnosis for v in verdicts)


def test_a_library_mistake_is_still_named_as_fact(judged):
    _, verdicts = judged["l2_missing_half_library"]
    diagnosis = library_diagnoses(ROOT)["l2_missing_half"]
    failed = [v.diagnosis for v in verdicts if not v.passed]
    assert failed and all(text.startswith(diagnosis) for text in failed)


@pytest.mark.parametrize(
    "actual, expected, tol, wrong_claim",
    [
        # Both positive and far below the floor: no sign can be read off them.
        (np.array([1e-15, 2e-15, 1e-15]), np.array([3e-15, 5e-15, 4e-15]), 1e-8, "opposite sign"),
        # An added epsilon: nearly proportional, but not within an update check's tolerance.
        (np.linspace(1, 2, 6) - 1e-3 - 1e-11, np.linspace(1, 2, 6) - 1e-3, 1e-10, "same factor"),
        (np.linspace(-1, 2, 6) * (1 + 1e-7) + 2e-8, np.linspace(-1, 2, 6), 1e-8, "same factor"),
        # A sign flipped on most entries only.
        (np.array([-1.0, -2, -3, 4]), np.array([1.0, 2, 3, 4]), 1e-8, "opposite sign everywhere"),
    ],
)
def test_the_describer_never_claims_what_the_values_do_not_show(actual, expected, tol, wrong_claim):
    assert wrong_claim not in describe_difference(actual, expected, tol)


def test_the_describer_still_states_what_the_values_show():
    e = np.linspace(-1, 2, 6)
    assert describe_difference(-e, e, 1e-10) == "the values have the opposite sign everywhere"
    assert (
        describe_difference(2 * e, e, 1e-10)
        == "the values are about 2x too large in size, by the same factor everywhere"
    )
    assert describe_difference(np.array([1e-15, 3e-15]), np.array([3e-15, 5e-15]), 1e-8).endswith(
        "where the check compares absolute differences"
    )
    assert describe_difference(np.array([6.0]), np.array([5.0]), 0) == "the value is too large in size"
    assert describe_difference(e + 1e-3, e, 1e-10) == "the values are shifted up by the same amount everywhere"
    # Equal expected entries fit a factor and a shift alike: neither pattern is claimed.
    assert describe_difference(np.full(4, 0.8), np.full(4, 0.4), 1e-8) == "every entry is about 2x too large in size"


def _check(name, mistakes):
    return {"name": name, "fingerprints": [{"mistake": m, "diagnosis": f"{m}: diagnosis"} for m in mistakes]}


def _failed(*matched):
    return Comparison(False, "relative error", 1.0, "described", "values", "described", tuple(matched))


def test_a_mistake_contradicted_by_another_check_is_not_named():
    specs = [_check("a", ["A"]), _check("b", ["A"]), _check("c", ["A"])]
    diagnoses = diagnose_cell(specs, [_failed("A"), _failed(), Comparison(True, "ok", 0.0)])
    assert diagnoses == ["described", "described", None]


def test_mistakes_that_fit_equally_are_both_offered_and_neither_as_fact():
    specs = [_check("a", ["A", "B"]), _check("b", ["A", "B"])]
    diagnoses = diagnose_cell(specs, [_failed("A", "B"), _failed("A", "B")])
    assert all(text.startswith(HEDGE) and "A: diagnosis" in text and "B: diagnosis" in text for text in diagnoses)


def test_mistakes_that_fit_equally_and_share_one_explanation_are_named_once_as_fact():
    """dropout's `rand > p` and `rand < 1 - p` fit the same values and say the same thing."""
    same = {"name": "a", "fingerprints": [{"mistake": m, "diagnosis": "kept with 1 - p"} for m in ("A", "B")]}
    diagnoses = diagnose_cell([same, _check("b", [])], [_failed("A", "B"), _failed()])
    assert diagnoses == ["kept with 1 - p (b also differs, in another way)", "described"]


def test_a_mistake_matching_most_of_its_checks_is_offered_with_the_checks_it_matches():
    specs = [_check("a", ["A"]), _check("b", ["A"]), _check("c", ["A"])]
    diagnoses = diagnose_cell(specs, [_failed("A"), _failed("A"), _failed()])
    assert diagnoses[0] == "consistent with a known mistake on a, b but not on c: A: diagnosis"
    assert diagnoses[2] == "described"


def test_a_mistake_matching_all_its_checks_is_named_and_other_failures_mentioned():
    specs = [_check("a", ["A"]), _check("b", [])]
    diagnoses = diagnose_cell(specs, [_failed("A"), _failed()])
    assert diagnoses == ["A: diagnosis (b also differs, in another way)", "described"]


def test_two_library_mistakes_in_one_function_are_both_named_entry_by_entry(judged):
    """l2_reg_without_half_both: the loss is l2_missing_half's, the gradients
    l2_gradient_doubled's; no single mistake matches the whole dict."""
    _, verdicts = judged["l2_reg_without_half_both"]
    diagnoses = library_diagnoses(ROOT)
    failed = [v.diagnosis for v in verdicts if not v.passed]
    assert failed
    for text in failed:
        assert text.startswith("known mistakes together, each accounting for its own entries: (1) dW1, dW2, dW3")
        assert f"loss: {diagnoses['l2_missing_half']}" in text
        assert f": {diagnoses['l2_gradient_doubled']} (2) loss" in text


def _dict_check(name, fingerprints):
    """A close check on {"a", "b"} with known mistakes given as mistake -> (a, b)."""
    return {
        "name": name,
        "kind": "close",
        "tol": 1e-8,
        "public": False,
        "expected": encode_value({"a": np.array([1.0, 2.0]), "b": np.array([3.0])}),
        "fingerprints": [
            {"mistake": m, "diagnosis": f"{m}: diagnosis", "value": encode_value({"a": np.array(a), "b": np.array(b)})}
            for m, (a, b) in fingerprints.items()
        ],
    }


def _dict_record(name, a, b):
    return {"name": name, "kind": "close", "value": encode_value({"a": np.array(a), "b": np.array(b)})}


A_WRONG, B_WRONG = ([2.0, 4.0], [3.0]), ([1.0, 2.0], [-3.0])  # each mistake gets one entry wrong


def test_mistakes_accounting_for_different_entries_are_named_together_only_when_every_check_agrees():
    specs = [_dict_check("x", {"A": A_WRONG, "B": B_WRONG}), _dict_check("y", {"B": B_WRONG})]
    both = [_dict_record("x", [2.0, 4.0], [-3.0]), _dict_record("y", [1.0, 2.0], [-3.0])]
    _, verdicts = judge_cell(specs, both)
    assert verdicts[0].diagnosis == (
        "known mistakes together, each accounting for its own entries: (1) a: A: diagnosis (2) b: B: diagnosis"
    )
    assert verdicts[1].diagnosis == "B: diagnosis"
    # y passes where B fails: B is contradicted, so the pair is only offered.
    _, verdicts = judge_cell(specs, [both[0], _dict_record("y", [1.0, 2.0], [3.0])])
    assert verdicts[0].diagnosis.startswith(f"{HEDGE} known mistakes together")
    # A public check, judged alone in the student's kernel, only offers it.
    alone = compare(specs[0], {"a": np.array([2.0, 4.0]), "b": np.array([-3.0])})
    assert alone.parts == {"A": ("a",), "B": ("b",)} and alone.diagnosis.startswith(f"{HEDGE} known mistakes together")


def test_an_entry_no_known_mistake_accounts_for_leaves_the_value_described():
    specs = [_dict_check("x", {"A": A_WRONG, "B": B_WRONG})]
    _, verdicts = judge_cell(specs, [_dict_record("x", [2.0, 4.0], [-4.0])])
    assert "known mistake" not in verdicts[0].diagnosis
    assert verdicts[0].diagnosis.startswith("a, b differ")


def test_an_entry_two_explanations_fit_is_offered_with_both():
    specs = [_dict_check("x", {"A": A_WRONG, "A2": A_WRONG, "B": B_WRONG})]
    _, verdicts = judge_cell(specs, [_dict_record("x", [2.0, 4.0], [-3.0])])
    assert verdicts[0].diagnosis == (
        f"{HEDGE} known mistakes together, each accounting for its own entries: "
        "(1) a: A: diagnosis; or: A2: diagnosis (2) b: B: diagnosis"
    )


def test_the_describer_names_a_factor_or_a_scale_and_shift_of_each_column_or_row():
    """Layer norm without gamma and beta is off by a scale and a shift per feature; test-mode
    batch norm with a wrong running variance by a factor per feature."""
    rng = np.random.default_rng(7)
    e, gamma, beta = rng.standard_normal((6, 5)), rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    assert describe_difference((e - beta) / gamma, e, 1e-8) == (
        "each column is off by its own scale and shift (one pair per column)"
    )
    assert describe_difference(e * gamma, e, 1e-8) == "each column is off by its own constant factor (one per column)"
    per_example = e * rng.uniform(0.5, 2, (6, 1))
    assert describe_difference(per_example, e, 1e-8) == "each row is off by its own constant factor (one per row)"


@pytest.mark.parametrize(
    "make_actual",
    [
        lambda e, rng: e + rng.standard_normal(e.shape),  # no pattern
        lambda e, rng: e * np.r_[1.0, rng.uniform(2, 3, 4)],  # column 0 matches: not "each column"
        lambda e, rng: e * np.r_[1.0, rng.uniform(2, 3, 4)] + 1e-7 * rng.standard_normal(e.shape),  # beyond tol
    ],
)
def test_the_describer_claims_no_column_pattern_the_values_do_not_show(make_actual):
    rng = np.random.default_rng(8)
    e = rng.standard_normal((6, 5))
    assert "each column" not in describe_difference(make_actual(e, rng), e, 1e-8)
    # On three rows a scale and a shift per column show too little: nothing is claimed per column.
    assert "each column" not in describe_difference(e[:3] * rng.uniform(2, 3, 5) + 1, e[:3], 1e-8)


@pytest.mark.parametrize("name", ["adam_eps_added_twice", "lnb_dgamma_mean"])
def test_epsilon_added_twice_and_a_batch_averaged_gradient_are_named(judged, mutants, name):
    """The release's mutant families term_repeated and reduction_swapped name these two slips."""
    entry = next(entry for entry in WRONG if entry.name == name)
    true = entry.true + true_mutants(entry, ROOT, mutants[entry.assignment])
    assert classify(entry, judged[name][1], library_diagnoses(ROOT, entry.assignment), true) == "named"
