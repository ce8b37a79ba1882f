"""``autograder grade``: execute submissions in parallel workers, record them in one writer.

Workers (a local process pool by default, or a Dask cluster with ``scheduler=``)
run the pure step ``worker.execute_submission``, judging included; this process
feeds them jobs on demand, records the results through ``GradebookWriter`` (one
gradebook transaction per group of results that finish together) and skips
submissions whose content and assignment version are unchanged since they were
last recorded.
"""

import concurrent.futures
import multiprocessing
import os
import signal
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from ..errors import BundleError
from ..progress import progress
from ..sandbox import UNSAFE_ENV, check_sandbox_available
from .answers_out import answers_handed_out, handed_in_after
from .collect import collect_folder, collect_zip, content_hash, submission_timestamp
from .pipeline import GradingPipeline
from .state import Outcome, read_state
from .worker import execute_submission
from .writer import GradebookWriter

WAIT_SECONDS = 5  # how often the pool is checked for lost workers while results are awaited


@dataclass
class GradingOptions:
    workers: int | None = None  # default: c.Autograder.workers
    scheduler: str | None = None
    force: bool = False
    cell_timeout: float | None = None
    notebook_timeout: float | None = None
    submissions: str | None = None
    zip_pattern: str | None = None
    progress: bool = True
    unsafe_no_sandbox: bool = False

    @property
    def from_zip(self):
        """Whether the submissions are an LMS zip (no exchange handed them in)."""
        return bool(self.submissions and self.submissions.endswith(".zip"))


@dataclass
class GradingReport:
    outcomes: list = field(default_factory=list)  # Outcome per submission graded (or not gradable)
    skipped: list = field(default_factory=list)  # remembered Outcome per unchanged submission
    seconds: float = 0.0
    record_seconds: float = 0.0  # time the writer spent recording results
    warnings: list = field(default_factory=list)  # for the instructor, about the run, not one submission

    @property
    def failed(self):
        return [o for o in self.outcomes if not o.graded]


class LocalPool:
    """A spawn process pool on this machine; one broken by a dying worker is started again."""

    def __init__(self, workers):
        self.workers = workers
        self._pool = self._start()

    def _start(self):
        return concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_leave_interrupts_to_the_grader
        )

    def submit(self, function, job):
        try:
            return self._pool.submit(function, job)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(function, job)

    def slots(self):
        return self.workers

    def check(self):
        """Nothing to check: a worker process that dies breaks the pool, which fails its jobs."""

    def describe_failure(self, error):
        if isinstance(error, BrokenProcessPool):
            return "a worker process died while this submission was being graded (run again to retry it)"
        # One line, and short: the error may quote what the kernel sent (megabytes of it).
        text = str(error).strip()
        return f"worker failed: {type(error).__name__}: {(text.splitlines() or [''])[0][:300]}"

    def close(self, stop_running=False):
        """Shut the pool down; ``stop_running``: end the jobs still running too (the run is stopping,
        and nothing they return would be recorded)."""
        if stop_running:
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _leave_interrupts_to_the_grader():
    """In a worker: Ctrl-C reaches every process of the terminal's group; the grader stops the
    workers itself, so a worker prints no traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(options, workers):
    """The workers: a Dask cluster's (checked up front, see cluster.py), or a local process pool."""
    if options.scheduler:
        from .cluster import ClusterPool

        return ClusterPool(options.scheduler)
    return LocalPool(workers)


def windowed(pool, jobs):
    """Yield lists of (job, result or exception) as they finish, never handing out more jobs
    than the pool has worker threads.

    Jobs go to workers as they free up, so long submissions never pile up behind one
    worker while another idles, and only the queued jobs' files sit in memory. Each
    list holds the results that finished together; the writer records it in one
    transaction.

    Jobs still out when this stops early are the pool's to stop, in its ``close``:
    cancelling them here would call into the pool whenever the generator happens to
    be collected, possibly after the command has printed its last line.
    """
    pending, running = iter(jobs), {}

    def fill():
        slots = pool.slots()
        while len(running) < slots:
            job = next(pending, None)
            if job is None:
                return
            running[pool.submit(execute_submission, job)] = job

    fill()
    while running:
        done, _ = concurrent.futures.wait(running, timeout=WAIT_SECONDS, return_when=concurrent.futures.FIRST_COMPLETED)
        if not done:
            pool.check()
            continue
        group = []
        for future in done:
            job = running.pop(future)
            try:
                group.append((job, future.result()))
            except Exception as error:  # noqa: BLE001 - reported per submission
                group.append((job, error))
        yield group
        fill()


def _collect(course, assignment, options, staging, duedate):
    if options.from_zip:
        return collect_zip(
            options.submissions,
            assignment,
            staging,
            duedate=duedate,
            **({"pattern": options.zip_pattern} if options.zip_pattern else {}),
        )
    others = [other for other in course.assignments() if other != assignment]
    notebooks = [f"{name}.ipynb" for name in course.notebook_names(assignment)]
    return collect_folder(options.submissions or os.path.join(course.root, "submitted"), assignment, others, notebooks)


