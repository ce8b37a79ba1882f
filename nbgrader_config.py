"""nbgrader configuration for this course: the repository is the course directory.

Run nbgrader (or `autograder`) from this folder. Source notebooks live in
source_assignments/, the student versions in release/, expected values in
grading_bundle/; submitted/, autograded/, feedback/ and the gradebook are student
data and never committed.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    IgnorePattern,
    LimitOutput,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from autograder.execution import GuardedExecute
from autograder.grading.exchange import SafeExchangeCollect, SafeExchangeReleaseAssignment, SafeExchangeSubmit
from autograder.grading.feedback_exchange import SafeExchangeReleaseFeedback
from autograder.grading.writer import RESERVED_NAMES
from autograder.manifest import MANIFEST_FILE
from autograder.preprocessors import (
    DemoteDuplicateCells,
    JudgeChecks,
    NeutraliseStudentContent,
    ReplaceLoneSurrogates,
    RestoreCellRoles,
)
from autograder.reporting.feedback import FeedbackExporter, FeedbackView, GetGradesForFeedback
from autograder.sandbox import SandboxedKernelManager
from autograder.spreadsheet import SafeCsvExportPlugin

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "nn-first-principles"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "source_assignments"
c.CourseDirectory.release_directory = "release"
# The gradebook: SQLite next to this file by default; any SQLAlchemy URL via the environment.
c.CourseDirectory.db_url = os.environ.get("AUTOGRADER_DB_URL", "sqlite:///" + os.path.join(here, "gradebook.db"))

# Before execution: nbgrader's sanitisers, with OverwriteCells extended to restore each
# graded cell's role (a test cell relabelled as a solution cell is a test cell again), and
# a copy-pasted graded cell graded once instead of the whole notebook rejected.
c.Autograde.sanitize_preprocessors = [
    ReplaceLoneSurrogates,
    ClearOutput,
    DemoteDuplicateCells,
    OverwriteKernelspec,
    RestoreCellRoles,
    CheckCellMetadata,
]
# nbgrader generate_assignment (formgrader's Generate button) releases as `autograder release`
# does: expected values recorded, leak check, checks proven; a refused release is withdrawn.
c.GenerateAssignment.pre_convert_hook = "autograder.proving.hooks.release_before_generate"
c.GenerateAssignment.post_convert_hook = "autograder.proving.hooks.withdraw_unproven_release"

# Hidden tests record values; JudgeChecks (right after execution) compares them with the
# expected values in grading_bundle/ and sets each test cell's score, outside the student's
# kernel. GuardedExecute is nbgrader's Execute with a notebook time limit and an output cap;
# NeutraliseStudentContent makes student HTML, JavaScript and links inert before formgrader
# or a feedback page shows them.
c.JudgeChecks.bundle_directory = os.path.join(here, "grading_bundle")
c.Autograde.autograde_preprocessors = [
    GuardedExecute,
    JudgeChecks,
    NeutraliseStudentContent,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# A submission that deleted a test cell gets it back (and is judged on it).
c.OverwriteCells.add_missing_cells = True
# Before nbgrader copies a submission (following links as it does), links and special
# files are removed from it; after, the outcome is remembered as autograder grade
# remembers it (autograder/grading/hooks.py).
c.Autograde.pre_convert_hook = "autograder.grading.hooks.refuse_unsafe_entries"
c.Autograde.post_convert_hook = "autograder.grading.hooks.remember_outcome"

# Feedback pages (nbgrader generate_feedback and formgrader's button) show verdicts and a
# summary, never hidden tests; no student HTML or script runs in them (autograder/reporting/feedback.py).
c.GenerateFeedback.preprocessors = [GetGradesForFeedback, FeedbackView]
c.GenerateFeedback.exporter_class = FeedbackExporter
# Generate Feedback writes as `autograder feedback` does: under the assignment's course lock
# (autograder/lock.py; Generate and Autograde take it in their hooks above).
c.GenerateFeedback.pre_convert_hook = "autograder.lock.lock_before_feedback"
c.GenerateFeedback.post_convert_hook = "autograder.lock.unlock_after_feedback"

# `nbgrader export` writes quoted CSV that no spreadsheet evaluates as formulas.
c.ExportApp.plugin_class = SafeCsvExportPlugin

# nbgrader's exchange with identity and time from the system (autograder/grading/exchange.py):
# `nbgrader release_assignment` leaves inbound/ sticky (no student can rename or remove a
# classmate's submission); `nbgrader submit` leaves a submission writable by its student only
# (put this line in the configuration the students' nbgrader reads too, e.g. the hub's
# /etc/jupyter/nbgrader_config.py); `nbgrader collect` takes a folder only from the account of the
# student it names, dates it by its last inode change (cross-checked with timestamp.txt,
# the later counts), writes that time to submitted/<student>/<assignment>/timestamp.txt,
# copies plain regular files only, and reports every folder it refuses. Where student ids
# are not account names: c.SafeExchangeCollect.student_accounts = {"s1234": "alice", ...}.
# The exchange's folders and release log are trusted only from root and the account running
# the command; a course with several instructors names the others (never a group: students
# share groups): c.SafeExchangeReleaseAssignment.instructor_accounts = ["ta1", "prof2"].
c.ExchangeFactory.release_assignment = SafeExchangeReleaseAssignment
c.ExchangeFactory.submit = SafeExchangeSubmit
c.ExchangeFactory.collect = SafeExchangeCollect
# release_feedback one student at a time: a submission_secret.txt a student wrote empty or
# shared stops no one else's feedback (autograder/grading/feedback_exchange.py).
c.ExchangeFactory.release_feedback = SafeExchangeReleaseFeedback

# Late policy: nbgrader's LateSubmissionPlugin, applied by AssignLatePenalties (in plain
# nbgrader autograde and in autograder grade) to the time in timestamp.txt against the due
# date in the gradebook (`nbgrader db assignment add fc_nets --duedate="2027-03-01 23:59 UTC"`,
# or formgrader's Manage Assignments). "zero": a late submission scores 0.
c.LateSubmissionPlugin.penalty_method = "zero"

# Every student kernel starts inside bubblewrap (see autograder/sandbox.py), under the
# limits of c.Autograder (memory_limit, cpu_seconds, max_processes, ...: autograder/settings.py).
c.Execute.kernel_manager_class = SandboxedKernelManager

# Our state and kept records beside each autograded submission are never copied by
# nbgrader: not from a submission into autograded/ (a student's forged copy), nor from
# autograded/ into feedback/ (formgrader's Generate Feedback). An assignment's manifest
# (autograder/manifest.py) describes it to the toolkit and is not released to students.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    MANIFEST_FILE,
    *sorted(RESERVED_NAMES),
]

# nbgrader's log names what submissions hold (student ids from folder names, file names,
# grade ids): its terminal handler writes every control character as a visible escape
# (autograder/terminal.py), so a submission cannot rewrite the grader's terminal.
c.Application.logging_config = {
    "filters": {"visible": {"()": "autograder.terminal.VisibleLogText"}},
    "handlers": {"console": {"filters": ["visible"]}},
}

# Time limits: per cell (nbgrader's own setting) and per notebook (seconds).
c.Execute.timeout = 120
c.Autograder.notebook_timeout = 600
