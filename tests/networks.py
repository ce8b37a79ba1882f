"""Networks for the accuracy checks' tests: random plain ones, and trained normalised ones."""

import numpy as np

from course.fc_net import FullyConnectedNet
from course.solver import Solver


def network(widths, seed=0):
    """Random weights and biases of a plain network with these layer widths."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), start=1):
        params[f"W{i}"], params[f"b{i}"] = rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out)
    return params


def trained_normalised_network(normalization, seed=0):
    """A FullyConnectedNet with ``normalization``, after a few steps of training on blobs."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.standard_normal((3, 6))
    y = rng.integers(0, 3, size=300)
    X = centres[y] + rng.standard_normal((300, 6))
    data = {"X_train": X[:200], "y_train": y[:200], "X_val": X[200:], "y_val": y[200:]}
    model = FullyConnectedNet(
        [16, 12], input_dim=6, num_classes=3, normalization=normalization, weight_scale=0.1, dtype=np.float64, seed=1
    )
    Solver(model, data, update_rule="adam", num_epochs=3, batch_size=50, verbose=False, seed=2).train()
    return model, X[200:], y[200:]
