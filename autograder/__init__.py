"""The autograder toolkit: release, grade and report on nbgrader assignments.

``__version__`` is the project's one version: the build reads it from here (pyproject.toml's
``[tool.hatch.version]``), ``autograder --version`` prints it, and CHANGELOG.md has a section
for each. Nothing else is imported here, so importing any part of the toolkit (a Dask worker
checking its fingerprint, a student's ``autograder check``) stays cheap.
"""

__version__ = "0.2.0"


def _jupyter_server_extension_points():
    """The Jupyter server extension (``autograder.server``), enabled by the config file installed
    with the package; its module is imported only when a Jupyter server loads it."""
    return [{"module": "autograder.server"}]


def _jupyter_labextension_paths():
    """The prebuilt JupyterLab extension, for a checkout installed in development mode."""
    return [{"src": "labextension", "dest": "nn-autograder"}]
