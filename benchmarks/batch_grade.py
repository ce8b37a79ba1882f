"""Batch grading: plain serial `nbgrader autograde` against `autograder grade`, in one run.

The same 40 submissions (the sample class's gradable ones, repeated to 40) are
graded three times, each into a fresh copy of the course with a fresh gradebook:
by `nbgrader autograde` (serial; with our nbgrader_config.py, so it judges and
sandboxes exactly as we do), by `autograder grade` (parallel workers, sandboxed),
and by `autograder grade --unsafe-no-sandbox` (to measure the sandbox's cost).
Prints the wall times, where our time goes, peak memory, the sandbox overhead, the
grading CPU-seconds per submission (every process of `autograder grade`: writer,
workers, sandboxes and kernels) over the notebook's own cell time (nbclient's
execution timestamps), and as its last line `speedup: X.XX scores identical: yes|no`.
With --only-ours it runs `autograder grade` alone and prints the CPU ratio last.

Run from the repository root: .venv/bin/python benchmarks/batch_grade.py
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import nbformat  # noqa: E402
import psutil  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from autograder.authoring.library import load_library  # noqa: E402
from autograder.course import Course, copy_instructor_files  # noqa: E402
from autograder.demo.sample_class import sample_class  # noqa: E402

ASSIGNMENT, NOTEBOOK = "fc_nets", "FullyConnectedNets"
# Plain nbgrader has no per-notebook limit: an infinite loop would cost it cells x cell timeout.
NOT_FOR_PLAIN_NBGRADER = {"infinite_loop", "broken_json"}


def make_course(target, count):
    """A course copy with ``count`` submissions, released (so the gradebook knows the cells)."""
    copy_instructor_files(str(REPO_ROOT), str(target))
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    subprocess.run(
        [sys.executable, "-m", "autograder", "release", ASSIGNMENT],
        cwd=target,
        env=env,
        check=True,
        capture_output=True,
    )
    source = nbformat.read(target / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(target / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    notebooks, _ = sample_class(source, released, load_library(Course(target), ASSIGNMENT))
    gradable = [nb for student, nb in sorted(notebooks.items()) if student not in NOT_FOR_PLAIN_NBGRADER]
    for number in range(count):
        folder = target / "submitted" / f"student{number:03d}" / ASSIGNMENT
        shutil.copytree(target / "release" / ASSIGNMENT, folder)
        nbformat.write(gradable[number % len(gradable)], folder / f"{NOTEBOOK}.ipynb")
    return env


def scores(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nn-first-principles") as gb:
        return {
            (student.id, grade.name): grade.auto_score
            for student in gb.students
            for grade in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id).grades
        }


class TreeCPU:
    """CPU seconds of a process and all its descendants (kernels in their sandboxes included),
    sampled every INTERVAL while it runs (each process's last fraction of an interval is
    missed): a kernel inside its PID namespace is not reaped by the grader, so the rusage
    of children would miss it altogether."""

    INTERVAL = 0.1

    def __init__(self, popen):
        self.root = psutil.Process(popen.pid)
        self.popen = popen
        self.latest = {}  # (pid, start time) -> (user + system seconds, inside a sandbox)

    def run(self):
        while self.popen.poll() is None:
            try:
                processes = [self.root] + self.root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            sandboxes = {p.pid for p in processes if self._name(p) == "bwrap"}
            for process in processes:
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        inside = any(parent.pid in sandboxes for parent in process.parents())
                        self.latest[(process.pid, process.create_time())] = (times.user + times.system, inside)
                except psutil.NoSuchProcess:
                    pass
            time.sleep(self.INTERVAL)
        self.popen.wait()
        return self

    @staticmethod
    def _name(process):
        try:
            return process.name()
        except psutil.NoSuchProcess:
            return ""

    @property
    def total(self):
        return sum(cpu for cpu, _ in self.latest.values())

    @property
    def kernels(self):
        return sum(cpu for cpu, inside in self.latest.values() if inside)


def timed(command, cwd, env):
    """(wall seconds, TreeCPU, CompletedProcess-like) of one command."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        popen = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        cpu = TreeCPU(popen).run()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(command, popen.returncode, out.read(), err.read())
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, cpu, result


