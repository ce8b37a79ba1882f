"""Fixtures of the browser tests: one Chromium, and one formgrader on a graded scratch course.

The instructor's side is expensive to set up (a release, a graded class, a JupyterLab), so
it is made once per session, and tests/conftest.py keeps every test of this folder on one
pytest-xdist worker.
"""

import pytest
from class_builder import class_notebooks, write_submissions
from headless_chromium import launch, log_in, new_context
from lab_process import JupyterLab
from playwright.sync_api import sync_playwright
from support import ASSIGNMENT, GRADING_LIMITS, by_student, clone, run_autograder

# The reference solution (full marks but for the inline question, which waits for a grader)
# and the reference with a ReLU after the last layer (a common mistake).
STUDENTS = ("ada", "cai")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def reader(browser):
    """A page in a fresh browser context, for pages opened from disk."""
    context = new_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def graded_course(released_course, tmp_path_factory):
    """(course root, student -> entry of `autograder grade --json`): a scratch copy of the
    released course in which `autograder grade` has graded ada and cai."""
    root = clone(released_course, tmp_path_factory.mktemp("browser") / "course")
    notebooks = class_notebooks(root)
    write_submissions(root, {student: notebooks[student] for student in STUDENTS})
    result = run_autograder(root, "grade", ASSIGNMENT, "--workers", "2", "--json", *GRADING_LIMITS)
    return root, by_student(result)


@pytest.fixture(scope="session")
def formgrader(graded_course, tmp_path_factory):
    """JupyterLab with nbgrader's extensions on the graded course, started as the README says."""
    root, _ = graded_course
    args = [f"--ServerApp.root_dir={root}", f"--CourseDirectory.root={root}"]
    with JupyterLab(root, tmp_path_factory.mktemp("formgrader"), args) as lab:
        yield lab


@pytest.fixture(scope="session")
def instructor(browser, formgrader):
    """A browser context logged in to the formgrader server."""
    context = new_context(browser)
    log_in(context.new_page(), formgrader, "/formgrader").close()
    yield context
    context.close()


@pytest.fixture
def instructor_page(instructor):
    page = instructor.new_page()
    yield page
    page.close()
