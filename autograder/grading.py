"""``autograder grade``: execute submissions in parallel workers, record them in one writer.

Workers (a local process pool by default, or a Dask cluster with ``scheduler=``)
run the pure step ``worker.execute_submission``; this process feeds them jobs on
demand, records each result as it arrives through ``GradebookWriter`` and skips
submissions whose content and assignment version are unchanged since they were
last recorded.
"""

import concurrent.futures
import hashlib
import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass, field

from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from .bundle import BundleError
from .collect import collect_folder, collect_zip, content_hash, submission_files
from .coursedir import CourseError
from .pipeline import (
    course_id,
    course_setting,
    db_url,
    load_course_config,
    split_pipeline,
    worker_config,
)
from .sandbox import UNSAFE_ENV, check_sandbox_available
from .snapshot import take_snapshot
from .worker import execute_submission
from .writer import GRADED_STATUSES, GradebookWriter, read_state

DEFAULT_NOTEBOOK_TIMEOUT = 600


@dataclass
class GradingOptions:
    workers: int = os.cpu_count() or 1
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
    outcomes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    seconds: float = 0.0
    record_seconds: float = 0.0  # time the writer spent recording results

    @property
    def failed(self):
        return [o for o in self.outcomes if o["status"] not in GRADED_STATUSES]


def assignment_version(course, assignment):
    """Hash of everything that decides a grade besides the submission itself."""
    digest = hashlib.sha256()
    for folder in (course.source(assignment), os.path.join(course.grading_dir, assignment)):
        for relative, data in sorted(submission_files(folder).items()):
            digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def support_files(course, assignment):
    """The source folder's non-notebook files, restored over every submission's copies."""
    return {
        relative: data
        for relative, data in submission_files(course.source(assignment)).items()
        if not relative.endswith(".ipynb")
    }


def gradebook_snapshots(url, course_name, assignment):
    try:
        with Gradebook(url, course_name) as gb:
            notebooks = gb.find_assignment(assignment).notebooks
            return {nb.name: take_snapshot(gb, nb.name, assignment) for nb in notebooks}
    except MissingEntry:
        raise CourseError(
            f"Assignment {assignment!r} is not in the gradebook {url}: run "
            f"`autograder release {assignment}` first (it records the assignment's cells)."
        ) from None


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


def _results(jobs, options):
    """Results from a local spawn process pool, or from a Dask cluster's executor."""
    if options.scheduler:
        from distributed import Client

        with Client(options.scheduler) as client:
            window = max(1, sum(client.nthreads().values()))
            yield from _windowed(client.get_executor(pure=False), jobs, window)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(options.workers, mp_context=context) as pool:
        yield from _windowed(pool, jobs, options.workers)


def grade(course, assignment, options):
    """Grade every submission of ``assignment``; returns a GradingReport."""
    started = time.perf_counter()
    if options.unsafe_no_sandbox:
        os.environ[UNSAFE_ENV] = "1"
    check_sandbox_available()
    config = load_course_config(course.root)
    url, name = db_url(config, course.root), course_id(config)
    worker_preprocessors, writer_preprocessors = split_pipeline(config)
    bundle_dir = os.path.join(course.grading_dir, assignment)
    if not os.path.isdir(bundle_dir):
        raise BundleError(f"No grading bundle in {bundle_dir}: run `autograder release {assignment}`.")
    snapshots = gradebook_snapshots(url, name, assignment)
    version = assignment_version(course, assignment)
    support = support_files(course, assignment)
    writer = GradebookWriter(course.root, config, assignment, writer_preprocessors, url, name)

    with tempfile.TemporaryDirectory(prefix="autograder-zip-") as staging:
        if options.submissions and options.submissions.endswith(".zip"):
            submissions = collect_zip(options.submissions, assignment, staging,
                                      **({"pattern": options.zip_pattern} if options.zip_pattern else {}))
        else:
            submissions = collect_folder(options.submissions or os.path.join(course.root, "submitted"),
                                         assignment)

        report = GradingReport()
        pending = []
        for submission in submissions:
            if submission.folder is None:  # nothing we could record under a student
                report.outcomes.append({"student": submission.student, "status": submission.status,
                                        "message": submission.problem, "score": None, "max_score": None,
                                        "checks": []})
                continue
            files = submission_files(submission.folder)
            digest = content_hash(files, version)
            state = read_state(course.root, submission.student, assignment)
            if not options.force and state and state.get("content_hash") == digest:
                report.skipped.append(state)
                continue
            if submission.problem:
                report.outcomes.append(writer.record(submission.student, submission.folder, None, digest,
                                                     support, problem=submission.problem,
                                                     problem_status=submission.status))
                continue
            pending.append(submission)

        job_config = worker_config(config, options.cell_timeout)
        notebook_timeout = options.notebook_timeout or course_setting(
            config, "notebook_timeout", DEFAULT_NOTEBOOK_TIMEOUT)

        def jobs():
            for submission in pending:  # read again here, so that only queued jobs sit in memory
                files = submission_files(submission.folder)
                digest = content_hash(files, version)
                yield {"student": submission.student, "assignment": assignment, "files": files,
                       "support_files": support, "snapshots": snapshots, "config": job_config,
                       "sanitize_preprocessors": worker_preprocessors,
                       "notebook_timeout": notebook_timeout, "digest": digest,
                       "unsafe_no_sandbox": options.unsafe_no_sandbox,
                       "folder": submission.folder}

        progress = tqdm(total=len(pending), disable=not options.progress, unit="submission",
                        desc=f"grading {assignment}", dynamic_ncols=True)
        counts = {"graded": 0, "failed": 0, "skipped": len(report.skipped)}
        progress.set_postfix(counts)
        for job, result in _results(jobs(), options):
            if isinstance(result, BaseException):
                outcome = {"student": job["student"], "status": "error", "score": None, "max_score": None,
                           "message": f"worker failed: {type(result).__name__}: {result}", "checks": []}
            else:
                recording = time.perf_counter()
                outcome = writer.record(job["student"], job["folder"], result, job["digest"], support)
                report.record_seconds += time.perf_counter() - recording
            report.outcomes.append(outcome)
            counts["graded" if outcome["status"] in GRADED_STATUSES else "failed"] += 1
            progress.set_postfix(counts)
            progress.update()
        progress.close()
    report.seconds = time.perf_counter() - started
    return report
