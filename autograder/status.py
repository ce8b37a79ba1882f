"""The one status vocabulary every surface speaks, and what a command's exit status means.

A submission is, to everyone who reads about it (the ``grade`` summary, the grades CSV,
``--json``, the class report, feedback pages):

- ``graded``: every automatic check ran and its points are in the gradebook;
- ``awaiting hand grading (N points)``: graded, and N points of inline (hand-graded)
  questions still wait for a person in formgrader; it counts as graded;
- ``could not be graded: <reason>``: collected, but no grade could be computed (a broken
  or missing notebook, an empty folder, a worker lost, an interrupted run);
- ``not collected: <reason>``: something in the submissions that no student could be
  recorded for (a refused folder name, no folder for this assignment);
- ``no submission``: a student in the gradebook with nothing handed in.

The grader remembers finer kinds per submission (``state.Outcome.status``: ``invalid``,
``empty``, ``graded (time limit)``...); ``--json`` keeps that kind as ``status`` for
scripts, and every human-facing word comes from ``label`` here.
"""

GRADED = "graded"
AWAITING_HAND_GRADING = "awaiting hand grading"
NOT_GRADED = "could not be graded"
NOT_COLLECTED = "not collected"
NO_SUBMISSION = "no submission"

# Kinds (Outcome.status) of a submission whose automatic grades are in the gradebook.
GRADED_KINDS = (
    "graded",
    "graded (time limit)",
    "graded (output limit)",
    "graded (unreadable output)",
    "graded (kernel died)",
)
INTERRUPTED = "grading was interrupted: run `autograder grade` again"

# Exit statuses of every `autograder` command.
EXIT_OK = 0
EXIT_ERROR = 1  # a usage, course or input error: the line on stderr says what to fix
EXIT_NOT_GRADED = 2  # `grade` / `rescore` finished, but some collected submission could not be graded / rescored
EXIT_RUN_AGAIN = 75  # EX_TEMPFAIL: the Dask cluster was lost mid-batch; the same command finishes it
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT); 143 for SIGTERM (128 + the signal's number)

EXIT_STATUS_HELP = """exit status:
  0    every collected submission was graded (awaiting hand grading counts as graded);
       folders that were not collected are listed, not a failure
  1    a usage, course or input error: the line on stderr says what to fix
  2    the run finished, but some submission could not be graded (listed on stderr;
       `rescore`: could not be rescored)
  75   the Dask cluster was lost: run the same command again to finish
  130  interrupted by Ctrl-C (143: SIGTERM); what was recorded is kept, run it again"""


def word(kind, hand_points=0.0):
    """The vocabulary word for a submission of this kind with ``hand_points`` awaiting a person."""
    if kind in GRADED_KINDS:
        return AWAITING_HAND_GRADING if hand_points else GRADED
    if kind == NOT_COLLECTED:
        return NOT_COLLECTED
    if kind == NO_SUBMISSION:
        return NO_SUBMISSION
    return NOT_GRADED


def counts_as_graded(kind):
    return kind in GRADED_KINDS


def label(kind, message=None, hand_points=0.0):
    """What a person reads: the word, with the points awaiting hand grading, and the reason
    after a colon unless ``message`` is None (a table shows the reason in a column of its own).

    A graded kind keeps its qualifier (``graded (time limit)``, ``awaiting hand grading (2 points;
    time limit)``): graded, with a limit hit."""
    shown = word(kind, hand_points)
    if shown == AWAITING_HAND_GRADING:
        qualifier = kind.partition(" (")[2].rstrip(")")
        return (
            f"{AWAITING_HAND_GRADING} ({hand_points:g} point{'' if hand_points == 1 else 's'}"
            f"{'; ' + qualifier if qualifier else ''})"
        )
    if shown == GRADED:
        return kind
    if shown in (NOT_GRADED, NOT_COLLECTED) and message is not None:
        return f"{shown}: {message or kind}"
    return shown


def run_exit_status(kinds):
    """A grading run's exit status from its submissions' kinds: 2 when some collected one
    could not be graded, else 0 (a folder that was not collected alone is no failure)."""
    return EXIT_NOT_GRADED if any(word(kind) == NOT_GRADED for kind in kinds) else EXIT_OK
