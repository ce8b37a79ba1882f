"""Every command, any input or interruption: one clear line, a documented exit status, nothing lost.

Each case runs the real ``autograder`` command in a subprocess and asserts its exit status
(status.py), that stderr holds no traceback and ends with one line saying what is wrong,
and that the course's files and gradebook rows are as they were. The cases that need a
course share one, made once for the module with nbgrader's own generate_assignment (the
release's proof stands aside: grading these inputs never gets to the checks).
"""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest
from support import ASSIGNMENT, NOTEBOOK, copy_course

from autograder import status

LOCKS = ".autograder-locks"  # the course lock's folder: taking a lock is not a change


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook knows the assignment, with a few inputs beside it."""
    root = copy_course(tmp_path_factory.mktemp("cli") / "course")
    env = {
        **os.environ,
        "AUTOGRADER_RELEASING": "1",
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    }
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    for folder in ("reports", "feedback", "autograded", "inputs/a_folder", "submitted/cat/other_assignment"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    zipfile.ZipFile(root / "inputs/empty.zip", "w").close()
    with zipfile.ZipFile(root / "inputs/plain.zip", "w") as export:
        export.writestr(f"{NOTEBOOK}.ipynb", "{}")
    (root / "inputs/not_a.zip").write_text("not a zip")
    (root / "inputs/notes.txt").write_text("not a notebook")
    return root


def fingerprint(root):
    """Every file's content (the lock folder aside) and the gradebook's rows per table."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != LOCKS]
        for name in names:
            path = os.path.join(folder, name)
            if name != "gradebook.db":
                with open(path, "rb") as f:
                    files[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    with sqlite3.connect(root / "gradebook.db") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    return files, rows


def autograder(cwd, *args, read_only=(), popen=False):
    """`autograder ARGS` in ``cwd``; ``read_only``: folders mounted read-only for it (bubblewrap)."""
    command = [sys.executable, "-m", "autograder", *args]
    if read_only:
        binds = [arg for folder in read_only for arg in ("--ro-bind", str(folder), str(folder))]
        command = ["bwrap", "--dev-bind", "/", "/", *binds, "--chdir", str(cwd), *command]
    if popen:
        # Ctrl-C as at a terminal, even when the suite itself was started in the background (`&`
        # makes a shell ignore SIGINT in what it starts, and the ignoring is inherited).
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def assert_one_clear_line(stderr, *said, only=True):
    """No traceback; the last line (the only one unless ``only`` is False) is ours and says ``said``."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    if only:
        assert len(lines) == 1, stderr
    assert lines[-1].startswith("autograder"), stderr
    for words in said:
        assert words in lines[-1], stderr


# (arguments, words the line must say); each exits 1 and changes nothing. No course is needed.
USAGE = [
    ((), "required: COMMAND"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("grade",), "required: assignment"),
    (("grade", ASSIGNMENT, "--no-such-flag"), "unrecognized arguments: --no-such-flag"),
    (("grade", ASSIGNMENT, "--workers", "abc"), "'abc' is not a positive whole number"),
    (("grade", ASSIGNMENT, "--workers", "0"), "'0' is not a positive whole number"),
    (("grade", ASSIGNMENT, "--workers", "-3"), "'-3' is not a positive whole number"),
    (("feedback", ASSIGNMENT, "--workers", "1.5"), "'1.5' is not a positive whole number"),
    (("rescore", ASSIGNMENT, "--workers", "many"), "'many' is not a positive whole number"),
    (("grade", ASSIGNMENT, "--cell-timeout", "soon"), "'soon' is not a positive number of seconds"),
    (("grade", ASSIGNMENT, "--notebook-timeout", "0"), "'0' is not a positive number of seconds"),
    (("grade", ASSIGNMENT, "--notebook-timeout", "nan"), "'nan' is not a positive number of seconds"),
    (("grade", ASSIGNMENT, "--scheduler", "localhost"), "'localhost' is not a scheduler address"),
    (("grade", ASSIGNMENT, "--scheduler", "tcp://host:99999"), "is not a scheduler address"),
    (("grade", ASSIGNMENT, "--scheduler", "tcp:/host:8786"), "is not a scheduler address"),
    (("grade", ASSIGNMENT, "--scheduler", "http://host:8786"), "is not a scheduler address"),
    (("check", "missing.ipynb"), "No file missing.ipynb"),
    (("grade", ASSIGNMENT), "nbgrader_config.py"),
    (("--course-dir", "no_such_course", "report", ASSIGNMENT), "no_such_course"),
]


@pytest.mark.parametrize("args, said", USAGE, ids=[" ".join(args) or "nothing" for args, _ in USAGE])
def test_a_usage_error_is_one_line_and_exit_status_1(tmp_path, args, said):
    result = autograder(tmp_path, *args)
    assert result.returncode == status.EXIT_ERROR, result
    assert_one_clear_line(result.stderr, said)
    assert list(tmp_path.iterdir()) == []  # nothing written where it ran


# (arguments, folders mounted read-only, words the line must say); each exits 1 and changes nothing.
IN_A_COURSE = [
    (("grade", "cnn"), (), "No assignment 'cnn'"),
    (("report", "cnn"), (), "No assignment 'cnn'"),
    (("feedback", "cnn"), (), "No assignment 'cnn'"),
    (("rescore", "cnn"), (), "No assignment 'cnn'"),
    (("check", "inputs/a_folder"), (), "is not a notebook file"),
    (("check", "inputs/notes.txt"), (), "is not a notebook file"),
    (("grade", ASSIGNMENT, "--submissions", "inputs/empty.zip"), (), "holds no files"),
    (("grade", ASSIGNMENT, "--submissions", "inputs/plain.zip"), (), "pass the --zip-pattern"),
    (
        ("grade", ASSIGNMENT, "--submissions", "inputs/plain.zip", "--zip-pattern", r"(\w+)_(\w+)\.ipynb"),
        (),
        "needs the groups (?P<student_id>...) and (?P<file_id>...)",
    ),
    (
        ("grade", ASSIGNMENT, "--submissions", "inputs/plain.zip", "--zip-pattern", "(?P<student_id>"),
        (),
        "is not a regular expression",
    ),
    (
        ("grade", ASSIGNMENT, "--submissions", "inputs/plain.zip", "--zip-pattern", "blackboard:Mars/Base"),
        (),
        "unknown time zone 'Mars/Base'",
    ),
    (("grade", ASSIGNMENT, "--zip-pattern", "canvas"), (), "pass the export with --submissions <export>.zip"),
    (("grade", ASSIGNMENT, "--submissions", "inputs/not_a.zip"), (), "is not a readable zip file"),
    (("grade", ASSIGNMENT, "--submissions", "inputs/missing.zip"), (), "is not a readable zip file"),
    (("grade", ASSIGNMENT, "--submissions", "inputs/no_folder"), (), "No submissions folder"),
    (("report", ASSIGNMENT), ("reports",), "Cannot write"),
    (("feedback", ASSIGNMENT), ("feedback",), "Cannot write"),
    (("rescore", ASSIGNMENT), ("autograded",), "Cannot write"),
    (("grade", ASSIGNMENT), ("reports",), "Cannot write"),
    (("grade", ASSIGNMENT), (".",), "Read-only file system"),
    (("rescore", ASSIGNMENT), (".",), "Read-only file system"),
    (("report", ASSIGNMENT), (".",), "Cannot write"),
    (("grade", ASSIGNMENT, "--scheduler", "tcp://127.0.0.1:1"), (), "cannot reach a Dask scheduler"),
]


@pytest.mark.parametrize(
    "args, read_only, said",
    IN_A_COURSE,
    ids=[" ".join(args) + "".join(f" ({f} read-only)" for f in ro) for args, ro, _ in IN_A_COURSE],
)
def test_bad_input_in_a_course_is_one_line_and_exit_status_1(course, args, read_only, said):
    before = fingerprint(course)
    result = autograder(course, *args, read_only=[course / folder for folder in read_only])
    assert result.returncode == status.EXIT_ERROR, result
    assert_one_clear_line(result.stderr, said)
    assert fingerprint(course) == before


def grading_course(course, target, students):
    """A copy of the course with ``students`` (name -> notebook text, or None: a misplaced folder)."""
    shutil.copytree(course, target, ignore=shutil.ignore_patterns("submitted", LOCKS))
    released = (course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    for student, text in students.items():
        folder = target / "submitted" / student / (ASSIGNMENT if text is not None else "other")
        folder.mkdir(parents=True)
        (folder / f"{NOTEBOOK}.ipynb").write_text(released if text == "released" else text or "")
    return target


def test_a_folder_that_was_not_collected_alone_is_reported_not_a_failed_run(course, tmp_path):
    root = grading_course(course, tmp_path / "course", {"cat": None})
    result = autograder(root, "grade", ASSIGNMENT)
    assert result.returncode == status.EXIT_OK, result
    assert_one_clear_line(result.stderr, "not collected: cat: no fc_nets folder in cat/", only=False)
    assert "cat,,,,,,,,not collected: no fc_nets folder in cat/" in (root / "reports/fc_nets_grades.csv").read_text()


@pytest.mark.parametrize(
    "signum, exit_status, said",
    [
        (signal.SIGINT, status.EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
        (signal.SIGTERM, 128 + signal.SIGTERM, "stopped (SIGTERM)"),
    ],
)
def test_an_interrupted_run_keeps_what_it_recorded_and_says_run_it_again(course, tmp_path, signum, exit_status, said):
    """Interrupted once one submission is recorded (its state file is written after the gradebook
    commit) while the other is still being graded: bob's notebook sleeps, so whichever is graded
    first, the other is running when the signal arrives, however fast the machine is."""
    released = nbformat.reads((course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(), as_version=4)
    released.cells.insert(0, nbformat.v4.new_code_cell("import time\ntime.sleep(20)"))
    root = grading_course(course, tmp_path / "course", {"ada": "released", "bob": nbformat.writes(released)})
    states = {s: root / "autograded" / s / ASSIGNMENT / ".autograder.json" for s in ("ada", "bob")}
    process = autograder(root, "grade", ASSIGNMENT, "--workers", "1", popen=True)
    deadline = time.monotonic() + 240
    while not any(state.is_file() for state in states.values()):
        assert process.poll() is None and time.monotonic() < deadline, "nothing was recorded"
        time.sleep(0.05)
    os.killpg(process.pid, signum)  # as a terminal's Ctrl-C reaches the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == exit_status, stderr
    assert_one_clear_line(stderr, said, "kept", "run the same command again", only=False)
    recorded = [student for student, state in states.items() if state.is_file()]
    assert len(recorded) == 1
    with sqlite3.connect(root / "gradebook.db") as db:
        assert db.execute("SELECT student_id FROM submitted_assignment").fetchall() == [(recorded[0],)]


def test_some_submission_not_graded_exits_2_and_a_zip_run_keeps_the_other_rows(course, tmp_path):
    root = grading_course(course, tmp_path / "course", {"ada": "released", "bob": "garbage", "cat": None})
    result = autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    assert result.returncode == status.EXIT_NOT_GRADED, result
    assert_one_clear_line(result.stderr, "could not be graded: bob: ", only=False)
    assert "1 graded, 0 awaiting hand grading, 1 could not be graded, 1 not collected" in result.stdout
    before = (root / "reports/fc_nets_grades.csv").read_text().splitlines()
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as export:
        export.writestr(f"zed_123_456_{NOTEBOOK}.ipynb", "garbage")
    result = autograder(root, "grade", ASSIGNMENT, "--submissions", str(tmp_path / "export.zip"))
    assert result.returncode == status.EXIT_NOT_GRADED, result
    after = (root / "reports/fc_nets_grades.csv").read_text().splitlines()
    assert set(before) < set(after) and len(after) == len(before) + 1  # 123 added, no other row changed
    assert any(row.startswith("fc_nets,,,123,") and "could not be graded:" in row for row in after)
