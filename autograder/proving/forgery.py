"""The forgers: submissions that implement nothing and try to earn points anyway.

A check earns points only if its expected value cannot be derived from the test code
alone, and an accuracy check only if no classifier other than a trained network reaches
its threshold. The gate runs three kinds of forgery:

- ``forger_notebook``: a concrete attacker. It implements nothing; a cell after the
  setup replaces the recorders and, before every test cell runs, emits a record for
  every check name (any feedback page lists them all): the public expected value where
  one ships, zero otherwise, and for an accuracy check the best of the ``shortcuts``
  (least squares, nearest centroid, a memorising network, random features, ...)
  fitted to the public data set its test cell names. It is graded like any submission.
- ``solver_forger_notebook``: an attacker inside the training. It implements nothing
  either; it patches the course's ``Solver`` so that ``train()`` installs the best of the
  shortcuts fitted to the very examples it is handed, and makes ``FullyConnectedNet`` a
  shell that only holds parameters. When a test cell trains a network itself, on
  examples only the grader has, this is what a forger can do there.
- ``blanket_forgeries``: every scored check against every blanket value (zeros, ones,
  the expected value's shape, small counts, the numbers written in its test cell, such
  as a layer size or a weight scale, any public expected value, the forger's own
  record), judged by the judge itself. A scored check that any of them passes is
  forgeable, and the release refuses it.

Both forgers also record, under names no check has (``forged.<origin>.<shortcut>``),
every shortcut they fitted and the examples they fitted them to; ``forgery_measures``
scores each on the held-out examples of the accuracy check in the same test cell (and
runs the k-nearest-neighbour rule, which no plain network computes, on those
examples), for the gate to refuse any that reaches the threshold. The forger inside the
Solver also records a network that scikit-learn trains on the same examples: a known
limit (``KNOWN_LIMITS``), reported beside the shortcuts and never refused.
"""

import inspect
import itertools
import json
import re

import nbformat
import numpy as np
from nbgrader import utils

from ..judge import is_scored, judge_check
from ..network_scores import mlp_accuracy
from ..values import decode_value, encode_value
from . import shortcuts

FORGED_PREFIX = "forged."  # records of the forgers' shortcuts: forged.<origin>.<shortcut>
EXAMPLES = "examples"  # forged.<origin>.examples: what the shortcuts were fitted to
LIBRARY_NETWORK = "library_network"  # forged.graded.library_network: trained by scikit-learn's code
KNOWN_LIMITS = {
    **shortcuts.KNOWN_LIMITS,
    LIBRARY_NETWORK: (
        "a network trained in the kernel by code that is not the submission's (here scikit-learn's "
        "MLPClassifier, installed with the course): a submission that takes over training can install it, "
        "and only a verdict that does not trust the kernel's training would tell"
    ),
}
ORIGINS = {
    "public": "the public data set its test cell names",
    "graded": "the examples the test cell trains on (inside the Solver)",
}

# Fits every shortcut to a data set in the kernel, records each (and the examples), and
# returns the parameters of the one that does best on the data set's validation examples.
_FORGE_ACCURACY = """import types as _types
import numpy as _np
from IPython import get_ipython as _ipython
from IPython.display import display as _display
import nnsupport.checks as _checks
from nnsupport.values import encode_value as _encode

_shortcuts = _types.ModuleType("shortcuts")
exec({shortcuts!r}, _shortcuts.__dict__)


def _record(name, value):
    _display({{_checks.MIME_TYPE: {{"name": name, "kind": "accuracy", "value": _encode(value)}}}}, raw=True)


def _forge_accuracy(origin, data, num_classes=None):
    X, y = _shortcuts.flat(data["X_train"]), _np.asarray(data["y_train"])
    X_val, y_val = _shortcuts.flat(data["X_val"]), _np.asarray(data["y_val"])
    num_classes = num_classes or int(max(y.max(), y_val.max())) + 1
    found = _shortcuts.shortcut_networks(X, y, X_val, y_val, num_classes)
    for name, (params, _) in found.items():
        _record(f"{prefix}{{origin}}.{{name}}", params)
    _record(f"{prefix}{{origin}}.{examples}", {{"X": X.astype(_np.float32), "y": y,
                                              "X_val": X_val.astype(_np.float32), "y_val": y_val}})
    return max((found[name] for name in _shortcuts.FORGERIES), key=lambda fit: fit[1])[0]
"""

