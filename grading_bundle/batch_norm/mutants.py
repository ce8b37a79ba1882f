"""Mutation testing material of batch_norm: probes, cells left alone, accepted survivors. Never released.

`autograder mutants batch_norm` (and `autograder release batch_norm`) generates mutants of
every solution cell (autograder/proving/mutants.py). A mutant whose values on fresh random
inputs equal the reference's is equivalent; every other one must lose points in the test
cells that depend on its cell, unless it is listed in ACCEPTED with a reason.

- PROBES: solution cell -> probe(namespace, rng) -> plain values. A probe calls what the
  cell defines on random inputs drawn from ``rng`` and returns only what the cell promises:
  outputs, gradients and the running averages kept in ``bn_param``, never a cache (its
  layout is the student's own business, shared only with their backward pass). Features
  and examples have spreads from 1e-3 to 3, so that epsilon's place shows; momentums and
  epsilons other than the defaults, so that hard-coded ones show.
- UNMUTATED: solution cell -> why it is not mutated.
- ACCEPTED: dicts ``dict(mutant="<cell> line <n>: <description>", accepted="<reason>")``.
"""

import numpy as np

UNMUTATED = {}


def _batch(rng, n, d, scale_of="features"):
    """(n, d) inputs with their own offset and spread per feature (or per example)."""
    shape = (1, d) if scale_of == "features" else (n, 1)
    spreads = rng.choice([1e-3, 0.3, 1.0, 3.0], size=shape)
    return rng.uniform(-3, 3, size=shape) + spreads * rng.standard_normal((n, d))


def batchnorm_forward(ns, rng):
    forward = ns["batchnorm_forward"]
    values = []
    for momentum, eps in ((None, None), (0.6, 1e-3)):
        d = int(rng.integers(2, 6))
        gamma, beta = rng.uniform(0.5, 2, size=d), rng.standard_normal(d)
        bn_param = {"mode": "train"}
        if momentum is not None:
            bn_param.update(momentum=momentum, eps=eps, running_mean=rng.standard_normal(d),
                            running_var=rng.uniform(1e-6, 2, size=d))
        for n in (int(rng.integers(2, 7)), 5):
            out, _ = forward(_batch(rng, n, d), gamma, beta, bn_param)
            values.append({"out": out, "running_mean": np.array(bn_param["running_mean"], copy=True),
                           "running_var": np.array(bn_param["running_var"], copy=True)})
        bn_param["mode"] = "test"
        out, _ = forward(_batch(rng, 3, d), gamma, beta, bn_param)
        values.append({"out": out, "running_mean": np.array(bn_param["running_mean"], copy=True),
                       "running_var": np.array(bn_param["running_var"], copy=True)})
    return values


def _backward_probe(name, forward_name, param, scale_of):
    def probe(ns, rng):
        values = []
        for n, d in ((int(rng.integers(2, 7)), 4), (3, int(rng.integers(2, 7)))):
            x = _batch(rng, n, d, scale_of)
            gamma, beta = rng.uniform(0.5, 2, size=d), rng.standard_normal(d)
            _, cache = ns[forward_name](x, gamma, beta, dict(param))
            values.append(ns[name](rng.standard_normal((n, d)), cache))
        return values

    probe.__name__ = name
    return probe


def layernorm_forward(ns, rng):
    values = []
    for eps in (None, 1e-3):
        n, d = int(rng.integers(1, 6)), int(rng.integers(2, 7))
        gamma, beta = rng.uniform(0.5, 2, size=d), rng.standard_normal(d)
        ln_param = {} if eps is None else {"eps": eps}
        values.append(ns["layernorm_forward"](_batch(rng, n, d, "examples"), gamma, beta, ln_param)[0])
    return values


def fully_connected_net(ns, rng):
    # Normalised networks only: the plain network and dropout are other assignments' (fc_nets grades
    # the plain one; dropout ships stubbed here), so mutants of those lines count as equivalent.
    net = ns["FullyConnectedNet"]
    values = []
    cases = (
        ([6, 5], "batchnorm", 0.0, np.float64),
        ([7, 4, 3], "batchnorm", 0.5, np.float64),
        ([5, 6], "layernorm", 0.3, np.float64),
        ([5], "batchnorm", 0.1, np.float32),
    )
    for seed, (hidden_dims, normalization, reg, dtype) in enumerate(cases):
        model = net(hidden_dims, input_dim=6, num_classes=4, normalization=normalization, reg=reg,
                    weight_scale=0.3, dtype=dtype, seed=seed)
        params = {name: value.copy() for name, value in model.params.items()}
        for name in model.params:
            model.params[name] = (0.5 * rng.standard_normal(model.params[name].shape) + name.startswith("gamma")).astype(dtype)
        X = rng.standard_normal((5, 2, 3))
        y = rng.integers(4, size=5)
        loss, grads = model.loss(X, y)
        model.loss(rng.standard_normal((5, 2, 3)) + 1.0, rng.integers(4, size=5))
        running = [{key: np.array(value, copy=True) for key, value in bn_param.items() if key.startswith("running")}
                   for bn_param in model.bn_params]
        values.append({"params": params, "loss": loss, "grads": grads, "scores": model.loss(X), "running": running})
    return values


PROBES = {
    "batchnorm_forward": batchnorm_forward,
    "batchnorm_backward": _backward_probe("batchnorm_backward", "batchnorm_forward", {"mode": "train"}, "features"),
    "batchnorm_backward_alt": _backward_probe("batchnorm_backward_alt", "batchnorm_forward", {"mode": "train"},
                                              "features"),
    "layernorm_forward": layernorm_forward,
    "layernorm_backward": _backward_probe("layernorm_backward", "layernorm_forward", {}, "examples"),
    "FullyConnectedNet": fully_connected_net,
}

ACCEPTED = []
