"""`autograder grade --scheduler` on a real cluster: `dask scheduler` and `dask worker` processes.

Up-front checks fail fast in one line (no scheduler, no worker, a worker that cannot
run or would grade differently); a worker killed mid-batch still leaves every
submission graded exactly once, and Dask prints nothing; a scheduler killed at any
moment of a batch, or every worker gone for good, stops the run with our one line and
exit status 75, and the rerun on a new cluster finishes with nothing lost or
duplicated; long submissions are spread over idle workers rather than queued behind
each other.
"""

import json
import shutil
import socket
import subprocess
import sys
import time

import nbformat
import pytest
from class_builder import write_class
from dask_cluster import DaskCluster
from support import ASSIGNMENT, GRADING_LIMITS, NOTEBOOK, REPO_ROOT, by_student, clone, grades

from autograder.authoring.library import paste_reference
from autograder.grading.cluster import LOST_GRACE

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(tmp_path):
    cluster = DaskCluster(tmp_path / "dask")
    yield cluster
    cluster.close()


def grade_on(root, address, *extra):
    return [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        ASSIGNMENT,
        "--scheduler",
        address,
        "--json",
        *GRADING_LIMITS,
        *extra,
    ]


def one_line_error(result, *words):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("autograder: ") and all(word in lines[0] for word in words), lines[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_states(root, count, process, timeout=300):
    """Wait until ``count`` submissions are recorded (state files), while ``process`` runs."""
    deadline = time.time() + timeout
    while len(list((root / "autograded").glob(f"*/{ASSIGNMENT}/.autograder.json"))) < count:
        assert process.poll() is None and time.time() < deadline, "the batch ended or stalled too early"
        time.sleep(0.2)


def students_once(result):
    """student -> entry of a --json run, checking that no student appears twice."""
    students = [entry["student"] for entry in json.loads(result.stdout)["students"]]
    assert len(students) == len(set(students)), students
    return by_student(result)


def test_an_unreachable_scheduler_is_one_line_within_seconds(released_course, tmp_path):
    root = clone(released_course, tmp_path / "course")
    write_class(root)
    started = time.time()
    result = subprocess.run(
        grade_on(root, f"tcp://127.0.0.1:{free_port()}"), cwd=root, capture_output=True, text=True, timeout=120
    )
    one_line_error(result, "cannot reach a Dask scheduler")
    assert time.time() - started < 40
    assert not (root / "autograded").exists()


def test_a_scheduler_without_workers_is_one_line_within_seconds(released_course, tmp_path, cluster):
    root = clone(released_course, tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler()
    started = time.time()
    result = subprocess.run(grade_on(root, address), cwd=root, capture_output=True, text=True, timeout=120)
    one_line_error(result, "no Dask worker is alive", address)
    assert time.time() - started < 40


def test_workers_that_cannot_run_or_would_grade_differently_are_refused(released_course, tmp_path, cluster):
    root = clone(released_course, tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler()
    other = tmp_path / "other"  # the project at another version: one line of the judge differs
    shutil.copytree(REPO_ROOT / "autograder", other / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "autograder" / "judge.py", "a") as f:
        f.write("\n# a later version\n")
    cluster.start_workers(1, pythonpath=other)
    result = subprocess.run(grade_on(root, address), cwd=root, capture_output=True, text=True, timeout=180)
    one_line_error(result, "differs from this grader", "autograder code")

    cluster.close()
    address = cluster.start_scheduler()
    broken = tmp_path / "broken"  # a worker without the project (or a broken install of it)
    (broken / "autograder").mkdir(parents=True)
    (broken / "autograder" / "__init__.py").write_text("raise ImportError('no autograder here')\n")
    cluster.start_workers(1, pythonpath=broken)
    result = subprocess.run(grade_on(root, address), cwd=root, capture_output=True, text=True, timeout=180)
    one_line_error(result, "cannot run the autograder", "install this project")
    assert not list((root / "autograded").glob("*/*/.autograder.json"))


def test_a_worker_killed_mid_batch_leaves_every_submission_graded_once(graded_class, tmp_path, cluster):
    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler()
    cluster.start_workers(2)
    with open(tmp_path / "out.json", "w+") as out, open(tmp_path / "err.txt", "w+") as err:
        process = subprocess.Popen(grade_on(root, address), cwd=root, stdout=out, stderr=err, text=True)
        wait_for_states(root, 3, process)  # empty and misplaced folders first, then a graded one
        cluster.kill(cluster.workers[0])
        assert process.wait(timeout=600) == 2  # some submission could not be graded
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(process.args, 1, out.read(), err.read())
    assert all(
        # and the run's warning that no exchange folder shows when batch_norm and dropout went out
        line.startswith(("autograder: could not be graded: ", "autograder: not collected: ", "autograder: warning: "))
        for line in result.stderr.splitlines()
    ), result.stderr
    students = students_once(result)
    assert {s: o["status"] for s, o in students.items()} == {
        s: o["status"] for s, o in by_student(graded_class[1]).items()
    }
    assert grades(root) == grades(graded_class[0])
    workers = {json.loads(p.read_text())["worker"] for p in root.glob(f"autograded/*/{ASSIGNMENT}/.autograder.json")}
    assert len(workers - {""}) >= 1


def test_a_submission_whose_worker_dies_for_good_is_reported_and_the_batch_goes_on(graded_class, tmp_path, cluster):
    """With retries switched off on the scheduler, the submission on a killed worker fails at
    once: it is reported, the others are graded, and the next run grades it."""
    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler(allowed_failures=0)
    cluster.start_workers(2)
    with open(tmp_path / "out.json", "w+") as out:
        process = subprocess.Popen(grade_on(root, address), cwd=root, stdout=out, stderr=subprocess.DEVNULL)
        wait_for_states(root, 2, process)
        cluster.kill(cluster.workers[0])
        assert process.wait(timeout=600) == 2  # some submission could not be graded
        out.seek(0)
        result = subprocess.CompletedProcess(process.args, 1, out.read(), "")
    students = students_once(result)
    lost = {s for s, o in students.items() if o["status"] == "error"}
    assert len(lost) == 1, students
    assert "the Dask workers running this submission died" in students[lost.pop()]["message"]
    reference = by_student(graded_class[1])
    assert {s: o["status"] for s, o in students.items() if o["status"] != "error"} == {
        s: o["status"] for s, o in reference.items() if students[s]["status"] != "error"
    }

    cluster.start_workers(1)
    again = subprocess.run(grade_on(root, address), cwd=root, capture_output=True, text=True, timeout=600)
    assert {s: o["status"] for s, o in students_once(again).items() if o["status"] != "unchanged"} == {
        s: reference[s]["status"] for s, o in students.items() if o["status"] in ("error", "not collected")
    }
    assert grades(root) == grades(graded_class[0])


# `autograder grade` that kills the Dask scheduler (its process group) at one moment of the run, chosen by
# patching the call that marks it: argv = moment, scheduler pid, file to note what was killed at, grade's argv.
GRADE_AND_KILL = """
import os, signal, sys, time
from distributed import Client
from autograder import cli
from autograder.grading.cluster import ClusterPool
from autograder.grading.writer import GradebookWriter

moment, scheduler, note, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]

def kill_scheduler(what):
    os.killpg(scheduler, signal.SIGKILL)
    while open(f"/proc/{scheduler}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX":
        time.sleep(0.01)  # until it is dead (a zombie: the test reaps it)
    with open(note, "w") as f:
        f.write(what)

def kill_at(cls, name, count, before):
    original, calls = getattr(cls, name), []
    def patched(self, *args, **kwargs):
        calls.append(getattr(args[0], "student", name) if args else name)
        if before and len(calls) == count:
            kill_scheduler(calls[-1])
        result = original(self, *args, **kwargs)
        if not before and len(calls) == count:
            kill_scheduler(calls[-1])
        return result
    setattr(cls, name, patched)

kill_at(*{"before the first result": (ClusterPool, "submit", 1, False),
          "in a request to the scheduler": (Client, "nthreads", 3, True),
          "while a result is recorded": (GradebookWriter, "add", 1, True)}[moment])
sys.exit(cli.main(argv))
"""
MOMENTS = [
    "before the first result",
    "in a request to the scheduler",
    "while a result is recorded",
    "while results are awaited",
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_scheduler_killed_at_any_moment_ends_in_one_line_then_a_rerun_finishes_the_batch(
    graded_class, tmp_path, cluster, moment
):
    """Whenever the scheduler dies, the run stops within seconds, its only line on stderr (nothing of
    Dask's before or after it) says so, the exit status is 75, what arrived is recorded, and the
    rerun on a new cluster grades the rest: nothing lost, nothing twice."""
    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler()
    cluster.start_workers(2)
    note = tmp_path / "killed-at.txt"
    command = grade_on(root, address)
    if moment != "while results are awaited":
        command[1:3] = ["-c", GRADE_AND_KILL, moment, str(cluster.scheduler.pid), str(note)]
    with open(tmp_path / "err.txt", "w+") as err:
        process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=err, text=True)
        if moment == "while results are awaited":
            wait_for_states(root, 3, process)  # mid-batch: the grader waits on the workers
            cluster.kill(cluster.scheduler)
            note.write_text("killed from outside")
        assert process.wait(timeout=120) == 75, (tmp_path / "err.txt").read_text()  # stops, never hangs
        killed = note.stat().st_mtime
        assert time.time() - killed < 90
        err.seek(0)
        lines = err.read().strip().splitlines()
    assert len(lines) == 1 and lines[0] == (
        f"autograder: lost the connection to the Dask scheduler at {address}; every submission graded so far is "
        "recorded: run the command again once the scheduler is back."
    ), lines
    recorded = {p.parent.parent.name for p in root.glob(f"autograded/*/{ASSIGNMENT}/.autograder.json")}
    reference = by_student(graded_class[1])
    assert len(recorded) < len(reference) - 1  # mid-batch (one is never recorded)
    if moment == "while a result is recorded":  # what had arrived when the scheduler died is recorded
        assert note.read_text() in recorded

    cluster.close()
    address = cluster.start_scheduler()
    cluster.start_workers(2)
    result = subprocess.run(grade_on(root, address), cwd=root, capture_output=True, text=True, timeout=600)
    students = students_once(result)
    assert {s for s, o in students.items() if o["status"] == "unchanged"} == recorded
    assert {s: o["status"] for s, o in students.items() if s not in recorded} == {
        s: o["status"] for s, o in reference.items() if s not in recorded
    }
    assert grades(root) == grades(graded_class[0])


def test_a_cluster_left_without_workers_stops_the_run_in_one_line(graded_class, tmp_path, cluster):
    """Its only worker killed mid-batch and none back within LOST_GRACE seconds: the run stops with
    our one line on stderr and exit status 75, what was graded staying recorded."""
    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    address = cluster.start_scheduler()
    cluster.start_workers(1)
    with open(tmp_path / "err.txt", "w+") as err:
        process = subprocess.Popen(grade_on(root, address), cwd=root, stdout=subprocess.DEVNULL, stderr=err)
        wait_for_states(root, 3, process)
        recorded = set(root.glob(f"autograded/*/{ASSIGNMENT}/.autograder.json"))
        cluster.kill(cluster.workers[0])
        assert process.wait(timeout=180) == 75, (tmp_path / "err.txt").read_text()
        err.seek(0)
        lines = err.read().strip().splitlines()
    assert lines == [
        f"autograder: no Dask worker has been alive at {address} for {LOST_GRACE} s; every submission "
        "graded so far is recorded: start workers and run the command again."
    ]
    assert recorded <= set(root.glob(f"autograded/*/{ASSIGNMENT}/.autograder.json"))


def test_long_submissions_go_to_idle_workers_instead_of_queueing(released_course, tmp_path, cluster):
    """In name order a long, a short, a long and a short submission: the second long one must
    start on the worker the short one freed, not wait behind the first long one. Without work
    stealing (a scheduler setting), only handing out work on demand guarantees that."""
    root = clone(released_course, tmp_path / "course")
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    slow = nbformat.from_dict(pasted)
    slow.cells[:0] = [nbformat.v4.new_code_cell("import time\ntime.sleep(3)") for _ in range(5)]
    for student, nb in {"a_long": slow, "b_short": pasted, "c_long": slow, "d_short": pasted}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    address = cluster.start_scheduler(work_stealing=False)
    cluster.start_workers(2)
    result = subprocess.run(
        grade_on(root, address, "--cell-timeout", "120", "--notebook-timeout", "300"),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert all(entry["score"] == 32 for entry in students_once(result).values())
    state = {
        student: json.loads((root / "autograded" / student / ASSIGNMENT / ".autograder.json").read_text())
        for student in ("a_long", "c_long")
    }
    assert state["a_long"]["worker"] != state["c_long"]["worker"]
    assert min(s["timings"][NOTEBOOK]["execute"] for s in state.values()) > 15  # they were long
