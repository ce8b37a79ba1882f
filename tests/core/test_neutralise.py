"""Student content through one allow-list before formgrader or a feedback page renders it;
duplicated cells graded once."""

import html.parser

import nbformat
import pytest
from nbconvert.filters.strings import strip_files_prefix
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from support import REPO_ROOT, graded_cell

from autograder.checks import MIME_TYPE
from autograder.judge import VERDICT_METADATA_KEY
from autograder.preprocessors import REMOVED, DemoteDuplicateCells, NeutraliseStudentContent
from autograder.sanitise import clean_html, markdown_html, plain_text_html, render_markdown, renders_as_itself

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
SVG_WITH_SCRIPT = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4="


class Active(html.parser.HTMLParser):
    """Everything in an HTML fragment that could run script or leave the allowed URL schemes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in (
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "svg",
            "math",
            "form",
            "input",
            "base",
            "meta",
            "link",
            "frame",
            "frameset",
            "template",
            "textarea",
        ):
            self.found.append(tag)
        for name, value in attrs:
            squeezed = "".join((value or "").split()).lower()
            if name.startswith("on") or name in ("style", "id", "name", "srcdoc", "formaction", "action"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src") and not (
                squeezed.startswith(("http://", "https://", "mailto:", "#"))
                or ":" not in squeezed.split("/")[0]
                or (tag, name) == ("img", "src")
                and squeezed.startswith(("data:image/png;", "data:image/jpeg;"))
            ):
                self.found.append(f"{tag} {name}={squeezed[:40]}")


def active(fragment):
    parser = Active()
    parser.feed(fragment)
    return parser.found


def neutralised(*cells, **metadata):
    nb = new_notebook(cells=list(cells), metadata=metadata)
    nb, _ = NeutraliseStudentContent().preprocess(nb, {})
    return nb


# Markdown a student can write that renders to something active, or that a hand-written cleaner missed.
HOSTILE_MARKDOWN = {
    "link reference inside a list item": "- item\n\n  [x]: javascript:alert(1)\n\n  [click][x]\n",
    "link reference in a nested list": "1. a\n   - b\n\n     [y]: javascript:alert(2)\n\n     [go][y]\n",
    "link reference split over lines": "- a\n\n  [z]:\n  <javascript:alert(3)>\n  'title'\n\n  [go][z] ![i][z]\n",
    "autolink": "<javascript:alert(1)> <JaVaScRiPt:alert(1)>",
    "entity-encoded scheme": "[e](&#106;avascript:alert(1)) [f](&#x6A;avascript&colon;alert(1))",
    "tab and newline in the scheme": '[t](java\tscript:alert(1)) <a href="java&#x0A;script:alert(1)">n</a>',
    "data: URLs": "[d](data:text/html;base64,PHNjcmlwdD4=) <a href=' data:text/html,x'>s</a> "
    '<img src="data:image/svg+xml;base64,' + SVG_WITH_SCRIPT + '">',
    "raw HTML": "<img src=x onerror=alert(1)> <script>alert(2)</script> <svg onload=alert(3)></svg>"
    "<iframe srcdoc='<script>alert(4)</script>'></iframe><style>*{}</style>"
    "<form action='javascript:alert(5)'><input formaction=javascript:alert(6)></form>",
    "table cells": "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(2)) |\n",
    "base and meta": "<base href='https://evil.example/'><meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "clobbering ids": "<a id=base_url name=formgrader href=#x>x</a>",
    "vbscript and file": "[v](vbscript:msgbox(1)) [f](file:///etc/passwd)",
    "math": "$\\href{javascript:alert(1)}{x}$ and $$a<b$$ <span>$x$</span>",
    # nbconvert's strip_files_prefix (formgrader's template) turns files/javascript:... into javascript:...
    "files/ prefix": "[x](files/javascript:alert(1)) [y](/files/data:text/html,x) "
    "<a href='files/ javascript:alert(2)'>z</a>"
    '<img src="files/javascript:alert(3)"> [ok](files/notes.md)',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_MARKDOWN))
def test_hostile_markdown_renders_to_nothing_active(case):
    stored = markdown_html(HOSTILE_MARKDOWN[case])
    rendered = render_markdown(stored)
    assert rendered.strip() == stored
    # what formgrader's template (and nbconvert's) makes of the stored cell
    assert active(strip_files_prefix(rendered)) == []  # the words may stay, as text


def test_what_a_student_writes_still_reads_the_same():
    source = (
        "# Answer\n\nAdaGrad's *cache* only grows, see [notes](https://cs231n.github.io) and [below](#end) "
        "or [a file](notes.md).\n\n1. first\n   - nested `code`\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n"
        "$$\\frac{dw}{\\sqrt{cache}}$$ and $a < b$\n\n```python\nx = 1\n\n\ny = 2\n```\n\n"
        "<details><summary>more</summary>text</details>\n"
    )
    stored = markdown_html(source)
    assert renders_as_itself(stored) and markdown_html(stored) == stored  # a fixed point, stable when repeated
    for kept in (
        "<h1>Answer</h1>",
        "<em>cache</em>",
        'href="https://cs231n.github.io"',
        'href="#end"',
        'href="notes.md"',
        "<ol>",
        "<ul>",
        "nested <code>code</code>",
        "<table>",
        "<td>1</td>",
        "$$\\frac{dw}{\\sqrt{cache}}$$",
        "$a &lt; b$",
        '<span class="n">x</span>',
        "<details>",
    ):
        assert kept in stored, kept
    assert 'href="files/notes.md"' in markdown_html("[n](files/notes.md)")  # a file beside the notebook
    assert "\n" not in stored and "&#10;&#10;&#10;" in stored  # the code block's blank lines survive, as references


def test_attachments_are_embedded_as_bitmaps_only():
    stored = markdown_html(
        "![plot](attachment:plot.png) ![evil](attachment:evil.svg)",
        {"plot.png": {"image/png": PNG}, "evil.svg": {"image/svg+xml": SVG_WITH_SCRIPT}},
    )
    assert f'src="data:image/png;base64,{PNG}"' in stored
    assert "svg" not in stored and active(render_markdown(stored)) == []


def test_what_cannot_be_rendered_is_shown_as_text():
    source = "![gone](attachment:missing.png) <script>alert(1)</script>"
    assert markdown_html(source) == plain_text_html(source)
    shown = render_markdown(plain_text_html(source))
    assert shown.strip() == plain_text_html(source) and active(shown) == [] and "&lt;script&gt;" in shown


def test_a_lone_surrogate_is_shown_as_the_replacement_character_and_renders_as_itself():
    stored = markdown_html("a *lone* \ud800 surrogate")
    assert stored == "<p>a <em>lone</em> \ufffd surrogate</p>"
    assert markdown_html(stored) == stored and stored.encode("utf-8")


def test_markdown_and_raw_cells_are_stored_sanitised():
    raw = new_raw_cell('<a href="javascript:alert(1)">x</a><img src=x onerror=alert(2)>')
    raw.metadata["raw_mimetype"] = "text/html"  # nbconvert puts such a cell into the page as it is
    markdown = new_markdown_cell(
        "![p](attachment:p.png) [x](javascript:alert(1))", attachments={"p.png": {"image/png": PNG}}
    )
    nb = neutralised(markdown, raw, widgets={"state": {}})
    assert "widgets" not in nb.metadata and "attachments" not in nb.cells[0]
    assert active(nb.cells[0].source) == [] and "data:image/png" in nb.cells[0].source
    assert active(nb.cells[1].source) == [] and nb.cells[1].source == '<a rel="noopener noreferrer">x</a><img src="x">'


def test_an_unanswered_answer_cell_stays_the_releases_so_nbgrader_reads_no_response():
    from nbgrader.utils import compute_checksum, determine_grade

    def answer(source):
        cell = new_markdown_cell(source)
        cell.metadata["nbgrader"] = {
            "grade_id": "q1",
            "grade": True,
            "solution": True,
            "locked": False,
            "points": 2,
            "schema_version": 3,
        }
        return cell

    released = answer("YOUR ANSWER HERE")
    checksum = compute_checksum(released)  # what the gradebook holds, restored by OverwriteCells
    unanswered, answered = answer("YOUR ANSWER HERE"), answer("Because <b>cache</b> grows. [x](javascript:alert(1))")
    for cell in (unanswered, answered):
        cell.metadata["nbgrader"]["checksum"] = checksum
    nb = neutralised(unanswered, answered)
    assert nb.cells[0].source == "YOUR ANSWER HERE" and determine_grade(nb.cells[0]) == (0, 2.0)
    assert nb.cells[1].source == '<p>Because <b>cache</b> grows. <a rel="noopener noreferrer">x</a></p>'
    assert determine_grade(nb.cells[1]) == (None, 2.0)  # a grader reads it


def test_outputs_keep_text_bitmaps_and_sanitised_html():
    cell = new_code_cell("x")
    table = '<table class="dataframe"><tr><td onmouseover="alert(1)">1</td></tr></table><script>alert(2)</script>'
    cell.outputs = [
        new_output("display_data", data={"text/html": table, "text/plain": "ok"}, metadata={"isolated": True}),
        new_output("display_data", data={"application/javascript": "alert(1)"}),
        new_output("execute_result", data={"image/svg+xml": "<svg onload=alert(1)/>"}, execution_count=1),
        new_output("display_data", data={MIME_TYPE: {"name": "a"}}),
        new_output("stream", name="stdout", text="<script>alert(1)</script>"),
        new_output("display_data", data={"image/png": PNG, "image/jpeg": '"><img src=x onerror=alert(1)>'}),
        new_output("display_data", data={"text/markdown": "[x](javascript:alert(1))"}),
    ]
    outputs = neutralised(cell).cells[0].outputs
    assert outputs[0]["data"] == {"text/html": "<table><tbody><tr><td>1</td></tr></tbody></table>", "text/plain": "ok"}
    assert outputs[0]["metadata"] == {}
    assert outputs[1]["data"] == {"text/plain": REMOVED} and outputs[2]["data"] == {"text/plain": REMOVED}
    assert outputs[3]["data"] == {MIME_TYPE: {"name": "a"}, "text/plain": REMOVED}  # records stay, for rescoring
    assert outputs[4]["text"] == "<script>alert(1)</script>"  # streams are text: every renderer escapes them
    assert outputs[5]["data"] == {"image/png": PNG}  # a "bitmap" that is not base64 is not one
    assert outputs[6]["data"] == {"text/plain": REMOVED}


def test_the_judges_verdict_keeps_its_table():
    cell = new_code_cell("x")
    cell.outputs = [
        new_output(
            "execute_result",
            data={"text/html": "<table></table>", "text/plain": "1.0"},
            metadata={VERDICT_METADATA_KEY: {"score": 1}},
            execution_count=None,
        )
    ]
    assert neutralised(cell).cells[0].outputs[0]["data"]["text/html"] == "<table></table>"


def test_the_sanitiser_keeps_links_and_images_it_allows():
    assert clean_html('<a href="mailto:ta@example.org" title="t">m</a>') == (
        '<a href="mailto:ta@example.org" title="t" rel="noopener noreferrer">m</a>'
    )
    image = f'<img src="data:image/png;base64,{PNG}" alt="p">'
    assert clean_html(image) == image
    assert clean_html('<img src="data:image/png;base64,AA AA">') == "<img>"  # not plain base64


def test_a_duplicated_graded_cell_is_graded_once():
    nb = new_notebook(cells=[graded_cell("test_a"), graded_cell("test_b"), graded_cell("test_a")])
    resources = {}
    nb, resources = DemoteDuplicateCells().preprocess(nb, resources)
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == [None, "test_b", "test_a"]
    assert "nbgrader" not in nb.cells[0].metadata  # not the {} on which nbgrader's OverwriteCells fails
    assert "copy of the graded cell 'test_a'" in resources["autograder_notes"][0]


def test_a_lone_surrogate_anywhere_in_the_notebook_becomes_the_replacement_character():
    """nbgrader's writer and formgrader's page fail on a lone surrogate in any string (the
    ninth red team's: a kernel's output, a verdict's message, a key of the metadata)."""
    cell = new_code_cell("print('\ud800')")
    cell.outputs = [
        new_output("stream", name="stdout", text="out \udcff\n"),
        new_output("display_data", data={"text/plain": "shown \ud800"}),
        new_output("error", ename="E\ud800", evalue="v", traceback=["t\ud800"]),
    ]
    nb = neutralised(cell, **{"k\ud800": "v\ud800"})
    text = nbformat.writes(nb)
    text.encode("utf-8")
    assert "\ufffd" in text and not any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def test_plain_nbgrader_replaces_lone_surrogates_before_anything_reads_the_submission():
    """nbgrader's sanitize stage writes the notebook before NeutraliseStudentContent runs: a lone
    surrogate in a code cell or a grade id failed that write, and the kernel's messages."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.preprocessors import ReplaceLoneSurrogates

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    assert config.Autograde.sanitize_preprocessors[0] is ReplaceLoneSurrogates
    cell = new_code_cell("x = '\ud800'", metadata={"nbgrader": {"grade_id": "g\udcff", "solution": True}})
    nb, _ = ReplaceLoneSurrogates().preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].source == "x = '\ufffd'" and nb.cells[0].metadata.nbgrader.grade_id == "g\ufffd"
    nbformat.writes(nb).encode("utf-8")