def cell_seconds(notebook_path):
    """The notebook's own time: each code cell from execute_input to execute_reply (nbclient)."""
    total = 0.0
    for cell in nbformat.read(notebook_path, 4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            started = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            finished = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            total += (finished - started).total_seconds()
    return total


def cpu_ratio(root, cpu, count):
    """Grading CPU-seconds per submission over the mean cell time of the graded notebooks."""
    cells = [cell_seconds(path) for path in (root / "autograded").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.ipynb")]
    mean_cells = sum(cells) / len(cells)
    per_submission, kernels = cpu.total / count, cpu.kernels / count
    print(
        f"grading CPU per submission: {per_submission:.2f} s (kernels {kernels:.2f} s, writer and workers "
        f"{per_submission - kernels:.2f} s); notebook's own cell time: {mean_cells:.2f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return per_submission / mean_cells


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--only-ours", action="store_true", help="run `autograder grade` alone and print its CPU ratio (a quicker run)"
    )
    args = parser.parse_args(argv)
    if args.only_ours:
        with tempfile.TemporaryDirectory(prefix="batch-grade-") as scratch:
            root = Path(scratch) / "ours"
            env = make_course(root, args.submissions)
            seconds, cpu, result = timed(
                [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", str(args.workers), "--json"],
                root,
                env,
            )
            print(f"{args.submissions} submissions; {os.cpu_count()} cores; {args.workers} workers; {seconds:.1f} s")
            record_seconds = json.loads(result.stdout)["record_seconds"]
            print(f"recording in the one writer: {1000 * record_seconds / args.submissions:.1f} ms per submission")
            ratio = cpu_ratio(root, cpu, args.submissions)
            print(f"cpu_ratio: {ratio:.2f}")
        return

    with tempfile.TemporaryDirectory(prefix="batch-grade-") as scratch:
        plain_root, ours_root = Path(scratch) / "plain", Path(scratch) / "ours"
        unconfined_root = Path(scratch) / "unconfined"
        env = make_course(plain_root, args.submissions)
        make_course(ours_root, args.submissions)
        make_course(unconfined_root, args.submissions)
        print(f"{args.submissions} submissions; {os.cpu_count()} cores; ours with {args.workers} workers")

        plain_seconds, _, _ = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], plain_root, env)
        print(
            f"nbgrader autograde (serial): {plain_seconds:7.1f} s "
            f"({plain_seconds / args.submissions:.2f} s per submission)"
        )

        ours_seconds, ours_cpu, result = timed(
            [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", str(args.workers), "--json"],
            ours_root,
            env,
        )
        print(
            f"autograder grade:            {ours_seconds:7.1f} s "
            f"({ours_seconds / args.submissions:.2f} s per submission)"
        )

        unconfined_seconds, _, _ = timed(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                ASSIGNMENT,
                "--workers",
                str(args.workers),
                "--unsafe-no-sandbox",
            ],
            unconfined_root,
            env,
        )
        print(
            f"autograder grade, no sandbox:{unconfined_seconds:7.1f} s "
            f"(sandbox overhead {100 * (ours_seconds / unconfined_seconds - 1):+.1f}%)"
        )

        report = json.loads(result.stdout)
        students = report["students"]
        breakdown = {"sanitize": 0.0, "kernel_start": 0.0, "execute": 0.0}
        for state_file in (ours_root / "autograded").glob(f"*/{ASSIGNMENT}/.autograder.json"):
            for timing in json.loads(state_file.read_text())["timings"].values():
                for key in breakdown:
                    breakdown[key] += (timing or {}).get(key, 0.0)
        total = sum(breakdown.values())
        print(
            "where our worker time goes (summed over workers): "
            + ", ".join(f"{key} {value:.1f} s ({100 * value / total:.0f}%)" for key, value in breakdown.items())
        )
        print(
            f"recording in the one writer: {report['record_seconds']:.1f} s "
            f"({report['record_seconds'] / args.submissions:.2f} s per submission, while workers run)"
        )
        print(f"grading CPU over the notebook's own cell time: {cpu_ratio(ours_root, ours_cpu, args.submissions):.2f}x")
        print(f"graded: {sum(s['status'].startswith('graded') for s in students)} / {len(students)}")

        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory: largest single process {peak_children:.0f} MiB (this script {peak_self:.0f} MiB)")

        identical = scores(plain_root) == scores(ours_root) == scores(unconfined_root)
        print(f"speedup: {plain_seconds / ours_seconds:.2f} scores identical: {'yes' if identical else 'no'}")


if __name__ == "__main__":
    main()
