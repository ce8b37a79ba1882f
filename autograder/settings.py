"""Our settings, configured in nbgrader_config.py beside nbgrader's own.

``c.Autograder.notebook_timeout = 600`` and friends: one traitlets class, so the
settings are read, validated and documented the way nbgrader's are, and each has
exactly one default. The per-cell limit stays nbgrader's ``c.Execute.timeout``.
"""

import os

from traitlets import Float, Integer, TraitError, validate
from traitlets.config import Configurable

MiB = 2**20


class Autograder(Configurable):
    """Limits and parallelism for grading student notebooks."""

    notebook_timeout = Float(
        600.0, help="Seconds one notebook may run in all before its kernel is killed."
    ).tag(config=True)
    max_output_bytes = Integer(
        20 * MiB, help="Output one notebook may produce (every message type counted); the kernel "
        "is stopped when it is reached."
    ).tag(config=True)
    workers = Integer(
        0, help="Local worker processes for `autograder grade` (0: one per core)."
    ).tag(config=True)
    scratch_size = Integer(
        512 * MiB, help="Size of the tmpfs holding one submission's scratch copy, bytes."
    ).tag(config=True)
    memory_limit = Integer(4 * 2**30, help="Address-space limit per kernel, bytes.").tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit per kernel, seconds.").tag(config=True)
    max_processes = Integer(256, help="Processes and threads per kernel.").tag(config=True)
    max_file_size = Integer(64 * MiB, help="Largest file a kernel may write, bytes.").tag(config=True)
    tmp_size = Integer(256 * MiB, help="Size of the kernel's private /tmp, bytes.").tag(config=True)

    @validate("notebook_timeout")
    def _positive_timeout(self, proposal):
        if proposal["value"] <= 0:
            raise TraitError(f"c.Autograder.notebook_timeout must be positive, got {proposal['value']}")
        return proposal["value"]

    @validate("workers")
    def _non_negative_workers(self, proposal):
        if proposal["value"] < 0:
            raise TraitError(f"c.Autograder.workers must be 0 (one per core) or more, got {proposal['value']}")
        return proposal["value"]

    @property
    def worker_count(self):
        return self.workers or os.cpu_count() or 1
