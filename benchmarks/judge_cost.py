"""What confining the judge costs: one notebook judged in the confined service and in this process.

The notebooks are the synthetic class's (benchmarks/synthetic.py): the executed notebook a
worker hands to the judge, with one record per check, over 40 profiles of passes and
failures. Each is judged by ``judge.judge_notebook`` twice, side by side: through the
judge service (an unprivileged process with memory and CPU limits, JSON over a pipe) and
with the same computation done in this process (the service's request handler called
directly, as the judge ran before it was confined). Also measured: the service's start-up
(until its first answer; once per worker process, overlapping the first kernel) and its
peak memory. Prints medians and, as its last line,
`in_process_ms: A confined_ms: B overhead_ms: B-A start_s: S peak_mib: M`.

Run from the repository root: .venv/bin/python benchmarks/judge_cost.py [--course RELEASED_COURSE]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
# Single-threaded numerics here too, as in the service: the comparison is of confinement alone.
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from batch_grade import make_course  # noqa: E402
from synthetic import PROFILES, SyntheticClass  # noqa: E402

import autograder.judge as judging  # noqa: E402
from autograder.confinement import Limits, Service  # noqa: E402
from autograder.course import Course  # noqa: E402


class InProcess:
    """A stand-in for the service: the same request handler, called in this process."""

    def request(self, message, shared=None):
        return judging._serve_request(message, shared)


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def judged_ms(service, notebooks, bundle_cells):
    """(milliseconds per notebook, the verdicts) of judging each notebook with ``service``."""
    judging.service = lambda module: service
    times, verdicts = [], []
    for nb in notebooks:
        copy = nbformat.from_dict(nb)
        started = time.perf_counter()
        judging.judge_notebook(copy, bundle_cells)
        times.append(1000 * (time.perf_counter() - started))
        verdicts.append(judging.verdicts_in_notebook(copy))
    return times, verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", help="an already released course (default: release a fresh copy)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="judge-cost-") as scratch:
        root = Path(args.course) if args.course else Path(scratch) / "course"
        if not args.course:
            make_course(root, 0)
        synthetic = SyntheticClass(Course(root))
        bundle_cells = synthetic.bundle_cells
        notebooks = [synthetic._executed(p, np.random.default_rng(p)) for p in range(PROFILES)]
        starts = []
        for _ in range(5):
            service = Service(judging.SERVICE_MODULE, Limits.from_settings())
            started = time.perf_counter()
            judging.judge_checks_confined([], [], service)
            starts.append(time.perf_counter() - started)
            service.close()
        service = Service(judging.SERVICE_MODULE, Limits.from_settings())
        in_process, confined = [], []
        for _ in range(args.rounds):  # alternating, so that both see the same machine
            times, expected = judged_ms(InProcess(), notebooks, bundle_cells)
            in_process += times
            times, verdicts = judged_ms(service, notebooks, bundle_cells)
            confined += times
            if verdicts != expected:
                raise SystemExit("the confined judge's verdicts differ from the in-process ones")
        peak = peak_mib(service._process.pid)
        service.close()
    a, b, start = statistics.median(in_process), statistics.median(confined), statistics.median(starts)
    print(
        f"{len(notebooks)} notebooks x {args.rounds} rounds; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"judging one notebook in this process: {a:.1f} ms median")
    print(f"judging one notebook confined:        {b:.1f} ms median (max {max(confined):.0f} ms)")
    print(f"service start-up to first answer:     {start:.2f} s median of 5 (once per worker process)")
    print(f"service peak memory (RSS):            {peak:.0f} MiB")
    print(
        f"in_process_ms: {a:.1f} confined_ms: {b:.1f} overhead_ms: {b - a:.1f} start_s: {start:.2f} "
        f"peak_mib: {peak:.0f}"
    )


if __name__ == "__main__":
    main()
