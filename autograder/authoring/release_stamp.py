"""What the last proven release was made from, so that ``autograder release`` can say "nothing
changed" instead of proving the same checks again (minutes).

After a proven release we write ``.last-release/<assignment>.proven.json`` (beside the copy
of the last release published; an instructor's folder, never committed, never shipped)
with two digests:

- *inputs*: everything the proven release is made from: the course's
  ``nbgrader_config.py`` (the limits and preprocessors the proof grades with), the
  reference ``course/`` package, the source folder ``source_assignments/<assignment>/``
  (its notebooks and any file it ships; not the files the release generates there), the
  authored grading material of ``grading_bundle/<assignment>/`` (``mistakes.py`` with the
  alternatives, ``heldout.py``; not the bundle the release records), the other assignments'
  manifests (what they ask students to write ships stubbed here), and the toolkit
  (version, source, Python and library versions: ``digests.toolkit_digest``);
- *outputs*: what the release wrote: ``release/<assignment>/``, ``grading_bundle/<assignment>/``
  and the source folder, byte for byte (the course folder may move: no absolute path counts).

The release is skipped only when both digests match and the gradebook still holds the
assignment's notebooks; an edit, a deleted file, a new gradebook (one on PostgreSQL too)
or another toolkit runs the whole release again. The stamp is not in ``grading_bundle/``,
so the committed release stays exactly what the command regenerates, and a fresh clone
proves its first release.
"""

import json
import os
from datetime import UTC, datetime

from nbgrader.api import Gradebook, MissingEntry

from ..bundle import bundle_path
from ..course import CONFIG_FILE
from ..digests import Digest, read_record, toolkit_digest
from ..manifest import GENERATED_FILES, MANIFEST_FILE
from .release import LAST_RELEASE_DIRECTORY

STAMP_SUFFIX = ".proven.json"
# Written by the release into the source folder and the bundle folder: outputs, not inputs.
GENERATED_IN_SOURCE = GENERATED_FILES
RECORDED_IN_BUNDLE = ("check_quality.json", "check_quality.md", "proof_record.json", "__pycache__")


def stamp_path(course, assignment):
    return os.path.join(course.root, LAST_RELEASE_DIRECTORY, f"{assignment}{STAMP_SUFFIX}")


def _recorded_bundles(course, assignment):
    return tuple(
        os.path.basename(bundle_path(course.bundle_dir, assignment, n)) for n in course.notebook_names(assignment)
    )


def inputs_digest(course, assignment):
    """The digest of everything the proven release of ``assignment`` is made from."""
    digest = Digest().add("toolkit", toolkit_digest().encode())
    digest.add_file("config", os.path.join(course.root, CONFIG_FILE))
    digest.add_tree("course", course.reference_dir)
    digest.add_tree("source", course.source(assignment), skip=GENERATED_IN_SOURCE)
    for other in course.assignments():
        if other != assignment:
            digest.add_file(f"manifest of {other}", os.path.join(course.source(other), MANIFEST_FILE))
    recorded = RECORDED_IN_BUNDLE + _recorded_bundles(course, assignment)
    return digest.add_tree("material", os.path.join(course.bundle_dir, assignment), skip=recorded).hexdigest()


def outputs_digest(course, assignment, published=None):
    """The digest of what the release wrote, byte for byte; ``published``: the folder that holds
    the release when release/<assignment> does not (see ``unchanged_since_proven``)."""
    digest = Digest().add_tree("release", published or course.release(assignment))
    digest.add_tree("bundle", os.path.join(course.bundle_dir, assignment))
    return digest.add_tree("source", course.source(assignment)).hexdigest()


def _gradebook_holds(course, assignment):
    """Whether the gradebook has the assignment with each of its notebooks (generate_assignment
    records them; autograding needs them)."""
    try:
        with Gradebook(course.db_url, course.course_id) as gb:
            recorded = {notebook.name for notebook in gb.find_assignment(assignment).notebooks}
    except MissingEntry:
        return False
    except Exception:  # an unreachable or broken gradebook: release again, which says what is wrong
        return False
    return recorded == set(course.notebook_names(assignment))


def unchanged_since_proven(course, assignment, inputs, published=None):
    """The stamp of the last proven release when ``inputs`` (its inputs digest now) and its
    outputs are what that release left, and the gradebook still holds it; otherwise None.

    ``published``: where the release to compare is, when not in release/<assignment>
    (nbgrader's generate_assignment removes that folder before our hook runs)."""
    stamp = read_record(stamp_path(course, assignment))
    if stamp is None or stamp.get("inputs") != inputs:
        return None
    if stamp.get("outputs") != outputs_digest(course, assignment, published):
        return None
    if not _gradebook_holds(course, assignment):
        return None
    return stamp


def forget_proven(course, assignment):
    """Drop the stamp before a release runs: one that fails half-way is never taken as proven."""
    try:
        os.unlink(stamp_path(course, assignment))
    except FileNotFoundError:
        pass


def record_proven(course, assignment, inputs):
    """Remember a proven release: the inputs digest taken before it ran (a file edited while
    it ran makes the next release prove again) and the digest of what it wrote."""
    stamp = {
        "assignment": assignment,
        "inputs": inputs,
        "outputs": outputs_digest(course, assignment),
        "proven_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = stamp_path(course, assignment)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(stamp, f, indent=1)
    os.replace(path + ".tmp", path)
