"""The nbgrader preprocessors our nbgrader_config.py plugs into nbgrader's own pipelines.

- ``DemoteDuplicateCells`` (sanitising, in place of nbgrader's ``DeduplicateIds``) grades a
  copy-pasted graded cell once instead of letting nbgrader reject the notebook;
- ``RestoreCellRoles`` extends nbgrader's ``OverwriteCells`` (sanitising, before execution)
  to restore each graded cell's role as well as its source;
- ``JudgeChecks`` goes right after execution in ``c.Autograde.autograde_preprocessors``
  and scores each test cell from its recorded values (see ``judge.judge_notebook``);
- ``NeutraliseStudentContent`` follows it and makes student HTML, JavaScript and links
  inert in the autograded notebook that formgrader and feedback pages render.

So plain ``nbgrader autograde`` and formgrader grade exactly as ``autograder grade`` does.
"""

import re

from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

from .bundle import load_bundle
from .checks import MIME_TYPE
from .course import BUNDLE_DIRECTORY
from .judge import is_verdict_output, judge_notebook


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

    def preprocess_cell(self, cell, resources, cell_index):
        # Roles first: nbgrader's checksum of a locked cell covers these flags.
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        roles = self._source_roles() if grade_id is not None else None
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

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if grade_id is not None and not cell.metadata.get("nbgrader"):
            del cell.metadata["nbgrader"]
            resources.setdefault("autograder_notes", []).append(
                f"a copy of the graded cell {grade_id!r} runs ungraded (the last copy is the one graded)")
        return cell, resources


# What may be shown of an output a student's code produced: plain text, bitmaps and our records.
SAFE_OUTPUT_TYPES = ("text/plain", "image/png", "image/jpeg", "image/gif", MIME_TYPE)
SAFE_LINK = re.compile(r"(https?://|mailto:|#|[^:]*$)", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"(\]\(\s*)(<[^>]*>|[^)]*)")
MARKDOWN_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)", re.MULTILINE)
REMOVED = "[output removed: HTML, JavaScript and other active content from student code is not shown]"


def _safe_link(match):
    target = "".join(ch for ch in match.group(2) if ch.isprintable() and not ch.isspace()).strip("<>")
    return match.group(1) + (match.group(2) if SAFE_LINK.match(target) else "#link-removed")


def inert_markdown(source):
    """Markdown with its raw HTML shown as text and its non-web links removed."""
    source = source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_REFERENCE.sub(_safe_link, MARKDOWN_LINK.sub(_safe_link, source))


class NeutraliseStudentContent(NbGraderPreprocessor):
    """Make everything a submission put in its notebook inert before anyone opens it.

    Formgrader renders autograded notebooks on the Jupyter server's own origin, and
    feedback pages are opened by students, TAs and instructors: student HTML,
    JavaScript, SVG and widget outputs, raw HTML in markdown and ``javascript:`` links
    would run there (stored XSS). Outputs keep only plain text, bitmaps and our
    records; markdown and raw cells keep their text with HTML escaped and non-web links
    removed. The judge's own verdict output is left as it is.
    """

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type in ("markdown", "raw"):
            cell.source = inert_markdown(cell.source)
            cell.pop("attachments", None)
        elif cell.cell_type == "code":
            cell.outputs = [self.inert(output) for output in cell.outputs]
        return cell, resources

    @staticmethod
    def inert(output):
        """One output with only what may be shown of it (the judge's verdict untouched)."""
        if is_verdict_output(output) or "data" not in output:
            return output
        kept = {kind: value for kind, value in output["data"].items() if kind in SAFE_OUTPUT_TYPES}
        if set(kept) <= {MIME_TYPE}:
            kept["text/plain"] = REMOVED
        output["data"] = kept
        output["metadata"] = {}
        return output
