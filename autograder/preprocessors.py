"""The nbgrader preprocessors our nbgrader_config.py plugs into nbgrader's own pipelines.

- ``DemoteDuplicateCells`` (sanitising, in place of nbgrader's ``DeduplicateIds``) grades a
  copy-pasted graded cell once instead of letting nbgrader reject the notebook;
- ``RestoreCellRoles`` extends nbgrader's ``OverwriteCells`` (sanitising, before execution)
  to restore each graded cell's role as well as its source;
- ``JudgeChecks`` goes right after execution in ``c.Autograde.autograde_preprocessors``
  and scores each test cell from its recorded values (see ``judge.judge_notebook``);
- ``NeutraliseStudentContent`` follows it and passes student markdown and outputs through
  one allow-list (sanitise.py) in the autograded notebook that formgrader and feedback
  pages render.

So plain ``nbgrader autograde`` and formgrader grade exactly as ``autograder grade`` does.
"""

import re

import nbformat
from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import compute_checksum
from traitlets import Unicode

from .bundle import load_bundle
from .checks import MIME_TYPE
from .course import BUNDLE_DIRECTORY
from .judge import is_verdict_output, judge_notebook
from .sanitise import clean_html, markdown_html, without_lone_surrogates
from .terminal import VisibleLog


class JudgeChecks(NbGraderPreprocessor):
    """Score test cells from their recorded values and the instructor's expected ones."""

    bundle_directory = Unicode(
        BUNDLE_DIRECTORY,
        help="Folder holding <assignment>/<notebook>.checks.json grading bundles",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        bundle = load_bundle(self.bundle_directory, info["assignment"], info["notebook"])
        resources["autograder_judgements"] = judge_notebook(nb, bundle["cells"])
        return nb, resources


class RestoreCellRoles(OverwriteCells):
    """nbgrader's ``OverwriteCells``, plus the roles it leaves to the submission.

    ``OverwriteCells`` restores a graded cell's type, lock, points and (when locked)
    source, but trusts the submission's ``grade`` / ``solution`` / ``task`` flags: a
    test cell relabelled as a solution cell is then graded by hand, and one whose
    grade flag is removed is not graded at all. This restores those flags (and the
    points of a cell that lost its grade flag) from the gradebook too.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.log = VisibleLog(self.log)  # nbgrader logs the submission's grade ids and cell sources

    def preprocess(self, nb, resources):
        self._roles = None
        return super().preprocess(nb, resources)

    def _source_roles(self):
        if self._roles is None:
            notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            self._roles = {
                "grade": {c.name: c.max_score for c in notebook.grade_cells},
                "solution": {c.name for c in notebook.solution_cells},
                "task": {c.name: c.max_score for c in notebook.task_cells},
                "sources": {c.name for c in notebook.source_cells},
            }
        return self._roles

    def report_change(self, name, attr, old, new):
        """As nbgrader, but a test cell's checksum is expected to change: the release's is
        computed without the hidden tests. A real change of its source is reported anyway."""
        if attr == "checksum":
            self.log.debug("Restored the checksum of cell %s", name)
        else:
            super().report_change(name, attr, old, new)

    def preprocess_cell(self, cell, resources, cell_index):
        # Roles first: nbgrader's checksum of a locked cell covers these flags.
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        roles = self._source_roles() if grade_id is not None else None
        if roles is not None and grade_id not in roles["sources"]:
            # nbgrader would drop only the unknown id and keep the cell's grade flag, then
            # refuse the whole notebook for a graded cell without an id. A cell this
            # assignment does not have (pasted from elsewhere, or hostile) runs ungraded.
            self.log.warning("Cell %s does not exist in the database: it runs ungraded", grade_id)
            del cell.metadata["nbgrader"]
            resources.setdefault("autograder_notes", []).append(
                f"a cell with the grade id {str(grade_id)[:60]!r}, which this assignment does not have, runs ungraded"
            )
            return cell, resources
        if roles is not None and grade_id in roles["sources"]:
            metadata = cell.metadata.nbgrader
            for flag in ("grade", "solution", "task"):
                wanted = grade_id in roles[flag]
                if bool(metadata.get(flag, False)) != wanted:
                    self.report_change(grade_id, flag, wanted, metadata.get(flag, False))
                    metadata[flag] = wanted
            for flag in ("grade", "task"):
                if grade_id in roles[flag]:
                    metadata["points"] = float(roles[flag][grade_id])
        return super().preprocess_cell(cell, resources, cell_index)


class DemoteDuplicateCells(DeduplicateIds):
    """nbgrader's ``DeduplicateIds``, without the empty metadata that makes nbgrader reject the notebook.

    A copy-pasted test or answer cell duplicates its nbgrader ``grade_id``. Like nbgrader,
    the last cell with an id keeps it; but nbgrader leaves ``"nbgrader": {}`` on the
    others, on which its own ``OverwriteCells`` then fails, so the whole notebook scored
    zero. Here the copies lose their nbgrader metadata entirely and still run, ungraded;
    each is noted in ``resources["autograder_notes"]`` for the submission's report.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.log = VisibleLog(self.log)  # nbgrader logs the duplicated (student-written) grade id

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if grade_id is not None and not cell.metadata.get("nbgrader"):
            del cell.metadata["nbgrader"]
            resources.setdefault("autograder_notes", []).append(
                f"a copy of the graded cell {grade_id!r} runs ungraded (the last copy is the one graded)"
            )
        return cell, resources


# What may be shown of an output a student's code produced: text, sanitised HTML, bitmaps, our records.
BITMAP_TYPES = ("image/png", "image/jpeg", "image/gif")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
REMOVED = "[output removed: of what student code displays, only text, bitmaps and sanitised HTML are shown]"


def _text(value):
    """A notebook string field (a string, or nbformat's list of lines), or None."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return value if isinstance(value, str) else None


def _shown_data(kind, value):
    """What may be shown of one MIME bundle entry, or None."""
    text = _text(value)
    if kind == MIME_TYPE:
        return value  # our record: kept for rescoring, never rendered
    if kind == "text/plain":
        return text
    if kind == "text/html" and text is not None:
        return clean_html(text)
    if kind in BITMAP_TYPES and text is not None and BASE64.fullmatch(text):
        return text
    return None


def shown_output(output):
    """One output with only what may be shown of it (the judge's verdict untouched)."""
    if is_verdict_output(output) or not isinstance(output.get("data"), dict):
        return output
    kept = {kind: _shown_data(kind, value) for kind, value in output["data"].items()}
    kept = {kind: value for kind, value in kept.items() if value is not None}
    if set(kept) <= {MIME_TYPE}:
        kept["text/plain"] = REMOVED
    output["data"] = kept
    output["metadata"] = {}
    return output


def is_the_releases(cell):
    """Whether a graded or locked cell is exactly the gradebook's: its content matches the
    checksum nbgrader restored from the gradebook (``OverwriteCells``), so it is the
    instructor's own. Such a cell is left as it is: nbgrader reads an answer cell that still
    matches as "no response" (0 points, no manual grading)."""
    nbgrader = cell.metadata.get("nbgrader", {})
    try:
        return bool(nbgrader.get("checksum")) and compute_checksum(cell) == nbgrader["checksum"]
    except (KeyError, TypeError, ValueError):  # no grade id, points that are not a number
        return False


def neutralise_cell(cell):
    """A cell as a person may see it: markdown as sanitised HTML that renders as itself, raw
    cells sanitised, outputs through ``shown_output``; the release's own cells as they are."""
    if cell.cell_type in ("markdown", "raw") and is_the_releases(cell):
        return cell
    if cell.cell_type == "markdown":
        cell.source = markdown_html(cell.source, cell.get("attachments"))
        cell.pop("attachments", None)
    elif cell.cell_type == "raw":
        cell.source = clean_html(cell.source)
        cell.pop("attachments", None)
    elif cell.cell_type == "code":
        cell.outputs = [shown_output(output) for output in cell.outputs]
    return cell


class ReplaceLoneSurrogates(NbGraderPreprocessor):
    """Every lone surrogate of a submission as U+FFFD, before anything else reads it.

    JSON carries one as an escape (in a grade id, a source, an output, a metadata key);
    UTF-8 cannot encode it, so nbgrader's writer, the kernel's messages and the gradebook
    failed on it, and the student's notebook could not be autograded. First in
    ``c.Autograde.sanitize_preprocessors`` (``autograder grade`` reads the same list)."""

    def preprocess(self, nb, resources):
        return nbformat.from_dict(without_lone_surrogates(nb)), resources


class NeutraliseStudentContent(NbGraderPreprocessor):
    """Make everything a submission put in its notebook inert before anyone opens it.

    Formgrader renders autograded notebooks on the Jupyter server's own origin, and
    feedback pages are opened by students, TAs and instructors: student HTML,
    JavaScript, SVG and widget outputs, raw HTML in markdown and ``javascript:`` links
    would run there (stored XSS). Everything goes through one allow-list (sanitise.py):
    markdown is stored as its sanitised HTML, raw cells are sanitised, outputs keep only
    plain text, sanitised HTML, bitmaps and our records, without their metadata. The
    judge's own verdict output is left as it is.
    """

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        nb, resources = super().preprocess(nb, resources)
        # Last, over everything kept: nbgrader's writer and formgrader's page fail on a lone surrogate.
        return nbformat.from_dict(without_lone_surrogates(nb)), resources

    def preprocess_cell(self, cell, resources, index):
        return neutralise_cell(cell), resources
