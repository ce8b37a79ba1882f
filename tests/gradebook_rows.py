"""Every gradebook row autograding writes, without its generated ids, for comparing gradebooks.

Rows are keyed by what they mean (student, notebook, cell), so that two gradebooks
written by different graders (or on SQLite and PostgreSQL) compare equal exactly when
nbgrader's formgrader, export and feedback would see the same thing.
"""

import datetime

from sqlalchemy import create_engine, text

QUERIES = {
    "student": "select id, first_name, last_name, email from student",
    "submitted_assignment": """
        select s.student_id, a.name, s.timestamp, s.extension
        from submitted_assignment s join assignment a on a.id = s.assignment_id""",
    "submitted_notebook": """
        select s.student_id, n.name, sn.flagged, sn.late_submission_penalty
        from submitted_notebook sn join submitted_assignment s on s.id = sn.assignment_id
        join notebook n on n.id = sn.notebook_id""",
    "grade": """
        select s.student_id, n.name, c.name, c.type, g.auto_score, g.manual_score, g.extra_credit,
               g.needs_manual_grade
        from grade g join submitted_notebook sn on sn.id = g.notebook_id
        join submitted_assignment s on s.id = sn.assignment_id join notebook n on n.id = sn.notebook_id
        join base_cell c on c.id = g.cell_id""",
    "comment": """
        select s.student_id, n.name, c.name, c.type, m.auto_comment, m.manual_comment
        from comment m join submitted_notebook sn on sn.id = m.notebook_id
        join submitted_assignment s on s.id = sn.assignment_id join notebook n on n.id = sn.notebook_id
        join base_cell c on c.id = m.cell_id""",
}


def _plain(value):
    """Values as both SQLite and PostgreSQL return them: booleans, floats, SQLite's datetime text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and value in (0, 1):  # SQLite stores booleans as 0 / 1
        return bool(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def gradebook_rows(db_url):
    """table -> sorted list of rows (tuples), for the tables autograding writes."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                table: sorted((tuple(_plain(v) for v in row) for row in connection.execute(text(query))), key=repr)
                for table, query in QUERIES.items()
            }
    finally:
        engine.dispose()


def differences(expected, found):
    """Readable lines for every row one gradebook has and the other does not."""
    lines = []
    for table in QUERIES:
        mine, theirs = set(expected[table]), set(found[table])
        lines += [f"{table}: only in the first:  {row}" for row in sorted(mine - theirs, key=repr)]
        lines += [f"{table}: only in the second: {row}" for row in sorted(theirs - mine, key=repr)]
    return lines
