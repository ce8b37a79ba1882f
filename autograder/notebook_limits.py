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
  enormous message is never received at all;
- a message the client cannot decode (an integer of more digits than Python converts,
  JSON nested deeper than the parser recurses) stops the kernel like the output cap
  (``RefusingSession``), instead of an exception inside nbclient's polling tasks.
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
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Any, default

from .settings import Autograder


def utf8_size(text):
    """Bytes of ``text`` in UTF-8; a lone surrogate (which JSON can carry) counts as its 3 bytes."""
    return len(text.encode("utf-8", "surrogatepass"))


def _size(node):
    """Roughly how many bytes a decoded message holds: every string (in UTF-8), key and value counted."""
    if isinstance(node, str):
        return utf8_size(node)
    if isinstance(node, dict):
        return sum(utf8_size(str(key)) + _size(value) for key, value in node.items())
    if isinstance(node, (list, tuple)):
        return sum(_size(item) for item in node)
    return 8


UNREADABLE_MSG_TYPE = "autograder_unreadable"


def _is_count(value):
    """Whether ``value`` may be a cell's execution count: a whole number, or None."""
    return value is None or (type(value) is int and value >= 0)


def _valid_output(output):
    """Whether one output is as the notebook format allows."""
    try:
        nbformat.validate(output, ref="output", version=4)
    except nbformat.ValidationError:
        return False
    return True


class RefusingSession(Session):
    """A Session that refuses a message it cannot decode instead of raising.

    The kernel runs the student's code and can send anything: JSON with an integer longer
    than ``sys.get_int_max_str_digits()`` (the kernel can lift its own limit), or nested
    deeper than the parser recurses. jupyter_client's unpacker then raises inside nbclient's
    polling task, which failed the whole run with an unrelated traceback. Here such a message
    becomes a placeholder nobody waits for (no parent), and ``on_unreadable(reason)``, set by
    whoever runs the notebook, stops the kernel.
    """

    # A trait, so that the clone each client of the kernel manager gets keeps it.
    on_unreadable = Any(None, allow_none=True)

    def deserialize(self, msg_list, content=True, copy=True):
        try:
            return super().deserialize(msg_list, content=content, copy=copy)
        # What decoding a hostile message raises: ValueError (too many digits, invalid JSON or
        # UTF-8, a bad signature), RecursionError (too deep), KeyError/TypeError (a header
        # without msg_id or a message of too few parts). Nothing else is caught: a bug of ours
        # still raises.
        except (ValueError, RecursionError, KeyError, TypeError) as error:
            reason = f"{type(error).__name__}: {str(error)[:200]}"
            if self.on_unreadable is not None:
                self.on_unreadable(reason)
            header = {"msg_id": "", "msg_type": UNREADABLE_MSG_TYPE}
            return {
                "header": header,
                "msg_id": "",
                "msg_type": UNREADABLE_MSG_TYPE,
                "parent_header": {},
                "metadata": {},
                "content": {"reason": reason},
                "buffers": [],
            }


class CappedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients refuse any single message larger than the output cap,
    and any message they cannot decode (``RefusingSession``).

    The cap on what a notebook may print is counted message by message after they
    arrive; this stops one enormous message from being received at all.
    """

    @default("session")
    def _refusing_session(self):
        return RefusingSession(parent=self)

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
        self.unreadable = None  # why a message from the kernel could not be decoded
        self.on_cell_start = self._note_cell_start  # nbclient's hook
        if self.km is not None:  # a kernel started for this notebook beforehand
            self._refuse_unreadable_of(self.km)

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
            if self.unreadable:  # refused in the last cell, whose reply had already arrived
                self._stopped_unreadable(nb)
        except DeadKernelError:
            if self.unreadable:
                self._stopped_unreadable(nb)
            elif self.output_limit_reached:
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

    def create_kernel_manager(self):
        """nbclient's kernel manager, told to stop the kernel on a message it cannot decode."""
        return self._refuse_unreadable_of(super().create_kernel_manager())

    def _refuse_unreadable_of(self, km):
        if isinstance(getattr(km, "session", None), RefusingSession):
            km.session.on_unreadable = self._refuse_unreadable
        return km

    def _refuse_unreadable(self, reason):
        self.unreadable = self.unreadable or reason
        self.stop()

    def _stopped_unreadable(self, nb):
        self._stopped(
            nb,
            "unreadable output",
            f"the kernel sent output the grader cannot read in cell {self.current_cell}: the kernel was stopped",
        )

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
        if self.output_limit_reached or self.unreadable:
            return None
        content = msg.get("content")
        if not (isinstance(msg.get("msg_type"), str) and isinstance(content, dict)):
            self._refuse_unreadable("a message without a type or a content the protocol defines")
            return None
        try:
            self.output_bytes += _size(content)
        except RecursionError:
            self._refuse_unreadable("output nested deeper than the grader reads")
            return None
        if self.output_bytes > self.settings.max_output_bytes:
            self.output_limit_reached = True
            self.stop()
            return None
        if msg.get("msg_type") == "update_display_data":
            return None
        if isinstance(content, dict) and "transient" in content:
            content["transient"] = None
        if msg.get("msg_type") == "execute_input" and not _is_count(content.get("execution_count")):
            self._refuse_unreadable("an execution count that is not a number")
            return None
        try:
            return super().process_message(msg, cell, cell_index)
        # An output the notebook format does not allow, or a message missing what its type
        # needs (a status without its state): what nbclient raises on a kernel's message.
        except (nbformat.ValidationError, KeyError, TypeError, AttributeError, ValueError, RecursionError) as error:
            first = (str(error).splitlines() or [""])[0][:200]
            self._refuse_unreadable(f"a message the grader cannot read: {type(error).__name__}: {first}")
            return None

    def plain_reply(self, reply):
        """Whether an execute reply is as the protocol defines it (nbgrader copies an error's
        name, value and traceback into the notebook); else the kernel is stopped as unreadable."""
        content = reply.get("content") if isinstance(reply, dict) else None
        plain = isinstance(content, dict) and isinstance(content.get("status"), str)
        if plain and content["status"] == "error":
            traceback = content.get("traceback")
            plain = (
                isinstance(content.get("ename"), str)
                and isinstance(content.get("evalue"), str)
                and isinstance(traceback, list)
                and all(isinstance(line, str) for line in traceback)
            )
        if not plain:
            self._refuse_unreadable("an execute reply the grader cannot read")
        return plain

    def keep_only_valid(self, nb):
        """Leave out of ``nb`` what a kernel sent that the notebook format does not allow and
        that reached it outside ``process_message`` (an execution count in a reply, an error
        name copied from a reply by nbgrader): every later reader validates the notebook, and
        a feedback page, formgrader and nbgrader's writer failed on it. Noted as unreadable
        output, as if refused when it arrived."""
        try:
            nbformat.validate(nb)
            return
        except nbformat.ValidationError:
            pass
        left_out = False
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            if not _is_count(cell.get("execution_count")):
                cell["execution_count"], left_out = None, True
            kept = [output for output in cell.get("outputs", []) if _valid_output(output)]
            if len(kept) != len(cell.get("outputs", [])):
                cell["outputs"], left_out = kept, True
        if left_out and self.status == "ok":
            self.status = "unreadable output"
            self.message = "the kernel sent output the notebook format does not allow: it was left out"

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
        self.keep_only_valid(self.nb)
        return self.nb
