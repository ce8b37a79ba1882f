"""Student submissions built from the released notebook, as students would make them."""

import nbformat
from nbgrader import utils

from autograder.regions import BEGIN_SOLUTION, END_SOLUTION

STUB = "raise NotImplementedError()"


def _solution_bodies(source_nb):
    """grade_id -> list of solution regions (each a list of lines), in order."""
    bodies = {}
    for cell in source_nb.cells:
        if utils.is_solution(cell):
            regions, current, inside = [], [], False
            for line in cell.source.splitlines():
                if BEGIN_SOLUTION in line:
                    inside, current = True, []
                elif END_SOLUTION in line:
                    inside = False
                    regions.append(current)
                elif inside:
                    current.append(line)
            bodies[cell.metadata.nbgrader.grade_id] = regions or [cell.source.splitlines()]
    return bodies


def paste_reference(release_nb, source_nb):
    """The released notebook with each stub replaced by the reference body, as pasted by hand."""
    nb = nbformat.from_dict(release_nb)
    bodies = _solution_bodies(source_nb)
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
                lines.extend(next(regions))  # the reference lines keep their own indentation
            else:
                lines.append(line)
        cell.source = "\n".join(lines)
    return nb


def edit_solution(nb, grade_id, old, new):
    """A copy of ``nb`` with ``old`` replaced by ``new`` in one solution cell (a mistake)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            assert old in cell.source, f"{old!r} not in {grade_id}"
            cell.source = cell.source.replace(old, new)
            return nb
    raise KeyError(grade_id)
