"""Proofs on record: a release whose proof ran before on exactly the same inputs reuses its outcome.

Proving an assignment's checks (``gate.prove``) takes minutes and is a pure function of what
it reads: the toolkit (``digests.toolkit_digest``: its source, Python's and the libraries'
versions), the course's ``nbgrader_config.py``, the reference ``course/``, the source
folder, the authored material of ``grading_bundle/<assignment>/`` (mistakes, alternatives,
mutants, held-out examples) - together ``release_stamp.inputs_digest`` - and what the
release made of them before the proof: the staged student version and the recorded
bundles and public checks, and what of the machine reaches the kernels the proof runs (its
architecture, the BLAS settings the sandbox passes on, whether there is a sandbox). The key
of a record is the digest of all of these, taken when the proof is about to run; its value
is what the proof wrote (the bundles with their fingerprints, ``check_quality.json``/``.md``
and ``public_checks.json``), saved only after the proof accepted the release. A record is
found only under its exact key, so any changed byte of any input proves again; a refused
proof leaves no record.

A folder of records is optional and outside any course (``autograder demo`` keeps one beside
its scratch course, so that a second demo does not prove the same three assignments again).

A committed release carries its own record: every proven release writes the key of its proof
and the digest of what the proof wrote into ``grading_bundle/<assignment>/proof_record.json``
(``write_committed_record``). ``autograder demo`` recalls the course's committed release from
it (``recall_committed``) when the key it computes from the same inputs is that key, and the
course's bundles, reports and public checks are still what that proof wrote: a fresh clone's
first demo then grades at once, and an edited source, library, configuration or toolkit, or
another Python, numpy or machine, proves again. ``autograder release`` itself always proves.
"""

import os
import platform
import shutil

from ..authoring.release import release_outputs
from ..authoring.release_stamp import inputs_digest
from ..checks import PUBLIC_CHECKS_FILE
from ..digests import Digest, read_record
from ..rounding import write_json
from ..sandbox import KERNEL_ENVIRONMENT, UNSAFE_ENV

PROOF_FILES = "files"  # a record's folder of proof outputs, named by their place in the course
COMMITTED_RECORD = "proof_record.json"  # in grading_bundle/<assignment>/, beside what the proof wrote


def proof_key(course, assignment, staged_dir):
    """The digest of everything the proof of the staged release of ``assignment`` reads."""
    digest = Digest().add("inputs", inputs_digest(course, assignment).encode())
    machine = {name: os.environ.get(name) for name in (*KERNEL_ENVIRONMENT, UNSAFE_ENV)}
    digest.add_json("machine", {"architecture": platform.machine(), **machine})
    digest.add_tree("staged", staged_dir)
    for path in release_outputs(course, assignment):
        if not path.endswith(("check_quality.json", "check_quality.md")):  # the proof writes them, never reads
            digest.add_file(os.path.relpath(path, course.root), path)
    return digest.hexdigest()


def _record_dir(records_dir, assignment, key):
    return os.path.join(records_dir, assignment, key)


def recall_proof(course, assignment, staged_dir, records_dir, key):
    """Put the outputs of the proof on record under ``key`` in place (course and staged release);
    False, touching nothing, when there is no complete record."""
    record = os.path.join(_record_dir(records_dir, assignment, key), PROOF_FILES)
    outputs = release_outputs(course, assignment)
    saved = [os.path.join(record, os.path.relpath(path, course.root)) for path in outputs]
    if not all(os.path.isfile(path) for path in saved):
        return False
    _put_in_place(course, assignment, staged_dir, saved)
    return True


def _put_in_place(course, assignment, staged_dir, saved):
    """Copy ``saved`` (what a proof wrote, in ``release_outputs`` order) over the course's release
    outputs, and the public checks among them into the staged release."""
    for source, target in zip(saved, release_outputs(course, assignment), strict=True):
        shutil.copyfile(source, target)
    shutil.copyfile(
        os.path.join(course.source(assignment), PUBLIC_CHECKS_FILE), os.path.join(staged_dir, PUBLIC_CHECKS_FILE)
    )


def record_proof(course, assignment, records_dir, key):
    """Save what an accepting proof wrote under ``key`` (complete, or not at all)."""
    final = _record_dir(records_dir, assignment, key)
    partial = f"{final}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    for path in release_outputs(course, assignment):
        target = os.path.join(partial, PROOF_FILES, os.path.relpath(path, course.root))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)


def committed_record_path(course, assignment):
    return os.path.join(course.bundle_dir, assignment, COMMITTED_RECORD)


def _outputs_digest(course, assignment):
    digest = Digest()
    for path in release_outputs(course, assignment):
        digest.add_file(os.path.relpath(path, course.root), path)
    return digest.hexdigest()


def write_committed_record(course, assignment, key):
    """Write, beside what the proof under ``key`` wrote, its key and the digest of those files."""
    write_json(
        committed_record_path(course, assignment), {"proof_key": key, "outputs": _outputs_digest(course, assignment)}
    )


def recall_committed(course, assignment, staged_dir, committed, key):
    """Put in place in ``course`` what the proof of the ``committed`` course's release of
    ``assignment`` wrote, when that proof ran under ``key`` and its outputs are intact there;
    False, touching nothing, otherwise."""
    record = read_record(committed_record_path(committed, assignment))
    if record is None or record.get("proof_key") != key:
        return False
    if record.get("outputs") != _outputs_digest(committed, assignment):
        return False
    _put_in_place(course, assignment, staged_dir, release_outputs(committed, assignment))
    return True
