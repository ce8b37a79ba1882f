"""The course lock: one writer per assignment, the holder named, --wait, a dead holder taken over.

The holders here are small Python processes taking the lock the way the CLI does;
tests/grading/test_course_lock.py runs two real `autograder grade` runs against each other.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.errors import CourseError
from autograder.lock import AssignmentLock, CourseLocked, current_holder, lock_path

HOLD = """
import sys, time
from autograder.lock import AssignmentLock
lock = AssignmentLock(sys.argv[1], "fc_nets", "autograder grade fc_nets").acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


def holder(root, seconds=60):
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(root), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    process = holder(tmp_path)
    try:
        with pytest.raises(CourseLocked) as refused:
            AssignmentLock(tmp_path, "fc_nets", "autograder rescore fc_nets").acquire()
        message = str(refused.value)
        assert f"autograder grade fc_nets (pid {process.pid} on " in message
        assert "has held it since" in message and "--wait" in message
        assert current_holder(tmp_path, "fc_nets").pid == process.pid
        # Other assignments are not locked.
        AssignmentLock(tmp_path, "other", "autograder grade other").acquire().release()
    finally:
        process.kill()
        process.wait()


def test_with_wait_the_second_writer_runs_after_the_first(tmp_path):
    process = holder(tmp_path, seconds=1.5)
    said = []
    started = time.monotonic()
    with AssignmentLock(tmp_path, "fc_nets", "autograder grade fc_nets", said.append).acquire(wait=True) as lock:
        assert process.wait(5) == 0  # the first one finished, then the lock was ours
        assert time.monotonic() - started >= 1.0
        assert said and said[0].startswith("waiting for the lock on fc_nets: autograder grade fc_nets (pid")
        assert lock.taken_over is None  # a clean release: nothing to take over
        assert current_holder(tmp_path, "fc_nets").pid == os.getpid()
    assert current_holder(tmp_path, "fc_nets") is None
    assert lock_path(tmp_path, "fc_nets") and open(lock_path(tmp_path, "fc_nets")).read() == ""


def test_a_holder_killed_with_kill_9_is_taken_over_saying_so(tmp_path):
    process = holder(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    said = []
    with AssignmentLock(tmp_path, "fc_nets", "autograder grade fc_nets", said.append) as lock:
        assert lock.taken_over.pid == process.pid
        assert said == [
            f"took over the lock on fc_nets from autograder grade fc_nets (pid {process.pid} on "
            f"{lock.taken_over.host}), which stopped without releasing it"
        ]


def test_lock_names_are_assignment_names_and_a_read_only_course_says_so(tmp_path):
    with pytest.raises(CourseError, match="not an assignment name"):
        AssignmentLock(tmp_path, "../x", "autograder grade")
    if os.geteuid() == 0:
        return  # root writes anywhere: the read-only case cannot be made here
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(CourseError, match="must be writable"):
            AssignmentLock(tmp_path, "fc_nets", "autograder grade fc_nets").acquire()
    finally:
        tmp_path.chmod(0o755)
