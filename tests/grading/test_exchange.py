"""nbgrader's exchange with our configuration: identity and time from the system.

A class hands work in through real ``nbgrader submit`` as real unix accounts
(exchange_support.py) and the instructor runs real ``nbgrader release_assignment`` and
``nbgrader collect``. Beside the honest students, mallory submits under a classmate's id
(nbgrader's own ``--student`` option), tries to rename and remove a classmate's submission,
plants a file in one, leaves a folder whose time does not parse and a link named like a
submission, and renames a classmate's folder while ``inbound/`` is not sticky (as plain
nbgrader leaves it). Every student gets exactly their own work, every other folder is
reported, and the collect goes on for the class.
"""

import csv
import datetime
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time

import nbformat
import pytest
from exchange_support import StudentAccounts, inbound, marked, nbgrader_args, run_instructor
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK, REPO_ROOT, clone, copy_course, run_autograder

from autograder.authoring.library import paste_reference
from autograder.grading.handin import now_utc, parse_time

INBOUND_TIME = "2020-11-28 10:00:00.000000 UTC"
MAPPED = {"s0001": "alice", "s0002": "bob"}  # student id -> whose account, for the mapped collect

# The configuration a hub's students' nbgrader reads (for alice and carol; bob's is nbgrader's own).
OUR_SUBMIT = "--ExchangeFactory.submit=autograder.grading.exchange.SafeExchangeSubmit"

# As mallory, knowing the names of alice's and bob's folders: try to rename and to remove
# alice's, plant a file in each, and leave a folder whose time does not parse and a link
# named like a submission. Prints the errno of each try.
MALLORY_TRIES = r"""
import json, os, shutil, sys
inbound, alice, bob, alice_work = sys.argv[1:5]
tries = {}
def attempt(name, action):
    try:
        action()
        tries[name] = 0
    except OSError as error:
        tries[name] = error.errno
attempt("rename", lambda: os.rename(os.path.join(inbound, alice),
                                    os.path.join(inbound, alice.replace(alice.split("+")[0], "MALLORY", 1))))
attempt("remove", lambda: shutil.rmtree(os.path.join(inbound, alice)))
attempt("plant", lambda: open(os.path.join(inbound, alice, "helper.py"), "w").write("print('mallory')"))
attempt("plant_in_plain", lambda: open(os.path.join(inbound, bob, "helper.py"), "w").write("print('mallory')"))
os.mkdir(os.path.join(inbound, "MALLORY+fc_nets+not a time+x"))
open(os.path.join(inbound, "MALLORY+fc_nets+not a time+x", "FullyConnectedNets.ipynb"), "w").write("{}")
os.symlink(alice_work, os.path.join(inbound, alice_work.split("/")[-2] + "+fc_nets+2020-11-28 10:00:00 UTC+link"))
print(json.dumps(tries))
"""

RENAME = r"""
import json, os, sys
os.rename(sys.argv[1], sys.argv[2])
print(json.dumps(0))
"""


def _folder_of(exchange, student):
    """The name of ``student``'s (only) folder in inbound."""
    (name,) = [entry for entry in os.listdir(inbound(exchange)) if entry.startswith(student + "+")]
    return name


def _handed_in(folder):
    return [nbformat.read(path, 4).metadata.get("handed_in_by") for path in sorted(folder.glob("*.ipynb"))]


