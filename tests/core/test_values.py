"""Values as JSON: every bit round-trips, and hostile records are refused before any allocation."""

import base64
import json
import tracemalloc

import numpy as np
import pytest

from autograder.kinds import kind_of
from autograder.values import (
    MAX_ELEMENTS,
    ArraySummary,
    decode_value,
    encode_summaries,
    encode_value,
    relative_error,
)


def test_encoding_round_trips_every_bit():
    for value in [
        np.linspace(-1, 1, 12).reshape(3, 4),
        np.float32(1.5),
        3,
        [True, False],
        np.array([np.nan, np.inf, -0.0]),
        np.arange(6, dtype=">i4").reshape(2, 3),
    ]:
        decoded = decode_value(encode_value(value))
        assert np.array_equal(decoded, np.asarray(value), equal_nan=True)
        assert decoded.dtype == np.asarray(value).dtype.newbyteorder("=")


def test_a_dict_of_arrays_round_trips_entry_by_entry():
    value = {"loss": 2.5, "dW1": np.ones((2, 3), np.float32)}
    decoded = decode_value(encode_value(value))
    assert set(decoded) == {"loss", "dW1"} and decoded["dW1"].dtype == np.float32
    assert decoded["loss"] == 2.5


def test_what_is_not_numeric_is_described_by_its_type():
    assert encode_value("text") == {"unsupported": "str of dtype <U4"}
    assert encode_value([[1, 2], [3]]) == {"unsupported": "list"}


def data(n_bytes):
    return base64.b64encode(b"\0" * n_bytes).decode()


