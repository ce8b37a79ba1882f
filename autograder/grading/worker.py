"""The pure grading step: a submission's files in, executed notebooks out.

``execute_submission(job)`` needs neither the gradebook nor the course directory:
the ``Job`` carries the submission's files, the assignment's own files (restored
over the student's copies, as nbgrader does), a snapshot of the source cells, the
nbgrader configuration and the limits, all as plain data. It runs in a local
worker process or on a Dask worker and returns a ``SubmissionRun``: per notebook a
status, a message, the executed notebook (JSON text) and where the time went.
"""

import os
import tempfile
import time
import warnings

import nbformat
from traitlets.config import Config

from ..environments import SINGLE_THREADED
from ..execution import GuardedExecute
from ..files import write_files
from ..sandbox import UNSAFE_ENV
from .jobs import NotebookRun, SubmissionRun
from .pipeline import apply_preprocessors, notebook_resources

# nbgrader re-adds a deleted graded cell without a cell id; nbformat warns on every write.
warnings.filterwarnings("ignore", message="Cell is missing an id field")


def _foreign_notebook(nb, snapshot):
    """Why ``nb`` is not this assignment's notebook, or None.

    A notebook of another assignment (or one never released by nbgrader) shares none of
    this notebook's graded cells; graded as it is, every check would read "not recorded".
    """
    ours = {cell["name"] for cell in snapshot["source_cells"]}
    theirs = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
    theirs = [grade_id for grade_id in theirs if grade_id]
    if ours and not ours.intersection(theirs):
        if theirs:
            return (f"is not this assignment's notebook: none of its {len(theirs)} nbgrader cells "
                    f"({', '.join(sorted(theirs)[:3])}, ...) belong to it; was another assignment's notebook submitted?")
        return "has none of the assignment's cells: start from the notebook you were given"
    return None


def execute_notebook(folder, name, job):
    """Sanitise and execute one notebook of the submission in ``folder``."""
    started = time.perf_counter()
    path = os.path.join(folder, f"{name}.ipynb")
    if not os.path.exists(path):
        found = sorted(file for file in job.files if file.endswith(".ipynb"))
        return NotebookRun("missing", f"no {name}.ipynb in the submission (found: {', '.join(found) or 'no notebook'})")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # invalid JSON, wrong schema: anything nbformat refuses
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return NotebookRun("invalid", f"{name}.ipynb is not a valid notebook: {first_line}")

    foreign = _foreign_notebook(nb, job.snapshots[name])
    if foreign:
        return NotebookRun("invalid", f"{name}.ipynb {foreign}")
    config = Config(job.config)
    resources = notebook_resources(job.assignment, job.student, name, path=folder)
    resources["autograder_snapshot"] = job.snapshots[name]
    try:
        nb, resources = apply_preprocessors(nb, resources, config, job.sanitize_preprocessors)
    except Exception as error:  # noqa: BLE001 - nbgrader refuses the notebook: that student's problem
        return NotebookRun("invalid", f"{name}.ipynb: {error}")
    sanitized = time.perf_counter()
    executor = GuardedExecute(config=config)
    executor.preprocess(nb, resources)
    finished = time.perf_counter()
    kernel_ready = (executor.first_cell_started or finished) - sanitized
    notes = resources.get("autograder_notes", [])  # e.g. a duplicated graded cell, graded once
    return NotebookRun(
        executor.status,
        "; ".join(filter(None, [executor.message, *notes])),
        nbformat.writes(nb),
        {"sanitize": sanitized - started, "kernel_start": kernel_ready, "execute": finished - sanitized - kernel_ready},
    )


def execute_submission(job):
    """Execute every notebook of one submission; see the module docstring."""
    os.environ.update(SINGLE_THREADED)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    if job.unsafe_no_sandbox:
        os.environ[UNSAFE_ENV] = "1"
    started = time.perf_counter()
    # The kernel runs in a private, size-limited copy of this folder that the sandbox makes.
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        folder = os.path.join(scratch, job.assignment)
        os.makedirs(folder)
        write_files(folder, job.files)
        write_files(folder, job.restored_files)  # the instructor's copies win
        notebooks = {name: execute_notebook(folder, name, job) for name in job.snapshots}
    return SubmissionRun(job.student, notebooks, time.perf_counter() - started,
                         f"{os.uname().nodename}:{os.getpid()}")
