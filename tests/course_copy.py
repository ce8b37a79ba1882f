"""A throw-away copy of the course directory, released, in which tests may grade."""

import subprocess
import sys
from pathlib import Path

from autograder.course import copy_instructor_files

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "fc_nets"
NOTEBOOK = "FullyConnectedNets"


def copy_course(target):
    """Copy what an instructor's course directory holds (no gradebook, no submissions)."""
    copy_instructor_files(str(REPO_ROOT), str(target))
    return Path(target)


def run_autograder(course_root, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=course_root, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_nbgrader(course_root, *args):
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course_root, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result
