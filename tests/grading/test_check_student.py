"""`autograder check` run by a student on the release: public checks only, with the exit status."""

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow


def check(tmp_path, nb):
    folder = tmp_path / "my_work"
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, folder)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    return subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(folder / f"{NOTEBOOK}.ipynb"), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def pasted():
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    return paste_reference(nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4), source)


def test_the_reference_passes_every_public_check(tmp_path):
    result = check(tmp_path, pasted())
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["mode"].startswith("student") and outcome["score"] == outcome["max_score"] > 20
    assert {"best_model.val_acc", "fc_net_init.params"} <= {c["name"] for c in outcome["checks"]}


def test_a_failing_check_exits_non_zero_with_its_diagnosis(tmp_path):
    mistake = load_library(Course(REPO_ROOT), ASSIGNMENT).mistakes["softmax_dx_not_averaged"]
    result = check(tmp_path, apply_edits(pasted(), mistake.as_edits()))
    assert result.returncode == 1
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["passed"]]
    assert {c["name"] for c in failed} >= {"softmax_loss.dx", "softmax_loss.plus_1000"}
    assert all(mistake.diagnosis in c["diagnosis"] for c in failed if c["name"].startswith("softmax"))


def one_cell_notebook(tmp_path, code):
    """The release folder with a notebook of one code cell: its path."""
    folder = tmp_path / "my_work"
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, folder)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), folder / f"{NOTEBOOK}.ipynb")
    return folder / f"{NOTEBOOK}.ipynb"


def check_measured(tmp_path, code):
    """(outcome, peak memory in KiB of the check and its kernel) of checking a one-cell notebook."""
    notebook = one_cell_notebook(tmp_path, code)
    measured = (
        "import resource, subprocess, sys; "
        "result = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(result.stdout); print('maxrss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            measured,
            sys.executable,
            "-m",
            "autograder",
            "check",
            str(notebook),
            "--json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    report, maxrss = result.stdout.rsplit("maxrss_kib", 1)
    return json.loads(report), int(maxrss)


def test_a_flood_of_output_stops_at_the_grading_cap(tmp_path):
    """A student's check counts every message against the output cap, as grading does: 400 MiB
    printed once took 1.3-1.5 GB of memory in the check."""
    outcome, maxrss = check_measured(tmp_path, "for _ in range(400):\n    print('x' * 2**20, flush=True)")
    assert outcome["status"] == "graded (output limit)" and "output limit" in outcome["message"]
    assert maxrss < 400 * 1024


def test_four_byte_characters_count_as_their_bytes(tmp_path):
    """24 MB of UTF-8 in 6 M characters: under the 20 MiB cap counted in characters, over it in bytes."""
    outcome, _ = check_measured(tmp_path, "for _ in range(6):\n    print('\\U0001F600' * 10**6, flush=True)")
    assert outcome["status"] == "graded (output limit)" and "output limit" in outcome["message"]


UNDECODABLE = {
    "an integer of 5000 digits": "import sys\nsys.set_int_max_str_digits(0)\n"
    "from IPython.display import display\ndisplay({'application/json': {'n': 10**5000}}, raw=True)",
    "JSON nested 100000 deep": "k = get_ipython().kernel\n"
    "k.session.send(k.iopub_socket, 'stream', content=b'[' * 100000 + b']' * 100000, parent=k.get_parent())",
}


@pytest.mark.parametrize("what", sorted(UNDECODABLE))
def test_a_message_the_grader_cannot_decode_stops_the_kernel(tmp_path, what):
    """jupyter_client's unpacker raised inside nbclient's polling task: the check died with a
    traceback (and grading reported "worker failed: ValueError" with asyncio's traceback)."""
    notebook = one_cell_notebook(tmp_path, UNDECODABLE[what] + "\nprint('AFTER')")
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(notebook)], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout.splitlines()[1] == (
        "the kernel sent output the grader cannot read in cell 0: the kernel was stopped"
    ), result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "AFTER" not in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(notebook), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert json.loads(result.stdout)["status"] == "graded (unreadable output)", result.stdout + result.stderr
