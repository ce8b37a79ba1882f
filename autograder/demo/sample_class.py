"""A class of sample submissions for one assignment, made from its released notebook as students would.

Used by the main job (``autograder demo``), the tests and the benchmarks. Every
submission starts from the released notebook with the reference bodies pasted into
the stubs. Correct submissions rewrite some answers in other correct ways, and each
mistaken one plants one common error: both are entries of the assignment's mistake
library (``grading_bundle/<assignment>/mistakes.py``, see ``authoring.library``), so the
release has proven that the styles keep full marks and the mistakes lose points. A few
submissions are broken on purpose (an infinite loop and a syntax error in a function
students write, a test cell deleted, a notebook that is not JSON, an empty and a
misplaced folder).

What goes in a class is a ``Plan``. fc_nets has a hand-picked one (``FC_NETS``: its first
mistake is the real student's mistake from the seed notes, a ReLU after the last layer);
any other assignment gets one drawn from its library and manifest (``library_plan``): a few
correct submissions, each taking one alternative per solution cell, mistakes taken in turn
from each test cell that catches some, the broken ones in the first function the manifest
has students write.

The class has a roster (``roster``: names, and when each one handed in against ``DUE``, a few
of them late), written as ``nbgrader collect`` leaves it: each folder's ``timestamp.txt``
holds the time the collector decided, so the course's late policy applies to the late ones.
"""

import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils

from ..authoring.library import apply_edits, edit_solution, paste_reference, solution_regions
from ..grading.handin import text_utc


@dataclass(frozen=True)
class Plan:
    """What one assignment's sample class holds, by library names and cell edits."""

    styles: dict  # style name -> the library's correct alternatives it applies
    correct: list  # style combinations, one correct submission each
    mistakes: list  # library mistakes, one submission each
    infinite_loop: tuple  # (cell, old, new): an infinite loop where the student meant something else
    syntax_error: tuple  # (cell, old, new)
    deleted_test: tuple  # (test cell deleted, [(cell, old, new), ...]: the wrong answer it would have caught)
    late_mistake: str = ""  # the mistake handed in two days late (default: the last one)


# Style name -> the library's correct alternatives it applies.
STYLES = {
    "dot": ["affine_forward_np_dot"],
    "mask": ["relu_forward_mask", "relu_backward_where"],
    "logsumexp": ["softmax_log_sum_exp"],
    "probabilities": ["softmax_probabilities_then_log"],
    "named": ["sgd_momentum_named", "adam_named"],
    "randn": ["fc_net_randn"],
    "cs231n": ["fc_net_cs231n_style", "adam_kingma_step_size"],
    "transpose": ["affine_backward_transpose"],
    "loops": ["affine_forward_loop", "softmax_loop"],
    "warnings": ["affine_forward_with_warning"],
}

# Style combinations of the correct submissions.
CORRECT = [
    [],
    ["dot"],
    ["mask"],
    ["logsumexp"],
    ["probabilities"],
    ["named"],
    ["randn"],
    ["cs231n"],
    ["dot", "mask", "named", "transpose"],
    ["loops", "randn"],
    ["warnings"],
]

# The library's mistakes that appear in the class, one submission each.
MISTAKES = [
    "relu_on_scores",
    "l2_without_last_layer",
    "init_random_biases",
    "init_ignores_weight_scale",
    "softmax_sum_not_mean",
    "softmax_no_max_shift",
    "affine_backward_db_not_summed",
    "relu_backward_mask_on_dout",
    "momentum_sign",
    "nesterov_as_momentum",
    "adagrad_forgets",
    "rmsprop_eps_inside_sqrt",
    "adam_bias_correction_without_t",
    "adam_t_after_use",
    "best_model_not_trained",
]

