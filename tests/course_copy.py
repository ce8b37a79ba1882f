"""A throw-away copy of the course directory, released, in which tests may grade."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_FILES = ["nbgrader_config.py", "course", "source_assignments", "release", "grading"]
ASSIGNMENT = "fc_nets"
NOTEBOOK = "FullyConnectedNets"


def copy_course(target):
    """Copy what an instructor's course directory holds (no gradebook, no submissions)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target / name)
    return target


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
