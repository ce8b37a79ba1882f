"""A folder, link or special file where a file is expected is that student's reported problem.

Under any name, the grader's own included (its state and records files, the notebooks and
the temporary names they were once written through, timestamp.txt, the feedback page), in
submitted/, autograded/ or feedback/, on every command: `grade`, `rescore` (also after plain
`nbgrader autograde`, which copies a submission's folders into autograded/), `feedback`,
`report` and `check`. Never a traceback, never a blocked read, and the honest student in the
same class is handled as always.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, by_student, clone, run_autograder

pytestmark = pytest.mark.slow
LIMITS = ["--cell-timeout", "10", "--notebook-timeout", "60"]


def clear(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def folder(name):
    def plant(where):
        (where / name).mkdir(exist_ok=True)
        (where / name / "inside.txt").write_text("a file inside, so that every copy keeps the folder")

    return plant


def replaced_by_folder(name):
    def plant(where):
        clear(where / name)
        folder(name)(where)

    return plant


def link(name, target="/etc/hostname"):
    def plant(where):
        clear(where / name)
        os.symlink(target, where / name)

    return plant


def fifo(name):
    def plant(where):
        clear(where / name)
        os.mkfifo(where / name)

    return plant


NB = f"{NOTEBOOK}.ipynb"
# What a student hands in: entries in submitted/<student>/fc_nets/.
HANDED_IN = {
    "folder_notebook_partial": folder(f"{NB}.partial"),
    "folder_state": folder(".autograder.json"),
    "folder_state_partial": folder(".autograder.json.partial"),
    "folder_records": folder(".autograder-records.json"),
    "folder_records_partial": folder(".autograder-records.json.partial"),
    "folder_notebook": replaced_by_folder(NB),
    "folder_extra_notebook": folder("extra.ipynb"),
    "folder_timestamp": folder("timestamp.txt"),
    "folder_feedback_page": folder(f"{NOTEBOOK}.html"),
    "link_notebook_partial": link(f"{NB}.partial"),
    "link_state": link(".autograder.json"),
    "fifo_timestamp": fifo("timestamp.txt"),
    "fifo_records_partial": fifo(".autograder-records.json.partial"),
}
# What is found later in autograded/<student>/fc_nets/ (left by plain nbgrader's copies, or anyone).
LEFT_IN_AUTOGRADED = {
    "folder_notebook_partial": folder(f"{NB}.partial"),
    "folder_records_partial": folder(".autograder-records.json.partial"),
    "folder_notebook": None,  # not graded: nothing to rescore, no page
    "folder_extra_notebook": folder("extra.ipynb"),
    "link_notebook_partial": link(f"{NB}.partial"),
    "fifo_timestamp": fifo("timestamp.txt"),
    "fifo_records_partial": fifo(".autograder-records.json"),  # a read would block forever
    "folder_records": replaced_by_folder(".autograder-records.json"),
    "link_state": link(NB, "../../honest/fc_nets/" + NB),  # someone else's notebook
    "folder_state": replaced_by_folder(NB),
    "folder_state_partial": fifo(".autograder.json"),  # a read would block forever
}
# What is found in feedback/<student>/fc_nets/ before the pages are written.
LEFT_IN_FEEDBACK = {
    "folder_feedback_page": folder(f"{NOTEBOOK}.html"),
    "folder_timestamp": folder("timestamp.txt"),
}


def hand_in(root, students):
    for student in students:
        where = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, where)
        if student in HANDED_IN:
            HANDED_IN[student](where)


def loosen_a_tolerance(root):
    """A bundle change that makes rescoring judge every submission's test_fc_net_scores again."""
    path = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(path.read_text())
    for spec in bundle["cells"]["test_fc_net_scores"]:
        spec["tol"] = 10.0
    path.write_text(json.dumps(bundle))


