"""One memory, CPU and process budget for a whole process tree: a cgroup per kernel.

Resource limits (``prlimit``) bound each process on its own: a kernel that forks four
children gets four address spaces, and a fork or CPU bomb takes every core. A cgroup
bounds the tree as a whole: its memory (swap included), its number of tasks, and its
CPU time per period (``cpus`` cores at most), whatever it forks.

Both kinds of cgroup file system are supported, whichever the machine offers:

- cgroup v2 (one hierarchy, usually at /sys/fs/cgroup, with the memory, cpu and pids
  controllers): ``memory.max`` with ``memory.swap.max = 0``, ``pids.max``, ``cpu.max``;
- cgroup v1 (one hierarchy per controller, e.g. /sys/fs/cgroup/memory):
  ``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes`` where swap is accounted,
  ``pids.max``, ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``.

Each budget is a new cgroup below the one this process runs in (so it stays inside
whatever bounds the machine put on us); on cgroup v2, where a cgroup holding processes
cannot hand controllers to new children, below the hierarchy's root instead. A process
enters its budget before it runs anything: ``wrap`` puts a tiny shell in front of the
command that writes its own pid into the cgroup and then ``exec``s the command, so
there is no moment when the process (or anything it forks) runs outside it.

Where cgroups cannot be used (not Linux, not root, no controller, a read-only
hierarchy), ``ProcessTreeBudget.create`` returns None and says once, in the log, that
limits then apply per process only.
"""

import functools
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass

CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "autograder-"
CPU_PERIOD_US = 100_000
# Writes its pid into every file before "--", then becomes the command after it.
ENTER_AND_EXEC = 'for f do shift; [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; done; exec "$@"'
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hierarchy:
    version: int  # 1 or 2
    bases: dict  # controller -> the folder new cgroups are made in (v2: the same folder for all)


def _mounts(mountinfo="/proc/self/mountinfo"):
    """(mount point, root inside the hierarchy, fstype, super options) of every cgroup mount."""
    mounts = []
    with open(mountinfo) as f:
        for line in f:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                mounts.append((fields[4].replace("\\040", " "), fields[3], tail[0], set(tail[2].split(","))))
    return mounts


def _own_paths(proc_cgroup="/proc/self/cgroup"):
    """controller (or "" for cgroup v2) -> this process's cgroup path."""
    paths = {}
    with open(proc_cgroup) as f:
        for line in f:
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) == 3:
                for controller in parts[1].split(",") if parts[1] else [""]:
                    paths[controller] = parts[2]
    return paths


def _folder(mount_point, mount_root, path):
    """Where the cgroup ``path`` appears under a mount of the hierarchy rooted at ``mount_root``."""
    if mount_root != "/" and (path == mount_root or path.startswith(mount_root + "/")):
        path = path[len(mount_root) :]
    folder = os.path.normpath(os.path.join(mount_point, path.lstrip("/")))
    return folder if os.path.isdir(folder) else mount_point


def _v2_base(mount_point, own):
    """A cgroup v2 folder whose children get the three controllers: our own cgroup when it
    already delegates them, else the hierarchy's root (which may hold processes)."""
    for base in (own, mount_point):
        try:
            with open(os.path.join(base, "cgroup.subtree_control")) as f:
                enabled = set(f.read().split())
            missing = [c for c in CONTROLLERS if c not in enabled]
            if missing:
                with open(os.path.join(base, "cgroup.subtree_control"), "w") as f:
                    f.write(" ".join(f"+{c}" for c in missing))
            return base
        except OSError:
            continue
    return None


def find_hierarchy(mountinfo="/proc/self/mountinfo", proc_cgroup="/proc/self/cgroup"):
    """The cgroup hierarchy this machine offers with memory, pids and cpu, or (None, why not)."""
    try:
        mounts, own = _mounts(mountinfo), _own_paths(proc_cgroup)
    except OSError as error:
        return None, f"cannot read the process's cgroups ({error.strerror})"
    for point, root, kind, _ in mounts:
        if kind != "cgroup2":
            continue
        try:
            with open(os.path.join(point, "cgroup.controllers")) as f:
                available = set(f.read().split())
        except OSError:
            continue
        if set(CONTROLLERS) <= available:
            base = _v2_base(point, _folder(point, root, own.get("", "/")))
            if base is None:
                return None, f"cannot enable the {', '.join(CONTROLLERS)} controllers under {point}"
            return Hierarchy(2, {c: base for c in CONTROLLERS}), ""
    bases = {}
    for point, root, kind, options in mounts:
        for controller in CONTROLLERS:
            if kind == "cgroup" and controller in options and controller not in bases:
                bases[controller] = _folder(point, root, own.get(controller, "/"))
    missing = [c for c in CONTROLLERS if c not in bases]
    if missing:
        return None, f"no cgroup hierarchy with the {', '.join(missing)} controller(s)"
    return Hierarchy(1, bases), ""