def _report(course):
    with open(course / "reports" / f"{ASSIGNMENT}_collect.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def accounts():
    students = StudentAccounts(["alice", "bob", "carol", "mallory"])
    yield students
    students.remove()


@pytest.fixture(scope="module")
def collected_class(accounts, tmp_path_factory):
    """(course, course collected with a mapping, collect result, mapped collect result, mallory's tries,
    the moment before mallory touched bob's folder)."""
    base = tmp_path_factory.mktemp("exchange")
    course = copy_course(base / "course")
    exchange = accounts.public / "exchange"
    released = run_instructor(course, "release_assignment", exchange)
    assert released.returncode == 0, released.stderr
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    for role in ("alice", "bob", "carol", "mallory"):
        accounts.give_release(role, course, marked(release, role))
    for role, options in (("alice", [OUR_SUBMIT]), ("bob", []), ("carol", [OUR_SUBMIT]), ("mallory", [])):
        assert accounts.submit(role, exchange, *options).returncode == 0
    claims = [
        accounts.submit("mallory", exchange, f"--student={accounts['alice']}"),  # nbgrader's own option
        accounts.submit("alice", exchange, OUR_SUBMIT, "--student=s0001"),
        accounts.submit("mallory", exchange, "--student=s0002"),
    ]
    assert all(result.returncode == 0 for result in claims), [result.stderr for result in claims]

    before_tries = now_utc()
    alice = [
        name
        for name in os.listdir(inbound(exchange))
        if name.startswith(accounts["alice"] + "+")
        and (inbound(exchange) / name).stat().st_uid == accounts.uid("alice")
    ]
    tries = accounts.python(
        "mallory",
        MALLORY_TRIES.replace("MALLORY", accounts["mallory"]),
        str(inbound(exchange)),
        alice[0],
        _folder_of(exchange, accounts["bob"]),
        str(accounts.home("alice") / ASSIGNMENT),
    )
    # An exchange that plain nbgrader released (or someone chmod-ed): inbound/ is not sticky.
    inbound(exchange).chmod(0o2733)
    carol = _folder_of(exchange, accounts["carol"])
    renamed = carol.replace(accounts["carol"], accounts["mallory"], 1) + "-renamed"
    tries["rename_when_not_sticky"] = accounts.python(
        "mallory", RENAME, str(inbound(exchange) / carol), str(inbound(exchange) / renamed)
    )

    result = run_instructor(course, "collect", exchange)
    mapped_course = copy_course(base / "mapped")
    with open(mapped_course / "nbgrader_config.py", "a") as config:
        mapping = {student: accounts[role] for student, role in MAPPED.items()}
        mapping["s0002"] = accounts.uid("bob")  # a uid works as well as a name
        config.write(f"\nc.SafeExchangeCollect.student_accounts = {mapping!r}\n")
    mapped = run_instructor(mapped_course, "collect", exchange)
    return course, mapped_course, result, mapped, tries, before_tries


@pytest.mark.slow
def test_each_student_gets_only_their_own_work(accounts, collected_class):
    course, _, result, *_ = collected_class
    assert result.returncode == 0, result.stderr
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(accounts[role] for role in ("alice", "bob", "mallory"))
    for role in ("alice", "bob", "mallory"):
        assert _handed_in(submitted / accounts[role] / ASSIGNMENT) == [role]
    # The file mallory planted in bob's folder (nbgrader's own submit leaves it writable by all) stays behind.
    assert not (submitted / accounts["bob"] / ASSIGNMENT / "helper.py").exists()
    assert "helper.py: owned by uid" in result.stderr
    assert not (submitted / accounts["alice"] / ASSIGNMENT / "helper.py").exists()


@pytest.mark.slow
def test_a_student_cannot_rename_or_remove_a_classmate_s_submission(collected_class):
    tries = collected_class[4]
    assert tries["rename"] == errno.EPERM  # inbound/ is sticky
    assert tries["remove"] == tries["plant"] == errno.EACCES  # SafeExchangeSubmit: alice's folder is hers alone
    assert tries["plant_in_plain"] == 0  # nbgrader's own submit leaves bob's folder writable by everyone
    assert tries["rename_when_not_sticky"] == 0  # what plain nbgrader's inbound/ allows


@pytest.mark.slow
def test_every_other_folder_is_reported_and_the_class_is_still_collected(accounts, collected_class):
    course, _, result, *_ = collected_class
    mallory, carol, alice = accounts["mallory"], accounts["carol"], accounts["alice"]
    refused = {row["folder"]: row for row in _report(course) if row["outcome"] == "refused"}
    claim = [row for row in refused.values() if row["student"] == alice and "link" not in row["folder"]]
    assert len(claim) == 1 and claim[0]["owner"] == f"account '{mallory}'"
    assert f"owned by account '{mallory}', not by '{alice}'" in claim[0]["reason"]
    (renamed,) = [row for row in refused.values() if row["folder"].endswith("-renamed")]
    assert renamed["student"] == mallory and renamed["owner"] == f"account '{carol}'"  # carol's uid stays with it
    (unparsable,) = [row for row in refused.values() if "not a time" in row["folder"]]
    assert "the time in its name is not a date" in unparsable["reason"]
    (link,) = [row for row in refused.values() if row["folder"].endswith("+link")]
    assert "link" in link["reason"]
    assert {row["student"] for row in refused.values() if row["student"].startswith("s000")} == {"s0001", "s0002"}
    assert len(refused) == 6
    assert result.stderr.count("Not collected:") >= 6 and "inbound was not sticky" in result.stderr
    assert stat.S_IMODE(os.lstat(accounts.public / "exchange" / COURSE_ID / "inbound").st_mode) & stat.S_ISVTX


@pytest.mark.slow
def test_the_time_that_counts_is_the_system_s_and_the_collector_writes_it(accounts, collected_class):
    course, *_, before_tries = collected_class
    rows = {row["student"]: row for row in _report(course) if row["outcome"] == "collected"}
    handed_in = {}
    for role in ("alice", "bob", "mallory"):
        written = (course / "submitted" / accounts[role] / ASSIGNMENT / "timestamp.txt").read_text()
        handed_in[role], problem = parse_time(written)
        assert problem is None and written == rows[accounts[role]]["handed_in"]
        claimed, _ = parse_time(rows[accounts[role]]["timestamp_txt"])
        assert claimed <= handed_in[role]  # submit writes timestamp.txt, then copies and sets modes
    for role in ("alice", "mallory"):
        claimed, _ = parse_time(rows[accounts[role]]["timestamp_txt"])
        assert handed_in[role] < claimed + datetime.timedelta(seconds=60) and rows[accounts[role]]["reason"] == ""
    # Bob's folder (nbgrader's own submit) changed when mallory planted her file in it: his time is that
    # change (the file itself is never collected). Alice's (SafeExchangeSubmit) could not be touched.
    assert handed_in["bob"] >= before_tries > handed_in["alice"]


@pytest.mark.slow
def test_an_instructor_mapping_collects_ids_that_are_not_account_names(accounts, collected_class):
    _, mapped_course, _, mapped, *_ = collected_class
    assert mapped.returncode == 0, mapped.stderr
    submitted = mapped_course / "submitted"
    assert [p.name for p in submitted.iterdir()] == ["s0001"]
    assert _handed_in(submitted / "s0001" / ASSIGNMENT) == ["alice"]
    refused = {row["folder"]: row for row in _report(mapped_course) if row["outcome"] == "refused"}
    (claim,) = [row for row in refused.values() if row["student"] == "s0002"]
    assert claim["owner"] == f"account '{accounts['mallory']}'" and "not by the account of 's0002'" in claim["reason"]
    assert any("is not a student of" in row["reason"] for row in refused.values())


@pytest.mark.slow
def test_a_backdated_late_submission_is_late_under_a_zero_policy(accounts, released_course, tmp_path):
    """mallory hands in after the due date, then rewrites her timestamp.txt, sets every file's
    times back and renames her folder to an early time: the zero late policy still applies."""
    course = clone(released_course, tmp_path / "course")
    exchange = accounts.public / "late-exchange"
    assert run_instructor(course, "release_assignment", exchange).returncode == 0
    source = nbformat.read(course / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    full_marks = paste_reference(nbformat.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4), source)
    for role in ("alice", "mallory"):
        home = accounts.home(role) / ASSIGNMENT
        if home.exists():
            accounts.python(
                role, "import json, shutil, sys; shutil.rmtree(sys.argv[1]); print(json.dumps(0))", str(home)
            )
        accounts.give_release(role, course, marked(full_marks, role))
    assert accounts.submit("alice", exchange).returncode == 0
    due = now_utc() + datetime.timedelta(seconds=1)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=due)
    time.sleep(2)
    # fc_nets is past due, so dropout, which ships fc_nets' answers solved, goes out; mallory's
    # late work comes after it, and `grade` says so beside her submission (alice's came before).
    dropout = nbgrader_args("release_assignment", exchange)
    dropout[dropout.index(ASSIGNMENT)] = "dropout"
    assert subprocess.run(dropout, cwd=course, capture_output=True, text=True).returncode == 0
    time.sleep(1.5)
    assert accounts.submit("mallory", exchange).returncode == 0
    folder = inbound(exchange) / _folder_of(exchange, accounts["mallory"])
    early = due - datetime.timedelta(hours=1)
    forged = folder.with_name(f"{accounts['mallory']}+{ASSIGNMENT}+{early:%Y-%m-%d %H:%M:%S}.000000 UTC+x")
    accounts.python(
        "mallory",
        BACKDATE,
        str(folder),
        str(forged),
        f"{early:%Y-%m-%d %H:%M:%S}.000000 UTC",
        str(early.replace(tzinfo=datetime.UTC).timestamp()),
    )

    collected = run_instructor(course, "collect", exchange)
    assert collected.returncode == 0, collected.stderr
    assert "the later time counts" in collected.stderr
    stamp = {
        role: parse_time((course / "submitted" / accounts[role] / ASSIGNMENT / "timestamp.txt").read_text())[0]
        for role in ("alice", "mallory")
    }
    assert stamp["alice"] <= due < stamp["mallory"]

    # Each release was recorded as it went out, with whose answers it held. The instructor
    # then runs chmod -R on dropout's release: its folder's change time moves past mallory's
    # hand-in, but the recorded release time is the one that counts.
    log = (exchange / COURSE_ID / "releases.jsonl").read_text().splitlines()
    assert [(entry["release"], entry["answers"]) for entry in map(json.loads, log)] == [
        (ASSIGNMENT, {}),
        ("dropout", {ASSIGNMENT: 10}),
    ]
    released = exchange / COURSE_ID / "outbound" / "dropout"
    for path in [released, *released.rglob("*")]:
        os.chmod(path, stat.S_IMODE(path.lstat().st_mode))

    # Graded first with a configuration that does not name the exchange: no note can be made,
    # and grade says why. Named, the unchanged work is graded again for its note (found by the
    # seventh red team: it was skipped as unchanged, with its old message).
    unnamed = run_autograder(course, "grade", ASSIGNMENT, "--json")
    assert "dropout ship fc_nets's answers solved, but there is no exchange folder" in unnamed.stderr
    assert "after dropout" not in unnamed.stdout
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    grading = run_autograder(course, "grade", ASSIGNMENT, "--json")
    assert "warning" not in grading.stderr, grading.stderr
    graded = json.loads(grading.stdout)
    messages = {entry["student"]: entry["message"] for entry in graded["students"]}
    assert "after dropout went out" in messages[accounts["mallory"]], messages
    assert "with 10 of fc_nets's answers solved in its nnsupport" in messages[accounts["mallory"]]
    assert "after dropout" not in messages[accounts["alice"]]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        alice = gb.find_submission(ASSIGNMENT, accounts["alice"])
        mallory = gb.find_submission(ASSIGNMENT, accounts["mallory"])
        assert alice.score > 0 and mallory.score > 0  # the reference, for both
        assert alice.late_submission_penalty == 0 and mallory.late_submission_penalty == mallory.score


