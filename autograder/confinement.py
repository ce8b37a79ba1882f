"""Work done on a submission's behalf outside the sandbox, in a confined process.

The judge computes on values a submission recorded: it decodes arrays whose size the
student chose and runs a forward pass through a network whose width the student chose.
It never runs the student's code, but how much memory and time it spends is the
student's choice. So it runs in a service process of its own (``Service``):

- unprivileged: when we are root, a fresh uid and gid with no groups, no capabilities
  (its bounding set emptied) and no_new_privs. It switches itself, once it has imported
  and exercised everything it runs and before it reads any request: so it never needs
  to read a file as that user (the Python environment may live in a folder only root
  can enter), and it never holds hostile data as root;
- limited: an address-space limit, no file writes, no core files, and a CPU-time budget
  per request, which the service sets before each request by raising its own soft
  ``RLIMIT_CPU`` (the kernel then stops it with SIGXCPU); the caller also gives up
  after a wall-clock deadline;
- fed and answering JSON, length-prefixed over its stdin and stdout (never pickle from
  the confined side), from a clean environment, in /, in Python's isolated mode (no
  module is ever imported from a working directory).

One service per module per process (``service``), started early so that its start-up
overlaps other work, and started again after it dies. A request that kills it fails
with ``ConfinementError`` saying why (its memory or CPU limit, its deadline); the caller
makes that one submission's problem of it, and the next request gets a fresh service.

A large object that many requests share (a grading bundle) is sent once per service
process and named by a key afterwards (``request(..., shared=)``).
"""

import atexit
import itertools
import json
import math
import os
import random
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from .environments import SINGLE_THREADED

MiB = 2**20
HEADER = struct.Struct(">Q")  # the length of each JSON message, in bytes
MAX_REQUEST_BYTES = 256 * MiB
MAX_RESPONSE_BYTES = 64 * MiB
SHARED_KEPT = 8  # shared objects a service remembers
SERVICE_UIDS = (300_000, 400_000)  # unprivileged ids no real account uses (kernels use 200,000-300,000)


class ConfinementError(Exception):
    """A request the confined process could not answer, and why (one line)."""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: int

    @property
    def deadline_seconds(self):
        """Wall-clock time a request may take: its CPU budget, with room for a busy machine."""
        return 4 * self.cpu_seconds + 30

    @classmethod
    def from_settings(cls, settings=None):
        """The judge's limits in ``settings`` (c.Autograder), else in the running application's config."""
        from .settings import Autograder

        if settings is None:
            from traitlets.config import Application

            settings = Autograder(config=Application.instance().config if Application.initialized() else None)
        return cls(settings.judge_memory_limit, settings.judge_cpu_seconds)


def _fresh_uid():
    """An unprivileged user id for a new service, when we are root (else None: it runs as us)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    return random.randrange(*SERVICE_UIDS)


def _environment():
    environment = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/",
        "OPENBLAS_NUM_THREADS": "1",
        **SINGLE_THREADED,
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            environment[name] = os.environ[name]
    return environment


class Service:
    """The client of one confined service process running ``python -m module``."""

    def __init__(self, module, limits):
        self.module, self.limits = module, limits
        self.owner = os.getpid()
        self._process = None
        self._stderr = None
        self._shared_keys = {}  # id(object) -> (object, key): objects kept alive, so ids stay unique
        self._counter = itertools.count()
        self._sent = set()  # keys the running process has
        self._lock = threading.Lock()
        atexit.register(self.close)

    def command(self):
        uid = _fresh_uid()
        return [
            sys.executable,
            "-I",
            "-m",
            self.module,
            "--serve",
            str(self.limits.memory_bytes),
            str(self.limits.cpu_seconds),
        ] + ([str(uid)] if uid is not None else [])

    def start(self):
        """Start the process now (if it is not running); returns at once."""
        with self._lock:
            self._start()

    def _start(self):
        if self._process is not None and self._process.poll() is None:
            return
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
            cwd="/",
            env=_environment(),
            start_new_session=True,
        )
        self._sent = set()

    def reconfigure(self, limits):
        with self._lock:
            if limits != self.limits:
                self.limits = limits
                self._stop()

    def request(self, message, shared=None):
        """The service's answer (a dict) to ``message``; ``shared`` is sent once, then named by key."""
        with self._lock:
            self._start()
            if shared is not None:
                key = self._key(shared)
                message = {**message, "shared_key": key}
                if key not in self._sent:
                    message["shared"] = shared
            payload = json.dumps(message, separators=(",", ":")).encode()
            if len(payload) > MAX_REQUEST_BYTES:
                raise ConfinementError(
                    f"the recorded values are larger than {MAX_REQUEST_BYTES // MiB} MiB: not judged"
                )
            answer = self._exchange(payload)
            if answer.get("resend") and shared is not None:  # the process forgot it: once more, with it
                answer = self._exchange(json.dumps({**message, "shared": shared}, separators=(",", ":")).encode())
            if shared is not None:
                self._sent.add(message["shared_key"])
            if "error" in answer:
                self._stop()  # it said what went wrong; the next request gets a fresh process
                raise ConfinementError(self._limit_message(answer["error"]))
            return answer

    def _exchange(self, payload):
        deadline = time.monotonic() + self.limits.deadline_seconds
        try:
            try:
                self._write(HEADER.pack(len(payload)) + payload, deadline)
            except BrokenPipeError:
                pass  # the service stopped reading (a request too large for it): it may have said why
            size = HEADER.unpack(self._read(HEADER.size, deadline))[0]
            if size > MAX_RESPONSE_BYTES:
                raise EOFError
            return json.loads(self._read(size, deadline))
        except (OSError, EOFError, TimeoutError, ValueError) as error:
            raise ConfinementError(self._death(error)) from None

    def _key(self, shared):
        """A key for ``shared`` that no other object ever gets (the object is kept alive with it)."""
        if id(shared) not in self._shared_keys:
            if len(self._shared_keys) >= SHARED_KEPT:
                self._shared_keys.clear()  # forgotten objects are sent again under new keys
            self._shared_keys[id(shared)] = (shared, f"{os.getpid()}-{next(self._counter)}")
        return self._shared_keys[id(shared)][1]

    def _write(self, data, deadline):
        fd = self._process.stdin.fileno()
        view = memoryview(data)
        while view:
            if not select.select([], [fd], [], max(0.0, deadline - time.monotonic()))[1]:
                raise TimeoutError
            view = view[os.write(fd, view[:MiB]) :]

    def _read(self, count, deadline):
        fd, chunks = self._process.stdout.fileno(), []
        while count:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError
            chunk = os.read(fd, min(count, MiB))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def _limit_message(self, error):
        if error == "memory":
            return f"exceeded the judge's memory limit ({self.limits.memory_bytes // MiB} MiB)"
        if error == "too large":
            return f"the recorded values are larger than {MAX_REQUEST_BYTES // MiB} MiB: not judged"
        return f"the judge failed: {str(error)[:200]}"

    def _death(self, error):
        """Why the process stopped answering (it is stopped for good; the next request starts another)."""
        timed_out = isinstance(error, TimeoutError)
        process = self._process
        if timed_out:
            process.kill()
        try:
            status = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        tail = self._stderr_tail()
        self._stop()
        if timed_out:
            return f"took longer than the judge's deadline ({self.limits.deadline_seconds} s)"
        if status == -signal.SIGXCPU:
            return f"exceeded the judge's CPU limit ({self.limits.cpu_seconds} CPU-seconds)"
        if status == -signal.SIGKILL:
            return f"the judge was killed (its memory limit is {self.limits.memory_bytes // MiB} MiB)"
        return f"the judge stopped (exit status {status}){': ' + tail if tail else ''}"

    def _stderr_tail(self):
        try:
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, self._stderr.tell() - 300))
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            return lines[-1] if lines else ""
        except (OSError, ValueError):
            return ""

    def _stop(self):
        process, self._process = self._process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._sent = set()

    def close(self):
        if os.getpid() == self.owner:  # a forked child never stops its parent's service
            with self._lock:
                self._stop()


