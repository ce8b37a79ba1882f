"""The values nbgrader's ``SaveAutoGrades`` stores for an autograded notebook, without a gradebook.

``SaveAutoGrades`` opens the gradebook and commits once per cell; the values it
writes depend on the notebook alone. Computing them here, with nbgrader's own
functions (``determine_grade``, ``compute_checksum``), lets a worker compute them
and the one writer store many submissions in one transaction (gradebook.py) with
exactly the rows nbgrader would write.
"""

from nbgrader import utils

NO_RESPONSE = "No response."  # SaveAutoGrades' comment on an unchanged solution cell


def autograde_values(nb):
    """(grades, comments) of one autograded notebook, as SaveAutoGrades computes them.

    grades: grade_id -> auto_score for every grade cell (None for an answer to grade
    by hand); comments: grade_id -> auto_comment for every solution or task cell.
    Raises what ``determine_grade`` raises (an execute_result above the cell's points),
    which nbgrader treats as that submission's failure too.
    """
    grades, comments = {}, {}
    for cell in nb.cells:
        if utils.is_grade(cell):
            grades[cell.metadata.nbgrader.grade_id] = utils.determine_grade(cell)[0]
        if utils.is_solution(cell) or utils.is_task(cell):
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comments[cell.metadata.nbgrader.grade_id] = NO_RESPONSE if unchanged and not utils.is_task(cell) else None
    return grades, comments