BACKDATE = r"""
import json, os, sys
folder, forged, text, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
os.remove(os.path.join(folder, "timestamp.txt"))
with open(os.path.join(folder, "timestamp.txt"), "w") as f:
    f.write(text)
os.rename(folder, forged)
for current, dirs, files in os.walk(forged):
    for name in dirs + files:
        os.utime(os.path.join(current, name), (seconds, seconds), follow_symlinks=False)
os.utime(forged, (seconds, seconds))
print(json.dumps(0))
"""


# As mallory: move the course's folder aside and put her own in its place, where the class
# would then submit (she could read every submission). Prints the errno of the move.
SWAP = r"""
import json, os, sys
root, course = sys.argv[1], sys.argv[2]
try:
    os.rename(os.path.join(root, course), os.path.join(root, course + "-old"))
    os.makedirs(os.path.join(root, course, "inbound"))
    os.chmod(os.path.join(root, course, "inbound"), 0o1733)
    print(json.dumps(0))
except OSError as error:
    print(json.dumps(error.errno))
"""


@pytest.mark.slow
def test_a_student_cannot_put_her_own_course_folder_in_the_exchange(accounts, tmp_path):
    course = copy_course(tmp_path / "course")
    plain = accounts.public / "plain-exchange"  # as nbgrader makes it: the root 0777, not sticky
    (plain / COURSE_ID / "inbound").mkdir(parents=True)
    plain.chmod(0o777)
    assert accounts.python("mallory", SWAP, str(plain), COURSE_ID) == 0
    swapped = run_instructor(course, "collect", plain)
    assert swapped.returncode != 0 and f"owned by uid {accounts.uid('mallory')}, neither root nor you" in swapped.stderr
    ours = accounts.public / "sticky-exchange"
    assert run_instructor(course, "release_assignment", ours).returncode == 0
    assert stat.S_IMODE(ours.stat().st_mode) == 0o1777
    assert accounts.python("mallory", SWAP, str(ours), COURSE_ID) == errno.EPERM


