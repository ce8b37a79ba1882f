"""The test-mode forward pass an accuracy check measures a recorded network with.

{affine - [batch/layer norm] - relu} x (L-1) - affine, on parameters whose names and shapes
are checked before any computation. It is the forward pass of the layers students write, so
it never ships in nnsupport (support_package.KERNEL_MODULES does not list it): the accuracy
kind (kinds/accuracy.py) imports it only where it judges, outside the student's kernel.
"""

from dataclasses import dataclass

import numpy as np

from .comparisons import _names

MAX_NETWORK_PARAMETERS = 10**6  # an accuracy check evaluates at most this many weights and biases
_CHUNK_ELEMENTS = 2**21  # rows of examples at a time: hidden activations stay under 16 MB


NORM_EPS = 1e-5  # batch and layer normalisation's epsilon, CS231n's default
_NORMALISATIONS = {  # the per-layer parameter names of each kind of normalised hidden layer
    None: (),
    "layernorm": ("gamma", "beta"),
    "batchnorm": ("gamma", "beta", "running_mean", "running_var"),
}


@dataclass(frozen=True)
class _Layer:
    """One affine layer of a network, with the normalisation that follows it (hidden layers)."""

    W: np.ndarray
    b: np.ndarray
    norm: dict


def _normalisation(params, layers):
    """The kind of normalisation the parameter names say (None, layernorm, batchnorm), or ValueError."""
    for kind, per_layer in _NORMALISATIONS.items():
        expected = {f"{name}{i}" for name in ("W", "b") for i in range(1, layers + 1)}
        expected |= {f"{name}{i}" for name in per_layer for i in range(1, layers)}
        if layers and set(params) == expected:
            return kind
    raise ValueError(
        f"parameters {_names(params, 8)} are not those of a fully connected network: W1..WL and b1..bL, "
        "with gamma and beta of every hidden layer for layer normalisation, and also running_mean and "
        "running_var for batch normalisation"
    )


def network_normalization(params):
    """Which normalisation a network's parameter names say it has: None, "layernorm" or "batchnorm"."""
    return _normalisation(params, len([name for name in params if name.startswith("W")]))


def _network_layers(params, width, normalization):
    """The layers of a network taking inputs of ``width``, every shape checked before any computation.

    The network must have the check's ``normalization`` (the reference network's): a check
    evaluates the kind of network its assignment teaches, and nothing more general.
    """
    layers = len([name for name in params if name.startswith("W")])
    kind = _normalisation(params, layers)
    if kind != normalization:
        raise ValueError(
            f"parameters of a network with {kind or 'no normalisation'}; this check evaluates a network "
            f"with {normalization or 'no normalisation'}, as the assignment asks"
        )
    size = sum(int(np.size(value)) for value in params.values())
    if size > MAX_NETWORK_PARAMETERS:
        raise ValueError(f"{size} parameters; the grader evaluates networks of at most {MAX_NETWORK_PARAMETERS}")
    network = []
    for i in range(1, layers + 1):
        W, b = np.asarray(params[f"W{i}"], np.float64), np.asarray(params[f"b{i}"], np.float64)
        if W.ndim != 2 or W.shape[0] != width or b.shape != (W.shape[1],):
            raise ValueError(f"W{i} {W.shape} and b{i} {b.shape} do not fit inputs of width {width}")
        width = W.shape[1]
        norm = {name: np.asarray(params[f"{name}{i}"], np.float64) for name in _NORMALISATIONS[kind] if i < layers}
        for name, value in norm.items():
            if value.shape != (width,):
                raise ValueError(f"{name}{i} {value.shape} does not fit layer {i} of width {width}")
        if "running_var" in norm and not np.all(norm["running_var"] >= 0):
            raise ValueError(f"running_var{i} has negative (or NaN) entries: a variance never does")
        network.append(_Layer(W, b, norm))
    return network


def _normalise(hidden, norm):
    """Batch normalisation in test mode (running averages) or layer normalisation (each example's own)."""
    if not norm:
        return hidden
    if "running_mean" in norm:
        mean, var = norm["running_mean"], norm["running_var"]
    else:
        mean, var = hidden.mean(axis=1, keepdims=True), hidden.var(axis=1, keepdims=True)
    return (hidden - mean) / np.sqrt(var + NORM_EPS) * norm["gamma"] + norm["beta"]


def mlp_scores(params, X, normalization=None):
    """Class scores of a fully connected network {affine - [norm] - relu} x (L-1) - affine.

    ``params`` holds W1..WL and b1..bL, with gamma and beta of every hidden layer for layer
    normalisation, and running_mean and running_var as well for batch normalisation (test
    mode, as a trained network classifies), as ``normalization`` says; any other name is
    refused, since this forward pass would silently ignore it, and so is a network of more
    than MAX_NETWORK_PARAMETERS.
    Examples go through in chunks, so memory stays bounded whatever the layers' widths.
    """
    inputs = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    network = _network_layers(params, inputs.shape[1], normalization)
    widest = max([inputs.shape[1]] + [layer.W.shape[1] for layer in network])
    rows = max(1, _CHUNK_ELEMENTS // widest)
    chunks = []
    for start in range(0, len(inputs), rows):
        hidden = inputs[start : start + rows]
        for i, layer in enumerate(network, start=1):
            hidden = hidden @ layer.W + layer.b
            if i < len(network):
                hidden = np.maximum(_normalise(hidden, layer.norm), 0)
        chunks.append(hidden)
    return np.concatenate(chunks)


def mlp_accuracy(params, X, y, normalization=None):
    return float(np.mean(np.argmax(mlp_scores(params, X, normalization), axis=1) == np.asarray(y)))
