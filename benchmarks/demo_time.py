"""The whole demo against the demo of fc_nets alone, side by side, each a first run.

Issue 19 asks that `make demo`, now releasing and grading three assignments (fc_nets,
batch_norm, dropout) and writing the course view, take about 1.5x what the demo of fc_nets
alone took. This runs, one after the other on the same machine, each in its own scratch
folder with no proofs on record (`<output>.proofs` absent), as on a fresh clone: each release
reuses the proof of the committed release when its inputs are exactly the same (the key in
`grading_bundle/<assignment>/proof_record.json`, written by the last `autograder release`),
and proves its checks otherwise (after any change to the toolkit, for instance):

- (a) `autograder demo --only fc_nets`: release, prove, the sample class graded, CSV,
  feedback and class report of fc_nets (and the course view of that one assignment);
- (b) `autograder demo`: the same for every assignment, then the course view.

Prints, for each, its wall time, the load average before and after, and where the time went
per assignment (releasing with its proof, then the class: writing, grading, CSV, feedback,
report; read from the demo's own log lines as they arrive), and as its last line
`demo time ratio (whole / fc_nets alone): X.XX`.

The whole demo starts with exactly the steps of (a) (copy the course, then fc_nets), so it also
prints the ratio of (b) to its own fc_nets part, both under the same load. `--whole-only` runs
(b) alone and ends with that ratio: half the time, for when a machine is too busy for both.
Run from the repository root: .venv/bin/python benchmarks/demo_time.py [--workers N] [--whole-only]
"""

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ALONE = "fc_nets"


def load():
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def run_demo(output, extra, transcript):
    """(seconds, [(seconds since start, line), ...]) of one `autograder demo` into ``output``."""
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(f"{output}.proofs", ignore_errors=True)
    command = [sys.executable, "-u", "-m", "autograder", "demo", "--output", str(output), *extra]
    lines = []
    started = time.monotonic()
    with (
        subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
        open(transcript, "w") as log,
    ):
        for line in process.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))
            log.write(f"{lines[-1][0]:8.1f}  {line}")
            log.flush()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {process.returncode}); its output: {transcript}")
    return seconds, lines


def phases(lines, total):
    """assignment -> (seconds releasing, seconds on the class), and the seconds of the course view."""
    marks = []  # (seconds, assignment, phase)
    for seconds, line in lines:
        if line.startswith("=== ") and line.endswith(" ==="):
            marks.append((seconds, line.strip("= "), "release"))
        elif line.startswith("wrote ") and "sample submissions" in line:
            marks.append((seconds, marks[-1][1], "class"))
        elif line.startswith("course view:"):
            marks.append((seconds, "", "view"))
    marks.append((total, "", "end"))
    found = {}
    for (start, assignment, phase), (end, _, _) in itertools.pairwise(marks):
        found.setdefault(assignment, {})[phase] = end - start
    return found


def alone_part(lines):
    """Seconds from the start of the whole demo to the end of its fc_nets part."""
    return next(s for s, line in lines if line.startswith("=== ") and line != f"=== {ALONE} ===")


def report(label, seconds, before, after, lines):
    print(f"{label}: {seconds / 60:.1f} min ({seconds:.0f} s); load average before {before}, after {after}")
    for assignment, spent in phases(lines, seconds).items():
        if assignment:
            print(
                f"  {assignment}: release and proof {spent.get('release', 0):.0f} s, "
                f"sample class graded, CSV, feedback, report {spent.get('class', 0):.0f} s"
            )
        else:
            print(f"  course view {spent.get('view', 0):.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", help="the demo's grading processes (default: the course's setting)")
    parser.add_argument(
        "--keep", help="a folder to keep both scratch courses and their timestamped transcripts in (default: none)"
    )
    parser.add_argument("--whole-only", action="store_true", help="run (b) alone; compare it with its fc_nets part")
    args = parser.parse_args()
    extra = ["--workers", args.workers] if args.workers else []
    scratch = Path(args.keep or tempfile.mkdtemp(prefix="demo-time-")).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    runs = [("(b) whole demo", "whole", [])]
    if not args.whole_only:
        runs.insert(0, (f"(a) demo of {ALONE} alone", "alone", ["--only", ALONE]))
    try:
        timings = {}
        for label, name, options in runs:
            before = load()
            seconds, lines = run_demo(scratch / name, extra + options, scratch / f"{name}.log")
            timings[name] = seconds
            report(label, seconds, before, load(), lines)
        part = alone_part(lines)
        ratio = timings["whole"] / part
        print(f"ratio of the whole demo to its own {ALONE} part ({part:.0f} s, same load): {ratio:.2f}")
        if "alone" in timings:
            print(f"demo time ratio (whole / {ALONE} alone): {timings['whole'] / timings['alone']:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
