"""Who handed a folder in and when, read from the system: the parts, on folders made here.

The exchange tests (test_exchange.py) run the same code through real ``nbgrader submit`` and
``nbgrader collect`` as real accounts; these pin down each rule on its own.
"""

import datetime
import os
import pwd

import pytest

from autograder.grading.handin import Accounts, decide_time, latest_change, now_utc, parse_time

LONG_AGO = datetime.datetime(2020, 1, 1).timestamp()


def _backdate(folder):
    """What a student can do to a folder's times: set every access and modification time back."""
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.utime(os.path.join(current, name), (LONG_AGO, LONG_AGO), follow_symlinks=False)
    os.utime(folder, (LONG_AGO, LONG_AGO))


def test_backdating_modification_times_does_not_backdate_the_change_time(tmp_path):
    folder = tmp_path / "alice+fc_nets+2020-01-01 00:00:00 UTC+x"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "FullyConnectedNets.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2020-01-01 00:00:00 UTC")
    before = now_utc() - datetime.timedelta(seconds=2)
    _backdate(folder)
    assert os.stat(folder / "sub" / "FullyConnectedNets.ipynb").st_mtime == LONG_AGO
    assert latest_change(folder) >= before


def test_a_change_deep_inside_is_the_folder_s_latest_change(tmp_path):
    folder = tmp_path / "handed-in"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "late.ipynb").write_text("{}")
    changed = latest_change(folder)
    assert abs((changed - now_utc()).total_seconds()) < 5
    # A link is dated itself (lstat), never its target: a link to an old file is still new.
    os.symlink("/etc/hostname", folder / "a" / "link")
    assert latest_change(folder) >= changed


def test_too_many_entries_to_date_gives_no_time(tmp_path):
    folder = tmp_path / "flood"
    folder.mkdir()
    for number in range(30):
        (folder / f"f{number}").touch()
    assert latest_change(folder, limit=10) is None  # the collector then takes the present
    assert latest_change(folder, limit=100) is not None
    assert latest_change(tmp_path / "missing") is None


def test_the_later_of_the_change_time_and_timestamp_txt_counts():
    changed = datetime.datetime(2027, 3, 2, 10, 0, 0)
    backdated = changed - datetime.timedelta(hours=20)
    moment, problem = decide_time(changed, backdated)
    assert moment == changed and "72000 s earlier" in problem
    later = changed + datetime.timedelta(hours=1)
    moment, problem = decide_time(changed, later)
    assert moment == later and "later" in problem
    honest = changed - datetime.timedelta(seconds=3)  # submit writes timestamp.txt before copying
    assert decide_time(changed, honest) == (changed, None)
    assert decide_time(changed, None) == (changed, None)


def test_dates_from_a_submission_never_name_a_file():
    assert parse_time("2027-03-01 23:59:00 UTC")[0] == datetime.datetime(2027, 3, 1, 23, 59)
    for hostile in (
        "2027-03-01 00:00:00 /dev/zero",
        "2027-03-01 00:00:00 ../../etc/passwd",
        "not a time",
        "2027-03-01\n00:00",
    ):
        moment, problem = parse_time(hostile)
        assert moment is None and "not a date" in problem


def test_default_accounts_the_student_id_is_the_owner_s_account_name():
    root = pwd.getpwnam("root").pw_uid
    accounts = Accounts({})
    assert accounts.owner_problem("root", root) is None
    assert "not by 'alice'" in accounts.owner_problem("alice", root)
    unused = max(entry.pw_uid for entry in pwd.getpwall()) + 12345
    assert "has no account" in accounts.owner_problem(f"uid{unused}", unused)


def test_an_instructor_mapping_names_the_one_account_of_each_student():
    nobody = pwd.getpwnam("nobody").pw_uid
    accounts = Accounts({"s0001": "nobody", "s0002": 0})
    assert accounts.owner_problem("s0001", nobody) is None
    assert accounts.owner_problem("s0002", 0) is None
    assert "not by the account of 's0001'" in accounts.owner_problem("s0001", 0)
    assert "not a student" in accounts.owner_problem("nobody", nobody)  # only mapped ids are collected
    assert "does not exist" in Accounts({"s0003": "no-such-account-i16"}).owner_problem("s0003", nobody)
    with pytest.raises(ValueError, match="both mapped to the account"):
        Accounts({"s0001": "nobody", "s0002": nobody})
