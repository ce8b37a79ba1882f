"""What a worker hands back after judging: nbgrader's values, verdicts, records apart, and capped."""

import types

import nbformat
from nbformat.v4 import new_output
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT
from traitlets.config import Config

from autograder.bundle import load_bundle
from autograder.checks import MIME_TYPE
from autograder.grading.jobs import NotebookRun
from autograder.grading.pipeline import BundledJudgeChecks
from autograder.grading.records import decompress_records
from autograder.grading.worker import judge_run
from autograder.judge import is_verdict_output

BUNDLE = load_bundle(REPO_ROOT / "grading_bundle", ASSIGNMENT, NOTEBOOK)


def executed_notebook(log_lines=0, line="loss: 2.302\n"):
    """The source notebook as if executed: each close check recorded with its expected value."""
    nb = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            new_output("display_data", data={MIME_TYPE: {"name": spec["name"], "value": spec["expected"]}})
            for spec in BUNDLE["cells"].get(grade_id, [])
            if spec["kind"] == "close"
        ]
        if grade_id == "best_model":
            cell.outputs.append(new_output("stream", name="stdout", text=line * log_lines))
    return nb


def judged(nb, max_output_bytes):
    job = types.SimpleNamespace(
        assignment=ASSIGNMENT, student="ada", bundles={NOTEBOOK: BUNDLE}, judge_preprocessors=[BundledJudgeChecks]
    )
    config = Config({"Autograder": {"max_output_bytes": max_output_bytes}})
    return judge_run(nb, NOTEBOOK, job, config, NotebookRun("ok"))


def test_the_worker_returns_grades_verdicts_and_records_apart():
    run = judged(executed_notebook(), 20 * 2**20)
    points = sum(len([s for s in specs if s["kind"] == "close"]) > 0 for specs in BUNDLE["cells"].values())
    assert points > 10
    judged_cells = set(run.judged)
    assert judged_cells == set(BUNDLE["cells"])
    assert run.grades["test_sgd_momentum"] == 2 and run.grades["test_best_model"] == 0  # its check not recorded
    assert run.grades["inline_question_adagrad"] is None  # a written answer, graded by hand
    assert run.comments["affine_forward"] is None
    assert any(c["cell"] == "test_adam" and c["passed"] for c in run.checks)
    records = decompress_records(run.records)
    assert set(records) == judged_cells and all(MIME_TYPE in o["data"] for o in records["test_adam"])
    autograded = nbformat.reads(run.notebook, 4)
    assert not any(MIME_TYPE in o.get("data", {}) for c in autograded.cells for o in c.get("outputs", []))
    assert run.message == ""


def test_what_the_worker_returns_is_capped():
    """A notebook over twice the output limit comes back with verdicts only; grades are unchanged."""
    full = judged(executed_notebook(log_lines=20000), 20 * 2**20)
    capped = judged(executed_notebook(log_lines=20000), 40_000)  # 80 KB back: the compressed records (~40 KB) fit
    assert len(full.notebook) > 200_000 and len(capped.notebook) < len(full.notebook) / 2
    assert capped.grades == full.grades and capped.checks == full.checks
    outputs = [o for c in nbformat.reads(capped.notebook, 4).cells for o in c.get("outputs", [])]
    assert outputs and all(is_verdict_output(o) for o in outputs)
    assert capped.records == full.records  # compressed, the records still fit
    assert "outputs removed from the graded notebook" in capped.message and "over the 78 KiB limit" in capped.message


def test_records_larger_than_the_cap_even_compressed_are_not_kept():
    full = judged(executed_notebook(), 20 * 2**20)
    capped = judged(executed_notebook(), len(full.records) // 4)  # the cap on what comes back is twice the limit
    assert full.records is not None and capped.records is None
    assert capped.grades == full.grades and "not kept for rescoring" in capped.message


def test_the_cap_counts_bytes_as_written():
    """Four-byte characters: 20000 lines of 10 characters but 37 bytes each. Counted in characters,
    a 72 MB autograded notebook once came back under a 41.9 MB limit."""
    capped = judged(executed_notebook(log_lines=20000, line="\U0001f600" * 9 + "\n"), 200_000)
    assert len(capped.notebook.encode("utf-8")) < 400_000
    assert "outputs removed from the graded notebook" in capped.message


def test_a_lone_surrogate_becomes_the_replacement_character_and_the_notebook_reads_back_writable():
    """A lone surrogate made the autograded notebook unencodable as UTF-8; kept as a JSON escape,
    it came back on every read, and formgrader, nbgrader's writer and rescore failed on it."""
    nb = executed_notebook()
    nb.cells[0].source += "\n\nLONE SURROGATE: \ud800 END"
    run = judged(nb, 20 * 2**20)
    assert "\ud800" not in run.notebook and "\\ud800" not in run.notebook
    read_back = nbformat.reads(run.notebook.encode("utf-8").decode("utf-8"), 4)
    assert read_back.cells[0].source.endswith("\ufffd END")
    nbformat.writes(read_back).encode("utf-8")  # what nbgrader's writer and formgrader do


def test_a_foreign_notebook_is_named_by_quoted_grade_ids_whatever_they_hold():
    """A grade id holding a lone surrogate went unquoted into the problem, then into the
    gradebook comment, where sqlite3's encoder stopped the whole batch (tenth red team); a grade
    id that is not a string raised in the worker."""
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.grading.worker import _foreign_notebook

    cells = [new_code_cell("1") for _ in range(4)]
    for cell, grade_id in zip(cells, ["x\ud800\x1b[2J", ["x"], 5, {"a": 1}], strict=True):
        cell.metadata["nbgrader"] = {"grade_id": grade_id}
    cells.append(new_code_cell("2", metadata={"nbgrader": ["not", "a", "dict"]}))
    problem = _foreign_notebook(new_notebook(cells=cells), {"source_cells": [{"name": "affine_forward"}]})
    assert "none of its 1 nbgrader cells ('x\\ud800\\x1b[2J', ...)" in problem
    problem.encode("utf-8")
