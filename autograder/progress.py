"""Progress for long runs: a live bar on a terminal, a short line now and then elsewhere, or
JSON lines for a program that follows the run.

A tqdm bar redrawn into a log file or a CI console becomes one line thousands of
characters long; off a terminal we print a plain line every ``every`` seconds instead.
With ``AUTOGRADER_PROGRESS=json`` in the environment every update is one JSON line on
stderr instead (``{"autograder_progress": {"desc", "done", "total", "elapsed", "eta", "postfix"}}``,
at most a few a second): the JupyterLab extension runs the same commands as subprocesses
and reads their progress that way, so the CLI and the extension share one progress path.
"""

import json
import os
import sys
import time

from tqdm import tqdm

PROGRESS_ENV = "AUTOGRADER_PROGRESS"
JSON_KEY = "autograder_progress"


class LineProgress:
    """The slice of tqdm's interface the grader uses, printed as periodic one-line updates."""

    def __init__(self, total, desc, every=10.0, stream=None):
        self.total, self.desc, self.every = total, desc, every
        self.stream = stream or sys.stderr
        self.done, self.postfix = 0, {}
        self.started = self.printed = time.monotonic()

    def set_postfix(self, values):
        self.postfix = dict(values)

    def update(self, count=1):
        self.done += count
        if time.monotonic() - self.printed >= self.every or self.done == self.total:
            self._print()

    def eta(self):
        """Seconds left at the rate so far, or None before the first item is done."""
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done) if self.done and self.total else None

    def _print(self):
        self.printed = time.monotonic()
        details = ", ".join(f"{key} {value}" for key, value in self.postfix.items())
        eta = self.eta()
        print(
            f"{self.desc}: {self.done}/{self.total}{f' ({details})' if details else ''} "
            f"after {self.printed - self.started:.0f} s"
            + (f", about {eta:.0f} s left" if eta is not None and self.done < self.total else ""),
            file=self.stream,
            flush=True,
        )

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class JsonProgress(LineProgress):
    """Progress as JSON lines for a program (the JupyterLab extension's jobs), with an ETA."""

    def __init__(self, total, desc, stream=None):
        super().__init__(total, desc, every=0.25, stream=stream)
        self._print()  # the total is known from the start

    def _print(self):
        self.printed = time.monotonic()
        elapsed = self.printed - self.started
        eta = self.eta()
        update = {
            "desc": self.desc,
            "done": self.done,
            "total": self.total,
            "elapsed": round(elapsed, 2),
            "eta": None if eta is None else round(eta, 1),
            "postfix": {k: str(v) for k, v in self.postfix.items()},
        }
        print(json.dumps({JSON_KEY: update}), file=self.stream, flush=True)


def parse_progress(line):
    """The update of a JSON progress line, or None for any other line."""
    if not line.startswith('{"' + JSON_KEY):
        return None
    try:
        update = json.loads(line)[JSON_KEY]
    except (ValueError, KeyError, TypeError):
        return None
    return update if isinstance(update, dict) else None


def progress(total, desc, enabled=True, stream=None, unit="submission"):
    """JSON lines when AUTOGRADER_PROGRESS=json, a tqdm bar on a terminal, LineProgress otherwise,
    nothing when not ``enabled``."""
    stream = stream or sys.stderr
    if enabled and os.environ.get(PROGRESS_ENV) == "json":
        return JsonProgress(total, desc, stream=stream)
    if enabled and not stream.isatty():
        return LineProgress(total, desc, stream=stream)
    return tqdm(total=total, desc=desc, disable=not enabled, unit=unit, dynamic_ncols=True, file=stream)
