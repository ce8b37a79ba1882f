"""The package as a course image or a Dask worker gets it: built, installed, grading.

`python -m build` makes the sdist and, from it, the wheel (and `python -m build --wheel` the
wheel `pip install .` makes from a checkout). The wheel carries every module of autograder/
and its templates, and nothing of the course: the reference solutions in course/ must never
land in site-packages, where a student kernel could import them. Installed (not editable)
in a fresh virtual environment with constraints.txt, its own `autograder grade` grades a
small class on a Dask cluster whose one worker runs from that environment, outside the
repository and without PYTHONPATH, so the grades prove that the installed package alone grades.
"""

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from class_builder import class_notebooks, write_submissions
from dask_cluster import DaskCluster
from installing import isolated_env, run
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK, REPO_ROOT, by_student, clone

import autograder
from autograder.grading.cluster import code_digest

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
DIST_INFO = f"nn_autograder-{autograder.__version__}.dist-info"
DATA = f"nn_autograder-{autograder.__version__}.data/data"
TEMPLATES = (
    "autograder/reporting/templates/nnfeedback/conf.json",
    "autograder/reporting/templates/nnfeedback/index.html.j2",
)
# Top-level folders and files of the repository that must never be installed or shipped.
NEVER_SHIPPED = (
    "course",
    "source_assignments",
    "grading_bundle",
    "release",
    "tests",
    "benchmarks",
    "outputs",
    "submitted",
    "autograded",
    "feedback",
    "reports",
    ".venv",
    "nbgrader_config.py",
    "gradebook.db",
)


def buildable_files(*paths):
    """Every file under ``paths`` that a build takes: what git tracks or would track (hatchling
    leaves out what .gitignore ignores, such as __pycache__)."""
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths], cwd=REPO_ROOT
    ).stdout.split()
    return {name for name in listed if (REPO_ROOT / name).is_file()}


def toolkit_files():
    return buildable_files("autograder")


def built_frontend_files():
    """The JupyterLab extension as built into autograder/labextension (ignored by git, carried by
    the sdist as an artifact so that a wheel built from it needs no Node.js)."""
    folder = REPO_ROOT / "autograder" / "labextension"
    return {str(p.relative_to(REPO_ROOT)) for p in folder.rglob("*") if p.is_file()}


def shared_data_files():
    """Wheel path -> repository path of every file pyproject.toml's shared-data installs outside
    site-packages (the JupyterLab extension's files, once it exists)."""
    mapping = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"].get("shared-data", {})
    files = {}
    for source, target in mapping.items():
        source = REPO_ROOT / source
        for path in [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file()):
            files[f"{DATA}/{target}/{path.relative_to(source)}" if source.is_dir() else f"{DATA}/{target}"] = path
    return files


def wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_wheel_holds_the_whole_toolkit_and_nothing_of_the_course(distributions):
    contents = wheel_contents(distributions.wheel)
    names = set(contents)
    toolkit = toolkit_files()
    on_disk = {
        str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "autograder").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert {n for n in names if n.endswith(".py")} == on_disk  # every module, subpackages included
    assert set(TEMPLATES) <= names  # the feedback pages' nbconvert template
    assert {n for n in names if n.startswith("autograder/")} == toolkit
    for name in toolkit:
        assert contents[name] == (REPO_ROOT / name).read_bytes(), name
    data = shared_data_files()
    for name, path in data.items():
        assert contents.get(name) == path.read_bytes(), name
    # The JupyterLab extension, built, and the file that enables the server extension.
    assert f"{DATA}/share/jupyter/labextensions/nn-autograder/package.json" in data
    assert f"{DATA}/etc/jupyter/jupyter_server_config.d/nn_autograder.json" in data
    others = names - toolkit - set(data)
    assert others == {f"{DIST_INFO}/{n}" for n in ("METADATA", "WHEEL", "entry_points.txt", "RECORD")}
    assert not any(n.split("/")[0] in NEVER_SHIPPED for n in names)

    metadata = contents[f"{DIST_INFO}/METADATA"].decode()
    assert f"\nVersion: {autograder.__version__}\n" in metadata
    assert "autograder = autograder.cli:main" in contents[f"{DIST_INFO}/entry_points.txt"].decode()
    # The wheel `pip install .` builds from a checkout is the same wheel.
    tree = wheel_contents(distributions.tree_wheel)
    assert {n: v for n, v in tree.items() if not n.endswith("RECORD")} == {
        n: v for n, v in contents.items() if not n.endswith("RECORD")
    }


