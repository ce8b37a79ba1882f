"""The library of mistakes and correct alternatives, and the notebooks made from it.

``grading_bundle/<assignment>/mistakes.py`` (authored, never released) defines two
lists of plain dicts, ``MISTAKES`` and ``ALTERNATIVES``. Each entry is a small change
to one solution cell of the reference, written as a student would make it::

    dict(name="adam_t_after_use", cell="adam", caught_by="test_adam",
         edits=[(reference text, replacement), ...],
         diagnosis="what is likely wrong and where to look, never the answer",
         accepted="")  # a written reason when the checks may let it through

``caught_by`` (mistakes only) is the test cell that must take points for it. The
release applies every change to the reference pasted into the released notebook's
stubs, as a student would paste it, and grades the result (see ``autograder/proving``);
the demo's sample class is built from the same entries.
"""

from dataclasses import dataclass

import nbformat
from nbgrader import utils

from ..errors import ReleaseError
from ..regions import BEGIN_SOLUTION, END_SOLUTION
from .material import material_path, run_material

LIBRARY_FILE = "mistakes.py"
STUB = "raise NotImplementedError()"


@dataclass(frozen=True)
class Change:
    """A mistake or a correct alternative: edits to one solution cell."""

    name: str
    cell: str
    edits: tuple  # ((old, new), ...), applied in order
    diagnosis: str = ""  # mistakes: what the student is told
    caught_by: str = ""  # mistakes: the test cell that must take points for it
    accepted: str = ""  # mistakes: why the checks may let it through (empty: they must not)

    def as_edits(self):
        """[(grade_id, old, new), ...] for ``apply_edits``."""
        return [(self.cell, old, new) for old, new in self.edits]


@dataclass
class Library:
    mistakes: dict  # name -> Change
    alternatives: dict  # name -> Change


def _changes(entries, kind, path, required):
    changes = {}
    for number, entry in enumerate(entries):
        missing = [key for key in ("name", "cell", "edits", *required) if not entry.get(key)]
        if missing:
            raise ReleaseError(
                f"{path}: {kind} #{number + 1} ({entry.get('name', 'no name')}) lacks {', '.join(missing)}."
            )
        if entry["name"] in changes:
            raise ReleaseError(f"{path}: two {kind} are named {entry['name']!r}; names must be unique.")
        edits = tuple((old, new) for old, new in entry["edits"])
        changes[entry["name"]] = Change(
            entry["name"],
            entry["cell"],
            edits,
            entry.get("diagnosis", ""),
            entry.get("caught_by", ""),
            entry.get("accepted", ""),
        )
    return changes


def load_library(course, assignment):
    """The assignment's Library, validated; ReleaseError naming the file on a bad entry."""
    path = material_path(course, assignment, LIBRARY_FILE)
    namespace = run_material(course, assignment, LIBRARY_FILE)
    return Library(
        _changes(namespace.get("MISTAKES", []), "mistakes", path, ("diagnosis", "caught_by")),
        _changes(namespace.get("ALTERNATIVES", []), "alternatives", path, ()),
    )


def solution_regions(source_nb):
    """grade_id -> the solution regions of that cell (each a list of lines), in order."""
    bodies = {}
    for cell in source_nb.cells:
        if utils.is_solution(cell):
            regions, current = [], None
            for line in cell.source.splitlines():
                if BEGIN_SOLUTION in line:
                    current = []
                elif END_SOLUTION in line:
                    regions.append(current)
                    current = None
                elif current is not None:
                    current.append(line)
            bodies[cell.metadata.nbgrader.grade_id] = regions or [cell.source.splitlines()]
    return bodies


def paste_reference(release_nb, source_nb):
    """The released notebook with each stub replaced by the reference body, as pasted by hand."""
    nb = nbformat.from_dict(release_nb)
    bodies = solution_regions(source_nb)
    for cell in nb.cells:
        if not utils.is_solution(cell):
            continue
        regions = iter(bodies[cell.metadata.nbgrader.grade_id])
        if cell.cell_type == "markdown":
            cell.source = "\n".join(next(regions))
            continue
        lines = []
        for line in cell.source.splitlines():
            if line.strip() == "# YOUR CODE HERE":
                continue
            if line.strip() == STUB:
                lines.extend(next(regions))  # reference lines carry their own indentation
            else:
                lines.append(line)
        cell.source = "\n".join(lines)
    return nb


def edit_solution(nb, grade_id, old, new):
    """A copy of ``nb`` with ``old`` replaced by ``new`` (exactly once) in one cell."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            if cell.source.count(old) != 1:
                raise ValueError(f"{old!r} occurs {cell.source.count(old)} times in cell {grade_id}, not once")
            cell.source = cell.source.replace(old, new)
            return nb
    raise KeyError(grade_id)


def apply_edits(nb, edits):
    """A copy of ``nb`` with every (grade_id, old, new) edit applied in order."""
    for grade_id, old, new in edits:
        nb = edit_solution(nb, grade_id, old, new)
    return nb
