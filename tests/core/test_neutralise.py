"""Student content made inert before formgrader or a feedback page renders it; duplicated cells graded once."""

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.checks import MIME_TYPE
from autograder.judge import VERDICT_METADATA_KEY
from autograder.preprocessors import DemoteDuplicateCells, NeutraliseStudentContent, inert_markdown


def neutralised(*cells, **metadata):
    nb = new_notebook(cells=list(cells), metadata=metadata)
    nb, _ = NeutraliseStudentContent().preprocess(nb, {})
    return nb


def test_active_outputs_are_dropped_and_plain_ones_kept():
    cell = new_code_cell("x")
    cell.outputs = [
        new_output("display_data", data={"text/html": "<img src=x onerror=alert(1)>", "text/plain": "ok"},
                   metadata={"isolated": True}),
        new_output("display_data", data={"application/javascript": "alert(1)"}),
        new_output("execute_result", data={"image/svg+xml": "<svg onload=alert(1)/>"}, execution_count=1),
        new_output("display_data", data={MIME_TYPE: {"name": "a"}}),
        new_output("stream", name="stdout", text="<script>alert(1)</script>"),
    ]
    outputs = neutralised(cell).cells[0].outputs
    assert outputs[0]["data"] == {"text/plain": "ok"} and outputs[0]["metadata"] == {}
    assert "alert" not in str(outputs[1]["data"]) and "not shown" in outputs[1]["data"]["text/plain"]
    assert "svg" not in str(outputs[2]["data"])
    assert MIME_TYPE in outputs[3]["data"]  # records stay, for rescoring
    assert outputs[4]["text"] == "<script>alert(1)</script>"  # streams are text: every renderer escapes them


def test_the_judges_verdict_keeps_its_table():
    cell = new_code_cell("x")
    cell.outputs = [new_output("execute_result", data={"text/html": "<table></table>", "text/plain": "1.0"},
                               metadata={VERDICT_METADATA_KEY: {"score": 1}}, execution_count=None)]
    assert neutralised(cell).cells[0].outputs[0]["data"]["text/html"] == "<table></table>"


def test_markdown_html_is_shown_as_text_and_script_links_removed():
    source = ('<img src=x onerror=alert(1)> [click](javascript:alert(1)) [ok](https://cs231n.github.io) '
              '[tab](java\tscript:alert(1)) [rel](notes.md)\n[ref]: javascript:alert(2)\n'
              'a < b and [data](data:text/html;base64,PHNjcmlwdD4=)')
    inert = inert_markdown(source)
    assert "<img" not in inert and "&lt;img" in inert
    assert "javascript:" not in inert.replace("\t", "") and "data:text" not in inert
    assert "(https://cs231n.github.io)" in inert and "(notes.md)" in inert and "a &lt; b" in inert
    nb = neutralised(new_markdown_cell(source), widgets={"state": {}})
    assert "widgets" not in nb.metadata and "<img" not in nb.cells[0].source


def test_a_duplicated_graded_cell_is_graded_once():
    def graded(grade_id):
        cell = new_code_cell("pass")
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": True, "solution": False, "locked": True,
                                     "points": 1, "schema_version": 3}
        return cell

    nb = new_notebook(cells=[graded("test_a"), graded("test_b"), graded("test_a")])
    resources = {}
    nb, resources = DemoteDuplicateCells().preprocess(nb, resources)
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == [None, "test_b", "test_a"]
    assert "nbgrader" not in nb.cells[0].metadata  # not the {} on which nbgrader's OverwriteCells fails
    assert "copy of the graded cell 'test_a'" in resources["autograder_notes"][0]
