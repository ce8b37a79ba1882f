"""Whose answers a folder hands out, read from its files rather than from what a manifest says.

nbgrader's release_assignment copies whatever ``release/<assignment>/`` holds. What was
generated there may be older than the manifests (an assignment taken out of
``support.solved_after`` but not released again), or the folder may be a copy under another
name. So the exchange asks the files: an answer ships when a distinctive line of a solution
region of a definition some assignment's students write (``course/``, between the
BEGIN/END SOLUTION markers) appears in any file of the folder. Distinctive, as for the leak
check: at least ``MIN_DISTINCTIVE_LENGTH`` characters and found in no course module outside
its solution regions (``return out, cache`` is no answer).
"""

import os

from .errors import CourseError
from .files import read_regular_files, searchable_texts
from .manifest import module_definitions
from .regions import BEGIN_SOLUTION, END_SOLUTION, region_line_numbers, strip_solutions

MIN_DISTINCTIVE_LENGTH = 12


def is_distinctive(line, public_text):
    """A secret line worth looking for (here and in the leak check, authoring/leaks.py): long
    enough to mean something, found nowhere in ``public_text`` (what is meant to ship), and no
    ``###`` marker line."""
    return len(line) >= MIN_DISTINCTIVE_LENGTH and line not in public_text and "###" not in line


def _module_texts(reference_dir):
    texts = {}
    for filename in sorted(os.listdir(reference_dir)):
        if filename.endswith(".py"):
            with open(os.path.join(reference_dir, filename)) as f:
                texts[filename[:-3]] = f.read()
    return texts


def answer_lines(reference_dir, entries):
    """entry ("module.name") -> the distinctive lines of its solution regions, for ``entries``."""
    texts = _module_texts(reference_dir)
    public = "\n".join(strip_solutions(text) for text in texts.values())
    secret = {}  # (module, definition) -> the lines of its solution regions
    for module in {entry.split(".", 1)[0] for entry in entries}:
        lines = texts[module].splitlines()
        regions = set(region_line_numbers(texts[module], BEGIN_SOLUTION, END_SOLUTION))
        for definition, first, last, _ in module_definitions(reference_dir, module):
            secret[module, definition] = {lines[n - 1].strip() for n in range(first, last + 1) if n in regions}
    return {
        entry: sorted(line for line in secret[tuple(entry.split(".", 1))] if is_distinctive(line, public))
        for entry in entries
    }


def folder_text(folder):
    """What to look for answers in: every regular file under ``folder``, notebooks and JSON
    files with their strings parsed out too; OSError when anything there is not a plain
    regular file within the size limits (a link, a pipe: never followed, never waited on)."""
    contents = read_regular_files(folder)  # never a link, a pipe or a file past the size limits
    if contents.refused:  # what cannot be read could hold answers: the folder cannot be judged
        raise OSError(f"{folder}: {contents.refused[0]}")
    return "\n".join(text for name in sorted(contents.files) for text in searchable_texts(name, contents.files[name]))


def answer_finder(course, where):
    """A function folder -> {assignment -> the definitions its students write whose answers the
    folder holds} (only assignments with some), with the course's answers read once for any
    number of folders. A CourseError, naming ``where``, when the course lacks what this needs
    (``course/``, the manifests): then nobody can tell."""
    if not os.path.isdir(course.reference_dir) or not course.assignments():
        raise CourseError(
            f"cannot tell whose answers {where} hands out: the course directory {course.root} has no "
            "course/ reference package or no source_assignments/ with manifests. Release from the course "
            "directory that has them."
        )
    written = {assignment: manifest.writes for assignment, manifest in course.manifests_as_written().items()}
    lines = answer_lines(course.reference_dir, sorted({entry for entries in written.values() for entry in entries}))

    def find(folder):
        text = folder_text(folder)
        shipped = {}
        for assignment, entries in written.items():
            found = sorted(entry for entry in entries if any(line in text for line in lines[entry]))
            if found:
                shipped[assignment] = found
        return shipped

    return find


def answers_in(folder, course):
    """assignment -> the definitions its students write whose answers ``folder`` holds
    (``answer_finder`` for one folder)."""
    return answer_finder(course, folder)(folder)
