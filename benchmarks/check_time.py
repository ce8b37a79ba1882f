"""A student's `autograder check`, the JupyterLab extension's Check and `autograder --help`,
side by side with the notebook's own cell time.

The student's notebook is the release with the reference pasted in, in a folder of its
own outside the course (as a student has it). Its cell time is measured from nbclient's
execution timestamps (first cell started to last cell finished, in the same kernel
setup `check` uses); `check` and `--help` are timed as whole commands, as a student
waits for them. The extension's check is timed as the browser waits for it: a real
`jupyter server` with the extension, serving the student's folder; the notebook is
"opened" (POST /autograder/api/check/prepare, as the frontend does), the student works
for --think seconds, then POST /autograder/api/check is timed to its answer. Prints
medians of --repeat runs and, as its last line, `check_s: X cells_s: Y overhead_s: Z
help_s: W extension_s: E extension_overhead_s: O` (goals: Z <= 1, W <= 0.5, O <= 0.5).

Run from the repository root: .venv/bin/python benchmarks/check_time.py
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from autograder.authoring.library import paste_reference  # noqa: E402
from autograder.environments import QUIET_KERNEL, kernel_environment  # noqa: E402
from autograder.grading.check import student_kernel_manager  # noqa: E402

ASSIGNMENT, NOTEBOOK = "fc_nets", "FullyConnectedNets"
AUTOGRADER = [sys.executable, "-m", "autograder"]


def student_copy(folder):
    """The release as a student has it, with the reference solutions pasted in."""
    target = folder / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, target)
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(target / f"{NOTEBOOK}.ipynb", 4)
    nbformat.write(paste_reference(released, source), target / f"{NOTEBOOK}.ipynb")
    return target / f"{NOTEBOOK}.ipynb"


def _stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_seconds(path):
    """First cell started to last cell finished, from nbclient's timestamps."""
    nb = nbformat.read(path, 4)
    NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        record_timing=True,
        extra_arguments=QUIET_KERNEL,
        resources={"metadata": {"path": str(path.parent)}},
        **student_kernel_manager(),
    ).execute(env=kernel_environment())
    timings = [
        cell.metadata.execution for cell in nb.cells if cell.cell_type == "code" and "execution" in cell.metadata
    ]
    return (_stamp(timings[-1]["shell.execute_reply"]) - _stamp(timings[0]["iopub.execute_input"])).total_seconds()


def command_seconds(args, cwd):
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[2:])} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return seconds, result.stdout


class ExtensionServer:
    """`jupyter server` with the autograder extension, serving ``root`` (a student's folder)."""

    def __init__(self, root):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.log = open(Path(root).parent / "server.log", "wb")
        command = [
            str(Path(sys.executable).with_name("jupyter")),
            "server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.jpserver_extensions={'autograder.server': True}",
        ]
        self.process = subprocess.Popen(
            command, cwd=root, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                self.call("GET", "/api/status")
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("jupyter server did not start") from None
                time.sleep(0.25)

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=900) as response:
            return json.loads(response.read() or b"null")

    def check_seconds(self, path, think):
        """Open the notebook (prepare), think, then time the check; (seconds, result)."""
        self.call("POST", "/autograder/api/check/prepare", {"path": path})
        time.sleep(think)
        started = time.perf_counter()
        result = self.call("POST", "/autograder/api/check", {"path": path})
        return time.perf_counter() - started, result

    def close(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--think", type=float, default=10.0, help="seconds between opening the notebook and pressing Check (default 10)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="check-time-") as scratch:
        notebook = student_copy(Path(scratch) / "work")
        server = ExtensionServer(Path(scratch) / "work")
        try:
            cells, checks, helps, extension = [], [], [], []
            for _ in range(args.repeat):
                cells.append(cell_seconds(notebook))
                seconds, output = command_seconds(AUTOGRADER + ["check", str(notebook)], scratch)
                checks.append(seconds)
                helps.append(command_seconds(AUTOGRADER + ["--help"], scratch)[0])
                seconds, result = server.check_seconds(f"{ASSIGNMENT}/{NOTEBOOK}.ipynb", args.think)
                extension.append(seconds)
        finally:
            server.close()
        print(output.splitlines()[0])
        print(f"extension: {result['passed']} passed, {result['failed']} failed")
    check_s, cells_s, help_s, extension_s = (statistics.median(values) for values in (checks, cells, helps, extension))
    print(f"{args.repeat} runs each; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"autograder check (student): {check_s:.2f} s median ({min(checks):.2f} to {max(checks):.2f})")
    print(f"the notebook's own cells:   {cells_s:.2f} s median ({min(cells):.2f} to {max(cells):.2f})")
    print(
        f"extension's Check (warm):   {extension_s:.2f} s median ({min(extension):.2f} to {max(extension):.2f}), "
        f"{extension_s / cells_s:.2f}x the cells, {extension_s / check_s:.2f}x autograder check"
    )
    print(f"autograder --help:          {help_s:.2f} s median")
    print(
        f"check_s: {check_s:.2f} cells_s: {cells_s:.2f} overhead_s: {check_s - cells_s:.2f} help_s: {help_s:.2f} "
        f"extension_s: {extension_s:.2f} extension_overhead_s: {extension_s - cells_s:.2f}"
    )


if __name__ == "__main__":
    main()
