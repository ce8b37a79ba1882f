"""An LMS zip export is hostile data: names, paths, sizes, entry types, who and when.

One export holds an honest submission beside entries that try to write outside the
staging folder, hide behind path or formula ids, unpack to more than a submission may
hold, or arrive as a symbolic link. Intake keeps the honest one, refuses or isolates
each of the others with its reason, and writes nothing outside the staging folder.

Who and when come only from the LMS's part of each name: Canvas's user id and LATE marker
(the person's name is the student's to edit, in Canvas's default settings), Blackboard's
username and attempt time. A LATE marker reaches nbgrader's late-penalty plugin as a time
one second after the due date; a name that can be read two ways is refused.
"""

import csv
import datetime
import stat
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK, by_student, clone, run_autograder

from autograder.authoring.library import paste_reference
from autograder.errors import SubmissionsError
from autograder.grading.collect import MAX_SUBMISSION_BYTES, collect_zip, submission_timestamp

NOTEBOOK_FILE = "FullyConnectedNets.ipynb"
# An instructor's own pattern whose ids are the first field of the name, hostile or not.
FIRST_FIELD_IDS = r"^(?P<student_id>[^_/]+)_(?:.*_)?(?P<file_id>[^_/]+\.ipynb)$"
DUE = datetime.datetime(2027, 3, 1, 23, 59)
HONEST = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _bomb(archive, name, size):
    """An entry of ``size`` zero bytes: a few hundred KB compressed, written in chunks."""
    chunk = bytes(2**20)
    with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as entry:
        for _ in range(size // len(chunk)):
            entry.write(chunk)


def _symlink(archive, name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, target)


def test_a_hostile_export_keeps_the_honest_submission_and_writes_only_inside_staging(tmp_path):
    export, staging = tmp_path / "export.zip", tmp_path / "staging"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"ada_1234_{NOTEBOOK_FILE}", HONEST)
        archive.writestr(f"../../escape/mallory_1_{NOTEBOOK_FILE}", HONEST)  # a path in the entry's name
        archive.writestr(f".._1_{NOTEBOOK_FILE}", HONEST)  # the id is a path
        archive.writestr(f".hidden_1_{NOTEBOOK_FILE}", HONEST)
        archive.writestr(f"=cmd_1_{NOTEBOOK_FILE}", HONEST)  # a spreadsheet formula
        _bomb(archive, f"bomber_1_{NOTEBOOK_FILE}", MAX_SUBMISSION_BYTES + 2**20)
        _symlink(archive, f"linker_1_{NOTEBOOK_FILE}", "/etc/shadow")

    found = {s.student: s for s in collect_zip(str(export), "fc_nets", str(staging), pattern=FIRST_FIELD_IDS)}

    assert found["ada"].problem is None and found["ada"].read()[0] == {NOTEBOOK_FILE: HONEST}
    # Only the entry's base name is used: mallory's notebook lands in mallory's own folder.
    assert found["mallory"].problem is None
    assert (staging / "mallory" / "fc_nets" / NOTEBOOK_FILE).read_bytes() == HONEST
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    for name in (f".._1_{NOTEBOOK_FILE}", f".hidden_1_{NOTEBOOK_FILE}", f"=cmd_1_{NOTEBOOK_FILE}"):
        assert found[name].status == "not collected" and "cannot tell whose it is" in found[name].problem
    assert "formula" in found[f"=cmd_1_{NOTEBOOK_FILE}"].problem
    assert found["bomber"].status == "invalid" and "exceed" in found["bomber"].problem
    assert not (staging / "bomber").exists() or not any((staging / "bomber").rglob("*.ipynb"))
    # A link entry is unpacked as the plain bytes it holds (the target's name), never as a link.
    linked = staging / "linker" / "fc_nets" / NOTEBOOK_FILE
    assert not linked.is_symlink() and linked.read_bytes() == b"/etc/shadow"
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert all(path == export or staging in path.parents for path in written), written
    assert sum(path.stat().st_size for path in written) < 2**20 + export.stat().st_size  # the bomb never landed


def _export(tmp_path, names):
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for name in names:
            archive.writestr(name, HONEST)
    return export


