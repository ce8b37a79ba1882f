"""The limits a grader runs a notebook under: a notebook deadline and an output cap.

``NotebookLimits`` adds them to any nbclient ``NotebookClient``: nbgrader's ``Execute``
(``execution.GuardedExecute``, in nbgrader_config.py's autograde pipeline) and the plain
client a student's ``autograder check`` uses (``LimitedNotebookClient``, which needs none
of nbgrader), so every path runs student notebooks under the same rules:

- the whole notebook gets ``c.Autograder.notebook_timeout`` seconds; when they run out,
  the kernel's whole process tree is killed (children a submission forked included);
- everything the kernel sends (streams, display data and display updates, output
  metadata, errors, ...) counts towards ``c.Autograder.max_output_bytes``; when the
  notebook reaches it, the kernel is stopped;
- a kernel that dies, runs out of time or floods its output never fails the run: the
  cell where it happened gets an error output saying so, later cells keep no
  outputs, and the outcome is kept in ``status`` / ``message`` for whoever reports it;
- an output stays where and as the kernel first sent it: display updates and display
  ids are dropped, so no later cell (a test cell) can rewrite an earlier cell's output;
- the client's sockets refuse any single message larger than the cap
  (``CappedKernelManager``, which the sandbox's kernel manager extends), so one
  enormous message is never received at all.
"""

import functools
import logging
import threading
import time

import nbformat
import psutil
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .settings import Autograder


def _size(node):
    """Roughly how many bytes a decoded message holds: every string, key and value counted."""
    if isinstance(node, str):
        return len(node)
    if isinstance(node, dict):
        return sum(len(str(key)) + _size(value) for key, value in node.items())
    if isinstance(node, (list, tuple)):
        return sum(_size(item) for item in node)
    return 8


class CappedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients refuse any single message larger than the output cap.

    The cap on what a notebook may print is counted message by message after they
    arrive; this stops one enormous message from being received at all.
    """

    @functools.cached_property
    def settings(self):
        return Autograder(config=self.config)

    def client(self, **kwargs):
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, self.settings.max_output_bytes + 2**20)
        client = super().client(context=context, **kwargs)
        client._created_context = True  # the client destroys the context with itself
        return client


class NotebookLimits:
    """A mixin for nbclient's ``NotebookClient`` (and so nbgrader's ``Execute``): a notebook
    deadline and an output cap; a dead kernel never raises."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # nbclient logs every kernel message at DEBUG; formgrader's pop-up shows the app's
        # DEBUG log, which made it megabytes long. Execution reports from INFO up.
        self.log = self.log.getChild("execute")
        self.log.setLevel(max(logging.INFO, self.log.getEffectiveLevel()))
        self.settings = Autograder(config=self.config)
        self.status, self.message = "ok", ""
        self.first_cell_started = None
        self.current_cell = None
        self.output_bytes = 0
        self.output_limit_reached = False
        self.on_cell_start = self._note_cell_start  # nbclient's hook

    def run_within_limits(self, nb, run):
        """Call ``run()`` (which executes ``nb``) under the deadline; a stopped kernel becomes a status."""
        deadline_passed = threading.Event()

        def on_deadline():
            deadline_passed.set()
            self.stop()

        timer = threading.Timer(self.settings.notebook_timeout, on_deadline)
        timer.start()
        try:
            run()
        except DeadKernelError:
            if self.output_limit_reached:
                self._stopped(
                    nb,
                    "output limit",
                    f"output limit ({self.settings.max_output_bytes} bytes) reached "
                    f"in cell {self.current_cell}: the kernel was stopped",
                )
            elif deadline_passed.is_set():
                self._stopped(
                    nb,
                    "timeout",
                    f"notebook time limit ({self.settings.notebook_timeout:g} s) reached in cell {self.current_cell}",
                )
            else:
                self._stopped(nb, "kernel died", f"the kernel died while running cell {self.current_cell}")
        except CellTimeoutError:
            self.stop()
            self._stopped(
                nb,
                "timeout",
                f"cell {self.current_cell} exceeded the cell time limit ({self.timeout} s) and ignored the interrupt",
            )
        finally:
            timer.cancel()

    def _stopped(self, nb, status, message):
        self.status, self.message = status, message
        if self.current_cell is not None and nb.cells[self.current_cell].cell_type == "code":
            nb.cells[self.current_cell].outputs.append(
                nbformat.v4.new_output(
                    "error", ename="GradingStopped", evalue=message, traceback=[f"GradingStopped: {message}"]
                )
            )

    def process_message(self, msg, cell, cell_index):
        """Count every message the kernel sends; past the cap, stop the kernel and keep nothing more.

        An output stays where the kernel printed it: display updates are dropped and display
        ids removed before nbclient sees them. nbclient would otherwise rewrite, in place, every
        earlier output with the same display id, so code running inside a test cell could
        write the hidden test's source into an output of a cell before the tests (which the
        student's feedback page shows)."""
        if self.output_limit_reached:
            return None
        content = msg.get("content")
        self.output_bytes += _size(content)
        if self.output_bytes > self.settings.max_output_bytes:
            self.output_limit_reached = True
            self.stop()
            return None
        if msg.get("msg_type") == "update_display_data":
            return None
        if isinstance(content, dict) and "transient" in content:
            content["transient"] = None
        return super().process_message(msg, cell, cell_index)

    def _note_cell_start(self, cell, cell_index):
        if self.first_cell_started is None:
            self.first_cell_started = time.perf_counter()
        self.current_cell = cell_index

    def stop(self):
        """Kill the kernel's whole process tree; nbclient then raises DeadKernelError."""
        pid = getattr(getattr(getattr(self, "km", None), "provisioner", None), "pid", None)
        if pid is None:
            return
        try:
            kernel = psutil.Process(pid)
            for process in kernel.children(recursive=True) + [kernel]:
                process.kill()
        except psutil.NoSuchProcess:
            pass


class LimitedNotebookClient(NotebookLimits, NotebookClient):
    """nbclient's ``NotebookClient`` under the same limits as grading (for a student's check)."""

    def execute(self, **kwargs):
        self.run_within_limits(self.nb, lambda: NotebookClient.execute(self, **kwargs))
        return self.nb