_FORGER = '''# Forge everything: no implementation. Every check name (each feedback page lists them) gets,
# before each test cell runs, a value derived without computing anything.
{preamble}
import json
import re

_NAMES = json.loads({names!r})  # check name -> kind
try:
    with open("public_checks.json") as _file:
        _public = json.load(_file)
except (OSError, ValueError):
    _public = {{}}
_any_init = next((s["params"] for s in _public.values() if s.get("kind") == "init"), {{}})


def _public_data(source):
    """The data set (a dict with X_train, y_train, X_val, y_val) that the cell names, or any."""
    found = [(name, value) for name, value in _ipython().user_ns.items() if not name.startswith("_")
             and isinstance(value, dict) and {{"X_train", "y_train", "X_val", "y_val"}} <= set(value)]
    named = [value for name, value in found if re.search(r"\\b" + re.escape(name) + r"\\b", source)]
    return (named or [value for _, value in found] or [None])[-1]


def _forged(name, kind, source):
    spec = _public.get(name, {{}})
    if "expected" in spec:
        return spec["expected"]
    if kind == "accuracy":
        data = _public_data(source)
        return _encode(_forge_accuracy("public", data) if data is not None else 0.0)
    if kind == "init":
        return _encode({{p: _np.zeros(s["shape"], s["dtype"]) for p, s in spec.get("params", _any_init).items()}})
    return _encode(0.0)


def _emit(info):
    source = info.raw_cell or ""
    if "expect_" not in source:
        return
    for name, kind in _NAMES.items():
        if kind != "accuracy" or "expect_accuracy" in source:
            record = {{"name": name, "kind": kind, "value": _forged(name, kind, source)}}
            _display({{_checks.MIME_TYPE: record}}, raw=True)


def _silent(*args, **kwargs):
    pass


_checks.expect_close = _checks.expect_init = _checks.expect_accuracy = _silent
expect_close = expect_init = expect_accuracy = _silent
_ipython().events.register("pre_run_cell", _emit)
'''

_SOLVER_FORGER = '''# Forge the training: no implementation. The course's Solver "trains" by installing the best
# classifier that is not a trained network, fitted to the examples it is handed; FullyConnectedNet
# is a shell that holds parameters. The test cells' own recorders are left alone.
{preamble}
import nnsupport.solver as _solver


class _ShellNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, **kwargs):
        self.num_classes = num_classes
        self.params = {{"W1": _np.zeros((input_dim, num_classes)), "b1": _np.zeros(num_classes)}}

    def loss(self, X, y=None):
        scores = _shortcuts.network_scores(self.params, X)
        return scores if y is None else (0.0, {{name: _np.zeros_like(p) for name, p in self.params.items()}})


_cell = {{"source": ""}}


def _library_network(X, y):
    """Recorded, not installed: a network trained by code that is not the submission's."""
    try:
        import warnings
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = MLPClassifier((100,), max_iter=300, random_state=0).fit(_shortcuts.flat(X), y)
    params = {{}}
    for i, (W, b) in enumerate(zip(net.coefs_, net.intercepts_), start=1):
        params[f"W{{i}}"], params[f"b{{i}}"] = W, b
    _record("{prefix}graded.{library}", params)


def _forged_train(self):
    num_classes = getattr(self.model, "num_classes", None) or int(_np.max(self.y_train)) + 1
    if "expect_accuracy" in _cell["source"]:  # a test cell trains: fit every shortcut, keep the best
        data = {{"X_train": self.X_train, "y_train": self.y_train, "X_val": self.X_val, "y_val": self.y_val}}
        self.model.params = _forge_accuracy("graded", data, num_classes)
        _library_network(self.X_train, self.y_train)
    else:  # elsewhere the cheapest will do
        self.model.params = _shortcuts.least_squares(self.X_train, self.y_train, num_classes)


def _before(info):
    _cell["source"] = info.raw_cell or ""
    _ipython().user_ns["FullyConnectedNet"] = _ShellNet


_solver.Solver.train = _forged_train
_ipython().events.register("pre_run_cell", _before)
'''