def _collected(tmp_path, names, **options):
    staging = tmp_path / "staging"
    found = {s.student: s for s in collect_zip(str(_export(tmp_path, names)), "fc_nets", str(staging), **options)}
    times = {student: submission_timestamp(s.read()[0])[0] for student, s in found.items() if s.folder}
    return found, times


def test_canvas_ids_and_late_markers_come_from_canvas_s_part_of_the_name(tmp_path):
    found, times = _collected(
        tmp_path,
        [
            f"lovelaceada_1001_5001_{NOTEBOOK_FILE}",  # on time
            f"hopperg_LATE_1002_5002_{NOTEBOOK_FILE}",  # late: Canvas's marker, no time
            f"LATE_anon_x7Kq2_5003_{NOTEBOOK_FILE}",  # anonymous grading, late
            f"turingalan_1004_5004_{NOTEBOOK_FILE}",  # a first attempt ...
            "turingalan_LATE_1004_5005_FullyConnectedNets-1.ipynb",  # ... and a late resubmission
        ],
        duedate=DUE,
    )
    assert set(found) == {"1001", "1002", "anon_x7Kq2", "1004"}
    assert all(s.problem is None for s in found.values())
    assert times["1001"] is None  # Canvas says on time and no more: no time, no penalty
    assert times["1002"] == times["anon_x7Kq2"] == times["1004"] == DUE + datetime.timedelta(seconds=1)
    assert any("1 s after the due date" in note for note in found["1002"].notes)
    assert any("latest attempt" in note for note in found["1004"].notes)


def test_a_late_marker_without_a_due_date_is_reported_not_dropped(tmp_path):
    found, times = _collected(tmp_path, [f"hopperg_LATE_1002_5002_{NOTEBOOK_FILE}"], duedate=None)
    assert times["1002"] is None
    assert any("no due date" in note for note in found["1002"].notes)


def test_a_student_s_own_name_cannot_claim_another_id_or_hide_lateness(tmp_path):
    """In Canvas's default settings students edit their own (sortable) name, which leads the file name."""
    found, times = _collected(
        tmp_path,
        [
            f"lovelaceada_1001_5001_{NOTEBOOK_FILE}",
            f"x_1001_9_LATE_1002_5002_{NOTEBOOK_FILE}",  # 1002 handed in late, named "x_1001_9": reads as 1001 too
            f"evil_7_8_1003_5003_{NOTEBOOK_FILE}",  # a name holding a fake id pair
            f"smith_1004_5004_LATE_1_2_{NOTEBOOK_FILE}",  # an uploaded file's own name holding a marker
        ],
        duedate=DUE,
    )
    assert found["1001"].problem is None and times["1001"] is None  # ada keeps her own, on time
    refused = {name: s for name, s in found.items() if s.status == "not collected"}
    assert len(refused) == 3 and not {"1002", "1003", "1004", "7", "1", "9"} & set(found)
    assert all("can be read more than one way" in s.problem for s in refused.values())


def test_blackboard_attempt_times_are_read_in_the_server_s_time_zone(tmp_path):
    found, times = _collected(
        tmp_path,
        [
            f"Homework 1_jdoe_attempt_2027-03-01-18-30-00_{NOTEBOOK_FILE}",  # 23:30 UTC: on time
            f"Homework 1_rroe_attempt_2027-03-01-19-30-00_{NOTEBOOK_FILE}",  # 00:30 UTC: late
            f"Homework 1_rroe_attempt_2027-03-01-18-00-00_{NOTEBOOK_FILE}",  # an earlier attempt
            "Homework 1_jdoe_attempt_2027-03-01-18-30-00.txt",  # Blackboard's own note: not a notebook
        ],
        pattern="blackboard:America/New_York",
        duedate=DUE,
    )
    assert times == {"jdoe": datetime.datetime(2027, 3, 1, 23, 30), "rroe": datetime.datetime(2027, 3, 2, 0, 30)}
    assert any("latest attempt" in note for note in found["rroe"].notes)
    with pytest.raises(SubmissionsError, match="unknown time zone"):
        collect_zip(str(_export(tmp_path, [])), "fc_nets", str(tmp_path / "s2"), pattern="blackboard:/etc/localtime")


