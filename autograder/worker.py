"""The pure grading step: a submission's files in, executed notebooks out.

``execute_submission(job)`` needs neither the gradebook nor the course directory:
the job carries the submission's files, the assignment's support files (restored
over the student's copies, as nbgrader does), a snapshot of the source cells, the
nbgrader configuration and the time limits, all as plain data. It runs in a local
worker process or on a Dask worker, and returns plain data too: per notebook a
status, a message, the executed notebook (JSON text) and where the time went.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import warnings

import nbformat
import psutil
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters import NotebookExporter
from nbgrader.preprocessors import Execute
from traitlets.config import Config

from .kernel_env import SINGLE_THREADED
from .sandbox import UNSAFE_ENV, sandbox_disabled

DEFAULT_SCRATCH_SIZE = 512 * 2**20

# nbgrader re-adds a deleted graded cell without a cell id; nbformat warns on every write.
warnings.filterwarnings("ignore", message="Cell is missing an id field")


class TimedExecute(Execute):
    """nbgrader's Execute that knows which cell runs and can be stopped from outside.

    ``stop()`` kills the kernel's whole process tree (children a submission forked
    included); nbclient then raises DeadKernelError and execution ends.
    """

    max_output_bytes = 20 * 2**20  # per notebook; a flood of prints must not flood the grader

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first_cell_started = None
        self.current_cell = None
        self.output_bytes = 0
        self.on_cell_start = self._note_cell_start  # nbclient's hook

    def output(self, outs, msg, display_id, cell_index):
        """Keep outputs until the notebook has produced max_output_bytes, then drop the rest."""
        content = msg.get("content", {})
        self.output_bytes += len(str(content.get("text", ""))) + sum(
            len(str(value)) for value in content.get("data", {}).values())
        if self.output_bytes <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not any(o.get("name") == "stderr" and "output limit" in o.get("text", "") for o in outs):
            outs.append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"[autograder] output limit ({self.max_output_bytes} bytes) reached; "
                "further output dropped\n"))
        return None

    def _note_cell_start(self, cell, cell_index):
        if self.first_cell_started is None:
            self.first_cell_started = time.perf_counter()
        self.current_cell = cell_index

    def stop(self):
        km = getattr(self, "km", None)
        pid = getattr(getattr(km, "provisioner", None), "pid", None)
        if pid is None:
            return
        try:
            kernel = psutil.Process(pid)
            for process in kernel.children(recursive=True) + [kernel]:
                process.kill()
        except psutil.NoSuchProcess:
            pass


def _write_files(folder, files):
    for relative, data in files.items():
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def _sanitize(nb, resources, config, preprocessors):
    exporter = NotebookExporter(config=config)
    for preprocessor in preprocessors:
        exporter.register_preprocessor(preprocessor)
    nb, _ = exporter.from_notebook_node(nb, resources)
    return nbformat.reads(nb, as_version=4)


def _execute(nb, resources, config, notebook_timeout):
    """Run every cell; returns (status, message, seconds to kernel ready)."""
    executor = TimedExecute(config=config)
    deadline_passed = threading.Event()

    def on_deadline():
        deadline_passed.set()
        executor.stop()

    timer = threading.Timer(notebook_timeout, on_deadline)
    start = time.perf_counter()
    timer.start()
    try:
        executor.preprocess(nb, resources)
        status, message = "ok", ""
    except DeadKernelError:
        cell = executor.current_cell
        if deadline_passed.is_set():
            status, message = "timeout", f"notebook time limit ({notebook_timeout:g} s) reached in cell {cell}"
        else:
            status, message = "kernel died", f"the kernel died while running cell {cell}"
    except CellTimeoutError:
        executor.stop()
        status, message = "timeout", (
            f"cell {executor.current_cell} exceeded the cell time limit and ignored the interrupt")
    finally:
        timer.cancel()
    kernel_ready = (executor.first_cell_started or time.perf_counter()) - start
    return status, message, kernel_ready


def execute_notebook(folder, name, job):
    """Sanitise and execute one notebook of the submission in ``folder``."""
    started = time.perf_counter()
    path = os.path.join(folder, f"{name}.ipynb")
    if not os.path.exists(path):
        return {"status": "missing", "message": f"no {name}.ipynb in the submission"}
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # invalid JSON, wrong schema: anything nbformat refuses
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return {"status": "invalid", "message": f"{name}.ipynb is not a valid notebook: {first_line}"}

    config = Config(job["config"])
    resources = {
        "nbgrader": {"notebook": name, "assignment": job["assignment"],
                     "student": job["student"], "db_url": None},
        "metadata": {"path": folder},
        "autograder_snapshot": job["snapshots"][name],
    }
    try:
        nb = _sanitize(nb, resources, config, job["sanitize_preprocessors"])
    except Exception as error:
        return {"status": "invalid", "message": f"{name}.ipynb: {error}"}
    sanitized = time.perf_counter()
    status, message, kernel_ready = _execute(nb, resources, config, job["notebook_timeout"])
    finished = time.perf_counter()
    return {
        "status": status,
        "message": message,
        "notebook": nbformat.writes(nb),
        "seconds": {"sanitize": sanitized - started, "kernel_start": kernel_ready,
                    "execute": finished - sanitized - kernel_ready},
    }


@contextlib.contextmanager
def scratch_folder(size):
    """A temporary folder; a tmpfs of ``size`` bytes when we may mount one (as root).

    A size-limited filesystem is what stops a submission from filling the disk:
    the sandbox's file-size limit bounds each file, not how many it writes.
    """
    scratch = tempfile.mkdtemp(prefix="autograder-")
    mounted = False
    if os.geteuid() == 0 and not sandbox_disabled():
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                                  scratch], capture_output=True).returncode == 0
    try:
        yield scratch
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", scratch], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def execute_submission(job):
    """Execute every notebook of one submission; see the module docstring."""
    os.environ.update(SINGLE_THREADED)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    if job.get("unsafe_no_sandbox"):
        os.environ[UNSAFE_ENV] = "1"
    started = time.perf_counter()
    with scratch_folder(job.get("scratch_size", DEFAULT_SCRATCH_SIZE)) as scratch:
        folder = os.path.join(scratch, job["assignment"])
        os.makedirs(folder)
        _write_files(folder, job["files"])
        _write_files(folder, job["support_files"])  # the instructor's copies win
        notebooks = {name: execute_notebook(folder, name, job) for name in job["snapshots"]}
    return {
        "student": job["student"],
        "notebooks": notebooks,
        "seconds": time.perf_counter() - started,
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
