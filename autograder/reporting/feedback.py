"""Feedback pages a student reads in ten seconds, that never show hidden tests or expected values.

The page is built from the judge's verdicts, the gradebook and the release's own cells;
nothing the kernel produced decides what is shown. It opens with the total, the
grader's own stop message (a time limit, the output cap, a dead kernel: read from what
``GuardedExecute`` wrote into the notebook's metadata, never from an error output, whose
name and text a kernel chooses) and one line per graded question (points, how many
checks failed, the first failure's diagnosis, a grader's manual score and comment).
Then the notebook: each test cell as the release has it (its visible part) with the
judge's verdict table only; the student's markdown through the allow-list; the
student's code, with its outputs (sanitised and trimmed) only up to the first test
cell: from there on the kernel has run hidden test code, and any output, picture or
error message after it could quote that code.

It is built from nbgrader's extension points, so that ``autograder feedback`` and
formgrader's "Generate Feedback" button (nbgrader_config.py sets
``c.GenerateFeedback.preprocessors`` and ``exporter_class``) produce the same page:
``GetGradesForFeedback`` (nbgrader's ``GetGrades``) puts the gradebook's scores and
comments into the notebook, ``FeedbackView`` makes it safe and builds the summary, ``FeedbackExporter`` renders it
with our template and a Content-Security-Policy that lets no script run.
"""

import concurrent.futures
import html
import multiprocessing
import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

from .. import status
from ..execution import EXECUTION_METADATA_KEY
from ..files import read_regular_file, write_files
from ..grading.gradebook import first_line
from ..grading.state import read_state
from ..judge import VERDICT_METADATA_KEY
from ..preprocessors import neutralise_cell
from ..progress import progress as progress_bar
from .feedback_inputs import is_current, page_inputs, page_outputs, read_stamp, write_stamp

