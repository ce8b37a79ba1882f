"""nbgrader's ``Execute`` with the limits a grader needs: a notebook deadline and an output cap.

``GuardedExecute`` replaces ``Execute`` in nbgrader_config.py's autograde pipeline, so
``autograder grade``, ``autograder check`` (an instructor's) and plain ``nbgrader
autograde`` and formgrader all run student notebooks under the same rules
(notebook_limits.py says which); a student's ``autograder check`` runs its notebook
under the same rules without nbgrader (``notebook_limits.LimitedNotebookClient``).
"""

from nbgrader.preprocessors import Execute

from .notebook_limits import NotebookLimits


class GuardedExecute(NotebookLimits, Execute):
    """``Execute`` under a notebook deadline and an output cap; never raises on a dead kernel."""

    def preprocess(self, nb, resources, km=None):
        self.run_within_limits(nb, lambda: Execute.preprocess(self, nb, resources, km=km))
        return nb, resources