def _write(folder, name, value):
    with open(os.path.join(folder, name), "w") as f:
        f.write(str(value))


def _limit_files(hierarchy, memory, pids, cpus):
    """controller -> [(file, value)] in the order they must be written."""
    quota = int(cpus * CPU_PERIOD_US)
    if hierarchy.version == 2:
        return {
            "memory": [("memory.max", memory), ("memory.swap.max", 0)],
            "pids": [("pids.max", pids)],
            "cpu": [("cpu.max", f"{quota} {CPU_PERIOD_US}")],
        }
    return {
        "memory": [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)],
        "pids": [("pids.max", pids)],
        "cpu": [("cpu.cfs_period_us", CPU_PERIOD_US), ("cpu.cfs_quota_us", quota)],
    }


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def left_by_dead_process(folder, prefix):
    """The paths of ``folder``'s entries named ``<prefix><pid>-...`` whose owner pid is no
    longer alive: what a process that died left behind (budgets here, kernels' private folders
    in sandbox.py). An entry of a live process, or any other name, is never listed; an
    unreadable folder lists nothing."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    left = []
    for name in names:
        owner = name[len(prefix) :].split("-", 1)[0]
        if name.startswith(prefix) and owner.isdigit() and not _alive(int(owner)):
            left.append(os.path.join(folder, name))
    return left


def _sweep(base):
    """Remove empty budgets left by processes that died without removing them."""
    for path in left_by_dead_process(base, PREFIX):
        try:
            os.rmdir(path)
        except OSError:
            pass  # still holds processes, or not ours to remove


@functools.lru_cache(maxsize=1)
def machine_hierarchy():
    """The hierarchy to use here, or None; the first call logs why there is none."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        hierarchy, why = None, "making cgroups needs root"
    else:
        hierarchy, why = find_hierarchy()
    if hierarchy is None:
        log.warning(
            "No cgroup budget per kernel (%s): memory, CPU and process limits apply to each "
            "process on its own, not to a kernel's process tree as a whole.",
            why,
        )
    else:
        for base in set(hierarchy.bases.values()):
            _sweep(base)
    return hierarchy


class ProcessTreeBudget:
    """A cgroup (one per controller on v1) bounding a process tree's memory, tasks and CPU."""

    def __init__(self, hierarchy, folders):
        self.hierarchy = hierarchy
        self.folders = folders  # one per controller (the same folder on v2)

    @classmethod
    def create(cls, memory, pids, cpus=1.0, hierarchy=None):
        """A new budget, or None where cgroups cannot be used (logged once)."""
        hierarchy = hierarchy or machine_hierarchy()
        if hierarchy is None:
            return None
        name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        made, folders = [], {}
        try:
            for controller in CONTROLLERS:
                folder = os.path.join(hierarchy.bases[controller], name)
                if folder not in made:
                    os.mkdir(folder, 0o755)
                    made.append(folder)
                folders[controller] = folder
            for controller, files in _limit_files(hierarchy, memory, pids, cpus).items():
                for file, value in files:
                    if os.path.exists(os.path.join(folders[controller], file)):
                        _write(folders[controller], file, value)
                    elif file not in ("memory.memsw.limit_in_bytes", "memory.swap.max"):  # no swap accounting
                        raise OSError(f"{file} is missing")
        except OSError as error:
            for folder in reversed(made):
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
            log.warning("Could not make a cgroup budget for a kernel (%s): its limits apply per process.", error)
            return None
        return cls(hierarchy, folders)

    @property
    def procs_files(self):
        return sorted({os.path.join(folder, "cgroup.procs") for folder in self.folders.values()})

    def wrap(self, command):
        """``command`` started inside this budget (a shell enters it, then execs the command)."""
        return ["/bin/sh", "-c", ENTER_AND_EXEC, "sh", *self.procs_files, "--", *command]

    def pids(self):
        found = set()
        for path in self.procs_files:
            try:
                with open(path) as f:
                    found |= {int(line) for line in f if line.strip()}
            except OSError:
                pass
        return found

    def remove(self, wait=2.0):
        """Kill whatever still runs inside, then remove the cgroup(s)."""
        deadline = time.monotonic() + wait
        for folder in sorted(set(self.folders.values())):
            while True:
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        log.warning("Could not remove the cgroup %s: processes are still inside", folder)
                        break
                    for pid in self.pids():
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                    time.sleep(0.05)
