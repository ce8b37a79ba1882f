"""The attack corpus graded in one batch with honest submissions (see attack_corpus.py),
through `autograder grade` and through plain `nbgrader autograde` with our configuration.

For every attack: no undeserved points; the honest submissions keep full marks; the course
directory and the gradebook are intact; nothing is written outside the scratch copy (the
host is searched for the marker); the batch finishes; no secret, forged verdict or hidden
test reaches the feedback pages, the JSON report, the state files or the CSV; no page runs
student script, formgrader's grading view (rendered with nbgrader's own exporter and
template) included; nothing printed to the instructor's terminal carries a control character.
"""

import hashlib
import html.parser
import json
import os
import re
import shutil
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from attack_corpus import ATTACKS, MARKER, SECRET
from nbformat.v4 import new_code_cell, new_markdown_cell
from support import ASSIGNMENT, NOTEBOOK, clone, grades, run_autograder

from autograder.authoring.leaks import secret_lines
from autograder.authoring.library import apply_edits, edit_solution, load_library, paste_reference
from autograder.checks import MIME_TYPE
from autograder.course import Course
from autograder.demo.sample_class import style_edits
from autograder.files import shown
from autograder.grading.records import RECORDS_FILE, read_store
from autograder.preprocessors import is_the_releases
from autograder.sanitise import clean_html, markdown_html, render_markdown
from autograder.spreadsheet import FORMULA_PREFIXES

pytestmark = pytest.mark.slow
LIMITS = ["--cell-timeout", "10", "--notebook-timeout", "45"]
PLAIN_LIMITS = ["--Execute.timeout=8", "--Autograder.notebook_timeout=30"]
UNTOUCHED_PATHS = ("nbgrader_config.py", "course", "source_assignments", "grading_bundle", "release")
DETECTS_GRADING = (
    "out = x.reshape(x.shape[0], -1) @ w + b",
    "out = x.reshape(x.shape[0], -1) @ w + b\n    import os\n"
    "    if os.environ.get('NBGRADER_EXECUTION') or not os.path.exists('/home'):\n"
    "        out = 0 * out  # behave differently when graded",
)
ALWAYS_WRONG = ("out = x.reshape(x.shape[0], -1) @ w + b", "out = 0 * (x.reshape(x.shape[0], -1) @ w + b)")
HONEST = {"honest_reference": [], "honest_warnings_float32": ["warnings", "dot"]}
LONG_HONEST_ID = "honest_" + "very_long_student_identifier_" * 3  # 97 characters: long socket paths once
HOST_PLACES = ("/work", "/usr", "/etc", "/root", "/var/tmp", "/tmp")


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


def duplicated_test_cell(pasted):
    """An honest notebook in which a test cell was copy-pasted."""
    nb = nbformat.from_dict(pasted)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "test_adam")
    nb.cells.insert(index + 1, nbformat.from_dict(nb.cells[index]))
    nb.cells[index + 1].id = "copy-of-test-adam"
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


