"""``autograder rescore``: judge recorded values again after a bundle or points change, executing nothing.

For each graded submission it reads the state file and re-judges only the cells
whose verdict key changed (records.py), from the recorded values kept beside the
autograded notebook; it stores the new automatic scores and the late penalties that
follow in bulk (gradebook.py, one transaction per batch), puts the new verdict
tables into the autograded notebooks (read and written as plain JSON, only when a
verdict changed) and writes the state files last. The grades are those a full
regrade would store: the same judge on the same records, with the current bundle
and the gradebook's current points.

A submission graded by plain ``nbgrader autograde`` (formgrader's Autograde button)
still has its records in its autograded notebook: the first rescore reads them there
and keeps them beside it from then on. One that cannot be rescored (the bundle's set
of test cells changed, its records were too large to keep or are unreadable, its
judging exceeded the judge's limits, or its autograded folder holds a folder, link or
special file where a notebook is read or written) is reported, and needs
``autograder grade --force``.

Judging runs in each process's confined judge service (judge.py); the forked workers
start their own.
"""

import functools
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nbformat

from ..confinement import ConfinementError
from ..files import read_regular_file
from ..sanitise import replace_lone_surrogates
from .gradebook import BulkGradebook
from .pipeline import GradingPipeline
from .records import (
    MAX_GRADER_FILE_BYTES,
    compress_records,
    read_store,
    records_in_notebook,
    records_path,
    rejudge,
    replace_verdicts,
    verdict_keys,
    write_store,
)
from .state import STATE_FILE, Outcome, read_state, write_atomically, write_state

if TYPE_CHECKING:
    from ..course import Course

BATCH_SIZE = 200  # submissions per gradebook transaction


class RescoreProblem(Exception):
    """Why one submission cannot be rescored from its records."""


@dataclass
class RescoreReport:
    outcomes: list[Outcome] = field(default_factory=list)  # the updated Outcome of each submission rescored
    problems: list[tuple[str, str]] = field(default_factory=list)  # (student, why it was not rescored)
    seconds: float = 0.0


@dataclass
class _Change:
    state: Outcome  # the submission's Outcome, updated in place
    scores: dict[str, dict[str, float | None]]  # notebook -> {grade_id: new auto_score}
    verdicts: dict[str, dict[str, dict[str, Any]]]  # notebook -> {grade_id: new verdict output}
    checks: dict[str, list[dict[str, Any]]]  # grade_id -> new verdict dicts
    # notebook -> compressed records, for a submission whose records were not kept yet
    records: dict[str, bytes] | None = None


class Rescorer:
    """Rescoring one assignment: the current bundle, points and verdict keys, read once."""

    def __init__(
        self, course: "Course", assignment: str, gradebook: BulkGradebook, bundles: dict[str, dict[str, Any]]
    ) -> None:
        self.course, self.assignment = course, assignment
        self.bundles = bundles
        self.points = {name: gradebook.points(name) for name in bundles}
        self.keys = {name: verdict_keys(bundle["cells"], self.points[name]) for name, bundle in bundles.items()}

    def change(self, state: Outcome) -> _Change:
        """What rescoring changes for one graded submission (nothing stored yet)."""
        change = _Change(state, {}, {}, {})
        plain_nbgrader = not state.verdict_keys  # graded by plain nbgrader: the records are in the notebook
        store = None
        for name, keys in self.keys.items():
            recorded = state.verdict_keys.get(name, {})
            if not plain_nbgrader and set(recorded) != set(keys):
                raise RescoreProblem(
                    f"the test cells of {name}.ipynb in the grading bundle changed since it was "
                    "graded: run `autograder grade --force`"
                )
            stale = [cell for cell, key in keys.items() if plain_nbgrader or recorded[cell] != key]
            if not stale:
                continue
            if plain_nbgrader:
                records = self._records_from_notebook(name, change)
            else:
                store = (
                    store
                    if store is not None
                    else read_store(records_path(self.course, state.student, self.assignment)) or {}
                )
                if name not in store:
                    raise RescoreProblem(
                        f"the recorded values of {name}.ipynb were not kept (too large) or "
                        "cannot be read: run `autograder grade --force`"
                    )
                records = store[name]
            try:
                judged = rejudge(
                    {cell: records.get(cell, []) for cell in stale}, self.bundles[name]["cells"], self.points[name]
                )
            except ConfinementError as error:
                raise RescoreProblem(f"{name}.ipynb could not be judged: {error}") from None
            for cell, (output, checks, auto_score) in judged.items():
                change.scores.setdefault(name, {})[cell] = auto_score
                change.verdicts.setdefault(name, {})[cell] = output
                change.checks[cell] = checks
        return change

    def _notebook_path(self, student: str, name: str) -> str:
        return os.path.join(self.course.autograded(student, self.assignment), f"{name}.ipynb")

    def _read_notebook(self, student: str, name: str) -> bytes:
        """The autograded notebook as JSON text; RescoreProblem when it is not a readable regular file."""
        try:
            return read_regular_file(self._notebook_path(student, name), max_bytes=MAX_GRADER_FILE_BYTES)
        except OSError as error:
            raise RescoreProblem(
                f"{name}.ipynb cannot be read ({error.strerror or error}): run `autograder grade --force`"
            ) from None

    def _records_from_notebook(self, name: str, change: _Change) -> dict[str, list[dict[str, Any]]]:
        try:
            nb = nbformat.reads(self._read_notebook(change.state.student, name).decode("utf-8"), as_version=4)
        except ValueError as error:
            raise RescoreProblem(f"{name}.ipynb cannot be read ({error}): run `autograder grade --force`") from None
        records = records_in_notebook(nb, list(self.keys[name]))
        change.records = change.records or {}
        change.records[name] = compress_records(records)
        return records

    def apply(self, change: _Change, score: float) -> Outcome | RescoreProblem:
        """Write the new verdict tables, kept records and state of one rescored submission.

        RescoreProblem when its folder cannot take them: its grades are stored, its state
        is not, so the next rescore judges it again.
        """
        state = change.state
        try:
            self._write(change)
        except RescoreProblem as problem:
            return problem
        except (OSError, ValueError) as error:
            return RescoreProblem(f"its new verdicts cannot be written ({error}): run `autograder grade --force`")
        state.checks = _merged_checks(state.checks, change.checks)
        state.verdict_keys = {name: dict(keys) for name, keys in self.keys.items()}
        state.score = score
        write_state(self.course, self.assignment, state)
        return state

    def _write(self, change: _Change) -> None:
        student = change.state.student
        for name, verdicts in change.verdicts.items():
            nb = json.loads(self._read_notebook(student, name))
            text = json.dumps(replace_verdicts(nb, verdicts), ensure_ascii=False)
            write_atomically(self._notebook_path(student, name), replace_lone_surrogates(text))
        if change.records:
            write_store(records_path(self.course, student, self.assignment), change.records)


