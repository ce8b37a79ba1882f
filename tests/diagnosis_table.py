"""A table of wrong and correct implementations of fc_nets and batch_norm, judged against their grading bundles.

Each entry edits one module of the reference in course/ (exact text, replaced once), the way
a student would write it, and names the test cell that must take points for it. The test
cell of the source notebook (its hidden tests included) runs on the edited code in this
process, its records are judged with the grading bundle's checks, and what the student would
read is classified (``classify``):

- *misleading*: a failed check names, as fact, a known mistake that is not this entry's, or
  states one of the entry's ``false`` claims;
- *named*: not misleading, and a failed check names one of the entry's ``true`` mistakes, or
  a mutant the release learned a diagnosis from whose program is the entry's own
  (``true_mutants``: same syntax tree), so a learned diagnosis is judged by what the
  student's code is, not by what the diagnosis says;
- *none*: only a description of how the values are off (or a hedged "consistent with").

An entry's ``true_words`` are phrases that name its slip truly where no library mistake or
mutant is its program: a student who adds a literal ``1e-8`` to Adam's divisor besides
``config["epsilon"]``, graded only with the default epsilon, does add epsilon twice.

The wrong implementations were written for issue 18 after the corpus it measured: mistakes
of the library's kinds that the library does not list (a stale Adagrad cache, a too-narrow
normal initialisation, an Adam step counter that is never stored, epsilon in the wrong place,
L2 variants), so that a diagnosis naming a library mistake for them is wrong.

The batch_norm entries were written later, for the course's second assignment, in the same
way: mistakes its library does not list, the diagnoses not tuned to them. Two diagnoses worded
alike (two mutants of `out = gamma * x_hat + beta`, one per mode) say the same to the student,
so the words of a true one are true wherever they appear.

Run as a script (``python tests/diagnosis_table.py [course root]``) it prints the counts for
the code and bundle of that root, so two versions can be measured side by side.
"""

import ast
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT, NOTEBOOK = "fc_nets", "FullyConnectedNets"  # the first assignment, the default
NOTEBOOKS = {"fc_nets": "FullyConnectedNets", "batch_norm": "BatchNormalization"}
HEDGE = "consistent with"

ADAM_T_USES = [
    ('    config["t"] += 1\n', '    t = config["t"] + 1\n'),
    ('(1 - beta1 ** config["t"])', "(1 - beta1 ** t)"),
    ('(1 - beta2 ** config["t"])', "(1 - beta2 ** t)"),
]
ADAGRAD_STEP = (
    '    config["cache"] = config["cache"] + dw**2\n'
    '    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])\n'
)
RMSPROP_STEP = (
    '    config["cache"] = decay * config["cache"] + (1 - decay) * dw**2\n'
    '    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])\n'
)
L2_LOSS = "            loss += 0.5 * self.reg * np.sum(W * W)\n"
L2_GRAD = '            grads[f"W{i}"] += self.reg * W\n'


@dataclass(frozen=True)
class Entry:
    name: str
    module: str  # a module of course/
    cell: str  # the test cell that judges it
    edits: tuple  # ((old, new), ...) on the module's source
    true: tuple = ()  # library mistakes whose diagnosis is right for it
    false: tuple = ()  # phrases that would be false for it
    true_words: tuple = ()  # phrases that name its slip truly, though no mistake or mutant is its program
    assignment: str = ASSIGNMENT


