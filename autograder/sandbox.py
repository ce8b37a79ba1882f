"""Student kernels inside bubblewrap: what student code can see, touch and use.

``SandboxedKernelManager`` is a jupyter_client kernel manager; nbgrader's
``Execute`` takes it through ``c.Execute.kernel_manager_class`` (set in
nbgrader_config.py), so ``autograder grade``, ``autograder check`` and plain
``nbgrader autograde`` all start student kernels this way:

- a new mount namespace with a read-only system (/usr, /etc, the Python
  installation and its virtualenv) and nothing else of the host: not the course
  directory, the reference ``course`` package, source_assignments/, grading_bundle/,
  the gradebook, or other submissions;
- a private working copy: the regular files of the folder it was asked to run in
  (never links, special files or notebooks, which under plain nbgrader would hold the
  restored hidden tests) copied into a fresh size-limited tmpfs of its own. The kernel
  never runs in, and so never plants anything in, a folder the grader later writes
  to (under plain ``nbgrader autograde`` that folder is the course's autograded/).
  That copy and a private /tmp are the only writable places;
- no network (a new network namespace), its own PID, IPC and UTS namespaces, a new
  session; it dies with its launcher;
- run as an unprivileged user of its own (a fresh uid per kernel, so limits on
  processes never pool between submissions) with resource limits on each process:
  address space, CPU seconds, processes, file size and open files;
- one budget for its whole process tree, where the machine allows (cgroups.py): a
  cgroup of its own, entered before bwrap starts, bounding the memory (swap included),
  the tasks and the CPU cores of everything the kernel forks, removed when it stops;
- a minimal environment; the Jupyter connection uses unix sockets (the ``ipc``
  transport) in a short private folder, the only channel in or out; its path never
  depends on the course's path or the student's id (unix socket paths are limited
  to 107 bytes).

Where bubblewrap is missing, kernels refuse to start with a message saying what
to install; ``AUTOGRADER_UNSAFE_NO_SANDBOX=1`` (``autograder grade
--unsafe-no-sandbox``) runs them unconfined instead, for machines where that is an
accepted risk.
"""

import functools
import os
import random
import shutil
import subprocess
import sys
import tempfile

import psutil

from .cgroups import ProcessTreeBudget, left_by_dead_process
from .errors import SandboxUnavailable
from .files import read_regular_files, write_files
from .notebook_limits import CappedKernelManager

UNSAFE_ENV = "AUTOGRADER_UNSAFE_NO_SANDBOX"
# How nbgrader runs the notebook (autograde, validate), and the machine's BLAS settings: passed on to kernels.
KERNEL_ENVIRONMENT = (
    "NBGRADER_EXECUTION",
    "NBGRADER_VALIDATING",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
)
SANDBOX_UIDS = (200_000, 300_000)  # unprivileged ids that no real account uses
PRIVATE_PREFIX = "ag-"  # then the owner's pid: ag-<pid>-<random>


def sandbox_disabled():
    return os.environ.get(UNSAFE_ENV) == "1"


def check_sandbox_available():
    """Raise SandboxUnavailable unless bubblewrap can confine kernels here."""
    if sandbox_disabled():
        return
    missing = [tool for tool in ("bwrap", "prlimit", "setpriv") if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(
            f"Cannot sandbox student kernels: {', '.join(missing)} not found. Install bubblewrap "
            "(Debian/Ubuntu: apt-get install bubblewrap util-linux) or, only if you accept "
            "running student code unconfined, pass --unsafe-no-sandbox "
            f"(or set {UNSAFE_ENV}=1)."
        )
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "Cannot sandbox student kernels: the sandbox switches each kernel to an unprivileged "
            "user of its own, which needs root. Run grading as root, or pass --unsafe-no-sandbox "
            f"(or set {UNSAFE_ENV}=1) to run student code unconfined."
        )


def _ancestors(path):
    """'/a/b/c' -> ['/a', '/a/b']: the folders bubblewrap must create to bind at path."""
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _readable_parents(paths, existing=()):
    """--dir arguments creating every missing parent as 0755 (bwrap would make it 0700)."""
    args, made = [], set(existing)
    for path in paths:
        for folder in _ancestors(path):
            if folder not in made:
                args += ["--perms", "0755", "--dir", folder]
                made.add(folder)
    return args


