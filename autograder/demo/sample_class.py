"""A class of sample submissions, made from the released notebook as students would.

Used by the main job (``autograder demo``), the tests and the benchmarks. Every
submission starts from the released notebook with the reference bodies pasted
into the stubs; styles rewrite some answers in other correct ways, mistakes plant
one common error each (the first is the real student's mistake from the seed
notes: a ReLU after the last layer), and a few submissions are broken on purpose.
"""

import shutil
from pathlib import Path

import nbformat
from nbgrader import utils

from ..regions import BEGIN_SOLUTION, END_SOLUTION

STUB = "raise NotImplementedError()"


def _solution_regions(source_nb):
    """grade_id -> the solution regions of that cell (each a list of lines), in order."""
    bodies = {}
    for cell in source_nb.cells:
        if utils.is_solution(cell):
            regions, current = [], []
            for line in cell.source.splitlines():
                if BEGIN_SOLUTION in line:
                    current = []
                elif END_SOLUTION in line:
                    regions.append(current)
                else:
                    current.append(line)
            bodies[cell.metadata.nbgrader.grade_id] = regions or [cell.source.splitlines()]
    return bodies


def paste_reference(release_nb, source_nb):
    """The released notebook with each stub replaced by the reference body, as pasted by hand."""
    nb = nbformat.from_dict(release_nb)
    bodies = _solution_regions(source_nb)
    for cell in nb.cells:
        if not utils.is_solution(cell):
            continue
        regions = iter(bodies[cell.metadata.nbgrader.grade_id])
        if cell.cell_type == "markdown":
            cell.source = "\n".join(next(regions))
            continue
        lines = []
        for line in cell.source.splitlines():
            if line.strip() == "# YOUR CODE HERE":
                continue
            if line.strip() == STUB:
                lines.extend(next(regions))  # reference lines carry their own indentation
            else:
                lines.append(line)
        cell.source = "\n".join(lines)
    return nb


