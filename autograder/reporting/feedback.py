"""Feedback pages a student reads in ten seconds, that never show hidden tests or expected values.

The page opens with the total and one line per graded question (points, how many
checks failed, the first failure's diagnosis, a grader's manual score and comment),
then shows the notebook: each test cell with its visible part and the judge's verdict
table only (nothing the kernel printed there, which could quote hidden test code),
the student's own cells with their outputs made inert and trimmed.

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

import nbformat
from nbconvert.exporters import HTMLExporter
from nbgrader import utils
from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

from ..files import read_regular_file, write_files
from ..grading.state import read_state
from ..judge import VERDICT_METADATA_KEY, is_verdict_output
from ..preprocessors import NeutraliseStudentContent, inert_markdown
from ..regions import strip_hidden_tests

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
MAX_STREAM_CHARS = 4000
MAX_IMAGE_CHARS = 150_000  # base64 characters, about 110 KB
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


def _verdicts(cell):
    for output in cell.get("outputs", []):
        if is_verdict_output(output):
            return output["metadata"][VERDICT_METADATA_KEY].get("verdicts", [])
    return None


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
            detail = first.get("diagnosis") or first.get("message", "")
            said, kind = f"{len(failed)} of {len(verdicts)} checks failed; first: {first.get('name')}: {detail}", "fail"
    elif utils.is_solution(cell) or utils.is_task(cell):
        kind = "manual"
        said = "graded by hand: not graded yet" if meta.get("needs_manual_grade") else "graded by hand"
        score = None if meta.get("needs_manual_grade") else score
    else:
        said, kind = "no checks were recorded", "fail"
    if comment and comment != "No response.":
        said += f" — grader's comment: {comment}"
    elif comment == "No response.":
        said += " — no response"
    return kind, grade_id, f"{_points(score)} / {_points(points)}", said


def summary_html(nb, resources):
    """The page's first screen: total, problems, one row per graded question (all escaped)."""
    info = resources["nbgrader"]
    rows = [_question_row(cell) for cell in nb.cells if utils.is_grade(cell) or utils.is_task(cell)]
    total = f"{_points(info.get('score'))} / {_points(info.get('max_score'))}"
    penalty = info.get("late_penalty") or 0
    problems = [output.get("evalue", "") for cell in nb.cells for output in cell.get("outputs", [])
                if output.get("output_type") == "error" and output.get("ename") == "GradingStopped"]
    parts = [f"<h1>{html.escape(info['assignment'])}: {html.escape(info['notebook'])}</h1>",
             f'<p class="total">Total: <b>{total}</b>'
             + (f" (after a late penalty of {_points(penalty)})" if penalty else "") + "</p>"]
    parts += [f'<p class="problem">{html.escape(problem)}; the cells after it did not run.</p>' for problem in problems]
    parts.append("<table><tr><th>question</th><th>points</th><th>result</th></tr>")
    parts += [f'<tr class="{kind}"><td>{html.escape(name)}</td><td>{points}</td><td>{html.escape(said)}</td></tr>'
              for kind, name, points, said in rows]
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
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["needs_manual_grade"] = bool(grade.needs_manual_grade)


class FeedbackView(Preprocessor):
    """The feedback notebook: test cells reduced to their visible part and the verdict, the
    student's cells inert and trimmed, and the summary for the page's first screen.

    An nbconvert preprocessor, not an nbgrader one: nbgrader's base re-declares
    ``display_data_priority`` as not configurable, and the HTML exporter configures it, so
    every feedback log would start with a warning.
    """

    enabled = Bool(True, help="Render feedback pages through this view").tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type in ("markdown", "raw"):
                cell.source = inert_markdown(cell.source)
                cell.pop("attachments", None)
            elif utils.is_grade(cell) and not utils.is_solution(cell):
                cell.source = strip_hidden_tests(cell.source)
                cell.outputs = [o for o in cell.get("outputs", [])
                                if is_verdict_output(o) or o.get("ename") == "GradingStopped"]
            elif cell.cell_type == "code":
                cell.outputs = [_trimmed(NeutraliseStudentContent.inert(o)) for o in cell.outputs]
        info = resources["nbgrader"]
        resources["autograder_feedback"] = {
            "title": f"Feedback: {info['assignment']} / {info['notebook']} ({info['student']})",
            "css": CSS, "summary_html": summary_html(nb, resources)}
        return nb, resources


class FeedbackExporter(HTMLExporter):
    """HTML with our template, whatever template nbgrader's feedback converter asks for."""

    def __init__(self, **kwargs):
        # GenerateFeedback (and formgrader's button) configure HTMLExporter.template_name =
        # 'feedback', nbgrader's template, which shows hidden tests and runs student HTML;
        # keyword arguments win over configuration.
        kwargs.update(template_name="nnfeedback", extra_template_basedirs=[TEMPLATES],
                      exclude_input_prompt=True, exclude_output_prompt=True)
        super().__init__(**kwargs)


def _autograded_notebooks(course, assignment, student):
    """The assignment's notebooks in the student's autograded folder (another notebook a
    student handed in has no grades to show)."""
    source = course.autograded(student, assignment)
    return [name for name in course.notebook_names(assignment)
            if os.path.lexists(os.path.join(source, f"{name}.ipynb"))]


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
            return (f"{os.path.relpath(path, course.root)} is {kind} where the grader {use} a file: "
                    "remove it, or regrade with `autograder grade --force`")
    return None


def render_feedback(course, assignment, student):
    """Write feedback/<student>/<assignment>/<notebook>.html for each autograded notebook."""
    source, target = course.autograded(student, assignment), course.feedback(student, assignment)
    written = []
    for notebook in _autograded_notebooks(course, assignment, student):
        nb = nbformat.reads(read_regular_file(os.path.join(source, f"{notebook}.ipynb"), MAX_NOTEBOOK_BYTES)
                            .decode("utf-8"), as_version=4)
        resources = {"nbgrader": {"student": student, "assignment": assignment, "notebook": notebook,
                                  "db_url": course.db_url}}
        for step in (GetGradesForFeedback, FeedbackView):
            nb, resources = step(config=course.config)(nb, resources)
        page, _ = FeedbackExporter(config=course.config).from_notebook_node(nb, resources)
        write_files(target, {f"{notebook}.html": page.encode("utf-8")})
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
            skipped.append((student, f"{state.status}: {state.message}"))
        elif unusable:
            skipped.append((student, unusable))
        elif notebooks:
            students.append(student)
        elif os.path.isdir(submission):
            skipped.append((student, "no autograded notebook"))
    return students, skipped


def write_all_feedback(course, assignment, students, workers):
    """Feedback for many students, rendered in parallel (nbconvert takes about a second each)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max(1, workers), mp_context=context) as pool:
        futures = [pool.submit(render_feedback, course, assignment, s) for s in students]
        return [path for future in futures for path in future.result()]