WRONG = [
    # Adagrad: the step uses the cache before this step's gradient is added to it.
    Entry(
        "adagrad_stale_cache",
        "optim",
        "test_adagrad",
        (
            (
                ADAGRAD_STEP,
                (
                    '    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])\n'
                    '    config["cache"] = config["cache"] + dw**2\n'
                ),
            ),
        ),
        false=("divides by the cache itself",),
    ),
    Entry(
        "adagrad_eps_wrong_term",
        "optim",
        "test_adagrad",
        (
            (
                ADAGRAD_STEP,
                (
                    '    config["cache"] = config["cache"] + dw**2\n'
                    '    next_w = w - config["learning_rate"] * (dw / np.sqrt(config["cache"]) + config["epsilon"])\n'
                ),
            ),
        ),
        false=("epsilon is inside the square root",),
    ),
    # Too-narrow normal initialisations: not uniform, not ignoring weight_scale.
    Entry(
        "init_narrow_normal",
        "fc_net",
        "test_fc_net_init",
        (("weight_scale * rng.standard_normal", "0.3 * weight_scale * rng.standard_normal"),),
        false=("uniform distribution", "He or Xavier"),
    ),
    Entry(
        "init_half_scale",
        "fc_net",
        "test_fc_net_init",
        (("weight_scale * rng.standard_normal", "0.5 * weight_scale * rng.standard_normal"),),
        false=("uniform distribution", "He or Xavier"),
    ),
    Entry(
        "init_uniform_centred",
        "fc_net",
        "test_fc_net_init",
        (
            (
                "weight_scale * rng.standard_normal((dims[i - 1], dims[i]))",
                "weight_scale * rng.uniform(-1, 1, (dims[i - 1], dims[i]))",
            ),
        ),
        false=("[0, 1)",),
    ),
    # Adam: the step counter is computed but never stored; epsilon in the wrong place.
    Entry(
        "adam_t_not_stored",
        "optim",
        "test_adam",
        tuple(ADAM_T_USES),
        false=("divides by 1 - beta instead of 1 - beta ** t", "t never grows"),
    ),
    Entry(
        "adam_eps_added_twice",
        "optim",
        "test_adam",
        (('(np.sqrt(v_hat) + config["epsilon"])', '(np.sqrt(v_hat) + config["epsilon"] + 1e-8)'),),
        false=("same factor", "inside the square root"),
        # Every check passes the default epsilon, 1e-8: its second epsilon is config["epsilon"] there.
        true_words=('adds `config["epsilon"]` twice',),
    ),
    Entry(
        "adam_eps_wrong_term",
        "optim",
        "test_adam",
        (('m_hat / (np.sqrt(v_hat) + config["epsilon"])', '(m_hat / np.sqrt(v_hat) + config["epsilon"])'),),
        false=("same factor", "inside the square root"),
    ),
    Entry(
        "adam_eps_in_bias_correction",
        "optim",
        "test_adam",
        (('(1 - beta2 ** config["t"])', '(1 - beta2 ** config["t"] + config["epsilon"])'),),
        false=("inside the square root", "without bias correction"),
    ),
    Entry(
        "adam_eps_squared_inside_sqrt",
        "optim",
        "test_adam",
        (('np.sqrt(v_hat) + config["epsilon"]', 'np.sqrt(v_hat + config["epsilon"] ** 2)'),),
        false=("same factor",),
    ),
    Entry(
        "rmsprop_eps_wrong_term",
        "optim",
        "test_rmsprop",
        (
            (
                RMSPROP_STEP,
                (
                    '    config["cache"] = decay * config["cache"] + (1 - decay) * dw**2\n'
                    '    next_w = w - config["learning_rate"] * (dw / np.sqrt(config["cache"]) + config["epsilon"])\n'
                ),
            ),
        ),
        false=("same factor", "inside the square root"),
    ),
    Entry(
        "rmsprop_eps_added_to_cache",
        "optim",
        "test_rmsprop",
        (("(1 - decay) * dw**2\n", '(1 - decay) * dw**2 + config["epsilon"]\n'),),
        false=("same factor",),
    ),
    Entry(
        "rmsprop_eps_inside_sqrt",
        "optim",
        "test_rmsprop",
        (
            (
                RMSPROP_STEP,
                (
                    '    config["cache"] = decay * config["cache"] + (1 - decay) * dw**2\n'
                    '    next_w = w - config["learning_rate"] * dw / np.sqrt(config["cache"] + config["epsilon"])\n'
                ),
            ),
        ),
        true=("rmsprop_eps_inside_sqrt",),
    ),
    # L2 variants.
    Entry("l2_loss_missing", "fc_net", "test_fc_net_loss_grads", ((L2_LOSS, ""),)),
    Entry(
        "l2_reg_without_half_both",
        "fc_net",
        "test_fc_net_loss_grads",
        (
            (L2_LOSS, "            loss += self.reg * np.sum(W * W)\n"),
            (L2_GRAD, '            grads[f"W{i}"] += 2 * self.reg * W\n'),
        ),
        # Each entry is one library mistake's: the loss l2_missing_half's, the gradients
        # l2_gradient_doubled's.
        true=("l2_missing_half", "l2_gradient_doubled"),
    ),
    Entry(
        "l2_last_layer_only",
        "fc_net",
        "test_fc_net_loss_grads",
        (
            (
                "        for i in range(1, L + 1):\n            W = ",
                "        for i in range(L, L + 1):\n            W = ",
            ),
        ),
    ),
    Entry("l2_sum_then_square", "fc_net", "test_fc_net_loss_grads", (("np.sum(W * W)", "np.sum(W) ** 2"),)),
    Entry(
        "l2_missing_half_library",
        "fc_net",
        "test_fc_net_loss_grads",
        ((L2_LOSS, "            loss += self.reg * np.sum(W * W)\n"),),
        true=("l2_missing_half",),
    ),
]