def test_the_sdist_holds_the_toolkit_and_what_builds_it_never_the_course(distributions):
    with tarfile.open(distributions.sdist) as archive:
        top = f"nn_autograder-{autograder.__version__}/"
        names = {m.name.removeprefix(top) for m in archive.getmembers() if m.isfile()}
    built = built_frontend_files()
    assert "autograder/labextension/package.json" in built
    assert {n for n in names if n.startswith("autograder/")} == toolkit_files() | built
    # Exactly pyproject.toml's allow-list (the frontend's sources, never its node_modules), plus
    # what every sdist has.
    allowed = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["only-include"]
    assert names == buildable_files(*allowed) | built | {"pyproject.toml", "PKG-INFO", ".gitignore"}
    assert {
        "labextension/yarn.lock",
        "labextension/src/index.ts",
        "jupyter-config/server-config/nn_autograder.json",
    } <= names and not any("node_modules" in n for n in names)
    assert {"README.md", "CHANGELOG.md", "constraints.txt"} <= names
    assert not any(n.split("/")[0] in NEVER_SHIPPED for n in names)


PROBE_INSTALLED = """
import importlib.metadata, importlib.resources, importlib.util, json
import autograder
from autograder.grading.cluster import code_digest
template = importlib.resources.files("autograder.reporting") / "templates" / "nnfeedback" / "index.html.j2"
print(json.dumps({"file": autograder.__file__, "version": autograder.__version__,
                  "metadata": importlib.metadata.version("nn-autograder"), "template": template.is_file(),
                  "digest": code_digest(), "course": importlib.util.find_spec("course") is not None}))
"""


