"""The exchange's folders are made and trusted without following a student's link (found by the
seventh red team): a root or a course folder a student made first is refused, by name, and
nothing of the instructor's is changed through it; the release log is believed only when it
and its folder belong to the instructor."""

import json
import os
import pwd
import stat
import time

import pytest
from exchange_support import run_instructor
from support import ASSIGNMENT, COURSE_ID, REPO_ROOT, copy_course

from autograder.course import Course
from autograder.grading.answers_out import answers_handed_out, handed_in_after
from autograder.grading.exchange_folders import ExchangeFolderError, make_folder
from autograder.grading.handin import now_utc
from autograder.grading.release_log import LOG_NAME, first_releases, record_release

STUDENT_UID = 54_321  # no account has it: an owner that is neither root nor the instructor


def _victim(tmp_path):
    """A folder of the instructor's that a student would like opened to everyone."""
    victim = tmp_path / "instructor-home"
    victim.mkdir(mode=0o700)
    os.chmod(victim, 0o700)
    return victim


def test_a_root_or_course_folder_that_is_a_link_is_refused_and_nothing_changes_through_it(tmp_path):
    course, victim = copy_course(tmp_path / "course"), _victim(tmp_path)
    exchange = tmp_path / "exchange"
    exchange.symlink_to(victim)  # made by a student before the first release
    refused = run_instructor(course, "release_assignment", exchange)
    assert refused.returncode != 0 and "is a symbolic link, not a folder" in refused.stderr, refused.stderr
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700 and not list(victim.iterdir())

    exchange.unlink()
    exchange.mkdir()
    (exchange / COURSE_ID).symlink_to(victim)
    refused = run_instructor(course, "release_assignment", exchange)
    assert refused.returncode != 0 and f"{exchange / COURSE_ID} is a symbolic link" in refused.stderr
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700 and not list(victim.iterdir())

    (exchange / COURSE_ID).unlink()
    (exchange / COURSE_ID).write_text("")  # a plain file: named, not a traceback
    refused = run_instructor(course, "release_assignment", exchange)
    assert refused.returncode != 0 and "is not a folder; remove it" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_course_folder_a_student_owns_is_refused_and_an_honest_one_is_made_as_nbgrader_makes_it(tmp_path):
    course = copy_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    (exchange / COURSE_ID).mkdir(parents=True)
    os.chown(exchange / COURSE_ID, STUDENT_UID, STUDENT_UID)
    refused = run_instructor(course, "release_assignment", exchange)
    assert refused.returncode != 0 and f"owned by uid {STUDENT_UID}, neither root nor you" in refused.stderr

    os.rmdir(exchange / COURSE_ID)
    released = run_instructor(course, "release_assignment", exchange)
    assert released.returncode == 0, released.stderr
    modes = {
        path: stat.S_IMODE(os.lstat(exchange / path).st_mode)
        for path in (".", COURSE_ID, f"{COURSE_ID}/outbound", f"{COURSE_ID}/inbound")
    }
    assert modes == {".": 0o1777, COURSE_ID: 0o755, f"{COURSE_ID}/outbound": 0o755, f"{COURSE_ID}/inbound": 0o3733}
    (entry,) = map(json.loads, (exchange / COURSE_ID / LOG_NAME).read_text().splitlines())
    assert entry["release"] == ASSIGNMENT and entry["answers"] == {}


