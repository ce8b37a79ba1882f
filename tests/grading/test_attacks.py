"""The attack corpus graded in one batch with honest submissions (see attack_corpus.py).

For every attack: no undeserved points, the honest submissions keep full marks,
the gradebook and the course directory are intact, nothing is written outside the
scratch copy, and the batch finishes.
"""

import hashlib
import json
import shutil
import socket
import threading

import nbformat
import pytest
from attack_corpus import ATTACKS, HONEST_STYLES
from support import ASSIGNMENT, NOTEBOOK, clone, grades, run_autograder
from nbformat.v4 import new_code_cell

from autograder.authoring.library import apply_edits, edit_solution, load_library, paste_reference
from autograder.course import Course
from autograder.demo.sample_class import style_edits

pytestmark = pytest.mark.slow
LIMITS = ["--cell-timeout", "10", "--notebook-timeout", "45"]
UNTOUCHED_PATHS = ("nbgrader_config.py", "course", "source_assignments", "grading_bundle", "release")
DETECTS_GRADING = (
    "out = x.reshape(x.shape[0], -1) @ w + b",
    "out = x.reshape(x.shape[0], -1) @ w + b\n    import os\n"
    "    if os.environ.get('NBGRADER_EXECUTION') or not os.path.exists('/home'):\n"
    "        out = 0 * out  # behave differently when graded",
)
ALWAYS_WRONG = ("out = x.reshape(x.shape[0], -1) @ w + b", "out = 0 * (x.reshape(x.shape[0], -1) @ w + b)")


def tree_digest(root):
    digest = hashlib.sha256()
    for name in UNTOUCHED_PATHS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root)).encode() + file.read_bytes())
    return digest.hexdigest()


def tampered_metadata(released):
    """Pre-filled outputs and every kind of metadata edit on the graded cells."""
    nb = nbformat.from_dict(released)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    verdict = nbformat.v4.new_output("execute_result", data={"text/plain": "3.0"}, execution_count=1)
    cells["test_adam"].outputs = [verdict]
    cells["test_adam"].metadata.nbgrader.points = 100
    cells["test_sgd_momentum"].metadata.nbgrader.solution = True  # a test cell turned solution cell
    cells["test_rmsprop"].metadata.nbgrader.grade = False  # grade flag removed
    cells["test_relu_forward"].cell_type = "markdown"  # cell type changed
    del cells["test_relu_forward"]["outputs"], cells["test_relu_forward"]["execution_count"]
    nb.cells.remove(cells["test_affine_backward"])  # a test cell deleted
    nb.cells.remove(cells["test_softmax_loss"])  # and one moved to the top
    nb.cells.insert(0, cells["test_softmax_loss"])
    return nb


