"""Mutation testing material of dropout: probes, cells left alone, accepted survivors. Never released.

`autograder mutants dropout` (and `autograder release dropout`) generates mutants of every
solution cell (autograder/proving/mutants.py). A mutant whose values on fresh random inputs
equal the reference's is equivalent; every other one must lose points in the test cells
that depend on its cell, unless it is listed in ACCEPTED with a reason.

- PROBES: solution cell -> probe(namespace, rng) -> plain values (numbers, arrays, dicts,
  lists). A probe calls what the cell defines (namespace: the notebook's names after the
  cell ran) on random inputs of several shapes drawn from ``rng``; it is called with a
  few numpy seeds, for the reference and for each mutant, outside the checks. Dropout draws
  its mask from the seed in ``dropout_param``, so every probe passes one (drawn from ``rng``):
  without it two runs of the reference would differ.
- UNMUTATED: solution cell -> why it is not mutated.
- ACCEPTED: dicts ``dict(mutant="<cell> line <n>: <description>", accepted="<reason>")``:
  survivors the checks may let through, as accepted mistakes are in mistakes.py.
"""

import numpy as np

UNMUTATED = {}

_KEEP = (0.3, 0.9, 0.6)


def _shapes(rng):
    return [(int(rng.integers(1, 6)), int(rng.integers(2, 7))), (int(rng.integers(1, 4)), 3, int(rng.integers(2, 5)))]


def dropout_forward(ns, rng):
    # The output in both modes and the cache's mask (what dropout_backward is promised).
    values = []
    for shape, p in zip(_shapes(rng), _KEEP, strict=False):
        x = rng.standard_normal(shape)
        seed = int(rng.integers(10_000))
        out, (_, mask) = ns["dropout_forward"](x, {"mode": "train", "p": p, "seed": seed})
        test_out, _ = ns["dropout_forward"](x, {"mode": "test", "p": p, "seed": seed})
        values.append({"out": out, "mask": mask, "test_out": test_out})
    return values


def dropout_backward(ns, rng):
    # Caches as dropout_forward builds them: (dropout_param, mask of kept units divided by p).
    values = []
    for shape, p in zip(_shapes(rng), _KEEP, strict=False):
        mask = (rng.random(shape) < p) / p
        dout = rng.standard_normal(shape)
        values.append(ns["dropout_backward"](dout, ({"mode": "train", "p": p}, mask)))
        values.append(ns["dropout_backward"](dout, ({"mode": "test", "p": p}, None)))
    return values


def fully_connected_net(ns, rng):
    # Without normalization: it is another assignment's (batch_norm). The parameters are
    # set from rng, as the test cells do: this assignment grades the network's dropout, and
    # its initialisation was graded in fc_nets.
    net = ns["FullyConnectedNet"]
    values = []
    cases = (
        ([6, 5], 0.3, 0.0),
        ([7], 0.9, 0.7),
        ([5, 4, 3], 0.5, 0.2),
        ([4, 6], 1, 0.3),
    )
    for seed, (hidden_dims, keep, reg) in enumerate(cases):
        model = net(hidden_dims, input_dim=6, num_classes=4, dropout_keep_ratio=keep, reg=reg,
                    weight_scale=0.3, dtype=np.float64, seed=seed)
        for name in sorted(model.params):
            model.params[name] = 0.5 * rng.standard_normal(model.params[name].shape)
        X = rng.standard_normal((5, 2, 3))
        y = rng.integers(4, size=5)
        loss, grads = model.loss(X, y)
        scores = model.loss(X)
        values.append({"loss": loss, "grads": grads, "scores": scores, "loss_after_test": model.loss(X, y)[0]})
    return values


PROBES = {
    "dropout_forward": dropout_forward,
    "dropout_backward": dropout_backward,
    "FullyConnectedNet": fully_connected_net,
}

ACCEPTED = []
