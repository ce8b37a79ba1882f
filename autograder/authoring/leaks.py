"""The leak check: nothing secret may appear anywhere in a release.

Secrets are (1) every line inside a solution region, of the source notebooks and of
the course modules (except the definitions this assignment's manifest ships solved in
``nnsupport``), and every line of a solution cell without regions (written answers);
(2) every line of hidden tests; (3) the expected values of hidden checks and the held-out
examples of accuracy checks; (4) any import of the reference ``course`` package. A secret
line only counts when it is distinctive: long enough to mean something and found nowhere in what we do intend
to release (so ``return out, cache`` outside a solution region, or a formula that a
docstring also states, is no leak). What a definition shipped solved contains never counts
as intended: a line of it that is also a line of a solution students write here is a leak,
so a release never holds the solution of a function its notebooks ask for.

The scan reads every file of the release: notebooks as parsed JSON (every source,
output and metadata string), other files as text.
"""

import os
import re

import nbformat
import numpy as np
from nbgrader import utils

from ..answers import is_distinctive
from ..files import searchable_texts
from ..manifest import module_definitions
from ..regions import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    region_line_numbers,
    region_lines,
    strip_hidden_tests,
    strip_solutions,
)
from ..values import decode_value
from .support_package import solved_definitions, support_package_files

COURSE_IMPORT = re.compile(r"^\s*(from|import)\s+course(\.|\s|$)")


def _lines(text):
    return {line.strip() for line in text.splitlines() if line.strip()}


def _notebook_secrets_and_public(notebook):
    secrets, public = {}, set()
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {cell.get('id')}")
        if utils.is_solution(cell) and BEGIN_SOLUTION not in cell.source:
            for line in _lines(cell.source):  # a whole-cell answer, e.g. an inline question
                secrets.setdefault(line, f"the answer in {grade_id}")
        for line in region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION):
            secrets.setdefault(line.strip(), f"solution code in {grade_id}")
        for line in region_lines(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            secrets.setdefault(line.strip(), f"hidden tests in {grade_id}")
        if not utils.is_solution(cell) or BEGIN_SOLUTION in cell.source:
            public |= _lines(strip_hidden_tests(strip_solutions(cell.source)))
    return secrets, public


def _course_secrets(reference_dir, solved):
    """Solution-region lines of every course module, except those of the ``solved`` definitions."""
    secrets = {}
    for filename in sorted(os.listdir(reference_dir)):
        module, ext = os.path.splitext(filename)
        if ext != ".py":
            continue
        with open(os.path.join(reference_dir, filename)) as f:
            text = f.read()
        shipped = {
            number
            for name, first, last, _ in module_definitions(reference_dir, module)
            if name in solved.get(module, ())
            for number in range(first, last + 1)
        }
        lines = text.splitlines()
        for number in region_line_numbers(text, BEGIN_SOLUTION, END_SOLUTION):
            if number not in shipped:
                secrets.setdefault(lines[number - 1].strip(), f"solution code in course/{filename}")
    return secrets


def secret_lines(source_notebooks, reference_dir, manifest):
    """Mapping of each distinctive secret line to a description of where it comes from."""
    secrets, public = {}, set()
    for path in source_notebooks:
        nb_secrets, nb_public = _notebook_secrets_and_public(nbformat.read(path, as_version=4))
        for line, origin in nb_secrets.items():
            secrets.setdefault(line, f"{os.path.basename(path)}: {origin}")
        public |= nb_public
    for line, origin in _course_secrets(reference_dir, solved_definitions(reference_dir, manifest)).items():
        secrets.setdefault(line, origin)
    # What nnsupport ships outside every solution region is public; solved regions are not.
    for text in support_package_files(reference_dir, manifest, solved={}).values():
        public |= _lines(text)
    public_text = "\n".join(public)
    return {line: origin for line, origin in secrets.items() if is_distinctive(line, public_text)}


def _encoded_arrays(encoded):
    """The encoded arrays inside an encoded value (one, or the entries of a dict)."""
    if isinstance(encoded, dict) and "entries" in encoded:
        return list(encoded["entries"].values())
    return [encoded] if isinstance(encoded, dict) and "data" in encoded else []


def secret_values(bundle_cells):
    """Strings that would reveal a hidden check's expected value or held-out examples:
    raw data and digits."""
    values = {}
    for specs in bundle_cells.values():
        for spec in specs:
            if spec["public"]:
                continue
            origin = f"expected value of hidden check {spec['name']}"
            arrays = _encoded_arrays(spec.get("expected"))
            arrays += [a for value in spec.get("inputs", {}).values() for a in _encoded_arrays(value)]
            for encoded in arrays:
                numbers = decode_value(encoded).astype(float).ravel()
                if numbers.size == 0 or np.ptp(numbers) == 0:
                    continue  # a constant reveals nothing (and its bytes are everywhere)
                if len(encoded["data"]) >= 16:
                    values[encoded["data"]] = origin
                for number in numbers[:20]:
                    digits = repr(float(number))
                    if len(digits) >= 12:  # e.g. 0.20738947368421053: not a round number
                        values[digits[:11]] = origin
    return values


def find_leaks(release_dir, source_notebooks, reference_dir, bundle_cells, manifest):
    """A list of human-readable leak descriptions; empty when the release is clean.

    A secret counts wherever it appears, also inside a longer line (a quoted hint).
    """
    secrets = secret_lines(source_notebooks, reference_dir, manifest)
    secrets.update(secret_values(bundle_cells))
    leaks = []
    for folder, _, files in os.walk(release_dir):
        for name in sorted(files):
            path = os.path.join(folder, name)
            shown = os.path.relpath(path, os.path.dirname(release_dir))
            texts = searchable_texts(path)
            for text in texts:
                for line in text.splitlines():
                    if COURSE_IMPORT.match(line):
                        leaks.append(f"{shown}: imports the reference package: {line.strip()!r}")
            whole = "\n".join(texts)
            for secret, origin in secrets.items():
                if secret in whole:
                    leaks.append(f"{shown}: {origin}: {secret[:60]!r}")
    return sorted(set(leaks))
