"""``autograder check NOTEBOOK``: grade one notebook and print each check's verdict.

Run by a student (outside any course directory), it runs the notebook as it is and
judges the public checks against the ``public_checks.json`` shipped with the
release. Run by an instructor in the course directory (or with ``--course-dir``), it
grades the notebook exactly as ``autograder grade`` would (sandboxed, hidden tests
restored, every check), without touching the gradebook. The course is never looked
for from the notebook's location, and a notebook run as root is always sandboxed.

Both modes run the notebook under grading's limits (notebook_limits.py: the notebook
deadline and the output cap, counted on every message) and judge in the confined judge
service (judge.py), started before the kernel so that its start-up overlaps execution.
"""

import json
import os
import tempfile
import time

import nbformat

from ..checks import PUBLIC_CHECKS_FILE
from ..confinement import ConfinementError
from ..course import CONFIG_FILE, Course, find_course
from ..environments import QUIET_KERNEL, kernel_environment
from ..errors import CourseError
from ..files import MiB, read_regular_file, read_regular_files, write_files
from ..judge import judge_checks_confined, records_in_outputs, start_judge
from ..kinds import kind_of
from ..notebook_limits import CappedKernelManager, LimitedNotebookClient
from ..sandbox import SandboxedKernelManager, check_sandbox_available
from ..settings import Autograder
from ..terminal import visible
from .jobs import NotebookRun
from .state import Outcome, submission_status

MAX_NOTEBOOK_BYTES = 64 * MiB
INSTRUCTOR_MODE = "instructor"
STUDENT_MODE = "student (public checks only)"


def course_at(course_dir=None):
    """The course ``check`` works for: ``course_dir`` when given, else the working directory
    itself when it holds nbgrader_config.py, else None (a student checking their own work).

    Never the notebook's own folder or anything above it: a submission may carry an
    nbgrader_config.py of its own, and loading it would run the student's code as us.
    """
    if course_dir is not None:
        return find_course(course_dir)
    return Course(os.getcwd()) if os.path.isfile(os.path.join(os.getcwd(), CONFIG_FILE)) else None


def _assignment_of(course, path, assignment):
    """The assignment a notebook is checked against: given, or its folder's name if the course has it."""
    assignment = assignment or os.path.basename(os.path.dirname(os.path.abspath(path)))
    if assignment not in course.assignments():
        raise CourseError(
            f"Cannot tell which assignment {path} belongs to: {assignment!r} is not one of this course's "
            f"({', '.join(course.assignments()) or 'none'}). Pass --assignment."
        )
    return assignment


def _read_notebook_file(path):
    try:
        return read_regular_file(path, max_bytes=MAX_NOTEBOOK_BYTES)
    except OSError as error:
        raise CourseError(f"{path}: cannot be checked: {error.strerror or error}") from None


def check_as_instructor(course, path, assignment=None):
    # Imported here: a student's check needs none of the grading pipeline (or its import time).
    from .pipeline import GradingPipeline
    from .worker import execute_submission

    assignment = _assignment_of(course, path, assignment)
    name = os.path.splitext(os.path.basename(path))[0]
    pipeline = GradingPipeline(course, assignment)
    snapshots = pipeline.snapshots()
    if name not in snapshots:
        raise CourseError(
            f"{path}: {assignment} has no notebook named {name}.ipynb (its notebooks: {', '.join(sorted(snapshots))})."
        )
    files = {f"{name}.ipynb": _read_notebook_file(path)}
    start_judge(course.settings)
    run = execute_submission(pipeline.job("check", files, {name: snapshots[name]}, pipeline.restored_files()))
    notebook_run = run.notebooks[name]
    outcome = Outcome("check", submission_status(run.notebooks), notebook_run.message)
    if notebook_run.notebook is None:
        return INSTRUCTOR_MODE, outcome
    try:
        judged = pipeline.judge_executed(notebook_run.notebook, "check", name)
    except ConfinementError as error:
        return INSTRUCTOR_MODE, Outcome("check", "invalid", f"{name}.ipynb could not be judged: {error}")
    outcome.score = sum(j.score for j in judged.judgements)
    outcome.max_score = sum(j.max_score for j in judged.judgements)
    outcome.checks = [{"cell": j.grade_id, **v.to_dict()} for j in judged.judgements for v in j.verdicts]
    return INSTRUCTOR_MODE, outcome


