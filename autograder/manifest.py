"""An assignment describes itself: ``source_assignments/<assignment>/assignment.toml``.

Which notebooks an assignment has, which ``course/`` definitions its students write, which
course modules they get whole in a locked cell, what the student package ``nnsupport``
holds and what of it ships solved, which files ship with it and which kinds of check it
records: the toolkit reads all of that here, so nothing in ``autograder/`` names an
assignment. Parsing and every check of the manifest against the course live in this one
module; a mistake is reported with the file, the key and what to do.

In ``nnsupport`` a definition ships **solved** unless this assignment's students write it,
another assignment of the course asks students to write it, or the manifest lists it under
``support.stubbed``. Shipping another assignment's answers is opt-in: ``support.solved_after``
names the earlier assignments whose written definitions ship solved here (dropout builds on
fc_nets' layers), and such an assignment is handed out only once they are past their due
date (``grading/exchange.py`` refuses earlier). A definition students write must contain a
solution region, or its stub would be the solution itself.
"""

import ast
import dataclasses
import os
import tomllib

from .errors import CourseError
from .kinds import KINDS

MANIFEST_FILE = "assignment.toml"
# The kinds of check a test cell can record: those registered in autograder/kinds/.
CHECK_KINDS = tuple(KINDS)
# Files written into the source folder by the toolkit (the support package, the public checks)
# or by Jupyter; they ship, or are ignored, without being listed.
GENERATED_FILES = ("nnsupport", "public_checks.json", "__pycache__", ".ipynb_checkpoints")

# section -> key -> (required, description of the expected value)
SCHEMA = {
    "": {
        "title": (True, "a string: the assignment's title for students and reports"),
        "notebooks": (True, 'a list of notebook names without .ipynb, e.g. ["FullyConnectedNets"]'),
    },
    "students": {
        "write": (True, 'a list of course definitions as "module.name", e.g. ["layers.affine_forward"]'),
        "provided": (False, 'a list of course module names given whole as a locked cell, e.g. ["layer_utils"]'),
    },
    "support": {
        "modules": (False, 'a list of course module names shipped in nnsupport, e.g. ["solver", "layers"]'),
        "stubbed": (False, 'a list of "module.name" shipped stubbed in nnsupport though not written here'),
        "solved_after": (
            False,
            'a list of other assignments of the course whose written definitions ship solved here, e.g. ["fc_nets"]',
        ),
    },
    "data": {"files": (False, "a list of file names in the source folder that ship with the release")},
    "checks": {"kinds": (True, f"a list of check kinds, each one of {', '.join(CHECK_KINDS)}")},
}


class ManifestError(CourseError):
    """An assignment.toml that is missing, malformed or disagrees with the course."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    assignment: str
    path: str
    title: str
    notebooks: tuple[str, ...]
    writes: tuple[str, ...]  # "module.name"
    provided: tuple[str, ...]
    support_modules: tuple[str, ...]
    stubbed: tuple[str, ...]  # "module.name", besides the written ones
    data_files: tuple[str, ...]
    check_kinds: tuple[str, ...]
    solved_after: tuple[str, ...] = ()  # assignments whose written definitions ship solved here
    # "module.name" that other assignments' students write (those of solved_after excepted):
    # filled in by ``with_course`` from the course's other manifests.
    written_elsewhere: tuple[str, ...] = ()

    def written_names(self):
        """The bare names of the written definitions: the grade_ids of their solution cells."""
        return [entry.split(".", 1)[1] for entry in self.writes]

    def stubbed_in(self, module):
        """Names of ``module``'s definitions that ship stubbed in nnsupport."""
        stubbed = self.writes + self.stubbed + self.written_elsewhere
        return {entry.split(".", 1)[1] for entry in stubbed if entry.split(".", 1)[0] == module}


def module_definitions(reference_dir, module):
    """(name, first line, last line, exact source text) of every top-level function and class
    of ``course/<module>.py``, decorators included, in file order."""
    with open(os.path.join(reference_dir, f"{module}.py")) as f:
        text = f.read()
    lines = text.splitlines()
    found = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found.append((node.name, first, node.end_lineno, "\n".join(lines[first - 1 : node.end_lineno])))
    return found


def _where(path, key):
    return f"{path}: `{key}`"


