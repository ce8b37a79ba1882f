"""Fixtures of the packaging tests: the built distributions, and a fresh environment with the wheel.

Each is made once per test session, under pytest-xdist too (the first worker that needs it
makes it in the session's folder, under a lock, as tests/conftest.py does for the release):
installing the toolkit's dependencies into an empty environment is most of these tests' time.
Nothing is written into the repository: the builds read it and write to the session's folder.
"""

import fcntl
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from installing import isolated_env, run
from support import REPO_ROOT


def _made_once(tmp_path_factory, name, make):
    """``session folder/name``, made by ``make(folder)`` by the first test (of any xdist worker) that asks."""
    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session = session.parent  # the session's folder, above each worker's own
    folder = session / name
    with open(session / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".done").touch()
    return folder


@dataclass
class Distributions:
    sdist: Path  # `python -m build`: the sdist ...
    wheel: Path  # ... and the wheel built from that sdist, as an index's users get them
    tree_wheel: Path  # `python -m build --wheel`: what `pip install .` builds straight from a checkout


@pytest.fixture(scope="session")
def distributions(tmp_path_factory):
    """The project built by the PyPA's front end with its pinned build backend, in isolated
    build environments as anyone building it gets them."""

    def make(folder):
        run([sys.executable, "-m", "build", "--outdir", folder / "dist", REPO_ROOT])
        run([sys.executable, "-m", "build", "--wheel", "--outdir", folder / "tree", REPO_ROOT])

    folder = _made_once(tmp_path_factory, "distributions", make)
    [sdist] = (folder / "dist").glob("*.tar.gz")
    [wheel] = (folder / "dist").glob("*.whl")
    [tree_wheel] = (folder / "tree").glob("*.whl")
    return Distributions(sdist, wheel, tree_wheel)


@pytest.fixture(scope="session")
def installed(distributions, tmp_path_factory):
    """A fresh virtual environment (its folder) with the wheel installed, not editable, with
    constraints.txt, as the README says for a course image or a Dask worker.

    One shortcut, which changes nothing the tests look at: this environment's pip installs
    into it (``pip --python``), so the new environment gets no pip of its own and the test
    saves ensurepip's time. Byte-compiling stays on, as in any install: sandboxed kernels see
    the environment read-only and would otherwise compile numpy and matplotlib at every start.
    """

    def make(folder):
        venv = folder / "venv"
        run([sys.executable, "-m", "venv", "--without-pip", venv])
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                venv / "bin" / "python",
                "install",
                "--quiet",
                "-c",
                REPO_ROOT / "constraints.txt",
                distributions.wheel,
            ],
            env=isolated_env(venv),
            cwd=folder,
        )

    return _made_once(tmp_path_factory, "installed", make) / "venv"
