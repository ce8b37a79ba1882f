"""An instructor in formgrader (nbgrader's grading pages in JupyterLab) on a course that
`autograder grade` graded: our grades show, a grade entered by hand counts, and the
Generate Feedback and Autograde buttons keep the guarantees our commands give."""

import html
import json
import re
import time

import pytest
from headless_chromium import assert_runs_no_script, expect_text_after_reloads, score_text
from nbgrader.api import Gradebook
from playwright.sync_api import expect
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK, assert_no_secrets

pytestmark = pytest.mark.slow
QUESTION, QUESTION_POINTS = "inline_question_adagrad", 2  # the inline question, graded by hand
POINTS_BY_HAND = 1.5
COMMENT = "Right: the cache only grows, so the steps only shrink."
# formgrader's Autograde pop-up once showed 883 KB of DEBUG lines; a person reads this one.
LOG_LIMIT = 50_000
BUTTON_TIMEOUT = 180_000  # ms; the buttons block until nbgrader has finished


def submissions_url(lab):
    return f"{lab.url}/formgrader/manage_submissions/{ASSIGNMENT}"


def row(page, student):
    """A student's row in a formgrader table."""
    return page.locator("#main-table tr").filter(has=page.locator("td.student-id", has_text=re.compile(f"^{student}$")))


def expect_total(page, lab, student, text):
    expect_text_after_reloads(page, submissions_url(lab), lambda p: row(p, student).locator("td.score"), text)


def click_and_read_pop_up(page, button):
    """Click one of a submission's buttons and return the text of the log in the pop-up that follows."""
    button.click()
    pop_up = page.locator("#success-modal, #error-modal")
    expect(pop_up).to_be_visible(timeout=BUTTON_TIMEOUT)
    assert pop_up.get_attribute("id") == "success-modal", pop_up.inner_text()[-3000:]
    return pop_up.locator(".panel-body pre").first.inner_text()


@pytest.fixture(scope="session")  # not module: the browser modules may run interleaved
def graded_by_hand(instructor, formgrader):
    """ada's inline question given points and a comment in formgrader's grading view."""
    page = instructor.new_page()
    page.goto(submissions_url(formgrader))
    row(page, "ada").locator("td.student-name a").click()  # her submissions
    page.locator("#main-table a", has_text=NOTEBOOK).click()  # her notebook, in the grading view
    page.wait_for_url("**/formgrader/submissions/**")
    # Typing before formgrader has loaded the grades would change fields that nothing saves.
    page.wait_for_function("window.formgrader?.grades?.loaded && window.formgrader?.comments?.loaded")
    for field, value, kind in (
        (page.locator(f"input#{QUESTION}"), f"{POINTS_BY_HAND}", "grade"),
        (page.locator(f"textarea#{QUESTION}-comment"), COMMENT, "comment"),
    ):
        with page.expect_response(
            lambda r, kind=kind: f"/formgrader/api/{kind}/" in r.url and r.request.method == "PUT"
        ) as saved:
            field.fill(value)
            field.press("Tab")  # formgrader saves a field when it changes
        assert saved.value.ok, saved.value.text()
    page.close()


def test_formgrader_shows_the_grades_autograder_grade_recorded(instructor_page, formgrader, graded_course):
    _, graded = graded_course
    cai = graded["cai"]
    assert cai["status"] == "graded" and 0 < cai["score"] < cai["max_score"]
    expect_total(instructor_page, formgrader, "cai", score_text(cai["score"], cai["max_score"]))
    expect(row(instructor_page, "cai").locator("td.status")).to_have_text("needs manual grading")
    # ada's automatic part, on her page (her total changes once the inline question is graded by hand).
    row(instructor_page, "ada").locator("td.student-name a").click()
    code_score = instructor_page.locator("#main-table tr", has_text=NOTEBOOK).locator("td.code-score")
    expect(code_score).to_have_text(score_text(graded["ada"]["score"], graded["ada"]["max_score"] - QUESTION_POINTS))


def test_a_grade_entered_by_hand_changes_the_total(graded_by_hand, instructor_page, formgrader, graded_course):
    root, graded = graded_course
    ada = graded["ada"]
    expect_total(instructor_page, formgrader, "ada", score_text(ada["score"] + POINTS_BY_HAND, ada["max_score"]))
    expect(row(instructor_page, "ada").locator("td.status")).to_have_text("graded")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        grade = gb.find_grade(QUESTION, NOTEBOOK, ASSIGNMENT, "ada")
        assert (grade.manual_score, grade.needs_manual_grade) == (POINTS_BY_HAND, False)


def test_generate_feedback_writes_our_safe_page_with_the_grade_by_hand(
    graded_by_hand, instructor_page, formgrader, graded_course
):
    root, graded = graded_course
    page = instructor_page
    page.goto(submissions_url(formgrader))
    clicked = time.time()
    click_and_read_pop_up(page, row(page, "ada").locator("td.generate-feedback a"))
    path = root / "feedback" / "ada" / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert path.stat().st_mtime >= clicked - 1  # written by the button, not left from before
    text = html.unescape(path.read_text())
    assert 'http-equiv="Content-Security-Policy"' in text and "Total: " in text
    assert_no_secrets(root, text)
    page.goto(path.as_uri())
    ada = graded["ada"]
    total = score_text(ada["score"] + POINTS_BY_HAND, ada["max_score"])
    expect(page.locator("p.total")).to_have_text(f"Total: {total}")
    question = page.locator("tr").filter(has=page.locator("td", has_text=re.compile(f"^{QUESTION}$")))
    expect(question).to_contain_text(score_text(POINTS_BY_HAND, QUESTION_POINTS))
    expect(question).to_contain_text(COMMENT)
    assert_runs_no_script(page)


def test_autograde_button_keeps_state_sandbox_and_score(instructor_page, formgrader, graded_course, record_property):
    root, graded = graded_course
    page = instructor_page
    page.goto(submissions_url(formgrader))
    clicked = time.time()
    log = click_and_read_pop_up(page, row(page, "cai").locator("td.autograde a"))
    size = len(log.encode())
    record_property("autograde_pop_up_log_bytes", size)
    print(f"formgrader's Autograde pop-up log: {size} bytes, {log.count(chr(10)) + 1} lines")
    assert size < LOG_LIMIT, log[:3000]
    # Our post_convert_hook wrote the state file autograder grade would have written.
    state = root / "autograded" / "cai" / ASSIGNMENT / ".autograder.json"
    assert state.stat().st_mtime >= clicked - 1
    outcome = json.loads(state.read_text())
    assert (outcome["status"], outcome["message"]) == ("graded", "graded by nbgrader autograde")
    assert outcome["score"] == graded["cai"]["score"]
    # The sandboxed kernel's private folders are gone.
    assert list((root / "autograded").rglob(".kernel-*")) == []
    expect_total(page, formgrader, "cai", score_text(graded["cai"]["score"], graded["cai"]["max_score"]))
