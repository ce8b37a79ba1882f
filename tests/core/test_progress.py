"""Progress: a bar on a terminal, short periodic lines in a log."""

import io

from autograder.progress import LineProgress, progress


def test_off_a_terminal_progress_is_short_lines():
    log = io.StringIO()
    bar = progress(3, "grading fc_nets", stream=log)
    assert isinstance(bar, LineProgress)
    bar.every = 0.0
    bar.set_postfix({"graded": 1, "failed": 0})
    for _ in range(3):
        bar.update()
    lines = log.getvalue().splitlines()
    assert lines[-1].startswith("grading fc_nets: 3/3 (graded 1, failed 0) after")
    assert max(len(line) for line in lines) < 100 and "\r" not in log.getvalue()


def test_progress_can_be_off():
    log = io.StringIO()
    bar = progress(3, "x", enabled=False, stream=log)
    bar.update()
    assert log.getvalue() == ""
