"""nbgrader's gradebook, written many submissions per transaction.

``nbgrader autograde`` opens the gradebook a dozen times per submission and commits
once per cell. The rows it leaves are few and depend only on the autograded
notebook, so this module writes the same rows for a whole batch in one transaction,
with bulk statements through nbgrader's own models:

- ``student`` and the submission tree nbgrader's ``add_submission`` creates
  (``submitted_assignment`` with its timestamp, ``submitted_notebook``, a ``grade`` row
  per grade and task cell, a ``comment`` row per solution and task cell);
- what ``SaveAutoGrades`` writes: ``grade.auto_score`` and ``needs_manual_grade``
  (``manual_score IS NOT NULL OR auto_score IS NULL``, evaluated in the UPDATE, so a
  grader's concurrent manual score is respected), ``comment.auto_comment``;
- what autograde writes for a missing notebook when another notebook of the
  submission is there (every grade 0, nothing to review);
- what ``AssignLatePenalties`` writes: ``late_submission_penalty``, from the configured
  ``c.AssignLatePenalties.plugin_class`` and nbgrader's own clamping.

Scores stay nbgrader's SQL expressions (``column_property``), read back in the same
transaction. A notebook that could not be graded is left as nbgrader leaves it when
its autograde fails: as a fresh submission, with no automatic score, so formgrader
lists it as needing grading (so is a submission with none of its notebooks). Unlike
nbgrader, which says nothing, it is also flagged and its solution cells' automatic
comments say why, so formgrader shows a grader why a 0 is a 0 (the flag stays until
a grader clears it; the comments go at the next grading).
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from nbgrader.api import (
    Comment,
    Grade,
    Gradebook,
    MissingEntry,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
    new_uuid,
)
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy import Float, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import CourseError, RecordingError
from ..terminal import visible

GRADE, COMMENT, NOTEBOOK = Grade.__table__, Comment.__table__, SubmittedNotebook.__table__
SUBMISSION = SubmittedAssignment.__table__
COMMENT_CHARS = 1000  # a grader reads the reason, not a kilobyte of a student's traceback


def shown_url(db_url):
    """The gradebook URL as it may be printed: without its password."""
    return make_url(db_url).render_as_string(hide_password=True)


def first_line(error):
    """The database's own message (without SQLAlchemy's statement and parameters)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@dataclass
class NotebookRows:
    """What to record for one notebook of a submission."""

    state: str  # "graded", "missing" (scores 0) or "ungraded" (as a fresh submission)
    grades: dict = field(default_factory=dict)  # grade_id -> auto_score, when graded
    comments: dict = field(default_factory=dict)  # grade_id -> auto_comment, when graded
    problem: str = ""  # why a missing or ungraded notebook was not graded, shown to graders


@dataclass
class SubmissionRows:
    student: str
    timestamp: object  # naive UTC datetime from timestamp.txt, or None (kept as it is)
    notebooks: dict  # notebook name -> NotebookRows


@dataclass
class NotebookCells:
    id: str
    grade: dict  # grade cell name -> (base_cell id, max_score)
    task: dict  # task cell name -> (base_cell id, max_score)
    solution: dict  # solution cell name -> base_cell id


def _structure(gradebook, assignment):
    """The assignment's notebooks and cells, read once."""
    try:
        found = gradebook.find_assignment(assignment)
    except MissingEntry:
        raise CourseError(
            f"Assignment {assignment!r} is not in the gradebook: run `autograder release {assignment}` first."
        ) from None
    notebooks = {
        nb.name: NotebookCells(
            nb.id,
            {c.name: (c.id, c.max_score) for c in nb.grade_cells},
            {c.name: (c.id, c.max_score) for c in nb.task_cells},
            {c.name: c.id for c in nb.solution_cells},
        )
        for nb in found.notebooks
    }
    return found.id, found.duedate, found.max_score, notebooks


@dataclass
class _Tree:
    """Row ids of a batch's submissions in the gradebook."""

    submissions: dict  # student -> submitted_assignment id
    notebooks: dict  # (student, notebook name) -> submitted_notebook id
    grades: dict  # (submitted_notebook id, base_cell id) -> grade id
    comments: dict  # (submitted_notebook id, base_cell id) -> comment id


