"""A release regenerated on another processor keeps the committed bytes where only rounding differs."""

import json

import numpy as np

from autograder.rounding import keeping_bytes_of, same_up_to_rounding, settled, write_json, write_text
from autograder.values import encode_value


def float32_products(seed=0):
    """Float32 values, and the same values a few units in the last place away (another BLAS kernel)."""
    values = np.random.default_rng(seed).standard_normal(6).astype(np.float32)
    return values, np.nextafter(np.nextafter(values, np.float32(np.inf)), np.float32(np.inf))


def test_arrays_a_few_units_in_the_last_place_apart_are_the_same_and_larger_differences_are_not():
    values, rounded = float32_products()
    assert same_up_to_rounding(encode_value(values), encode_value(rounded))
    assert not same_up_to_rounding(encode_value(values), encode_value(values * np.float32(1.001)))
    assert not same_up_to_rounding(encode_value(values), encode_value(values.astype(np.float64)))  # dtype
    assert not same_up_to_rounding(encode_value(values), encode_value(values.reshape(2, 3)))  # shape
    with_nan = values.copy()
    with_nan[0] = np.nan
    assert not same_up_to_rounding(encode_value(values), encode_value(with_nan))
    doubles = np.linspace(1, 2, 5)
    assert same_up_to_rounding(encode_value(doubles), encode_value(doubles * (1 + 1e-15)))
    assert not same_up_to_rounding(encode_value(doubles), encode_value(doubles * (1 + 1e-9)))
    integers = np.arange(4)
    assert not same_up_to_rounding(encode_value(integers), encode_value(integers + np.array([0, 0, 0, 1])))


def test_structure_strings_and_numbers_in_text_must_agree():
    assert same_up_to_rounding({"a": [1, "x 0.5 y"]}, {"a": [1, "x 0.5000000001 y"]})
    assert not same_up_to_rounding({"a": [1, "x 0.5 y"]}, {"a": [1, "x 0.6 y"]})
    assert not same_up_to_rounding({"a": "affine_forward.hidden0"}, {"a": "affine_backward.hidden0"})
    assert not same_up_to_rounding({"a": 1}, {"a": 1, "b": 2})
    assert not same_up_to_rounding([1, 2], [1, 2, 3])
    assert not same_up_to_rounding({"a": 1}, {"a": True})


def test_inside_a_release_a_file_the_same_up_to_rounding_keeps_its_earlier_bytes(tmp_path):
    values, rounded = float32_products()
    bundle, report = tmp_path / "bundle.json", tmp_path / "report.md"
    write_json(bundle, {"expected": encode_value(values)})
    write_text(report, "margin 0.25 of the tolerance\n")
    committed_bundle, committed_report = bundle.read_bytes(), report.read_bytes()
    with keeping_bytes_of([bundle, report]):
        write_json(bundle, {"expected": encode_value(rounded), "fingerprints": []})  # an intermediate step
        assert "fingerprints" in json.loads(bundle.read_text())
        write_json(bundle, {"expected": encode_value(rounded)})  # the release's final word
        write_text(report, "margin 0.2500000001 of the tolerance\n")
    assert bundle.read_bytes() == committed_bundle and report.read_bytes() == committed_report
    with keeping_bytes_of([bundle]):
        write_json(bundle, {"expected": encode_value(values * np.float32(2))})  # a real change
    assert not same_up_to_rounding(json.loads(committed_bundle), json.loads(bundle.read_text()))


def test_outside_a_release_files_are_written_exactly_as_derived(tmp_path):
    values, rounded = float32_products()
    path = tmp_path / "public_checks.json"
    write_json(path, {"expected": encode_value(values)})
    write_json(path, {"expected": encode_value(rounded)})
    assert json.loads(path.read_text()) == {"expected": encode_value(rounded)}


def test_a_real_change_to_one_value_leaves_the_bytes_of_the_others_alone(tmp_path):
    """A bundle with one real change keeps the earlier bits of every value that only rounding
    moved, so that a file derived from it (public_checks.json) agrees with it bit for bit."""
    values, rounded = float32_products()
    bundle = tmp_path / "bundle.json"
    committed = {
        "cells": {
            "test_adam": [
                {
                    "name": "next_w",
                    "expected": encode_value(values),
                    "fingerprints": [
                        {"mistake": "no_bias_correction", "value": encode_value(values * np.float32(3))},
                        {"mistake": "eps_outside", "value": encode_value(values * np.float32(5))},
                    ],
                }
            ]
        },
        "margin": 0.25,
    }
    write_json(bundle, committed)
    regenerated = {
        "cells": {
            "test_adam": [
                {
                    "name": "next_w",
                    "expected": encode_value(rounded),
                    "fingerprints": [
                        {
                            "mistake": "a_learned_mutant",
                            "value": encode_value(values * np.float32(7)),
                        },  # a new fingerprint first
                        {"mistake": "no_bias_correction", "value": encode_value(rounded * np.float32(3))},
                        {"mistake": "eps_outside", "value": encode_value(values * np.float32(11))},  # a real change
                    ],
                }
            ]
        },
        "margin": 0.2500000001,
    }
    with keeping_bytes_of([bundle]):
        write_json(bundle, regenerated)
    written = json.loads(bundle.read_text())
    check = written["cells"]["test_adam"][0]
    assert check["expected"] == committed["cells"]["test_adam"][0]["expected"]  # rounding: earlier bits
    assert written["margin"] == 0.25
    assert [f["mistake"] for f in check["fingerprints"]] == ["a_learned_mutant", "no_bias_correction", "eps_outside"]
    assert check["fingerprints"][1]["value"] == encode_value(values * np.float32(3))  # matched by its mistake
    assert check["fingerprints"][2]["value"] == encode_value(values * np.float32(11))  # the real change
    assert check["fingerprints"][0]["value"] == encode_value(values * np.float32(7))


def test_settled_lists_without_names_match_by_position_only_at_one_length():
    values, rounded = float32_products()
    old = [encode_value(values), 1.0]
    assert settled(old, [encode_value(rounded), 2.0]) == [encode_value(values), 2.0]
    assert settled(old, [encode_value(rounded), 1.0, 3.0]) == [encode_value(rounded), 1.0, 3.0]
