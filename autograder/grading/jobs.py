"""What a worker is given and what it gives back: plain, picklable data.

A ``Job`` carries everything needed to execute one submission, so a worker needs
neither the gradebook nor the course directory (it may run on another machine); a
``SubmissionRun`` is what comes back. Both cross process and network boundaries
(a process pool, a Dask cluster) and hold nothing but builtins.

When the job carries the grading bundles, the worker also judges: it returns each
notebook autograded (verdicts in, recorded values moved out into ``records``) with
the values nbgrader's ``SaveAutoGrades`` would store, so the one writer only writes.
"""

from dataclasses import dataclass, field
from typing import Any

# A JSON object as parsed (a grading bundle, a snapshot, a verdict dict).
JSONDict = dict[str, Any]


@dataclass
class Job:
    student: str
    assignment: str
    files: dict[str, bytes]  # relative path -> bytes: the submission as handed in
    restored_files: dict[str, bytes]  # relative path -> bytes: the assignment's own files, restored over the student's
    snapshots: dict[str, JSONDict]  # notebook name -> snapshot of its source cells (see snapshot.py)
    config: JSONDict  # nbgrader configuration for sanitising and execution, as plain dicts
    sanitize_preprocessors: list[type]  # nbgrader preprocessor classes, snapshot-backed where they read the gradebook
    digest: str = ""  # content hash of the submission under this assignment version
    unsafe_no_sandbox: bool = False
    # Judging in the worker: notebook name -> grading bundle, and the preprocessors that
    # follow Execute (bundle-backed JudgeChecks first). None: return the executed notebook.
    bundles: dict[str, JSONDict] | None = None
    judge_preprocessors: list[type] = field(default_factory=list)


@dataclass
class NotebookRun:
    """One notebook of a submission after execution (and judging, when the job asked for it).

    status: "ok", "timeout", "output limit", "unreadable output" (a kernel message that could not
    be decoded) or "kernel died" (the notebook ran, maybe partly), or
    "missing" / "invalid" (it could not run or be judged; ``notebook`` is then None).
    """

    status: str
    message: str = ""
    notebook: str | None = None  # nbformat JSON text: executed, or autograded when judged
    seconds: dict[str, float] = field(default_factory=dict)  # sanitize, kernel_start, execute, judge
    # Set when judged:
    # grade_id -> auto_score, as SaveAutoGrades computes it
    grades: dict[str, float | None] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)  # grade_id -> auto_comment of solution and task cells
    checks: list[JSONDict] = field(default_factory=list)  # verdict dicts, each with its test cell
    judged: list[str] = field(default_factory=list)  # grade ids of the cells the judge scored
    records: bytes | None = None  # compressed JSON {grade_id: [record outputs]} of the judged cells (records.py)


@dataclass
class SubmissionRun:
    student: str
    notebooks: dict[str, NotebookRun]  # notebook name -> NotebookRun
    seconds: float = 0.0
    worker: str = ""
