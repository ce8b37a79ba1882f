"""The feedback page is built from the judge's verdicts and the release's cells, never from what the kernel chose.

Built on a small notebook, without grading: a forged GradingStopped error carrying the hidden
tests, an output that quotes them after the test cell, and a verdict whose detail message
quotes what the kernel recorded; the grader's own stop message comes from the notebook's
metadata, where GuardedExecute wrote it.
"""

import html

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from autograder.execution import EXECUTION_METADATA_KEY
from autograder.judge import CellJudgement, Verdict, verdict_output
from autograder.reporting.feedback import AFTER_THE_TESTS, FeedbackExporter, FeedbackView

HIDDEN = "assert hidden_case(7) == 42  # HIDDEN-TEST-LINE"
VISIBLE = "check_visible_case()"
TEST_SOURCE = f"{VISIBLE}\n### BEGIN HIDDEN TESTS\n{HIDDEN}\n### END HIDDEN TESTS"
STOPPED = "notebook time limit (30 s) reached in cell 4"


def graded(cell, grade_id, solution=False, points=2):
    cell.metadata["nbgrader"] = {
        "grade_id": grade_id,
        "grade": not solution,
        "solution": solution,
        "locked": not solution,
        "points": points,
        "schema_version": 3,
    }
    return cell


def autograded_notebook():
    before = new_code_cell("print('hello')", outputs=[new_output("stream", name="stdout", text="before the tests")])
    answer = graded(new_code_cell("def f(): return 1"), "answer", solution=True)
    test = graded(new_code_cell(TEST_SOURCE), "test_f")
    judgement = CellJudgement(
        "test_f",
        0.0,
        2.0,
        [
            Verdict(
                "f.value",
                False,
                f"unusable value: not a number or numeric array: {HIDDEN}",
                diagnosis="the recorded value is not a number, an array or a dict of arrays",
            ),
            Verdict("f.public", True, "relative error 0.00e+00 (tolerance 1e-08)", 0.0, public=True, scored=False),
        ],
    )
    test.outputs = [
        verdict_output(judgement),
        new_output("error", ename="GradingStopped", evalue=HIDDEN, traceback=[HIDDEN]),
        new_output("stream", name="stdout", text=HIDDEN),
    ]
    after = new_code_cell(
        "print(In[-1])",
        outputs=[
            new_output("stream", name="stdout", text=HIDDEN),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": HIDDEN}),
        ],
    )
    markdown = new_markdown_cell("- note\n\n  [x]: javascript:alert(1)\n\n  [click][x]")
    nb = new_notebook(cells=[before, answer, test, markdown, after])
    nb.metadata[EXECUTION_METADATA_KEY] = {"status": "timeout", "message": STOPPED}
    return nb


def release(root):
    released = new_notebook(cells=[graded(new_code_cell(VISIBLE), "test_f")])
    (root / "release" / "a").mkdir(parents=True)
    nbformat.write(released, root / "release" / "a" / "nb.ipynb")


def page(root, nb):
    resources = {"nbgrader": {"student": "s1", "assignment": "a", "notebook": "nb", "score": 0, "max_score": 4}}
    config = Config({"CourseDirectory": {"root": str(root)}})
    nb, resources = FeedbackView(config=config).preprocess(nb, resources)
    text, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources)
    return nb, html.unescape(text)


def test_nothing_the_kernel_chose_reaches_the_page(tmp_path):
    release(tmp_path)
    nb, text = page(tmp_path, autograded_notebook())
    assert "HIDDEN-TEST-LINE" not in text and "hidden_case" not in text
    test = nb.cells[2]
    assert test.source == VISIBLE and len(test.outputs) == 1  # the released cell, the verdicts only
    assert nb.cells[4].outputs == [new_output("stream", name="stdout", text=AFTER_THE_TESTS)]
    assert "before the tests" in text  # outputs before the first test cell are shown
    assert "javascript:" not in text.replace("[x]: javascript:", "")


def test_the_summary_says_why_the_grader_stopped_in_its_own_words(tmp_path):
    release(tmp_path)
    _, text = page(tmp_path, autograded_notebook())
    summary = text[: text.index("<main>")]
    assert f"{STOPPED}; the cells after it did not run." in summary
    assert "1 of 2 checks failed; first: f.value: the recorded value is not a number" in summary
    nb = autograded_notebook()
    nb.metadata[EXECUTION_METADATA_KEY] = {"status": "ok", "message": ""}
    _, text = page(tmp_path, nb)
    assert "did not run" not in text  # a GradingStopped error the kernel raised is not the grader's


def test_a_failed_checks_detail_is_its_diagnosis_and_a_pass_its_measurement(tmp_path):
    release(tmp_path)
    _, text = page(tmp_path, autograded_notebook())
    body = text[text.index("<main>") :]
    assert "what to look at" in body and "the recorded value is not a number, an array or a dict of arrays" in body
    assert "relative error 0.00e+00 (tolerance 1e-08)" in body and "unusable value" not in body


def test_without_a_release_no_test_code_is_shown(tmp_path):
    nb, text = page(tmp_path, autograded_notebook())
    assert "this test cell is not in the released notebook" in nb.cells[2].source
    assert VISIBLE not in text and "HIDDEN-TEST-LINE" not in text


def test_the_judges_diagnoses_never_quote_what_the_kernel_recorded():
    """The page shows a failed check's diagnosis; that holds only while the judge composes
    diagnoses from the bundle, fixed advice and numbers, never from a record's own text."""
    import json

    import numpy as np
    from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

    from autograder.judge import judge_check
    from autograder.values import encode_value

    quoted = "QUOTED-FROM-THE-RECORD"
    values = [
        {"unsupported": quoted},
        {"entries": {quoted: encode_value(np.zeros(3))}},
        {"entries": {f"W1{quoted}": encode_value(np.zeros((2, 2))), "b1": encode_value(np.zeros(2))}},
        {"dtype": quoted[:20], "shape": [1], "data": "AAAAAAAAAAA="},
        quoted,
    ]
    bundle = json.loads((REPO_ROOT / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json").read_text())
    specs = [spec for cell in bundle["cells"].values() for spec in cell]
    assert {spec["kind"] for spec in specs} == {"close", "init", "accuracy"}
    messages = []
    for spec in specs:
        for value in values:
            verdict = judge_check(spec, [{"name": spec["name"], "kind": spec["kind"], "value": value}])
            assert not verdict.passed and verdict.diagnosis and quoted not in verdict.diagnosis, (spec["name"], value)
            messages.append(verdict.message)
    assert any(quoted in message for message in messages)  # why the page never shows a failure's message