# Plots in graded notebooks are drawn at 60 dpi (matplotlib's default is 100): still legible
# in formgrader and on feedback pages, and about a third of the bytes, which were most of a
# graded notebook's size. A notebook that sets its own dpi keeps it.
GRADED_MATPLOTLIBRC = "figure.dpi: 60\n"


@functools.lru_cache(maxsize=1)
def _font_caches():
    """matplotlib's font cache files on this machine (built once here if missing).

    A kernel starts with an empty private /tmp; without a copy of the cache, every
    kernel would rebuild it on its first plot import (a third of a second).
    """
    import matplotlib.font_manager  # noqa: F401 - importing builds the cache
    from matplotlib import get_cachedir

    folder = get_cachedir()
    return [os.path.join(folder, name) for name in os.listdir(folder) if name.startswith("fontlist")]


def _chown_tree(folder, uid):
    for current, _dirs, files in os.walk(folder):
        os.chown(current, uid, uid)
        for name in files:
            os.chown(os.path.join(current, name), uid, uid, follow_symlinks=False)


def _mount_tmpfs(folder, size):
    """Mount a tmpfs of ``size`` bytes on ``folder``; False where we may not (not root)."""
    if os.geteuid() != 0:
        return False
    command = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", folder]
    return subprocess.run(command, capture_output=True).returncode == 0


def _short_temp_root():
    """A folder for the private working copies, short enough for unix socket paths."""
    return "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


def _new_private_folder(root):
    """A private folder named after this process (``ag-<pid>-...``), so that a later process
    can tell it was left behind by one that died."""
    return tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-", dir=root)