def _preamble():
    return _FORGE_ACCURACY.format(shortcuts=inspect.getsource(shortcuts), prefix=FORGED_PREFIX, examples=EXAMPLES)


def _with_cell_after_setup(released_nb, source):
    nb = nbformat.from_dict(released_nb)
    setup = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(source))
    return nb


def forger_notebook(released_nb, bundle_cells):
    """The released notebook (nothing implemented) with the forger cell after its setup cell."""
    names = {spec["name"]: spec["kind"] for specs in bundle_cells.values() for spec in specs}
    return _with_cell_after_setup(released_nb, _FORGER.format(preamble=_preamble(), names=json.dumps(names)))


def solver_forger_notebook(released_nb):
    """The released notebook (nothing implemented) with the Solver-patching cell after its setup cell."""
    return _with_cell_after_setup(
        released_nb, _SOLVER_FORGER.format(preamble=_preamble(), prefix=FORGED_PREFIX, library=LIBRARY_NETWORK)
    )


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d*)?(?:e-?\d+)?")
_READABLE_SIZE = 3  # expected values this small could be written down from the test code


def _numbers(source):
    return sorted({float(match) for match in _NUMBER.findall(source)} | set(range(11)))


def _blanket_values(expected, numbers):
    """Values anyone can write down for an expected array or dict of arrays."""
    if isinstance(expected, dict):
        return [
            {key: np.zeros_like(value) for key, value in expected.items()},
            {key: np.ones_like(value) for key, value in expected.items()},
        ]
    values = [
        np.zeros_like(expected),
        np.ones_like(expected),
        np.array(expected.shape),
        np.arange(expected.size).reshape(expected.shape),
    ]
    if expected.size <= _READABLE_SIZE:  # a shape, a count, a scale read off the test cell
        values += [
            np.array(combination, expected.dtype).reshape(expected.shape)
            for combination in itertools.product(numbers, repeat=expected.size)
        ]
    return values


def _init_values(spec):
    params = spec["params"]
    zeros = {name: np.zeros(p["shape"], p["dtype"]) for name, p in params.items()}
    ones = {name: np.ones(p["shape"], p["dtype"]) for name, p in params.items()}
    return [zeros, ones, {name: (ones if p["fill"] == "ones" else zeros)[name] for name, p in params.items()}]


def blanket_forgeries(bundle_cells, forged_records, sources=None):
    """{check name: what forges it} for every scored check a blanket value passes.

    ``forged_records`` are the records the concrete forger emitted (name -> record);
    ``sources`` the test cells' code (grade_id -> source), hidden tests included.
    """
    public_values = [
        spec["expected"]
        for specs in bundle_cells.values()
        for spec in specs
        if spec["public"] and "expected" in spec and spec["kind"] == "close"
    ]
    forgeable = {}
    for grade_id, specs in bundle_cells.items():
        numbers = _numbers((sources or {}).get(grade_id, ""))
        for spec in specs:
            if not is_scored(spec):
                continue
            candidates = (
                [("the forger's record", forged_records[spec["name"]]["value"])]
                if spec["name"] in forged_records
                else []
            )
            candidates += [("a public expected value", value) for value in public_values]
            if spec["kind"] == "close":
                blanket = _blanket_values(decode_value(spec["expected"]), numbers)
            elif spec["kind"] == "init":
                blanket = _init_values(spec)
            else:
                blanket = []
            candidates += [
                ("a constant (zeros, ones, a shape, a count or a number in the test cell)", encode_value(v))
                for v in blanket
            ]
            for label, value in candidates:
                if judge_check(spec, [{"name": spec["name"], "kind": spec["kind"], "value": value}]).passed:
                    forgeable[spec["name"]] = label
                    break
    return forgeable