if TYPE_CHECKING:
    from ..course import Course

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
MAX_STREAM_CHARS = 4000
MAX_IMAGE_CHARS = 150_000  # base64 characters, about 110 KB
AFTER_THE_TESTS = (
    "[output not shown: from the first test cell on, the grader's hidden tests ran in this "
    "kernel and an output could quote them; your own notebook has it]"
)
NOT_RELEASED = "# (this test cell is not in the released notebook)"
MAX_NOTEBOOK_BYTES = 2**30  # an autograded notebook (bounded by the output cap long before this)
# Files nbgrader's release_feedback needs beside each page; nothing else a student handed in.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")
CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
.total { font-size: 1.25rem; } .problem { background: #fff3cd; padding: .5rem .75rem; border-radius: 4px; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #ccc; padding: .25rem .5rem;
  text-align: left; vertical-align: top; } tr.fail td:first-child { border-left: 4px solid #c62828; }
tr.pass td:first-child { border-left: 4px solid #2e7d32; } tr.manual td:first-child { border-left: 4px solid #999; }
.cell { margin: 1rem 0; } .input_area pre, .output pre { background: #f6f8fa; padding: .5rem; overflow-x: auto;
  white-space: pre-wrap; } .prompt { display: none; } .output_error pre { background: #fdecea; }
"""


def _judgement(output):
    """The judge's verdict metadata of an output ({score, max_score, verdicts}), or None."""
    metadata = output.get("metadata") if isinstance(output, dict) else None
    judgement = metadata.get(VERDICT_METADATA_KEY) if isinstance(metadata, dict) else None
    if isinstance(judgement, dict) and isinstance(judgement.get("verdicts"), list):
        return judgement
    return None


def _verdicts(cell):
    for output in cell.get("outputs", []):
        judgement = _judgement(output)
        if judgement is not None:
            return [v for v in judgement["verdicts"] if isinstance(v, dict)]
    return None


def _said(verdict):
    """What the page says about one check: for a pass the judge's measurement, for a failure its
    diagnosis. Never a failure's detail message, which can quote what the kernel recorded (names
    of entries, the text of a value that is not a number): after the hidden tests ran, that
    could be their code."""
    if verdict.get("passed"):
        return str(verdict.get("message", ""))
    return str(verdict.get("diagnosis") or "the check failed")


def verdict_table(judgement):
    """A test cell's verdicts as the student's page shows them (every field escaped)."""
    rows = []
    for v in [v for v in judgement["verdicts"] if isinstance(v, dict)]:
        error = v.get("error")
        cells = (
            str(v.get("name", "")),
            "public" if v.get("public") else "hidden",
            "scored" if v.get("scored") else "feedback only",
            "pass" if v.get("passed") else "FAIL",
            f"{error:.2e}" if isinstance(error, (int, float)) else "",
            _said(v),
        )
        rows.append(
            f'<tr class="{"pass" if v.get("passed") else "fail"}">'
            + "".join(f"<td>{html.escape(text)}</td>" for text in cells)
            + "</tr>"
        )
    score, max_score = judgement.get("score"), judgement.get("max_score")
    return (
        f"<p><b>Score {_points(score)} / {_points(max_score)}</b></p><table><tr><th>check</th><th>shown</th>"
        "<th>counts</th><th>verdict</th><th>error</th><th>what to look at</th></tr>" + "".join(rows) + "</table>"
    )


def verdict_output(judgement):
    """The output a test cell shows on the page: our table of the judge's verdicts."""
    return new_output(
        "display_data",
        data={"text/html": verdict_table(judgement), "text/plain": ""},
        metadata={VERDICT_METADATA_KEY: judgement},
    )


def _points(value):
    return "–" if value is None else f"{float(value):g}"


def _question_row(cell):
    """(css class, question, points, what to say) for one graded cell."""
    meta = cell.metadata.nbgrader
    grade_id, score, points = meta["grade_id"], meta.get("score"), meta.get("points")
    verdicts = _verdicts(cell)
    comment = meta.get("comment")
    if verdicts is not None:
        failed = [v for v in verdicts if not v.get("passed")]
        if not failed:
            said, kind = f"all {len(verdicts)} checks passed", "pass"
        else:
            first = failed[0]
            said = f"{len(failed)} of {len(verdicts)} checks failed; first: {first.get('name')}: {_said(first)}"
            kind = "fail"
    elif utils.is_solution(cell) or utils.is_task(cell):
        kind = "manual"
        said = status.AWAITING_HAND_GRADING if meta.get("needs_manual_grade") else "graded by hand"
        score = None if meta.get("needs_manual_grade") else score
    else:
        said, kind = "no checks were recorded", "fail"
    if comment and comment != "No response.":
        said += f" — grader's comment: {comment}"
    elif comment == "No response.":
        said += " — no response"
    return kind, grade_id, f"{_points(score)} / {_points(points)}", said


def grader_stop_message(nb):
    """Why the grader stopped running the notebook (``GuardedExecute``'s own words), or ''."""
    stamp = nb.metadata.get(EXECUTION_METADATA_KEY)
    if isinstance(stamp, dict) and stamp.get("status") != "ok" and isinstance(stamp.get("message"), str):
        return stamp["message"]
    return ""


def summary_html(nb, resources):
    """The page's first screen: total, problems, one row per graded question (all escaped)."""
    info = resources["nbgrader"]
    rows = [_question_row(cell) for cell in nb.cells if utils.is_grade(cell) or utils.is_task(cell)]
    total = f"{_points(info.get('score'))} / {_points(info.get('max_score'))}"
    penalty = info.get("late_penalty") or 0
    problems = [problem for problem in [grader_stop_message(nb)] if problem]
    parts = [
        f"<h1>{html.escape(info['assignment'])}: {html.escape(info['notebook'])}</h1>",
        f'<p class="total">Total: <b>{total}</b>'
        + (f" (after a late penalty of {_points(penalty)})" if penalty else "")
        + "</p>",
    ]
    parts += [f'<p class="problem">{html.escape(problem)}; the cells after it did not run.</p>' for problem in problems]
    parts.append("<table><tr><th>question</th><th>points</th><th>result</th></tr>")
    parts += [
        f'<tr class="{kind}"><td>{html.escape(name)}</td><td>{points}</td><td>{html.escape(said)}</td></tr>'
        for kind, name, points, said in rows
    ]
    parts.append("</table>")
    return "\n".join(parts)


def _trimmed(output):
    """An output without its bulk: long text cut, large images replaced by a note."""
    if output.get("output_type") == "stream" and len(output.get("text", "")) > MAX_STREAM_CHARS:
        text = output["text"]
        output["text"] = text[:MAX_STREAM_CHARS] + f"\n[... {len(text) - MAX_STREAM_CHARS} more characters not shown]\n"
    for kind in ("image/png", "image/jpeg", "image/gif"):
        image = output.get("data", {}).get(kind)
        if image is not None and len(image) > MAX_IMAGE_CHARS:
            output["data"] = {"text/plain": f"[an image of {len(image) * 3 // 4 // 1024} KB, not included here]"}
    if output.get("output_type") == "error":
        output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
    return output


class GetGradesForFeedback(GetGrades):
    """nbgrader's GetGrades, plus whether a grader still has to look at each graded cell."""

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"], self.notebook_id, self.assignment_id, self.student_id
        )
        cell.metadata.nbgrader["needs_manual_grade"] = bool(grade.needs_manual_grade)


def is_test_cell(cell):
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def released_test_cells(config, assignment, notebook):
    """grade id -> source of each test cell of the released notebook ({} without a release)."""
    coursedir = CourseDirectory(config=config)
    path = os.path.join(coursedir.format_path(coursedir.release_directory, ".", assignment), f"{notebook}.ipynb")
    try:
        released = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    return {cell.metadata.nbgrader["grade_id"]: cell.source for cell in released.cells if is_test_cell(cell)}


class FeedbackView(Preprocessor):
    """The feedback notebook: test cells as released with the judge's verdict only, the
    student's cells through the allow-list (outputs only before the first test cell), and
    the summary for the page's first screen.

    An nbconvert preprocessor, not an nbgrader one: nbgrader's base re-declares
    ``display_data_priority`` as not configurable, and the HTML exporter configures it, so
    every feedback log would start with a warning.
    """

    enabled = Bool(True, help="Render feedback pages through this view").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        released = released_test_cells(self.config, info["assignment"], info["notebook"])
        nb.metadata.pop("widgets", None)
        tests_ran = False
        for cell in nb.cells:
            if is_test_cell(cell):
                cell.source = released.get(cell.metadata.nbgrader["grade_id"], NOT_RELEASED)
                judgements = [j for j in map(_judgement, cell.get("outputs", [])) if j is not None]
                cell.outputs = [verdict_output(judgements[0])] if judgements else []
                tests_ran = True
            elif cell.cell_type == "code" and tests_ran:
                had_outputs = bool(cell.outputs)
                cell.outputs = [new_output("stream", name="stdout", text=AFTER_THE_TESTS)] if had_outputs else []
            else:
                neutralise_cell(cell)
                if cell.cell_type == "code":
                    cell.outputs = [_trimmed(output) for output in cell.outputs]
        resources["autograder_feedback"] = {
            "title": f"Feedback: {info['assignment']} / {info['notebook']} ({info['student']})",
            "css": CSS,
            "summary_html": summary_html(nb, resources),
        }
        return nb, resources


class FeedbackExporter(HTMLExporter):
    """HTML with our template, whatever template nbgrader's feedback converter asks for."""

    def __init__(self, **kwargs):
        # GenerateFeedback (and formgrader's button) configure HTMLExporter.template_name =
        # 'feedback', nbgrader's template, which shows hidden tests and runs student HTML;
        # keyword arguments win over configuration.
        kwargs.update(
            template_name="nnfeedback",
            extra_template_basedirs=[TEMPLATES],
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        super().__init__(**kwargs)


def _autograded_notebooks(course, assignment, student):
    """The assignment's notebooks in the student's autograded folder (another notebook a
    student handed in has no grades to show)."""
    source = course.autograded(student, assignment)
    return [
        name for name in course.notebook_names(assignment) if os.path.lexists(os.path.join(source, f"{name}.ipynb"))
    ]


def _unusable_entry(course, assignment, student, notebooks):
    """Why the feedback of ``student`` cannot be written, or None: a notebook it reads that is
    not a plain file, or a folder where it writes a page or an exchange file."""
    source, target = course.autograded(student, assignment), course.feedback(student, assignment)
    uses = [(os.path.join(source, f"{name}.ipynb"), "reads") for name in notebooks]
    uses += [(os.path.join(target, name), "writes") for name in [f"{n}.html" for n in notebooks] + list(EXCHANGE_FILES)]
    for path, use in uses:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(mode) or (use == "reads" and not stat.S_ISREG(mode)):
            kind = "a folder" if stat.S_ISDIR(mode) else "a link or a special file"
            return (
                f"{os.path.relpath(path, course.root)} is {kind} where the grader {use} a file: "
                "remove it, or regrade with `autograder grade --force`"
            )
    return None


def render_feedback(course, assignment, student, notebooks=None):
    """Write feedback/<student>/<assignment>/<notebook>.html for each autograded notebook (or
    for ``notebooks`` of them), and the exchange files beside them."""
    source, target = course.autograded(student, assignment), course.feedback(student, assignment)
    written = []
    for notebook in _autograded_notebooks(course, assignment, student) if notebooks is None else notebooks:
        nb = nbformat.reads(
            read_regular_file(os.path.join(source, f"{notebook}.ipynb"), MAX_NOTEBOOK_BYTES).decode("utf-8"),
            as_version=4,
        )
        resources = {
            "nbgrader": {"student": student, "assignment": assignment, "notebook": notebook, "db_url": course.db_url}
        }
        for step in (GetGradesForFeedback, FeedbackView):
            nb, resources = step(config=course.config)(nb, resources)
        page, _ = FeedbackExporter(config=course.config).from_notebook_node(nb, resources)
        # A lone surrogate (a submission's markdown can carry one) has no UTF-8 form: a character
        # reference, which browsers show as the replacement character.
        write_files(target, {f"{notebook}.html": page.encode("utf-8", "xmlcharrefreplace")})
        written.append(os.path.join(target, f"{notebook}.html"))
    exchange = {}
    for file in EXCHANGE_FILES:
        try:
            exchange[file] = read_regular_file(os.path.join(source, file))
        except OSError:
            pass  # absent, or not a plain file: nothing to hand back
    write_files(target, exchange)
    return written


def feedback_students(course, assignment):
    """(students to render, [(student, why not)]): every autograded submission, from
    ``autograder grade`` or from plain nbgrader / formgrader (which keep no state file)."""
    folder = os.path.join(course.root, "autograded")
    students, skipped = [], []
    for student in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        state = read_state(course, student, assignment)
        submission = course.autograded(student, assignment)
        notebooks = _autograded_notebooks(course, assignment, student) if os.path.isdir(submission) else []
        unusable = _unusable_entry(course, assignment, student, notebooks) if notebooks else None
        if state is not None and not state.graded:
            skipped.append((student, status.label(state.status, state.message)))
        elif unusable:
            skipped.append((student, unusable))
        elif notebooks:
            students.append(student)
        elif os.path.isdir(submission):
            skipped.append((student, "no autograded notebook"))
    return students, skipped


@dataclass
class FeedbackRun:
    """What ``write_all_feedback`` did: the pages it wrote, and how many were already current."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (student, why no page): theirs alone


def write_all_feedback(
    course: "Course", assignment: str, students: list[str], workers: int, progress: bool = True
) -> FeedbackRun:
    """Feedback for many students, rendered in parallel (nbconvert takes about a second a page),
    only for the pages whose inputs changed since they were rendered (``feedback_inputs``)."""
    pages = [(s, notebook) for s in students for notebook in _autograded_notebooks(course, assignment, s)]
    inputs = page_inputs(course, assignment, pages, EXCHANGE_FILES, MAX_NOTEBOOK_BYTES)
    stamps = {student: read_stamp(course, assignment, student) for student in students}
    to_render: dict[str, list[str]] = {}
    run = FeedbackRun()
    for student, notebook in pages:
        outputs = page_outputs(course, assignment, student, notebook, EXCHANGE_FILES)
        if is_current(stamps[student], notebook, inputs[(student, notebook)], outputs):
            run.unchanged += 1
        else:
            to_render.setdefault(student, []).append(notebook)
    if not to_render:
        return run
    context = multiprocessing.get_context("spawn")
    with (
        concurrent.futures.ProcessPoolExecutor(max(1, min(workers, len(to_render))), mp_context=context) as pool,
        progress_bar(len(to_render), f"feedback for {assignment}", enabled=progress, unit="student") as bar,
    ):
        futures = {
            pool.submit(render_feedback, course, assignment, student, notebooks): student
            for student, notebooks in to_render.items()
        }
        for future in concurrent.futures.as_completed(futures):
            student = futures[future]
            try:
                run.written += future.result()
            except Exception as error:  # noqa: BLE001 - one student's notebook (or worker): theirs, not the class's
                run.failed.append(
                    (student, f"its page could not be rendered: {type(error).__name__}: {first_line(error)[:300]}")
                )
                bar.update(1)
                continue  # no stamp: tried again next time
            entries = {
                notebook: {
                    "inputs": inputs[(student, notebook)],
                    "outputs": page_outputs(course, assignment, student, notebook, EXCHANGE_FILES),
                }
                for notebook in to_render[student]
            }
            write_stamp(course, assignment, student, entries)
            bar.update(1)
    run.written.sort()
    return run
