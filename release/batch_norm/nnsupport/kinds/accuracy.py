"""The ``accuracy`` kind: the classification accuracy of a fully connected network's
parameters (plain, or with batch or layer normalisation) on the check's examples, at least a
threshold.

The kernel records the network's parameters (``expect_accuracy``), with the notebook's own
examples for a public check; a hidden check is measured on held-out examples that only the
grading bundle has. An accuracy says nothing specific of a slip: no fingerprints.
"""

from dataclasses import dataclass

import numpy as np

from ..comparisons import Comparison, SpecError, _names, plain_verdict_line
from ..values import decode_value, encode_value

NAME = "accuracy"
PUBLIC_FIELDS = ("threshold", "normalization")
EXAMPLES = True
MARGIN = 2  # a mistake's error rate must be at least this many times the allowed one


def record(name, network, threshold, X=None, y=None):
    """What ``expect_accuracy`` records: the network's parameters, and the examples (X, y) when
    the notebook gives them, all in single precision (an accuracy needs no more)."""
    params = {key: _single_precision(value) for key, value in network_parameters(network).items()}
    recorded = {"name": name, "kind": NAME, "threshold": threshold, "value": encode_value(params)}
    if X is not None:
        recorded["inputs"] = {"X": encode_value(_single_precision(X)), "y": encode_value(y)}
    return recorded


def network_parameters(network):
    """The parameters that decide a network's test-time scores, as one dict of arrays.

    A model's ``params``, and with batch normalisation each hidden layer's running averages
    (``running_mean1``, ``running_var1``, ...), which test mode normalises with; anything
    without ``params`` (a dict) is taken as the parameters themselves.
    """
    if not hasattr(network, "params"):
        return dict(network)
    params = dict(network.params)
    if getattr(network, "normalization", None) == "batchnorm":
        for i, bn_param in enumerate(network.bn_params, start=1):
            if "running_mean" not in bn_param or "running_var" not in bn_param:
                raise ValueError(
                    f"layer {i} has no running averages yet: train the network (a forward pass in train "
                    "mode) before its accuracy is measured"
                )
            params[f"running_mean{i}"] = bn_param["running_mean"]
            params[f"running_var{i}"] = bn_param["running_var"]
    return params


def _single_precision(value):
    """A float64 array (or number) as float32; anything else as it is."""
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - ragged lists and objects numpy refuses: recorded as what they are
        return value
    return array.astype(np.float32) if array.dtype == np.float64 else value


def decode(encoded):
    return decode_value(encoded)


def spec_fields(record, public, heldout):
    """The threshold, the examples (the notebook's for a public check, held-out ones from
    ``heldout``, name -> function making them, for a hidden one) and the reference's accuracy
    on them; SpecError for a hidden check the kernel chooses the examples of, or one without
    held-out examples."""
    if "inputs" in record and not public:
        raise SpecError(
            f"hidden accuracy check {record['name']!r} passes its examples from "
            "the notebook, so the student's kernel chooses what it is measured on. Record it "
            "without X and y (held-out examples from heldout.py), or make it visible."
        )
    spec = {"threshold": float(record["threshold"])}
    params = decode_value(record["value"])
    if "inputs" in record:  # the notebook's own examples: public, feedback only
        X, y = decode_value(record["inputs"]["X"]), decode_value(record["inputs"]["y"])
        spec["inputs"] = record["inputs"]  # the grader's copy: kept records need not carry them
    else:
        if record["name"] not in heldout:
            raise SpecError(
                f"accuracy check {record['name']!r} records no examples, so it is "
                "measured on held-out ones, but heldout.py in its grading bundle folder makes none "
                f"for it (HELDOUT has: {', '.join(sorted(heldout)) or 'nothing'})."
            )
        X, y = heldout[record["name"]]()
        spec["inputs"] = {"X": encode_value(X), "y": encode_value(y)}
    normalization = network_normalization(params)
    if normalization is not None:  # a plain network's spec stays as it was: no key
        spec["normalization"] = normalization
    spec["expected"] = encode_value(mlp_accuracy(params, X, y, normalization))
    spec["public"] = "inputs" in record
    return spec


def compare(spec, actual, X=None, y=None):
    return compare_accuracy(spec, actual, X, y)


def tolerance(spec):
    """The error rate the threshold allows (an accuracy check's error is 1 - accuracy)."""
    threshold = spec.get("threshold")
    return 1 - threshold if isinstance(threshold, (int, float)) else None


def verdict_line(name, comparison, spec):
    return plain_verdict_line(name, comparison)


def margin_text(strength):
    return f"error rate {strength * MARGIN:.1f}x the allowed"


def fingerprint(spec, record):
    return None


def matches(spec, actual, comparison, fingerprint):
    return False


def informative(fields):
    return False


def same_fingerprint(spec, mine, theirs):
    return False


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


def compare_accuracy(spec, actual, X, y):
    """Accuracy of the parameters ``actual`` on (X, y) against the spec's threshold."""
    if not isinstance(actual, dict):
        return Comparison(
            False, "unusable parameters: not a dict of parameters", None, "record model.params, a dict", "structure"
        )
    try:
        accuracy = mlp_accuracy(actual, X, y, spec.get("normalization"))
    except ValueError as problem:
        return Comparison(
            False,
            f"unusable parameters: {problem}",
            None,
            "record the network itself (expect_accuracy(name, model, ...)) or its params: W1, b1, ..., "
            "WL, bL, and the normalisation's parameters of each hidden layer",
            "structure",
        )
    threshold = spec["threshold"]
    message = f"accuracy {accuracy:.4f} (needs at least {threshold})"
    if accuracy >= threshold:
        return Comparison(True, message, 1 - accuracy)
    return Comparison(
        False,
        message,
        1 - accuracy,
        "the network does not classify well enough yet: train longer, or tune the learning "
        "rate, the weight scale and the network's size",
        "accuracy",
    )
