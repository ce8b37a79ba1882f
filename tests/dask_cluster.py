"""A real Dask cluster for the tests: `dask scheduler` and `dask worker` as separate processes.

Workers run without a nanny, one thread each, in this virtualenv (so the project is
importable), unless the test gives a worker its own PYTHONPATH. Only the processes
started here are stopped or killed, by their ids.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from distributed import Client

DASK = str(Path(sys.executable).with_name("dask"))


class DaskCluster:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.scheduler_file = self.folder / "scheduler.json"
        self.scheduler = None
        self.workers = []

    def _start(self, args, log, env=None):
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen(
                [DASK, *args], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )

    def start_scheduler(self, port=0, **config):
        """Start the scheduler; ``config``: Dask settings for it, e.g. work_stealing=False."""
        self.scheduler_file.unlink(missing_ok=True)
        env = dict(
            os.environ, **{f"DASK_DISTRIBUTED__SCHEDULER__{key.upper()}": str(value) for key, value in config.items()}
        )
        self.scheduler = self._start(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
                "--scheduler-file",
                str(self.scheduler_file),
            ],
            "scheduler.log",
            env,
        )
        deadline = time.time() + 60
        while not self._listening():
            assert self.scheduler.poll() is None and time.time() < deadline, (self.folder / "scheduler.log").read_text()
            time.sleep(0.1)
        return self.address

    def _listening(self):
        """The scheduler has written its whole file (it writes it after it starts listening)
        and accepts connections."""
        try:
            host, port = self.address.removeprefix("tcp://").rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=5).close()
        except (OSError, ValueError, KeyError):  # no file yet, half of it, or not listening yet
            return False
        return True

    @property
    def address(self):
        return json.loads(self.scheduler_file.read_text())["address"]

    def start_workers(self, count, pythonpath=None):
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = str(pythonpath)
        for _ in range(count):
            self.workers.append(
                self._start(
                    [
                        "worker",
                        self.address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        f"worker{len(self.workers)}",
                    ],
                    f"worker{len(self.workers)}.log",
                    env,
                )
            )
        self.wait_for_workers(len([w for w in self.workers if w.poll() is None]))

    def wait_for_workers(self, count):
        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=120)

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def close(self):
        for process in self.workers + [self.scheduler]:
            if process is not None and process.poll() is None:
                self.kill(process)
