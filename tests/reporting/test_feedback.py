"""Feedback pages: the summary first, verdicts for the student, never hidden tests or expected values,
the same page from `autograder feedback` and from nbgrader's own generate_feedback (formgrader's button)."""

import html
import shutil

import pytest
from support import ASSIGNMENT, NOTEBOOK, assert_no_secrets, run_nbgrader

pytestmark = pytest.mark.slow
CSP = 'http-equiv="Content-Security-Policy"'


def test_feedback_opens_with_the_total_and_a_line_per_question(graded_class):
    root, _ = graded_class
    page = (root / "feedback" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert CSP in page and "<script" not in page
    summary = html.unescape(page[: page.index("<main>")])
    assert "Total: " in summary and "/ 34" in summary
    assert "test_fc_net_scores" in summary and "checks failed; first: fc_net_scores" in summary
    assert "inline_question_adagrad" in summary and "awaiting hand grading" in summary
    assert "fc_net_scores.scores" in html.unescape(page) and "FAIL" in page
    assert_no_secrets(root, html.unescape(page))
    assert len(page) < 400_000


def test_a_timeout_says_where_and_what_the_limit_was(graded_class):
    root, _ = graded_class
    page = html.unescape((root / "feedback" / "fay" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text())
    summary = page[: page.index("<main>")]
    assert "time limit" in summary and "in cell" in summary and "did not run" in summary


def test_formgraders_generate_feedback_makes_the_same_safe_page(graded_class, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded_class[0], root, ignore=shutil.ignore_patterns("feedback"))
    run_nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    page = (root / "feedback" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert CSP in page and "<script" not in page and "Total: " in page
    assert_no_secrets(root, html.unescape(page))
