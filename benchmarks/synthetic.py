"""Graded submissions made without a kernel: what workers return for a class, for the writer.

``SyntheticClass(course)`` builds, for a released course, the executed notebook a
worker would hand to the judge: the released notebook with the reference pasted in
(or left untouched), the hidden tests restored, a training log and a plot, and in
each test cell one record per check of the grading bundle. Each *profile* perturbs
the records so that, over the profiles, every check outcome occurs: passes, errors
beyond the tolerance, wrong shapes, NaN, values that are not numbers, checks not
recorded or recorded twice, accuracies too low and parameters the judge cannot use;
a few profiles are cut short by a time limit, a dead kernel, an unreadable or a
missing notebook. The worker's own judging step (``worker.judge_run``) then turns
each into exactly what ``execute_submission`` returns, so the writer and rescoring
see real results; only the kernel is missing.
"""

import base64
import os
from functools import cache, cached_property

import nbformat
import numpy as np
from nbformat.v4 import new_output
from traitlets.config import Config

from autograder.authoring.library import paste_reference
from autograder.checks import MIME_TYPE
from autograder.grading.jobs import NotebookRun, SubmissionRun
from autograder.grading.pipeline import GradingPipeline
from autograder.grading.worker import judge_run
from autograder.values import decode_value, encode_summaries, encode_value
from course.fc_net import FullyConnectedNet
from course.solver import Solver

ASSIGNMENT, NOTEBOOK = "fc_nets", "FullyConnectedNets"
PROFILES = 40
UNTOUCHED = 1  # the profile that hands in the release unchanged
CLOSE_FAILURES = ("error", "shape", "nan", "unsupported", "missing", "twice")
ACCURACY_FAILURES = ("low", "unusable", "missing")
INIT_FAILURES = ("scale", "bias", "shape", "missing")
FAILURES = {"close": CLOSE_FAILURES, "accuracy": ACCURACY_FAILURES, "init": INIT_FAILURES}
TIMESTAMP = b"2026-11-20 10:00:00.000000 UTC"


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _record(spec, value, accuracy_inputs):
    record = {"name": spec["name"], "kind": spec["kind"], "value": value}
    if spec["kind"] == "accuracy":
        record.update(threshold=spec["threshold"])
        if spec["public"]:  # the notebook passes its own examples (the worker keeps the bundle's copy)
            record.update(inputs=accuracy_inputs)
    elif spec["kind"] == "init":
        record.update(weight_scale=spec["weight_scale"], tol=spec["tol"])
    else:
        record.update(tol=spec["tol"], check_dtype=spec.get("check_dtype", False), scored=True)
    return record


def _trained_network(X, y):
    """Parameters of a network as students hand one in: the reference's best_config (one
    hidden layer of 100, Adam) trained on these examples, so that it passes the accuracy
    check and its record weighs what a student's does (a few thousand parameters)."""
    model = FullyConnectedNet([100], input_dim=X[0].size, num_classes=int(y.max()) + 1, weight_scale=0.1, seed=0)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        num_epochs=30,
        batch_size=50,
        seed=0,
        verbose=False,
    ).train()
    return model.params


def _off(value, outcome):
    """One array (or each array of a dict, such as a loss with its gradients) made wrong."""
    if isinstance(value, dict):
        return {name: _off(part, outcome) for name, part in value.items()}
    value = np.asarray(value)
    if outcome == "error":
        return value * 1.01 + 1 if value.dtype.kind in "biu" else value * (1 + 1e-2) + 1e-3
    if outcome == "shape":
        return np.append(value.ravel(), 0)
    return np.full(value.shape, np.nan)


def _close_value(spec, outcome):
    expected = decode_value(spec["expected"])
    if outcome == "pass":
        return encode_value(expected)
    if outcome in ("error", "shape", "nan"):
        return encode_value(_off(expected, outcome))
    return {"unsupported": "NoneType"}


def _init_value(spec, outcome, rng):
    """A new network's parameters as the spec describes them (normal weights, zero biases), or off."""
    params = {}
    for name, param in spec["params"].items():
        shape = tuple(param["shape"]) + ((1,) if outcome == "shape" and name == "W1" else ())
        if param["fill"] == "zeros":
            value = np.full(shape, 0.1 if outcome == "bias" else 0.0)
        else:
            value = rng.normal(0.0, spec["weight_scale"] * (10 if outcome == "scale" else 1), shape)
        params[name] = value.astype(param["dtype"])
    return encode_summaries(params)  # what expect_init records


