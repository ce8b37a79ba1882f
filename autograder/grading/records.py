"""Each submission's recorded values, kept beside its autograded notebook for rescoring.

A hidden test cell's verdict depends only on what the cell recorded (outputs of our
MIME type), the grading bundle's checks for that cell, the cell's points and the
judging code. The worker moves those record outputs out of the autograded notebook
into ``autograded/<student>/<assignment>/.autograder-records.json`` (written before
the state file, like everything else), so ``autograder rescore`` reads a few hundred
KB of records instead of re-reading and re-judging whole notebooks.

The store is kept compressed (format 2): each notebook's records JSON is compressed
once, by the worker that judged it (``compress_records``), so the one writer only
copies bytes; the file is a header line naming each notebook's compressed length,
then those segments. Rescoring decompresses exactly the JSON the worker recorded,
so it judges the same records. A store of format 1 (plain JSON, written before)
is still read.

Each judged cell is also given a *verdict key*: a digest of everything its verdict
depends on besides the records. The state file remembers the key each cell was
judged under; rescoring re-judges only the cells whose key changed (a tolerance or
points change touches one cell), and re-judging a cell gives exactly the verdict a
full regrade would, because it runs the same judge on the same records.
"""

import hashlib
import importlib
import json
import os
import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import nbformat
import nbgrader
from nbformat import NotebookNode
from nbgrader import utils

from ..checks import MIME_TYPE
from ..files import read_regular_file
from ..judge import is_verdict_output, judge_notebook, verdicts_in_notebook
from ..kinds import kind_of
from .state import write_atomically

if TYPE_CHECKING:
    from ..course import Course

# grade_id -> the record outputs (nbformat display_data dicts) of that test cell
CellRecords = dict[str, list[dict[str, Any]]]

RECORDS_FILE = ".autograder-records.json"
FORMAT = 2
PLAIN_FORMAT = 1  # the uncompressed JSON store, still read
# Format 2 begins with this line; a format 1 store begins with "{".
MAGIC = b"nn-autograder records 2\n"
COMPRESSION_LEVEL = 6  # zlib's default: as small as level 9 on recorded arrays, at half the time
# The code a verdict depends on: judging changes with it, so cached verdicts must too.
JUDGE_MODULES = ("autograder.judge", "autograder.checks", "autograder.comparisons", "autograder.values")
# The grader's own files in autograded/ are bounded by the output cap (twice it, at most,
# for a store); this only stops a read that has no business being that large.
MAX_GRADER_FILE_BYTES = 2**30


def records_path(course: "Course", student: str, assignment: str) -> str:
    return os.path.join(course.autograded(student, assignment), RECORDS_FILE)


def is_record_output(output: Mapping[str, Any]) -> bool:
    return MIME_TYPE in (output.get("data") or {})


