"""`autograder due`: due dates read strictly, stored in UTC, and released answers pointed out."""

import datetime
import os
import shutil
import stat

import pytest
from nbgrader.api import Gradebook
from support import COURSE_ID, REPO_ROOT, copy_course, run_autograder

from autograder.course import Course
from autograder.errors import CourseError
from autograder.grading.answers_out import answers_handed_out, handed_in_after
from autograder.grading.due import parse_due
from autograder.grading.handin import now_utc
from autograder.grading.release_log import LOG_NAME, record_release

naive_utc = datetime.datetime  # the gradebook's convention: UTC, no tzinfo


@pytest.mark.parametrize(
    ("text", "zone", "stored"),
    [
        ("2026-12-10 17:00", "America/Los_Angeles", naive_utc(2026, 12, 11, 1, 0)),  # PST, -8 h
        ("2026-07-10 17:00", "America/Los_Angeles", naive_utc(2026, 7, 11, 0, 0)),  # PDT, -7 h
        ("2026-12-10T17:00:00-08:00", None, naive_utc(2026, 12, 11, 1, 0)),
        ("2026-12-10 17:00 -0800", None, naive_utc(2026, 12, 11, 1, 0)),  # nbgrader reads -800 seconds
        ("2026-12-10T17:00Z", None, naive_utc(2026, 12, 10, 17, 0)),
        ("2026-12-10 17:00", "Europe/Berlin", naive_utc(2026, 12, 10, 16, 0)),
        ("2026-12-10 17:00", "UTC", naive_utc(2026, 12, 10, 17, 0)),
    ],
)
def test_a_due_date_is_stored_in_utc_as_written(text, zone, stored):
    assert parse_due(text, zone)[0] == stored


@pytest.mark.parametrize(
    ("text", "zone", "said"),
    [
        ("2026-12-10 17:00", None, "has no time zone: name the zone it is in with --zone"),
        ("2026-12-10 17:00", "PST", "unknown time zone 'PST'"),  # nbgrader reads it as UTC
        ("2026-12-10 17:00", "../../etc/passwd", "unknown time zone"),
        ("2026-12-10T17:00-08:00", "UTC", "already has its offset"),
        ("10/12/2026 5pm", "UTC", "is not a date and time"),
        ("2026-11-01 01:30", "America/Los_Angeles", "happens twice in America/Los_Angeles"),
        ("2026-03-08 02:30", "America/Los_Angeles", "happens never in America/Los_Angeles"),
        # Found by the sixth red team: accepted, but not the moment an instructor means.
        ("2026-12-10", "America/Los_Angeles", "has no time of day"),  # its midnight, a day early
        ("2026-12-10 17:00", "Etc/GMT+8", "unknown time zone"),  # POSIX: UTC-8
        ("2026-12-10 17:00", "localtime", "unknown time zone"),  # the server's zone
        ("2026-12-10 17:00", "Factory", "unknown time zone"),
        ("9999-12-31 23:00", "America/Los_Angeles", "out of the range"),
        ("0001-01-01T00:30+01:00", None, "out of the range"),
    ],
)
def test_a_due_date_that_could_be_misread_is_refused_saying_why(text, zone, said):
    with pytest.raises(CourseError, match=said):
        parse_due(text, zone)


def _exchange_with(course, exchange, *releases):
    """An exchange whose outbound/ holds the committed ``releases``, named in the course's config."""
    for name in releases:
        shutil.copytree(REPO_ROOT / "release" / name, exchange / COURSE_ID / "outbound" / name)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    return exchange / COURSE_ID


def test_due_stores_the_date_and_warns_of_a_release_that_already_handed_its_answers_out(tmp_path):
    """dropout ships fc_nets' answers solved; once it is in the exchange, moving fc_nets' due date
    after that moment is said to be too late for those answers, and grade's note names it."""
    course = copy_course(tmp_path / "course")
    course_path = _exchange_with(course, tmp_path / "exchange", "dropout", "fc_nets")
    released = now_utc() - datetime.timedelta(hours=2)
    record_release(str(course_path), "dropout", released, {"fc_nets": ["x"] * 10})

    handed_out, warnings = answers_handed_out(Course(str(course)), "fc_nets")
    assert [(handed.release, handed.at, handed.answers) for handed in handed_out] == [("dropout", released, 10)]
    assert warnings == []
    assert answers_handed_out(Course(str(course)), "dropout") == ([], [])  # nothing holds dropout's answers
    assert handed_in_after(released - datetime.timedelta(minutes=1), handed_out, "fc_nets") is None
    assert "after dropout went out" in handed_in_after(released + datetime.timedelta(minutes=1), handed_out, "fc_nets")

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    moved = run_autograder(course, "due", "fc_nets", f"{later:%Y-%m-%d %H:%M}", "--zone", "UTC")
    assert f"fc_nets is due {later:%Y-%m-%d %H:%M}:00 UTC" in moved.stdout and "it had no due date" in moved.stdout
    assert "warning: dropout went out" in moved.stderr and "10 of fc_nets's answers" in moved.stderr, moved.stderr
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        assert gb.find_assignment("fc_nets").duedate == later.replace(tzinfo=None, second=0, microsecond=0)

    earlier = released - datetime.timedelta(days=1)
    kept = run_autograder(course, "due", "fc_nets", f"{earlier:%Y-%m-%dT%H:%M}Z")
    assert "warning" not in kept.stderr and f"(it was {later:%Y-%m-%d %H:%M}:00 UTC)" in kept.stdout

    refused = run_autograder(course, "due", "fc_nets", "2026-12-10 17:00", "--zone", "PST", check=False)
    assert refused.returncode == 1 and "unknown time zone 'PST'" in refused.stderr
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        assert gb.find_assignment("fc_nets").duedate == earlier.replace(second=0, microsecond=0)


