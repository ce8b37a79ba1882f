"""Grading on a Dask cluster: check it up front, hand out work on demand, never hang.

``connect`` reaches the scheduler within a few seconds or says so in one line, waits
briefly for a live worker, and checks that every worker runs what this grader runs
(Dask's own version check, then the packages that execute and judge notebooks and
the autograder's code itself), so that a worker that cannot grade, or would grade
differently, is named before any submission is sent.

``ClusterPool`` is what ``batch.windowed`` hands jobs to: it never has more jobs on
the cluster than worker threads (Dask would otherwise assign queued tasks eagerly,
so two long submissions could wait on one worker while another idles), and while
results are awaited it checks that the scheduler and some worker are still there. A
worker that dies while grading is retried by Dask on another worker and, when it
keeps dying, reported for that submission (``KilledWorker``); a lost scheduler, or
no worker for ``LOST_GRACE`` seconds, stops the run with one line after everything
already graded has been recorded (``ClusterLost``, exit status 75).

That line must be the last thing the instructor reads, whatever the moment the
scheduler dies, so nothing of Dask's may print or raise on its own:

- every call into the client goes through ``scheduler_calls``, which turns what a
  lost connection raises (``CommClosedError`` and other ``OSError``, timeouts, a
  client that stopped running) into ``ClusterLost``; each request is bounded by
  ``CALL_TIMEOUT``;
- a task cancelled under us means the scheduler is gone (we never cancel one: closing
  the client releases what is still out);
- distributed's loggers, and tornado's and asyncio's, which only Dask uses in this
  process, are silenced: every failure they could report reaches the instructor as
  that line or as a submission's reason;
- ``close_quietly`` closes the client within ``CLOSE_TIMEOUT`` seconds and never
  raises: the client's event loop thread has stopped before the command prints its
  line, so no Dask callback runs after it, not even at interpreter exit (should the
  close time out, that thread is a daemon whose loggers are silenced).
"""

import hashlib
import logging
import platform
import time
from concurrent.futures import CancelledError
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from ..errors import ClusterError

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler
WORKER_WAIT = 10  # seconds to wait for a first live worker
LOST_GRACE = 30  # seconds without any live worker before giving up
# Seconds a request to the scheduler may take. A busy scheduler on a loaded machine has been
# seen not to answer for 17 s; one silent for two minutes is as good as lost.
CALL_TIMEOUT = 120
CLOSE_TIMEOUT = 30  # seconds to close the client, whatever state the scheduler is in
# Packages whose versions decide how a notebook is executed and judged.
GRADING_PACKAGES = ("nbgrader", "nbformat", "nbclient", "nbconvert", "jupyter_client", "ipykernel", "numpy")
# Loggers silenced in the grading process: Dask's, and those of the libraries only Dask uses here.
DASK_LOGGERS = ("distributed", "tornado", "asyncio")


class ClusterLost(ClusterError):
    """The scheduler, or every worker, went away during a run: what was graded is recorded, run again."""

    exit_status = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, the same command finishes the batch


AFTERWARDS = "every submission graded so far is recorded: run the command again once the scheduler is back."


def lost(address):
    return ClusterLost(f"lost the connection to the Dask scheduler at {address}; {AFTERWARDS}")


def silence_dask_logging():
    """Nothing of Dask's logging reaches stderr in this process (see the module docstring).

    Loggers created later inherit the level of their silenced ancestor."""
    for name in [*DASK_LOGGERS, *logging.root.manager.loggerDict]:
        if name.split(".")[0] in DASK_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextmanager
def scheduler_calls(client, address):
    """Calls into ``client`` inside this block: a connection to the scheduler that failed or closed
    becomes ClusterLost; any other error keeps its traceback (a bug, ours or Dask's)."""
    try:
        yield
    except ClusterError:
        raise
    except TimeoutError:  # before OSError, of which it is one
        raise ClusterLost(f"the Dask scheduler at {address} stopped answering; {AFTERWARDS}") from None
    except (OSError, CancelledError):  # CommClosedError is an OSError
        raise lost(address) from None
    except Exception:
        if client.status != "running":  # e.g. ClosedClientError, or a closed event loop
            raise lost(address) from None
        raise


