"""Progress for long runs: a live bar on a terminal, a short line now and then elsewhere.

A tqdm bar redrawn into a log file or a CI console becomes one line thousands of
characters long; off a terminal we print a plain line every ``every`` seconds instead.
"""

import sys
import time

from tqdm import tqdm


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

    def _print(self):
        self.printed = time.monotonic()
        details = ", ".join(f"{key} {value}" for key, value in self.postfix.items())
        print(f"{self.desc}: {self.done}/{self.total} ({details}) after {self.printed - self.started:.0f} s",
              file=self.stream, flush=True)

    def close(self):
        pass


def progress(total, desc, enabled=True, stream=None):
    """A tqdm bar on a terminal, LineProgress otherwise, nothing when not ``enabled``."""
    stream = stream or sys.stderr
    if enabled and not stream.isatty():
        return LineProgress(total, desc, stream=stream)
    return tqdm(total=total, desc=desc, disable=not enabled, unit="submission", dynamic_ncols=True, file=stream)
