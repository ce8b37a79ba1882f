"""Mutation testing material of fc_nets: probes, cells left alone, accepted survivors. Never released.

`autograder mutants fc_nets` (and `autograder release fc_nets`) generates mutants of every
solution cell (autograder/proving/mutants.py). A mutant whose values on fresh random inputs
equal the reference's is equivalent; every other one must lose points in the test cells
that depend on its cell, unless it is listed in ACCEPTED with a reason.

- PROBES: solution cell -> probe(namespace, rng) -> plain values (numbers, arrays, dicts,
  lists). A probe calls what the cell defines (namespace: the notebook's names after the
  cell ran) on random inputs of several shapes drawn from ``rng``; it is called with a
  few numpy seeds, for the reference and for each mutant, outside the checks. It returns
  only what the cell promises: an update rule may change ``w`` in place (the test cells say
  so), so its probes never look at their inputs afterwards.
- UNMUTATED: solution cell -> why it is not mutated.
- ACCEPTED: dicts ``dict(mutant="<cell> line <n>: <description>", accepted="<reason>")``:
  survivors the checks may let through, as accepted mistakes are in mistakes.py.
"""

import numpy as np

UNMUTATED = {
    "overfit_hyperparameters": "hyperparameters the student tunes, not a computation: no value to compare",
    "best_model": "hyperparameters the student tunes, not a computation: its accuracy check judges the result",
}


def _shapes(rng):
    return [(int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(2, 4))), (int(rng.integers(2, 7)), 5)]


def affine_forward(ns, rng):
    values = []
    for shape in _shapes(rng):
        x = rng.standard_normal(shape)
        w = rng.standard_normal((int(np.prod(shape[1:])), 3))
        b = rng.standard_normal(3)
        values.append(ns["affine_forward"](x, w, b)[0])
        values.append(ns["affine_forward"](x.astype(np.float32), w.astype(np.float32), b.astype(np.float32))[0])
    return values


def affine_backward(ns, rng):
    values = []
    for shape in _shapes(rng):
        x = rng.standard_normal(shape)
        w = rng.standard_normal((int(np.prod(shape[1:])), 3))
        b = rng.standard_normal(3)
        values.append(ns["affine_backward"](rng.standard_normal((shape[0], 3)), (x, w, b)))
    return values


def relu_forward(ns, rng):
    return [ns["relu_forward"](rng.standard_normal(shape))[0] for shape in _shapes(rng)]


def relu_backward(ns, rng):
    return [ns["relu_backward"](rng.standard_normal(shape), rng.standard_normal(shape)) for shape in _shapes(rng)]


def softmax_loss(ns, rng):
    values = []
    for n, c in ((int(rng.integers(1, 8)), int(rng.integers(2, 6))), (9, 4)):
        x = 3 * rng.standard_normal((n, c))
        y = rng.integers(c, size=n)
        values.append(ns["softmax_loss"](x, y))
        values.append(ns["softmax_loss"](x + rng.uniform(-2000, 2000, size=(n, 1)), y))
    return values


def fully_connected_net(ns, rng):
    # Without normalization or dropout: they are another assignment's (stubs in this release).
    net = ns["FullyConnectedNet"]
    values = []
    cases = (
        ([6, 5], None, 1, 0.0, np.float64),
        ([7], None, 1, 0.9, np.float64),
        ([5, 4, 3], None, 1, 0.3, np.float64),
        ([4, 6], None, 1, 0.5, np.float64),
        ([5], None, 1, 0.2, np.float32),
    )
    for seed, (hidden_dims, normalization, keep, reg, dtype) in enumerate(cases):
        model = net(
            hidden_dims,
            input_dim=6,
            num_classes=4,
            normalization=normalization,
            dropout_keep_ratio=keep,
            reg=reg,
            weight_scale=0.3,
            dtype=dtype,
            seed=seed,
        )
        params = {name: value.copy() for name, value in model.params.items()}
        X = rng.standard_normal((5, 2, 3))
        y = rng.integers(4, size=5)
        loss, grads = model.loss(X, y)
        values.append({"params": params, "loss": loss, "grads": grads, "scores": model.loss(X)})
    return values


def _trajectory(rule, rng, config, steps=3, shape=(3, 4)):
    w, values = rng.standard_normal(shape), []
    for _ in range(steps):
        w, config = rule(w, rng.standard_normal(shape), config)
        values.append(np.array(w, copy=True))
    return values, {name: np.array(value, copy=True) for name, value in config.items()}


def _rule_probe(name, configs):
    def probe(ns, rng):
        return [_trajectory(ns[name], rng, dict(config) if config else None) for config in configs]

    probe.__name__ = name
    return probe


PROBES = {
    "affine_forward": affine_forward,
    "affine_backward": affine_backward,
    "relu_forward": relu_forward,
    "relu_backward": relu_backward,
    "softmax_loss": softmax_loss,
    "FullyConnectedNet": fully_connected_net,
    "sgd_momentum": _rule_probe("sgd_momentum", [None, {"learning_rate": 0.05, "momentum": 0.6}]),
    "nesterov_momentum": _rule_probe("nesterov_momentum", [None, {"learning_rate": 0.05, "momentum": 0.6}]),
    "adagrad": _rule_probe("adagrad", [None, {"learning_rate": 0.1, "epsilon": 1e-3}]),
    "rmsprop": _rule_probe("rmsprop", [None, {"learning_rate": 0.05, "decay_rate": 0.8, "epsilon": 1e-3}]),
    "adam": _rule_probe("adam", [None, {"learning_rate": 0.05, "beta1": 0.7, "beta2": 0.8, "epsilon": 1e-3}]),
}

ACCEPTED = []