class SyntheticClass:
    """Worker results for a class of any size, from PROFILES distinct graded notebooks."""

    def __init__(self, course):
        self.course = course
        self.pipeline = GradingPipeline(course, ASSIGNMENT)
        self.snapshots = self.pipeline.snapshots()
        self.bundles = self.pipeline.bundles(self.snapshots)
        self.restored = self.pipeline.restored_files()
        self.config = Config(self.pipeline.worker_config)
        source = nbformat.read(os.path.join(course.source(ASSIGNMENT), f"{NOTEBOOK}.ipynb"), 4)
        self.released = nbformat.read(os.path.join(course.release(ASSIGNMENT), f"{NOTEBOOK}.ipynb"), 4)
        self.pasted = paste_reference(self.released, source)
        self.hidden_tests = {_grade_id(c): c.source for c in source.cells if _grade_id(c) in self.bundle_cells}
        # The examples every accuracy record's network is fitted to (the held-out ones).
        self.accuracy_inputs = next(
            spec["inputs"]
            for specs in self.bundle_cells.values()
            for spec in specs
            if spec["kind"] == "accuracy" and not spec["public"]
        )

    @cached_property
    def _fitted_network(self):
        X, y = decode_value(self.accuracy_inputs["X"]), decode_value(self.accuracy_inputs["y"])
        return _trained_network(X, y)

    def _accuracy_value(self, outcome):
        params = dict(self._fitted_network)
        if outcome == "low":
            params = {name: np.zeros_like(value) for name, value in params.items()}
        elif outcome == "unusable":
            params["gamma1"] = np.ones(3)
        return encode_value({name: value.astype(np.float32) for name, value in params.items()})  # as recorded

    @property
    def bundle_cells(self):
        return self.bundles[NOTEBOOK]["cells"]

    def job(self, student):
        """The job a worker would have been given for ``student`` (files, timestamp, digest)."""
        return self.pipeline.job(
            student,
            {"timestamp.txt": TIMESTAMP, f"{NOTEBOOK}.ipynb": b""},
            self.snapshots,
            self.restored,
            digest=f"synthetic-{student}",
            bundles=self.bundles,
        )

    def run(self, number):
        """The worker's SubmissionRun for the ``number``-th submission (profile ``number % PROFILES``)."""
        return self._profile_run(number % PROFILES)

    @cache  # noqa: B019 - one SyntheticClass per benchmark run: the cache lives exactly as long
    def _profile_run(self, profile):
        rng = np.random.default_rng(profile)
        status = {7: "timeout", 13: "kernel died", 19: "invalid", 29: "missing"}.get(profile, "ok")
        if status in ("invalid", "missing"):
            message = "not a valid notebook: Expecting value" if status == "invalid" else "no notebook"
            notebook = NotebookRun(status, message)
        else:
            nb = self._executed(profile, rng, stopped_at=int(rng.integers(10, 20)) if status != "ok" else None)
            notebook = judge_run(
                nb,
                NOTEBOOK,
                self.job("synthetic"),
                self.config,
                NotebookRun(
                    status,
                    "stopped" if status != "ok" else "",
                    seconds={"sanitize": 0.03, "kernel_start": 0.5, "execute": 2.5},
                ),
            )
        return SubmissionRun("synthetic", {NOTEBOOK: notebook}, 3.0, "synthetic:0")

    def _outcome(self, spec, profile, rng):
        if profile == UNTOUCHED:
            return "missing"  # the stubs raise before anything is recorded
        if profile == 0 or rng.random() < 0.8:
            return "pass"
        return str(rng.choice(FAILURES[spec["kind"]]))

    def _executed(self, profile, rng, stopped_at=None):
        """The notebook as executed: reference (or untouched) answers, records in the test cells."""
        nb = nbformat.from_dict(self.released if profile == UNTOUCHED else self.pasted)
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            count += 1
            cell.execution_count = count
            cell.outputs = []
            if stopped_at is not None and index >= stopped_at:
                if index == stopped_at:
                    cell.outputs.append(
                        new_output(
                            "error",
                            ename="GradingStopped",
                            evalue="time limit",
                            traceback=["GradingStopped: time limit"],
                        )
                    )
                continue
            grade_id = _grade_id(cell)
            if grade_id in self.hidden_tests:
                cell.source = self.hidden_tests[grade_id]
                if profile == UNTOUCHED:
                    cell.outputs.append(
                        new_output("error", ename="NotImplementedError", evalue="", traceback=["NotImplementedError"])
                    )
                for spec in self.bundle_cells[grade_id]:
                    outcome = self._outcome(spec, profile, rng)
                    if outcome == "missing":
                        continue
                    value = (
                        self._accuracy_value(outcome)
                        if spec["kind"] == "accuracy"
                        else _init_value(spec, outcome, rng)
                        if spec["kind"] == "init"
                        else _close_value(spec, outcome)
                    )
                    for _ in range(2 if outcome == "twice" else 1):
                        record = _record(spec, value, self.accuracy_inputs)
                        cell.outputs.append(new_output("display_data", data={MIME_TYPE: record}))
                    cell.outputs.append(new_output("stream", name="stdout", text=f"{spec['name']}: {outcome}\n"))
            elif grade_id == "best_model":
                cell.outputs.append(
                    new_output(
                        "stream",
                        name="stdout",
                        text="".join(f"(Iteration {i} / 1500) loss: {2.3 - i / 1000:.6f}\n" for i in range(1500)),
                    )
                )
            elif grade_id == "overfit_hyperparameters":
                png = base64.b64encode(rng.bytes(16000)).decode("ascii")  # this cell's plot at 60 dpi: 15.8 KB
                cell.outputs.append(new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}))
        return nb
