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


def test_with_autograder_progress_json_every_update_is_a_json_line_with_an_eta(monkeypatch):
    """The JupyterLab extension's jobs read the CLI's progress this way."""
    from autograder.progress import JsonProgress, parse_progress

    monkeypatch.setenv("AUTOGRADER_PROGRESS", "json")
    log = io.StringIO()
    bar = progress(4, "grading fc_nets", stream=log)
    assert isinstance(bar, JsonProgress)
    bar.every = 0.0
    bar.set_postfix({"graded": 2})
    bar.update(2)
    updates = [parse_progress(line) for line in log.getvalue().splitlines()]
    assert updates[0]["done"] == 0 and updates[0]["total"] == 4 and updates[0]["eta"] is None
    assert updates[-1]["done"] == 2 and updates[-1]["desc"] == "grading fc_nets"
    assert updates[-1]["postfix"] == {"graded": "2"} and updates[-1]["eta"] >= 0
    assert parse_progress("grading fc_nets: 2/4 after 3 s") is None
    assert parse_progress('{"autograder_progress": ') is None  # cut short: not an update


def test_a_line_without_a_postfix_has_no_empty_brackets_and_says_how_long_is_left():
    """The release's proof has no postfix: its lines once read `proving the checks: 2/37 () after 13 s`."""
    log = io.StringIO()
    bar = progress(4, "proving the checks", stream=log)
    bar.every = 0.0
    bar.started -= 10.0  # ten seconds in
    bar.update(2)
    bar.update(2)
    first, last = log.getvalue().splitlines()
    assert "()" not in first and first.startswith("proving the checks: 2/4 after 10 s")
    assert first.endswith("s left") and "about 10 s left" in first  # 2 done in 10 s, 2 to go
    assert last.startswith("proving the checks: 4/4 after") and "left" not in last