def test_another_account_s_folder_is_trusted_only_when_the_course_names_it_an_instructor(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    os.chown(folder, STUDENT_UID, 0)
    with pytest.raises(ExchangeFolderError, match=f"owned by uid {STUDENT_UID}"):
        make_folder(str(folder), 0o755, frozenset())
    make_folder(str(folder), 0o755, frozenset({STUDENT_UID}))  # a co-instructor the course names


def test_the_release_log_is_believed_only_from_the_instructor_and_never_waited_on(tmp_path):
    course_path = tmp_path / "exchange" / COURSE_ID
    course_path.mkdir(parents=True)
    record_release(str(course_path), "dropout", now_utc(), {"fc_nets": ["x"] * 10})
    assert set(first_releases(str(course_path), "fc_nets")[0]) == {"dropout"}

    os.chown(course_path / LOG_NAME, STUDENT_UID, STUDENT_UID)
    recorded, problem = first_releases(str(course_path), "fc_nets")
    assert recorded == {} and f"owned by uid {STUDENT_UID}" in problem

    os.remove(course_path / LOG_NAME)
    os.mkfifo(course_path / LOG_NAME)  # a pipe nobody writes: opening it must not wait
    started = time.monotonic()
    recorded, problem = first_releases(str(course_path), "fc_nets")
    assert recorded == {} and "not a regular file" in problem
    try:
        record_release(str(course_path), "dropout", now_utc(), {})
        raise AssertionError("recorded into a pipe")
    except OSError:
        pass
    assert time.monotonic() - started < 5


def test_a_course_folder_that_is_a_link_or_a_student_s_is_not_believed_at_grading(tmp_path):
    course = copy_course(tmp_path / "course")
    exchange, elsewhere = tmp_path / "exchange", tmp_path / "students-copy"
    (elsewhere / "outbound").mkdir(parents=True)
    exchange.mkdir()
    (exchange / COURSE_ID).symlink_to(elsewhere)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    handed_out, (warning,) = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed_out == [] and "the exchange is not believed" in warning and "symbolic link" in warning

    (exchange / COURSE_ID).unlink()
    (exchange / COURSE_ID / "outbound").mkdir(parents=True)
    os.chown(exchange / COURSE_ID, STUDENT_UID, STUDENT_UID)
    handed_out, (warning,) = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed_out == [] and f"owned by uid {STUDENT_UID}" in warning


def test_a_folder_in_outbound_that_cannot_be_judged_is_left_out_and_said(tmp_path):
    """Found by the seventh red team: deeply nested JSON in a release crashed the grading run."""
    import shutil

    course = copy_course(tmp_path / "course")
    outbound = tmp_path / "exchange" / COURSE_ID / "outbound"
    shutil.copytree(REPO_ROOT / "release" / "dropout", outbound / "dropout")
    (outbound / "dropout" / "deep.ipynb").write_text("[" * 200_000 + "]" * 200_000)
    (outbound / "link").symlink_to(outbound / "dropout")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    handed_out, warnings = answers_handed_out(Course(str(course)), "fc_nets")
    assert [handed.release for handed in handed_out] in ([], ["dropout"])
    assert any("link in the exchange's outbound/ is not a folder" in warning for warning in warnings), warnings


def test_work_without_a_hand_in_time_is_noted_when_answers_went_out(tmp_path):
    """Found by the seventh red team: a submission without timestamp.txt got no note."""
    from autograder.grading.answers_out import HandedOut

    handed_out = [HandedOut("dropout", now_utc(), 10)]
    note = handed_in_after(None, handed_out, "fc_nets")
    assert "no hand-in time" in note and "may have come after dropout went out" in note
    assert handed_in_after(None, [], "fc_nets") is None


def test_a_folder_a_student_made_is_not_trusted_for_sharing_a_group_with_the_instructor(tmp_path):
    """Found by the eighth and ninth red teams: trusting members of the folder's group trusted
    every student (each is a member of their own group), and trusting members of the
    instructor's group trusted every student where all accounts share one (``users``)."""
    from exchange_support import StudentAccounts

    students = StudentAccounts(["mallory"])
    try:
        account = pwd.getpwnam(students["mallory"])
        folder = tmp_path / "course"
        folder.mkdir()
        os.chown(folder, account.pw_uid, account.pw_gid)
        with pytest.raises(ExchangeFolderError, match=f"owned by uid {account.pw_uid}"):
            make_folder(str(folder), 0o755, frozenset())
        # The instructor's own folder, writable by a group she is in, is not trusted either.
        os.chown(folder, 0, account.pw_gid)
        os.chmod(folder, 0o775)
        with pytest.raises(ExchangeFolderError, match=f"include uid {account.pw_uid}"):
            make_folder(str(folder), 0o775, frozenset())
        above = tmp_path / "shared"
        above.mkdir()
        os.chown(above, 0, account.pw_gid)
        os.chmod(above, 0o2775)  # a class-shared folder above the root, not sticky
        with pytest.raises(ExchangeFolderError, match="above the exchange folder"):
            make_folder(str(above / "exchange"), 0o1777, frozenset(), parents=True, students_write=True)
    finally:
        students.remove()


@pytest.mark.parametrize("kind", ["student's folder", "student's link", "open folder"])
def test_a_folder_above_the_root_that_a_student_could_replace_is_refused(tmp_path, kind):
    """Found by the eighth red team: the folders above the root were made with os.makedirs,
    through any link, and a student's folder there let her swap the whole exchange."""
    victim, above = _victim(tmp_path), tmp_path / "above"
    if kind == "student's folder":
        above.mkdir()
        os.chown(above, STUDENT_UID, STUDENT_UID)
    elif kind == "student's link":
        above.symlink_to(victim)
        os.lchown(above, STUDENT_UID, STUDENT_UID)
    else:
        above.mkdir()
        os.chmod(above, 0o777)  # anyone may write it, and it is not sticky
    with pytest.raises(ExchangeFolderError, match="above the exchange folder"):
        make_folder(str(above / "exchange"), 0o1777, frozenset(), parents=True)
    assert stat.S_IMODE(victim.stat().st_mode) == 0o700 and not list(victim.iterdir())

    made = tmp_path / "sticky"
    made.mkdir()
    os.chmod(made, 0o1777)  # like /tmp: sticky, so a root there stays its maker's
    make_folder(str(made / "new" / "exchange"), 0o1777, frozenset(), parents=True, students_write=True)
    assert stat.S_IMODE((made / "new" / "exchange").stat().st_mode) == 0o1777


def test_report_cells_show_control_characters_instead_of_obeying_them():
    """Found by the eighth red team: folder names reached reports/<a>_collect.csv raw."""
    from autograder.spreadsheet import spreadsheet_cell

    assert spreadsheet_cell("a\x1b]0;pwned\x07\r\u202eb\udcff") == "a\\x1b]0;pwned\\x07\\r\\u202eb\\udcff"
    assert spreadsheet_cell("two\nlines ü") == "two\nlines ü"


def test_a_student_s_link_above_the_exchange_is_not_believed_at_grading(tmp_path):
    """Found by the ninth red team: grade checked the course folder only, so a link a student
    swapped in above it (in a folder her group may write) pointed grade at another exchange."""
    course = copy_course(tmp_path / "course")
    real = tmp_path / "real"
    (real / "exchange" / COURSE_ID / "outbound").mkdir(parents=True)
    (tmp_path / "mid").symlink_to(real)
    os.lchown(tmp_path / "mid", STUDENT_UID, STUDENT_UID)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(tmp_path / 'mid' / 'exchange')!r}\n")
    handed_out, (warning,) = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed_out == [] and "the exchange is not believed" in warning and "above the exchange folder" in warning
