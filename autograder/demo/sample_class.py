"""A class of sample submissions, made from the released notebook as students would.

Used by the main job (``autograder demo``), the tests and the benchmarks. Every
submission starts from the released notebook with the reference bodies pasted into
the stubs. Correct submissions rewrite some answers in other correct ways, and each
mistaken one plants one common error: both are entries of the assignment's mistake
library (``grading_bundle/<assignment>/mistakes.py``, see ``authoring.library``), so the
release has proven that the styles keep full marks and the mistakes lose points. The
first mistake is the real student's mistake from the seed notes: a ReLU after the last
layer. A few submissions are broken on purpose.

The class has a roster (``roster``: names, and when each one handed in against ``DUE``, a few
of them late), written as ``nbgrader collect`` leaves it: each folder's ``timestamp.txt``
holds the time the collector decided, so the course's late policy applies to the late ones.
"""

import datetime
import shutil
from pathlib import Path

import nbformat

from ..authoring.library import apply_edits, edit_solution, paste_reference
from ..grading.handin import text_utc

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

# The due date of the demo course (naive UTC, nbgrader's convention), and who handed in late, by how much.
DUE = datetime.datetime(2027, 3, 1, 23, 59)
LATE = {
    "correct03": datetime.timedelta(minutes=45),
    "adam_t_after_use": datetime.timedelta(days=2, hours=3),
    "untouched": datetime.timedelta(hours=5),
}
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

# An infinite loop where a student meant to write ReLU.
INFINITE_LOOP = ("relu_forward", "out = np.maximum(x, 0)", "while True:\n        pass")


def style_edits(library, styles):
    """The (cell, old, new) edits of the named styles, from the library's alternatives."""
    return [edit for style in styles for name in STYLES[style] for edit in library.alternatives[name].as_edits()]


def sample_class(source_nb, released_nb, library):
    """student id -> notebook (or raw text for a broken file), and what each one is."""
    pasted = paste_reference(released_nb, source_nb)
    notebooks, kinds = {}, {}
    for number, styles in enumerate(CORRECT, start=1):
        student = f"correct{number:02d}"
        notebooks[student] = apply_edits(pasted, style_edits(library, styles))
        kinds[student] = "correct: " + (", ".join(styles) or "reference")
    for name in MISTAKES:
        notebooks[name] = apply_edits(pasted, library.mistakes[name].as_edits())
        kinds[name] = "mistake: " + name.replace("_", " ")
    notebooks["untouched"] = nbformat.from_dict(released_nb)
    kinds["untouched"] = "the release, unchanged"
    notebooks["infinite_loop"] = edit_solution(pasted, *INFINITE_LOOP)
    kinds["infinite_loop"] = "an infinite loop in relu_forward"
    notebooks["syntax_error"] = edit_solution(
        pasted, "affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1 @ w + b"
    )
    kinds["syntax_error"] = "a syntax error in affine_forward"
    deleted = nbformat.from_dict(pasted)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_adam"]
    notebooks["deleted_test_cell"] = edit_solution(
        deleted, "adam", 'next_w = w - config["learning_rate"]', 'next_w = w - 2 * config["learning_rate"]'
    )
    kinds["deleted_test_cell"] = "a wrong adam and its test cell deleted"
    notebooks["broken_json"] = '{"cells": [ this is not JSON'
    kinds["broken_json"] = "a notebook file that is not valid JSON"
    return notebooks, kinds


def roster(students):
    """student -> (first name, last name, time handed in), the same for every run: on time ones
    spread over the day before ``DUE``, the students of ``LATE`` after it."""
    entries = {}
    for number, student in enumerate(sorted(students)):
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[(5 * number) % len(LAST_NAMES)]
        handed_in = DUE + LATE[student] if student in LATE else DUE - datetime.timedelta(minutes=17 + 41 * number)
        entries[student] = (first, last, handed_in)
    return entries


def write_sample_class(source_path, released_dir, submitted_dir, assignment, library):
    """Write the sample class in nbgrader's submitted/ layout, each with the timestamp.txt the
    collector writes; returns (student -> kind, roster)."""
    source_path, released_dir, submitted_dir = Path(source_path), Path(released_dir), Path(submitted_dir)
    released_path = released_dir / source_path.name
    notebooks, kinds = sample_class(
        nbformat.read(source_path, as_version=4), nbformat.read(released_path, as_version=4), library
    )
    for student, nb in notebooks.items():
        folder = submitted_dir / student / assignment
        shutil.copytree(released_dir, folder, dirs_exist_ok=True)  # students hand in the folder
        if isinstance(nb, str):
            (folder / source_path.name).write_text(nb)
        else:
            nbformat.write(nb, folder / source_path.name)
    (submitted_dir / "empty_folder" / assignment).mkdir(parents=True, exist_ok=True)
    kinds["empty_folder"] = "an empty submission folder"
    misplaced = submitted_dir / "wrong_folder" / f"{assignment}_v2"
    shutil.copytree(released_dir, misplaced, dirs_exist_ok=True)
    kinds["wrong_folder"] = f"submitted under {assignment}_v2 instead of {assignment}"
    students = roster(kinds)
    for student in notebooks:
        (submitted_dir / student / assignment / "timestamp.txt").write_text(text_utc(students[student][2]))
    return kinds, students