_services: dict[str, Service] = {}  # module -> its service in this process
_services_lock = threading.Lock()


def service(module, limits=None):
    """This process's service for ``module`` (made here; a forked child makes its own).

    ``limits``: None keeps the service's limits (the defaults for a new one).
    """
    with _services_lock:
        current = _services.get(module)
        if current is None or current.owner != os.getpid():
            current = _services[module] = Service(module, limits or Limits.from_settings())
        elif limits is not None:
            current.reconfigure(limits)
        return current


# --- inside the confined process -------------------------------------------------------------
def _read_message(stream):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    size = HEADER.unpack(header)[0]
    if size > MAX_REQUEST_BYTES:
        raise ValueError("too large")
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def _cpu_used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38  # linux/prctl.h


def _drop_privileges(uid):
    """Become ``uid`` (and gid ``uid``) for good: no groups, no capabilities, no_new_privs."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for capability in range(last + 1):  # empty the bounding set while we may (CAP_SETPCAP)
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability from the bounding set")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a user: the permitted and effective sets are cleared
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot set no_new_privs")
    if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
        raise OSError("the privileges were not dropped")


def _limit_self(memory_bytes):
    """Lower this process's limits for good (never above what it was given: only root may raise them)."""
    for limit, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 64),
    ):
        hard = resource.getrlimit(limit)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def serve(handle, warm_up=None, argv=None):
    """The service loop: ``handle(message, shared)`` answers each request with a dict.

    Called as ``python -I -m module --serve MEMORY_BYTES CPU_SECONDS [UID]``. ``warm_up()``
    runs first (it should import and exercise everything ``handle`` uses), then the
    process becomes UID (when given) and limits itself, and only then reads requests. A
    MemoryError is answered as such and the process then exits (the next request gets a
    fresh one); running out of CPU time ends it by SIGXCPU.
    """
    memory_bytes, cpu_seconds, *uid = (int(value) for value in (argv or sys.argv)[2:5])
    if warm_up is not None:
        warm_up()
    if uid:
        _drop_privileges(uid[0])
    _limit_self(memory_bytes)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    shared = {}
    while True:
        try:
            data = _read_message(stdin)
        except ValueError:
            answer = {"error": "too large"}
        except MemoryError:  # the request alone fills the limit (how soon depends on the libraries' own memory)
            answer = {"error": "memory"}
        else:
            if data is None:
                return
            soft = math.ceil(_cpu_used()) + cpu_seconds
            resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))
            answer = _answer(handle, data, shared)
        payload = json.dumps(answer, separators=(",", ":")).encode()
        stdout.write(HEADER.pack(len(payload)) + payload)
        stdout.flush()
        if "error" in answer:
            return


def _answer(handle, data, shared):
    try:
        message = json.loads(data)
        del data
        key = message.pop("shared_key", None)
        if "shared" in message:
            if len(shared) >= SHARED_KEPT:
                shared.clear()
            shared[key] = message.pop("shared")
        if key is not None and key not in shared:
            return {"resend": True}
        return handle(message, shared.get(key))
    except MemoryError:
        return {"error": "memory"}
    except Exception as error:  # noqa: BLE001 - said to the caller, who reports it for this submission
        return {"error": f"{type(error).__name__}: {error}"}