def take_records(nb: NotebookNode, grade_ids: Iterable[str]) -> CellRecords:
    """Move the record outputs of the cells ``grade_ids`` out of ``nb``; {grade_id: [outputs]}."""
    wanted, records = set(grade_ids), {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in wanted:
            records[grade_id] = [output for output in cell.outputs if is_record_output(output)]
            cell.outputs = [output for output in cell.outputs if not is_record_output(output)]
    return records


def without_bundled_inputs(records: CellRecords, bundle_cells: Mapping[str, list[dict[str, Any]]]) -> CellRecords:
    """``records`` without the examples an accuracy record carries where the grading bundle has
    its own copy: the judge evaluates the bundle's (the notebook's validation examples were a
    third of a graded submission's kept bytes). Changes the records in place."""
    for grade_id, outputs in records.items():
        bundled = {
            spec["name"] for spec in bundle_cells.get(grade_id, []) if kind_of(spec).EXAMPLES and "inputs" in spec
        }
        for output in outputs:
            record = output["data"][MIME_TYPE]
            if isinstance(record, dict) and isinstance(record.get("name"), str) and record["name"] in bundled:
                record.pop("inputs", None)
    return records


def records_in_notebook(nb: Mapping[str, Any], grade_ids: Iterable[str]) -> CellRecords:
    """The record outputs of the cells ``grade_ids`` still in a notebook (plain nbgrader keeps them there)."""
    return take_records(nbformat.from_dict(nb), grade_ids)


def compress_records(records: Mapping[str, list[dict[str, Any]]]) -> bytes:
    """One notebook's records ({grade_id: [outputs]}) as the compressed JSON segment the store keeps."""
    return zlib.compress(json.dumps(records, separators=(",", ":")).encode("utf-8"), COMPRESSION_LEVEL)


def decompress_records(segment: bytes, max_bytes: int | None = None) -> Any:
    """The parsed JSON of a compressed segment; ValueError when it is damaged or inflates past
    ``max_bytes`` (by default, as large as a grader's file may be)."""
    max_bytes = MAX_GRADER_FILE_BYTES if max_bytes is None else max_bytes
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(segment, max_bytes)
    except zlib.error as error:
        raise ValueError(f"damaged compressed records ({error})") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError(f"compressed records that are truncated or inflate past {max_bytes} bytes")
    return json.loads(text)


def store_bytes(notebook_records: Mapping[str, bytes]) -> bytes:
    """The store's bytes from notebook name -> that notebook's compressed records (not compressed again)."""
    names = sorted(notebook_records)
    header = json.dumps(
        {"format": FORMAT, "notebooks": {name: len(notebook_records[name]) for name in names}}, separators=(",", ":")
    )
    return b"".join([MAGIC, header.encode("utf-8"), b"\n", *(notebook_records[name] for name in names)])


def write_store(path: str, notebook_records: Mapping[str, bytes]) -> None:
    write_atomically(path, store_bytes(notebook_records))


def _segments(data: bytes) -> dict[str, bytes] | None:
    """notebook name -> compressed segment of a format 2 store, or None when its layout is broken."""
    header_line, _, body = data[len(MAGIC) :].partition(b"\n")
    header = json.loads(header_line)
    lengths = header.get("notebooks") if isinstance(header, dict) and header.get("format") == FORMAT else None
    if not isinstance(lengths, dict) or not all(
        isinstance(length, int) and not isinstance(length, bool) and length >= 0 for length in lengths.values()
    ):
        return None
    if sum(lengths.values()) != len(body):
        return None
    segments, start = {}, 0
    for name in sorted(lengths):
        segments[name], start = body[start : start + lengths[name]], start + lengths[name]
    return segments


def _plain_store(data: bytes) -> Any:
    store = json.loads(data)
    return store.get("notebooks") if isinstance(store, dict) and store.get("format") == PLAIN_FORMAT else None


def read_store(path: str) -> dict[str, CellRecords] | None:
    """notebook name -> {grade_id: [outputs]}, or None when there is no readable store (either format)."""
    try:
        data = read_regular_file(path, max_bytes=MAX_GRADER_FILE_BYTES)
        if data.startswith(MAGIC):
            segments = _segments(data)
            notebooks = (
                None if segments is None else {name: decompress_records(segment) for name, segment in segments.items()}
            )
        else:
            notebooks = _plain_store(data)
    except (OSError, ValueError):
        return None
    if not isinstance(notebooks, dict) or not all(
        isinstance(cells, dict) and all(isinstance(outputs, list) for outputs in cells.values())
        for cells in notebooks.values()
    ):
        return None
    return notebooks


def judge_code_digest() -> str:
    """Digest of the judging code and nbgrader's version: a new judge re-judges everything."""
    digest = hashlib.sha256(nbgrader.__version__.encode())
    for name in JUDGE_MODULES:
        with open(str(importlib.import_module(name).__file__), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def verdict_keys(bundle_cells: Mapping[str, list[dict[str, Any]]], points: Mapping[str, float]) -> dict[str, str]:
    """grade_id -> the key of everything a verdict depends on besides the records."""
    code = judge_code_digest()
    return {
        grade_id: hashlib.sha256(
            f"{code}\0{float(points[grade_id])!r}\0{json.dumps(specs, sort_keys=True)}".encode()
        ).hexdigest()
        for grade_id, specs in bundle_cells.items()
        if grade_id in points
    }


def rejudge(
    records: Mapping[str, list[dict[str, Any]]],
    bundle_cells: Mapping[str, list[dict[str, Any]]],
    points: Mapping[str, float],
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], float | None]]:
    """Judge stored records as the judge would judge their cells in the notebook.

    Returns grade_id -> (verdict output, its check dicts, auto_score): the same judge on
    the same records, and nbgrader's ``determine_grade`` on a cell whose first output
    is the verdict, as in the autograded notebook. The records stay plain dicts: the
    judge reads them with ``get``, and ``determine_grade`` stops at the verdict.
    """
    nb = NotebookNode(
        metadata=NotebookNode(),
        nbformat=4,
        nbformat_minor=5,
        cells=[
            NotebookNode(
                cell_type="code",
                source="",
                execution_count=None,
                outputs=list(outputs),
                metadata=NotebookNode(
                    nbgrader=NotebookNode(
                        grade=True, solution=False, locked=True, grade_id=grade_id, points=points[grade_id]
                    )
                ),
            )
            for grade_id, outputs in records.items()
        ],
    )
    judge_notebook(nb, bundle_cells)
    judged = {}
    for cell in nb.cells:
        if cell.outputs and is_verdict_output(cell.outputs[0]):
            judged[cell.metadata.nbgrader.grade_id] = (
                cell.outputs[0],
                verdicts_in_notebook(NotebookNode(cells=[cell])),
                utils.determine_grade(cell)[0],
            )
    return judged


def replace_verdicts(nb: dict[str, Any], verdicts: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Put each new verdict output (grade_id -> output) first in its cell, instead of the old one.

    Works on the notebook as plain JSON (a dict), so rescoring never re-validates it.
    """
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and grade_id in verdicts:
            cell["outputs"] = [verdicts[grade_id]] + [o for o in cell["outputs"] if not is_verdict_output(o)]
    return nb