def _merged_checks(old: list[dict[str, Any]], new: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The old verdict dicts with those of each rejudged cell replaced, in place."""
    merged, placed = [], set()
    for check in old:
        cell = check.get("cell")
        if cell not in new:
            merged.append(check)
        elif cell not in placed:
            merged += new[cell]
            placed.add(cell)
    return merged + [check for cell, checks in new.items() if cell not in placed for check in checks]


def graded_states(course: "Course", assignment: str) -> tuple[list[Outcome], list[tuple[str, str]]]:
    """(the state of every graded submission of ``assignment``, [(student, why not)] for each
    autograded submission whose state file is missing or not a readable plain file)."""
    folder = os.path.join(course.root, "autograded")
    states, problems = [], []
    for student in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        state = read_state(course, student, assignment)
        if state is None and os.path.isdir(course.autograded(student, assignment)):
            problems.append(
                (student, f"no readable {STATE_FILE} (an interrupted run, or not a plain file): run `autograder grade`")
            )
        elif state is not None and state.graded:
            states.append(state)
    return states, problems


# The Rescorer of the running rescore; worker processes forked from it inherit it.
_RESCORER: Rescorer | None = None


def _change(state: Outcome) -> _Change | RescoreProblem:
    assert _RESCORER is not None, "only while rescore() runs"
    try:
        return _RESCORER.change(state)
    except RescoreProblem as problem:
        return problem


def _apply(change_and_score: tuple[_Change, float]) -> Outcome | RescoreProblem:
    assert _RESCORER is not None, "only while rescore() runs"
    return _RESCORER.apply(*change_and_score)


@contextmanager
def _mapper(workers: int) -> Iterator[Callable[..., Any]]:
    """A ``map`` over worker processes forked from this one, or this process's own ``map``.

    Forked (not spawned) workers start at once and inherit the Rescorer; they never
    touch the gradebook, which only this process writes.
    """
    if workers <= 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield functools.partial(pool.map, chunksize=8)


def rescore(course: "Course", assignment: str, workers: int = 1) -> RescoreReport:
    """Rescore every graded submission of ``assignment`` with ``workers`` processes; a RescoreReport."""
    global _RESCORER
    started = time.perf_counter()
    course.source_notebooks(assignment)  # a clear error for an unknown assignment
    pipeline = GradingPipeline(course, assignment)
    report = RescoreReport()
    with BulkGradebook(
        course.db_url,
        course.course_id,
        assignment,
        pipeline.config,
        pipeline.saves_grades,
        pipeline.assigns_late_penalties,
    ) as gradebook:
        _RESCORER = Rescorer(course, assignment, gradebook, pipeline.bundles(gradebook.notebooks))
        states, report.problems = graded_states(course, assignment)
        try:
            with _mapper(min(workers, max(1, len(states) // BATCH_SIZE + 1))) as mapped:
                for first in range(0, len(states), BATCH_SIZE):
                    changes = []
                    for state, change in zip(
                        states[first : first + BATCH_SIZE],
                        mapped(_change, states[first : first + BATCH_SIZE]),
                        strict=True,
                    ):
                        if isinstance(change, RescoreProblem):
                            report.problems.append((state.student, str(change)))
                        else:
                            changes.append(change)
                    scores = gradebook.update_auto_scores({c.state.student: c.scores for c in changes})
                    results = mapped(_apply, [(c, scores[c.state.student]) for c in changes])
                    for change, applied in zip(changes, results, strict=True):
                        if isinstance(applied, RescoreProblem):
                            report.problems.append((change.state.student, str(applied)))
                        else:
                            report.outcomes.append(applied)
        finally:
            _RESCORER = None
    report.seconds = time.perf_counter() - started
    return report