def close_quietly(client):
    """Close ``client`` within CLOSE_TIMEOUT s, releasing its tasks and stopping its event loop
    thread; a scheduler that is gone or stuck cannot make this raise or take longer."""
    try:
        client.close(timeout=CLOSE_TIMEOUT)
    except Exception:  # noqa: BLE001 - the scheduler is gone: nothing is left to release
        pass


def code_digest():
    """Digest of the autograder package's source: workers must grade with the same code."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def grading_fingerprint():
    """What must match between this grader and every worker (run on each worker)."""
    found = {"python": platform.python_version(), "autograder code": code_digest()}
    for package in GRADING_PACKAGES:
        found[package] = metadata.version(package)
    return found


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_workers(client, address):
    """Raise ClusterError unless a worker is alive and every worker matches this grader."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise ClusterError(
            f"no Dask worker is alive at {address} (waited {WORKER_WAIT} s): start workers "
            f"with `dask worker {address}` on machines with this project installed."
        ) from None
    try:
        client.get_versions(check=True)
    except ValueError as error:
        raise ClusterError(
            f"the Dask workers at {address} run other versions than this grader: {_first_line(error)}"
        ) from None
    mine = grading_fingerprint()
    for worker, theirs in sorted(client.run(grading_fingerprint, on_error="return").items()):
        if isinstance(theirs, BaseException):
            raise ClusterError(
                f"Dask worker {worker} cannot run the autograder ({type(theirs).__name__}: "
                f"{_first_line(theirs)}): install this project on every worker (README: "
                "grading on a Dask cluster)."
            )
        differing = [
            f"{name} {theirs.get(name)} (here {value})" for name, value in mine.items() if theirs.get(name) != value
        ]
        if differing:
            raise ClusterError(
                f"Dask worker {worker} differs from this grader: {', '.join(differing)}; "
                "install the same version of the project on every worker."
            )


def connect(address):
    """A Client for the scheduler at ``address`` whose workers are checked (see module docstring)."""
    from distributed import Client

    silence_dask_logging()  # after the import, which sets distributed's loggers up
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(
            f"cannot reach a Dask scheduler at {address} within {CONNECT_TIMEOUT} s "
            f"({_first_line(error)}): is `dask scheduler` running there?"
        ) from None
    try:
        with scheduler_calls(client, address):
            check_workers(client, address)
    except BaseException:
        close_quietly(client)
        raise
    return client


class ClusterPool:
    """Jobs on a Dask cluster, at most one per worker thread; see the module docstring."""

    def __init__(self, address):
        self.address = address
        self.client = connect(address)
        self._executor = self.client.get_executor(pure=False)
        self._alone_since = None

    def close(self):
        """Release what is still on the cluster and stop the client; never raises (see close_quietly)."""
        close_quietly(self.client)

    def submit(self, function, job):
        with scheduler_calls(self.client, self.address):
            return self._executor.submit(function, job)

    def slots(self):
        """Worker threads on the cluster now (at least one, so that the window is never empty)."""
        return max(1, self.check())

    def check(self):
        """Worker threads alive now; raise ClusterLost when the scheduler is lost, or no worker has been
        alive for LOST_GRACE s."""
        if self.client.status != "running":
            raise lost(self.address)
        with scheduler_calls(self.client, self.address):
            threads = sum(self.client.nthreads(callback_timeout=CALL_TIMEOUT).values())
        if threads:
            self._alone_since = None
            return threads
        self._alone_since = self._alone_since or time.monotonic()
        if time.monotonic() - self._alone_since > LOST_GRACE:
            raise ClusterLost(
                f"no Dask worker has been alive at {self.address} for {LOST_GRACE} s; every "
                "submission graded so far is recorded: start workers and run the command again."
            )
        return 0

    def describe_failure(self, error):
        """What to report for a submission whose task failed, after checking the cluster is still there."""
        if isinstance(error, CancelledError):  # only a lost scheduler cancels our tasks
            raise lost(self.address)
        self.check()
        if type(error).__name__ == "KilledWorker":
            return "the Dask workers running this submission died (it was retried, and they died again)"
        return f"worker failed: {type(error).__name__}: {_first_line(error)}"
