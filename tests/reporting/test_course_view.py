"""The course view: every student by every assignment, from the gradebook and the state files."""

import csv

from nbgrader.api import Gradebook

from autograder.course import Course
from autograder.grading.state import Outcome, write_state
from autograder.reporting.course_view import course_table, write_course_view

HOSTILE = "<b>=cmd"  # a student id is a folder name: escaped in HTML


def course_with_gradebook(root):
    """Three assignments, two of them in the gradebook: ada graded in fc_nets, nothing in
    dropout; HOSTILE's dropout could not be graded; nobody has batch_norm yet."""
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    for assignment in ("batch_norm", "dropout", "fc_nets"):
        (root / "source_assignments" / assignment).mkdir(parents=True)
    course = Course(str(root))
    with Gradebook(course.db_url, course.course_id) as gb:
        for assignment in ("dropout", "fc_nets"):
            gb.add_assignment(assignment)
            gb.add_notebook("Notebook", assignment)
            gb.add_grade_cell("q", "Notebook", assignment, max_score=4, cell_type="code")
            gb.add_grade_cell("inline", "Notebook", assignment, max_score=2, cell_type="markdown")
        for student in ("ada", HOSTILE):
            gb.add_student(student)
        gb.add_submission("fc_nets", "ada")
        grade = gb.find_grade("q", "Notebook", "fc_nets", "ada")
        grade.auto_score, grade.needs_manual_grade = 3, False  # as autograding leaves it
        inline = gb.find_grade("inline", "Notebook", "fc_nets", "ada")
        inline.manual_score, inline.needs_manual_grade = 1, False  # as formgrader leaves it
        gb.db.commit()
        gb.add_submission("dropout", HOSTILE)
    write_state(course, "fc_nets", Outcome("ada", "graded"))
    write_state(course, "dropout", Outcome(HOSTILE, "invalid", "the notebook is not valid JSON"))
    return course


def test_each_student_has_a_score_or_a_status_for_every_assignment(tmp_path):
    course = course_with_gradebook(tmp_path)
    assignments, rows = course_table(course)
    assert assignments == ["batch_norm", "dropout", "fc_nets"]
    by_student = {row["student"]: row for row in rows}
    ada, hostile = by_student["ada"], by_student[HOSTILE]
    assert ada["fc_nets"] == {"score": 4.0, "max_score": 6.0, "status": "graded"}
    assert ada["dropout"]["status"] == ada["batch_norm"]["status"] == "no submission"
    assert hostile["dropout"] == {"score": None, "max_score": None, "status": "could not be graded"}
    assert (ada["total"], ada["max_total"], hostile["total"], hostile["max_total"]) == (4.0, 6.0, 0, 0)


def test_the_page_and_the_spreadsheet_escape_what_students_named(tmp_path):
    course = course_with_gradebook(tmp_path)
    page = open(write_course_view(course), encoding="utf-8").read()
    assert "&lt;b&gt;=cmd" in page and "<b>" not in page
    assert '<a href="fc_nets_report.html">fc_nets</a>' in page and "<td>4 / 6</td>" in page
    with open(tmp_path / "reports" / "course.csv", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"ada", HOSTILE}  # "<" starts no formula
    assert rows["ada"]["fc_nets"] == "4 / 6" and rows["ada"]["total"] == "4" and rows["ada"]["max_total"] == "6"
    assert rows[HOSTILE]["dropout"] == "could not be graded" and rows[HOSTILE]["batch_norm"] == "no submission"
