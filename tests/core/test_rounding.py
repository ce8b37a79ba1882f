"""A release regenerated on another processor keeps the committed bytes where only rounding differs."""

import json

import numpy as np

from autograder.rounding import keeping_bytes_of, same_up_to_rounding, write_json, write_text
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
