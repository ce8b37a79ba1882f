"""The one status vocabulary: the words every report shows, and grade's exit status."""

from autograder import status


def test_each_kind_reads_as_one_of_the_five_words():
    assert status.label("graded") == "graded"
    assert status.label("graded", "", 2) == "awaiting hand grading (2 points)"
    assert status.label("graded (time limit)", "", 1) == "awaiting hand grading (1 point; time limit)"
    assert status.label("graded (output limit)") == "graded (output limit)"  # graded, a limit hit
    for kind in ("invalid", "missing", "empty", "error"):
        assert status.label(kind, "why") == "could not be graded: why"
        assert status.label(kind, None, 5) == "could not be graded"  # a hand-graded flag changes nothing
    assert status.label("not collected", "refused '.x'") == "not collected: refused '.x'"
    assert status.label("no submission") == "no submission"


def test_a_run_fails_only_when_a_collected_submission_could_not_be_graded():
    assert status.run_exit_status(["graded", "graded (kernel died)", "not collected"]) == status.EXIT_OK == 0
    assert status.run_exit_status(["graded", "empty"]) == status.EXIT_NOT_GRADED == 2
    assert status.run_exit_status(["error", "not collected"]) == 2
    assert status.run_exit_status([]) == 0
    for code in ("0", "1", "2", "75", "130"):
        assert f"\n  {code} " in "\n" + status.EXIT_STATUS_HELP.split("\n", 1)[1]
