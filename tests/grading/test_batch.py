"""`autograder grade`: parallel, resumable, identical on a Dask cluster; bad input per submission."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest
from class_builder import write_class
from support import ASSIGNMENT, GRADING_LIMITS, NOTEBOOK, by_student, clone, grades, run_autograder

pytestmark = pytest.mark.slow
LIMITS = GRADING_LIMITS


def csv_rows(root):
    with open(root / "reports" / f"{ASSIGNMENT}_grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_batch_finishes_and_reports_each_submission(graded_class):
    root, result = graded_class
    assert result.returncode == 2  # some submissions could not be graded
    students = by_student(result)
    assert students["ada"]["status"] == "graded" and students["ada"]["score"] == 32
    assert students["ben"]["status"] == "graded" and students["ben"]["score"] == 0
    assert students["cai"]["status"] == "graded" and 0 < students["cai"]["score"] < 32
    assert students["dee"]["status"] == "invalid" and "not a valid notebook" in students["dee"]["message"]
    assert students["gus"]["status"] == "empty"
    assert students["hal"]["status"] == "not collected" and "found: fc_net" in students["hal"]["message"]
    assert students["fay"]["status"] == "graded (time limit)"
    assert students["ivy"]["status"] == "invalid" and "not this assignment's notebook" in students["ivy"]["message"]
    assert "could not be graded: dee: " in result.stderr and "not collected: hal: " in result.stderr
    # Per-check verdicts are in the JSON.
    assert any(c["name"] == "fc_net_scores.scores" and not c["passed"] for c in students["cai"]["checks"])


def test_deleted_and_altered_cells_are_restored(graded_class):
    root, result = graded_class
    eli = grades(root)["eli"]
    assert eli["test_relu_forward"] == 1  # re-added from the gradebook and judged
    assert by_student(result)["eli"]["score"] == 32  # points of test_adam restored to 3, not 100


def test_infinite_loop_loses_only_what_it_did_not_reach(graded_class):
    root, _ = graded_class
    fay = grades(root)["fay"]
    assert fay["test_relu_forward"] == 0
    assert fay["test_affine_forward"] == 2


def test_csv_has_a_status_column(graded_class):
    root, _ = graded_class
    rows = csv_rows(root)
    # Every automatic point, and an inline answer that waits for a person.
    assert rows["ada"]["status"] == "awaiting hand grading (2 points)" and float(rows["ada"]["score"]) == 32
    assert rows["dee"]["status"].startswith("could not be graded: ") and float(rows["dee"]["score"]) == 0
    assert "not a valid notebook" in rows["dee"]["status"]
    assert rows["fay"]["status"] in ("graded (time limit)", "awaiting hand grading (2 points; time limit)")
    assert rows["hal"]["status"].startswith("not collected: no fc_nets folder")  # no gradebook row, still listed


def test_rerun_skips_every_unchanged_submission(graded_class):
    root, _ = graded_class
    before = grades(root)
    again = run_autograder(root, "grade", ASSIGNMENT, "--json", *LIMITS, check=False)
    students = by_student(again)
    recorded = {"ada", "ben", "cai", "dee", "eli", "fay", "gus", "ivy"}
    assert {s for s, o in students.items() if o["status"] == "unchanged"} == recorded
    assert grades(root) == before


def test_rescore_applies_a_tolerance_change_without_executing(graded_class, tmp_path):
    root = clone(graded_class[0], tmp_path / "course")
    shutil.copytree(graded_class[0] / "autograded", root / "autograded")
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    for spec in bundle["cells"]["test_fc_net_scores"]:
        spec["tol"] = 10.0  # every relative error is <= 1: now everything passes
    bundle_file.write_text(json.dumps(bundle))
    assert grades(root)["cai"]["test_fc_net_scores"] == 0
    notebook = root / "autograded" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    executed_before = [c.get("execution_count") for c in nbformat.read(notebook, 4).cells]
    result = run_autograder(root, "rescore", ASSIGNMENT)
    assert "without executing any notebook" in result.stdout
    assert grades(root)["cai"]["test_fc_net_scores"] == 2
    assert [c.get("execution_count") for c in nbformat.read(notebook, 4).cells] == executed_before


def test_dask_cluster_gives_the_same_gradebook(graded_class, tmp_path):
    from distributed import LocalCluster

    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_autograder(
            root, "grade", ASSIGNMENT, "--scheduler", cluster.scheduler_address, "--json", *LIMITS, check=False
        )
    assert result.returncode == 2
    assert grades(root) == grades(graded_class[0])
    dask_rows, pool_rows = csv_rows(root), csv_rows(graded_class[0])
    assert {s: (r["score"], r["status"]) for s, r in dask_rows.items()} == {
        s: (r["score"], r["status"]) for s, r in pool_rows.items()
    }


def test_kill_minus_nine_then_rerun_finishes_consistently(graded_class, tmp_path):
    root = clone(graded_class[0], tmp_path / "course")
    write_class(root)
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2", *LIMITS],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    states = root / "autograded"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(states.glob(f"*/{ASSIGNMENT}/.autograder.json"))) < 3:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # the grader and its workers, mid-batch
    process.wait()
    recorded = {p.parent.parent.name for p in states.glob(f"*/{ASSIGNMENT}/.autograder.json")}
    assert 3 <= len(recorded) < 7
    # Whatever the kill interrupted, the gradebook opens and the CSV says what is not final.
    partial = grades(root)
    assert all(student in partial for student in recorded)

    result = run_autograder(root, "grade", ASSIGNMENT, "--json", *LIMITS, check=False)
    students = by_student(result)
    assert {s for s, o in students.items() if o["status"] == "unchanged"} == recorded
    assert grades(root) == grades(graded_class[0])


def test_zip_export_with_a_bad_file_name(graded_class, tmp_path):
    root = clone(graded_class[0], tmp_path / "course")
    archive = tmp_path / "export.zip"
    ada = graded_class[0] / "submitted" / "ada" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    ben = graded_class[0] / "submitted" / "ben" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    with zipfile.ZipFile(archive, "w") as z:  # Canvas: <name>_<user id>_<file id>_<file name>
        z.write(ada, f"lovelaceada_1001_5001_{NOTEBOOK}.ipynb")
        z.write(ada, f"{NOTEBOOK}.ipynb")  # no student in the name
        z.write(ben, f"bob_1002_5002_{NOTEBOOK}.ipynb")  # a first attempt (the untouched release)...
        z.write(ada, f"bob_1002_5003_{NOTEBOOK}-1.ipynb")  # ... and a resubmission, the one to grade
        z.write(ada, f"cy_1003_5004_{NOTEBOOK}.ipynb")
        z.write(ben, f"cy_1003_5005_{NOTEBOOK}.ipynb")  # two files for one notebook: cannot tell which
    result = run_autograder(root, "grade", ASSIGNMENT, "--submissions", str(archive), "--json", *LIMITS, check=False)
    students = by_student(result)
    assert students["1001"]["status"] == "graded" and students["1001"]["score"] == 32
    assert students["1002"]["score"] == 32 and "the latest attempt" in students["1002"]["message"]
    assert students["1003"]["status"] == "invalid" and "cannot tell which" in students["1003"]["message"]
    assert students[f"{NOTEBOOK}.ipynb"]["status"] == "not collected"
    assert "does not match the pattern" in students[f"{NOTEBOOK}.ipynb"]["message"]


def test_check_command_for_students_and_instructors(graded_class, tmp_path):
    root, _ = graded_class
    student_copy = tmp_path / "my_work"
    shutil.copytree(root / "submitted" / "cai" / ASSIGNMENT, student_copy)
    student = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(student_copy / f"{NOTEBOOK}.ipynb"), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    result = json.loads(student.stdout)
    assert result["mode"].startswith("student")
    names = {c["name"]: c["passed"] for c in result["checks"]}
    assert names["fc_net_scores.scores"] is False and names["sgd_momentum.next_w"] is True
    assert not any("hidden" in name for name in names)

    instructor = run_autograder(
        root, "check", str(root / "submitted" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), "--json", check=False
    )
    assert instructor.returncode == 1  # some checks fail
    result = json.loads(instructor.stdout)
    assert result["mode"] == "instructor" and result["max_score"] == 32
    assert any("hidden" in c["name"] for c in result["checks"])
    assert result["score"] == by_student(graded_class[1])["cai"]["score"]
