"""Mutation testing material of dropout: probes, cells left alone, accepted survivors. Never released.

`autograder mutants dropout` (and `autograder release dropout`) generates mutants of every
solution cell (autograder/proving/mutants.py). A mutant whose values on fresh random inputs
equal the reference's is equivalent; every other one must lose points in the test cells
that depend on its cell, unless it is listed in ACCEPTED with a reason.

- PROBES: solution cell -> probe(namespace, rng) -> plain values (numbers, arrays, dicts,
  lists). A probe calls what the cell defines (namespace: the notebook's names after the
  cell ran) on random inputs of several shapes drawn from ``rng``; it is called with a
  few numpy seeds, for the reference and for each mutant, outside the checks. The notebook
  accepts any draw that keeps each unit independently with probability p (the same mask on
  every call with a seed), so the probe of dropout_forward returns what every such draw gives,
  as the checks do: a mutant that only draws other numbers is equivalent.
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
    # Properties of the output in both modes and of the cache's mask (what dropout_backward is
    # promised), on inputs large enough that a correct draw keeps a fraction within 0.02 of p
    # (probability of straying further below 2 exp(-2 * 60000 * 0.02^2), about 1e-21).
    forward = ns["dropout_forward"]
    values = []
    for shape, p in zip([(200, 300), (100, 20, 30)], _KEEP, strict=False):
        x = rng.standard_normal(shape)
        seed = int(rng.integers(10_000))
        x_before = x.copy()
        seeded = {"mode": "train", "p": p, "seed": seed}  # one dict for both calls, as a network passes it
        out, (_, mask) = forward(x, seeded)
        again = forward(x, seeded)[0]
        other_seed = forward(x, {"mode": "train", "p": p, "seed": seed + 1})[0]
        unseeded = [forward(x, {"mode": "train", "p": p})[0] for _ in range(2)]
        test_out = forward(x, {"mode": "test", "p": p, "seed": seed})[0]
        kept = out != 0
        rows = kept.reshape(len(x), -1)
        values.append({
            "scale": np.where(kept, out / x_before, 1 / p),
            "kept_fraction_near_p": bool(abs(kept.mean() - p) <= 0.02),
            "examples_independent": not np.any(np.all(rows[1:] == rows[0], axis=1)),
            "same_seed": bool(np.array_equal(out, again)),
            "other_seed_differs": not np.array_equal(kept, other_seed != 0),
            "unseeded_differ": not np.array_equal(unseeded[0] != 0, unseeded[1] != 0),
            "cache_mask": mask is not None and np.shape(mask) == x.shape and bool(np.allclose(mask, kept / p)),
            "input": x,
            "test_out": test_out,
        })
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
