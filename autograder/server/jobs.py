"""Instructors' background jobs: release, grade, rescore, feedback and report, run as the CLI.

A job is the ``autograder`` command itself, run as a subprocess in the course directory
(``python -m autograder --course-dir <root> <command> <assignment>``): the terminal,
nbgrader's buttons and this panel are one code path, and the command takes the course
lock as it always does. The subprocess runs with ``AUTOGRADER_PROGRESS=json``, so its
progress arrives as JSON lines on stderr (``autograder/progress.py``); the other lines
are kept as a short log, and what it prints on stdout as its summary.

One job per assignment at a time in this server (``JobRefused`` names the running one),
and none while another process holds the assignment's lock (``JobRefused`` names the
holder). The lock itself is taken by the subprocess: if another run gets there first,
the job ends with the CLI's own line saying who holds it.
"""

import asyncio
import collections
import itertools
import os
import sys
import time
from dataclasses import dataclass, field

from ..lock import current_holder
from ..progress import PROGRESS_ENV, parse_progress
from .checks import die_with_parent

COMMANDS = ("release", "grade", "rescore", "feedback", "report")
LOCKED_COMMANDS = ("release", "grade", "rescore", "feedback")
LOG_LINES = 60  # the short readable log: the last lines only
SUMMARY_LINES = 40
LINE_CHARS = 400


class JobRefused(Exception):
    """The job cannot start now (another job or another process holds the assignment)."""


def _short(line):
    line = line.rstrip()
    return line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + " ..."


@dataclass
class Job:
    id: str
    command: str
    assignment: str
    state: str = "running"  # running, succeeded, failed
    started: float = field(default_factory=time.time)
    finished: float | None = None
    exit_status: int | None = None
    progress: dict = field(default_factory=dict)  # the last progress update
    summary: collections.deque = field(default_factory=lambda: collections.deque(maxlen=SUMMARY_LINES))
    log: collections.deque = field(default_factory=lambda: collections.deque(maxlen=LOG_LINES))
    process: object = None

    def to_dict(self):
        done, total = self.progress.get("done"), self.progress.get("total")
        eta = self.progress.get("eta") if self.state == "running" else 0
        return {
            "id": self.id,
            "command": self.command,
            "assignment": self.assignment,
            "state": self.state,
            "started": self.started,
            "finished": self.finished,
            "exit_status": self.exit_status,
            "step": self.progress.get("desc"),
            "done": done,
            "total": total,
            "eta": eta,
            "elapsed": round((self.finished or time.time()) - self.started, 1),
            "summary": list(self.summary),
            "log": list(self.log),
        }


class JobService:
    """Jobs of one course directory, kept for the server's life (the last ``keep`` of them)."""

    def __init__(self, course_root, keep=50):
        self.course_root = course_root
        self.jobs = collections.OrderedDict()
        self.keep = keep
        self._ids = itertools.count(1)

    def running(self, assignment):
        return next(
            (job for job in self.jobs.values() if job.assignment == assignment and job.state == "running"), None
        )

    async def start(self, command, assignment):
        if command not in COMMANDS:
            raise ValueError(f"{command!r} is not a job: one of {', '.join(COMMANDS)}")
        busy = self.running(assignment)
        if busy is not None:
            raise JobRefused(f"{assignment} is busy: this panel's {busy.command} job (#{busy.id}) is still running")
        if command in LOCKED_COMMANDS:
            holder = current_holder(self.course_root, assignment)
            if holder is not None:
                raise JobRefused(f"{assignment} is locked: {holder.describe()}")
        job = Job(str(next(self._ids)), command, assignment)
        env = dict(os.environ, **{PROGRESS_ENV: "json", "PYTHONUNBUFFERED": "1"})
        job.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "autograder",
            "--course-dir",
            self.course_root,
            command,
            assignment,
            cwd=self.course_root,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=die_with_parent,
            limit=2**24,
        )
        self.jobs[job.id] = job
        while len(self.jobs) > self.keep:
            oldest = next(iter(self.jobs))
            if self.jobs[oldest].state == "running":
                break
            self.jobs.pop(oldest)
        asyncio.ensure_future(self._follow(job))
        return job

    async def _follow(self, job):
        async def stdout():
            async for line in job.process.stdout:
                text = line.decode("utf-8", "replace")
                if text.strip():
                    job.summary.append(_short(text))

        async def stderr():
            async for line in job.process.stderr:
                text = line.decode("utf-8", "replace")
                update = parse_progress(text)
                if update is not None:
                    job.progress = update
                elif text.strip():
                    job.log.append(_short(text))

        await asyncio.gather(stdout(), stderr())
        job.exit_status = await job.process.wait()
        job.finished = time.time()
        job.state = "succeeded" if job.exit_status == 0 else "failed"

    async def stop_all(self):
        for job in self.jobs.values():
            if job.state == "running" and job.process.returncode is None:
                job.process.terminate()
