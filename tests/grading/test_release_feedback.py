"""nbgrader release_feedback with the course's exchange: one student's secret stops no one else's page."""

import shutil
import subprocess
import sys

import numpy as np
from support import REPO_ROOT

SECRET = "submission_secret.txt"


def course_with_feedback(tmp_path, secrets):
    """A course folder holding a feedback page for each student, with its secret (None: none)."""
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    course.mkdir()
    exchange.mkdir(mode=0o1777)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    for student, secret in secrets.items():
        folder = course / "feedback" / student / "fc_nets"
        folder.mkdir(parents=True)
        (folder / "FullyConnectedNets.html").write_text(f"<p>{student}</p>")
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00 UTC")
        if secret is not None:
            (folder / SECRET).write_bytes(secret.encode("utf-8", "surrogateescape"))
    return course, exchange


def release_feedback(course, exchange):
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "release_feedback", "fc_nets", f"--Exchange.root={exchange}"],
        cwd=course,
        capture_output=True,
        text=True,
    )


def test_a_bad_or_shared_secret_leaves_out_that_page_and_releases_the_others(tmp_path):
    """An empty secret raised inside nbgrader's loop and stopped the release for everyone after
    (twelfth red team); two submissions with one secret overwrote each other's page."""
    rng = np.random.default_rng(0)
    secrets = {
        "alice": rng.bytes(64).hex(),
        "bob": "",  # empty: nbgrader's notebook_hash asserted
        "carol": None,  # missing: nbgrader's open raised
        "dave": "\udcff not utf-8",
        "erin": rng.bytes(64).hex(),
        "fay": rng.bytes(64).hex(),
        "gus": rng.bytes(64).hex(),
    }
    secrets["fay"] = secrets["erin"]  # shared: their pages would overwrite each other
    course, exchange = course_with_feedback(tmp_path, secrets)
    result = release_feedback(course, exchange)
    assert result.returncode == 0, result.stderr
    released = sorted(page.read_text() for page in exchange.glob("*/feedback/*.html"))
    assert released == ["<p>alice</p>", "<p>gus</p>"]
    for student in ("bob", "carol", "dave"):
        assert f"No feedback released for {student} (FullyConnectedNets): its {SECRET} is missing" in result.stderr
    for student in ("erin", "fay"):
        assert f"No feedback released for {student} (FullyConnectedNets): another student's" in result.stderr


def test_feedback_folders_a_student_made_first_are_refused_and_a_folder_at_a_page_stops_only_that_page(tmp_path):
    """nbgrader made the exchange's feedback folder and wrote pages following links: a student who
    made the course's folder first could read every page, or overwrite a file of the
    instructor's; a folder at her page's name stopped the release (thirteenth red team)."""
    from nbgrader.utils import notebook_hash

    rng = np.random.default_rng(1)
    secrets = {student: rng.bytes(64).hex() for student in ("amy", "ben")}
    course, exchange = course_with_feedback(tmp_path, secrets)
    elsewhere = tmp_path / "instructors_folder"
    elsewhere.mkdir()
    (exchange / "nn-first-principles").mkdir()
    (exchange / "nn-first-principles" / "feedback").symlink_to(elsewhere)
    result = release_feedback(course, exchange)
    assert result.returncode != 0 and "feedback" in result.stderr and not list(elsewhere.iterdir())

    (exchange / "nn-first-principles" / "feedback").unlink()
    (exchange / "nn-first-principles" / "feedback").mkdir()
    blocked = (
        exchange
        / "nn-first-principles"
        / "feedback"
        / f"{notebook_hash(secret=secrets['amy'], notebook_id='FullyConnectedNets')}.html"
    )
    (blocked / "inside").mkdir(parents=True)
    result = release_feedback(course, exchange)
    assert result.returncode == 0, result.stderr
    assert "No feedback released for amy (FullyConnectedNets)" in result.stderr
    assert sorted(p.read_text() for p in exchange.glob("*/feedback/*.html") if p.is_file()) == ["<p>ben</p>"]
