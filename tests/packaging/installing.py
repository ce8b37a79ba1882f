"""Running the fresh installation's programs so that they see nothing but that installation."""

import os
import subprocess
import sys
from pathlib import Path


def run(command, **options):
    """Run ``command``; fail with the end of its output when it fails."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **options)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def isolated_env(venv):
    """The environment of a process that must see only the fresh installation ``venv``.

    Its bin folder replaces the test environment's on PATH (tests/conftest.py puts ours first),
    and PYTHONPATH, PYTHONHOME and VIRTUAL_ENV are dropped, so nothing can be imported from the
    repository or from the test environment.
    """
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    ours = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join(
        [str(Path(venv) / "bin")]
        + [folder for folder in env.get("PATH", "").split(os.pathsep) if folder and folder != ours]
    )
    return env
