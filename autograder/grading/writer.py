"""The one process that writes: results into nbgrader's gradebook and autograded/.

Workers return each submission judged, with the values nbgrader's ``SaveAutoGrades``
would store (see worker.py), so recording is only writing:

1. ``add``: its autograded folder is written afresh beside the old one (its files, the
   autograded notebooks as the worker serialised them, the recorded values for
   rescoring) and swapped in without the old state file (until recorded again it reads
   as interrupted), and its gradebook rows are queued;
2. ``flush``: the queued rows of many submissions go into the gradebook in one
   transaction (gradebook.py); after the commit, each submission's state file.

Every step is idempotent and the state file comes last, so a run killed at any
moment is finished by the next one, which records again whatever has no state file.
A failure while recording one student (a file that cannot be written, graded cells
the assignment does not have, rows the database refuses) marks that student
``invalid`` with the reason, and the batch goes on. A database or disk that cannot
be written at all stops the run with one line (RecordingError).
"""

import errno
import os
import shutil
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..errors import RecordingError
from ..files import write_files
from .gradebook import BulkGradebook, NotebookRows, SubmissionRows, first_line, shown_url
from .pipeline import beside_the_release
from .records import RECORDS_FILE, verdict_keys, write_store
from .state import STATE_FILE, Outcome, forget_state, submission_status, write_atomically, write_state

# What the database, or its driver before it, raises on one submission's rows: a value it
# refuses, or text it cannot encode (sqlite3 raises UnicodeEncodeError unwrapped on a lone
# surrogate). That submission is refused; the batch goes on.
REFUSALS = (SQLAlchemyError, UnicodeError, ValueError)

BATCH_SIZE = 100  # submissions per gradebook transaction at most
# Errors that are the machine's, not the submission's: they stop the run.
MACHINE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
# Our own files in an autograded folder; a submission's files of these names are not copied.
RESERVED_NAMES = {STATE_FILE, RECORDS_FILE}


@dataclass
class _Entry:
    outcome: Outcome
    rows: SubmissionRows | None  # None: nothing to store in the gradebook