def assert_reported(result, students, done, line):
    """No traceback; each student either done or reported on its own line."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    for student in students:
        assert student in done or f"{line} {student}:" in result.stderr, (student, result.stderr[-3000:])


@pytest.fixture(scope="module")
def graded(released_course, tmp_path_factory):
    root = clone(released_course, tmp_path_factory.mktemp("wrong-kind") / "course")
    students = ["honest", *HANDED_IN]
    hand_in(root, students)
    result = run_autograder(root, "grade", ASSIGNMENT, "--workers", "2", "--json", *LIMITS, check=False)
    return root, students, result


def test_grade_reports_every_submission(graded):
    root, students, result = graded
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    report = by_student(result)
    assert set(report) == set(students)
    assert report["honest"]["status"] == "graded"
    assert report["folder_notebook"]["status"] == "invalid"
    assert "is a folder, not a notebook file" in report["folder_notebook"]["message"]
    assert "FIFO" in report["fifo_timestamp"]["message"] and "symbolic link" in report["link_state"]["message"]
    for student in set(students) - {"folder_notebook"}:
        assert report[student]["status"] == "graded", (student, report[student]["message"])
    # The grader's own files are its own, whatever the submission held under their names.
    for student in set(students) - {"folder_notebook"}:
        for name in (".autograder.json", ".autograder-records.json", NB):
            assert (root / "autograded" / student / ASSIGNMENT / name).is_file(), (student, name)


def test_rescore_feedback_and_report_report_what_they_cannot_use(graded):
    root, students, _ = graded
    for student, plant in LEFT_IN_AUTOGRADED.items():
        if plant is not None:
            plant(root / "autograded" / student / ASSIGNMENT)
    for student, plant in LEFT_IN_FEEDBACK.items():
        (root / "feedback" / student / ASSIGNMENT).mkdir(parents=True)
        plant(root / "feedback" / student / ASSIGNMENT)
    loosen_a_tolerance(root)

    rescored = run_autograder(root, "rescore", ASSIGNMENT, check=False)
    done = {line.split(":")[0] for line in rescored.stdout.splitlines() if " / " in line}
    assert "honest" in done and "folder_notebook_partial" in done  # the crash of issue 16
    assert_reported(rescored, set(students) - {"folder_notebook"}, done, "could not rescore")
    for student in ("fifo_records_partial", "folder_records", "folder_state", "folder_state_partial"):
        assert f"could not rescore {student}:" in rescored.stderr

    feedback = run_autograder(root, "feedback", ASSIGNMENT, check=False)
    pages = {path.parts[-3] for path in (root / "feedback").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html") if path.is_file()}
    assert "honest" in pages and "folder_extra_notebook" in pages and "fifo_timestamp" in pages
    assert_reported(feedback, students, pages, "no feedback for")
    for student in ("folder_feedback_page", "folder_timestamp", "link_state", "folder_state"):
        assert f"no feedback for {student}:" in feedback.stderr
    assert "is a folder where the grader writes a file" in feedback.stderr

    report = run_autograder(root, "report", ASSIGNMENT, check=False)
    assert report.returncode == 0 and "Traceback" not in report.stderr


def test_plain_nbgrader_then_rescore_and_feedback(released_course, tmp_path_factory):
    """Plain nbgrader copies a submission's folders into autograded/, next to the grader's files."""
    root = clone(released_course, tmp_path_factory.mktemp("wrong-kind-plain") / "course")
    students = ["honest", "folder_notebook_partial", "folder_state_partial", "folder_extra_notebook"]
    hand_in(root, students)
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--Execute.timeout=10"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert (root / "autograded" / "folder_notebook_partial" / ASSIGNMENT / f"{NB}.partial").is_dir()
    loosen_a_tolerance(root)
    rescored = run_autograder(root, "rescore", ASSIGNMENT, check=False)
    done = {line.split(":")[0] for line in rescored.stdout.splitlines() if " / " in line}
    assert done == set(students) and rescored.returncode == 0, rescored.stderr[-3000:]
    feedback = run_autograder(root, "feedback", ASSIGNMENT, check=False)
    assert feedback.returncode == 0 and "Traceback" not in feedback.stderr, feedback.stderr[-3000:]
    assert f"rendered {len(students)} feedback page(s), 0 unchanged" in feedback.stdout


@pytest.mark.parametrize("shape", ["folder", "link", "fifo", "public_checks_folder"])
def test_check_names_what_it_cannot_read(tmp_path, shape):
    mine, release = tmp_path / "my_work", REPO_ROOT / "release" / ASSIGNMENT
    shutil.copytree(release, mine)
    path = mine / NB
    if shape == "folder":
        replaced_by_folder(NB)(mine)
    elif shape == "link":
        link(NB, str(tmp_path / "elsewhere.ipynb"))(mine)
        shutil.copy(release / NB, tmp_path / "elsewhere.ipynb")
    elif shape == "fifo":
        fifo(NB)(mine)
    else:
        (mine / "public_checks.json").unlink()
        folder("public_checks.json")(mine)
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("autograder: ") and len(result.stderr.strip().splitlines()) == 1