# batch_norm: mistakes its library does not list, written for the course's second assignment
# without tuning the diagnoses to them (the momentum default is given code, not a mistake).
BN_TRAIN_INV_STD = "        inv_std = 1.0 / np.sqrt(var + eps)\n"
BN_TEST_OUT = "        x_hat = (x - running_mean) / np.sqrt(running_var + eps)\n        out = gamma * x_hat + beta\n"
BNB_SUMS = (
    "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    # x_hat"
)
LN_OUT = "    out = gamma * x_hat + beta\n    cache = (x_hat, gamma, inv_std)\n    ### END SOLUTION\n    return out, cache\n\n\ndef layernorm_backward"
LNB_DGAMMA = (
    "    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    dx = inv_std * (\n        dx_hat\n"
)


def _bn(name, cell, *edits, false=()):
    return Entry(name, "layers", cell, tuple(edits), false=false, assignment="batch_norm")


WRONG += [
    _bn("bn_no_sqrt", "test_batchnorm_forward", (BN_TRAIN_INV_STD, "        inv_std = 1.0 / (var + eps)\n")),
    _bn("bn_test_no_beta", "test_batchnorm_forward", (BN_TEST_OUT, BN_TEST_OUT.replace(" + beta", ""))),
    _bn(
        "bn_running_var_of_std",
        "test_batchnorm_forward",
        ("(1 - momentum) * var\n", "(1 - momentum) * np.sqrt(var + eps)\n"),
    ),
    _bn(
        "bnb_dvar_wrong_power",
        "test_batchnorm_backward",
        ("dvar = -0.5 * dinv_std * inv_std**3", "dvar = -0.5 * dinv_std * inv_std**2"),
    ),
    _bn(
        "bnb_dx_mean_sign",
        "test_batchnorm_backward",
        ("dx = dcentered - dcentered.mean(axis=0)", "dx = dcentered + dcentered.mean(axis=0)"),
    ),
    _bn(
        "bnb_dbeta_times_gamma",
        "test_batchnorm_backward",
        (BNB_SUMS, BNB_SUMS.replace("dbeta = dout.sum", "dbeta = (dout * gamma).sum")),
    ),
    _bn(
        "bnalt_no_inv_std",
        "test_batchnorm_backward_alt",
        (
            "    dx = inv_std * (\n        dx_hat - dx_hat.mean(axis=0)",
            "    dx = (\n        dx_hat - dx_hat.mean(axis=0)",
        ),
    ),
    _bn(
        "bnalt_mean_term_sign",
        "test_batchnorm_backward_alt",
        ("dx_hat - dx_hat.mean(axis=0) - x_hat", "dx_hat + dx_hat.mean(axis=0) - x_hat"),
    ),
    _bn("ln_no_gamma_beta", "test_layernorm_forward", (LN_OUT, LN_OUT.replace("gamma * x_hat + beta", "x_hat"))),
    _bn(
        "ln_variance_of_whole_batch",
        "test_layernorm_forward",
        ("    var = x.var(axis=1, keepdims=True)\n", "    var = x.var(axis=1, keepdims=True).mean()\n"),
    ),
    _bn(
        "lnb_dgamma_mean", "test_layernorm_backward", (LNB_DGAMMA, LNB_DGAMMA.replace(".sum(axis=0)", ".mean(axis=0)"))
    ),
]