def test_an_extension_past_the_last_date_keeps_the_assignment_open_without_a_crash(tmp_path):
    """Found by the sixth red team: a due date near year 9999 plus an extension overflowed."""
    from autograder.grading.exchange import latest_due

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_assignment("fc_nets", duedate=naive_utc(9999, 12, 30))
        gb.update_or_create_student("ada")
        gb.update_or_create_submission("fc_nets", "ada")
        gb.grant_extension("fc_nets", "ada", days=3)
        assert latest_due(gb, "fc_nets") == (naive_utc.max, " with ada's extension of 72 hours")


def test_a_release_counts_from_when_it_first_went_out_whatever_happens_to_its_folder(tmp_path):
    """Found by the sixth red team: the release time was its folder's latest change, which a
    release again, a chmod -R or a student's hard link to one of its files moves later,
    dropping the note on work handed in between. The time recorded at release counts."""
    course = copy_course(tmp_path / "course")
    course_path = _exchange_with(course, tmp_path / "exchange", "dropout")
    first = now_utc() - datetime.timedelta(days=2)
    record_release(str(course_path), "dropout", first, {"fc_nets": ["x"] * 10})
    record_release(str(course_path), "dropout", first + datetime.timedelta(days=1), {"fc_nets": ["x"] * 10})
    record_release(str(course_path), "fc_nets", first - datetime.timedelta(days=1), {})  # holds no answers
    folder = course_path / "outbound" / "dropout"
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, stat.S_IMODE(path.lstat().st_mode))  # its change times are now

    (handed,), warnings = answers_handed_out(Course(str(course)), "fc_nets")
    assert (handed.release, handed.at, warnings) == ("dropout", first, [])

    # Taken out of outbound/ (nbgrader list --remove), it still went out: students fetched it.
    shutil.rmtree(folder)
    assert answers_handed_out(Course(str(course)), "fc_nets")[0] == [handed]


def test_a_folder_the_log_does_not_know_counts_from_its_change_time_and_grade_says_so(tmp_path):
    course = copy_course(tmp_path / "course")
    _exchange_with(course, tmp_path / "exchange", "dropout")
    before = now_utc()
    (handed,), (warning,) = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed.release == "dropout" and handed.answers == 10 and handed.at <= before
    assert "no release of it is recorded in" in warning and "latest change" in warning


def test_a_release_log_anyone_could_write_is_not_believed(tmp_path):
    """A log everyone may write could hold a release time a student chose: it is refused, said,
    and the folders' change times count instead."""
    course = copy_course(tmp_path / "course")
    course_path = _exchange_with(course, tmp_path / "exchange", "dropout")
    record_release(str(course_path), "dropout", naive_utc(2020, 1, 1), {"fc_nets": ["x"] * 10})
    os.chmod(course_path / LOG_NAME, 0o666)
    (handed,), warnings = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed.at > naive_utc(2020, 1, 1)
    assert any("is writable by everyone (mode 666)" in warning for warning in warnings), warnings
    with pytest.raises(OSError, match="writable by everyone"):  # nor is a release recorded there
        record_release(str(course_path), "dropout", now_utc(), {})
    os.chmod(course_path / LOG_NAME, 0o644)
    (course_path / LOG_NAME).write_text('not json\n{"release": "dropout", "at": "x", "answers": {}}\n')
    (handed,), warnings = answers_handed_out(Course(str(course)), "fc_nets")
    assert any("2 line(s) of the release log" in warning for warning in warnings), warnings


def test_grading_without_the_exchange_that_released_earlier_answers_says_so(tmp_path):
    """dropout ships fc_nets' answers; a course configuration naming no exchange where this
    course has a folder cannot see when it went out, and says so instead of noting nothing."""
    course = copy_course(tmp_path / "course")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(tmp_path / 'elsewhere')!r}\n")
    handed_out, (warning,) = answers_handed_out(Course(str(course)), "fc_nets")
    assert handed_out == [] and "dropout ship fc_nets's answers solved" in warning and "c.Exchange.root" in warning
    assert answers_handed_out(Course(str(course)), "dropout") == ([], [])  # nobody ships dropout's answers
