"""Reading and writing folders that hostile code may have prepared.

A submission, and any folder a kernel has run in, can hold symbolic links (to the
grading bundle, to a root-only file), hard links, FIFOs that block a reader forever,
devices, sockets, huge files and strange names. ``read_regular_files`` reads only
plain regular files, each opened without following links and checked again after
opening, within size limits, and reports everything it refused. ``write_files``
writes only inside its target folder, creating what it writes (never opening an
existing path).
"""

import json
import os
import stat
import unicodedata
from dataclasses import dataclass, field

MiB = 2**20
SKIPPED_FOLDERS = frozenset({"__pycache__", ".ipynb_checkpoints"})


@dataclass
class FolderContents:
    files: dict = field(default_factory=dict)  # relative path -> bytes
    refused: list = field(default_factory=list)  # one line per entry refused, saying why

    @property
    def size(self):
        return sum(len(data) for data in self.files.values())


def unsafe_name_reason(name):
    """Why a file or folder name cannot be used as is, or None when it is fine."""
    if name in ("", ".", ".."):
        return "an empty, '.' or '..' name"
    if "/" in name or "\\" in name:
        return "a path separator in the name"
    if any(unicodedata.category(char).startswith("C") for char in name):
        return "control characters in the name"
    return None


def shown(name):
    """A name as it may be printed: as is when plain, else quoted with its odd characters escaped."""
    return name if unsafe_name_reason(name) is None and name.isprintable() else repr(name)


# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Ids are shown in pages that other people open (formgrader, feedback, the class report).
HTML_MARKUP = "<>&\"'`"


def unsafe_student_id(name):
    """Why ``name`` cannot be a student id, or None: ids become folder names, gradebook keys,
    CSV cells and text in web pages, so they must be plain."""
    reason = unsafe_name_reason(name)
    if reason is not None:
        return reason
    if name.startswith("."):
        return "a name starting with a dot (hidden)"
    if name.startswith(FORMULA_PREFIXES):
        return "a name starting with a spreadsheet formula character (= + - @)"
    if any(char in HTML_MARKUP for char in name):
        return "HTML markup characters (< > & \" ' `) in the name"
    if len(name) > 128:
        return "a name longer than 128 characters"
    return None


def _kind(mode):
    for test, kind in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _read_one(path, info, limit):
    """The bytes of one regular file, opened without following a link, or raise OSError."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        opened = os.fstat(descriptor)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise OSError("it changed while being read")
        chunks, size = [], 0
        while chunk := os.read(descriptor, 1 * MiB):
            size += len(chunk)
            if size > limit:
                raise OSError(f"larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


# What one submission folder may hold; past these, files are left out and named.
MAX_FILE_BYTES = 64 * MiB
MAX_TOTAL_BYTES = 256 * MiB
MAX_FILES = 1000


def read_regular_file(path, max_bytes=MAX_FILE_BYTES):
    """The bytes of one plain regular file; OSError when it is a link, special, or too large."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{os.path.basename(path)} is {_kind(info.st_mode)}, not a regular file")
    return _read_one(path, info, max_bytes)


def read_regular_files(
    folder, max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_TOTAL_BYTES, max_files=MAX_FILES, owner=None
):
    """Every plain regular file below ``folder`` as bytes; everything else refused and named.

    ``owner``: a uid; files and folders owned by anyone else are refused too (in a folder
    others can write to, such as a submission in nbgrader's exchange, what another account
    put there is not the owner's work)."""
    contents = FolderContents()
    try:
        top = os.lstat(folder)
    except OSError as error:
        contents.refused.append(f"{folder}: cannot be read ({error.strerror})")
        return contents
    if not stat.S_ISDIR(top.st_mode):
        contents.refused.append(f"{os.path.basename(folder)}: {_kind(top.st_mode)}, not a folder")
        return contents
    for current, dirs, names in os.walk(folder):
        relative_dir = os.path.relpath(current, folder)
        kept = []
        for name in sorted(dirs):
            relative = os.path.normpath(os.path.join(relative_dir, name))
            reason = unsafe_name_reason(name)
            info = os.lstat(os.path.join(current, name))
            if reason is None and not stat.S_ISDIR(info.st_mode):
                reason = _kind(info.st_mode)
            elif reason is None and owner is not None and info.st_uid != owner:
                reason = _other_owner(info)
            if reason:
                contents.refused.append(f"{shown(relative)}: {reason}")
            elif name not in SKIPPED_FOLDERS:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            relative = os.path.normpath(os.path.join(relative_dir, name))
            path = os.path.join(current, name)
            info = os.lstat(path)
            reason = unsafe_name_reason(name)
            if reason is None and not stat.S_ISREG(info.st_mode):
                reason = _kind(info.st_mode)
            elif reason is None and owner is not None and info.st_uid != owner:
                reason = _other_owner(info)
            elif reason is None and info.st_nlink > 1:
                reason = "a hard link (the same file exists elsewhere)"
            elif reason is None and len(contents.files) >= max_files:
                reason = f"more than {max_files} files"
            elif reason is None and info.st_size > max_file_bytes:
                reason = f"larger than {max_file_bytes} bytes"
            elif reason is None and contents.size + info.st_size > max_total_bytes:
                reason = f"the files together exceed {max_total_bytes} bytes"
            if reason is None:
                try:
                    contents.files[relative] = _read_one(path, info, max_file_bytes)
                except OSError as error:
                    reason = f"refused: {error.strerror or error}"
            if reason is not None:
                # The name as text that shows itself: not UTF-8 (a lone surrogate), a control character.
                contents.refused.append(f"{shown(relative)}: {reason}")
    return contents


def _other_owner(info):
    return f"owned by uid {info.st_uid}, not by the folder's owner"


def inside(folder, relative):
    """The absolute path of ``relative`` under ``folder``; ValueError if it would leave it."""
    base = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(base, relative))
    if os.path.commonpath([base, target]) != base or target == base:
        raise ValueError(f"{relative!r} is not a path inside {folder}")
    return target


def write_files(folder, files):
    """Write relative path -> bytes under ``folder``, never outside it, never through a link."""
    for relative, data in files.items():
        path = inside(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)  # replace, never write through what is there
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)


def _json_strings(node):
    """Every string inside a parsed JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _json_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_strings(item)


def searchable_texts(path, raw=None):
    """The texts in which to look for a line, of one of our own files (a release's): the file
    (``raw``: its bytes, already read), and for notebooks and JSON files every string of the
    parsed document too (a line quoted in a cell is escaped in the file)."""
    if raw is None:
        with open(path, "rb") as f:
            raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [raw.decode("latin-1")]  # still searchable for base64 and digits
    if path.endswith((".ipynb", ".json")):
        try:
            return list(_json_strings(json.loads(text))) + [text]
        except (ValueError, RecursionError):  # nested deeper than the parser goes: the text alone
            pass
    return [text]
