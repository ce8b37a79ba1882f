"""Students' checks in the server: one checker process per notebook, started ahead of time.

``prepare`` starts ``python -m autograder.server.warm`` for a notebook (the frontend asks
when the notebook opens, and again after each check); it imports the checking code and
starts the kernel while the student works. ``check`` hands the notebook to that process,
or starts one that checks at once when none is warm. Everything runs in child processes
read through asyncio pipes, so the server's IOLoop never waits on a kernel. One check
per notebook at a time (``CheckBusy`` otherwise); a checker is used for one check only,
and is killed when its notebook closes, when the server stops, or after ``keep`` idle
seconds (it also exits by itself then).
"""

import asyncio
import ctypes
import json
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
KEEP_WARM_SECONDS = 600.0
CHECK_TIMEOUT_SECONDS = 900.0  # above c.Autograder.notebook_timeout's default (600 s)


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when the server dies (Linux), so no checker outlives it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class CheckBusy(Exception):
    """A check of this notebook is already running."""


class CheckFailed(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Checker:
    """One ``autograder.server.warm`` process for one notebook."""

    def __init__(self, process, notebook):
        self.process, self.notebook = process, notebook
        self.started = time.monotonic()
        self.ready = None  # the ready message, once read

    @classmethod
    async def start(cls, notebook, course_root, cwd, now=False, keep=KEEP_WARM_SECONDS):
        command = [sys.executable, "-m", "autograder.server.warm", notebook, "--keep", str(keep)]
        command += ["--course", course_root] if course_root else []
        command += ["--now"] if now else []
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=die_with_parent,
            limit=2**24,
        )
        return cls(process, notebook)

    @property
    def alive(self):
        return self.process.returncode is None

    async def _message(self, timeout):
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not line:
                stderr = (await self.process.stderr.read()).decode("utf-8", "replace").strip().splitlines()
                raise CheckFailed(
                    500, "the check stopped before answering" + (f": {stderr[-1][:300]}" if stderr else "")
                )
            try:
                return json.loads(line)
            except ValueError:
                continue  # not ours (a library printing to stdout)

    async def wait_ready(self, timeout=120.0):
        if self.ready is None:
            self.ready = await self._message(timeout)
        return self.ready

    async def run(self, send=True):
        """The check's JSON contract; CheckFailed for a notebook that cannot be checked."""
        try:
            await self.wait_ready()
            if send:
                self.process.stdin.write(b"check\n")
                await self.process.stdin.drain()
            message = await self._message(CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            raise CheckFailed(504, "the check took too long and was stopped") from None
        finally:
            await self.stop()
        if "error" in message:
            raise CheckFailed(int(message.get("status", 422)), str(message["error"]))
        return message["result"]

    async def stop(self):
        if self.alive:
            self.process.kill()
        await self.process.wait()


def _relative(notebook, root):
    """The notebook's path as the student named it: messages never show the server's own folders."""
    return os.path.relpath(notebook, root)


class CheckService:
    """The server's checkers: at most one warm checker and one running check per notebook."""

    def __init__(self, root, course_root=None, keep=KEEP_WARM_SECONDS):
        self.root, self.course_root, self.keep = root, course_root, keep
        self.warm = {}  # notebook path -> Checker waiting for its check
        self.running = set()  # notebook paths being checked

    async def prepare(self, notebook):
        """Start a checker for ``notebook`` unless one is warm or a check is running; True if started."""
        current = self.warm.get(notebook)
        if notebook in self.running or (current is not None and current.alive):
            return False
        self.warm[notebook] = await Checker.start(
            _relative(notebook, self.root), self.course_root, self.root, keep=self.keep
        )
        return True

    async def release(self, notebook):
        """The notebook was closed: kill its warm checker."""
        checker = self.warm.pop(notebook, None)
        if checker is not None:
            await checker.stop()

    async def check(self, notebook):
        if notebook in self.running:
            raise CheckBusy(notebook)
        self.running.add(notebook)
        try:
            checker = self.warm.pop(notebook, None)
            if checker is not None and checker.alive:
                return await checker.run()
            if checker is not None:
                await checker.stop()
            checker = await Checker.start(_relative(notebook, self.root), self.course_root, self.root, now=True)
            return await checker.run(send=False)
        finally:
            self.running.discard(notebook)

    async def stop_all(self):
        for notebook in list(self.warm):
            await self.release(notebook)
