"""The sandbox's own guarantees that need no full grading run."""

import base64
import os
import struct

import pytest

from autograder import sandbox


def test_missing_bubblewrap_stops_grading_with_what_to_install(monkeypatch):
    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None if tool == "bwrap" else "/usr/bin/" + tool)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap") as error:
        sandbox.check_sandbox_available()
    assert "--unsafe-no-sandbox" in str(error.value)


def test_the_opt_out_is_explicit(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None)
    monkeypatch.setenv(sandbox.UNSAFE_ENV, "1")
    sandbox.check_sandbox_available()  # no error: the instructor chose to run unconfined
    assert sandbox.sandbox_disabled()


def test_bubblewrap_command_hides_the_host_and_limits_the_kernel(tmp_path, monkeypatch):
    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    manager = sandbox.SandboxedKernelManager()
    manager._workdir, manager._kernel_dir, manager._uid = str(tmp_path / "work"), str(tmp_path / "kernel"), 250_000
    manager._matplotlib_dir = str(tmp_path / "kernel" / "matplotlib")
    command = manager._bwrap_arguments() + manager._limits()
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv", "--new-session"):
        assert flag in command
    binds = [command[i + 1] for i, arg in enumerate(command) if arg == "--bind"]
    assert binds == [str(tmp_path / "work"), str(tmp_path / "kernel")]  # the only writable host folders
    read_only = {command[i + 1] for i, arg in enumerate(command) if arg == "--ro-bind"}
    repository = os.path.dirname(os.path.dirname(os.path.abspath(sandbox.__file__)))
    assert repository not in read_only and os.path.join(repository, "course") not in read_only
    assert "--reuid=250000" in command and any(a.startswith("--as=") for a in command)
    # /tmp is private, and made before the working directory (which may live under /tmp) is bound.
    assert command.index("/tmp") < command.index("--bind")


def test_private_tmp_never_hides_an_environment_living_under_tmp(tmp_path, monkeypatch):
    """CI clones the repository (and its .venv) under /tmp: /tmp must be mounted first."""
    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    venv = str(tmp_path / "clone" / ".venv")
    monkeypatch.setattr(sandbox.sys, "prefix", venv)
    manager = sandbox.SandboxedKernelManager()
    manager._workdir, manager._kernel_dir, manager._uid = str(tmp_path / "work"), str(tmp_path / "kernel"), 250_000
    manager._matplotlib_dir = str(tmp_path / "kernel" / "matplotlib")
    command = manager._bwrap_arguments()
    tmpfs = command.index("--tmpfs")
    venv_bind = next(i for i, arg in enumerate(command) if arg == "--ro-bind" and command[i + 1] == venv)
    assert command[tmpfs + 1] == "/tmp" and tmpfs < venv_bind
    parents = [command[i + 1] for i, arg in enumerate(command) if arg == "--dir"]
    assert str(tmp_path / "clone") in parents  # created readable, not bwrap's 0700


FOUR_PROCESSES = """
import subprocess, sys
holder = "import time; b = bytearray(400 * 2**20); print('held', flush=True); time.sleep(5)"
children = [subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True) for _ in range(4)]
said = [child.stdout.readline().strip() == 'held' for child in children]
# Alive now with its 400 MiB: the OOM killer may have ended one after it said 'held'.
held = sum(ok and child.poll() is None for ok, child in zip(said, children))
print(f"{held} of 4 processes held 400 MiB each")
"""


def test_a_kernel_s_processes_share_one_memory_limit(tmp_path, monkeypatch):
    """Four processes of 400 MiB each under a 1 GiB kernel limit: each is under the per-process
    limit, together they are not. With a cgroup per kernel they cannot all hold it; without one
    (no cgroups on this machine) the limit is per process, as the log says."""
    from nbformat.v4 import new_code_cell, new_notebook
    from traitlets.config import Config

    from autograder import cgroups
    from autograder.notebook_limits import LimitedNotebookClient

    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    nb = new_notebook(cells=[new_code_cell(FOUR_PROCESSES), new_code_cell("print('the kernel goes on')")])
    config = Config({"Autograder": {"memory_limit": 2**30}})
    client = LimitedNotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        config=config,
        kernel_manager_class=sandbox.SandboxedKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    printed = "".join(output.get("text", "") for cell in nb.cells for output in cell.outputs)
    assert "the kernel goes on" in printed
    hierarchy = cgroups.machine_hierarchy()
    if hierarchy is None:
        assert "4 of 4 processes held" in printed
        return
    assert "4 of 4 processes held" not in printed and "of 4 processes held" in printed
    for base in set(hierarchy.bases.values()):  # the kernel's budget went with it
        assert not [n for n in os.listdir(base) if n.startswith(f"{cgroups.PREFIX}{os.getpid()}-")]


def test_graded_plots_are_drawn_at_the_graded_resolution(tmp_path, monkeypatch):
    """A graded notebook's figures are stored at 60 dpi, a third of the default's bytes."""
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.notebook_limits import LimitedNotebookClient

    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    plot = "%matplotlib inline\nimport matplotlib.pyplot as plt\nfig = plt.figure(figsize=(9, 11))\nprint(fig.dpi)\n"
    nb = new_notebook(cells=[new_code_cell(plot + "plt.plot([0, 1])\nplt.show()")])
    LimitedNotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        kernel_manager_class=sandbox.SandboxedKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = nb.cells[0].outputs
    assert outputs[0]["text"].strip() == "60.0"
    png = base64.b64decode(next(o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})))
    width, height = struct.unpack(">II", png[16:24])
    assert width <= 9 * 60 and height <= 11 * 60