def student_kernel_manager():
    """A student runs their own notebook as themselves; as root it is someone else's: sandbox it.
    Either way its client refuses messages over the output cap."""
    if os.geteuid() != 0:
        return {"kernel_manager_class": CappedKernelManager}
    check_sandbox_available()
    return {"kernel_manager_class": SandboxedKernelManager}


def student_client(nb, folder, km=None):
    """The student's notebook under grading's limits; a cell may take the whole notebook's time
    (a student's training cell may take minutes). ``km``: a kernel already started for it, or None."""
    return LimitedNotebookClient(
        nb,
        km=km,
        timeout=Autograder().notebook_timeout,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=QUIET_KERNEL,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": folder}},
        **student_kernel_manager(),
    )


def check_as_student(path, km=None):
    """``km``: a kernel already started for this notebook (the JupyterLab extension starts one when
    the notebook opens, in the same sandbox and folder copy this function would use), or None."""
    folder = os.path.dirname(os.path.abspath(path))
    contents = read_regular_files(folder)
    try:
        public = json.loads(contents.files[PUBLIC_CHECKS_FILE])
        if not isinstance(public, dict) or not all(isinstance(spec, dict) for spec in public.values()):
            raise ValueError(f"{PUBLIC_CHECKS_FILE} is not an object of checks")
        nb = nbformat.reads(_read_notebook_file(path).decode("utf-8"), as_version=4)
    except KeyError:
        raise CourseError(
            f"No readable {PUBLIC_CHECKS_FILE} next to {path}: run check on the notebook inside the "
            "assignment folder you were given."
        ) from None
    except ValueError as error:
        raise CourseError(f"{path} or its {PUBLIC_CHECKS_FILE} is not valid: {error}") from None
    start_judge(Autograder())
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        write_files(scratch, contents.files)
        executor = student_client(nb, scratch, km=km)
        executor.execute(env=kernel_environment())
    records = [r for cell in nb.cells for r in records_in_outputs(cell.get("outputs", []))]
    try:
        verdicts = judge_checks_confined([{"name": n, **spec} for n, spec in sorted(public.items())], records)
    except ConfinementError as error:
        return STUDENT_MODE, Outcome("check", "invalid", f"{os.path.basename(path)} could not be judged: {error}")
    status = submission_status({"notebook": NotebookRun(executor.status)})
    return STUDENT_MODE, Outcome(
        "check",
        status,
        executor.message,
        score=sum(v.passed for v in verdicts),
        max_score=len(verdicts),
        checks=[v.to_dict() for v in verdicts],
    )


def check(path, course=None, assignment=None):
    """(mode, Outcome) for one notebook: every check for a course's instructor, else the public ones."""
    if not os.path.isfile(path) or not path.endswith(".ipynb"):
        raise CourseError(f"{path} is not a notebook file: give the path of a notebook (.ipynb).")
    return check_as_instructor(course, path, assignment) if course else check_as_student(path)


def check_result(mode, outcome):
    """The JSON form of a check."""
    return {"mode": mode, **outcome.to_dict()}


def format_check(mode, outcome):
    """The summary first (score, failed checks), then one line per check, failures first.

    Check names, messages and diagnoses can quote the notebook (record and entry names, an
    unsupported type's name): each is printed as visible text, one line each."""
    unit = "checks passed" if mode == STUDENT_MODE else "points"
    failed = [c for c in outcome.checks if not c["passed"]]
    lines = [
        f"{mode}: {outcome.score:g} / {outcome.max_score:g} {unit}, {len(failed)} failed check(s)"
        if outcome.max_score is not None
        else f"{mode}: {visible(outcome.status)}"
    ]
    if outcome.message:
        lines.append(visible(outcome.message))
    for c in failed + [c for c in outcome.checks if c["passed"]]:
        diagnosis = f" -- {visible(c['diagnosis'])}" if c.get("diagnosis") else ""
        lines.append(f"{'PASS' if c['passed'] else 'FAIL'}  {visible(c['name'])}: {visible(c['message'])}{diagnosis}")
    return "\n".join(lines)


def _tolerance(spec):
    """The bound a check's ``error`` is held to, as its kind says (``tol``, or the error rate an
    accuracy threshold allows), to 12 decimals (1 - 0.9 is 0.09999999999999998); None for a
    spec without one or of no known kind."""
    try:
        bound = kind_of(spec).tolerance(spec)
    except ValueError:
        return None
    return None if bound is None else round(bound, 12)


