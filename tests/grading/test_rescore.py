"""`autograder rescore` stores what a full regrade would, from the records kept beside each notebook.

Two copies of the graded class get the same change (a tolerance, an expected value and
the points of a test cell): one is rescored, the other graded again from scratch with
--force. Gradebook rows, verdicts in the state files and verdict tables in the
autograded notebooks must be the same.
"""

import json
import shutil

import nbformat
import pytest
from class_builder import class_notebooks, write_class
from gradebook_rows import differences, gradebook_rows
from nbgrader import utils
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, GRADING_LIMITS, NOTEBOOK, clone, grades, run_autograder, run_nbgrader

from autograder.grading.records import compress_records, read_store, write_store
from autograder.judge import is_verdict_output

pytestmark = pytest.mark.slow


def change_grading(root):
    """A looser tolerance (cai's wrong scores pass), a new expected value (every relu check
    fails) and more points for test_adam."""
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    for spec in bundle["cells"]["test_fc_net_scores"]:
        spec["tol"] = 10.0
    bundle["cells"]["test_relu_forward"][1]["expected"] = bundle["cells"]["test_relu_backward"][1]["expected"]
    bundle_file.write_text(json.dumps(bundle))
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:  # as a release with new points would
        gb.find_graded_cell("test_adam", NOTEBOOK, ASSIGNMENT).max_score = 5
        source = gb.find_source_cell("test_adam", NOTEBOOK, ASSIGNMENT)
        source.checksum = utils.compute_checksum(
            nbformat.v4.new_code_cell(
                source.source,
                metadata={
                    "nbgrader": {
                        "grade": True,
                        "solution": False,
                        "locked": True,
                        "grade_id": "test_adam",
                        "points": 5.0,
                    }
                },
            )
        )
        gb.db.commit()


def state(root, student):
    return json.loads((root / "autograded" / student / ASSIGNMENT / ".autograder.json").read_text())


def verdict_tables(root, student):
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    return {
        c.metadata.nbgrader.grade_id: [o for o in c.outputs if is_verdict_output(o)]
        for c in nb.cells
        if c.cell_type == "code" and "nbgrader" in c.metadata
    }


@pytest.fixture(scope="module")
def rescored_and_regraded(graded_class, tmp_path_factory):
    rescored = clone(graded_class[0], tmp_path_factory.mktemp("rescored") / "course")
    shutil.copytree(graded_class[0] / "autograded", rescored / "autograded")
    regraded = clone(graded_class[0], tmp_path_factory.mktemp("regraded") / "course")
    write_class(regraded)
    for root in (rescored, regraded):
        change_grading(root)
    result = run_autograder(rescored, "rescore", ASSIGNMENT)
    run_autograder(regraded, "grade", ASSIGNMENT, "--force", "--workers", "2", *GRADING_LIMITS, check=False)
    return rescored, regraded, result


def test_rescoring_stores_the_grades_a_full_regrade_stores(rescored_and_regraded, graded_class):
    rescored, regraded, result = rescored_and_regraded
    assert "without executing any notebook" in result.stdout
    assert (
        differences(
            gradebook_rows(f"sqlite:///{regraded / 'gradebook.db'}"),
            gradebook_rows(f"sqlite:///{rescored / 'gradebook.db'}"),
        )
        == []
    )
    before, after = grades(graded_class[0]), grades(rescored)
    assert (before["cai"]["test_fc_net_scores"], after["cai"]["test_fc_net_scores"]) == (0, 2)
    assert before["ada"]["test_relu_forward"] == 1 and after["ada"]["test_relu_forward"] < 1
    assert (before["ada"]["test_adam"], after["ada"]["test_adam"]) == (3, 5)


def test_rescoring_writes_the_verdicts_a_full_regrade_writes(rescored_and_regraded):
    rescored, regraded, _ = rescored_and_regraded
    for student in ("ada", "ben", "cai", "eli"):
        assert state(rescored, student)["checks"] == state(regraded, student)["checks"], student
        assert state(rescored, student)["score"] == state(regraded, student)["score"], student
        assert verdict_tables(rescored, student) == verdict_tables(regraded, student), student