class BulkGradebook:
    """One assignment's rows in nbgrader's gradebook, written a batch per transaction."""

    def __init__(self, db_url, course_id, assignment, config, saves_grades=True, assigns_late_penalties=True):
        try:
            self._gradebook = Gradebook(db_url, course_id)  # nbgrader creates the schema and course row
        except OperationalError as error:
            raise RecordingError(f"cannot open the gradebook {shown_url(db_url)}: {first_line(error)}") from None
        self.engine = self._gradebook.engine
        try:
            self.assignment_id, self.duedate, self.max_score, self.notebooks = _structure(self._gradebook, assignment)
        except BaseException:
            self.close()
            raise
        self.saves_grades = saves_grades
        self._penalties = AssignLatePenalties(config=config) if assigns_late_penalties else None
        if self._penalties is not None:
            self._penalties.init_plugin()

    def close(self):
        self._gradebook.close()
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def points(self, name):
        """grade cell name -> points, for one notebook."""
        return {cell: max_score for cell, (_, max_score) in self.notebooks[name].grade.items()}

    def unknown_cells(self, name, rows):
        """Cells a graded notebook reports that the gradebook does not know (nbgrader fails those)."""
        cells = self.notebooks[name]
        return sorted(set(rows.grades) - set(cells.grade)) + sorted(
            set(rows.comments) - set(cells.solution) - set(cells.task)
        )

    # --- writing ------------------------------------------------------------------------
    def record(self, batch):
        """Record a batch of SubmissionRows in one transaction; returns student -> score."""
        with Session(self.engine) as session, session.begin():
            self._ensure_students(session, [entry.student for entry in batch])
            tree = self._ensure_tree(session, batch)
            graded, forced, comments = [], [], []
            for entry in batch:
                for name, rows in entry.notebooks.items():
                    self._grade_updates(tree, entry.student, name, rows, graded, forced, comments)
            self._update_grades(session, graded, forced)
            flagged = [
                {"b_id": tree.notebooks[(entry.student, name)]}
                for entry in batch
                for name, rows in entry.notebooks.items()
                if rows.problem
            ]
            if flagged:
                session.execute(
                    update(NOTEBOOK).where(NOTEBOOK.c.id == bindparam("b_id")).values(flagged=True), flagged
                )
            if comments:
                session.execute(
                    update(COMMENT)
                    .where(COMMENT.c.id == bindparam("b_id"))
                    .values(auto_comment=bindparam("b_comment")),
                    comments,
                )
            scores = self._notebook_scores(session, tree)
            self._assign_late_penalties(
                session,
                tree,
                [
                    (entry.student, name)
                    for entry in batch
                    for name, rows in entry.notebooks.items()
                    if rows.state != "missing"
                ],
                scores,
            )
            return self._scores(tree, scores)

    def update_auto_scores(self, updates):
        """Store new automatic scores (student -> {notebook: {grade_id: auto_score}}) and the late
        penalties of those submissions' notebooks, in one transaction; returns student -> score."""
        with Session(self.engine) as session, session.begin():
            tree = self._tree(session, list(updates), comments=False)
            graded = [
                {
                    "b_id": tree.grades[(tree.notebooks[(student, name)], self.notebooks[name].grade[cell][0])],
                    "b_auto": score,
                }
                for student, notebooks in updates.items()
                for name, scores in notebooks.items()
                for cell, score in scores.items()
            ]
            self._update_grades(session, graded, [])
            scores = self._notebook_scores(session, tree)
            self._assign_late_penalties(session, tree, [(s, name) for s in updates for name in self.notebooks], scores)
            return self._scores(tree, scores)

    # --- rows ---------------------------------------------------------------------------
    def _ensure_students(self, session, students):
        known = set(session.scalars(select(Student.id).where(Student.id.in_(students))))
        missing = sorted(set(students) - known)
        if missing:
            session.execute(insert(Student.__table__), [{"id": student} for student in missing])

    def _ensure_tree(self, session, batch):
        """The batch's submission trees, created as ``add_submission`` creates them where missing."""
        found = dict(
            session.execute(
                select(SUBMISSION.c.student_id, SUBMISSION.c.id).where(
                    SUBMISSION.c.assignment_id == self.assignment_id,
                    SUBMISSION.c.student_id.in_([entry.student for entry in batch]),
                )
            ).all()
        )
        new = [
            {
                "id": new_uuid(),
                "assignment_id": self.assignment_id,
                "student_id": entry.student,
                "timestamp": entry.timestamp,
                "extension": None,
            }
            for entry in batch
            if entry.student not in found
        ]
        if new:
            session.execute(insert(SUBMISSION), new)
        stamped = [
            {"b_id": found[entry.student], "b_timestamp": entry.timestamp}
            for entry in batch
            if entry.student in found and entry.timestamp is not None
        ]
        if stamped:
            session.execute(
                update(SUBMISSION)
                .where(SUBMISSION.c.id == bindparam("b_id"))
                .values(timestamp=bindparam("b_timestamp")),
                stamped,
            )
        tree = self._tree(session, [entry.student for entry in batch])
        self._fill_tree(session, tree)
        return tree

    def _tree(self, session, students, comments=True):
        submissions = dict(
            session.execute(
                select(SUBMISSION.c.student_id, SUBMISSION.c.id).where(
                    SUBMISSION.c.assignment_id == self.assignment_id, SUBMISSION.c.student_id.in_(students)
                )
            ).all()
        )
        owner = {submission: student for student, submission in submissions.items()}
        names = {cells.id: name for name, cells in self.notebooks.items()}
        notebooks = {
            (owner[assignment_id], names[notebook_id]): row_id
            for row_id, assignment_id, notebook_id in session.execute(
                select(NOTEBOOK.c.id, NOTEBOOK.c.assignment_id, NOTEBOOK.c.notebook_id).where(
                    NOTEBOOK.c.assignment_id.in_(list(owner))
                )
            ).all()
            if notebook_id in names
        }
        ids = list(notebooks.values())
        grades = {
            (nb, cell): row
            for row, nb, cell in session.execute(
                select(GRADE.c.id, GRADE.c.notebook_id, GRADE.c.cell_id).where(GRADE.c.notebook_id.in_(ids))
            ).all()
        }
        if comments:
            comments = {
                (nb, cell): row
                for row, nb, cell in session.execute(
                    select(COMMENT.c.id, COMMENT.c.notebook_id, COMMENT.c.cell_id).where(COMMENT.c.notebook_id.in_(ids))
                ).all()
            }
        return _Tree(submissions, notebooks, grades, comments or {})

    def _fill_tree(self, session, tree):
        """Insert the submitted notebooks, grades and comments that do not exist yet."""
        new_notebooks, new_grades, new_comments = [], [], []
        for student, submission in tree.submissions.items():
            for name, cells in self.notebooks.items():
                if (student, name) not in tree.notebooks:
                    tree.notebooks[(student, name)] = new_uuid()
                    new_notebooks.append(
                        {
                            "id": tree.notebooks[(student, name)],
                            "assignment_id": submission,
                            "notebook_id": cells.id,
                            "flagged": False,
                            "late_submission_penalty": None,
                        }
                    )
                notebook = tree.notebooks[(student, name)]
                for cell_id, _ in list(cells.grade.values()) + list(cells.task.values()):
                    if (notebook, cell_id) not in tree.grades:
                        tree.grades[(notebook, cell_id)] = new_uuid()
                        new_grades.append(
                            {
                                "id": tree.grades[(notebook, cell_id)],
                                "notebook_id": notebook,
                                "cell_id": cell_id,
                                "auto_score": None,
                                "manual_score": None,
                                "extra_credit": None,
                                "needs_manual_grade": True,
                            }
                        )
                for cell_id in list(cells.solution.values()) + [cell_id for cell_id, _ in cells.task.values()]:
                    if (notebook, cell_id) not in tree.comments:
                        tree.comments[(notebook, cell_id)] = new_uuid()
                        new_comments.append(
                            {
                                "id": tree.comments[(notebook, cell_id)],
                                "notebook_id": notebook,
                                "cell_id": cell_id,
                                "auto_comment": None,
                                "manual_comment": None,
                            }
                        )
        for table, rows in ((NOTEBOOK, new_notebooks), (GRADE, new_grades), (COMMENT, new_comments)):
            if rows:
                session.execute(insert(table), rows)

    def _grade_updates(self, tree, student, name, rows, graded, forced, comments):
        """Collect the grade and comment updates autograde makes for one notebook."""
        cells = self.notebooks[name]
        notebook = tree.notebooks[(student, name)]
        if rows.state == "graded":
            if not self.saves_grades:
                return
            graded += [
                {"b_id": tree.grades[(notebook, cells.grade[cell][0])], "b_auto": score}
                for cell, score in rows.grades.items()
            ]
            for cell, comment in rows.comments.items():
                cell_id = cells.solution[cell] if cell in cells.solution else cells.task[cell][0]
                comments.append({"b_id": tree.comments[(notebook, cell_id)], "b_comment": comment})
            return
        # missing: what autograde does for an absent notebook; ungraded: as a fresh submission
        score, review = (0.0, False) if rows.state == "missing" else (None, True)
        for cell_id, _ in list(cells.grade.values()) + list(cells.task.values()):
            forced.append({"b_id": tree.grades[(notebook, cell_id)], "b_auto": score, "b_review": review})
        if rows.state == "ungraded" or rows.problem:
            # Shown in formgrader; may quote the submission (a grade id, a file name).
            comment = visible(f"Not graded automatically: {rows.problem}")[:COMMENT_CHARS] if rows.problem else None
            comments += [
                {"b_id": tree.comments[(notebook, cell_id)], "b_comment": comment}
                for cell_id in cells.solution.values()
            ]
            comments += [
                {"b_id": tree.comments[(notebook, cell_id)], "b_comment": None} for cell_id, _ in cells.task.values()
            ]

    def _update_grades(self, session, graded, forced):
        if graded:
            auto = bindparam("b_auto", type_=Float)
            session.execute(
                update(GRADE)
                .where(GRADE.c.id == bindparam("b_id"))
                .values(auto_score=auto, needs_manual_grade=or_(GRADE.c.manual_score.isnot(None), auto.is_(None))),
                graded,
            )
        if forced:
            session.execute(
                update(GRADE)
                .where(GRADE.c.id == bindparam("b_id"))
                .values(auto_score=bindparam("b_auto", type_=Float), needs_manual_grade=bindparam("b_review")),
                forced,
            )

    def _assign_late_penalties(self, session, tree, converted, scores):
        """AssignLatePenalties for each converted (student, notebook): reset, then the plugin's penalty."""
        if self._penalties is None or not converted:
            return
        ids = [tree.notebooks[key] for key in converted]
        current = dict(
            session.execute(
                select(NOTEBOOK.c.id, NOTEBOOK.c.late_submission_penalty).where(NOTEBOOK.c.id.in_(ids))
            ).all()
        )
        late = {
            student: self._seconds_late(timestamp, extension)
            for student, timestamp, extension in session.execute(
                select(SUBMISSION.c.student_id, SUBMISSION.c.timestamp, SUBMISSION.c.extension).where(
                    SUBMISSION.c.id.in_([tree.submissions[student] for student, _ in converted])
                )
            ).all()
        }
        rows = []
        for student, name in converted:
            notebook, penalty = tree.notebooks[(student, name)], None
            if late[student] > 0:
                penalty = self._penalties.plugin_inst.late_submission_penalty(student, scores[notebook], late[student])
                if penalty is not None:
                    penalty = self._penalties._check_late_penalty(SimpleNamespace(score=scores[notebook]), penalty)
            if penalty != current[notebook]:
                rows.append({"b_id": notebook, "b_penalty": penalty})
        if rows:
            session.execute(
                update(NOTEBOOK)
                .where(NOTEBOOK.c.id == bindparam("b_id"))
                .values(late_submission_penalty=bindparam("b_penalty", type_=Float)),
                rows,
            )

    def _seconds_late(self, timestamp, extension):
        """nbgrader's ``SubmittedAssignment.total_seconds_late``, from the row's columns."""
        duedate = self.duedate + extension if self.duedate is not None and extension is not None else self.duedate
        if timestamp is None or duedate is None:
            return 0
        return max(0, (timestamp - duedate).total_seconds())

    @staticmethod
    def _notebook_scores(session, tree):
        """submitted notebook id -> score: nbgrader's ``Grade.score`` summed, as ``SubmittedNotebook.score``."""
        scores = dict.fromkeys(tree.notebooks.values(), 0.0)
        scores.update(
            session.execute(
                select(Grade.notebook_id, func.sum(Grade.score))
                .where(Grade.notebook_id.in_(list(scores)))
                .group_by(Grade.notebook_id)
            ).all()
        )
        return scores

    @staticmethod
    def _scores(tree, notebook_scores):
        """student -> score of the submission, as ``SubmittedAssignment.score`` (penalties not taken off)."""
        totals = dict.fromkeys(tree.submissions, 0.0)
        for (student, _), notebook in tree.notebooks.items():
            totals[student] += notebook_scores[notebook]
        return totals