class ConnectionRecorder:
    """A TCP server on loopback that remembers whether anyone connected."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def attacked(released_course, tmp_path_factory):
    root = clone(released_course, tmp_path_factory.mktemp("attacks") / "course")
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    submitted = root / "submitted"
    victim = submitted / "honest_reference" / ASSIGNMENT
    recorder = ConnectionRecorder()

    notebooks = {name: apply_edits(pasted, style_edits(load_library(Course(root), ASSIGNMENT), styles))
                 for name, styles in HONEST_STYLES.items()}
    setup_index = next(i for i, c in enumerate(released.cells)
                       if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    for name, attack in ATTACKS.items():
        nb = nbformat.from_dict(released)
        code = attack["code"].replace("{root}", str(root)).replace("{victim}", str(victim))
        nb.cells.insert(setup_index + 1, new_code_cell(code.replace("{port}", str(recorder.port))))
        notebooks[name] = nb
    notebooks["metadata_tampering"] = tampered_metadata(released)
    notebooks["detects_grading"] = edit_solution(pasted, "affine_forward", *DETECTS_GRADING)
    notebooks["always_wrong_control"] = edit_solution(pasted, "affine_forward", *ALWAYS_WRONG)

    for student, nb in notebooks.items():
        folder = submitted / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
        for relative, text in ATTACKS.get(student, {}).get("files", {}).items():
            (folder / relative).write_text(text)

    before = tree_digest(root)
    result = run_autograder(root, "grade", ASSIGNMENT, "--workers", "2", "--json", *LIMITS, check=False)
    recorder.close()
    students = {s["student"]: s for s in json.loads(result.stdout)["students"]}
    return root, result, students, before, recorder


def cell_output(root, student, needle):
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    for cell in nb.cells:
        if needle in cell.source:
            return "".join(o.get("text", "") for o in cell.get("outputs", []))
    raise AssertionError(f"no cell with {needle!r}")


def test_the_batch_finishes_with_every_submission_graded(attacked):
    root, result, students, _, _ = attacked
    assert result.returncode == 0, result.stderr
    expected = set(ATTACKS) | set(HONEST_STYLES) | {"metadata_tampering", "detects_grading",
                                                    "always_wrong_control"}
    assert set(students) == expected
    assert all(s["status"].startswith("graded") for s in students.values()), {
        n: s["status"] for n, s in students.items() if not s["status"].startswith("graded")}


@pytest.mark.parametrize("attack", sorted(ATTACKS) + ["metadata_tampering"])
def test_no_attack_earns_a_point(attacked, attack):
    _, _, students, _, _ = attacked
    assert students[attack]["score"] == 0, students[attack]
    assert students[attack]["max_score"] == 34  # points restored from the gradebook


def test_honest_submissions_keep_full_marks(attacked):
    _, _, students, _, _ = attacked
    for name in HONEST_STYLES:
        assert students[name]["score"] == 32, (name, students[name]["message"])


def test_detecting_the_grader_is_judged_on_what_it_computes(attacked):
    _, _, students, _, _ = attacked
    assert students["detects_grading"]["score"] == students["always_wrong_control"]["score"] < 32


def test_tampered_cells_are_restored_and_judged(attacked):
    root, _, _, _, _ = attacked
    scores = grades(root)["metadata_tampering"]
    assert set(scores) >= {"test_adam", "test_sgd_momentum", "test_rmsprop", "test_relu_forward",
                           "test_affine_backward", "test_softmax_loss"}
    assert all(score == 0 for name, score in scores.items() if name.startswith("test_"))


def test_course_directory_and_gradebook_are_intact(attacked):
    root, _, students, before, _ = attacked
    assert tree_digest(root) == before
    assert not (root / "pwned").exists()
    assert set(grades(root)) == set(students)


def test_secrets_are_out_of_reach(attacked):
    root, _, _, _, _ = attacked
    printed = cell_output(root, "read_secrets", "targets = [")
    assert printed.count("DENIED") == 6 and "READ" not in printed
    assert "DENIED course" in cell_output(root, "import_reference_course", "from course.layers")
    assert "course found: False" in cell_output(root, "shadow_support_modules", "shutil.rmtree")


def test_nothing_is_written_outside_the_scratch_copy(attacked):
    root, _, _, _, _ = attacked
    printed = cell_output(root, "write_outside_scratch", "pwned")
    assert printed.count("DENIED") == 6 and "WROTE" not in printed
    assert not any(p.exists() for p in [root / "pwned", root.parent / "pwned"])


def test_no_network(attacked):
    root, _, _, _, recorder = attacked
    assert recorder.connections == 0
    assert "DENIED network" in cell_output(root, "network_connection", "create_connection")


def test_disruptive_submissions_are_stopped(attacked):
    _, _, students, _, _ = attacked
    assert students["os_exit"]["status"] == "graded (kernel died)"
    assert students["kill_own_kernel"]["status"] == "graded (kernel died)"
    assert students["infinite_loop_swallowing_interrupt"]["status"] == "graded (time limit)"
    assert students["kill_everything_it_can"]["status"] in ("graded (time limit)", "graded (kernel died)")
