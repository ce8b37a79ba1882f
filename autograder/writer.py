"""The one process that writes: results into nbgrader's gradebook and autograded/.

For each executed submission it does what ``nbgrader autograde`` does after
execution (the writer half of the pipeline: judging, SaveAutoGrades, late
penalties) and writes the autograded notebooks. Last, it writes a small state file
``autograded/<student>/<assignment>/.autograder.json`` with the submission's content
hash and outcome. Everything before that file is idempotent, so a run killed at any
moment is finished by the next one: a submission without an up-to-date state file
is simply graded again.
"""

import json
import os
import shutil
import warnings

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory

from sqlalchemy.exc import SAWarning

from .preprocessors import VERDICT_METADATA_KEY

# nbgrader 0.9.6 triggers this on every autograde, plain `nbgrader autograde` too; the
# grades are stored all the same (checked in the round-trip tests), so it is only noise.
warnings.filterwarnings("ignore", message=".*not in session.*", category=SAWarning)

STATE_FILE = ".autograder.json"
# A submission in one of these states has grades in the gradebook worth trusting.
GRADED_STATUSES = ("graded", "graded (time limit)", "graded (kernel died)")


def state_path(course_root, student, assignment):
    return os.path.join(course_root, "autograded", student, assignment, STATE_FILE)


def read_state(course_root, student, assignment):
    try:
        with open(state_path(course_root, student, assignment)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def graded_students(course_root, assignment):
    """Students whose submission of ``assignment`` has grades recorded."""
    folder = os.path.join(course_root, "autograded")
    if not os.path.isdir(folder):
        return []
    return [student for student in sorted(os.listdir(folder))
            if (read_state(course_root, student, assignment) or {}).get("status") in GRADED_STATUSES]


def _write_atomically(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.partial"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def submission_status(notebook_results):
    """One status for the submission from its notebooks' statuses."""
    statuses = [r["status"] for r in notebook_results.values()]
    for failed in ("invalid", "missing"):
        if failed in statuses:
            return failed
    if "timeout" in statuses:
        return "graded (time limit)"
    if "kernel died" in statuses:
        return "graded (kernel died)"
    return "graded"


def checks_of(nb):
    """The verdicts the judge put into an autograded notebook, per test cell."""
    checks = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            verdict = output.get("metadata", {}).get(VERDICT_METADATA_KEY)
            if verdict:
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                for check in verdict["verdicts"]:
                    checks.append({"cell": grade_id, **check})
                checks.append({"cell": grade_id, "cell_score": verdict["score"],
                               "cell_max_score": verdict["max_score"]})
    return checks


class GradebookWriter:
    """Records results for one assignment; the only code that opens the gradebook."""

    def __init__(self, course_root, config, assignment, preprocessors, db_url, course_id):
        self.root = course_root
        self.config = config
        self.assignment = assignment
        self.preprocessors = preprocessors
        self.db_url = db_url
        self.course_id = course_id

    def autograded_dir(self, student):
        return os.path.join(self.root, "autograded", student, self.assignment)

    def _open(self):
        return Gradebook(self.db_url, self.course_id)

    def _start_submission(self, student, folder):
        timestamp = CourseDirectory().get_existing_timestamp(folder) if folder else None
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

    def _judge_and_save(self, student, name, notebook_text):
        """The writer half of nbgrader's autograde pipeline; returns the autograded notebook."""
        resources = {
            "unique_key": name,
            "output_files_dir": f"{name}_files",
            "nbgrader": {"student": student, "assignment": self.assignment, "notebook": name,
                         "db_url": self.db_url},
        }
        exporter = NotebookExporter(config=self.config)
        for preprocessor in self.preprocessors:
            exporter.register_preprocessor(preprocessor)
        output, _ = exporter.from_notebook_node(nbformat.reads(notebook_text, as_version=4), resources)
        return output

    def _copy_files(self, student, folder, support_files):
        target = self.autograded_dir(student)
        if folder:
            for current, _, names in os.walk(folder):
                for file_name in names:
                    if file_name.endswith(".ipynb"):
                        continue
                    source = os.path.join(current, file_name)
                    destination = os.path.join(target, os.path.relpath(source, folder))
                    os.makedirs(os.path.dirname(destination), exist_ok=True)
                    shutil.copy(source, destination)
        for relative, data in support_files.items():
            destination = os.path.join(target, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with open(destination, "wb") as f:
                f.write(data)

    def _scores(self, student):
        with self._open() as gb:
            submission = gb.find_submission(self.assignment, student)
            return submission.score, submission.max_score

    def record(self, student, folder, result, content_hash, support_files, problem=None,
               problem_status=None):
        """Store one submission's outcome; returns the outcome as a plain dict.

        With ``problem`` (a submission that cannot be executed, e.g. an empty folder) its
        notebooks score zero and the outcome carries ``problem_status`` and the problem.
        """
        self._start_submission(student, folder)
        checks, messages = [], []
        if problem is not None:
            status = problem_status
            messages.append(problem)
            for name in self._notebook_names():
                self._zero_notebook(student, name)
        else:
            status = submission_status(result["notebooks"])
            for name, outcome in result["notebooks"].items():
                if outcome.get("message"):
                    messages.append(outcome["message"])
                if "notebook" not in outcome:
                    self._zero_notebook(student, name)
                    continue
                autograded = self._judge_and_save(student, name, outcome["notebook"])
                _write_atomically(os.path.join(self.autograded_dir(student), f"{name}.ipynb"), autograded)
                checks += checks_of(nbformat.reads(autograded, as_version=4))
        self._copy_files(student, folder, support_files)
        score, max_score = self._scores(student)
        outcome = {
            "student": student,
            "status": status,
            "message": "; ".join(messages),
            "score": score,
            "max_score": max_score,
            "checks": checks,
            "content_hash": content_hash,
            "seconds": result.get("seconds") if result else None,
            "timings": {n: o.get("seconds") for n, o in (result or {}).get("notebooks", {}).items()},
        }
        _write_atomically(state_path(self.root, student, self.assignment), json.dumps(outcome, indent=1))
        return outcome

    def rescore(self, student):
        """Judge the recorded values again (new tolerances or points), executing nothing.

        Returns the updated outcome, or None when the submission has no recorded grades.
        """
        state = read_state(self.root, student, self.assignment)
        if state is None or state["status"] not in GRADED_STATUSES:
            return None
        checks = []
        folder = self.autograded_dir(student)
        for file_name in sorted(os.listdir(folder)):
            if not file_name.endswith(".ipynb"):
                continue
            path = os.path.join(folder, file_name)
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = [o for o in cell.outputs
                                    if VERDICT_METADATA_KEY not in o.get("metadata", {})]
            rejudged = self._judge_and_save(student, file_name[: -len(".ipynb")], nbformat.writes(nb))
            _write_atomically(path, rejudged)
            checks += checks_of(nbformat.reads(rejudged, as_version=4))
        state["score"], state["max_score"] = self._scores(student)
        state["checks"] = checks
        _write_atomically(state_path(self.root, student, self.assignment), json.dumps(state, indent=1))
        return state

    def _notebook_names(self):
        with self._open() as gb:
            return [nb.name for nb in gb.find_assignment(self.assignment).notebooks]

