"""Our settings, configured in nbgrader_config.py beside nbgrader's own.

``c.Autograder.notebook_timeout = 600`` and friends: one traitlets class, so the
settings are read, validated and documented the way nbgrader's are, and each has
exactly one default. The per-cell limit stays nbgrader's ``c.Execute.timeout``.
"""

import os

from traitlets import Bool, Float, Integer, TraitError, validate
from traitlets.config import Configurable

MiB = 2**20


class Autograder(Configurable):
    """Limits and parallelism for grading student notebooks."""

    notebook_timeout = Float(600.0, help="Seconds one notebook may run in all before its kernel is killed.").tag(
        config=True
    )
    max_output_bytes = Integer(
        20 * MiB,
        help="Output one notebook may produce (every message type counted); the kernel is stopped when it is reached.",
    ).tag(config=True)
    workers = Integer(0, help="Local worker processes for `autograder grade` (0: one per core).").tag(config=True)
    scratch_size = Integer(512 * MiB, help="Size of the tmpfs holding one submission's scratch copy, bytes.").tag(
        config=True
    )
    memory_limit = Integer(
        4 * 2**30,
        help="Memory per kernel, bytes: the address-space limit of each of its processes and, "
        "where cgroups can be used, the limit of its whole process tree (swap included).",
    ).tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit per kernel process, seconds.").tag(config=True)
    max_processes = Integer(
        256, help="Processes and threads per kernel (its whole tree where cgroups can be used)."
    ).tag(config=True)
    kernel_cpus = Float(
        1.0,
        help="CPU cores a kernel's whole process tree may use at once (where cgroups "
        "can be used), so that forking never starves the other workers.",
    ).tag(config=True)
    process_tree_budget = Bool(
        True,
        help="Put each kernel's process tree in a cgroup of its own (memory_limit, max_processes, "
        "kernel_cpus) where the machine allows; without one, limits apply to each process on its own.",
    ).tag(config=True)
    judge_memory_limit = Integer(
        512 * MiB,
        help="Address-space limit of the process that judges recorded values (outside the "
        "kernel, unprivileged), bytes.",
    ).tag(config=True)
    judge_cpu_seconds = Integer(30, help="CPU seconds judging one notebook's recorded values may take.").tag(
        config=True
    )
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
