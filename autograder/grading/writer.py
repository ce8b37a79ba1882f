"""The one process that writes: results into nbgrader's gradebook and autograded/.

For each executed submission it does what ``nbgrader autograde`` does after
execution: judges it (``GradingPipeline.judge_executed``), stores the grades
(``SaveAutoGrades``, late penalties) and writes the autograded notebooks; last, the
state file (see state.py). Everything before the state file is idempotent, so a run
killed at any moment is finished by the next one.
"""

import os
import warnings

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from ..files import write_files

from .state import Outcome, read_state, submission_status, write_atomically, write_state

# nbgrader 0.9.6 triggers this on every autograde, plain `nbgrader autograde` too; the
# grades are stored all the same (checked in the round-trip tests), so it is only noise.
warnings.filterwarnings("ignore", message=".*not in session.*", category=SAWarning)


def _checks(judged):
    return [{"cell": j.grade_id, **v.to_dict()} for j in judged.judgements for v in j.verdicts]


class GradebookWriter:
    """Records results for one assignment; the only code that opens the gradebook."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.course = pipeline.course
        self.assignment = pipeline.assignment

    def _open(self):
        return Gradebook(self.course.db_url, self.course.course_id)

    def _start_submission(self, student, timestamp):
        with self._open() as gb:
            gb.update_or_create_student(student)
            if timestamp:
                gb.update_or_create_submission(self.assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(self.assignment, student)

    def _zero_notebook(self, student, name):
        """What nbgrader does for a missing notebook: every grade 0, nothing to review."""
        with self._open() as gb:
            for grade in gb.find_submission_notebook(name, self.assignment, student).grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            gb.db.commit()

    def _notebook_names(self):
        with self._open() as gb:
            return [nb.name for nb in gb.find_assignment(self.assignment).notebooks]

    def _scores(self, student):
        with self._open() as gb:
            submission = gb.find_submission(self.assignment, student)
            return submission.score, submission.max_score

    def _save_notebook(self, student, name, notebook_text):
        """Judge one executed notebook, store its grades and write it; returns its checks."""
        judged = self.pipeline.judge_executed(notebook_text, student, name)
        self.pipeline.save_grades(judged, student, name)
        path = os.path.join(self.course.autograded(student, self.assignment), f"{name}.ipynb")
        write_atomically(path, nbformat.writes(judged.notebook))
        return _checks(judged)

    def _copy_files(self, student, files, restored_files):
        """The submission's other files (as read at intake, never re-read) and the restored ones."""
        others = {name: data for name, data in files.items() if not name.endswith(".ipynb")}
        write_files(self.course.autograded(student, self.assignment), {**others, **restored_files})

    def save(self, student, files, run, content_hash, restored_files, timestamp=None, notes=(), problem=None,
             problem_status=None):
        """Store one submission's outcome; returns it as an Outcome.

        ``files`` are the submission's files as intake read them; ``run`` is the worker's
        SubmissionRun. With ``problem`` instead (a submission that cannot be executed, e.g.
        an empty folder) its notebooks score zero and the outcome carries ``problem_status``
        and the problem. ``notes`` (what intake refused or chose) join the message.
        """
        self._start_submission(student, timestamp)
        checks, messages = [], []
        if problem is not None:
            status = problem_status
            messages.append(problem)
            for name in self._notebook_names():
                self._zero_notebook(student, name)
        else:
            status = submission_status(run.notebooks)
            for name, notebook_run in run.notebooks.items():
                if notebook_run.message:
                    messages.append(notebook_run.message)
                if notebook_run.notebook is None:
                    self._zero_notebook(student, name)
                else:
                    checks += self._save_notebook(student, name, notebook_run.notebook)
        self._copy_files(student, files, restored_files)
        score, max_score = self._scores(student)
        outcome = Outcome(
            student=student, status=status, message="; ".join(messages + list(notes)), score=score, max_score=max_score,
            checks=checks, content_hash=content_hash, seconds=run.seconds if run else None,
            timings={name: r.seconds for name, r in run.notebooks.items()} if run else {},
        )
        write_state(self.course, self.assignment, outcome)
        return outcome

    def rescore(self, student):
        """Judge the recorded values again (new tolerances or points), executing nothing.

        Returns the updated Outcome, or None when the submission has no recorded grades.
        """
        state = read_state(self.course, student, self.assignment)
        if state is None or not state.graded:
            return None
        checks = []
        folder = self.course.autograded(student, self.assignment)
        for file_name in sorted(os.listdir(folder)):
            if file_name.endswith(".ipynb"):
                with open(os.path.join(folder, file_name)) as f:
                    checks += self._save_notebook(student, file_name[: -len(".ipynb")], f.read())
        state.score, state.max_score = self._scores(student)
        state.checks = checks
        write_state(self.course, self.assignment, state)
        return state

