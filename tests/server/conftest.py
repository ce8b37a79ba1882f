"""A real Jupyter server with the autograder extension, on a student's folder."""

import shutil

import nbformat
import pytest
from browser.lab_process import JupyterLab
from server_support import NOTEBOOK_PATH, Api, finished_notebook
from support import ASSIGNMENT, REPO_ROOT


@pytest.fixture(scope="module")
def student_server(tmp_path_factory):
    """`jupyter server` in a folder holding a copy of release/fc_nets (a student's server)."""
    home = tmp_path_factory.mktemp("student-server")
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, home / "work" / ASSIGNMENT)
    nbformat.write(finished_notebook(), home / "work" / NOTEBOOK_PATH)
    with JupyterLab(home / "work", home) as lab:
        yield lab, Api(lab)
