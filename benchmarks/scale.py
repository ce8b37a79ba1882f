"""The writer and rescoring at class scale: 2,000 graded submissions, no kernel.

Builds a released course copy, makes 2,000 worker results with benchmarks/synthetic.py
(the sample class's notebook, its records perturbed so that every check outcome
occurs), and feeds them straight to the writer (``GradebookWriter``) in groups, as
the batch grader does when results arrive together; then changes one check's
tolerance in the grading bundle and runs ``autograder rescore``'s code, and again
after changing every check's tolerance (every cell re-judged). It checks that the
gradebook holds what the judge decided, and prints the writer's submissions per
second and CPU per submission (for PostgreSQL, the server's CPU included), rescoring
seconds, the gradebook's size, the storage each submission keeps (its records file and
autograded notebooks, median; goal <= 0.3 MB) and peak memory; the last line is
`writer_ms_per_submission: X rescore_1000_s: Y` (goals: X <= 20, Y <= 10), with Y
for the tolerance change.

Run from the repository root: .venv/bin/python benchmarks/scale.py [--postgres]
(--postgres starts a throw-away server from the Debian package, as the tests do).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks"), str(REPO_ROOT / "tests")]
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])

import psutil  # noqa: E402
from batch_grade import make_course  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from sqlalchemy import text  # noqa: E402
from synthetic import ASSIGNMENT, NOTEBOOK, SyntheticClass  # noqa: E402

from autograder.course import Course  # noqa: E402
from autograder.grading.rescore import rescore  # noqa: E402
from autograder.grading.writer import GradebookWriter  # noqa: E402

MiB = 2**20


class ServerCPU:
    """CPU seconds used by a PostgreSQL server's processes, exited ones included (zero for SQLite)."""

    def __init__(self, db_url):
        self.folder = db_url.split("host=")[1] if "host=" in db_url else None

    def seconds(self):
        if self.folder is None:
            return 0.0
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and any(
                self.folder in part for part in process.info["cmdline"] or []
            ):
                times = process.cpu_times()
                total = times.user + times.system + times.children_user + times.children_system
                return total + sum(sum(child.cpu_times()[:2]) for child in process.children(recursive=True))
        raise SystemExit(f"no PostgreSQL server with its socket in {self.folder}")


def feed(synthetic, writer, count, group):
    """Give the writer ``count`` results, ``group`` at a time; (wall, CPU) seconds spent in the writer."""
    wall = cpu = 0.0
    for first in range(0, count, group):
        results = [
            (synthetic.job(f"student{n:05d}"), synthetic.run(n)) for n in range(first, min(count, first + group))
        ]
        started, started_cpu = time.perf_counter(), time.process_time()
        for job, run in results:
            writer.add(job, run)
        writer.flush()
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
    return wall, cpu


def check_gradebook(course, synthetic, count):
    """Every submission's score in the gradebook is what the judge decided for its profile."""
    expected = {}
    for number in range(count):
        run = synthetic.run(number).notebooks[NOTEBOOK]
        expected[f"student{number:05d}"] = sum(score or 0 for score in run.grades.values())
    with Gradebook(course.db_url, course.course_id) as gb:
        found = {s["student"]: s["score"] for s in gb.submission_dicts(ASSIGNMENT)}
    wrong = [
        s
        for s, score in expected.items()
        if abs(found.get(s, -1) - score) > 1e-9 and synthetic.run(int(s[7:])).notebooks[NOTEBOOK].notebook is not None
    ]
    if len(found) != count or wrong:
        raise SystemExit(f"gradebook does not hold what was judged: {len(found)} submissions, wrong: {wrong[:5]}")


def change_tolerances(course, cells):
    """Multiply the tolerance of the first check of each of ``cells`` (every cell: None) by ten."""
    path = Path(course.bundle_dir) / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(path.read_text())
    for cell, specs in bundle["cells"].items():
        if cells is None or cell in cells:
            for spec in specs if cells is None else specs[:1]:
                if "tol" in spec:
                    spec["tol"] = spec["tol"] * 10 or 1e-12
    path.write_text(json.dumps(bundle))


