"""Feedback pages: verdicts for the student, never hidden tests or expected values."""

import html
import json

import pytest
from support import ASSIGNMENT, NOTEBOOK

from autograder.authoring.leaks import secret_lines

pytestmark = pytest.mark.slow


def test_feedback_shows_verdicts_but_no_hidden_tests_or_expected_values(graded_class):
    root, _ = graded_class
    page = html.unescape((root / "feedback" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text())
    assert "fc_net_scores.scores" in page and "FAIL" in page and "relative error" in page
    hidden = secret_lines([str(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
                          str(root / "course"))
    leaked = [line for line, origin in hidden.items() if "hidden tests" in origin and line in page]
    assert leaked == []
    with open(root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json") as f:
        bundle = json.load(f)
    for specs in bundle["cells"].values():
        for spec in specs:
            expected = spec.get("expected", {})  # an array, or a dict of arrays in "entries"
            for encoded in list(expected.get("entries", {}).values()) or [expected]:
                if not spec["public"] and len(encoded.get("data", "")) >= 16:
                    assert encoded["data"] not in page
