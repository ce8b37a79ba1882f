"""nbgrader's autograde pipeline, read from the course's configuration and split in three.

``nbgrader autograde`` runs ``c.Autograde.sanitize_preprocessors`` and then
``c.Autograde.autograde_preprocessors`` (``Execute``, our ``JudgeChecks``,
``SaveAutoGrades``, ...). We run exactly those lists, cut where the work moves:

- **worker**: the sanitisers (the gradebook-reading ones replaced by their snapshot
  twins) and execution, always under ``GuardedExecute``'s limits: a pure step that any
  machine can run;
- **judge**: what follows ``Execute`` and needs no gradebook (``JudgeChecks``,
  ``IgnorePattern``, ``LimitOutput``, ...): ``judge`` turns an executed notebook into
  the autograded one and its verdicts. Workers run it too, with ``JudgeChecks`` reading
  the bundle shipped in the job instead of the course's grading_bundle/ folder;
- **gradebook**: ``SaveAutoGrades`` and ``AssignLatePenalties``, whose rows the one
  writer stores in bulk (scoring.py computes what they would write, gradebook.py
  writes it). Subclasses of them are refused: their rows could differ.

``GradingPipeline`` also holds the assignment-wide data every job shares.
"""

import copy
import hashlib
import os
from dataclasses import dataclass

import nbformat
from nbgrader.converters import Autograde
from nbgrader.preprocessors import AssignLatePenalties, Execute, SaveAutoGrades
from traitlets.config import Config

from ..bundle import load_bundle
from ..errors import CourseError
from ..files import read_regular_files
from ..judge import judge_notebook, verdicts_in_notebook
from ..preprocessors import JudgeChecks
from .jobs import Job
from .snapshot import gradebook_snapshots, snapshot_substitute

GRADEBOOK_WRITERS = (SaveAutoGrades, AssignLatePenalties)


@dataclass
class JudgedNotebook:
    notebook: nbformat.NotebookNode  # the autograded notebook
    judgements: list  # judge.CellJudgement per judged test cell

    @property
    def checks(self):
        """Every verdict as a dict, with its test cell, as the judge wrote them into the notebook."""
        return verdicts_in_notebook(self.notebook)


class BundledJudgeChecks(JudgeChecks):
    """``JudgeChecks`` judging against the bundle in ``resources`` (a worker has no course folder)."""

    def preprocess(self, nb, resources):
        resources["autograder_judgements"] = judge_notebook(nb, resources["autograder_bundle"]["cells"])
        return nb, resources


def bundle_substitute(preprocessor_class):
    """The bundle-backed twin of ``JudgeChecks``, or the class itself."""
    return BundledJudgeChecks if issubclass(preprocessor_class, JudgeChecks) else preprocessor_class


def _exact_gradebook_writers(preprocessors):
    for preprocessor in preprocessors:
        if preprocessor not in GRADEBOOK_WRITERS:
            raise CourseError(
                f"c.Autograde.autograde_preprocessors lists {preprocessor.__name__}, a subclass of nbgrader's "
                f"{preprocessor.__mro__[1].__name__}: autograder grade stores exactly the rows nbgrader's own "
                "SaveAutoGrades and AssignLatePenalties write (late penalties follow "
                "c.AssignLatePenalties.plugin_class); list those, or grade with `nbgrader autograde`."
            )
    return preprocessors


def _configured(config, name):
    value = config.Autograde.get(name) if "Autograde" in config else None
    return list(value) if value is not None else list(Autograde.class_traits()[name].default())


def apply_preprocessors(nb, resources, config, preprocessors):
    """Run nbgrader preprocessor classes in order, configured as nbgrader would (in place)."""
    for preprocessor_class in preprocessors:
        nb, resources = preprocessor_class(config=config)(nb, resources)
    return nb, resources


def notebook_resources(assignment, student, name, db_url=None, path=None):
    """The ``resources`` nbgrader's autograde hands its preprocessors for one notebook."""
    resources = {
        "unique_key": name,
        "output_files_dir": f"{name}_files",
        "nbgrader": {"student": student, "assignment": assignment, "notebook": name, "db_url": db_url},
    }
    if path is not None:
        resources["metadata"] = {"path": path}
    return resources


