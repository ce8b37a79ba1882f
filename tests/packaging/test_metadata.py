"""The packaging's promises that need no build: one version, exact pins, an editable install
that exposes nothing but the toolkit. (tests/packaging/test_wheel.py builds and installs.)"""

import json
import os
import re
import sys
import tomllib

from installing import run
from support import REPO_ROOT

import autograder

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def requirement_name(requirement):
    return re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0]


def normalised(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_version_is_set_once_and_the_changelog_has_its_section():
    project = PYPROJECT["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"] == {"path": "autograder/__init__.py"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograder.__version__)
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^]]+)\]", changelog, flags=re.MULTILINE)
    assert headings[:2] == ["Unreleased", autograder.__version__]  # newest first
    result = run([sys.executable, "-m", "autograder", "--version"])
    assert result.stdout.strip() == f"autograder {autograder.__version__}"


def test_every_requirement_is_pinned_exactly_and_as_in_constraints():
    constraints = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        name, version = line.split("==")
        constraints[normalised(name)] = version
    project = PYPROJECT["project"]
    runtime = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    build = PYPROJECT["build-system"]["requires"]
    for requirement in runtime + build:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+]*", requirement), requirement
    pins = {normalised(requirement_name(r)): r.split("==")[1] for r in runtime + build}
    torch = {"torch"}  # the optional bench extra, installed unconstrained on request (README)
    runtime_names = {normalised(requirement_name(r)) for r in runtime} - torch
    assert runtime_names <= set(constraints)
    # A package both built with and installed is pinned at one version.
    assert {name: version for name, version in pins.items() if name in constraints} == {
        name: constraints[name] for name in pins if name in constraints
    }


PROBE = """
import importlib.util, json
import autograder
print(json.dumps({"file": autograder.__file__,
                  "others": [n for n in ("course", "tests", "benchmarks", "support") if importlib.util.find_spec(n)]}))
"""


def test_the_editable_install_puts_only_the_toolkit_on_the_path(tmp_path):
    """`make setup`'s `pip install -e` maps the name autograder to this checkout and nothing
    else: the repository root, and with it the reference solutions in course/, is not
    importable from the environment (a student kernel started in it must not find them)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    found = json.loads(run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env).stdout)
    assert found == {"file": str(REPO_ROOT / "autograder" / "__init__.py"), "others": []}