# Written on 2026-12-03, after the mutant families term_repeated and reduction_swapped and before
# any diagnosis was measured on them, to keep part of the table held out from those families.
WRONG += [
    Entry(
        "rmsprop_eps_hardcoded",
        "optim",
        "test_rmsprop",
        ((RMSPROP_STEP, RMSPROP_STEP.replace('config["epsilon"]', "1e-7")),),
        false=("inside the square root",),
        true_words=('adds 10 times `config["epsilon"]`',),  # 1e-7, where every check passes 1e-8
    ),
    Entry(
        "adagrad_cache_abs",
        "optim",
        "test_adagrad",
        ((ADAGRAD_STEP, ADAGRAD_STEP.replace("dw**2", "np.abs(dw)")),),
        false=("inside the square root",),
    ),
    Entry(
        "softmax_log10",
        "layers",
        "test_softmax_loss",
        (
            (
                "    loss = -log_probs[np.arange(n), y].mean()\n",
                "    loss = -(log_probs[np.arange(n), y] / np.log(10)).mean()\n",
            ),
        ),
        false=("not averaged", "sum"),
    ),
    _bn(
        "bnb_dgamma_no_xhat",
        "test_batchnorm_backward",
        (BNB_SUMS, BNB_SUMS.replace("dgamma = (dout * x_hat).sum", "dgamma = dout.sum")),
    ),
    _bn(
        "ln_mean_over_batch",
        "test_layernorm_forward",
        ("    mean = x.mean(axis=1, keepdims=True)\n", "    mean = x.mean(axis=0, keepdims=True)\n"),
    ),
    _bn(
        "lnb_no_inv_std",
        "test_layernorm_backward",
        (
            "    dx = inv_std * (\n        dx_hat\n        - dx_hat.mean(axis=1",
            "    dx = (\n        dx_hat\n        - dx_hat.mean(axis=1",
        ),
    ),
]

CORRECT = [
    Entry(
        "adam_np_divide",
        "optim",
        "test_adam",
        (('m_hat / (np.sqrt(v_hat) + config["epsilon"])', 'np.divide(m_hat, np.sqrt(v_hat) + config["epsilon"])'),),
    ),
    Entry(
        "adam_kingma_step_size",
        "optim",
        "test_adam",
        (
            (
                '    m_hat = config["m"] / (1 - beta1 ** config["t"])\n    v_hat = config["v"] / (1 - beta2 ** config["t"])\n'
                '    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n',
                '    step = config["learning_rate"] * np.sqrt(1 - beta2 ** config["t"]) / (1 - beta1 ** config["t"])\n'
                '    next_w = w - step * config["m"] / (np.sqrt(config["v"]) + config["epsilon"])\n',
            ),
        ),
    ),
    Entry(
        "rmsprop_in_place",
        "optim",
        "test_rmsprop",
        (
            (
                RMSPROP_STEP,
                (
                    '    config["cache"] *= decay\n    config["cache"] += (1 - decay) * dw * dw\n'
                    '    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])\n'
                ),
            ),
        ),
    ),
    Entry(
        "adagrad_in_place",
        "optim",
        "test_adagrad",
        (('config["cache"] = config["cache"] + dw**2', 'config["cache"] += dw * dw'),),
    ),
    Entry(
        "l2_two_halves",
        "fc_net",
        "test_fc_net_loss_grads",
        ((L2_GRAD, '            grads[f"W{i}"] += 2 * 0.5 * self.reg * W\n'),),
    ),
    Entry("l2_squares", "fc_net", "test_fc_net_loss_grads", (("np.sum(W * W)", "np.sum(W ** 2)"),)),
    Entry(
        "init_normal",
        "fc_net",
        "test_fc_net_init",
        (
            (
                "weight_scale * rng.standard_normal((dims[i - 1], dims[i]))",
                "rng.normal(0.0, weight_scale, (dims[i - 1], dims[i]))",
            ),
        ),
    ),
]


