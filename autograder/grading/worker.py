"""The pure grading step: a submission's files in, executed (and judged) notebooks out.

``execute_submission(job)`` needs neither the gradebook nor the course directory:
the ``Job`` carries the submission's files, the assignment's own files (restored
over the student's copies, as nbgrader does), a snapshot of the source cells, the
nbgrader configuration and the limits, all as plain data. It runs in a local
worker process or on a Dask worker and returns a ``SubmissionRun``: per notebook a
status, a message, the notebook (JSON text) and where the time went.

When the job carries the grading bundles (``autograder grade`` does), the worker
also judges each notebook and computes what nbgrader's ``SaveAutoGrades`` would
store, so the one writer has nothing left to compute. The judging runs in the
worker's confined judge service (judge.py, confinement.py), started before the first
kernel so that its start-up overlaps execution; a notebook whose judging exceeds the
judge's limits is reported as that student's problem. What it returns is capped:
a notebook larger than twice the output limit comes back with only the judge's
verdicts as outputs (its grades are computed before), and recorded values beyond
that size are not kept for rescoring.
"""

import json
import os
import tempfile
import time
import warnings

import nbformat
from traitlets.config import Config

from ..environments import SINGLE_THREADED
from ..execution import GuardedExecute
from ..files import write_files
from ..judge import is_verdict_output, start_judge
from ..sandbox import UNSAFE_ENV
from ..sanitise import replace_lone_surrogates, without_lone_surrogates
from ..settings import Autograder
from .jobs import NotebookRun, SubmissionRun
from .pipeline import apply_preprocessors, beside_the_release, judge, notebook_resources
from .records import compress_records, take_records, without_bundled_inputs
from .scoring import autograde_values

# nbgrader re-adds a deleted graded cell without a cell id; nbformat warns on every write.
warnings.filterwarnings("ignore", message="Cell is missing an id field")
MiB = 2**20


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _size(count):
    return f"{count / MiB:.1f} MiB" if count >= MiB else f"{count / 1024:.0f} KiB"


def returned_bytes_limit(config):
    """Largest notebook (or set of records) a worker hands back: twice the output cap."""
    return 2 * Autograder(config=config).max_output_bytes


def compact_json(nb):
    """The notebook as nbformat validates and writes it, without its one-space indentation
    (a tenth of a graded notebook's bytes); nbformat and nbgrader read it back alike.

    Always encodable as UTF-8: a lone surrogate (a submission's markdown or a kernel's output
    can carry one, as a JSON escape) becomes U+FFFD, where it made the notebook unwritable, and,
    kept as an escape, unreadable to formgrader, nbgrader's writer and rescore."""
    return replace_lone_surrogates(
        json.dumps(json.loads(nbformat.writes(nb)), ensure_ascii=False, separators=(",", ":"))
    )


def _capped_notebook(nb, limit):
    """(notebook JSON, note): the notebook, or, when larger than ``limit`` bytes of UTF-8 (as
    it is written), its verdicts only."""
    text = compact_json(nb)
    size = len(text.encode("utf-8"))
    if size <= limit:
        return text, ""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.outputs if is_verdict_output(output)]
    return compact_json(nb), (
        f"outputs removed from the graded notebook: {_size(size)} "
        f"is over the {_size(limit)} limit (grades are unaffected)"
    )


def judge_run(nb, name, job, config, run):
    """Judge an executed notebook into ``run``: autograded notebook, grades, verdicts, records."""
    # nbgrader writes the sanitised notebook and reads it back before this half; so do we, in
    # memory: cells it re-added from the gradebook hold plain dicts that its functions cannot read.
    nb = nbformat.from_dict(nb)
    judged = judge(nb, job.assignment, job.student, name, config, job.judge_preprocessors, job.bundles[name])
    run.grades, run.comments = autograde_values(judged.notebook)
    run.checks = judged.checks
    run.judged = [j.grade_id for j in judged.judgements]
    limit = returned_bytes_limit(config)
    bundle = (job.bundles or {}).get(name)
    bundle_cells = bundle["cells"] if bundle else {}
    records = compress_records(without_bundled_inputs(take_records(judged.notebook, run.judged), bundle_cells))
    run.notebook, note = _capped_notebook(judged.notebook, limit)
    if len(records) <= limit:
        run.records = records
    else:
        note = "; ".join(
            filter(
                None,
                [
                    note,
                    f"recorded values ({_size(len(records))}) not kept "
                    "for rescoring: regrade with --force after a bundle change",
                ],
            )
        )
    run.message = "; ".join(filter(None, [run.message, note]))
    return run


