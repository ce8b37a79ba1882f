"""Build the student-safe support package ``nnsupport`` from ``course/``.

Students get the Solver, gradient checks, data loaders, plotting and the check
recorder as importable modules, built from the same reference modules as
everything else. The assignment's manifest names the modules; in each, the definitions
students write in this assignment (and those it lists as stubbed, which later assignments
ask for) have their solution regions replaced by nbgrader's stub, and every other
definition ships solved, without its region markers (so the dropout assignment can use a
working ``affine_forward`` while ``dropout_forward`` waits to be written in the notebook).
The check recorder comes from
``autograder/checks.py`` (with the ``comparisons``, ``values`` and ``kinds`` it uses), and
hidden tests' CPU budget from ``autograder/cpu_budget.py``. The
package is generated next to the source notebook (never committed there), so nbgrader
releases it with the notebook and restores it over a submission's copy at autograde time.
"""

import os
import shutil

from ..kinds import KINDS
from ..manifest import module_definitions
from ..regions import BEGIN_SOLUTION, END_SOLUTION, strip_solutions

SUPPORT_PACKAGE = "nnsupport"
# Toolkit modules the notebooks' checks run on, shipped under the same names.
# The kinds of check (autograder/kinds/) ship as a package, each registered kind's module in it.
KERNEL_MODULES = ("checks.py", "comparisons.py", "values.py", "cpu_budget.py", "kinds/__init__.py") + tuple(
    f"kinds/{kind.__name__.rpartition('.')[2]}.py" for kind in KINDS.values()
)
PACKAGE_DOCSTRING = '''"""Support code for the course's notebooks: Solver, gradient checks, data, plotting.

Generated from the course's reference modules by `autograder release`; do not edit.
Functions that you write in the notebooks appear here only as stubs.
"""
'''
_TOOLKIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def solved_definitions(reference_dir, manifest):
    """module -> names of its definitions with a solution region that ship solved in nnsupport."""
    return {
        module: {
            name
            for name, _, _, source in module_definitions(reference_dir, module)
            if BEGIN_SOLUTION in source and name not in manifest.stubbed_in(module)
        }
        for module in manifest.support_modules
    }


def support_module_text(reference_dir, module, solved):
    """``course/<module>.py`` as nnsupport ships it: the ``solved`` definitions without their
    region markers, every other solution region (and any outside a definition) stubbed."""
    with open(os.path.join(reference_dir, f"{module}.py")) as f:
        text = f.read()
    markers = set()
    for name, first, last, _ in module_definitions(reference_dir, module):
        if name in solved:
            markers |= {
                number
                for number, line in enumerate(text.splitlines(keepends=True)[first - 1 : last], start=first)
                if BEGIN_SOLUTION in line or END_SOLUTION in line
            }
    if markers:
        lines = text.splitlines(keepends=True)
        text = "".join(line for number, line in enumerate(lines, start=1) if number not in markers)
    return strip_solutions(text)


def support_package_files(reference_dir, manifest, solved=None):
    """Mapping of file name inside nnsupport/ to its text; ``solved`` (module -> names)
    defaults to what the manifest ships solved."""
    solved = solved_definitions(reference_dir, manifest) if solved is None else solved
    files = {"__init__.py": PACKAGE_DOCSTRING}
    for module in manifest.support_modules:
        files[f"{module}.py"] = support_module_text(reference_dir, module, solved.get(module, ()))
    for module in KERNEL_MODULES:
        with open(os.path.join(_TOOLKIT, module)) as f:
            files[module] = f.read()
    return files


def write_support_package(reference_dir, assignment_dir, manifest):
    """(Re)create ``<assignment_dir>/nnsupport`` from the course modules the manifest names."""
    target = os.path.join(assignment_dir, SUPPORT_PACKAGE)
    if os.path.isdir(target):
        shutil.rmtree(target)
    os.makedirs(target)
    for name, text in support_package_files(reference_dir, manifest).items():
        os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
        with open(os.path.join(target, name), "w") as f:
            f.write(text)
    return target