def _specs_by_name(mode, course, path, assignment):
    """name -> spec (only ``kind``, ``tol``, ``threshold`` and ``cell`` are read) of the checks judged."""
    if mode == STUDENT_MODE:
        folder = os.path.dirname(os.path.abspath(path))
        public = json.loads(read_regular_file(os.path.join(folder, PUBLIC_CHECKS_FILE)))
        return {name: spec for name, spec in public.items() if isinstance(spec, dict)}
    from ..bundle import load_bundle

    name = os.path.splitext(os.path.basename(path))[0]
    bundle = load_bundle(course.bundle_dir, _assignment_of(course, path, assignment), name)
    return {spec["name"]: {**spec, "cell": grade_id} for grade_id, specs in bundle["cells"].items() for spec in specs}


def _test_cells(nb):
    """grade_id -> (position, source) of each graded code cell of the saved notebook."""
    cells = {}
    for position, cell in enumerate(nb.cells):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and isinstance(grading, dict) and isinstance(grading.get("grade_id"), str):
            cells.setdefault(grading["grade_id"], (position, cell.get("source", "")))
    return cells


def notebook_ordered(checks, nb):
    """``checks`` in notebook order: by their test cell's position in ``nb``, then by where the
    cell records them (the first place its source names the check; names built at run time
    come after, by name). Checks of cells ``nb`` lacks (a deleted test cell) come last."""
    cells = _test_cells(nb)

    def key(check):
        position, source = cells.get(check["cell"], (len(nb.cells), ""))
        found = source.find(f'"{check["name"]}"')
        if found < 0:
            found = source.find(f"'{check['name']}'")
        return position, found if found >= 0 else len(source), check["name"]

    return sorted(checks, key=key)


def _same_assignment(path, nb):
    """CourseError unless some test cell of ``nb`` is one the public checks beside it belong to."""
    try:
        public = json.loads(read_regular_file(os.path.join(os.path.dirname(os.path.abspath(path)), PUBLIC_CHECKS_FILE)))
        cells = {spec.get("cell") for spec in public.values() if isinstance(spec, dict)}
    except (OSError, ValueError, AttributeError):
        return  # check_as_student says what is wrong with the public checks
    if not cells & set(_test_cells(nb)):
        raise CourseError(
            f"{path} is not a notebook of the assignment in its folder: none of its test cells "
            f"has checks in {PUBLIC_CHECKS_FILE}. Check the notebook this folder was released with."
        )


def check_contract(path, course=None, assignment=None, km=None):
    """``autograder check`` as the JupyterLab extension answers it: ``{"passed", "failed", "seconds",
    "checks": [{"cell", "name", "passed", "error", "tolerance", "diagnosis", "message"}]}`` in
    notebook order. Verdicts only: never test code or expected values.

    ``km``: a kernel started ahead of time for a student's check (ignored for an instructor's,
    which runs the grading pipeline's own sandboxed kernel)."""
    started = time.monotonic()
    if not os.path.isfile(path) or not path.endswith(".ipynb"):
        raise CourseError(f"{path} is not a notebook file: give the path of a notebook (.ipynb).")
    try:
        nb = nbformat.reads(_read_notebook_file(path).decode("utf-8", "replace"), as_version=4)
    except ValueError as error:
        raise CourseError(
            f"{path} is not a valid notebook ({str(error).splitlines()[0][:120]}): open it in Jupyter and save it again"
        ) from None
    if course:
        mode, outcome = check_as_instructor(course, path, assignment)
    else:
        _same_assignment(path, nb)
        mode, outcome = check_as_student(path, km=km)
    if not outcome.checks and not outcome.graded:
        raise CourseError(f"{path} could not be checked: {outcome.message or outcome.status}")
    specs = _specs_by_name(mode, course, path, assignment)
    checks = []
    for verdict in outcome.checks:
        spec = specs.get(verdict["name"], {})
        checks.append(
            {
                "cell": verdict.get("cell") or spec.get("cell") or "",
                "name": verdict["name"],
                "passed": bool(verdict["passed"]),
                "error": verdict.get("error"),
                "tolerance": _tolerance(spec),
                "diagnosis": verdict.get("diagnosis") or None,
                "message": verdict.get("message", ""),
            }
        )
    checks = notebook_ordered(checks, nb)
    passed = sum(check["passed"] for check in checks)
    return {
        "passed": passed,
        "failed": len(checks) - passed,
        "seconds": round(time.monotonic() - started, 3),
        "checks": checks,
    }