def sweep_left_private_folders(root):
    """Remove the private folders, and unmount their scratch tmpfs, of processes that died
    without cleaning up (a grading worker killed mid-kernel never runs its cleanup: each
    would leave a folder and a mount behind for good). Folders of live processes stay."""
    for folder in left_by_dead_process(root, PRIVATE_PREFIX):
        work = os.path.join(folder, "work")
        if os.path.ismount(work):
            subprocess.run(["umount", "--lazy", work], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@functools.lru_cache(maxsize=1)
def _sweep_once(root):
    sweep_left_private_folders(root)


class SandboxedKernelManager(CappedKernelManager):
    """An AsyncKernelManager whose kernels start inside bubblewrap (see the module docstring);
    its clients refuse messages over the output cap (``CappedKernelManager``).

    Its limits are ``c.Autograder``'s (memory_limit, cpu_seconds, max_processes,
    max_file_size, tmp_size, scratch_size, kernel_cpus, process_tree_budget).
    """

    _budget = None  # the kernel's ProcessTreeBudget, while it runs

    async def _async_pre_start_kernel(self, **kw):
        if sandbox_disabled():
            return await super()._async_pre_start_kernel(**kw)
        check_sandbox_available()
        self._uid = random.randrange(*SANDBOX_UIDS)
        _sweep_once(_short_temp_root())
        self._private = _new_private_folder(_short_temp_root())
        self._workdir = os.path.join(self._private, "work")
        self._kernel_dir = os.path.join(self._private, "kernel")
        os.mkdir(self._workdir)
        self._mounted = _mount_tmpfs(self._workdir, self.settings.scratch_size)
        if self.settings.process_tree_budget:
            self._budget = ProcessTreeBudget.create(
                self.settings.memory_limit, self.settings.max_processes, self.settings.kernel_cpus
            )
        self._copy_working_folder(os.path.abspath(kw.get("cwd") or os.getcwd()))
        kw["cwd"] = self._workdir
        # The kernel's only way out: unix sockets of its own, beside its connection file.
        self.transport = "ipc"
        self.ip = os.path.join(self._kernel_dir, "ipc")
        self.connection_file = os.path.join(self._kernel_dir, "connection.json")
        self._matplotlib_dir = os.path.join(self._kernel_dir, "matplotlib")
        os.makedirs(self._matplotlib_dir)
        for cache in _font_caches():
            shutil.copy(cache, self._matplotlib_dir)
        with open(os.path.join(self._matplotlib_dir, "matplotlibrc"), "w") as rc:
            rc.write(GRADED_MATPLOTLIBRC)
        return await super()._async_pre_start_kernel(**kw)

    def _copy_working_folder(self, source):
        """The regular files of ``source`` (no notebooks) into the private working copy."""
        contents = read_regular_files(source, max_total_bytes=self.settings.scratch_size)
        write_files(self._workdir, {name: data for name, data in contents.files.items() if not name.endswith(".ipynb")})
        for refused in contents.refused:
            self.log.warning("not copied into the kernel's working folder: %s", refused)

    def format_kernel_cmd(self, extra_arguments=None):
        """The kernel command wrapped in bwrap; called once the connection file exists."""
        command = super().format_kernel_cmd(extra_arguments)
        if sandbox_disabled():
            return command
        for folder in (self._workdir, self._kernel_dir):  # the kernel's user owns both
            _chown_tree(folder, self._uid)
        command = self._bwrap_arguments() + ["--"] + self._limits() + command
        return self._budget.wrap(command) if self._budget is not None else command

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._budget is not None and not restart:
            self._budget.remove()
            self._budget = None
        private = getattr(self, "_private", None)
        if private is not None and not restart:
            if self._mounted:
                subprocess.run(["umount", "--lazy", self._workdir], capture_output=True)
            shutil.rmtree(private, ignore_errors=True)
            self._private = None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if not sandbox_disabled():
            # The kernel's own console chatter ("To connect another client ...") is not
            # a cell output; cell outputs travel over the Jupyter channels.
            kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_signal_kernel(self, signum):
        """Signal the processes inside the sandbox (interrupts, in particular).

        bubblewrap starts its child in a new session, so the default (signalling the
        launcher's process group) would never reach the kernel.
        """
        if sandbox_disabled():
            return await super()._async_signal_kernel(signum)
        pid = getattr(self.provisioner, "pid", None)
        if pid is None:
            return None
        try:
            inside = psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return None
        for process in inside:
            try:
                process.send_signal(signum)
            except psutil.NoSuchProcess:
                pass
        return None

    def _limits(self):
        return [
            "setpriv",
            f"--reuid={self._uid}",
            f"--regid={self._uid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "prlimit",
            f"--as={self.settings.memory_limit}",
            f"--cpu={self.settings.cpu_seconds}",
            f"--nproc={self.settings.max_processes}",
            f"--fsize={self.settings.max_file_size}",
            "--nofile=1024",
            "--core=0",
            "--",
        ]

    def _bwrap_arguments(self):
        args = [
            "bwrap",
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
        ]
        systems = [path for path in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64") if os.path.exists(path)]
        pythons = sorted({os.path.realpath(sys.base_prefix), os.path.abspath(sys.prefix)})
        for system in systems:
            args += ["--ro-bind", system, system]
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            # The private /tmp comes before every other bind: the Python environment
            # and the working directory may themselves live under /tmp.
            "--perms",
            "1777",
            "--size",
            str(self.settings.tmp_size),
            "--tmpfs",
            "/tmp",
        ]
        args += _readable_parents(pythons + [self._workdir, self._kernel_dir], existing=systems + ["/tmp"])
        for python in pythons:
            args += ["--ro-bind", python, python]
        for writable in (self._workdir, self._kernel_dir):
            args += ["--bind", writable, writable]
        args += ["--chdir", self._workdir, "--clearenv"]
        environment = {
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "MPLCONFIGDIR": self._matplotlib_dir,
            "IPYTHONDIR": "/tmp/ipython",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        # How nbgrader runs the notebook (autograde, validate), and the machine's BLAS settings, unchanged.
        for name in KERNEL_ENVIRONMENT:
            if name in os.environ:
                environment[name] = os.environ[name]
        for name, value in environment.items():
            args += ["--setenv", name, value]
        return args
