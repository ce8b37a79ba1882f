"""The confined judge: unprivileged, within its memory and CPU limits, bounded before it decodes."""

import os

import numpy as np
import pytest

from autograder.comparisons import sketch_value
from autograder.confinement import ConfinementError, Limits, Service
from autograder.judge import (
    MAX_ACTIVATIONS,
    MAX_RECORD_ELEMENTS,
    SERVICE_MODULE,
    judge_check,
    judge_checks_confined,
    judge_notebook,
)
from autograder.network_scores import MAX_NETWORK_PARAMETERS
from autograder.values import encode_value

MiB = 2**20


def close_spec(name, expected):
    return {
        "name": name,
        "kind": "close",
        "tol": 1e-6,
        "check_dtype": False,
        "expected": encode_value(expected),
        "public": False,
    }


def accuracy_spec(name, examples):
    X = np.random.default_rng(2).standard_normal((examples, 64))
    return {
        "name": name,
        "kind": "accuracy",
        "threshold": 0.5,
        "public": False,
        "expected": None,
        "inputs": {"X": encode_value(X), "y": encode_value(np.zeros(examples, int))},
    }


def network(width, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((64, width)),
        "b1": np.zeros(width),
        "W2": rng.standard_normal((width, 10)),
        "b2": np.zeros(10),
    }


@pytest.fixture
def judge(request):
    """A judge service of its own with the limits the test gives (memory MiB, CPU seconds)."""
    memory_mib, cpu_seconds = getattr(request, "param", (512, 30))
    service = Service(SERVICE_MODULE, Limits(memory_mib * MiB, cpu_seconds))
    yield service
    service.close()


