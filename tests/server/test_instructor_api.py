"""The instructors' endpoints on a server whose root is the course directory: assignments, jobs
run as the CLI under the course lock, the class report with its CSP, and checks that show
verdicts, never hidden tests or expected values."""

import json
import subprocess
import sys
import time

import nbformat
import pytest
from browser.lab_process import JupyterLab
from server_support import Api, finished_notebook
from support import ASSIGNMENT, NOTEBOOK, assert_no_secrets, clone

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course_server(released_course, tmp_path_factory):
    root = clone(released_course, tmp_path_factory.mktemp("instructor") / "course")
    with JupyterLab(root, tmp_path_factory.mktemp("instructor-home"), [f"--ServerApp.root_dir={root}"]) as lab:
        yield root, Api(lab)


def wait_for_job(api, job_id, timeout=600):
    deadline = time.monotonic() + timeout
    while True:
        status, job = api.json("GET", f"jobs/{job_id}")
        assert status == 200
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.5)


def test_assignments_say_what_is_released_and_proven(course_server):
    root, api = course_server
    assert api.json("GET", "role")[1]["instructor"] is True
    status, answer = api.json("GET", "assignments")
    assert status == 200
    (fc_nets,) = [a for a in answer["assignments"] if a["assignment"] == ASSIGNMENT]
    quality = json.loads((root / "grading_bundle" / ASSIGNMENT / "check_quality.json").read_text())
    assert fc_nets["released"] is True and fc_nets["notebooks"] == [f"{NOTEBOOK}.ipynb"]
    assert fc_nets["proof"] == quality["summary"] and fc_nets["proof"].startswith("mistakes caught: ")
    assert (fc_nets["submissions"], fc_nets["graded"], fc_nets["could_not_be_graded"]) == (0, 0, 0)
    assert fc_nets["job"] is None


def test_a_report_job_runs_the_cli_and_its_page_is_served_with_a_csp(course_server):
    root, api = course_server
    assert api.json("GET", f"report/{ASSIGNMENT}")[0] == 404  # not written yet
    status, job = api.json("POST", "jobs", {"command": "report", "assignment": ASSIGNMENT})
    assert status == 202 and job["state"] == "running" and job["command"] == "report"
    # One job per assignment at a time.
    status, busy = api.json("POST", "jobs", {"command": "report", "assignment": ASSIGNMENT})
    assert status == 409 and f"this panel's report job (#{job['id']})" in busy["error"]
    done = wait_for_job(api, job["id"])
    assert (done["state"], done["exit_status"]) == ("succeeded", 0), done
    assert any("class report: reports/" in line for line in done["summary"])
    status, headers, page = api("GET", f"report/{ASSIGNMENT}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src" not in headers["Content-Security-Policy"]
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page == (root / "reports" / f"{ASSIGNMENT}_report.html").read_bytes()


def test_jobs_refuse_bad_commands_unknown_assignments_and_a_held_lock(course_server):
    root, api = course_server
    assert api.json("POST", "jobs", {"command": "rm", "assignment": ASSIGNMENT})[0] == 400
    status, answer = api.json("POST", "jobs", {"command": "grade", "assignment": "nope"})
    assert status == 404 and "no assignment 'nope'" in answer["error"]
    assert api.json("POST", "jobs", {"command": "grade", "assignment": "../x"})[0] == 400
    assert api.json("GET", "jobs/999")[0] == 404
    hold = (
        "import sys, time\nfrom autograder.lock import AssignmentLock\n"
        f"AssignmentLock(sys.argv[1], {ASSIGNMENT!r}, 'autograder grade {ASSIGNMENT}').acquire()\n"
        "print('held', flush=True)\ntime.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        status, answer = api.json("POST", "jobs", {"command": "grade", "assignment": ASSIGNMENT})
        assert status == 409
        assert answer["error"].startswith(f"{ASSIGNMENT} is locked: autograder grade {ASSIGNMENT} (pid {holder.pid} ")
    finally:
        holder.kill()
        holder.wait()


def test_a_check_on_the_instructors_server_shows_verdicts_never_hidden_tests(course_server):
    root, api = course_server
    folder = root / "checking" / ASSIGNMENT  # the folder names the assignment, as `autograder check` reads it
    folder.mkdir(parents=True)
    nbformat.write(finished_notebook(), folder / f"{NOTEBOOK}.ipynb")
    status, _, raw = api("POST", "check", {"path": f"checking/{ASSIGNMENT}/{NOTEBOOK}.ipynb"})
    assert status == 200, raw
    result = json.loads(raw)
    assert result["failed"] == 0 and result["passed"] == len(result["checks"]) > 35  # hidden checks too
    assert_no_secrets(root, raw.decode())
