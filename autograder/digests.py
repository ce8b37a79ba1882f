"""Content hashes for incremental work: redo a step only when something it depends on changed.

``autograder release`` skips its proof and ``autograder feedback`` skips a page when the
digest of their inputs equals the one remembered when they last ran (and what they wrote
is still there, byte for byte). A digest is SHA-256 over named parts, so that moving bytes
from one input to another cannot give the same digest, and over the toolkit itself: a new
toolkit version, a changed module or template, or another numpy or nbgrader redoes
everything (they decide recorded values, verdicts and pages).
"""

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from . import __version__

PACKAGE = os.path.dirname(os.path.abspath(__file__))
# Folders of the package that are built, not written: the JupyterLab extension's bundle.
NOT_SOURCE = ("labextension", "__pycache__")
# Libraries whose version changes recorded values, verdicts or pages.
DEPENDENCIES = ("numpy", "nbgrader", "nbconvert", "nbformat", "nbclient", "ipykernel", "nh3")


class Digest:
    """SHA-256 over (name, bytes) parts, each framed by its length."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, name: str, data: bytes) -> "Digest":
        for part in (name.encode(), data):
            self._hash.update(len(part).to_bytes(8, "big"))
            self._hash.update(part)
        return self

    def add_json(self, name: str, value: Any) -> "Digest":
        return self.add(name, json.dumps(value, sort_keys=True, default=str).encode())

    def add_file(self, name: str, path: str) -> "Digest":
        """The file's bytes, or a marker that it is absent (absent differs from empty)."""
        try:
            with open(path, "rb") as f:
                return self.add(name, b"file\0" + f.read())
        except FileNotFoundError:
            return self.add(name, b"absent")

    def add_tree(self, name: str, folder: str, skip: Iterable[str] = ("__pycache__", ".ipynb_checkpoints")) -> "Digest":
        """Every regular file under ``folder`` (relative paths, sorted), skipping entries named
        in ``skip`` at any depth; a link counts as its target path, never followed."""
        skipped = set(skip)
        entries = []
        for directory, folders, files in os.walk(folder):
            folders[:] = sorted(f for f in folders if f not in skipped)
            entries += [os.path.join(directory, f) for f in files if f not in skipped]
        self.add(name, f"tree of {len(entries)}".encode())
        for path in sorted(entries):
            relative = os.path.relpath(path, folder)
            if os.path.islink(path):
                self.add(f"{name}/{relative}", b"link\0" + os.readlink(path).encode())
            else:
                self.add_file(f"{name}/{relative}", path)
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def toolkit_digest() -> str:
    """The toolkit's version, every file of its source (modules and templates), Python's
    version and those of the libraries that decide values and pages."""
    digest = Digest().add("version", __version__.encode()).add("python", sys.version.encode())
    for name in DEPENDENCIES:
        digest.add(f"dependency {name}", _version(name).encode())
    return digest.add_tree("autograder", PACKAGE, skip=NOT_SOURCE).hexdigest()


def file_sha256(path: str) -> str | None:
    """SHA-256 of a regular file's bytes, or None when it is absent or not a regular file."""
    try:
        if not os.path.isfile(path) or os.path.islink(path):
            return None
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def read_record(path):
    """The JSON object a digest record at ``path`` holds (a stamp of what a release or proof
    was made from), or None when it is missing, unreadable or not an object."""
    try:
        with open(path) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