def forgeable_points(nb, bundle_cells, forgeable):
    """Points a forger collects with the forgeable checks: each test cell's points times
    the share of its scored checks that are forgeable."""
    points = 0.0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell) and grade_id in bundle_cells:
            scored = [spec for spec in bundle_cells[grade_id] if is_scored(spec)]
            if scored:
                points += cell.metadata.nbgrader.points * sum(s["name"] in forgeable for s in scored) / len(scored)
    return points


def _forged_records(cell):
    """(origin, shortcut, record) for each forged.<origin>.<shortcut> record of a judged cell."""
    for name, record in cell.records.items():
        parts = name.split(".")
        if name.startswith(FORGED_PREFIX) and len(parts) == 3 and parts[1] in ORIGINS:
            yield parts[1], parts[2], record


def _forgery_accuracies(shortcut, value, X, y):
    """[(shortcut, accuracy on (X, y))]: a forged network's, or for the forger's examples the
    nearest-neighbour rules' (k chosen on its validation examples)."""
    decoded = decode_value(value)
    if shortcut != EXAMPLES:
        return [(shortcut, mlp_accuracy(decoded, X, y))]
    train_y, val_y = decoded["y"].astype(np.int64), decoded["y_val"].astype(np.int64)
    num_classes = int(max(train_y.max(), val_y.max(), np.max(y))) + 1
    return list(
        shortcuts.neighbours_accuracies(decoded["X"], train_y, decoded["X_val"], val_y, X, y, num_classes).items()
    )


def forgery_measures(specs, forger_results):
    """check name -> its threshold, the reference's accuracy and each forged shortcut's, for
    every accuracy check measured on held-out examples.

    ``forger_results`` are the graded forgers' TrialResults; a shortcut is measured on the
    held-out examples of the accuracy checks of the test cell where it was recorded.
    """
    measures = {}
    for grade_id, cell_specs in specs.items():
        for spec in cell_specs:
            if spec["kind"] != "accuracy" or spec["public"]:
                continue
            X, y = decode_value(spec["inputs"]["X"]), decode_value(spec["inputs"]["y"])
            forgeries = []
            for result in forger_results:
                cell = result.cells.get(grade_id)
                for origin, shortcut, record in _forged_records(cell) if cell else ():
                    try:
                        scores = _forgery_accuracies(shortcut, record.get("value"), X, y)
                    except (ValueError, KeyError, AttributeError, TypeError):
                        continue  # not measurable: it passes nothing either
                    forgeries += [
                        {
                            "shortcut": name,
                            "fitted_on": origin,
                            "accuracy": round(score, 4),
                            "known_limit": KNOWN_LIMITS.get(name, ""),
                        }
                        for name, score in scores
                    ]
            measures[spec["name"]] = {
                "threshold": spec["threshold"],
                "examples": len(y),
                "reference": round(float(decode_value(spec["expected"])), 4),
                "forgeries": forgeries,
            }
    return measures


def forgery_offenders(measures):
    """Why the forged shortcuts fail to prove the held-out accuracy checks (empty: proven)."""
    lines = []
    for check, measure in measures.items():
        if not measure["forgeries"]:
            lines.append(f"accuracy check {check} is unproven: no forger recorded a shortcut in its test cell")
        for forgery in measure["forgeries"]:
            if forgery["accuracy"] >= measure["threshold"] and not forgery["known_limit"]:
                lines.append(
                    f"accuracy check {check} is passed without training: {forgery['shortcut']} fitted "
                    f"to {ORIGINS[forgery['fitted_on']]} scores {forgery['accuracy']:.4f} "
                    f"(threshold {measure['threshold']})"
                )
    return lines