HOSTILE = {
    "not an object": "a string",
    "a list": [1, 2, 3],
    "None": None,
    "unsupported": {"unsupported": "str"},
    "object dtype": {"dtype": "object", "shape": [1], "data": ""},
    "string dtype": {"dtype": "<U3", "shape": [1], "data": data(12)},
    "structured dtype": {"dtype": "i4,i4", "shape": [1], "data": data(8)},
    "complex dtype": {"dtype": "complex128", "shape": [1], "data": data(16)},
    "datetime dtype": {"dtype": "datetime64[s]", "shape": [1], "data": data(8)},
    "dtype not a string": {"dtype": ["float64"], "shape": [1], "data": data(8)},
    "dtype nonsense": {"dtype": "float" * 10, "shape": [1], "data": data(8)},
    "shape not a list": {"dtype": "float64", "shape": "3", "data": data(24)},
    "shape with a float": {"dtype": "float64", "shape": [1.5], "data": data(8)},
    "shape with a bool": {"dtype": "float64", "shape": [True], "data": data(8)},
    "shape with a string": {"dtype": "float64", "shape": ["3"], "data": data(24)},
    "negative dimension": {"dtype": "float64", "shape": [-1], "data": ""},
    "huge dimension": {"dtype": "float64", "shape": [10**30], "data": ""},
    "huge claimed size": {"dtype": "float64", "shape": [10**6, 10**6], "data": ""},
    "size just over the cap": {"dtype": "uint8", "shape": [MAX_ELEMENTS + 1], "data": ""},
    "too many dimensions": {"dtype": "float64", "shape": [1] * 40, "data": data(8)},
    "data too short": {"dtype": "float64", "shape": [3], "data": data(8)},
    "data not base64": {"dtype": "float64", "shape": [1], "data": "not base64!!"},
    "data not a string": {"dtype": "float64", "shape": [1], "data": 12345678},
    "missing fields": {"shape": [1]},
    "entries not an object": {"entries": [1, 2]},
    "too many entries": {"entries": {str(i): encode_value(0.0) for i in range(300)}},
    "a nested dict": {"entries": {"a": {"entries": {"b": encode_value(1.0)}}}},
    "an entry name too long": {"entries": {"x" * 200: encode_value(1.0)}},
    "entries adding up past the cap": {
        "entries": {str(i): {"dtype": "uint8", "shape": [MAX_ELEMENTS // 2 + 1], "data": ""} for i in range(2)}
    },
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_are_refused_with_a_value_error_and_no_allocation(kind):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError):
            decode_value(HOSTILE[kind])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # refused before allocating anything of the claimed size


def test_an_init_record_keeps_a_summary_a_few_hundred_bytes_long_whatever_the_network():
    rng = np.random.default_rng(0)
    params = {"W1": (0.05 * rng.standard_normal((300, 200))).astype(np.float32), "b1": np.zeros(200, np.float32)}
    summaries = kind_of("init").decode(encode_summaries(params))
    in_full = kind_of("init").decode(encode_value(params))  # a record from before summaries
    assert summaries == in_full
    W1 = summaries["W1"]
    assert (W1.dtype, W1.shape, W1.finite, W1.nonzero, W1.ones) == (np.float32, (300, 200), True, True, False)
    assert W1.std == pytest.approx(float(params["W1"].astype(np.float64).std()), rel=1e-12)
    assert W1.minimum < 0 and abs(W1.mean) < 1e-3 and not summaries["b1"].nonzero
    assert len(json.dumps(encode_summaries(params))) < 500 < len(json.dumps(encode_value(params))) / 100


def test_a_summary_of_nonfinite_or_nonnumeric_values_says_so():
    summary = kind_of("init").decode(encode_summaries({"W1": np.array([1.0, np.nan])}))["W1"]
    assert not summary.finite and (summary.minimum, summary.mean, summary.std) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="not a number or numeric array: 'str"):
        kind_of("init").decode(encode_summaries({"W1": "weights"}))


GOOD_SUMMARY = ArraySummary.of(np.ones((2, 3))).encode()
HOSTILE_SUMMARIES = {
    "summaries not an object": [GOOD_SUMMARY],
    "too many summaries": {str(i): GOOD_SUMMARY for i in range(300)},
    "a flag that is not a boolean": {"W1": dict(GOOD_SUMMARY, finite=1)},
    "a statistic that is not a number": {"W1": dict(GOOD_SUMMARY, std="0.05")},
    "a statistic that is a boolean": {"W1": dict(GOOD_SUMMARY, mean=True)},
    "a statistic that is not finite": {"W1": dict(GOOD_SUMMARY, std=float("nan"))},
    "a missing statistic": {"W1": {k: v for k, v in GOOD_SUMMARY.items() if k != "minimum"}},
    "a dtype that is not numeric": {"W1": dict(GOOD_SUMMARY, dtype="object")},
    "a shape that is not sizes": {"W1": dict(GOOD_SUMMARY, shape=[-1, 3])},
    "a summary that is not an object": {"W1": "W1"},
    # Statistics no array has, which a diagnosis would state as facts (the ninth red team's).
    "a negative standard deviation": {"W1": dict(GOOD_SUMMARY, std=-5.0)},
    "a minimum above the mean": {"W1": dict(GOOD_SUMMARY, minimum=1e299)},
    "a minimum further below the mean than any array's": {"W1": dict(GOOD_SUMMARY, minimum=-1e6)},
    "all ones but all zero": {"W1": dict(GOOD_SUMMARY, ones=True, nonzero=False)},
    "a shape no array in memory has": {"W1": dict(GOOD_SUMMARY, shape=[10**7] * 3)},
    "a minimum above the mean at tiny magnitudes": {
        "W1": dict(GOOD_SUMMARY, ones=False, minimum=5e-10, mean=0.0, std=1e-12)
    },
    "an entry name with control characters": {"W1\x1b[2J": GOOD_SUMMARY},
    "an entry name with a lone surrogate": {"W\ud800": GOOD_SUMMARY},
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_SUMMARIES))
def test_hostile_summaries_are_refused_with_a_value_error(kind):
    with pytest.raises(ValueError):
        kind_of("init").decode({"summaries": HOSTILE_SUMMARIES[kind]})


def test_only_init_checks_accept_summaries():
    with pytest.raises(ValueError):
        kind_of("close").decode(encode_summaries({"W1": np.ones(3)}))


def test_relative_error_is_the_cs231n_formula():
    x, y = np.array([1.0, 0.0, 2.0]), np.array([1.1, 0.0, 2.0])
    assert relative_error(x, y) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
