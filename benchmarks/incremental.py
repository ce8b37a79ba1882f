"""Incremental work: a release and a feedback run with nothing changed, against the full ones.

Builds the demo's course (`autograder demo`: a proven release, the sample class graded,
its feedback), then times, in the same run and on the same machine:

- `autograder release fc_nets --force` (the whole release and its proof) against
  `autograder release fc_nets` with nothing changed (says so, proves nothing);
- `autograder feedback fc_nets` with no page rendered yet against the same command again
  (every page unchanged).

Prints each time and, as its last line, `release speedup: X.X feedback speedup: Y.Y`.
Run from the repository root: .venv/bin/python benchmarks/incremental.py
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "fc_nets"


def timed(root, *args):
    """(seconds, stdout) of one `autograder` command run in the course ``root``."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=root, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2", help="processes for the demo's grading and the feedback")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="incremental-"))
    try:
        root = scratch / "demo"
        subprocess.run(
            [sys.executable, "-m", "autograder", "demo", "--output", str(root), "--workers", args.workers],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        full_release, _ = timed(root, "release", ASSIGNMENT, "--force")
        skipped_release, said = timed(root, "release", ASSIGNMENT)
        assert "nothing changed" in said, said
        shutil.rmtree(root / "feedback")
        full_feedback, first = timed(root, "feedback", ASSIGNMENT, "--workers", args.workers)
        unchanged_feedback, second = timed(root, "feedback", ASSIGNMENT, "--workers", args.workers)
        assert "rendered 0 feedback page(s)" in second, second
        print(f"release with its proof: {full_release:.1f} s; nothing changed: {skipped_release:.1f} s")
        print(f"feedback, every page: {full_feedback:.1f} s ({first.strip()})")
        print(f"feedback, nothing changed: {unchanged_feedback:.1f} s ({second.strip()})")
        print(
            f"release speedup: {full_release / skipped_release:.1f} "
            f"feedback speedup: {full_feedback / unchanged_feedback:.1f}"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