def _grade_id(cell):
    """The cell's nbgrader grade id, or None (the metadata is the submission's: any JSON)."""
    nbgrader = cell.metadata.get("nbgrader")
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def _foreign_notebook(nb, snapshot):
    """Why ``nb`` is not this assignment's notebook, or None.

    A notebook of another assignment (or one never released by nbgrader) shares none of
    this notebook's graded cells; graded as it is, every check would read "not recorded".
    """
    ours = {cell["name"] for cell in snapshot["source_cells"]}
    theirs = [_grade_id(cell) for cell in nb.cells]
    theirs = [grade_id for grade_id in theirs if isinstance(grade_id, str) and grade_id]
    if ours and not ours.intersection(theirs):
        if theirs:
            return (
                f"is not this assignment's notebook: none of its {len(theirs)} nbgrader cells "
                f"({', '.join(repr(grade_id[:40]) for grade_id in sorted(theirs)[:3])}, ...) belong to it; "
                "was another assignment's notebook submitted?"
            )
        return "has none of the assignment's cells: start from the notebook you were given"
    return None


def execute_notebook(folder, name, job):
    """Sanitise and execute one notebook of the submission in ``folder`` (and judge it)."""
    started = time.perf_counter()
    path = os.path.join(folder, f"{name}.ipynb")
    if os.path.isdir(path):
        return NotebookRun("invalid", f"{name}.ipynb is a folder, not a notebook file")
    if not os.path.exists(path):
        found = sorted(file for file in job.files if file.endswith(".ipynb"))
        return NotebookRun("missing", f"no {name}.ipynb in the submission (found: {', '.join(found) or 'no notebook'})")
    try:
        # A lone surrogate (JSON carries one, UTF-8 cannot) goes first: in a grade id, a source
        # or an output it broke the kernel's messages, the gradebook and every writer.
        nb = nbformat.from_dict(without_lone_surrogates(nbformat.read(path, as_version=4)))
        nbformat.validate(nb)
    except Exception as error:  # invalid JSON, wrong schema: anything nbformat refuses
        return NotebookRun("invalid", f"{name}.ipynb is not a valid notebook: {_first_line(error)}")

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
    seconds = {
        "sanitize": sanitized - started,
        "kernel_start": kernel_ready,
        "execute": finished - sanitized - kernel_ready,
    }
    notes = resources.get("autograder_notes", [])  # e.g. a duplicated graded cell, graded once
    run = NotebookRun(executor.status, "; ".join(filter(None, [executor.message, *notes])), seconds=seconds)
    if job.bundles is None:
        run.notebook = nbformat.writes(nb)
        return run
    try:
        judge_run(nb, name, job, config, run)
    except Exception as error:  # noqa: BLE001 - whatever the kernel emitted broke judging: that student's
        return NotebookRun("invalid", f"{name}.ipynb could not be judged: {_first_line(error)}", seconds=seconds)
    seconds["judge"] = time.perf_counter() - finished
    return run


def execute_submission(job):
    """Execute every notebook of one submission; see the module docstring."""
    os.environ.update(SINGLE_THREADED)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    if job.unsafe_no_sandbox:
        os.environ[UNSAFE_ENV] = "1"
    started = time.perf_counter()
    if job.bundles is not None:
        start_judge(Autograder(config=Config(job.config)))
    # The kernel runs in a private, size-limited copy of this folder that the sandbox makes.
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        folder = os.path.join(scratch, job.assignment)
        os.makedirs(folder)
        write_files(folder, beside_the_release(job.files, job.restored_files))
        write_files(folder, job.restored_files)  # the instructor's copies win
        notebooks = {name: execute_notebook(folder, name, job) for name in job.snapshots}
    return SubmissionRun(job.student, notebooks, time.perf_counter() - started, f"{os.uname().nodename}:{os.getpid()}")