def site_packages(venv):
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def check_the_installed_package(installed, tmp_path):
    """The fresh environment imports the wheel's toolkit, at the one version, with the same code as
    this checkout, and cannot import the reference solutions."""
    env = isolated_env(installed)
    found = json.loads(run([installed / "bin" / "python", "-c", PROBE_INSTALLED], cwd=tmp_path, env=env).stdout)
    assert Path(found["file"]) == site_packages(installed) / "autograder" / "__init__.py"
    assert found["version"] == found["metadata"] == autograder.__version__
    assert found["template"]
    assert found["course"] is False  # the reference solutions are not importable from the environment
    assert not (site_packages(installed) / "course").exists()
    # Same code as this checkout: a grader set up with `make setup` accepts workers with the wheel.
    assert found["digest"] == code_digest()
    version = run([installed / "bin" / "autograder", "--version"], cwd=tmp_path, env=env).stdout
    assert version.strip() == f"autograder {autograder.__version__}"
    # Installing the wheel enables the server extension and installs the built frontend (no Node.js).
    env = {**env, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")}  # nothing of ~/.jupyter
    servers = run([installed / "bin" / "jupyter", "server", "extension", "list"], cwd=tmp_path, env=env)
    assert re.search(r"autograder\.server\s+(\x1b\[\d+m)?enabled", servers.stdout + servers.stderr)
    assert re.search(r"autograder\.server\s+(\x1b\[\d+m)?OK", servers.stdout + servers.stderr)
    frontends = run([installed / "bin" / "jupyter", "labextension", "list"], cwd=tmp_path, env=env)
    assert re.search(r"nn-autograder v[\d.]+ (\x1b\[\d+m)?enabled", frontends.stdout + frontends.stderr)


class InstalledCluster(DaskCluster):
    """A DaskCluster whose scheduler and worker are the fresh environment's `dask`, started in
    ``cwd`` (outside the repository) with that environment alone to import from: whatever
    environment DaskCluster would pass is replaced by ``isolated_env``."""

    def __init__(self, folder, venv, cwd):
        super().__init__(folder)
        self.venv, self.cwd = venv, cwd

    def _start(self, args, log, env=None):
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen(
                [str(self.venv / "bin" / "dask"), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=isolated_env(self.venv),
                cwd=self.cwd,
                start_new_session=True,
            )


# Run by the fresh environment's Python: what each worker process imported autograder from.
PROBE_WORKERS = """
import json, sys
from distributed import Client

def where():
    import importlib.util, os, sys
    import autograder
    return {"file": autograder.__file__, "pid": os.getpid(), "cwd": os.getcwd(),
            "pythonpath": os.environ.get("PYTHONPATH"), "course": importlib.util.find_spec("course") is not None}

with Client(sys.argv[1], timeout=30) as client:
    print(json.dumps(list(client.run(where).values())))
"""


def autograded_scores(root, student):
    """grade_id -> (auto_score, max_score) of ``student``'s autograded cells in the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades if g.auto_score is not None}


def test_the_installed_wheel_grades_a_class_on_a_dask_worker(installed, released_course, tmp_path):
    """One test, not two, for everything that needs the fresh environment: under pytest-xdist
    a second test would wait minutes on the other worker's install."""
    check_the_installed_package(installed, tmp_path)
    root = clone(released_course, tmp_path / "course")
    notebooks = class_notebooks(root)  # ada: the reference solution; cai: a ReLU after the last layer
    write_submissions(root, {student: notebooks[student] for student in ("ada", "cai")})
    outside = tmp_path / "worker"
    outside.mkdir()
    assert not outside.resolve().is_relative_to(REPO_ROOT)
    env = isolated_env(installed)

    cluster = InstalledCluster(tmp_path / "dask", installed, outside)
    try:
        address = cluster.start_scheduler()
        cluster.start_workers(1)
        # The course's own time limits: these two notebooks end, and a loaded machine must not
        # turn an honest submission into a timed-out one.
        result = subprocess.run(
            [str(installed / "bin" / "autograder"), "grade", ASSIGNMENT, "--scheduler", address, "--json"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        workers = json.loads(
            run([installed / "bin" / "python", "-c", PROBE_WORKERS, address], cwd=outside, env=env, timeout=120).stdout
        )
        worker_pid = cluster.workers[0].pid
    finally:
        cluster.close()

    assert result.returncode == 0, result.stderr[-3000:]
    students = by_student(result)
    assert students["ada"]["status"] == students["cai"]["status"] == "graded", result.stdout
    assert all(check["passed"] for check in students["ada"]["checks"])
    assert any(c["name"] == "fc_net_scores.scores" and not c["passed"] for c in students["cai"]["checks"])
    ada, cai = autograded_scores(root, "ada"), autograded_scores(root, "cai")
    assert ada and all(score == most for score, most in ada.values())  # full marks on every autograded cell
    assert sum(score for score, _ in ada.values()) == students["ada"]["score"] > 0
    assert 0 < sum(score for score, _ in cai.values()) == students["cai"]["score"] < students["ada"]["score"]

    # One worker process graded both, and it imported the toolkit from the fresh environment only.
    assert workers == [
        {
            "file": str(site_packages(installed) / "autograder" / "__init__.py"),
            "pid": worker_pid,
            "cwd": str(outside),
            "pythonpath": None,
            "course": False,
        }
    ]
    for student in ("ada", "cai"):
        state = json.loads((root / "autograded" / student / ASSIGNMENT / ".autograder.json").read_text())
        assert state["worker"].endswith(f":{worker_pid}"), state["worker"]