def edit_solution(nb, grade_id, old, new):
    """A copy of ``nb`` with ``old`` replaced by ``new`` in one cell."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            if old not in cell.source:
                raise ValueError(f"{old!r} is not in cell {grade_id}")
            cell.source = cell.source.replace(old, new)
            return nb
    raise KeyError(grade_id)


def apply(nb, edits):
    for grade_id, old, new in edits:
        nb = edit_solution(nb, grade_id, old, new)
    return nb


# Correct answers written in other styles: (cell, reference text, replacement).
STYLES = {
    "dot": [("affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b",
             "out = np.dot(x.reshape(x.shape[0], -1), w) + b")],
    "mask": [("relu_forward", "out = np.maximum(x, 0)", "out = x * (x > 0)"),
             ("relu_backward", "dx = dout * (x > 0)", "dx = np.where(x > 0, dout, 0)")],
    "logsumexp": [("softmax_loss",
                   "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
                   "    loss = -log_probs[np.arange(n), y].mean()\n"
                   "    dx = np.exp(log_probs)\n",
                   "    log_sum = np.log(np.sum(np.exp(shifted), axis=1))\n"
                   "    loss = np.mean(log_sum - shifted[np.arange(n), y])\n"
                   "    dx = np.exp(shifted - log_sum[:, None])\n")],
    "named": [("sgd_momentum", 'v = config["momentum"] * v - config["learning_rate"] * dw',
               'mu, lr = config["momentum"], config["learning_rate"]\n    v = mu * v - lr * dw'),
              ("adam", 'next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])',
               'lr, eps = config["learning_rate"], config["epsilon"]\n'
               "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)")],
    "randn": [("FullyConnectedNet",
               'self.params[f"W{i}"] = weight_scale * rng.standard_normal((dims[i - 1], dims[i]))',
               'self.params["W" + str(i)] = np.random.randn(dims[i - 1], dims[i]) * weight_scale')],
    "transpose": [("affine_backward", "dw = x.reshape(x.shape[0], -1).T @ dout",
                   "dw = (dout.T @ x.reshape(x.shape[0], -1)).T")],
    "warnings": [("affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b",
                  "import warnings\n    warnings.warn('a harmless warning on stderr')\n"
                  "    out = x.reshape(x.shape[0], -1) @ w + b")],
}

# One common mistake each.
MISTAKES = {
    "relu_on_scores": [("FullyConnectedNet",
                        'scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])',
                        'scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])\n'
                        "        scores, _ = relu_forward(scores)")],
    "l2_without_last_layer": [("FullyConnectedNet", "for i in range(1, L + 1):", "for i in range(1, L):")],
    "init_ignores_weight_scale": [("FullyConnectedNet", 'weight_scale * rng.standard_normal', 'rng.standard_normal')],
    "softmax_sum_not_mean": [("softmax_loss", "loss = -log_probs[np.arange(n), y].mean()",
                              "loss = -log_probs[np.arange(n), y].sum()"),
                             ("softmax_loss", "    dx /= n\n", "\n")],
    "softmax_underflow": [("softmax_loss",
                           "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
                           "    loss = -log_probs[np.arange(n), y].mean()\n"
                           "    dx = np.exp(log_probs)\n",
                           "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
                           "    loss = -np.log(probs[np.arange(n), y]).mean()\n"
                           "    dx = probs.copy()\n")],
    "db_not_summed": [("affine_backward", "db = dout.sum(axis=0)", "db = dout")],
    "relu_backward_wrong_mask": [("relu_backward", "dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
    "float64_upcast": [("affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b",
                        "out = x.reshape(x.shape[0], -1).astype(np.float64) @ w + b")],
    "momentum_sign": [("sgd_momentum", "next_w = w + v", "next_w = w - v")],
    "nesterov_as_momentum": [("nesterov_momentum",
                              'next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v',
                              "next_w = w + v")],
    "adagrad_forgets": [("adagrad", 'config["cache"] = config["cache"] + dw**2', 'config["cache"] = dw**2')],
    "rmsprop_without_decay": [("rmsprop", 'config["cache"] = decay * config["cache"] + (1 - decay) * dw**2',
                               'config["cache"] = config["cache"] + dw**2')],
    "adam_no_bias_correction": [("adam", 'm_hat = config["m"] / (1 - beta1 ** config["t"])', 'm_hat = config["m"]'),
                                ("adam", 'v_hat = config["v"] / (1 - beta2 ** config["t"])', 'v_hat = config["v"]')],
    "adam_t_after_use": [("adam", '    config["t"] += 1\n', ""),
                         ("adam", '    next_w = w - config["learning_rate"]',
                          '    config["t"] += 1\n    next_w = w - config["learning_rate"]')],
    "undertrained_best_model": [("best_model", "num_epochs=10", "num_epochs=1")],
}

# An infinite loop where a student meant to write ReLU.
INFINITE_LOOP = ("relu_forward", "out = np.maximum(x, 0)", "while True:\n        pass")

# Style combinations of the correct submissions.
CORRECT = [[], ["dot"], ["mask"], ["logsumexp"], ["named"], ["randn"], ["transpose"],
           ["dot", "mask", "named"], ["logsumexp", "transpose", "randn"], ["warnings"]]


def sample_class(source_nb, released_nb):
    """student id -> notebook (or raw text for a broken file), and what each one is."""
    pasted = paste_reference(released_nb, source_nb)
    notebooks, kinds = {}, {}
    for number, styles in enumerate(CORRECT, start=1):
        student = f"correct{number:02d}"
        notebooks[student] = apply(pasted, [edit for style in styles for edit in STYLES[style]])
        kinds[student] = "correct: " + (", ".join(styles) or "reference")
    for name, edits in MISTAKES.items():
        notebooks[name] = apply(pasted, edits)
        kinds[name] = "mistake: " + name.replace("_", " ")
    notebooks["untouched"] = nbformat.from_dict(released_nb)
    kinds["untouched"] = "the release, unchanged"
    notebooks["infinite_loop"] = edit_solution(pasted, *INFINITE_LOOP)
    kinds["infinite_loop"] = "an infinite loop in relu_forward"
    notebooks["syntax_error"] = edit_solution(pasted, "affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b",
                                              "out = x.reshape(x.shape[0], -1 @ w + b")
    kinds["syntax_error"] = "a syntax error in affine_forward"
    deleted = nbformat.from_dict(pasted)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_adam"]
    notebooks["deleted_test_cell"] = edit_solution(deleted, "adam", 'next_w = w - config["learning_rate"]',
                                                   'next_w = w - 2 * config["learning_rate"]')
    kinds["deleted_test_cell"] = "a wrong adam and its test cell deleted"
    notebooks["broken_json"] = '{"cells": [ this is not JSON'
    kinds["broken_json"] = "a notebook file that is not valid JSON"
    return notebooks, kinds


def write_sample_class(source_path, released_dir, submitted_dir, assignment):
    """Write the sample class in nbgrader's submitted/ layout; returns student -> kind."""
    source_path, released_dir, submitted_dir = Path(source_path), Path(released_dir), Path(submitted_dir)
    released_path = released_dir / source_path.name
    notebooks, kinds = sample_class(nbformat.read(source_path, as_version=4),
                                    nbformat.read(released_path, as_version=4))
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
    return kinds