LEAK_INTO_AN_EARLIER_OUTPUT = """
from IPython.display import display, update_display
handle = display({"text/plain": "placeholder"}, raw=True, display_id="slot")
"""
FROM_A_LATER_CELL = """
from IPython.display import display, update_display
update_display({"text/plain": "HIDDEN TEST SOURCE"}, raw=True, display_id="slot")
handle = display({"text/plain": "HIDDEN AGAIN"}, raw=True, display_id="slot")
"""


def test_a_later_cell_cannot_rewrite_an_earlier_cells_output(tmp_path):
    """A display update (or a new display with the same id) from a test cell would rewrite an
    output before the tests, which feedback pages show: outputs stay as first sent."""
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.notebook_limits import LimitedNotebookClient

    nb = new_notebook(cells=[new_code_cell(LEAK_INTO_AN_EARLIER_OUTPUT), new_code_cell(FROM_A_LATER_CELL)])
    LimitedNotebookClient(
        nb, kernel_name="python3", timeout=60, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    first = [output.get("data", {}).get("text/plain") for output in nb.cells[0].outputs]
    assert first == ["placeholder"]
    later = [output.get("data", {}).get("text/plain") for output in nb.cells[1].outputs]
    assert later == ["HIDDEN AGAIN"]  # a new display stays in its own cell, an update is dropped
    assert all("display_id" not in str(output) for cell in nb.cells for output in cell.outputs)


def test_private_folders_of_dead_processes_are_swept_and_their_scratch_unmounted(tmp_path):
    """A worker killed mid-kernel never cleans up: the next process removes what it left
    (its folder, and the tmpfs on its working copy) and leaves live processes' folders alone."""
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f"{sandbox.PRIVATE_PREFIX}{dead.pid}-abc"
    (left / "work").mkdir(parents=True)
    mounted = sandbox._mount_tmpfs(str(left / "work"), 1 << 20)
    (left / "work" / "scratch.txt").write_text("left behind")
    live = tmp_path / f"{sandbox.PRIVATE_PREFIX}{os.getpid()}-def"
    (live / "work").mkdir(parents=True)
    other = tmp_path / "ag-not-a-pid"
    other.mkdir()

    sandbox.sweep_left_private_folders(str(tmp_path))

    assert not left.exists()
    assert live.is_dir() and other.is_dir()
    if mounted:
        with open("/proc/self/mountinfo") as mounts:
            assert str(left) not in mounts.read()


SEND_RAW = """
k = get_ipython().kernel
k.session.send(k.iopub_socket, {kind!r}, {content!r}, parent=k.get_parent("shell"), ident=b"x")
"""
DEEP_OUTPUT = """
k = get_ipython().kernel
deep = {}
for _ in range(600):
    deep = {"d": deep}
k.session.send(k.iopub_socket, "display_data", {"data": {"application/json": deep}, "metadata": {}},
               parent=k.get_parent("shell"), ident=b"x")
"""
FORGED_REPLY = """
k = get_ipython().kernel
send = k.session.send
def forged(stream, kind, content=None, *args, **kwargs):
    if kind == "execute_reply":
        content = {"status": "error"}  # no ename, evalue or traceback, which nbgrader copies
    return send(stream, kind, content, *args, **kwargs)
k.session.send = forged
raise ValueError("x")
"""
KERNEL_MESSAGES = {
    "execution count a string": SEND_RAW.format(kind="execute_input", content={"code": "", "execution_count": "<img>"}),
    "stream text a dict": SEND_RAW.format(kind="stream", content={"name": "stdout", "text": {"not": "text"}}),
    "error name a number": SEND_RAW.format(kind="error", content={"ename": 5, "evalue": "v", "traceback": []}),
    "message type a number": SEND_RAW.format(kind=5, content={}),
    "status without its state": SEND_RAW.format(kind="status", content={}),
    "output nested 600 deep": DEEP_OUTPUT,
    "reply without its error": FORGED_REPLY,
}


@pytest.mark.parametrize("code", KERNEL_MESSAGES.values(), ids=KERNEL_MESSAGES.keys())
def test_a_kernel_message_the_grader_cannot_read_is_left_out_and_said(tmp_path, code):
    """nbclient copied an execute_input's count into the cell, raised on a stream whose text is
    not text, on a message without a type or a status without its state, and nbgrader on a reply
    without its error: the feedback page and formgrader then failed on the notebook, or the
    worker raised and the submission was recorded nowhere (twelfth and thirteenth red teams)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.execution import GuardedExecute

    nb = new_notebook(cells=[new_code_cell("1 + 1"), new_code_cell(code), new_code_cell("2 + 2")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = GuardedExecute(timeout=60, allow_errors=True)
    executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    nbformat.validate(nb)
    assert executor.status == "unreadable output", (executor.status, executor.message)
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "2"  # what came before is kept
