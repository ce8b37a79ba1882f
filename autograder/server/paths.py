"""Paths a browser sends, checked as our intake checks a submission's files.

A request names a notebook relative to the Jupyter server's root. It is taken only if
every component of the path is a plain name (no ``..``, no absolute path, no control
characters), no component is a symbolic link (none is followed, even one that points
inside the root), and the last one is a regular file: the same rules as
``autograder/files.py`` applies to a submission folder.
"""

import os
import stat

from ..files import unsafe_name_reason


class PathRefused(Exception):
    """A request's path cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def notebook_in_root(root, relative):
    """The absolute path of the notebook ``relative`` names under ``root``, or PathRefused."""
    if not isinstance(relative, str) or not relative.strip():
        raise PathRefused(400, 'give the notebook as {"path": "<path relative to the server root>"}')
    if relative.startswith("/") or "\\" in relative:
        raise PathRefused(400, f"{relative!r}: give a path relative to the server root, with / between folders")
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts:
        raise PathRefused(400, f"{relative!r} is a folder, not a notebook")
    for part in parts:
        reason = unsafe_name_reason(part)
        if reason:
            raise PathRefused(400, f"{relative!r} cannot be checked: {reason}")
    path = os.path.realpath(root)
    for index, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise PathRefused(404, f"{relative} does not exist: save the notebook first") from None
        except OSError as error:
            raise PathRefused(403, f"{relative} cannot be read: {error.strerror}") from None
        if stat.S_ISLNK(info.st_mode):
            raise PathRefused(
                403,
                f"{relative} goes through a symbolic link ({'/'.join(parts[: index + 1])}), "
                "which is never followed: open the notebook where it really is",
            )
        last = index == len(parts) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            raise PathRefused(404, f"{relative} does not exist: {'/'.join(parts[: index + 1])} is not a folder")
        if last and not stat.S_ISREG(info.st_mode):
            raise PathRefused(400, f"{relative} is not a notebook file (it is not a regular file)")
    if not parts[-1].endswith(".ipynb"):
        raise PathRefused(400, f"{relative} is not a notebook (.ipynb): open a notebook and check that")
    return path
