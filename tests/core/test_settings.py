"""c.Autograder settings and the CLI's handling of bad input: one default each, one-line errors."""

import subprocess
import sys

import pytest
from support import REPO_ROOT, copy_course
from traitlets import TraitError
from traitlets.config import Config

from autograder.course import Course
from autograder.settings import Autograder


def test_each_setting_has_one_default_and_nbgrader_config_overrides_it():
    assert Autograder().notebook_timeout == 600
    configured = Autograder(config=Config({"Autograder": {"notebook_timeout": 30, "workers": 3}}))
    assert configured.notebook_timeout == 30 and configured.worker_count == 3
    assert Course(REPO_ROOT).settings.notebook_timeout == 600  # as nbgrader_config.py says


@pytest.mark.parametrize("bad", [{"notebook_timeout": 0}, {"notebook_timeout": -5}, {"workers": -1}])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(TraitError, match="c.Autograder"):
        Autograder(config=Config({"Autograder": bad}))


def autograder(cwd, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    "args",
    [
        ["grade", "fc_nets", "--workers", "0"],
        ["grade", "fc_nets", "--cell-timeout", "-1"],
        ["grade", "fc_nets", "--notebook-timeout", "0"],
    ],
)
def test_bad_numbers_on_the_command_line_are_one_line_errors(tmp_path, args):
    result = autograder(copy_course(tmp_path), *args)
    # Exit status 1 is a usage error; 2 means some submission could not be graded (status.py).
    assert result.returncode == 1 and f"'{args[-1]}' is not a positive" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_user_errors_are_one_line_with_the_fix(tmp_path):
    result = autograder(copy_course(tmp_path), "grade", "cnn")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "No assignment 'cnn'" in result.stderr and "fc_nets" in result.stderr
    outside = autograder(tmp_path.parent, "--course-dir", str(tmp_path / "nowhere"), "grade", "fc_nets")
    assert outside.returncode == 1 and "nbgrader_config.py" in outside.stderr and "--course-dir" in outside.stderr
