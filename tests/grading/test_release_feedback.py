"""nbgrader release_feedback with the course's exchange: one student's secret stops no one else's page."""

import shutil
import subprocess
import sys

import numpy as np
from support import REPO_ROOT

SECRET = "submission_secret.txt"


def test_a_bad_or_shared_secret_leaves_out_that_page_and_releases_the_others(tmp_path):
    """An empty secret raised inside nbgrader's loop and stopped the release for everyone after
    (eleventh red team); two submissions with one secret overwrote each other's page."""
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    course.mkdir()
    exchange.mkdir(mode=0o1777)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
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
    for student, secret in secrets.items():
        folder = course / "feedback" / student / "fc_nets"
        folder.mkdir(parents=True)
        (folder / "FullyConnectedNets.html").write_text(f"<p>{student}</p>")
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00 UTC")
        if secret is not None:
            (folder / SECRET).write_bytes(secret.encode("utf-8", "surrogateescape"))
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "release_feedback", "fc_nets", f"--Exchange.root={exchange}"],
        cwd=course,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    released = sorted(page.read_text() for page in exchange.glob("*/feedback/*.html"))
    assert released == ["<p>alice</p>", "<p>gus</p>"]
    for student in ("bob", "carol", "dave"):
        assert f"No feedback released for {student} (FullyConnectedNets): its {SECRET} is missing" in result.stderr
    for student in ("erin", "fay"):
        assert f"No feedback released for {student} (FullyConnectedNets): another student's" in result.stderr
