"""Helpers of the server tests: the finished notebook, and requests as a browser makes them."""

import json
import urllib.error
import urllib.request

import nbformat
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.library import paste_reference

NOTEBOOK_PATH = f"{ASSIGNMENT}/{NOTEBOOK}.ipynb"


def finished_notebook():
    """The release notebook with every solution written: the reference's."""
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    released = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return paste_reference(released, source)


class Api:
    """Requests to one server's /autograder/api/, with its token unless told otherwise."""

    def __init__(self, lab):
        self.lab = lab

    def __call__(self, method, path, body=None, token=True, timeout=600):
        headers = {"Authorization": f"token {self.lab.token}"} if token else {}
        request = urllib.request.Request(
            f"{self.lab.url}/autograder/api/{path}",
            method=method,
            headers=headers,
            data=None if body is None else json.dumps(body).encode(),
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, dict(response.headers), raw
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method, path, body=None, **kw):
        status, _, raw = self(method, path, body, **kw)
        return status, json.loads(raw) if raw else None