FC_NETS = Plan(
    styles=STYLES,
    correct=CORRECT,
    mistakes=MISTAKES,
    infinite_loop=("relu_forward", "out = np.maximum(x, 0)", "while True:\n        pass"),
    syntax_error=(
        "affine_forward",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = x.reshape(x.shape[0], -1 @ w + b",
    ),
    deleted_test=(
        "test_adam",
        [("adam", 'next_w = w - config["learning_rate"]', 'next_w = w - 2 * config["learning_rate"]')],
    ),
    late_mistake="adam_t_after_use",
)
PLANS = {"fc_nets": FC_NETS}
# A class drawn from a library: at most this many correct styles and this many mistakes.
STYLE_COUNT, MISTAKE_COUNT = 4, 8

# The due date of the demo course (naive UTC, nbgrader's convention), and who handed in late, by how much.
DUE = datetime.datetime(2027, 3, 1, 23, 59)
# Each class: a correct submission handed in 45 minutes late (its penalty shows), its last mistake
# two days late, the untouched release five hours late.
ON_TIME_LATE, MISTAKE_LATE, UNTOUCHED_LATE = (
    datetime.timedelta(minutes=45),
    datetime.timedelta(days=2, hours=3),
    datetime.timedelta(hours=5),
)
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Claude",
    "Katherine",
    "John",
    "Hedy",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Tim",
    "Radia",
    "Ken",
    "Margaret",
    "Dennis",
    "Sophie",
    "Niklaus",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Shannon",
    "Johnson",
    "Backus",
    "Lamarr",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Berners-Lee",
    "Perlman",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Wilson",
    "Wirth",
    "Noether",
]


def _first_unique_line(cell_source, region):
    """The first non-blank reference line of ``region`` found exactly once in the cell."""
    for line in region:
        if line.strip() and not line.strip().startswith("#") and cell_source.count(line) == 1:
            return line
    raise ValueError(f"no line of the reference occurs exactly once in:\n{cell_source}")


def library_plan(manifest, library, pasted, source):
    """The Plan of an assignment without a hand-picked one (see the module docstring)."""
    by_cell = {}
    for alternative in library.alternatives.values():
        by_cell.setdefault(alternative.cell, []).append(alternative.name)
    styles, correct = {}, [[]]
    for number in range(min(STYLE_COUNT, max(map(len, by_cell.values()), default=0))):
        alternatives = [names[number] for names in by_cell.values() if number < len(names)]
        styles[", ".join(alternatives)] = alternatives  # named after what it applies
        correct.append([", ".join(alternatives)])
    by_test = {}
    for mistake in library.mistakes.values():
        if not mistake.accepted:
            by_test.setdefault(mistake.caught_by, []).append(mistake)
    mistakes, round_ = [], 0
    while len(mistakes) < MISTAKE_COUNT and any(round_ < len(found) for found in by_test.values()):
        mistakes += [found[round_].name for found in by_test.values() if round_ < len(found)]
        round_ += 1
    mistakes = mistakes[:MISTAKE_COUNT]
    cells = {c.metadata.nbgrader.grade_id: c.source for c in pasted.cells if utils.is_solution(c)}
    first = next(name for name in manifest.written_names() if name in cells)
    line = _first_unique_line(cells[first], solution_regions(source)[first][0])
    indent = line[: len(line) - len(line.lstrip())]
    deleted = library.mistakes[mistakes[-1]]
    return Plan(
        styles=styles,
        correct=correct,
        mistakes=mistakes[:-1],
        infinite_loop=(first, line, f"{indent}while True:\n{indent}    pass\n{line}"),
        syntax_error=(first, line, f"{line} ("),
        deleted_test=(deleted.caught_by, deleted.as_edits()),
    )


def plan_for(assignment, manifest, library, pasted, source):
    return PLANS.get(assignment) or library_plan(manifest, library, pasted, source)


def style_edits(library, styles, plan=FC_NETS):
    """The (cell, old, new) edits of the named styles, from the library's alternatives."""
    return [edit for style in styles for name in plan.styles[style] for edit in library.alternatives[name].as_edits()]