def test_a_custom_pattern_may_carry_times_but_never_the_grader_s_timestamp_file(tmp_path):
    pattern = r"^(?P<student_id>[a-z]+)_(?P<timestamp>\d{8}T\d{6}Z)_(?P<file_id>[^_]+)_x\.ipynb$"
    found, times = _collected(
        tmp_path,
        [
            "ada_20270301T120000Z_FullyConnectedNets.ipynb_x.ipynb",
            "eve_20270302T120000Z_timestamp.txt_x.ipynb",  # would put her own timestamp.txt in place
        ],
        pattern=pattern,
        duedate=DUE,
    )
    assert times["ada"] == datetime.datetime(2027, 3, 1, 12, 0)
    assert found["eve_20270302T120000Z_timestamp.txt_x.ipynb"].status == "not collected"
    assert "the grader's own file" in found["eve_20270302T120000Z_timestamp.txt_x.ipynb"].problem
    with pytest.raises(SubmissionsError, match="needs the groups"):
        collect_zip(str(_export(tmp_path, [])), "fc_nets", str(tmp_path / "s2"), pattern=r"^(?P<who>\w+)\.ipynb$")


@pytest.mark.slow
def test_canvas_late_entries_get_the_late_policy_and_on_time_ones_do_not(released_course, tmp_path):
    """Through `autograder grade --submissions export.zip`: the course's zero policy zeroes the
    LATE entry and leaves the on-time one at full marks (both hand in the reference)."""
    course = clone(released_course, tmp_path / "course")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    source = nbformat.read(course / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    full_marks = paste_reference(nbformat.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4), source)
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(f"lovelaceada_1001_5001_{NOTEBOOK_FILE}", nbformat.writes(full_marks))
        archive.writestr(f"hopperg_LATE_1002_5002_{NOTEBOOK_FILE}", nbformat.writes(full_marks))
    result = run_autograder(course, "grade", ASSIGNMENT, "--submissions", str(export), "--json")
    students = by_student(result)
    assert "1 s after the due date" in students["1002"]["message"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        on_time, late = gb.find_submission(ASSIGNMENT, "1001"), gb.find_submission(ASSIGNMENT, "1002")
        assert on_time.score > 0 and late.score > 0
        assert on_time.timestamp is None and on_time.late_submission_penalty == 0
        assert late.timestamp == DUE + datetime.timedelta(seconds=1) and late.late_submission_penalty == late.score
    with open(course / "reports" / f"{ASSIGNMENT}_grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["1002"]["late_submission_penalty"]) == late.score and float(rows["1002"]["score"]) == 0
    assert float(rows["1001"]["late_submission_penalty"]) == 0 and float(rows["1001"]["score"]) == on_time.score


def test_a_student_who_handed_in_only_other_assignments_has_no_submission_here(tmp_path):
    """In a course of several assignments, alice's folder holding only fc_nets is not a
    misplaced dropout hand-in; bob's misnamed folder is, and dave's Dropout.ipynb handed in under
    fc_nets is, each reported with what it holds."""
    from autograder.grading.collect import collect_folder

    for student, folder, notebook in (
        ("alice", "fc_nets", "FullyConnectedNets.ipynb"),
        ("bob", "Dropout", "Dropout.ipynb"),
        ("carol", "dropout", "Dropout.ipynb"),
        ("carol", "fc_nets", "FullyConnectedNets.ipynb"),
        ("dave", "fc_nets", "Dropout.ipynb"),
    ):
        (tmp_path / student / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / student / folder / notebook).write_text("{}")
    found = {
        s.student: s for s in collect_folder(str(tmp_path), "dropout", ["fc_nets", "batch_norm"], ["Dropout.ipynb"])
    }
    assert set(found) == {"bob", "carol", "dave"}
    assert found["bob"].status == "not collected" and "found: Dropout" in found["bob"].problem
    assert found["carol"].problem is None
    assert found["dave"].status == "not collected"
    assert "fc_nets/Dropout.ipynb is a notebook of dropout handed in under another assignment" in found["dave"].problem
