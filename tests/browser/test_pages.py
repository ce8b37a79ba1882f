"""Pages an instructor opens from disk in a browser: a student's feedback page and the
class report. They render (the total, the verdicts, the figures) and run no script: both
carry a Content-Security-Policy, and the browser enforces it."""

import pytest
from headless_chromium import assert_images_shown, assert_runs_no_script, console_errors, score_text
from playwright.sync_api import expect
from support import ASSIGNMENT, NOTEBOOK, run_autograder

pytestmark = pytest.mark.slow


def test_a_feedback_page_renders_and_runs_no_script(graded_course, reader):
    root, graded = graded_course
    run_autograder(root, "feedback", ASSIGNMENT)
    errors = console_errors(reader)
    reader.goto((root / "feedback" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.html").as_uri())
    cai = graded["cai"]
    expect(reader.locator("p.total")).to_have_text(f"Total: {score_text(cai['score'], cai['max_score'])}")
    expect(reader.locator("tr.fail", has_text="test_fc_net_scores")).to_be_visible()  # her mistake
    # Her training curves come after the first test cell, where hidden tests had run: not shown.
    expect(reader.get_by_text("[output not shown: from the first test cell on").first).to_be_visible()
    assert reader.locator("img").count() == 0
    assert errors == []
    assert_runs_no_script(reader)


def test_the_class_report_renders_its_figures_and_runs_no_script(graded_course, reader):
    root, _ = graded_course
    run_autograder(root, "report", ASSIGNMENT)
    errors = console_errors(reader)
    reader.goto((root / "reports" / f"{ASSIGNMENT}_report.html").as_uri())
    expect(reader.get_by_role("heading", name=f"Class report: {ASSIGNMENT}")).to_be_visible()
    for heading in ("Who needs help", "Questions, hardest first"):
        expect(reader.get_by_role("heading", name=heading)).to_be_visible()
    for figure in ("Grade distribution", "Time to run one submission"):
        expect(reader.get_by_alt_text(figure, exact=True)).to_be_visible()
    assert_images_shown(reader, at_least=2)
    assert errors == []
    assert_runs_no_script(reader)
