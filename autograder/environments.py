"""Environments for the processes we start: Jupyter kernels and nbgrader itself."""

import os
import sys

# One thread per numeric library: parallel kernels must not oversubscribe the cores.
SINGLE_THREADED = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


# ipykernel warns on every start that TCP is unencrypted; the kernel and its client share
# the machine (graded kernels use unix sockets in the sandbox). Errors still show.
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


def kernel_environment(extra=None):
    """This process's environment, single-threaded, plus ``extra``."""
    env = dict(os.environ)
    env.update(SINGLE_THREADED)
    env.update(extra or {})
    return env


def tool_environment():
    """This environment with our interpreter's bin folder first on PATH.

    nbgrader runs the ``alembic`` command of its own environment to check the
    gradebook's schema; called from a virtualenv that is not activated, it is only
    found this way.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env