class GradingPipeline:
    """The course's autograde pipeline for one assignment, and the data its jobs share."""

    def __init__(self, course, assignment, cell_timeout=None, notebook_timeout=None):
        self.course = course
        self.assignment = assignment
        self.config = copy.deepcopy(course.config)
        if cell_timeout is not None:
            self.config.Execute.timeout = cell_timeout
        if notebook_timeout is not None:
            self.config.Autograder.notebook_timeout = notebook_timeout
        autograde = _configured(self.config, "autograde_preprocessors")
        execute_at = next(i for i, p in enumerate(autograde) if issubclass(p, Execute))
        self.sanitize_preprocessors = [
            snapshot_substitute(p) for p in _configured(self.config, "sanitize_preprocessors")
        ]
        after = autograde[execute_at + 1 :]
        self.judge_preprocessors = [p for p in after if not issubclass(p, GRADEBOOK_WRITERS)]
        self.gradebook_preprocessors = _exact_gradebook_writers([p for p in after if issubclass(p, GRADEBOOK_WRITERS)])

    @property
    def saves_grades(self):
        return SaveAutoGrades in self.gradebook_preprocessors

    @property
    def assigns_late_penalties(self):
        return AssignLatePenalties in self.gradebook_preprocessors

    # --- what every job shares --------------------------------------------------------------
    @property
    def worker_config(self):
        """The plain-dict configuration a worker needs (sanitisers, Execute, our settings)."""
        plain = {section: dict(values) for section, values in self.config.items() if isinstance(values, Config)}
        plain.pop("Autograde", None)  # holds classes; workers get the lists separately
        return plain

    def snapshots(self):
        return gradebook_snapshots(self.course, self.assignment)

    def bundles(self, names):
        """notebook name -> grading bundle, for the notebooks ``names``."""
        return {name: load_bundle(self.course.bundle_dir, self.assignment, name) for name in names}

    def restored_files(self):
        """The release's own files (support package, public checks), restored over every submission."""
        return release_files(self.course.release(self.assignment))

    def version(self):
        """Hash of everything that decides a grade besides the submission itself."""
        digest = hashlib.sha256()
        folders = (
            self.course.source(self.assignment),
            self.course.release(self.assignment),
            os.path.join(self.course.bundle_dir, self.assignment),
        )
        for folder in folders:
            for relative, data in sorted(read_regular_files(folder).files.items()):
                digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def job(self, student, files, snapshots, restored_files, digest="", unsafe_no_sandbox=False, bundles=None):
        """One submission's job; with ``bundles`` (name -> bundle) the worker judges it too."""
        return Job(
            student=student,
            assignment=self.assignment,
            files=files,
            restored_files=restored_files,
            snapshots=snapshots,
            config=self.worker_config,
            sanitize_preprocessors=self.sanitize_preprocessors,
            digest=digest,
            unsafe_no_sandbox=unsafe_no_sandbox,
            bundles=bundles,
            judge_preprocessors=[bundle_substitute(p) for p in self.judge_preprocessors],
        )

    # --- after execution ----------------------------------------------------------------
    def judge_executed(self, notebook_text, student, name):
        """The autograded notebook and its verdicts, from an executed notebook (no gradebook)."""
        nb = nbformat.reads(notebook_text, as_version=4)
        return judge(nb, self.assignment, student, name, self.config, self.judge_preprocessors)


def release_files(release_dir):
    """A release's own files (all but its notebooks): what is restored over a submission."""
    return {
        relative: data
        for relative, data in read_regular_files(release_dir).files.items()
        if not relative.endswith(".ipynb")
    }


def beside_the_release(files, restored):
    """The submission's ``files`` without anything under a folder the release ships.

    Writing the release's files over the submission's replaces a file of the same name, but
    not a package: a submitted ``nnsupport/data/`` would be imported instead of the restored
    ``nnsupport/data.py``. So the release's folders are the release's alone."""
    shipped = {path.split("/")[0] for path in restored if "/" in path}
    return {path: data for path, data in files.items() if path.split("/")[0] not in shipped}


def judge(nb, assignment, student, name, config, preprocessors, bundle=None):
    """Run the judge half of the pipeline on an executed notebook (in place).

    ``bundle``: the notebook's grading bundle, for a bundle-backed ``JudgeChecks``.
    """
    resources = notebook_resources(assignment, student, name)
    if bundle is not None:
        resources["autograder_bundle"] = bundle
    nb, resources = apply_preprocessors(nb, resources, config, preprocessors)
    return JudgedNotebook(nb, resources.get("autograder_judgements", []))