def test_records_kept_as_plain_json_by_an_older_version_are_rescored_alike(
    rescored_and_regraded, graded_class, tmp_path
):
    """A class graded before the records were compressed (format 1, plain JSON) rescores to
    the same gradebook, states and verdict tables as from the compressed records."""
    rescored, _, _ = rescored_and_regraded
    root = clone(graded_class[0], tmp_path / "course")
    shutil.copytree(graded_class[0] / "autograded", root / "autograded")
    stores = sorted(root.glob(f"autograded/*/{ASSIGNMENT}/.autograder-records.json"))
    assert len(stores) >= 4
    for store in stores:
        store.write_text(json.dumps({"format": 1, "notebooks": read_store(str(store))}))
    change_grading(root)
    run_autograder(root, "rescore", ASSIGNMENT)
    assert (
        differences(
            gradebook_rows(f"sqlite:///{rescored / 'gradebook.db'}"),
            gradebook_rows(f"sqlite:///{root / 'gradebook.db'}"),
        )
        == []
    )
    for student in ("ada", "ben", "cai", "eli"):
        assert state(root, student)["checks"] == state(rescored, student)["checks"], student
        assert verdict_tables(root, student) == verdict_tables(rescored, student), student


def test_rescoring_rejudges_only_the_cells_whose_checks_changed(graded_class, tmp_path):
    """test_adam's records are gone, but only test_fc_net_scores changed: test_adam keeps its grade."""
    root = clone(graded_class[0], tmp_path / "course")
    shutil.copytree(graded_class[0] / "autograded", root / "autograded")
    store = str(root / "autograded" / "ada" / ASSIGNMENT / ".autograder-records.json")
    records = read_store(store)
    records[NOTEBOOK]["test_adam"] = []
    write_store(store, {name: compress_records(cells) for name, cells in records.items()})
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    bundle["cells"]["test_fc_net_scores"][0]["tol"] = 0.5
    bundle_file.write_text(json.dumps(bundle))
    run_autograder(root, "rescore", ASSIGNMENT)
    assert grades(root)["ada"]["test_adam"] == 3

    bundle["cells"]["test_adam"][0]["tol"] = 0.5  # now test_adam is judged again, on no records
    bundle_file.write_text(json.dumps(bundle))
    run_autograder(root, "rescore", ASSIGNMENT)
    assert grades(root)["ada"]["test_adam"] == 0


def test_a_changed_set_of_test_cells_needs_a_regrade(graded_class, tmp_path):
    root = clone(graded_class[0], tmp_path / "course")
    shutil.copytree(graded_class[0] / "autograded", root / "autograded")
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    del bundle["cells"]["test_adam"]
    bundle_file.write_text(json.dumps(bundle))
    before = grades(root)
    result = run_autograder(root, "rescore", ASSIGNMENT, check=False)
    assert result.returncode == 2  # some submission could not be rescored
    assert "could not rescore ada: the test cells of FullyConnectedNets.ipynb in the grading bundle changed" in (
        result.stderr
    )
    assert "autograder grade --force" in result.stderr
    assert grades(root) == before


def test_a_submission_graded_by_plain_nbgrader_is_rescored_from_its_notebook(released_course, tmp_path):
    """Formgrader's Autograde button (plain nbgrader) keeps the records in the notebook: the first
    rescore reads them there, and keeps them beside it for the next one."""
    root = clone(released_course, tmp_path / "course")
    folder = root / "submitted" / "cai" / ASSIGNMENT
    shutil.copytree(root / "release" / ASSIGNMENT, folder)
    nbformat.write(class_notebooks(root)["cai"], folder / f"{NOTEBOOK}.ipynb")
    run_nbgrader(root, "autograde", ASSIGNMENT)
    assert grades(root)["cai"]["test_fc_net_scores"] == 0
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    for spec in bundle["cells"]["test_fc_net_scores"]:
        spec["tol"] = 10.0
    bundle_file.write_text(json.dumps(bundle))
    run_autograder(root, "rescore", ASSIGNMENT)
    assert grades(root)["cai"]["test_fc_net_scores"] == 2
    assert state(root, "cai")["verdict_keys"][NOTEBOOK]
    assert (root / "autograded" / "cai" / ASSIGNMENT / ".autograder-records.json").exists()


def test_a_graded_reference_submission_keeps_its_records_compressed(graded_class):
    """ada (the reference solutions pasted in): her kept records are the compressed store, read
    back whole, and a quarter smaller than the same records as plain JSON (format 1)."""
    folder = graded_class[0] / "autograded" / "ada" / ASSIGNMENT
    store = folder / ".autograder-records.json"
    records = read_store(str(store))
    assert set(records[NOTEBOOK]) >= {"test_fc_net_init", "test_best_model", "test_adam"}
    plain = len(json.dumps({"format": 1, "notebooks": records}, separators=(",", ":")))
    kept = store.stat().st_size
    print(
        f"ada: records {kept} bytes kept ({plain} as plain JSON), notebook "
        f"{(folder / f'{NOTEBOOK}.ipynb').stat().st_size} bytes"
    )
    assert kept <= 0.75 * plain
