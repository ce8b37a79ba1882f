"""nbgrader's ``Execute`` with the limits a grader needs: a notebook deadline and an output cap.

``GuardedExecute`` replaces ``Execute`` in nbgrader_config.py's autograde pipeline, so
``autograder grade``, ``autograder check`` (an instructor's) and plain ``nbgrader
autograde`` and formgrader all run student notebooks under the same rules
(notebook_limits.py says which); a student's ``autograder check`` runs its notebook
under the same rules without nbgrader (``notebook_limits.LimitedNotebookClient``).
Whatever the outcome, it is also written to the notebook's metadata under
``EXECUTION_METADATA_KEY`` (always, so a submission cannot pre-fill it, and out of reach
of what a kernel sends); feedback pages read it instead of trusting an error output by
its name.
"""

from nbgrader.preprocessors import Execute
from traitlets import Bool

from .notebook_limits import NotebookLimits

EXECUTION_METADATA_KEY = "nn_autograder_execution"


class GuardedExecute(NotebookLimits, Execute):
    """``Execute`` under a notebook deadline and an output cap; never raises on a dead kernel."""

    # Four timestamps per cell in the graded notebook's metadata (nbclient's default) are a
    # twentieth of what a graded submission keeps, and nothing reads them.
    record_timing = Bool(False, help="Record each cell's execution times in its metadata.").tag(config=True)

    def on_cell_executed(self, **kwargs):
        """nbgrader's hook, given only a reply as the protocol defines it."""
        if self.plain_reply(kwargs.get("execute_reply")):
            return super().on_cell_executed(**kwargs)
        return None

    def preprocess(self, nb, resources, km=None):
        self.run_within_limits(nb, lambda: Execute.preprocess(self, nb, resources, km=km))
        self.keep_only_valid(nb)
        nb.metadata[EXECUTION_METADATA_KEY] = {"status": self.status, "message": self.message}
        return nb, resources