def write_class(root, secret, port):
    """The whole corpus and the honest submissions in root/submitted; returns attack name -> student id."""
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    submitted = root / "submitted"
    context = {
        "root": str(root),
        "victim": submitted / "honest_reference" / ASSIGNMENT,
        "secret": str(secret),
        "port": str(port),
        "marker": MARKER,
        "slash": "/",
        "reference": str(root / "course"),
        "bundle": str(root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"),
        "source_notebook": str(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "source_folder": str(root / "source_assignments" / ASSIGNMENT),
    }
    setup_index = next(
        i for i, c in enumerate(released.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"
    )

    def fill(text):
        for key, value in context.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    library = load_library(Course(root), ASSIGNMENT)
    notebooks = {name: apply_edits(pasted, style_edits(library, styles)) for name, styles in HONEST.items()}
    notebooks["honest_duplicated_test_cell"] = duplicated_test_cell(pasted)
    notebooks[LONG_HONEST_ID] = pasted
    notebooks["metadata_tampering"] = tampered_metadata(released)
    notebooks["detects_grading"] = edit_solution(pasted, "affine_forward", *DETECTS_GRADING)
    notebooks["always_wrong_control"] = edit_solution(pasted, "affine_forward", *ALWAYS_WRONG)
    students = {name: name for name in notebooks}
    for name, attack in ATTACKS.items():
        nb = nbformat.from_dict(released)
        if attack.code:
            nb.cells.insert(setup_index + 1, new_code_cell(fill(attack.code)))
        if attack.markdown:
            nb.cells.insert(setup_index + 1, new_markdown_cell(attack.markdown))
        for cell in reversed(attack.cells):
            nb.cells.insert(setup_index + 1, nbformat.from_dict(cell))
        students[name] = attack.student or name
        notebooks[name] = attack.raw if attack.raw is not None else nb

    for name, nb in notebooks.items():
        folder = submitted / students[name] / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        if isinstance(nb, bytes):
            (folder / f"{NOTEBOOK}.ipynb").write_bytes(nb)
        else:
            nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
        attack = ATTACKS.get(name)
        if attack is not None:
            for relative, text in attack.files.items():
                (folder / relative).write_text(text)
            if attack.shape is not None:
                attack.shape(folder, context)
    return students


def marker_files():
    """Every file on the usual writable parts of the host whose name carries the marker."""
    found = []
    for place in HOST_PLACES:
        for current, dirs, names in os.walk(place):
            dirs[:] = [d for d in dirs if d not in ("proc", ".git", ".venv", "node_modules")]
            found += [os.path.join(current, n) for n in names + dirs if MARKER in n]
    return found


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    path = tmp_path_factory.mktemp("host") / "root-only.txt"
    path.write_text(SECRET)
    path.chmod(0o600)
    return path


def grade_class(released_course, tmp_path_factory, secret, name, command):
    root = clone(released_course, tmp_path_factory.mktemp(name) / "course")
    recorder = ConnectionRecorder()
    students = write_class(root, secret, recorder.port)
    before = tree_digest(root)
    result = command(root)
    recorder.close()
    return {"root": root, "result": result, "students": students, "before": before, "recorder": recorder}


@pytest.fixture(scope="module")
def attacked(released_course, tmp_path_factory, secret):
    run = grade_class(
        released_course,
        tmp_path_factory,
        secret,
        "attacks",
        lambda root: run_autograder(root, "grade", ASSIGNMENT, "--workers", "2", "--json", *LIMITS, check=False),
    )
    run["report"] = {s["student"]: s for s in json.loads(run["result"].stdout)["students"]}
    run["feedback"] = run_autograder(run["root"], "feedback", ASSIGNMENT)
    run["class_report"] = run_autograder(run["root"], "report", ASSIGNMENT)
    return run


@pytest.fixture(scope="module")
def attacked_plain(released_course, tmp_path_factory, secret):
    import subprocess
    import sys

    def nbgrader(root, *args):
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True)

    def command(root):
        result = nbgrader(root, "autograde", ASSIGNMENT, *PLAIN_LIMITS)
        nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
        nbgrader(root, "export", "--to", str(root / "plain_export.csv"))
        return result

    return grade_class(released_course, tmp_path_factory, secret, "plain-attacks", command)


def test_the_batch_finishes_and_reports_every_submission(attacked):
    report, students = attacked["report"], attacked["students"]
    assert set(report) == {shown(student) for student in students.values()}
    for name, attack in ATTACKS.items():
        status = report[shown(students[name])]["status"]
        if attack.intake is None:
            assert status.startswith("graded"), (name, status, report[shown(students[name])]["message"])
        else:
            assert status == attack.intake, (name, status, report[shown(students[name])]["message"])
    assert "Traceback" not in attacked["result"].stderr


@pytest.mark.parametrize("attack", sorted(ATTACKS) + ["metadata_tampering"])
def test_no_attack_earns_a_point(attacked, attack):
    entry = attacked["report"][shown(attacked["students"].get(attack, attack))]
    assert entry["score"] in (0, None), entry
    if entry["status"].startswith("graded"):
        assert entry["max_score"] == 34  # points restored from the gradebook


def test_honest_submissions_keep_full_marks(attacked):
    report = attacked["report"]
    for name in list(HONEST) + ["honest_duplicated_test_cell", LONG_HONEST_ID]:
        assert report[name]["score"] == 32, (name, report[name]["message"])
    assert "copy of the graded cell 'test_adam'" in report["honest_duplicated_test_cell"]["message"]


def test_detecting_the_grader_is_judged_on_what_it_computes(attacked):
    report = attacked["report"]
    assert report["detects_grading"]["score"] == report["always_wrong_control"]["score"] < 32


def test_intake_says_what_it_refused(attacked):
    message = {name: attacked["report"][shown(attacked["students"][name])]["message"] for name in ATTACKS}
    assert "symbolic link" in message["link_to_the_bundle"] and "hard link" in message["hard_link_to_the_bundle"]
    assert "FIFO" in message["fifo_blocks_readers"] and "device" in message["device_file"]
    assert "larger than" in message["huge_sparse_file"] and "more than 1000 files" in message["too_many_files"]
    assert "control characters" in message["odd_file_names"] and "timestamp.txt" in message["timestamp_not_a_date"]
    assert "formula" in message["id_formula_equals"] and "hidden" in message["id_hidden"]
    assert "no FullyConnectedNets.ipynb" in message["notebook_is_a_link_to_the_source"]


def test_course_directory_gradebook_and_host_are_intact(attacked):
    root = attacked["root"]
    assert tree_digest(root) == attacked["before"]
    assert marker_files() == []
    graded = {
        shown(s)
        for s in attacked["students"].values()
        if attacked["report"][shown(s)]["status"] not in ("not collected",)
    }
    assert set(grades(root)) == graded


def cell_text(root, student, needle):
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    for cell in nb.cells:
        if needle in cell.source:
            return "".join(str(o.get("text", "")) + str(o.get("data", "")) for o in cell.get("outputs", []))
    raise AssertionError(f"no cell with {needle!r}")


def test_secrets_are_out_of_reach(attacked):
    root = attacked["root"]
    printed = cell_text(root, "read_secrets", "targets = [")
    assert printed.count("DENIED") == 7 and "READ" not in printed
    assert "DENIED course" in cell_text(root, "import_reference_course", "from course.layers")
    assert "course found: False" in cell_text(root, "shadow_support_modules", "shutil.rmtree")
    for attack in (
        "link_to_the_bundle",
        "hard_link_to_the_bundle",
        "link_to_a_root_only_file",
        "hard_link_to_a_root_only_file",
        "link_to_the_host_root",
    ):
        assert "DENIED" in cell_text(root, attack, "except OSError"), attack
    environment = cell_text(root, "read_environment", "os.environ")
    assert "AUTOGRADER" not in environment and "gradebook" not in environment


def test_nothing_is_written_outside_the_scratch_copy(attacked):
    printed = cell_text(attacked["root"], "write_outside_scratch", "pwned")
    assert printed.count("DENIED") == 8 and "WROTE" not in printed


def test_no_network(attacked):
    assert attacked["recorder"].connections == 0
    assert "DENIED network" in cell_text(attacked["root"], "network_connection", "create_connection")


def test_disruptive_submissions_are_stopped(attacked):
    report = attacked["report"]
    assert report["os_exit"]["status"] == "graded (kernel died)"
    assert report["kill_own_kernel"]["status"] == "graded (kernel died)"
    assert report["infinite_loop_swallowing_interrupt"]["status"] == "graded (time limit)"
    assert report["kill_everything_it_can"]["status"] in ("graded (time limit)", "graded (kernel died)")
    for flood in ("display_update_flood", "output_metadata_flood", "error_text_flood"):
        assert report[flood]["status"] == "graded (output limit)", flood
    assert report["four_byte_characters"]["status"] == "graded (output limit)"  # counted in bytes
    for undecodable in ("integer_too_long_for_the_grader", "json_nested_too_deep"):
        assert report[undecodable]["status"] == "graded (unreadable output)", undecodable
        assert "the kernel sent output the grader cannot read in cell" in report[undecodable]["message"]
    # Messages over the cap are refused by the socket itself; the cell then never completes.
    for flood in ("print_100mb", "one_huge_message"):
        assert report[flood]["status"] in ("graded (output limit)", "graded (time limit)"), flood
    autograded = attacked["root"] / "autograded"
    assert max(p.stat().st_size for p in autograded.rglob("*.ipynb")) < 40 * 2**20


def test_a_lone_surrogate_becomes_the_replacement_character(attacked):
    """It once made the autograded notebook unwritable, after the previous one was deleted; the
    sanitised markdown shows it as U+FFFD, which renders as itself."""
    path = attacked["root"] / "autograded" / "lone_surrogate_in_markdown" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    assert attacked["report"]["lone_surrogate_in_markdown"]["status"] == "graded"
    assert "LONE SURROGATE: \ufffd END" in path.read_text(encoding="utf-8")


def test_a_kernel_s_processes_share_its_memory_limit(attacked):
    """Four processes of 1.2 GiB each under a 4 GiB kernel: one cgroup bounds the whole tree
    (where the machine has none, limits are per process, as the log says)."""
    from autograder import cgroups

    printed = cell_text(attacked["root"], "memory_spread_over_processes", "bytearray(1200")
    assert "MEMORY" in printed
    if cgroups.machine_hierarchy() is not None:
        assert "MEMORY 4 of 4" not in printed, printed


def test_examples_a_record_brings_are_neither_judged_nor_kept(attacked):
    """One recorded input grew the grading worker to 2.9 GB. The grader evaluates the public
    accuracy check on its own copy of the notebook's examples (a student's own check, which
    has no copy, refuses such a record before decoding: tests/core/test_confinement.py), and
    the kept records leave the recorded examples out."""
    checks = {c["name"]: c for c in attacked["report"]["huge_recorded_examples"]["checks"]}
    assert not checks["best_model.val_acc"]["passed"]
    store = read_store(str(attacked["root"] / "autograded" / "huge_recorded_examples" / ASSIGNMENT / RECORDS_FILE))
    kept = [o["data"][MIME_TYPE] for outputs in store[NOTEBOOK].values() for o in outputs]
    forged = [record for record in kept if record["name"] == "best_model.val_acc" and record.get("threshold") == 0.0]
    assert forged and all("inputs" not in record for record in forged)


class ActiveContent(html.parser.HTMLParser):
    """Collects anything in a page that could run script."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "svg", "form", "base", "frame", "frameset"):
            self.found.append(tag)
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on") or value.startswith(("javascript:", "vbscript:", "data:text", "data:image/svg")):
                self.found.append(f"{tag} {name}={value[:40]}")
            elif name == "href" and value.startswith("data:"):
                self.found.append(f"{tag} {name}={value[:40]}")


def assert_safe_pages(root, pages):
    hidden = secret_lines(
        [str(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
        str(root / "course"),
        Course(root).manifest(ASSIGNMENT),
    )
    hidden = [line for line, origin in hidden.items() if "hidden tests" in origin]
    assert pages
    for page in pages:
        text = page.read_text(errors="replace")
        parser = ActiveContent()
        parser.feed(text)
        assert parser.found == [], (page, parser.found)
        assert SECRET not in text, page
        assert "FORGED-VERDICT" not in text[: text.index("<main>")], page  # the summary
        assert not [line for line in hidden if line in html.unescape(text)], page


def test_feedback_pages_run_no_script_and_show_no_secrets(attacked):
    root = attacked["root"]
    assert_safe_pages(root, sorted((root / "feedback").rglob("*.html")))


def test_what_instructors_open_shows_no_active_content_or_forged_verdicts(attacked):
    root = attacked["root"]
    class_report = (root / "reports" / f"{ASSIGNMENT}_report.html").read_text()
    parser = ActiveContent()
    parser.feed(class_report)
    assert parser.found == [] and SECRET not in class_report and "FORGED-VERDICT" not in class_report
    assert "not collected" in class_report  # the refused ids are listed, as text
    for path in (root / "autograded").rglob("*.ipynb"):
        nb = nbformat.read(path, 4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not is_the_releases(cell):  # sanitised HTML rendering as itself
                assert render_markdown(cell.source).strip() == cell.source == markdown_html(cell.source), path
            for output in cell.get("outputs", []):
                kinds = set(output.get("data", {}))
                if "nn_autograder" in output.get("metadata", {}):
                    continue  # the judge's own verdict table
                assert not kinds & {"application/javascript", "image/svg+xml", "text/markdown"}, (path, kinds)
                if "text/html" in kinds:
                    assert clean_html(output["data"]["text/html"]) == output["data"]["text/html"], path
        assert SECRET not in path.read_text(errors="replace")
    for state in (root / "autograded").rglob(".autograder.json"):
        text = state.read_text()
        assert "FORGED-VERDICT" not in text and SECRET not in text
    assert "FORGED-VERDICT" not in attacked["result"].stdout and SECRET not in attacked["result"].stdout
    assert "SOURCE-OF-CELL" not in attacked["result"].stdout


def assert_safe_csv(path):
    import csv

    with open(path, newline="") as f:
        for row in csv.reader(f):
            for cell in row:
                assert not cell.startswith(FORMULA_PREFIXES) or _number(cell), (path, cell)


def _number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_the_csv_export_is_safe(attacked):
    assert_safe_csv(attacked["root"] / "reports" / f"{ASSIGNMENT}_grades.csv")


# --- the same corpus through plain nbgrader autograde (and formgrader's buttons, which call it) ---
def test_plain_nbgrader_gives_no_attack_a_point(attacked_plain):
    scores = grades(attacked_plain["root"])
    students = attacked_plain["students"]
    for name in list(ATTACKS) + ["metadata_tampering"]:
        student = students.get(name, name)
        if student in scores:
            earned = sum(s or 0 for cell, s in scores[student].items() if cell.startswith("test_"))
            assert earned == 0, (name, scores[student])
    for name in list(HONEST) + ["honest_duplicated_test_cell", LONG_HONEST_ID]:
        assert sum(s or 0 for s in scores[name].values()) == 32, (name, scores[name])


def test_plain_nbgrader_leaves_course_and_host_intact(attacked_plain):
    root = attacked_plain["root"]
    assert tree_digest(root) == attacked_plain["before"]
    assert marker_files() == []
    assert attacked_plain["recorder"].connections == 0
    for path in (root / "autograded").rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def forged_grader_files(root):
    """The grader's files under autograded/ and feedback/ that carry a student's forged content."""
    return [
        path
        for folder in ("autograded", "feedback")
        for path in (root / folder).rglob(".autograder*.json")
        if MARKER.encode() in path.read_bytes()
    ]


def test_handed_in_grader_files_are_never_taken_for_the_graders(attacked, attacked_plain):
    for run in (attacked, attacked_plain):
        assert forged_grader_files(run["root"]) == []
    assert not list((attacked_plain["root"] / "feedback").rglob(".autograder*.json"))


def test_plain_nbgrader_pages_and_exports_are_safe(attacked_plain):
    root = attacked_plain["root"]
    assert_safe_pages(root, sorted((root / "feedback").rglob("*.html")))
    assert_safe_csv(root / "plain_export.csv")
    assert not list(Path(root / "autograded").rglob(".kernel-*"))


# --- formgrader's grading view, rendered as formgrader renders it -------------------------------
# Attacks on what a page shows, which both grading paths grade (plain nbgrader autograde stops
# at the first student folder whose name its pattern cannot match, such as id_newline's).
PAGE_ATTACKS = (
    "markdown_html",
    "markdown_link_reference_in_a_list",
    "markdown_encoded_schemes",
    "markdown_files_prefix_scheme",
    "markdown_attachment_svg",
    "html_and_script_outputs",
    "html_output_tricks",
)
FORMGRADER_RESOURCES = {
    "assignment_id": ASSIGNMENT,
    "notebook_id": NOTEBOOK,
    "submission_id": "a-submission",
    "index": 0,
    "total": 1,
    "base_url": "",
    "student": "a-student",
    "last_name": None,
    "first_name": None,
    "notebook_path": "/notebooks/a-notebook.ipynb",
}


URL_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")


class Executable(html.parser.HTMLParser):
    """Everything in a page that could run script: script elements (with their text), event
    handlers, frames and plugins, forms, and URLs outside http(s), mailto, relative ones and
    embedded bitmaps."""

    def __init__(self):
        super().__init__()
        self.found, self.in_script = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "svg", "form", "base", "frame", "frameset", "math"):
            self.found.append((tag, tuple(sorted(attrs))))
            self.in_script = len(self.found) - 1 if tag == "script" else None
        for name, value in attrs:
            squeezed = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.found.append((tag, name, value))
            elif (
                name in ("href", "src", "action", "formaction")
                and URL_SCHEME.match(squeezed)
                and not squeezed.startswith(
                    (
                        "http:",
                        "https:",
                        "mailto:",
                        "data:image/png;base64,",
                        "data:image/jpeg;base64,",
                        "data:image/gif;base64,",
                    )
                )
            ):
                self.found.append((tag, name, squeezed[:60]))
            elif name in ("href", "action", "formaction") and squeezed.startswith("data:"):
                self.found.append((tag, name, squeezed[:60]))

    def handle_data(self, data):
        if self.in_script is not None:
            self.found[self.in_script] += (data.strip(),)

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = None


def formgrader_exporter(root):
    """The exporter formgrader's grading view (nbgrader's SubmissionHandler) renders autograded
    notebooks with: nbconvert's HTMLExporter, the formgrade template and the course's config."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config(Course(str(root)).config)
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    return HTMLExporter(config=config)


def formgrader_page(exporter, path):
    page, _ = exporter.from_filename(str(path), resources=dict(FORMGRADER_RESOURCES))
    return page


def executable(page):
    parser = Executable()
    parser.feed(page)
    return parser.found


def formgrader_findings(root, paths):
    """What could run script in formgrader's grading view of each notebook in ``paths``."""
    exporter = formgrader_exporter(root)
    return [executable(formgrader_page(exporter, path)) for path in paths]


def assert_formgrader_shows_nothing_active(root):
    """Every autograded notebook, in formgrader's grading view, runs exactly formgrader's own
    scripts and handlers: the honest reference's page is the measure. (Rendered by two
    processes: nbconvert takes a second or two a page.)"""
    import concurrent.futures
    import multiprocessing

    notebook = Path(ASSIGNMENT) / f"{NOTEBOOK}.ipynb"
    pages = sorted((root / "autograded").glob(f"*/{notebook}"))
    assert {path.parts[-3] for path in pages} >= set(PAGE_ATTACKS)  # the attacks on pages are among them
    own = formgrader_findings(root, [root / "autograded" / "honest_reference" / notebook])[0]
    assert any(found[0] == "script" for found in own)  # the measure holds formgrader's scripts
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        found = [f for half in pool.map(formgrader_findings, [root, root], [pages[::2], pages[1::2]]) for f in half]
    for path, findings in zip(pages[::2] + pages[1::2], found, strict=True):
        extra = [finding for finding in findings if finding not in own]
        assert extra == [], (path, extra[:5])


def test_formgraders_grading_view_shows_nothing_active(attacked):
    assert_formgrader_shows_nothing_active(attacked["root"])


def test_formgraders_grading_view_after_plain_nbgrader_shows_nothing_active(attacked_plain):
    assert_formgrader_shows_nothing_active(attacked_plain["root"])


# --- what reaches the instructor's terminal ------------------------------------------------------
def raw_controls(text):
    """Characters a terminal would act on (line breaks aside)."""
    return sorted({repr(char) for char in text if not char.isprintable() and char != "\n"})


def test_nothing_printed_to_the_terminal_carries_a_control_character(attacked):
    hostile = attacked["students"]["foreign_notebook_with_terminal_escapes"]
    assert "cell0\\x1b[2K" in attacked["result"].stderr  # its reason is printed, visibly
    for result in (attacked["result"], attacked["feedback"], attacked["class_report"]):
        assert raw_controls(result.stdout + result.stderr) == []
    assert f"no feedback for {hostile}: could not be graded: " in attacked["feedback"].stderr


def test_check_prints_hostile_record_names_as_visible_text(attacked):
    root = attacked["root"]
    for attack, summary in (
        ("terminal_escapes_in_record_names", "instructor: 0 / "),
        ("terminal_escapes_in_grade_ids", "instructor: 0 / "),
    ):
        notebook = root / "submitted" / attacked["students"][attack] / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        result = run_autograder(root, "check", str(notebook), check=False)
        assert result.returncode == 1 and summary in result.stdout, result.stdout[-2000:]
        assert raw_controls(result.stdout + result.stderr) == []
        if attack == "terminal_escapes_in_record_names":  # its verdicts quote the escapes, visibly
            assert "\\x1b]52;c;" in result.stdout


def test_plain_nbgrader_logs_no_control_character(attacked_plain):
    printed = attacked_plain["result"].stdout + attacked_plain["result"].stderr
    assert "\\x1b[2K" in printed  # nbgrader did log the hostile grade ids, visibly
    assert raw_controls(printed) == []