class GradebookWriter:
    """Records results for one assignment; the only code that writes the gradebook."""

    def __init__(self, pipeline, batch_size=BATCH_SIZE):
        self.course = pipeline.course
        self.assignment = pipeline.assignment
        self.gradebook = BulkGradebook(
            self.course.db_url,
            self.course.course_id,
            self.assignment,
            pipeline.config,
            pipeline.saves_grades,
            pipeline.assigns_late_penalties,
        )
        try:
            self.bundles = pipeline.bundles(self.gradebook.notebooks)  # name -> bundle, for the workers too
        except BaseException:
            self.close()
            raise
        self.keys = {
            name: verdict_keys(bundle["cells"], self.gradebook.points(name)) for name, bundle in self.bundles.items()
        }
        self.batch_size = batch_size
        self._pending, self._done = [], []

    def close(self):
        self.gradebook.close()

    # --- queueing -----------------------------------------------------------------------
    def add(self, job, run, timestamp=None, notes=()):
        """Queue a worker's SubmissionRun of ``job`` (files written now, rows at the next flush).

        ``timestamp``: when it was submitted (intake parsed timestamp.txt); ``notes``: what
        intake refused or chose, for the outcome's message.
        """
        try:
            entry = self._entry(job, run, timestamp, notes)
        except RecordingError:
            raise
        except Exception as error:  # noqa: BLE001 - one student's problem; the batch goes on
            _raise_if_machine_error(error)
            entry = _Entry(
                Outcome(job.student, "invalid", f"could not record this submission: {error}", content_hash=job.digest),
                None,
            )
        self._queue(entry)

    def add_problem(self, student, problem, status, content_hash, notes=()):
        """Queue a submission that cannot be executed (e.g. an empty folder): left ungraded, as
        nbgrader leaves a submission with none of its notebooks."""
        self._clear_folder(student)
        rows = SubmissionRows(
            student, None, {name: NotebookRows("ungraded", problem=problem) for name in self.gradebook.notebooks}
        )
        self._queue(_Entry(Outcome(student, status, "; ".join([problem, *notes]), content_hash=content_hash), rows))

    def _queue(self, entry):
        self._pending.append(entry)
        if len(self._pending) >= self.batch_size:
            self._done += self._commit()

    def _entry(self, job, run, timestamp, notes):
        notebooks, problems = self._notebook_rows(run), []
        for name, rows in notebooks.items():
            unknown = self.gradebook.unknown_cells(name, rows) if rows.state == "graded" else []
            if unknown:
                problems.append(
                    f"{name}.ipynb has graded cells the assignment does not have: {', '.join(unknown)[:200]}"
                )
                notebooks[name] = NotebookRows("ungraded", problem=problems[-1])
        self._write_folder(job, run)
        outcome = Outcome(
            student=job.student,
            status="invalid" if problems else submission_status(run.notebooks),
            message="; ".join([r.message for r in run.notebooks.values() if r.message] + problems + list(notes)),
            checks=[check for r in run.notebooks.values() for check in r.checks],
            content_hash=job.digest,
            seconds=run.seconds,
            timings={name: r.seconds for name, r in run.notebooks.items()},
            worker=run.worker,
            verdict_keys={
                name: {cell: self.keys[name][cell] for cell in r.judged if cell in self.keys.get(name, {})}
                for name, r in run.notebooks.items()
                if r.notebook is not None
            },
        )
        return _Entry(outcome, SubmissionRows(job.student, timestamp, notebooks))

    @staticmethod
    def _notebook_rows(run):
        """What autograde leaves for each notebook: a missing one scores 0 only when another
        notebook of the submission is there (nbgrader fails a submission with none); either
        carries its reason for formgrader."""
        present = any(r.status != "missing" for r in run.notebooks.values())
        rows = {}
        for name, notebook_run in run.notebooks.items():
            if notebook_run.status == "missing":
                rows[name] = NotebookRows("missing" if present else "ungraded", problem=notebook_run.message)
            elif notebook_run.notebook is None:
                rows[name] = NotebookRows("ungraded", problem=notebook_run.message)
            else:
                rows[name] = NotebookRows("graded", notebook_run.grades, notebook_run.comments)
        return rows

    def _clear_folder(self, student):
        forget_state(self.course, student, self.assignment)
        shutil.rmtree(self.course.autograded(student, self.assignment), ignore_errors=True)

    def _write_folder(self, job, run):
        """autograded/<student>/<assignment>/ afresh: files, autograded notebooks, recorded values.

        Written beside the old folder first and swapped in only once complete: a submission
        whose result cannot be written (a failure of this student's) keeps its previous
        autograded folder, which the gradebook's rows still describe."""
        target = self.course.autograded(job.student, self.assignment)
        staging = os.path.join(os.path.dirname(target), f".{self.assignment}.writing")
        shutil.rmtree(staging, ignore_errors=True)  # left by a run killed while writing
        try:
            self._write_files(job, run, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._clear_folder(job.student)
        os.rename(staging, target)

    def _write_files(self, job, run, folder):
        os.makedirs(folder)
        ours = RESERVED_NAMES | {f"{name}.ipynb" for name in run.notebooks}  # also as folders of the submission
        kept = beside_the_release(job.files, job.restored_files)
        write_files(
            folder,
            {
                relative: data
                for relative, data in kept.items()
                if not relative.endswith(".ipynb") and relative.split("/")[0] not in ours
            },
        )
        write_files(folder, job.restored_files)
        records = {}
        for name, notebook_run in run.notebooks.items():
            if notebook_run.notebook is not None:
                write_atomically(os.path.join(folder, f"{name}.ipynb"), notebook_run.notebook)
                if notebook_run.records is not None:
                    records[name] = notebook_run.records
        if records:
            write_store(os.path.join(folder, RECORDS_FILE), records)

    # --- committing ---------------------------------------------------------------------
    def flush(self):
        """Store everything queued; returns the Outcome of each submission stored since the last flush."""
        done, self._done = self._done + self._commit(), []
        return done

    def _commit(self):
        entries, self._pending = self._pending, []
        stored = [entry for entry in entries if entry.rows is not None]
        scores = self._record(stored)
        for entry in entries:
            if entry.rows is not None:
                entry.outcome.score = scores[entry.outcome.student]
                entry.outcome.max_score = self.gradebook.max_score
            try:
                write_state(self.course, self.assignment, entry.outcome)
            except OSError as error:
                _raise_if_machine_error(error)
                entry.outcome = Outcome(entry.outcome.student, "invalid", f"could not record this submission: {error}")
        return [entry.outcome for entry in entries]

    def _record(self, entries):
        """student -> score for the entries stored; one transaction, or one each when the batch fails."""
        if not entries:
            return {}
        try:
            return self._store([entry.rows for entry in entries])
        except REFUSALS:
            pass  # find the submission(s) the database refuses
        scores = {}
        for entry in entries:
            try:
                scores.update(self._store([entry.rows]))
            except REFUSALS as error:
                entry.rows = None
                entry.outcome = Outcome(
                    entry.outcome.student,
                    "invalid",
                    f"the gradebook refused this submission: {first_line(error)}",
                    content_hash=entry.outcome.content_hash,
                )
        return scores

    def _store(self, rows):
        try:
            return self.gradebook.record(rows)
        except OperationalError as error:  # the database itself, not one submission
            raise RecordingError(
                f"cannot write the gradebook {shown_url(self.course.db_url)}: {first_line(error)}; "
                "every submission recorded so far is kept: run the command again"
            ) from None


def _raise_if_machine_error(error):
    if isinstance(error, OSError) and error.errno in MACHINE_ERRNOS:
        raise RecordingError(
            f"cannot write the course folder: {error}; every submission recorded so far "
            "is kept: run the command again once it is fixed"
        ) from None