def _string_list(path, key, value, describe):
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ManifestError(f"{_where(path, key)} must be {describe}; it is {value!r}.")
    duplicates = sorted({item for item in value if value.count(item) > 1})
    if duplicates:
        raise ManifestError(f"{_where(path, key)} lists {', '.join(duplicates)} twice: list each once.")
    return tuple(value)


def _checked_keys(path, document):
    """The manifest's values by (section, key), after refusing unknown or missing keys."""
    values = {}
    for key, value in document.items():
        if isinstance(value, dict):
            if key not in SCHEMA or key == "":
                raise ManifestError(
                    f"{path}: unknown section [{key}]; the sections are {', '.join(f'[{s}]' for s in SCHEMA if s)}."
                )
            for inner, item in value.items():
                if inner not in SCHEMA[key]:
                    raise ManifestError(
                        f"{path}: unknown key `{key}.{inner}`; the keys of [{key}] are {', '.join(SCHEMA[key])}."
                    )
                values[key, inner] = item
        elif key in SCHEMA[""]:
            values["", key] = value
        else:
            raise ManifestError(
                f"{path}: unknown key `{key}`; the top-level keys are {', '.join(SCHEMA[''])}, "
                f"then the sections {', '.join(f'[{s}]' for s in SCHEMA if s)}."
            )
    for section, keys in SCHEMA.items():
        for key, (required, describe) in keys.items():
            dotted = f"{section}.{key}" if section else key
            if (section, key) not in values:
                if required:
                    raise ManifestError(f"{path}: `{dotted}` is missing; give it: {describe}.")
                values[section, key] = ()
            elif key != "title":
                values[section, key] = _string_list(path, dotted, values[section, key], describe)
    if not isinstance(values["", "title"], str) or not values["", "title"].strip():
        raise ManifestError(f"{_where(path, 'title')} must be {SCHEMA['']['title'][1]}.")
    return values


def _check_definition(path, key, entry, reference_dir, definitions):
    """The definition ``entry`` ("module.name") of the course, or a ManifestError saying what is wrong."""
    module, dot, name = entry.partition(".")
    if not dot or not module or not name or "." in name:
        raise ManifestError(
            f'{_where(path, key)}: {entry!r} is not "module.name" (a top-level function or class of '
            'course/<module>.py, e.g. "layers.affine_forward").'
        )
    _check_module(path, key, module, reference_dir)
    if module not in definitions:
        definitions[module] = {d[0]: d for d in module_definitions(reference_dir, module)}
    if name not in definitions[module]:
        raise ManifestError(
            f"{_where(path, key)}: course/{module}.py defines no top-level function or class {name!r} "
            f"(it defines {', '.join(definitions[module]) or 'none'}); fix the name or write it in course/."
        )
    return definitions[module][name]


def _check_module(path, key, module, reference_dir):
    if not module.isidentifier() or not os.path.isfile(os.path.join(reference_dir, f"{module}.py")):
        raise ManifestError(
            f"{_where(path, key)}: no course module {module!r} (no course/{module}.py); "
            "name a module of the course/ folder."
        )


def _check_against_course(manifest, reference_dir):
    path, definitions = manifest.path, {}
    names = {}
    for entry in manifest.writes:
        if entry.split(".")[0] in manifest.provided:
            raise ManifestError(
                f"{path}: {entry} is both written by students (`students.write`) and given solved: its "
                f"module {entry.split('.')[0]} is in `students.provided`, a locked cell holding the whole "
                "module. Remove one of the two."
            )
    for entry in manifest.writes:
        name, _, _, source = _check_definition(path, "students.write", entry, reference_dir, definitions)
        if "BEGIN SOLUTION" not in source:
            raise ManifestError(
                f"{_where(path, 'students.write')}: course/{entry.split('.')[0]}.py's {name} has no "
                "### BEGIN SOLUTION / ### END SOLUTION region, so students would receive it whole; "
                "mark the lines they write as a solution region."
            )
        if name in names:
            raise ManifestError(
                f"{_where(path, 'students.write')}: {names[name]} and {entry} share the name {name!r}, which "
                "names their solution cells; students can write only one of them in this assignment."
            )
        names[name] = entry
    for module in manifest.provided + manifest.support_modules:
        key = "students.provided" if module in manifest.provided else "support.modules"
        _check_module(path, key, module, reference_dir)
    for module in manifest.provided:
        if module in manifest.support_modules:
            raise ManifestError(
                f"{path}: module {module} is both in `students.provided` (a locked cell in the notebook) and "
                "in `support.modules` (nnsupport): its functions call the layers students write, so give "
                "it in one place only, the locked cell."
            )
    for entry in manifest.stubbed:
        _check_definition(path, "support.stubbed", entry, reference_dir, definitions)
        if entry in manifest.writes:
            raise ManifestError(
                f"{_where(path, 'support.stubbed')}: {entry} is written by students here, so it is stubbed "
                "already; remove it from `support.stubbed`."
            )
        if entry.split(".")[0] not in manifest.support_modules:
            raise ManifestError(
                f"{_where(path, 'support.stubbed')}: {entry}'s module is not in `support.modules`, so "
                "nnsupport does not ship it at all; remove it or add the module."
            )
    unknown = sorted(set(manifest.check_kinds) - set(CHECK_KINDS))
    if unknown:
        raise ManifestError(
            f"{_where(path, 'checks.kinds')}: unknown kind(s) {', '.join(unknown)}; the kinds are "
            f"{', '.join(CHECK_KINDS)}."
        )


