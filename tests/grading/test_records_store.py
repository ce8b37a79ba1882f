"""The kept records file: compressed (format 2), read back exactly, old plain stores still read.

``autograder rescore`` judges whatever ``read_store`` returns, so these check that it returns
exactly what the worker recorded, from either format, and nothing from a damaged file.
"""

import json
import zlib

import numpy as np
import pytest

from autograder.checks import MIME_TYPE
from autograder.grading.records import MAGIC, compress_records, read_store, without_bundled_inputs, write_store
from autograder.judge import judge_check
from autograder.values import encode_value


def recorded(name, value):
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            MIME_TYPE: {"name": name, "kind": "close", "tol": 1e-7, "value": encode_value(value)},
            "text/plain": name,
        },
    }


@pytest.fixture
def records():
    rng = np.random.default_rng(20)
    weights = {"W1": (0.05 * rng.standard_normal((300, 200))).astype(np.float32), "b1": np.zeros(200, np.float32)}
    return {
        "FullyConnectedNets": {
            "test_fc_net_init": [recorded("init", weights)],
            "test_adam": [recorded("adam.next_w", rng.standard_normal((4, 5))), recorded("adam.note", "ünïcode")],
            "test_blank": [],
        },
        "Other": {"test_one": [recorded("one", np.arange(6.0).reshape(2, 3))]},
    }


def test_the_store_gives_back_exactly_the_records_kept(tmp_path, records):
    path = tmp_path / ".autograder-records.json"
    write_store(str(path), {name: compress_records(cells) for name, cells in records.items()})
    assert path.read_bytes().startswith(MAGIC)
    assert read_store(str(path)) == records


def test_the_kept_store_is_smaller_than_its_plain_json(tmp_path, records):
    path = tmp_path / ".autograder-records.json"
    write_store(str(path), {name: compress_records(cells) for name, cells in records.items()})
    plain = len(json.dumps({"format": 1, "notebooks": records}, separators=(",", ":")))
    # base64 float32 noise: only the 6-of-8-bit encoding and the exponents are redundant
    assert path.stat().st_size < 0.8 * plain


def test_a_plain_json_store_of_format_1_is_still_read(tmp_path, records):
    path = tmp_path / ".autograder-records.json"
    path.write_text(json.dumps({"format": 1, "notebooks": records}))
    assert read_store(str(path)) == records


@pytest.mark.parametrize("damage", ["truncated", "flipped", "lengths", "header", "unknown format", "bomb", "not lists"])
def test_a_damaged_store_reads_as_no_store(tmp_path, records, damage, monkeypatch):
    path = tmp_path / ".autograder-records.json"
    segments = {name: compress_records(cells) for name, cells in records.items()}
    write_store(str(path), segments)
    data = path.read_bytes()
    header_end = data.index(b"\n", len(MAGIC))
    if damage == "truncated":
        data = data[:-10]
    elif damage == "flipped":
        data = data[: header_end + 40] + bytes([data[header_end + 40] ^ 0xFF]) + data[header_end + 41 :]
    elif damage == "lengths":
        data = data.replace(str(len(segments["Other"])).encode(), str(len(segments["Other"]) + 1).encode(), 1)
    elif damage == "header":
        data = data[: len(MAGIC)] + b"{not json" + data[header_end:]
    elif damage == "unknown format":
        data = data.replace(b'"format":2', b'"format":3', 1)
    elif damage == "bomb":  # a segment that inflates far past what the reader allows
        from autograder.grading import records as module

        monkeypatch.setattr(module, "MAX_GRADER_FILE_BYTES", 2**20)
        data = module.store_bytes({"Other": zlib.compress(b'{"test_one":[' + b" " * (64 * 2**20) + b"]}")})
    elif damage == "not lists":
        data = None
        write_store(str(path), {"Other": zlib.compress(json.dumps({"test_one": "not a list"}).encode())})
    if data is not None:
        path.write_bytes(data)
    assert read_store(str(path)) is None


def test_examples_the_bundle_holds_are_not_kept_and_the_judge_gives_the_same_verdict():
    """A public accuracy check's examples come from the notebook; the bundle has its own copy,
    which is what the judge evaluates, so the kept record leaves them out."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 3, 50)
    params = {"W1": rng.standard_normal((4, 3)), "b1": np.zeros(3)}
    examples = {"X": encode_value(X), "y": encode_value(y)}
    spec = {"name": "val_acc", "kind": "accuracy", "threshold": 0.1, "public": True, "inputs": examples}
    spec["expected"] = encode_value(0.5)
    record = {
        "name": "val_acc",
        "kind": "accuracy",
        "threshold": 0.1,
        "value": encode_value(params),
        "inputs": examples,
    }
    held_out = dict(record, name="heldout_acc")
    held_out.pop("inputs")
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {MIME_TYPE: r}} for r in (record, held_out)]
    before = judge_check(spec, [json.loads(json.dumps(record))])

    kept = without_bundled_inputs({"test_best_model": outputs, "test_other": []}, {"test_best_model": [spec]})

    kept_record = kept["test_best_model"][0]["data"][MIME_TYPE]
    assert "inputs" not in kept_record and kept_record["value"] == record["value"]
    assert kept["test_best_model"][1]["data"][MIME_TYPE] == held_out
    after = judge_check(spec, [kept_record])
    assert (after.passed, after.message) == (before.passed, before.message)
    unbundled = {key: value for key, value in spec.items() if key != "inputs"}  # a student's own check
    output = {"output_type": "display_data", "metadata": {}, "data": {MIME_TYPE: dict(record, inputs=examples)}}
    assert "inputs" in without_bundled_inputs({"c": [output]}, {"c": [unbundled]})["c"][0]["data"][MIME_TYPE]
    forged = {"output_type": "display_data", "metadata": {}, "data": {MIME_TYPE: {"name": ["val_acc"], "inputs": 1}}}
    assert without_bundled_inputs({"test_best_model": [forged]}, {"test_best_model": [spec]})["test_best_model"] == [
        forged
    ]