def load_module(root, module, edits):
    """The names a course module defines, its source edited (each old text exactly once)."""
    source = (Path(root) / "course" / f"{module}.py").read_text()
    for old, new in edits:
        if source.count(old) != 1:
            raise ValueError(f"{old!r} occurs {source.count(old)} times in course/{module}.py, not once")
        source = source.replace(old, new)
    from course import layer_utils, layers

    # A notebook defines everything in one namespace: an edit may call any layer function.
    namespace = {k: v for module_ in (layers, layer_utils) for k, v in vars(module_).items() if not k.startswith("_")}
    namespace["__name__"] = f"variant_{module}"
    exec(compile(source.replace("from .", "from course."), f"course/{module}.py (edited)", "exec"), namespace)
    return namespace


def source_notebook(root, assignment):
    return nbformat.read(Path(root) / "source_assignments" / assignment / f"{NOTEBOOKS[assignment]}.ipynb", 4)


def bundle_cells(root, assignment):
    path = Path(root) / "grading_bundle" / assignment / f"{NOTEBOOKS[assignment]}.checks.json"
    return json.loads(path.read_text())["cells"]


def test_cell_source(root, grade_id, assignment=ASSIGNMENT):
    nb = source_notebook(root, assignment)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise KeyError(grade_id)


def run_entry(entry, root, judge_cell, encode_value):
    """(fraction of the cell's scored checks passed, verdicts) for one entry."""
    from autograder.cpu_budget import cpu_budget
    from course import fc_net, gradient_check, layer_utils, layers, optim

    namespace = {"np": np, "time": time}  # the notebooks import time to time a large case
    for module in (layers, layer_utils, optim, fc_net, gradient_check):
        namespace.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
    namespace.update({k: v for k, v in load_module(root, entry.module, entry.edits).items() if not k.startswith("_")})
    records = []

    def expect_close(name, value, tol, check_dtype=False, requires=None):
        records.append({"name": name, "kind": "close", "value": encode_value(value)})

    def expect_init(name, params, weight_scale, tol=0.15):
        records.append({"name": name, "kind": "init", "value": encode_value(dict(params))})

    def rel_error(x, y):
        return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))

    namespace.update(
        expect_close=expect_close,
        expect_init=expect_init,
        rel_error=rel_error,
        cpu_budget=cpu_budget,
        print=lambda *args, **kwargs: None,
    )
    np.random.seed(0)
    # The notebook imports the budget from its support package, which is not importable here.
    source = test_cell_source(root, entry.cell, entry.assignment)
    exec(compile(source.replace("from nnsupport.cpu_budget import cpu_budget\n", ""), entry.cell, "exec"), namespace)
    return judge_cell(bundle_cells(root, entry.assignment)[entry.cell], records)


def library_diagnoses(root, assignment=ASSIGNMENT):
    """mistake name -> diagnosis, from the grading bundle's fingerprints (the library's and
    those learned from mutants)."""
    return {
        fingerprint["mistake"]: fingerprint["diagnosis"]
        for specs in bundle_cells(root, assignment).values()
        for spec in specs
        for fingerprint in spec.get("fingerprints", [])
    }


class _NoPass(ast.NodeTransformer):
    """A ``pass`` beside other statements does nothing: a left-out statement (the mutants'
    ``pass``) and a deleted line are the same program."""

    def generic_visit(self, node):
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and len(body) > 1:
                setattr(node, field, [s for s in body if not isinstance(s, ast.Pass)] or body[:1])
        return node


def _module_tree(source):
    return ast.dump(_NoPass().visit(ast.parse(source)))


