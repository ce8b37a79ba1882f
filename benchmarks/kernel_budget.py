"""One kernel's CPU bomb beside another kernel's work: with and without a cgroup budget per kernel.

Two sandboxed kernels run at once, as two grading workers do: one forks eight processes
that spin until its cell time limit; the other runs the same CPU-bound cell again and
again. The second kernel's cell time is measured (nbclient's execution timestamps) alone,
beside the bomb with each kernel in a cgroup of its own (c.Autograder.kernel_cpus = 1),
and beside the bomb with limits per process only (c.Autograder.process_tree_budget =
False). Prints the medians and, as its last line,
`alone_s: A budget_s: B no_budget_s: C slowdown_budget: B/A slowdown_no_budget: C/A`.

Run as root from the repository root: .venv/bin/python benchmarks/kernel_budget.py
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402
from traitlets.config import Config  # noqa: E402

from autograder import cgroups  # noqa: E402
from autograder.notebook_limits import LimitedNotebookClient  # noqa: E402
from autograder.sandbox import SandboxedKernelManager  # noqa: E402

WORK = "total = 0\nfor i in range(4_000_000):\n    total += i * i"
BOMB = (
    "import os\nfor _ in range(8):\n    if os.fork() == 0:\n        while True:\n            pass\n"
    "while True:\n    pass"
)


def run(cells, budget, cell_timeout):
    """Execute ``cells`` in a sandboxed kernel; the executed notebook."""
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    config = Config({"Autograder": {"process_tree_budget": budget, "notebook_timeout": 600}})
    with tempfile.TemporaryDirectory(prefix="kernel-budget-") as folder:
        LimitedNotebookClient(
            nb,
            kernel_name="python3",
            timeout=cell_timeout,
            allow_errors=True,
            record_timing=True,
            config=config,
            kernel_manager_class=SandboxedKernelManager,
            resources={"metadata": {"path": folder}},
        ).execute()
    return nb


def cell_seconds(nb):
    stamps = [cell.metadata.execution for cell in nb.cells]
    return [(_stamp(s["shell.execute_reply"]) - _stamp(s["iopub.execute_input"])).total_seconds() for s in stamps]


def _stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def measured(cells, budget, with_bomb, bomb_seconds):
    """Median seconds of the work cells, with a bomb kernel beside them or not."""
    bomb = None
    if with_bomb:
        bomb = subprocess.Popen([sys.executable, __file__, "--bomb", str(bomb_seconds), "--budget", str(int(budget))])
        time.sleep(8)  # the bomb's kernel starts and forks
    try:
        seconds = cell_seconds(run([WORK] * cells, budget, cell_timeout=120))
    finally:
        if bomb is not None:
            bomb.wait()
    return statistics.median(seconds), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=7)
    parser.add_argument("--bomb", type=float, help=argparse.SUPPRESS)  # run only the bomb kernel, this long
    parser.add_argument("--budget", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bomb:
        run([BOMB], bool(args.budget), cell_timeout=int(args.bomb))
        return
    if os.geteuid() != 0:
        raise SystemExit("run as root: kernels are sandboxed and cgroups need root")
    if cgroups.machine_hierarchy() is None:
        raise SystemExit("this machine offers no cgroup hierarchy with memory, pids and cpu")
    alone, _ = measured(args.cells, True, False, 0)
    bomb_seconds = 8 + 4 * alone * args.cells + 20
    budget, budget_all = measured(args.cells, True, True, bomb_seconds)
    no_budget, no_budget_all = measured(args.cells, False, True, bomb_seconds)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {args.cells} cells of the same work")
    print(f"alone:                          {alone:.2f} s median")
    print(f"beside a CPU bomb, cgroups:     {budget:.2f} s median ({', '.join(f'{s:.2f}' for s in budget_all)})")
    print(f"beside a CPU bomb, no cgroups:  {no_budget:.2f} s median ({', '.join(f'{s:.2f}' for s in no_budget_all)})")
    print(
        f"alone_s: {alone:.2f} budget_s: {budget:.2f} no_budget_s: {no_budget:.2f} "
        f"slowdown_budget: {budget / alone:.2f} slowdown_no_budget: {no_budget / alone:.2f}"
    )


if __name__ == "__main__":
    main()
