"""Two `autograder grade` runs on one course: the second is refused naming the first, or with
--wait runs after it; a run killed with kill -9 leaves a lock the next run takes over."""

import os
import signal
import subprocess
import sys
import time

import pytest
from class_builder import class_notebooks, write_submissions
from support import ASSIGNMENT, GRADING_LIMITS, by_student, clone

from autograder.lock import current_holder

pytestmark = pytest.mark.slow


def start_grade(root, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "1", "--json", *GRADING_LIMITS, *extra],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_holder(root, process, timeout=120):
    """The run holding the lock, once it has written who it is (between its flock and that
    write, ``current_holder`` answers an anonymous holder with pid 0)."""
    deadline = time.monotonic() + timeout
    while (holder := current_holder(root, ASSIGNMENT)) is None or holder.pid == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the grade run never took the lock"
        time.sleep(0.05)
    return holder


@pytest.fixture
def two_students(released_course, tmp_path):
    root = clone(released_course, tmp_path / "course")
    notebooks = class_notebooks(root)
    write_submissions(root, {student: notebooks[student] for student in ("ada", "cai")})
    return root


def test_a_second_grade_run_is_refused_naming_the_first_and_with_wait_runs_after_it(two_students):
    root = two_students
    first = start_grade(root)
    try:
        holder = wait_for_holder(root, first)
        assert holder.pid == first.pid and holder.command == f"autograder grade {ASSIGNMENT}"
        refused = subprocess.run(
            [sys.executable, "-m", "autograder", "grade", ASSIGNMENT],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        waiting = start_grade(root, "--wait")
        first_out, first_err = first.communicate(timeout=600)
        second_out, second_err = waiting.communicate(timeout=600)
    finally:
        for process in (first, locals().get("waiting")):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(
        f"autograder: {ASSIGNMENT} is locked: autograder grade {ASSIGNMENT} (pid {first.pid} on "
    )
    assert "has held it since" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert first.returncode == 0, first_err[-2000:]
    assert {s["status"] for s in by_student(subprocess.CompletedProcess([], 0, first_out)).values()} == {"graded"}
    # The waiting run said so, ran after the first one finished, and found nothing left to grade.
    assert waiting.returncode == 0, second_err[-2000:]
    assert (
        f"autograder: waiting for the lock on {ASSIGNMENT}: autograder grade {ASSIGNMENT} (pid {first.pid}"
        in second_err
    )
    assert {s["status"] for s in by_student(subprocess.CompletedProcess([], 0, second_out)).values()} == {"unchanged"}
    assert current_holder(root, ASSIGNMENT) is None


def test_a_run_killed_with_kill_9_leaves_a_lock_the_next_run_takes_over(two_students):
    root = two_students
    killed = start_grade(root)
    try:
        wait_for_holder(root, killed)
        os.kill(killed.pid, signal.SIGKILL)  # the holder only; what it started dies with its pipes
        killed.wait(30)
    finally:
        try:
            os.killpg(killed.pid, signal.SIGKILL)  # its workers and kernels, in its session
        except ProcessLookupError:
            pass
    after = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--json", *GRADING_LIMITS],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert after.returncode == 0, after.stderr[-2000:]
    assert (
        f"autograder: took over the lock on {ASSIGNMENT} from autograder grade {ASSIGNMENT} (pid {killed.pid} "
        in after.stderr
    )
    assert {s["status"] for s in by_student(after).values()} <= {"graded", "unchanged"}