def _edited_in(source, cell, old, new):
    """``source`` with ``old`` replaced by ``new`` once: where it occurs once in the module, or
    else once in the definition the mutant's solution cell is (the notebook holds each function
    in its own cell; a module may repeat a line in two functions, as adagrad and rmsprop do);
    None when neither place has it exactly once."""
    if source.count(old) == 1:
        return source.replace(old, new)
    lines = source.splitlines(keepends=True)
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == cell:
            before, body, after = (
                lines[: node.lineno - 1],
                lines[node.lineno - 1 : node.end_lineno],
                lines[node.end_lineno :],
            )
            body = "".join(body)
            if body.count(old) == 1:
                return "".join(before) + body.replace(old, new) + "".join(after)
    return None


def true_mutants(entry, root, mutants):
    """Names of the mutants (of the release's generator) that are this entry's own program:
    the mutant's edit, applied to the entry's course module, gives the same syntax tree as
    the entry's edits. Naming such a mutant is true; naming any other one as fact is not."""
    reference = (Path(root) / "course" / f"{entry.module}.py").read_text()
    edited = reference
    for old, new in entry.edits:
        edited = edited.replace(old, new)
    wanted, found = _module_tree(edited), []
    for mutant in mutants:
        source = reference
        for old, new in mutant.edits:
            source = _edited_in(source, mutant.cell, old, new)
            if source is None:
                break
        else:
            try:
                if _module_tree(source) == wanted:
                    found.append(mutant.name)
            except SyntaxError:
                continue
    return tuple(found)


def all_mutants(root, assignment=ASSIGNMENT):
    """The mutants the release generates from the source notebook's solution cells."""
    from autograder.proving.mutants import notebook_mutants

    return notebook_mutants(source_notebook(root, assignment))


def classify(entry, verdicts, diagnoses, true=None):
    """'misleading', 'named' or 'none' (see the module docstring); ``true``: the names whose
    diagnosis is right for the entry (default: its ``true`` library mistakes)."""
    true = entry.true if true is None else true
    failed = [v.diagnosis for v in verdicts if not v.passed]
    for text in failed:
        if any(phrase in text for phrase in entry.false):
            return "misleading"
        for name, diagnosis in diagnoses.items():
            # Two mutants may be worded alike (`out` is computed in train and in test mode): the
            # words are what the student reads, so the true one's words are true.
            said_truly = any(diagnoses.get(other) == diagnosis for other in true)
            said_truly = said_truly or any(words in diagnosis for words in entry.true_words)
            if diagnosis in text and name not in true and not said_truly and HEDGE not in text:
                return "misleading"
    if any(diagnoses[name] in text for text in failed for name in true if name in diagnoses):
        return "named"
    if any(words in text and HEDGE not in text for text in failed for words in entry.true_words):
        return "named"
    return "none"


def measure(root, judge_cell, encode_value):
    """({assignment: {"named": n, "misleading": n, "none": n}}, [(entry, assignment, kind, cell score)])."""
    diagnoses = {assignment: library_diagnoses(root, assignment) for assignment in NOTEBOOKS}
    mutants = {assignment: all_mutants(root, assignment) for assignment in NOTEBOOKS}
    counts, rows = {assignment: {"named": 0, "misleading": 0, "none": 0} for assignment in NOTEBOOKS}, []
    for entry in WRONG:
        fraction, verdicts = run_entry(entry, root, judge_cell, encode_value)
        true = entry.true + true_mutants(entry, root, mutants[entry.assignment])
        kind = classify(entry, verdicts, diagnoses[entry.assignment], true)
        counts[entry.assignment][kind] += 1
        rows.append((entry.name, entry.assignment, kind, fraction))
    return counts, rows


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT).resolve()
    sys.path.insert(0, str(root))
    from autograder.judge import judge_cell as judge
    from autograder.values import encode_value as encode

    totals, table = measure(root, judge, encode)
    for name, assignment, kind, fraction in table:
        print(f"{assignment:10s} {name:32s} {kind:10s} cell score {fraction:.2f}")
    for assignment, count in totals.items():
        print(
            f"{assignment}: named {count['named']}, misleading {count['misleading']}, none {count['none']} "
            f"of {sum(count.values())}"
        )
