"""One notebook's checker, started ahead of the student's click: ``python -m autograder.server.warm``.

The server starts one when a notebook is opened (``POST /autograder/api/check/prepare``).
It pays every fixed cost up front: importing the checking code, and for a student's check
starting the kernel, in the same sandbox and on the same copy of the notebook's folder
that ``autograder check`` would use (``grading/check.py``). Then it waits on stdin. When
the student presses Check, the server writes ``check`` and this process runs the check
through ``check_contract`` with that kernel (only the cells and the judging are left),
writes the result as one JSON line, shuts the kernel down and exits: a kernel is never
reused after a check ran in it. It also exits, killing its kernel, when the server closes
stdin (the notebook was closed, the server stopped) or after ``--keep`` idle seconds.

Protocol (JSON lines on stdout): ``{"ready": true, "kernel": bool}`` once prepared, then
``{"result": {...}}`` or ``{"error": "<one line>", "status": <http status>}``.
"""

import argparse
import hashlib
import json
import os
import select
import sys
import tempfile


def _say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def folder_digest(folder):
    """A digest of the files a kernel's working copy is made of (notebooks left out)."""
    from ..files import read_regular_files

    digest = hashlib.sha256()
    for name, data in sorted(read_regular_files(folder).files.items()):
        if not name.endswith(".ipynb"):
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


SCRATCH_PREFIX = "autograder-check-"


def sweep_dead_scratch(folder=None):
    """Remove the kernels' working copies that warm checkers killed without cleanup left in
    ``folder`` (the temp folder): each is named after its owner's pid, and only those whose owner
    is dead go (``cgroups.left_by_dead_process``). A server killed with its checkers would
    otherwise leave a copy of a student's folder behind for each notebook open at the time."""
    import shutil

    from ..cgroups import left_by_dead_process

    for path in left_by_dead_process(folder or tempfile.gettempdir(), SCRATCH_PREFIX):
        shutil.rmtree(path, ignore_errors=True)


class WarmKernel:
    """A student's kernel started on a private copy of the notebook's folder, as check_as_student starts it."""

    def __init__(self, notebook):
        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        from ..environments import QUIET_KERNEL, kernel_environment
        from ..files import read_regular_files, write_files
        from ..grading.check import student_kernel_manager

        # nbformat compiles its JSON schema on first use (0.1 s): here, not during the check.
        nbformat.validate(nbformat.v4.new_notebook())
        self.folder = os.path.dirname(os.path.abspath(notebook))
        self.digest = folder_digest(self.folder)
        sweep_dead_scratch()
        self._scratch = tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        write_files(self._scratch.name, read_regular_files(self.folder).files)
        manager_class = student_kernel_manager().get("kernel_manager_class", AsyncKernelManager)
        self.km = manager_class(kernel_name="python3")
        run_sync(self.km.start_kernel)(extra_arguments=QUIET_KERNEL, cwd=self._scratch.name, env=kernel_environment())
        client = self.km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
        finally:
            client.stop_channels()

    def still_fits(self):
        """False when the folder changed since the kernel's copy was made (then check cold)."""
        return folder_digest(self.folder) == self.digest

    def close(self):
        from jupyter_core.utils import run_sync

        try:
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self._scratch.cleanup()


def _wait_for_command(keep):
    ready, _, _ = select.select([sys.stdin], [], [], keep)
    return sys.stdin.readline().strip() if ready else ""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.server.warm")
    parser.add_argument("notebook")
    parser.add_argument("--course", help="the course directory (an instructor's check), if any")
    parser.add_argument("--keep", type=float, default=600.0, help="idle seconds before giving up")
    parser.add_argument("--now", action="store_true", help="check at once, without waiting for a command")
    args = parser.parse_args(argv)

    sys.modules.setdefault("rfc3987_syntax", None)  # as the CLI does: 0.7 s of nbformat's import
    from ..checks import PUBLIC_CHECKS_FILE
    from ..course import Course
    from ..errors import AutograderError
    from ..grading.check import check_contract

    course = Course(args.course) if args.course else None
    kernel = None
    try:
        # Only an assignment's notebook (its public checks beside it) is worth a kernel: any
        # other notebook opened in JupyterLab costs nothing until someone presses Check.
        beside = os.path.join(os.path.dirname(os.path.abspath(args.notebook)), PUBLIC_CHECKS_FILE)
        if course is None and not args.now and os.path.isfile(beside):
            try:
                kernel = WarmKernel(args.notebook)
            except Exception as problem:  # noqa: BLE001 - the check itself will say what is wrong, cold
                print(f"autograder: no warm kernel ({problem}); the check will start its own", file=sys.stderr)
        _say({"ready": True, "kernel": kernel is not None})
        if not args.now and _wait_for_command(args.keep) != "check":
            return 0
        if kernel is not None and not kernel.still_fits():
            kernel.close()
            kernel = None
        try:
            result = check_contract(args.notebook, course, km=kernel.km if kernel else None)
            _say({"result": result})
        except AutograderError as error:
            _say({"error": str(error), "status": 422})
        return 0
    finally:
        if kernel is not None:
            kernel.close()


if __name__ == "__main__":
    sys.exit(main())
