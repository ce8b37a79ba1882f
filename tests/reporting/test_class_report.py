"""`autograder report`: the class report an instructor reads, and its numbers as JSON and CSV."""

import json

import pytest
from support import ASSIGNMENT, run_autograder

pytestmark = pytest.mark.slow


def test_the_class_report_shows_the_class_and_what_could_not_be_graded(graded_class):
    root, _ = graded_class
    result = run_autograder(root, "report", ASSIGNMENT)
    assert "class report: " in result.stdout
    page = (root / "reports" / f"{ASSIGNMENT}_report.html").read_text()
    assert 'http-equiv="Content-Security-Policy"' in page and "<script" not in page
    assert page.count('src="data:image/png;base64,') >= 4  # distribution, questions, checks, run times
    for shown in ("Grade distribution", "Mean credit per question", "Checks failed most often", "dee",
                  "could not be graded", "hal", "not collected", "gus", "empty", "awaiting hand grading"):
        assert shown in page, shown
    numbers = json.loads((root / "reports" / f"{ASSIGNMENT}_report.json").read_text())
    graded = [s for s in numbers["submissions"] if s["status"].startswith(("graded", "awaiting hand grading"))]
    assert numbers["awaiting_hand_grading"] >= 1  # an inline answer waits for a person
    assert numbers["graded"] == len(graded) == 5 and sorted(numbers["scores"]) == sorted(s["score"] for s in graded)
    assert numbers["check_failure_rate"]["fc_net_scores.scores"] > 0
    assert numbers["question_mean_credit"]["test_affine_forward"] > numbers["question_mean_credit"]["test_fc_net_scores"]
    # Answers still waiting for a grader do not count; only unanswered ones (0 points) are final.
    assert numbers["question_mean_credit"]["inline_question_adagrad"] == 0.0
    checks_csv = (root / "reports" / f"{ASSIGNMENT}_checks.csv").read_text()
    assert checks_csv.startswith("check,failure_rate") and "fc_net_scores.scores" in checks_csv
