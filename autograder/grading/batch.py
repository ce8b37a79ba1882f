"""``autograder grade``: execute submissions in parallel workers, record them in one writer.

Workers (a local process pool by default, or a Dask cluster with ``scheduler=``)
run the pure step ``worker.execute_submission``; this process feeds them jobs on
demand, records each result as it arrives through ``GradebookWriter`` and skips
submissions whose content and assignment version are unchanged since they were
last recorded.
"""

import concurrent.futures
import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass, field

from ..errors import BundleError
from ..progress import progress
from ..sandbox import UNSAFE_ENV, check_sandbox_available
from .collect import collect_folder, collect_zip, content_hash, submission_timestamp
from .pipeline import GradingPipeline
from .state import Outcome, read_state
from .worker import execute_submission
from .writer import GradebookWriter


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


@dataclass
class GradingReport:
    outcomes: list = field(default_factory=list)  # Outcome per submission graded (or not gradable)
    skipped: list = field(default_factory=list)  # remembered Outcome per unchanged submission
    seconds: float = 0.0
    record_seconds: float = 0.0  # time the writer spent recording results

    @property
    def failed(self):
        return [o for o in self.outcomes if not o.graded]


def _windowed(executor, jobs, window):
    """Yield (job, result or exception) as they finish, with at most ``window`` jobs queued.

    Jobs are handed out as workers free up, so long submissions never pile up behind one
    worker while another idles, and only the queued jobs' files sit in memory.
    """
    pending, running = iter(jobs), {}
    try:
        for job in pending:
            running[executor.submit(execute_submission, job)] = job
            if len(running) >= window:
                break
        while running:
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    yield job, future.result()
                except Exception as error:  # noqa: BLE001 - reported per submission
                    yield job, error
                next_job = next(pending, None)
                if next_job is not None:
                    running[executor.submit(execute_submission, next_job)] = next_job
    except BaseException:
        for future in running:
            future.cancel()
        raise


def _results(jobs, options, workers):
    """Results from a local spawn process pool, or from a Dask cluster's executor."""
    if options.scheduler:
        from distributed import Client

        with Client(options.scheduler) as client:
            window = max(1, sum(client.nthreads().values()))
            yield from _windowed(client.get_executor(pure=False), jobs, window)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from _windowed(pool, jobs, workers)


def _collect(course, assignment, options, staging):
    if options.submissions and options.submissions.endswith(".zip"):
        return collect_zip(options.submissions, assignment, staging,
                           **({"pattern": options.zip_pattern} if options.zip_pattern else {}))
    return collect_folder(options.submissions or os.path.join(course.root, "submitted"), assignment)


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
    snapshots, restored, version = pipeline.snapshots(), pipeline.restored_files(), pipeline.version()
    writer = GradebookWriter(pipeline)
    workers = options.workers or course.settings.worker_count

    with tempfile.TemporaryDirectory(prefix="autograder-zip-") as staging:
        report, pending = GradingReport(), []
        for submission in _collect(course, assignment, options, staging):
            if submission.status == "not collected":  # nothing we could record under a student
                report.outcomes.append(Outcome(submission.student, submission.status, submission.problem))
                continue
            files, refused = submission.read() if submission.folder else ({}, [])
            submission.notes += [f"refused {entry}" for entry in refused]
            timestamp, timestamp_problem = submission_timestamp(files)
            digest = content_hash(files, version)
            state = read_state(course, submission.student, assignment)
            if not options.force and state and state.content_hash == digest:
                report.skipped.append(state)
            elif submission.problem or timestamp_problem:
                report.outcomes.append(writer.save(
                    submission.student, files, None, digest, restored, notes=submission.notes,
                    problem=submission.problem or timestamp_problem, problem_status=submission.status or "invalid"))
            else:
                pending.append((submission, timestamp))

        def jobs():
            for submission, _ in pending:  # read again here, so that only queued jobs sit in memory
                files, _ = submission.read()
                yield pipeline.job(submission.student, files, snapshots, restored,
                                   digest=content_hash(files, version), unsafe_no_sandbox=options.unsafe_no_sandbox)

        intake = {submission.student: (timestamp, submission.notes) for submission, timestamp in pending}
        bar = progress(len(pending), f"grading {assignment}", enabled=options.progress)
        counts = {"graded": 0, "failed": 0, "skipped": len(report.skipped)}
        bar.set_postfix(counts)
        for job, result in _results(jobs(), options, workers):
            if isinstance(result, BaseException):
                outcome = Outcome(job.student, "error", f"worker failed: {type(result).__name__}: {result}")
            else:
                recording = time.perf_counter()
                timestamp, notes = intake[job.student]
                try:
                    outcome = writer.save(job.student, job.files, result, job.digest, restored, timestamp=timestamp,
                                          notes=notes)
                except Exception as error:  # noqa: BLE001 - one submission's problem, never the batch's
                    outcome = Outcome(job.student, "invalid", f"could not be recorded: {type(error).__name__}: "
                                      f"{str(error)[:200]}")
                report.record_seconds += time.perf_counter() - recording
            report.outcomes.append(outcome)
            counts["graded" if outcome.graded else "failed"] += 1
            bar.set_postfix(counts)
            bar.update()
        bar.close()
    report.seconds = time.perf_counter() - started
    return report
