"""nbgrader's autograde pipeline, read from the course's configuration and split in two.

Everything up to and including ``Execute`` (nbgrader's sanitisers and the execution)
runs in workers, with the gradebook-reading sanitisers replaced by their snapshot
twins; everything after ``Execute`` (our ``JudgeChecks``, ``SaveAutoGrades``, late
penalties, ...) runs in the single writer process that owns the gradebook. Both halves
come from ``c.Autograde.sanitize_preprocessors`` / ``autograde_preprocessors`` exactly
as ``nbgrader autograde`` would use them.
"""

import os

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .snapshot import snapshot_substitute


def load_course_config(root):
    """The course's nbgrader_config.py as a traitlets Config."""
    return PyFileConfigLoader("nbgrader_config.py", path=root).load_config()


def _configured(config, name):
    value = config.Autograde.get(name) if "Autograde" in config else None
    return list(value) if value is not None else list(Autograde.class_traits()[name].default())


def split_pipeline(config):
    """(worker preprocessors, writer preprocessors) for this configuration."""
    autograde = _configured(config, "autograde_preprocessors")
    execute_at = next(i for i, p in enumerate(autograde) if issubclass(p, Execute))
    worker = [snapshot_substitute(p) for p in _configured(config, "sanitize_preprocessors")]
    return worker, autograde[execute_at + 1 :]


def worker_config(config, cell_timeout=None):
    """The plain-dict configuration a worker needs (sanitisers and Execute)."""
    plain = {section: dict(values) for section, values in config.items() if isinstance(values, Config)}
    plain.pop("Autograde", None)  # holds classes; workers get the list separately
    if cell_timeout is not None:
        plain.setdefault("Execute", {})["timeout"] = cell_timeout
    return plain


def course_setting(config, name, default):
    """An ``c.Autograder.<name>`` setting of ours from nbgrader_config.py."""
    return config.Autograder.get(name, default) if "Autograder" in config else default


def db_url(config, root):
    return config.CourseDirectory.get("db_url", "sqlite:///" + os.path.join(root, "gradebook.db"))


def course_id(config):
    return config.CourseDirectory.get("course_id", "default_course")
