"""The ``accuracy`` kind: the classification accuracy of a fully connected network's
parameters (plain, or with batch or layer normalisation) on the check's examples, at least a
threshold.

The kernel records the network's parameters (``expect_accuracy``), with the notebook's own
examples for a public check; a hidden check is measured on held-out examples that only the
grading bundle has. An accuracy says nothing specific of a slip: no fingerprints.

Measuring needs a forward pass of the network, which is the forward pass of the layers
students write (affine, ReLU, batch and layer normalisation): it lives in
``autograder/network_scores.py``, which never ships. This module ships in nnsupport for the
recording; there ``spec_fields`` and ``compare`` cannot run (their import of the forward pass
fails), and the kernel never calls them: an accuracy is judged outside the kernel only.
"""

import numpy as np

from ..comparisons import Comparison, SpecError, plain_verdict_line
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
    from ..network_scores import mlp_accuracy, network_normalization  # never shipped: see the docstring

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


def explained_entries(spec, actual):
    """{}: an accuracy is one number."""
    return {}


def same_fingerprint(spec, mine, theirs):
    return False


def compare_accuracy(spec, actual, X, y):
    """Accuracy of the parameters ``actual`` on (X, y) against the spec's threshold."""
    from ..network_scores import mlp_accuracy  # never shipped: see the docstring

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
