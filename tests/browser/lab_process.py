"""A real JupyterLab server for the browser tests, started and stopped like a service.

It is started the way the README tells people to start it (``jupyter lab``, as root, so
``--allow-root``), on a free port with a random token, with its own Jupyter config and
runtime folders: nothing in ~/.jupyter changes what a test sees, and a test's settings
(disabled extensions, workspaces) never reach anyone else's. It runs in its own process
group; stopping it terminates that group, then kills whatever it started that is still
alive (jupyter_client puts each kernel in a session of its own), so that no server or
kernel outlives the tests.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

JUPYTER = str(Path(sys.executable).with_name("jupyter"))
START_TIMEOUT = 120  # seconds; JupyterLab imports a lot, and CI's two cores are shared
STOP_TIMEOUT = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` run from ``cwd`` with extra command-line ``args``; ``home`` holds
    its config and runtime folders and its log."""

    def __init__(self, cwd, home, args=()):
        self.cwd, self.home = Path(cwd), Path(home)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = list(args)
        self.log_path = self.home / "jupyter.log"
        self.process = None

    def environment(self):
        """The environment of the server and of ``jupyter`` commands that configure it."""
        return dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            OMP_NUM_THREADS="1",
        )

    def jupyter(self, *args):
        """Run a ``jupyter`` subcommand against this server's config folder."""
        return subprocess.run(
            [JUPYTER, *args], cwd=self.cwd, env=self.environment(), check=True, capture_output=True, text=True
        )

    def start(self):
        command = [
            JUPYTER,
            "lab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--IdentityProvider.token={self.token}",
            *self.args,
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not start on port {self.port}:\n{self.log()[-3000:]}")
            time.sleep(0.25)
        return self

    def _answers(self):
        request = urllib.request.Request(f"{self.url}/api/status", headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        """Terminate the server's process group, then anything it started that is still alive."""
        if self.process is None or self.process.poll() is not None:
            return
        started = psutil.Process(self.process.pid).children(recursive=True)
        os.killpg(self.process.pid, signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for process in started:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT)[1]
        if alive:
            raise RuntimeError(f"processes left behind by JupyterLab: {[p.pid for p in alive]}")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
