"""Running mutants in one worker process: equivalence first, then the test cells that judge them.

One process runs many mutants, never a notebook execution per mutant. It builds the
notebook's namespace once per run, in an IPython shell (so magics and display work as in a
kernel): the release's own files in a scratch folder, then every code cell a test cell can
run, the reference pasted. Then, for each mutant of a job (one solution cell's):

1. its cell is run in place of the reference's;
2. the assignment's probe for that cell (``grading_bundle/<a>/mutants.py``) calls what the
   cell defines on fresh random inputs, for a few numpy seeds: values equal to the
   reference's (relative error at most ``EQUIVALENT``, same shapes and dtypes) make the
   mutant *equivalent*;
3. otherwise the test cells that depend on its cell run in notebook order (each after the
   plain cells it reaches that follow the mutated cell), their records are judged against
   the grading bundle (``judge.judge_cell``), and the first cell that loses points kills it.

The namespace is restored after each mutant; the reference is judged before and after the
batch and must keep full marks, or the batch's verdicts are not trusted. Mutants are the
release's own code (the reference, changed by ``mutants``), not submissions: they run in this
worker process, outside the sandbox, each bounded by ``MUTANT_SECONDS``.
"""

import functools
import math
import os
import shutil
import signal
import sys
import tempfile
import warnings

import numpy as np

EQUIVALENT = 1e-10  # largest relative error between a mutant's and the reference's probe values
MUTANT_SECONDS = 60
SEEDS = (0, 1, 2)


class MutantTimeout(Exception):
    """A mutant ran longer than MUTANT_SECONDS."""


_expired: list[bool] = []  # non-empty once the alarm fired: IPython swallows the exception inside a cell


def _on_alarm(signum, frame):
    _expired.append(True)
    raise MutantTimeout(f"ran longer than {MUTANT_SECONDS} s")


def same_values(a, b):
    """Whether two probe values are indistinguishable: same structure, shapes and dtypes, and
    relative errors ``|x - y| / max(1e-8, |x| + |y|)`` at most EQUIVALENT (NaNs in the same places)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(same_values(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(same_values(x, y) for x, y in zip(a, b, strict=True))
        )
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        x, y = np.asarray(a), np.asarray(b)
    except (TypeError, ValueError):
        return False
    if x.shape != y.shape or x.dtype != y.dtype or x.dtype.kind not in "biuf":
        return x.shape == y.shape and x.dtype == y.dtype and bool(np.all(x == y))
    x, y = x.astype(np.float64), y.astype(np.float64)
    if not np.array_equal(np.isnan(x), np.isnan(y)):
        return False
    finite = ~np.isnan(x)
    x, y = x[finite], y[finite]
    if not np.array_equal(np.isinf(x), np.isinf(y)) or not np.array_equal(x[np.isinf(x)], y[np.isinf(y)]):
        return False
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    with np.errstate(all="ignore"):
        error = np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))
    return bool(np.all(error <= EQUIVALENT))


@functools.cache
def _shell():
    """This process's IPython shell (a singleton: every job of a worker process reuses it)."""
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):
            """``%matplotlib inline`` asks for no event loop: nothing to enable."""

        def showtraceback(self, *args, **kwargs):
            """Nobody reads a mutant's traceback (``run`` reports the error): formatting one is slow."""

    return Shell.instance()