@pytest.fixture
def course_with_inbound(tmp_path):
    """Folders that root made in an inbound it made: links, a FIFO and a formula id among them."""
    root = copy_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    secret = tmp_path / "root-only.txt"
    secret.write_text("SECRET-FOR-COLLECT")
    secret.chmod(0o600)
    for student in ("root", "=HYPERLINK(1)"):
        folder = inbound(exchange) / f"{student}+{ASSIGNMENT}+{INBOUND_TIME}+abc123"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text(INBOUND_TIME)
        os.symlink(secret, folder / "notes.txt")
        os.symlink("/etc", folder / "etc")
        os.mkfifo(folder / "pipe")
    return root, exchange


def test_collect_copies_regular_files_only_and_refuses_unsafe_ids(course_with_inbound):
    root, exchange = course_with_inbound
    result = run_instructor(root, "collect", exchange)
    assert result.returncode == 0, result.stderr
    collected = root / "submitted" / "root" / ASSIGNMENT
    assert sorted(p.name for p in collected.iterdir()) == [f"{NOTEBOOK}.ipynb", "timestamp.txt"]
    assert "symbolic link" in result.stderr and "FIFO" in result.stderr
    assert "the student id is a name starting with a spreadsheet formula character" in result.stderr
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["root"]
    assert "SECRET-FOR-COLLECT" not in "".join(p.read_text(errors="replace") for p in collected.iterdir())
    # The timestamp.txt written in November is not the time: the folders were made just now.
    assert parse_time((collected / "timestamp.txt").read_text())[0] > parse_time(INBOUND_TIME)[0]


