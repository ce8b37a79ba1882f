"""Debian's chromium driven by Playwright for Python (sync API), and the moves every test makes.

``playwright install`` downloads a browser build, which cannot work on a machine that
reaches only package registries; Debian's ``chromium`` package (installed by .ci/run and
``make test``) is driven through ``executable_path`` instead. As root Chromium needs
``--no-sandbox``; the background-networking flags stop its calls home, which a closed
network refuses. Playwright starts it with a fresh ``--user-data-dir`` of its own, removed
when the browser closes, so no profile leaks from one run into the next.
"""

import os
import time
import urllib.parse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's defaults (30 s per action, 5 s per expectation) are for a quiet machine; CI's
# two cores are shared with kernels and other test workers.
ACTION_TIMEOUT = 90_000
expect.set_options(timeout=30_000)


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


def new_context(browser):
    context = browser.new_context()
    context.set_default_timeout(ACTION_TIMEOUT)
    return context


def log_in(page, lab, path):
    """Log in to ``lab`` on its login page with the token, as a person would, then go on to ``path``."""
    page.goto(f"{lab.url}/login?next={urllib.parse.quote(path)}")
    page.fill("input[name=password]", lab.token)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path.startswith(path))
    return page


def console_errors(page):
    """A list that fills with the page's console errors and uncaught exceptions from now on."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def assert_runs_no_script(page):
    """The page holds no script, and its Content-Security-Policy refuses one put into it."""
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1
    try:
        page.add_script_tag(content="window.scriptRan = true;")
    except PlaywrightError as refused:
        assert "Content Security Policy" in str(refused)
    assert page.evaluate("window.scriptRan === undefined")


def assert_images_shown(page, at_least):
    """At least ``at_least`` images, every one decoded (the CSP lets data: images through) and visible."""
    images = page.locator("img")
    assert images.count() >= at_least
    for index in range(images.count()):
        expect(images.nth(index)).to_be_visible()
    assert all(width > 0 for width in images.evaluate_all("images => images.map(i => i.naturalWidth)"))


def expect_text_after_reloads(page, url, locator_of, text, timeout=30):
    """Load ``url`` until ``locator_of(page)`` shows ``text``: formgrader keeps one gradebook
    session for the server's life, so a value written elsewhere may show only on a later load."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        try:
            expect(locator_of(page)).to_have_text(text, timeout=10_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def score_text(score, max_score):
    """A score as formgrader and our pages write it: 33.5 / 34."""
    return f"{score:g} / {max_score:g}"