def late_students(plan):
    """student -> how late, for the students of ``plan`` who hand in after the due date."""
    late = {"untouched": UNTOUCHED_LATE}
    if len(plan.correct) >= 3:
        late["correct03"] = ON_TIME_LATE
    if plan.mistakes:
        late[plan.late_mistake or plan.mistakes[-1]] = MISTAKE_LATE
    return late


def sample_class(source_nb, released_nb, library, plan=FC_NETS):
    """student id -> notebook (or raw text for a broken file), and what each one is."""
    pasted = paste_reference(released_nb, source_nb)
    notebooks, kinds = {}, {}
    for number, styles in enumerate(plan.correct, start=1):
        student = f"correct{number:02d}"
        notebooks[student] = apply_edits(pasted, style_edits(library, styles, plan))
        kinds[student] = "correct: " + (", ".join(styles) or "reference")
    for name in plan.mistakes:
        notebooks[name] = apply_edits(pasted, library.mistakes[name].as_edits())
        kinds[name] = "mistake: " + name.replace("_", " ")
    notebooks["untouched"] = nbformat.from_dict(released_nb)
    kinds["untouched"] = "the release, unchanged"
    notebooks["infinite_loop"] = edit_solution(pasted, *plan.infinite_loop)
    kinds["infinite_loop"] = f"an infinite loop in {plan.infinite_loop[0]}"
    notebooks["syntax_error"] = edit_solution(pasted, *plan.syntax_error)
    kinds["syntax_error"] = f"a syntax error in {plan.syntax_error[0]}"
    test_cell, edits = plan.deleted_test
    deleted = nbformat.from_dict(pasted)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != test_cell]
    notebooks["deleted_test_cell"] = apply_edits(deleted, edits)
    kinds["deleted_test_cell"] = f"a wrong {edits[0][0]} and its test cell deleted"
    notebooks["broken_json"] = '{"cells": [ this is not JSON'
    kinds["broken_json"] = "a notebook file that is not valid JSON"
    return notebooks, kinds


def roster(students, late, due=DUE):
    """student -> (first name, last name, time handed in), the same for every run: on time ones
    spread over the day before ``due``, the ``late`` ones (student -> how late) after it."""
    entries = {}
    for number, student in enumerate(sorted(students)):
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[(5 * number) % len(LAST_NAMES)]
        handed_in = due + late[student] if student in late else due - datetime.timedelta(minutes=17 + 41 * number)
        entries[student] = (first, last, handed_in)
    return entries


def write_sample_class(course, assignment, library, submitted_dir, due=DUE):
    """Write the sample class of ``assignment`` in nbgrader's submitted/ layout, each with the
    timestamp.txt the collector writes; returns (student -> kind, roster). The class is made
    for the first notebook of the manifest; the others are handed in as released."""
    manifest = course.manifest(assignment)
    name = f"{manifest.notebooks[0]}.ipynb"
    released_dir, submitted_dir = Path(course.release(assignment)), Path(submitted_dir)
    source, released = (
        nbformat.read(Path(folder) / name, as_version=4) for folder in (course.source(assignment), released_dir)
    )
    plan = plan_for(assignment, manifest, library, paste_reference(released, source), source)
    notebooks, kinds = sample_class(source, released, library, plan)
    for student, nb in notebooks.items():
        folder = submitted_dir / student / assignment
        shutil.copytree(released_dir, folder, dirs_exist_ok=True)  # students hand in the folder
        if isinstance(nb, str):
            (folder / name).write_text(nb)
        else:
            nbformat.write(nb, folder / name)
    (submitted_dir / "empty_folder" / assignment).mkdir(parents=True, exist_ok=True)
    kinds["empty_folder"] = "an empty submission folder"
    misplaced = submitted_dir / "wrong_folder" / f"{assignment}_v2"
    shutil.copytree(released_dir, misplaced, dirs_exist_ok=True)
    kinds["wrong_folder"] = f"submitted under {assignment}_v2 instead of {assignment}"
    students = roster(kinds, late_students(plan), due)
    for student in notebooks:
        (submitted_dir / student / assignment / "timestamp.txt").write_text(text_utc(students[student][2]))
    return kinds, students