def _check_against_folder(manifest):
    folder = os.path.dirname(manifest.path)
    present = set(os.listdir(folder))
    for name in manifest.notebooks:
        if f"{name}.ipynb" not in present:
            raise ManifestError(
                f"{_where(manifest.path, 'notebooks')}: no {name}.ipynb in {folder}; list the notebooks "
                "there, without .ipynb."
            )
    for name in manifest.data_files:
        if name not in present or name in GENERATED_FILES or name == MANIFEST_FILE or name.endswith(".ipynb"):
            raise ManifestError(
                f"{_where(manifest.path, 'data.files')}: no file {name} in {folder} to ship (notebooks, the "
                "manifest and generated files are not data)."
            )
    expected = {f"{n}.ipynb" for n in manifest.notebooks} | set(manifest.data_files) | {MANIFEST_FILE}
    stray = sorted(present - expected - set(GENERATED_FILES))
    if stray:
        raise ManifestError(
            f"{folder} holds {', '.join(stray)}, which the manifest does not name, and nbgrader releases "
            f"every file of the folder: list notebooks under `notebooks` and other files under "
            f"`data.files` in {manifest.path}, or move them out."
        )


def load_manifest(path, assignment, reference_dir):
    """The validated manifest at ``path`` of ``assignment``; ManifestError says what to fix."""
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except FileNotFoundError:
        raise ManifestError(
            f"{path} does not exist: every assignment describes itself there (see docs/AUTHORING.md; "
            f"`autograder new {assignment}` writes one)."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path} is not valid TOML: {error}; fix that line.") from None
    values = _checked_keys(path, document)
    manifest = Manifest(
        assignment=assignment,
        path=path,
        title=values["", "title"].strip(),
        notebooks=values["", "notebooks"],
        writes=values["students", "write"],
        provided=values["students", "provided"],
        support_modules=values["support", "modules"],
        stubbed=values["support", "stubbed"],
        data_files=values["data", "files"],
        check_kinds=values["checks", "kinds"],
        solved_after=values["support", "solved_after"],
    )
    if not manifest.notebooks:
        raise ManifestError(f"{_where(path, 'notebooks')} is empty: name at least one notebook.")
    _check_against_course(manifest, reference_dir)
    _check_against_folder(manifest)
    return manifest


def with_course(manifest, others):
    """``manifest`` knowing what the course's other assignments ask students to write.

    ``others``: assignment name -> its Manifest, for every other assignment of the course.
    Their written definitions ship stubbed here, except those of ``support.solved_after``.
    """
    for name in manifest.solved_after:
        if name not in others:
            raise ManifestError(
                f"{_where(manifest.path, 'support.solved_after')}: no other assignment {name!r} in this course "
                f"(the others: {', '.join(sorted(others)) or 'none'}); name assignments whose answers ship "
                "solved here."
            )
    elsewhere = sorted(
        {
            entry
            for name, other in others.items()
            if name not in manifest.solved_after
            for entry in other.writes
            if entry not in manifest.writes
        }
    )
    return dataclasses.replace(manifest, written_elsewhere=tuple(elsewhere))


def solutions_handed_out(manifest, others):
    """assignment -> the definitions of it that ship solved in ``manifest``'s nnsupport."""
    return {
        name: sorted(
            entry
            for entry in others[name].writes
            if entry.split(".")[0] in manifest.support_modules and entry not in manifest.writes + manifest.stubbed
        )
        for name in manifest.solved_after
    }
