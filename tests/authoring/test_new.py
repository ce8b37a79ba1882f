"""`autograder new NAME` scaffolds an assignment that releases and proves at once."""

import json

import nbformat
import pytest
from nbgrader import utils
from support import copy_course, run_autograder

from autograder.course import Course

SOLUTION = "out = np.asarray(x) @ np.asarray(w)"


def test_new_refuses_a_bad_or_taken_name(tmp_path):
    root = copy_course(tmp_path / "course")
    result = run_autograder(root, "new", "Bad-Name", check=False)
    assert result.returncode == 1 and "'Bad-Name' cannot name an assignment" in result.stderr
    result = run_autograder(root, "new", "layers", check=False)  # course/layers.py exists
    assert result.returncode == 1 and "layers.py exists already" in result.stderr
    assert not (root / "source_assignments" / "layers").exists()


@pytest.mark.slow  # a proven release (about a minute)
def test_a_new_assignment_releases_and_proves_at_once(tmp_path):
    root = copy_course(tmp_path / "course")
    result = run_autograder(root, "new", "mini_lab", "--title", "A first lab")
    assert "wrote source_assignments/mini_lab/assignment.toml" in result.stdout
    manifest = Course(root).manifest("mini_lab")
    assert manifest.title == "A first lab" and manifest.writes == ("mini_lab.weighted_sum",)

    released = run_autograder(root, "release", "mini_lab", check=False)
    assert released.returncode == 0, released.stderr
    assert "mutants killed: 3/3" in released.stdout + released.stderr
    assert "released release/mini_lab: leak check clean" in released.stdout + released.stderr

    release = root / "release" / "mini_lab"
    files = sorted(str(p.relative_to(release)) for p in release.rglob("*") if p.is_file())
    assert files == [
        "MiniLab.ipynb",
        "nnsupport/__init__.py",
        "nnsupport/checks.py",
        "nnsupport/comparisons.py",
        "nnsupport/cpu_budget.py",
        "nnsupport/kinds/__init__.py",
        "nnsupport/kinds/accuracy.py",
        "nnsupport/kinds/close.py",
        "nnsupport/kinds/init.py",
        "nnsupport/values.py",
        "public_checks.json",
    ]  # no manifest, no course module
    nb = nbformat.read(release / "MiniLab.ipynb", 4)
    solution = next(c for c in nb.cells if utils.is_solution(c))
    assert "raise NotImplementedError()" in solution.source
    everything = "\n".join(p.read_text() for p in release.rglob("*") if p.is_file())
    assert SOLUTION not in everything and "default_rng(2026)" not in everything  # no solution, no hidden test
    public = json.loads((release / "public_checks.json").read_text())
    assert set(public) == {"weighted_sum.out"}
    assert run_autograder(root, "leaks", "mini_lab").stdout.strip().endswith("0 leak(s) in release/mini_lab")