def answers_a_small_request(judge):
    small = np.arange(3.0)
    return judge_checks_confined([close_spec("a", small)], [{"name": "a", "value": encode_value(small)}], judge)[
        0
    ].passed


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def test_the_judge_is_an_unprivileged_process_with_its_limits(judge):
    record = {"name": "a", "value": encode_value(np.arange(3.0))}
    verdicts = judge_checks_confined([close_spec("a", np.arange(3.0))], [record], judge)
    assert verdicts[0].passed and verdicts[0].message.startswith("relative error 0.00e+00")
    pid = judge._process.pid
    facts = status(pid)
    uid = int(facts["Uid"].split()[0])
    if os.geteuid() == 0:
        assert uid >= 300_000 and facts["Groups"].strip() == ""  # a fresh user of its own, no groups
        assert all(int(facts[cap], 16) == 0 for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"))
        assert facts["NoNewPrivs"].strip() == "1"
    else:
        assert uid == os.geteuid()
    with open(f"/proc/{pid}/limits") as f:
        limits = {line[:26].strip(): line[26:].split() for line in f}
    assert limits["Max address space"][:2] == [str(512 * MiB)] * 2
    assert limits["Max file size"][:2] == ["0", "0"]
    assert os.readlink(f"/proc/{pid}/cwd") == "/"


def test_a_record_claiming_too_many_numbers_is_refused_before_decoding():
    spec = close_spec("a", np.zeros(3))
    claimed = {"name": "a", "value": {"dtype": "float64", "shape": [MAX_RECORD_ELEMENTS + 1], "data": ""}}
    verdict = judge_check(spec, [claimed])
    assert not verdict.passed and verdict.message.startswith("too large to judge")
    # Many entries, each under the limit, count together.
    entries = {
        "entries": {f"W{i}": {"dtype": "float64", "shape": [MAX_RECORD_ELEMENTS // 2], "data": ""} for i in range(3)}
    }
    assert judge_check(spec, [{"name": "a", "value": entries}]).message.startswith("too large to judge")


def test_recorded_examples_count_towards_the_record():
    """A public accuracy check evaluates the examples the notebook recorded: they are bounded too."""
    spec = {"name": "acc", "kind": "accuracy", "threshold": 0.5, "public": True, "expected": None}
    record = {
        "name": "acc",
        "value": encode_value(network(10)),
        "inputs": {"X": {"dtype": "uint8", "shape": [40_000, 64], "data": ""}, "y": encode_value(np.zeros(3))},
    }
    verdict = judge_check(spec, [record])
    assert verdict.message.startswith("too large to judge") and "numbers recorded" in verdict.message


def test_a_forward_pass_wider_than_the_bounds_is_refused():
    """Parameters under the record limit can still ask for a huge forward pass: it is bounded too."""
    width = MAX_ACTIVATIONS // 600 + 1
    params = {"W1": np.zeros((64, width), np.float32), "b1": np.zeros(width, np.float32)}
    assert sum(p.size for p in params.values()) < MAX_RECORD_ELEMENTS
    verdict = judge_check(accuracy_spec("acc", 600), [{"name": "acc", "value": encode_value(params)}])
    assert verdict.message.startswith("too large to judge") and "forward pass of 600 examples" in verdict.message
    honest = judge_check(accuracy_spec("acc", 600), [{"name": "acc", "value": encode_value(network(100))}])
    assert honest.message.startswith("accuracy ")


@pytest.mark.parametrize("judge", [(160, 30)], indirect=True)
def test_a_record_that_needs_more_memory_than_the_judge_has_fails_that_judging_only(judge):
    big = np.random.default_rng(0).standard_normal(MAX_RECORD_ELEMENTS - 1000)
    with pytest.raises(ConfinementError, match=r"exceeded the judge's memory limit \(160 MiB\)"):
        judge_checks_confined([close_spec("a", big)], [{"name": "a", "value": encode_value(big)}], judge)
    assert answers_a_small_request(judge)  # the next request gets a fresh process


class UnhurriedLimits(Limits):
    """A CPU budget with no practical wall-clock deadline: on a loaded machine the service may
    get a twentieth of a core, and this test is about the CPU budget, not the deadline."""

    @property
    def deadline_seconds(self):
        return 600


def test_judging_past_the_cpu_budget_is_stopped_and_the_next_request_is_answered():
    judge = Service(SERVICE_MODULE, UnhurriedLimits(512 * MiB, 1))
    try:
        # The widest network the bounds allow (at most MAX_NETWORK_PARAMETERS, and 600 examples
        # activations within MAX_ACTIVATIONS), judged by public checks on the examples the record
        # carries: the request stays small however many checks it holds. Each judging costs about
        # 0.1 CPU-seconds here, so 1,000 of them stay far past the budget on a machine ten times
        # faster (forty were not enough on CI's machine).
        width = min(MAX_NETWORK_PARAMETERS // (64 + 1 + 10), MAX_ACTIVATIONS // 600)
        X = np.random.default_rng(2).standard_normal((600, 64))
        record = {
            "name": "acc",
            "value": encode_value(network(width)),
            "inputs": {"X": encode_value(X), "y": encode_value(np.zeros(600, int))},
        }
        spec = {"name": "acc", "kind": "accuracy", "threshold": 0.5, "public": True, "expected": None}
        with pytest.raises(ConfinementError, match=r"exceeded the judge's CPU limit \(1 CPU-seconds\)"):
            judge_checks_confined([spec] * 1000, [record], judge)
        assert answers_a_small_request(judge)
    finally:
        judge.close()


@pytest.mark.slow  # judges a notebook of 5,000 records twice (30 s on a loaded machine)
def test_a_bundle_is_sent_once_and_a_flood_of_other_names_never_leaves_this_process(judge, monkeypatch):
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from autograder.checks import MIME_TYPE

    sent = []
    exchange = judge._exchange
    monkeypatch.setattr(judge, "_exchange", lambda payload: sent.append(len(payload)) or exchange(payload))
    bundle = {"test_a": [close_spec("a", np.arange(1000.0))], "test_b": [close_spec("b", np.arange(20_000.0))]}
    honest = {"name": "a", "value": encode_value(np.arange(1000.0))}
    flood = [{"name": f"junk{i}", "value": encode_value(0.0)} for i in range(5000)]

    def notebook():
        outputs = [new_output("display_data", data={MIME_TYPE: record}) for record in [honest] + flood]
        cell = new_code_cell(
            "",
            outputs=outputs,
            metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test_a", "points": 2}},
        )
        return new_notebook(cells=[cell])

    import autograder.judge as judging

    monkeypatch.setattr(judging, "service", lambda module: judge)
    first, second = judge_notebook(notebook(), bundle), judge_notebook(notebook(), bundle)
    assert first[0].score == second[0].score == 2.0
    assert sent[0] > 200_000 and sent[1] < 20_000  # the bundle went once; the flood never


def test_the_judge_starts_from_an_environment_only_root_can_enter(tmp_path, monkeypatch):
    """A course's Python environment may sit in a folder only root can enter (a home folder, a
    0700 temporary folder): the judge imports everything before it becomes its own user."""
    import sys

    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    (closed / "env").symlink_to(sys.prefix)
    monkeypatch.setattr(sys, "executable", str(closed / "env" / "bin" / os.path.basename(sys.executable)))
    service = Service(SERVICE_MODULE, Limits(512 * MiB, 30))
    try:
        spec = accuracy_spec("acc", 50)
        verdicts = judge_checks_confined([spec], [{"name": "acc", "value": encode_value(network(20))}], service)
        assert verdicts[0].message.startswith("accuracy ")
        assert int(status(service._process.pid)["Uid"].split()[0]) != 0 or os.geteuid() != 0
    finally:
        service.close()


def test_each_bundle_is_judged_against_itself_however_many_come_and_go(judge):
    """Bundles are sent once and then named by a key: a key never names another bundle, even
    after the ones it was given are forgotten (and their memory reused)."""
    record = {"name": "a", "value": encode_value(np.arange(3.0))}
    for round_ in range(5 * 8):  # five times as many as a service keeps
        expected = np.arange(3.0) if round_ % 2 else np.arange(3.0) + 1  # a fresh object every time
        verdicts = judge_checks_confined([close_spec("a", expected)], [record], judge)
        assert verdicts[0].passed == bool(round_ % 2), round_


def test_the_confined_judge_matches_a_fingerprint_learned_from_a_mutant(judge):
    """A learned fingerprint is a sketch whose basis is random: the judge drew one while it
    could still import (numpy.random), before giving up its privileges."""
    expected = np.arange(60.0).reshape(6, 10)
    spec = close_spec("a", expected) | {
        "fingerprints": [
            {"mistake": "m", "diagnosis": "f: your values match code that ...", "sketch": sketch_value(-expected)}
        ]
    }
    verdicts = judge_checks_confined([spec], [{"name": "a", "value": encode_value(-expected)}], judge)
    assert verdicts[0].diagnosis == "f: your values match code that ..."
