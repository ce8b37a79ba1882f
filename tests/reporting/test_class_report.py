"""`autograder report`: the class report an instructor reads, and its numbers as JSON and CSV."""

import json
import re

import pytest
from support import ASSIGNMENT, run_autograder

pytestmark = pytest.mark.slow


def test_the_class_report_says_who_needs_help_first_then_questions_and_mistakes(graded_class):
    root, _ = graded_class
    result = run_autograder(root, "report", ASSIGNMENT)
    assert "class report: " in result.stdout
    assert "course view: " in result.stdout and (root / "reports" / "course.html").is_file()
    page = (root / "reports" / f"{ASSIGNMENT}_report.html").read_text()
    assert 'http-equiv="Content-Security-Policy"' in page and "<script" not in page
    assert page.count('src="data:image/png;base64,') == 2  # the grade distribution and the run times
    # What an instructor acts on comes first: the counts, who needs help, then the questions.
    assert page.index("Who needs help") < page.index("Questions, hardest first") < page.index("Grade distribution")
    numbers = json.loads((root / "reports" / f"{ASSIGNMENT}_report.json").read_text())
    counts = numbers["counts"]
    graded = [s for s in numbers["submissions"] if s["status"].startswith(("graded", "awaiting hand grading"))]
    assert all(s["graded"] for s in graded) and counts["awaiting_hand_grading"] >= 1  # an inline answer waits
    assert counts["graded"] == numbers["graded"] == len(graded) == 5
    assert counts["submissions"] == len(numbers["submissions"]) + counts["not_collected"]
    assert counts["not_collected"] == 1 and counts["could_not_be_graded"] == 3
    assert f"{counts['submissions']} submissions, 5 graded" in page and "awaiting hand grading" in page
    # Who needs help: every submission that could not be graded, with why, then low scores, lowest first.
    help_rows = numbers["needs_help"]
    assert [row["student"] for row in help_rows[:4]] == ["dee", "gus", "ivy", "hal"]
    assert help_rows[0]["why"].startswith("could not be graded") and help_rows[3]["why"].startswith("not collected")
    low = [row for row in help_rows[4:]]
    fractions = [row["score"] / row["max_score"] for row in low]
    assert fractions == sorted(fractions) and all(f < 0.6 for f in fractions)
    for row in low:  # a link to the student's own feedback page, which exists
        assert row["feedback"] and (root / "reports" / row["feedback"][0]).resolve().is_file()
        assert f'href="{row["feedback"][0]}"' in page
    # Questions, hardest first; the credit of answers waiting for a grader does not count.
    credits = [q["mean_credit"] for q in numbers["questions"]]
    assert credits == sorted(credits)
    credit = numbers["question_mean_credit"]
    assert credit["test_affine_forward"] > credit["test_fc_net_scores"]
    assert credit["inline_question_adagrad"] == 0.0
    # One row per mistake, counted once per student however many checks and questions showed it.
    labels = [m["mistake"] for m in numbers["common_mistakes"]]
    assert len(labels) == len(set(labels)) and not any(re.search(r"\d\.\d", label) for label in labels)
    relu = [m for m in numbers["common_mistakes"] if "never negative" in m["mistake"]]
    assert relu and relu[0]["students"] == 1 and len(relu[0]["questions"]) == 2
    assert numbers["check_failure_rate"]["fc_net_scores.scores"] > 0
    checks_csv = (root / "reports" / f"{ASSIGNMENT}_checks.csv").read_text()
    assert checks_csv.startswith("check,failure_rate") and "fc_net_scores.scores" in checks_csv
