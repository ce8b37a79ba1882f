"""Grade exports that are safe to open in a spreadsheet.

nbgrader's ``CsvExportPlugin`` writes its rows with ``",".join`` and no quoting: a
comma, quote or newline in a name splits the row, and a cell starting with ``=``,
``+``, ``-`` or ``@`` is run as a formula by Excel, LibreOffice and Google Sheets (CSV
injection). ``SafeCsvExportPlugin`` writes the same columns through the csv module and
neutralises formula prefixes; nbgrader_config.py makes ``nbgrader export`` use it, and
``autograder grade`` writes its report through ``write_csv``.
"""

import csv
import re

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .files import FORMULA_PREFIXES

COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


# Characters a terminal or an editor acts on (escape sequences, carriage returns, bidi
# overrides) and lone surrogates (a file name that is not UTF-8): written escaped, so that
# `cat report.csv` shows them instead of obeying them, and the file always encodes.
ACTED_ON = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def spreadsheet_cell(value):
    """A value as CSV text that no spreadsheet will evaluate and no terminal will act on."""
    text = "" if value is None else str(value)
    text = ACTED_ON.sub(lambda found: found.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)
    if text.startswith(FORMULA_PREFIXES) or text[:1] in ("\t", "\r"):
        try:
            float(text)  # a negative number is data, not a formula
        except ValueError:
            return "'" + text
    return text


def write_csv(path, fields, rows):
    """Rows (dicts) as a quoted CSV file with neutralised formula prefixes."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: spreadsheet_cell(row.get(key)) for key in fields})


class SafeCsvExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export, with quoting and neutralised formula prefixes."""

    def rows(self, gradebook):
        """One dict per assignment and student, with nbgrader's columns and values."""
        assignments, students = [str(a) for a in self.assignment], [str(s) for s in self.student]
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                row = {
                    "assignment": assignment.name,
                    "duedate": assignment.duedate,
                    "student_id": student.id,
                    "last_name": student.last_name,
                    "first_name": student.first_name,
                    "email": student.email,
                    "max_score": assignment.max_score,
                }
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                else:
                    penalty = submission.late_submission_penalty
                    row.update(
                        timestamp=submission.timestamp,
                        raw_score=submission.score,
                        late_submission_penalty=penalty,
                        score=max(0.0, submission.score - penalty),
                    )
                yield row

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", dest)
        write_csv(dest, COLUMNS, self.rows(gradebook))