def _timed(report, call, *args):
    """A writer call, its time added to the report's recording time."""
    started = time.perf_counter()
    try:
        return call(*args)
    finally:
        report.record_seconds += time.perf_counter() - started


def grade(course, assignment, options):
    """Grade every submission of ``assignment``; returns a GradingReport."""
    started = time.perf_counter()
    if options.unsafe_no_sandbox:
        os.environ[UNSAFE_ENV] = "1"
    check_sandbox_available()
    course.source_notebooks(assignment)  # a clear error for an unknown assignment
    bundle_dir = os.path.join(course.bundle_dir, assignment)
    if not os.path.isdir(bundle_dir):
        raise BundleError(f"No grading bundle in {bundle_dir}: run `autograder release {assignment}`.")
    pipeline = GradingPipeline(course, assignment, options.cell_timeout, options.notebook_timeout)
    report = GradingReport()
    pool = _pool(options, options.workers or course.settings.worker_count)
    stopping = True  # until every job has come back
    try:
        writer = GradebookWriter(pipeline)
        try:
            with tempfile.TemporaryDirectory(prefix="autograder-zip-") as staging:
                jobs = _collect_jobs(course, assignment, options, staging, pipeline, writer, report)
                _grade_jobs(assignment, options, jobs, pool, writer, report)
                stopping = False
        finally:
            try:
                report.outcomes += _timed(report, writer.flush)  # what arrived is recorded, even on the way out
            finally:
                writer.close()
    finally:
        if stopping and isinstance(pool, LocalPool):
            pool.close(stop_running=True)
        else:
            pool.close()
    report.seconds = time.perf_counter() - started
    return report


def _collect_jobs(course, assignment, options, staging, pipeline, writer, report):
    """(count, job generator) of the submissions to execute; the rest is skipped or recorded here."""
    snapshots, restored, version = pipeline.snapshots(), pipeline.restored_files(), pipeline.version()
    pending, (handed_out, warnings) = [], answers_handed_out(course, assignment, through_exchange=not options.from_zip)
    report.warnings += warnings
    for submission in _collect(course, assignment, options, staging, writer.gradebook.duedate):
        if submission.status == "not collected":  # nothing we could record under a student
            report.outcomes.append(Outcome(submission.student, submission.status, submission.problem))
            continue
        files, refused = submission.read() if submission.folder else ({}, [])
        submission.notes += [f"refused {entry}" for entry in refused]
        timestamp, timestamp_problem = submission_timestamp(files)
        handed_in_note = handed_in_after(timestamp, handed_out, assignment)
        submission.notes += filter(None, [handed_in_note])
        digest = content_hash(files, version)
        state = read_state(course, submission.student, assignment)
        # Unchanged work is not graded again, unless a release went out since that it must be noted beside.
        noted = handed_in_note is None or handed_in_note in (state.message if state else "")
        if not options.force and state and state.content_hash == digest and noted:
            report.skipped.append(state)
        elif submission.problem or timestamp_problem:
            _timed(
                report,
                writer.add_problem,
                submission.student,
                submission.problem or timestamp_problem,
                submission.status or "invalid",
                digest,
                submission.notes,
            )
        else:
            pending.append((submission, timestamp))
    report.outcomes += _timed(report, writer.flush)

    def jobs():
        for submission, timestamp in pending:  # read again here, so that only queued jobs sit in memory
            files, _ = submission.read()
            job = pipeline.job(
                submission.student,
                files,
                snapshots,
                restored,
                digest=content_hash(files, version),
                unsafe_no_sandbox=options.unsafe_no_sandbox,
                bundles=writer.bundles,
            )
            intake[job.student] = (timestamp, submission.notes)
            yield job

    intake = {}  # student -> (timestamp, notes) of the jobs handed out, for the writer
    return len(pending), jobs(), intake


def _grade_jobs(assignment, options, jobs, pool, writer, report):
    count, jobs, intake = jobs
    bar = progress(count, f"grading {assignment}", enabled=options.progress)
    counts = {"graded": 0, "could not be graded": 0, "skipped": len(report.skipped)}
    bar.set_postfix(counts)
    try:
        for group in windowed(pool, jobs):
            failed = [(job, result) for job, result in group if isinstance(result, BaseException)]
            for job, result in group:
                timestamp, notes = intake.pop(job.student)
                if not isinstance(result, BaseException):
                    _timed(report, writer.add, job, result, timestamp, notes)
            outcomes = _timed(report, writer.flush)
            # After the successes are recorded: describing a failure checks the cluster, which may stop the run.
            outcomes += [Outcome(job.student, "error", pool.describe_failure(error)) for job, error in failed]
            report.outcomes += outcomes
            for outcome in outcomes:
                counts["graded" if outcome.graded else "could not be graded"] += 1
            bar.set_postfix(counts)
            bar.update(len(outcomes))
    finally:
        bar.close()  # now, not when collected: a bar drawn after the command's last line would bury it
