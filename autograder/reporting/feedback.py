"""Per-student feedback HTML that shows verdicts, never hidden tests or expected values.

nbgrader's own feedback renders the autograded notebook, hidden test code
included. Ours renders it after replacing each judged test cell's source with
its visible part, dropping the raw records and reducing error tracebacks (which
quote the hidden code) to their one-line message; the verdict table the judge
added stays: each check's name, pass or fail, the size of the error, and the
cell's points.
"""

import concurrent.futures
import multiprocessing
import os

import nbformat
from nbconvert import HTMLExporter
from nbgrader import utils

from ..checks import MIME_TYPE
from ..judge import is_verdict_output
from ..regions import strip_hidden_tests


def _safe_output(output):
    if output.get("output_type") == "error":
        return nbformat.v4.new_output(
            "stream", name="stdout", text=f"{output.get('ename')}: {output.get('evalue')}\n")
    if output.get("output_type") == "display_data" and MIME_TYPE in output.get("data", {}):
        return None
    return output


def feedback_notebook(autograded):
    """A copy of an autograded notebook that is safe to hand to its student."""
    nb = nbformat.from_dict(autograded)
    for cell in nb.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            continue
        cell.source = strip_hidden_tests(cell.source)
        outputs = [o if is_verdict_output(o) else _safe_output(o) for o in cell.outputs]
        cell.outputs = [o for o in outputs if o is not None]
    return nb


def write_feedback(course, assignment, student):
    """Write feedback/<student>/<assignment>/<notebook>.html for each autograded notebook."""
    source = course.autograded(student, assignment)
    target = course.feedback(student, assignment)
    written = []
    for name in sorted(os.listdir(source)):
        if not name.endswith(".ipynb"):
            continue
        nb = feedback_notebook(nbformat.read(os.path.join(source, name), as_version=4))
        html, _ = HTMLExporter().from_notebook_node(nb)
        os.makedirs(target, exist_ok=True)
        path = os.path.join(target, name.replace(".ipynb", ".html"))
        with open(path, "w") as f:
            f.write(html)
        written.append(path)
    return written


def write_all_feedback(course, assignment, students, workers):
    """Feedback for many students, rendered in parallel (nbconvert takes about a second each)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max(1, workers), mp_context=context) as pool:
        futures = [pool.submit(write_feedback, course, assignment, s) for s in students]
        return [path for future in futures for path in future.result()]
