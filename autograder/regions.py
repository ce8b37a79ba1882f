"""nbgrader's region markers, applied to Python modules as well as notebook cells.

``course/`` marks what students write with ``### BEGIN SOLUTION`` / ``### END SOLUTION``,
the markers nbgrader's ``ClearSolutions`` removes from notebooks; test cells hide
code between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. We reuse nbgrader's
own preprocessors on a module's text, so a module is stripped exactly as a cell is.
"""

from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"


def strip_solutions(source):
    """``source`` with every solution region replaced by nbgrader's code stub."""
    cell = new_code_cell(source)
    ClearSolutions()._replace_solution_region(cell, "python")
    return cell.source


def strip_hidden_tests(source):
    """``source`` without its hidden-test regions, as nbgrader releases a test cell."""
    cell = new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def region_line_numbers(source, begin, end):
    """The 1-based numbers of the lines strictly inside every begin/end region of ``source``."""
    numbers, inside = [], False
    for number, line in enumerate(source.splitlines(), start=1):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            numbers.append(number)
    return numbers


def region_lines(source, begin, end):
    """The lines strictly inside every begin/end region of ``source``."""
    lines = source.splitlines()
    return [lines[number - 1] for number in region_line_numbers(source, begin, end)]
