"""What a worker is given and what it gives back: plain, picklable data.

A ``Job`` carries everything needed to execute one submission, so a worker needs
neither the gradebook nor the course directory (it may run on another machine); a
``SubmissionRun`` is what comes back. Both cross process and network boundaries
(a process pool, a Dask cluster) and hold nothing but builtins.
"""

from dataclasses import dataclass, field


@dataclass
class Job:
    student: str
    assignment: str
    files: dict  # relative path -> bytes: the submission as handed in
    restored_files: dict  # relative path -> bytes: the assignment's own files, restored over the student's
    snapshots: dict  # notebook name -> snapshot of its source cells (see snapshot.py)
    config: dict  # nbgrader configuration for sanitising and execution, as plain dicts
    sanitize_preprocessors: list  # nbgrader preprocessor classes, snapshot-backed where they read the gradebook
    digest: str = ""  # content hash of the submission under this assignment version
    unsafe_no_sandbox: bool = False


@dataclass
class NotebookRun:
    """One notebook of a submission after execution.

    status: "ok", "timeout", "output limit" or "kernel died" (the notebook ran, maybe partly), or
    "missing" / "invalid" (it could not run; ``notebook`` is then None).
    """

    status: str
    message: str = ""
    notebook: str | None = None  # the executed notebook, nbformat JSON text
    seconds: dict = field(default_factory=dict)  # sanitize, kernel_start, execute


@dataclass
class SubmissionRun:
    student: str
    notebooks: dict  # notebook name -> NotebookRun
    seconds: float = 0.0
    worker: str = ""
