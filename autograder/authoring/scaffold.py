"""``autograder new NAME``: a new assignment that releases and proves at once.

It writes the smallest complete assignment, each file in the place and format the toolkit
reads, so that an instructor starts from something that works and changes one piece at a
time (docs/AUTHORING.md walks through it):

- ``course/<name>.py``: one reference function, ``weighted_sum``, with its solution region;
- ``source_assignments/<name>/assignment.toml``: the manifest (students write that function);
- ``source_assignments/<name>/<Name>.ipynb``: a setup cell, the function's solution cell
  (copied from ``course/``, as ``autograder sync`` does) and one test cell recording a
  public and hidden checks with ``expect_close``;
- ``grading_bundle/<name>/mistakes.py`` (an empty mistake library) and ``mutants.py`` (the
  probe mutation testing calls the function with).

Nothing existing is overwritten: a name already used by an assignment or a course module
is refused.
"""

import os
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..errors import CourseError
from ..manifest import MANIFEST_FILE, module_definitions

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
FUNCTION = "weighted_sum"

COURSE_MODULE = '''"""Reference code of the {name} assignment (written by `autograder new`; replace it with yours).

Students write what lies between the solution markers, in the notebook.
"""

import numpy as np


def weighted_sum(x, w):
    """Weighted sum of each row: ``out[i] = sum_j x[i, j] * w[j]``.

    Inputs:
    - x: array of shape (N, D)
    - w: weights of shape (D,)

    Returns out of shape (N,), in the dtype numpy gives ``x @ w``.
    """
    out = None
    ### BEGIN SOLUTION
    out = np.asarray(x) @ np.asarray(w)
    ### END SOLUTION
    return out
'''

MANIFEST = """# What {name} is made of; autograder reads it to sync, release, leak-check and report.
# See docs/AUTHORING.md for every key.
title = "{title}"
notebooks = ["{notebook}"]

[students]
# course/ definitions students write in the notebook: one solution cell each, named after it.
write = ["{name}.{function}"]
# course/ modules given whole as one locked cell named after the module.
provided = []

[support]
# course/ modules shipped in the student package nnsupport (the check recorder always is).
# A definition ships solved unless students write it here or it is listed under `stubbed`.
modules = []
stubbed = []

[data]
# Files of this folder that ship with the release besides the notebooks.
files = []

[checks]
kinds = ["close"]
"""

MISTAKES = '''"""The mistake library of {name}: realistic mistakes and correct alternatives. Never released.

See autograder/authoring/library.py (and grading_bundle/fc_nets/mistakes.py) for the format.
`autograder release {name}` grades every entry and refuses unless each MISTAKE loses points in
its `caught_by` test cell and each ALTERNATIVE keeps full marks, e.g.

    dict(name="{function}_sums_columns", cell="{function}", caught_by="test_{function}",
         edits=[("np.asarray(x) @ np.asarray(w)", "np.asarray(w) @ np.asarray(x).T")],
         diagnosis="...what is likely wrong and where to look, never the answer")
"""

MISTAKES = []
ALTERNATIVES = []
'''

MUTANTS = '''"""Mutation testing material of {name}: a probe per solution cell. Never released.

See grading_bundle/fc_nets/mutants.py for PROBES, UNMUTATED and ACCEPTED.
"""


def {function}(ns, rng):
    values = []
    for shape in [(int(rng.integers(1, 6)), int(rng.integers(2, 5))), (3, 1)]:
        values.append(ns["{function}"](rng.standard_normal(shape), rng.standard_normal(shape[1])))
    return values


PROBES = {{"{function}": {function}}}
ACCEPTED = []
'''

SETUP = """# Setup: run this cell first.
import numpy as np

from nnsupport.checks import expect_close"""

TEST = f"""x = np.linspace(-1.0, 1.0, num=12).reshape(3, 4)
w = np.linspace(0.5, -0.25, num=4)
expect_close("{FUNCTION}.out", {FUNCTION}(x, w), tol=1e-9)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2026)
for case, shape in enumerate([(5, 3), (1, 7), (4, 1)]):
    x = rng.standard_normal(shape)
    w = rng.standard_normal(shape[1])
    expect_close(f"{FUNCTION}.hidden{{case}}", {FUNCTION}(x, w), tol=1e-9)
### END HIDDEN TESTS"""


def _graded(cell, grade_id, solution=False, grade=False, locked=False, points=None):
    cell.metadata["nbgrader"] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        cell.metadata["nbgrader"]["points"] = points
    return cell


def _notebook(title, solution):
    nb = new_notebook(metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}})
    nb.cells = [
        new_markdown_cell(
            f"# {title}\n\nWrite your code only in the cells marked `# YOUR CODE HERE`. The cell after "
            "each function checks it on a visible input; grading runs hidden checks too."
        ),
        _graded(new_code_cell(SETUP), "setup", locked=True),
        new_markdown_cell(f"## `{FUNCTION}`\n\nImplement `{FUNCTION}(x, w)`: the weighted sum of each row of `x`."),
        _graded(new_code_cell(solution), FUNCTION, solution=True),
        _graded(new_code_cell(TEST), f"test_{FUNCTION}", grade=True, locked=True, points=1),
    ]
    return nb


def _write(path, text):
    with open(path, "x") as f:  # never overwrite
        f.write(text)


def new_assignment(course, name, title=None):
    """Write the files of a new assignment ``name``; returns the paths written."""
    if not NAME.fullmatch(name):
        raise CourseError(
            f"{name!r} cannot name an assignment: use lower-case letters, digits and _, starting with a "
            "letter (it also names its course module)."
        )
    module_path = os.path.join(course.reference_dir, f"{name}.py")
    for path in (course.source(name), os.path.join(course.bundle_dir, name), module_path):
        if os.path.exists(path):
            raise CourseError(f"{path} exists already: choose another name for the new assignment.")
    title = title or name.replace("_", " ").capitalize()
    notebook = "".join(part.capitalize() for part in name.split("_"))
    os.makedirs(course.source(name))
    os.makedirs(os.path.join(course.bundle_dir, name))
    _write(module_path, COURSE_MODULE.format(name=name))
    solution = next(d[3] for d in module_definitions(course.reference_dir, name) if d[0] == FUNCTION)
    written = [module_path]
    for path, text in (
        (os.path.join(course.source(name), MANIFEST_FILE), MANIFEST.format(**locals(), function=FUNCTION)),
        (os.path.join(course.source(name), f"{notebook}.ipynb"), nbformat.writes(_notebook(title, solution)) + "\n"),
        (os.path.join(course.bundle_dir, name, "mistakes.py"), MISTAKES.format(name=name, function=FUNCTION)),
        (os.path.join(course.bundle_dir, name, "mutants.py"), MUTANTS.format(name=name, function=FUNCTION)),
    ):
        _write(path, text)
        written.append(path)
    return written
