"""POST /autograder/api/check on a student's server: the contract, notebook order, the errors."""

import os
import threading

import nbformat
import pytest
from server_support import NOTEBOOK_PATH, finished_notebook
from support import ASSIGNMENT, REPO_ROOT

from autograder.authoring.library import apply_edits, load_library
from autograder.course import Course

pytestmark = pytest.mark.slow
CHECK_KEYS = {"cell", "name", "passed", "error", "tolerance", "diagnosis", "message"}


def test_every_endpoint_refuses_a_request_without_a_token(student_server):
    lab, api = student_server
    grade = {"command": "grade", "assignment": ASSIGNMENT}
    for method, path, body in (
        ("POST", "check", {"path": NOTEBOOK_PATH}),
        ("POST", "check/prepare", {"path": NOTEBOOK_PATH}),
        ("GET", "assignments", None),
        ("POST", "jobs", grade),
        ("GET", "jobs/1", None),
        ("GET", f"report/{ASSIGNMENT}", None),
    ):
        assert api(method, path, body, token=False)[0] == 403, path


def test_the_instructors_endpoints_are_not_on_a_students_server(student_server):
    _, api = student_server
    assert api.json("GET", "role")[1]["instructor"] is False
    grade = {"command": "grade", "assignment": ASSIGNMENT}
    for method, path, body in (
        ("GET", "assignments", None),
        ("POST", "jobs", grade),
        ("GET", "jobs", None),
        ("GET", "jobs/1", None),
        ("GET", f"report/{ASSIGNMENT}", None),
    ):
        status, answer = api.json(method, path, body)
        assert status == 404 and "not an instructor's server" in answer["error"], path


def test_a_finished_notebook_passes_every_public_check_in_notebook_order(student_server):
    lab, api = student_server
    assert api.json("POST", "check/prepare", {"path": NOTEBOOK_PATH}) == (200, {"prepared": True, "started": True})
    status, result = api.json("POST", "check", {"path": NOTEBOOK_PATH})
    assert status == 200, result
    assert set(result) == {"passed", "failed", "seconds", "checks"}
    assert all(set(check) == CHECK_KEYS for check in result["checks"])
    assert result["failed"] == 0 and result["passed"] == len(result["checks"]) == 35
    # Notebook order: the test cells as they come in the notebook, then the order each cell records its checks.
    nb = nbformat.read(lab.cwd / NOTEBOOK_PATH, as_version=4)
    test_cells = [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
        and c.cell_type == "code"
    ]
    cells_in_result = list(dict.fromkeys(check["cell"] for check in result["checks"]))
    assert cells_in_result == [cell for cell in test_cells if cell in cells_in_result]
    adam = [check["name"] for check in result["checks"] if check["cell"] == "test_adam"]
    assert adam == [
        "adam.next_w",
        "adam.v",
        "adam.m",
        "adam.t",
        "adam.tiny_gradients",
        "adam.float32",
        "adam.two_steps",
    ]
    next_w = next(check for check in result["checks"] if check["name"] == "adam.next_w")
    assert next_w["tolerance"] == 1e-7 and next_w["error"] <= 1e-7 and next_w["diagnosis"] is None


def test_a_wrong_adam_fails_the_adam_checks_with_a_diagnosis(student_server):
    lab, api = student_server
    mistake = load_library(Course(REPO_ROOT), ASSIGNMENT).mistakes["adam_no_bias_correction"]
    path = f"{ASSIGNMENT}/wrong_adam.ipynb"
    nbformat.write(apply_edits(finished_notebook(), mistake.as_edits()), lab.cwd / path)
    status, result = api.json("POST", "check", {"path": path})  # cold: no prepare
    assert status == 200, result
    failing = [check for check in result["checks"] if not check["passed"]]
    assert failing and {check["cell"] for check in failing} == {"test_adam"}
    assert "adam.next_w" in {check["name"] for check in failing}
    assert all(check["diagnosis"] for check in failing)
    next_w = next(check for check in failing if check["name"] == "adam.next_w")
    assert next_w["error"] > next_w["tolerance"] == 1e-7


def test_bad_paths_get_one_clear_line_and_a_4xx(student_server):
    lab, api = student_server
    (lab.cwd / "notes.txt").write_text("not a notebook")
    (lab.cwd / "broken.ipynb").write_text("{ this is not JSON")
    os.symlink(lab.cwd / NOTEBOOK_PATH, lab.cwd / "link.ipynb")
    other = lab.cwd / "other_assignment"
    other.mkdir()
    (other / "public_checks.json").write_bytes((REPO_ROOT / "release" / ASSIGNMENT / "public_checks.json").read_bytes())
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(
                    "1",
                    metadata={
                        "nbgrader": {
                            "grade": True,
                            "grade_id": "test_something_else",
                            "points": 1,
                            "solution": False,
                            "locked": True,
                            "schema_version": 3,
                        }
                    },
                )
            ]
        ),
        other / "x.ipynb",
    )
    expected = {
        "missing.ipynb": (404, "does not exist"),
        "notes.txt": (400, "not a notebook"),
        "../etc/passwd": (400, "cannot be checked"),
        "/etc/passwd.ipynb": (400, "relative to the server root"),
        "link.ipynb": (403, "symbolic link"),
        ASSIGNMENT: (400, "not a notebook file"),
        "broken.ipynb": (422, "not a valid notebook"),
        "other_assignment/x.ipynb": (422, "not a notebook of the assignment in its folder"),
    }
    for path, (code, words) in expected.items():
        status, answer = api.json("POST", "check", {"path": path})
        assert (status, set(answer)) == (code, {"error"}), (path, answer)
        assert words in answer["error"] and "\n" not in answer["error"], (path, answer)
        assert str(lab.cwd) not in answer["error"]  # the server's own folders are not shown
    assert api.json("POST", "check", {"nothing": 1})[0] == 400


def test_one_check_per_notebook_at_a_time(student_server):
    _, api = student_server
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(api.json("POST", "check", {"path": NOTEBOOK_PATH})))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200, 409]
    refused = next(answer for status, answer in answers if status == 409)
    assert "being checked already" in refused["error"]


def test_no_checker_outlives_its_notebook(student_server):
    """A prepared notebook that is closed (DELETE) leaves no checker process behind."""
    import psutil

    lab, api = student_server
    assert api.json("POST", "check/prepare", {"path": NOTEBOOK_PATH})[0] == 200
    server = psutil.Process(lab.process.pid)

    def checkers():
        return [p for p in server.children(recursive=True) if "autograder.server.warm" in " ".join(p.cmdline())]

    assert checkers()
    status, _, _ = api("DELETE", f"check/prepare?path={NOTEBOOK_PATH}")
    assert status == 204
    psutil.wait_procs(checkers(), timeout=10)
    assert checkers() == []