def gradebook_bytes(course):
    if course.db_url.startswith("sqlite:///"):
        return os.path.getsize(course.db_url[len("sqlite:///") :])
    with Gradebook(course.db_url, course.course_id) as gb:
        return gb.db.execute(text("select pg_database_size(current_database())")).scalar()


def kept_bytes_per_submission(root):
    """Median bytes a graded submission keeps: its records file and its autograded notebooks."""
    sizes = [
        sum(
            path.stat().st_size
            for path in folder.iterdir()
            if path.name == ".autograder-records.json" or path.suffix == ".ipynb"
        )
        for folder in root.glob(f"autograded/*/{ASSIGNMENT}")
    ]
    return statistics.median(sizes) if sizes else 0


def own_and_children_cpu():
    """CPU seconds of this process and its reaped children (rescoring's forked workers)."""
    return sum(sum(resource.getrusage(who)[:2]) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def timed_rescore(course, server):
    started, started_cpu, server_cpu = time.perf_counter(), own_and_children_cpu(), server.seconds()
    report = rescore(course, ASSIGNMENT, os.cpu_count() or 1)
    seconds = time.perf_counter() - started
    if report.problems:
        raise SystemExit(f"rescoring refused: {report.problems[:3]}")
    cpu = own_and_children_cpu() - started_cpu + server.seconds() - server_cpu
    return seconds, cpu, len(report.outcomes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--group", type=int, default=32, help="results recorded per flush (arriving together)")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL server, not SQLite")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        root = Path(scratch) / "course"
        if args.postgres:
            from postgres_server import postgres_server

            server_context = postgres_server(durable=True)
        else:
            server_context = nullcontext(None)
        with server_context as postgres:
            if postgres:
                os.environ["AUTOGRADER_DB_URL"] = postgres.create_database("scale")
            make_course(root, 0)
            course = Course(root)
            print(
                f"{args.submissions} submissions into {course.db_url.split('?')[0].split(':')[0]}; "
                f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
            )
            synthetic = SyntheticClass(course)
            for number in range(40):
                synthetic.run(number)  # every profile judged once, outside the timings
            server = ServerCPU(course.db_url)
            writer = GradebookWriter(synthetic.pipeline)
            server_before = server.seconds()
            wall, cpu = feed(synthetic, writer, args.submissions, args.group)
            cpu += server.seconds() - server_before
            writer.close()
            check_gradebook(course, synthetic, args.submissions)
            writer_ms = 1000 * cpu / args.submissions
            print(
                f"writer: {args.submissions / wall:.0f} submissions/s, {1000 * wall / args.submissions:.1f} ms "
                f"wall and {writer_ms:.1f} ms CPU per submission (groups of {args.group})"
            )

            change_tolerances(course, {"test_fc_net_scores"})
            seconds, rescore_cpu, rescored = timed_rescore(course, server)
            per_1000 = 1000 * seconds / rescored
            print(
                f"rescore after one tolerance change: {rescored} submissions in {seconds:.1f} s "
                f"({per_1000:.1f} s per 1000, {1000 * rescore_cpu / rescored:.1f} ms CPU each)"
            )
            change_tolerances(course, None)
            all_seconds, all_cpu, _ = timed_rescore(course, server)
            print(
                f"rescore after every tolerance changed: {all_seconds:.1f} s "
                f"({1000 * all_seconds / rescored:.1f} s per 1000, {1000 * all_cpu / rescored:.1f} ms CPU each)"
            )
            records = sum(p.stat().st_size for p in root.glob("autograded/*/*/.autograder-records.json"))
            print(f"gradebook: {gradebook_bytes(course) / MiB:.1f} MiB; records kept: {records / MiB:.0f} MiB")
            print(
                f"storage per submission (records + autograded notebook, median): "
                f"{kept_bytes_per_submission(root) / 1e6:.2f} MB"
            )
            print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
            print(f"writer_ms_per_submission: {writer_ms:.1f} rescore_1000_s: {per_1000:.1f}")


if __name__ == "__main__":
    main()
