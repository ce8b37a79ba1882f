"""Grading the gate's notebooks exactly as a submission is graded, without a gradebook.

Each trial is one notebook: the reference pasted into the released stubs, with some
of the library's changes applied (or the forger's cell added). Trials go through the
grading path of ``autograder grade``: ``worker.execute_submission`` in a spawn process
pool (sandboxed kernels, nbgrader's sanitisers against the gradebook snapshot, the
release's own files restored over the notebook's folder), then the pipeline's judging
half, whose judging runs in this process's confined judge service (judge.py), as a
worker's does. Nothing is written to the gradebook.
"""

from dataclasses import dataclass, field, replace

import nbformat

from ..confinement import ConfinementError
from ..grading.batch import LocalPool, windowed
from ..judge import records_in_outputs, start_judge
from ..progress import progress as progress_bar

# numpy's unseeded draws (``np.random.default_rng()``, ``np.random.rand`` without a seed) take
# their entropy from ``secrets.randbits``, which numpy binds when it is imported. The gate's
# kernels bind a seeded generator there before any cell runs, so a mistake that draws without a
# seed (a dropout mask drawn again) records the same values, and the release the same bundle,
# every time the release is made. Each verdict is still one draw, as a student's is; students'
# kernels are not touched.
FIXED_ENTROPY = (
    "--InteractiveShellApp.exec_lines=import random, secrets; secrets.randbits = random.Random(231).getrandbits"
)


def with_fixed_entropy(config):
    """The workers' nbgrader configuration, with the gate's kernels drawing fixed entropy."""
    execute = dict(config.get("Execute", {}))
    execute["extra_arguments"] = [*execute.get("extra_arguments", []), FIXED_ENTROPY]
    return {**config, "Execute": execute}


@dataclass
class Trial:
    label: str
    notebook: nbformat.NotebookNode
    changes: tuple = ()  # the library Changes applied to the pasted reference


@dataclass
class CellResult:
    score: float
    max_score: float
    verdicts: list  # judge.Verdict per check
    records: dict  # check name -> the record the kernel emitted


@dataclass
class TrialResult:
    trial: Trial
    problem: str = ""  # why the notebook could not be graded, if it could not
    cells: dict = field(default_factory=dict)  # test cell grade_id -> CellResult

    @property
    def score(self):
        return sum(cell.score for cell in self.cells.values())

    @property
    def max_score(self):
        return sum(cell.max_score for cell in self.cells.values())


def _result(pipeline, trial, name, run):
    if isinstance(run, BaseException):
        return TrialResult(trial, f"the worker failed: {type(run).__name__}: {run}")
    notebook_run = run.notebooks[name]
    if notebook_run.notebook is None:
        return TrialResult(trial, f"{notebook_run.status}: {notebook_run.message}")
    try:
        judged = pipeline.judge_executed(notebook_run.notebook, trial.label, name)
    except ConfinementError as error:
        return TrialResult(trial, f"could not be judged: {error}")
    outputs = {
        cell.metadata.get("nbgrader", {}).get("grade_id"): cell.get("outputs", [])
        for cell in judged.notebook.cells
        if cell.cell_type == "code"
    }
    cells = {}
    for judgement in judged.judgements:
        records = {}
        for record in records_in_outputs(outputs[judgement.grade_id]):
            records.setdefault(record["name"], record)
        cells[judgement.grade_id] = CellResult(judgement.score, judgement.max_score, judgement.verdicts, records)
    problem = "" if notebook_run.status == "ok" else f"{notebook_run.status}: {notebook_run.message}"
    return TrialResult(trial, problem, cells)


def run_trials(pipeline, name, trials, restored, workers):
    """label -> TrialResult for notebook ``name`` of each trial, graded in ``workers`` processes."""
    snapshots = {name: pipeline.snapshots()[name]}
    by_label = {trial.label: trial for trial in trials}
    config = with_fixed_entropy(pipeline.worker_config)
    jobs = (
        replace(
            pipeline.job(trial.label, {f"{name}.ipynb": nbformat.writes(trial.notebook).encode()}, snapshots, restored),
            config=config,
        )
        for trial in trials
    )
    results = {}
    start_judge(pipeline.course.settings)
    pool = LocalPool(workers)
    try:
        with progress_bar(len(trials), "proving the checks", unit="notebook") as progress:
            for group in windowed(pool, jobs):
                for job, run in group:
                    results[job.student] = _result(pipeline, by_label[job.student], name, run)
                progress.update(len(group))
    finally:
        pool.close()
    return results