def test_an_assignment_with_earlier_answers_goes_out_only_after_they_are_due(tmp_path):
    """dropout ships fc_nets' layers and update rules solved (support.solved_after): nbgrader's
    release_assignment refuses it while fc_nets has no due date or one still ahead, saying
    which answers and what to do, and hands it out once fc_nets is past due."""
    from autograder.course import Course

    course = copy_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    command = [
        sys.executable, "-m", "nbgrader", "release_assignment", "dropout",
        f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={COURSE_ID}",
    ]  # fmt: skip
    outbound = exchange / COURSE_ID / "outbound" / "dropout"

    def release(name="dropout"):
        return subprocess.run([*command[:4], name, *command[5:]], cwd=course, capture_output=True, text=True)

    refused = release()
    assert refused.returncode != 0 and not outbound.exists()
    assert "fc_nets (has no due date in the gradebook" in refused.stderr, refused.stderr
    assert "layers.affine_forward" in refused.stderr and "support.solved_after" in refused.stderr
    # What is refused is what the folder holds, not what the manifests say: the same folder
    # under another name, or left as it was after fc_nets was taken out of solved_after.
    shutil.copytree(course / "release" / "dropout", course / "release" / "dropout_section2")
    copied = release("dropout_section2")
    assert copied.returncode != 0 and "fc_nets (has no due date" in copied.stderr, copied.stderr
    manifest = course / "source_assignments" / "dropout" / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('solved_after = ["fc_nets"]', "solved_after = []"))
    stale = release()
    assert stale.returncode != 0 and "fc_nets (has no due date" in stale.stderr, stale.stderr
    assert "autograder release dropout" in stale.stderr
    assert not outbound.exists() and not (outbound.parent / "dropout_section2").exists()

    with Gradebook(Course(course).db_url, COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=now_utc() + datetime.timedelta(days=1))
    ahead = release()
    assert ahead.returncode != 0 and not outbound.exists() and "fc_nets (is due " in ahead.stderr, ahead.stderr

    # Past its due date, but one student has an extension: fc_nets is due for her until it ends.
    with Gradebook(Course(course).db_url, COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=now_utc() - datetime.timedelta(minutes=1))
        gb.update_or_create_student("ada")
        gb.update_or_create_submission(ASSIGNMENT, "ada")
        gb.grant_extension(ASSIGNMENT, "ada", days=2)
    extended = release()
    assert extended.returncode != 0 and not outbound.exists(), extended.stderr
    assert "with ada's extension of 48 hours" in extended.stderr, extended.stderr

    with Gradebook(Course(course).db_url, COURSE_ID) as gb:
        gb.grant_extension(ASSIGNMENT, "ada")  # no time given: nbgrader removes the extension
    handed_out = release()
    assert handed_out.returncode == 0, handed_out.stderr
    assert (outbound / "Dropout.ipynb").is_file()
    # It says whose answers went out and when they were due, as the gradebook holds it (UTC).
    assert "hands out 10 of fc_nets's answers solved; fc_nets was due " in handed_out.stderr, handed_out.stderr
    assert " UTC, 0.0 hours ago" in handed_out.stderr


def test_a_release_with_nnsupport_from_a_folder_without_the_course_material_is_refused(tmp_path):
    """An exchange host holding only release/ cannot tell whose answers nnsupport holds: refused,
    saying where to release from; a plain nbgrader release (no nnsupport) there is not concerned."""
    from autograder.errors import CourseError
    from autograder.grading.exchange import answers_shipped

    host = tmp_path / "host"
    shutil.copytree(REPO_ROOT / "release" / "dropout", host / "release" / "dropout")
    (host / "release" / "plain").mkdir()
    (host / "release" / "plain" / "Plain.ipynb").write_text("{}")

    with pytest.raises(CourseError, match="cannot tell whose answers") as refused:
        answers_shipped(str(host), "dropout", str(host / "release" / "dropout"))
    assert "course/" in str(refused.value)
    assert answers_shipped(str(host), "plain", str(host / "release" / "plain")) == {}