class _Notebook:
    """An IPython shell holding the notebook's namespace, restorable after each mutant."""

    def __init__(self, files, base_cells, scratch_root):
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        warnings.simplefilter("ignore")  # mutants overflow and divide by zero; verdicts come from records
        os.environ.setdefault("MPLBACKEND", "Agg")
        self.scratch = tempfile.mkdtemp(prefix="notebook-", dir=scratch_root)
        for relative, data in files.items():
            path = os.path.join(self.scratch, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        self.previous = os.getcwd()
        os.chdir(self.scratch)
        sys.path.insert(0, self.scratch)
        self.shell = _shell()
        for source in base_cells:
            ok, _, error = self.run(source)
            if not ok:
                raise RuntimeError(f"a cell of the reference notebook failed: {error}")
        self.snapshot = dict(self.shell.user_ns)

    def run(self, source):
        """(succeeded, records emitted, error text) for one cell's source."""
        from IPython.utils.capture import capture_output

        from ..checks import MIME_TYPE

        with capture_output() as captured:
            result = self.shell.run_cell(source, store_history=False)
        if _expired:
            raise MutantTimeout(f"ran longer than {MUTANT_SECONDS} s")
        records = [output.data[MIME_TYPE] for output in captured.outputs if MIME_TYPE in (output.data or {})]
        error = result.error_in_exec or result.error_before_exec
        return result.success, records, "" if error is None else f"{type(error).__name__}: {error}"

    def close(self):
        """Leave nothing behind for the next job of this worker process: files, path, modules."""
        os.chdir(self.previous)
        sys.path.remove(self.scratch)
        for module in [
            name for name, m in sys.modules.items() if (getattr(m, "__file__", "") or "").startswith(self.scratch)
        ]:
            del sys.modules[module]
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.shell.user_ns.clear()

    def restore(self):
        self.shell.user_ns.clear()
        self.shell.user_ns.update(self.snapshot)


def _probe_values(notebook, probe):
    return [probe(notebook.shell.user_ns, np.random.default_rng(seed)) for seed in SEEDS]


def _judge_tests(notebook, tests, specs, rerun_plain=True):
    """(first test cell that loses points or "", the share of its points lost, the strength of
    its strongest failing check (assessment), that check's margin, the fingerprints of every
    check of that cell that failed) after running ``tests``.

    ``rerun_plain``: run first the plain cells each test cell reaches after the mutated cell (a
    mutant's, e.g. a training run with the mutated code); the reference's are in the namespace."""
    from ..judge import judge_cell
    from .assessment import _margin_text, strengths

    for grade_id, source, before in tests:
        for plain in before if rerun_plain else ():
            notebook.run(plain)
        _, records, _ = notebook.run(source)
        fraction, verdicts = judge_cell(specs[grade_id], records)
        if fraction < 1:
            by_name = {spec["name"]: spec for spec in specs[grade_id]}
            failed = strengths([v for v in verdicts if v.scored and not v.passed], by_name)
            strength, verdict = max(failed, key=lambda pair: pair[0])
            text = _margin_text(verdict, by_name[verdict.name], strength)
            return grade_id, 1 - fraction, strength, text, _fingerprints(verdicts, records, by_name)
    return "", 0.0, 0.0, "", []


def _fingerprints(verdicts, records, by_name):
    """[[check name, fingerprint fields or None], ...] for every failed check of a killed
    mutant's test cell (None: nothing usable to match, such as an unrecorded value or an
    accuracy check; the mutant then teaches no diagnosis, see ``learned``)."""
    from .assessment import fingerprint_fields

    recorded = {}
    for record in records:
        recorded.setdefault(record.get("name"), record)
    found = []
    for verdict in verdicts:
        if verdict.passed or verdict.withheld_by:  # a withheld value is the right one: nothing to learn
            continue
        spec, record, fields = by_name[verdict.name], recorded.get(verdict.name), None
        if record is not None:
            try:
                fields = fingerprint_fields(spec, record)
            except (ValueError, KeyError):
                fields = None
        found.append([verdict.name, fields])
    return found


_notebooks: dict = {}  # namespace key -> this process's _Notebook (its jobs share one)


def _notebook(job):
    """The worker's notebook for ``job``, built once per worker process and namespace (jobs of one
    run share the release's files and base cells; the main process removes the scratch root)."""
    key = job["namespace_key"]
    if key not in _notebooks:
        for notebook in _notebooks.values():
            notebook.close()
        _notebooks.clear()
        _notebooks[key] = _Notebook(job["files"], job["base_cells"], job["scratch_root"])
    notebook = _notebooks[key]
    notebook.restore()
    return notebook


def run_job(job):
    """Verdicts on the mutants of one solution cell: a list of dicts, one per mutant (see module)."""
    return _run_mutants(_notebook(job), job)


def _run_mutants(notebook, job):
    from ..authoring.material import run_material

    probe = run_material(job["course"], job["assignment"], job["material"])["PROBES"][job["cell"]]
    specs = job["specs"]
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        reference = _probe_values(notebook, probe)
        lost = _judge_tests(notebook, job["tests"], specs, rerun_plain=False)
        if lost[0]:
            raise RuntimeError(f"the reference of {job['cell']} loses points in {lost[0]}: {lost[3]}")
        verdicts = [_run_mutant(notebook, probe, reference, job, name, source) for name, source in job["mutants"]]
        notebook.restore()
        lost = _judge_tests(notebook, job["tests"], specs, rerun_plain=False)
        if lost[0]:
            raise RuntimeError(
                f"after its mutants ran, the reference of {job['cell']} loses points in {lost[0]} ({lost[3]}): "
                "a mutant changed state the namespace restore does not cover"
            )
        return verdicts
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run_mutant(notebook, probe, reference, job, name, source):
    verdict = {
        "name": name,
        "status": "survived",
        "test_cell": "",
        "share_lost": 0.0,
        "margin": 0.0,
        "margin_text": "",
        "fingerprints": [],
    }
    _expired.clear()
    signal.alarm(MUTANT_SECONDS)
    try:
        notebook.run(source)
        try:
            equivalent = same_values(_probe_values(notebook, probe), reference)
        except MutantTimeout:
            raise
        except Exception:  # noqa: BLE001 - a mutant that raises on the probe's inputs is distinguishable
            equivalent = False
        if equivalent:
            verdict["status"] = "equivalent"
        else:
            test_cell, lost, strength, text, fingerprints = _judge_tests(notebook, job["tests"], job["specs"])
            if test_cell:
                verdict.update(
                    status="killed",
                    test_cell=test_cell,
                    share_lost=round(lost, 6),
                    margin=strength if math.isfinite(strength) else None,
                    margin_text=text,
                    fingerprints=fingerprints,
                )
    except MutantTimeout as timeout:
        verdict.update(status="killed", margin=None, margin_text=f"timed out: {timeout}")
    finally:
        signal.alarm(0)
        _expired.clear()
        notebook.restore()
    return verdict
