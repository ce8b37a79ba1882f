"""Grade exports a spreadsheet cannot be tricked by (CSV injection, split rows)."""

import csv
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook
from support import copy_course

from autograder.spreadsheet import spreadsheet_cell, write_csv


def test_formula_prefixes_are_neutralised_but_numbers_are_not():
    assert spreadsheet_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert spreadsheet_cell("+1+2") == "'+1+2" and spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0"
    assert spreadsheet_cell("-1.5") == "-1.5" and spreadsheet_cell(None) == "" and spreadsheet_cell(32.0) == "32.0"


def test_rows_stay_rows_whatever_the_names(tmp_path):
    path = tmp_path / "grades.csv"
    rows = [{"student_id": "a,b", "last_name": 'say "hi"\nthere', "score": 1.0}]
    write_csv(path, ["student_id", "last_name", "score"], rows)
    with open(path, newline="") as f:
        read = list(csv.DictReader(f))
    assert read == [{"student_id": "a,b", "last_name": 'say "hi"\nthere', "score": "1.0"}]


@pytest.mark.slow  # runs nbgrader export in a course copy (115 s measured on a loaded machine)
def test_plain_nbgrader_export_uses_the_safe_plugin(tmp_path):
    root = copy_course(tmp_path / "course")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nn-first-principles") as gb:
        gb.add_assignment("fc_nets")
        gb.add_student("=1+1", last_name="-2+3,evil", first_name="@x")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(tmp_path / "out.csv")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "out.csv", newline="") as f:
        row = next(csv.DictReader(f))
    assert row["student_id"] == "'=1+1" and row["last_name"] == "'-2+3,evil" and row["first_name"] == "'@x"
