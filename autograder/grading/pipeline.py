"""nbgrader's autograde pipeline, read from the course's configuration and split in three.

``nbgrader autograde`` runs ``c.Autograde.sanitize_preprocessors`` and then
``c.Autograde.autograde_preprocessors`` (``Execute``, our ``JudgeChecks``,
``SaveAutoGrades``, ...). We run exactly those lists, cut where the work moves:

- **worker**: the sanitisers (the gradebook-reading ones replaced by their snapshot
  twins) and execution, always under ``GuardedExecute``'s limits: a pure step that any
  machine can run;
- **judge**: what follows ``Execute`` and needs no gradebook (``JudgeChecks``,
  ``IgnorePattern``, ``LimitOutput``, ...): ``judge_executed`` turns an executed notebook
  into the autograded one and its verdicts, for the writer, ``rescore`` and ``check``;
- **gradebook**: ``SaveAutoGrades`` and ``AssignLatePenalties``, run by the one writer.

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

from ..files import read_regular_files
from .jobs import Job
from .snapshot import gradebook_snapshots, snapshot_substitute

GRADEBOOK_WRITERS = (SaveAutoGrades, AssignLatePenalties)


@dataclass
class JudgedNotebook:
    notebook: nbformat.NotebookNode  # the autograded notebook
    judgements: list  # judge.CellJudgement per judged test cell


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
        self.sanitize_preprocessors = [snapshot_substitute(p) for p in _configured(self.config, "sanitize_preprocessors")]
        after = autograde[execute_at + 1:]
        self.judge_preprocessors = [p for p in after if not issubclass(p, GRADEBOOK_WRITERS)]
        self.gradebook_preprocessors = [p for p in after if issubclass(p, GRADEBOOK_WRITERS)]

    # --- what every job shares --------------------------------------------------------------
    @property
    def worker_config(self):
        """The plain-dict configuration a worker needs (sanitisers, Execute, our settings)."""
        plain = {section: dict(values) for section, values in self.config.items() if isinstance(values, Config)}
        plain.pop("Autograde", None)  # holds classes; workers get the lists separately
        return plain

    def snapshots(self):
        return gradebook_snapshots(self.course, self.assignment)

    def restored_files(self):
        """The release's own files (support package, public checks), restored over every submission."""
        files = read_regular_files(self.course.release(self.assignment)).files
        return {relative: data for relative, data in files.items() if not relative.endswith(".ipynb")}

    def version(self):
        """Hash of everything that decides a grade besides the submission itself."""
        digest = hashlib.sha256()
        folders = (self.course.source(self.assignment), self.course.release(self.assignment),
                   os.path.join(self.course.bundle_dir, self.assignment))
        for folder in folders:
            for relative, data in sorted(read_regular_files(folder).files.items()):
                digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def job(self, student, files, snapshots, restored_files, digest="", unsafe_no_sandbox=False):
        return Job(student=student, assignment=self.assignment, files=files, restored_files=restored_files,
                   snapshots=snapshots, config=self.worker_config, sanitize_preprocessors=self.sanitize_preprocessors,
                   digest=digest, unsafe_no_sandbox=unsafe_no_sandbox)

    # --- after execution ----------------------------------------------------------------
    def judge_executed(self, notebook_text, student, name):
        """The autograded notebook and its verdicts, from an executed notebook (no gradebook)."""
        nb = nbformat.reads(notebook_text, as_version=4)
        resources = notebook_resources(self.assignment, student, name)
        nb, resources = apply_preprocessors(nb, resources, self.config, self.judge_preprocessors)
        return JudgedNotebook(nb, resources.get("autograder_judgements", []))

    def save_grades(self, judged, student, name):
        """SaveAutoGrades and late penalties: the gradebook half, in the writer."""
        resources = notebook_resources(self.assignment, student, name, db_url=self.course.db_url)
        apply_preprocessors(judged.notebook, resources, self.config, self.gradebook_preprocessors)
