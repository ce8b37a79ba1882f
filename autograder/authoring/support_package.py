"""Build the student-safe support package ``nnsupport`` from ``course/``.

Students get the Solver, gradient checks, data loaders, plotting and the check
recorder as importable modules, built from the same reference modules as
everything else: each ``course`` module is copied with its solution regions
replaced by nbgrader's stub (so ``Solver(update_rule="sgd")`` still works while
``sgd_momentum`` waits to be written in the notebook), and the check recorder comes from
``autograder/checks.py`` (with the ``comparisons`` and ``values`` it uses). The package is generated next to the
source notebook
(never committed there), so nbgrader releases it with the notebook and restores it
over a submission's copy at autograde time.
"""

import os
import shutil

from ..regions import strip_solutions

SUPPORT_PACKAGE = "nnsupport"
# Reference modules that students import; their solution regions are removed.
SUPPORT_MODULES = ("data", "gradient_check", "layers", "optim", "plotting", "schedules", "solver")
# Toolkit modules the notebooks' checks run on, shipped under the same names.
KERNEL_MODULES = ("checks.py", "comparisons.py", "values.py")
PACKAGE_DOCSTRING = '''"""Support code for the course's notebooks: Solver, gradient checks, data, plotting.

Generated from the course's reference modules by `autograder release`; do not edit.
Functions that you write in the notebooks appear here only as stubs.
"""
'''
_TOOLKIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def support_package_files(reference_dir):
    """Mapping of file name inside nnsupport/ to its text."""
    files = {"__init__.py": PACKAGE_DOCSTRING}
    for module in SUPPORT_MODULES:
        with open(os.path.join(reference_dir, f"{module}.py")) as f:
            files[f"{module}.py"] = strip_solutions(f.read())
    for module in KERNEL_MODULES:
        with open(os.path.join(_TOOLKIT, module)) as f:
            files[module] = f.read()
    return files


def write_support_package(reference_dir, assignment_dir):
    """(Re)create ``<assignment_dir>/nnsupport`` from the course modules."""
    target = os.path.join(assignment_dir, SUPPORT_PACKAGE)
    if os.path.isdir(target):
        shutil.rmtree(target)
    os.makedirs(target)
    for name, text in support_package_files(reference_dir).items():
        with open(os.path.join(target, name), "w") as f:
            f.write(text)
    return target
