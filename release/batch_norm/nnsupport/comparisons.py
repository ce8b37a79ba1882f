"""How a recorded value compares with the expected one, and what to tell the student.

This module ships to students as ``nnsupport/comparisons.py``: the notebook's public
checks (printed while a student works, and raised under nbgrader's Validate) and the
grader call these same functions, so a student sees what the grader decides.

A check is one of three kinds:

- ``close``: an array, or a dict of named arrays (a loss with its gradients), within a
  relative error ``max(|x - y| / max(1e-8, |x| + |y|))`` of the expected value;
- ``init``: a network's initial parameters: the expected names, shapes and dtype, biases
  (and betas) exactly zero, gammas exactly one, weights with mean 0 and standard
  deviation ``weight_scale`` (within a relative tolerance); judged on each parameter's
  ``ArraySummary`` (see values.py), which is all the kernel records of them;
- ``accuracy``: the classification accuracy of a fully connected network's parameters
  (plain, or with batch or layer normalisation) on the check's examples, at least a
  threshold.

A failure comes with a diagnosis: how the value is off (a flipped sign, a constant
factor, some rows only, NaN, ...), never the expected value itself, and every such claim
is checked on the values with the check's own tolerance and floor. A known mistake is
mentioned only where the value matches that mistake's value on the check within the
check's tolerance (``matching_mistakes``); one check alone says "consistent with", and the
grader, which sees the whole test cell, names a mistake as the cause only when every check
of the cell bears it out (``diagnose_cell``).
"""

import functools
from dataclasses import dataclass

import numpy as np

from .values import decode_value, encode_value, relative_error

_FACTORS = (2, 3, 4, 5, 10)
FLOOR = 1e-8  # the relative error's floor: entries are compared by max(FLOOR, |x| + |y|)
_FIT_SHARE = 0.1  # a claimed pattern must explain the value ten times better than the expected value does


@dataclass
class Comparison:
    passed: bool
    message: str  # what was measured, e.g. "relative error 3.1e-09 (tolerance 1e-08)"
    # Relative error (close), error rate (accuracy); None when a property failed (shape, dtype, NaN, ...).
    error: float | None = None
    diagnosis: str = ""  # for a failure: what the student is told
    signature: str = ""  # for a failure: a short code of how it failed, matched against known mistakes
    description: str = ""  # for a failure: how the value is off, verified on the values (no mistake named)
    matched: tuple = ()  # for a failure: the known mistakes whose value on this check this value matches


def _names(keys, limit=4):
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _factor_phrase(ratio):
    """'about 2x too large' for a simple ratio; just 'too large' otherwise (the exact factor
    would reveal the expected value)."""
    size = ratio if ratio >= 1 else 1 / ratio
    direction = "too large" if ratio >= 1 else "too small"
    for factor in _FACTORS:
        if abs(size - factor) <= 0.02 * factor:
            return f"about {factor}x {direction}"
    return direction


def _rows_phrase(ok):
    if ok.ndim == 2 and ok.shape[0] > 1:
        bad_rows = [str(i) for i in np.flatnonzero(~ok.all(axis=1))]
        if len(bad_rows) < ok.shape[0] and len(bad_rows) <= 4:
            rows = f"rows {', '.join(bad_rows)} differ" if len(bad_rows) > 1 else f"row {bad_rows[0]} differs"
            return f"only {rows}; the other rows match"
    return f"{int(ok.sum())} of {ok.size} entries match; the others differ"


def _explains(a, model, tol, error):
    """Whether ``model`` accounts for ``a`` as well as the check can tell: within the check's
    tolerance everywhere (with its floor), and ten times closer than the expected value is."""
    residual = relative_error(a, model)
    return residual <= max(tol, 1e-12) and residual <= _FIT_SHARE * error


def describe_difference(actual, expected, tol):
    """How ``actual`` (same shape as ``expected``, finite) is off, without expected values.

    Every sentence is checked on the values with the check's own tolerance and floor: a
    sign or a factor is only claimed when it explains every entry within the tolerance,
    far better than the expected value does, and never for entries below the floor, where
    the check compares absolute differences and a sign or a ratio means nothing.
    """
    a, e = np.asarray(actual, np.float64).ravel(), np.asarray(expected, np.float64).ravel()
    ok = np.abs(a - e) / np.maximum(FLOOR, np.abs(a) + np.abs(e)) <= tol
    error = relative_error(a, e)
    entries = "value is" if a.size == 1 else "values are"
    if not np.any(a) and np.any(e):
        return f"the {entries} all zero" if a.size > 1 else "the value is zero"
    if np.all(np.abs(a[~ok]) + np.abs(e[~ok]) <= FLOOR):
        return (
            f"{int(ok.sum())} of {ok.size} entries match; the others are all smaller than {FLOOR:.0e} in size, "
            "where the check compares absolute differences"
        )
    significant = np.abs(e) > FLOOR
    if np.any(significant) and np.all(np.sign(a) == -np.sign(e)) and _explains(a, -e, tol, error):
        return "the value has the opposite sign" if a.size == 1 else "the values have the opposite sign everywhere"
    norm = float(e @ e)
    ratio = float(a @ e) / norm if norm > 0 else 0.0
    scaled = ratio > 0 and np.all(np.sign(a) == np.sign(e)) and _explains(a, ratio * e, tol, error)
    offset = float(np.mean(a - e))
    shifted = a.size > 1 and _explains(a, e + offset, tol, error)
    if shifted and scaled:  # equal expected entries fit a factor and a shift alike: claim neither pattern
        return f"every entry is {_factor_phrase(ratio)} in size"
    if shifted:
        return f"the values are shifted {'up' if offset > 0 else 'down'} by the same amount everywhere"
    if scaled:
        where = "" if a.size == 1 else ", by the same factor everywhere"
        return f"the {entries} {_factor_phrase(ratio)} in size{where}"
    if ok.any():
        return _rows_phrase(ok.reshape(np.shape(expected)))
    return "the value differs" if a.size == 1 else "every entry differs"


def _other_names(expected, actual, advice):
    """A failed Comparison when the dict ``actual`` lacks names of ``expected`` or has others."""
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    if not (missing or extra):
        return None
    parts = ([f"missing {_names(missing)}"] if missing else []) + ([f"unexpected {_names(extra)}"] if extra else [])
    # The names themselves are part of the signature: a known mistake that drops W3 says nothing of gamma1.
    signature = f"keys-{'/'.join(sorted(missing))}+{'/'.join(sorted(extra))}"
    return Comparison(False, "; ".join(parts), None, advice, signature)


def _compare_array(actual, expected, tol, check_dtype, public):
    """(Comparison, property failure or None) for one array."""
    if actual.shape != expected.shape:
        wanted = f", expected {expected.shape}" if public else " (not the expected shape)"
        return Comparison(
            False,
            f"shape {actual.shape}{wanted}",
            None,
            "the result has the wrong shape: check reshapes, transposes and which axis you sum over",
            "shape",
        ), "shape"
    if check_dtype and actual.dtype != expected.dtype:
        return Comparison(
            False,
            f"dtype {actual.dtype}, expected {expected.dtype}",
            None,
            f"the result is {actual.dtype}, the inputs were {expected.dtype}: numpy upcasts when "
            "an array meets a float64 array or numpy float64 scalar (see Data types)",
            "dtype",
        ), "dtype"
    values = actual.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return Comparison(
            False,
            "contains NaN or infinity",
            None,
            "NaN or infinity: a division by zero, the log of zero or an overflow in exp",
            "nonfinite",
        ), "nonfinite"
    error = relative_error(values, expected)
    message = f"relative error {error:.2e} (tolerance {tol:.0e})"
    if error <= tol:
        return Comparison(True, message, error), None
    return Comparison(False, message, error, describe_difference(values, expected, tol), "values"), None


def compare_close(spec, actual):
    """Compare a decoded value with a ``close`` spec's expected array or dict of arrays."""
    expected = decode_value(spec["expected"])
    tol, check_dtype, public = spec["tol"], spec.get("check_dtype", False), spec.get("public", False)
    if not isinstance(expected, dict):
        if isinstance(actual, dict):
            return Comparison(
                False, "a dict came instead of an array", None, "the check expects an array here", "structure"
            )
        return _compare_array(actual, expected, tol, check_dtype, public)[0]
    if not isinstance(actual, dict):
        return Comparison(
            False,
            f"an array came instead of the entries {_names(expected)}",
            None,
            "the check expects a dict of named arrays here",
            "structure",
        )
    mismatch = _other_names(
        expected, actual, "some entries are missing or unexpected: check the names of what you return"
    )
    if mismatch:
        return mismatch
    results = {key: _compare_array(actual[key], expected[key], tol, check_dtype, public) for key in expected}
    failed = sorted(key for key, (result, _) in results.items() if not result.passed)
    if not failed:
        error = max((result.error for result, _ in results.values()), default=0.0)
        return Comparison(True, f"relative error {error:.2e} (tolerance {tol:.0e})", error)
    properties = [key for key in failed if results[key][1]]
    details = "; ".join(f"{key}: {results[key][0].diagnosis}" for key in failed[:3])
    scope = f"{_names(failed)} differ{'s' if len(failed) == 1 else ''}"
    if len(failed) < len(expected):
        scope += "; the other entries match"
    signature = ",".join(f"{key}:{results[key][1] or 'values'}" for key in failed)
    if properties:
        return Comparison(
            False, f"{_names(properties)}: {results[properties[0]][0].message}", None, f"{scope} ({details})", signature
        )
    error = max(results[key][0].error for key in failed)
    return Comparison(
        False,
        f"relative error {error:.2e} (tolerance {tol:.0e}) in {_names(failed)}",
        error,
        f"{scope} ({details})",
        signature,
    )


_INIT_ADVICE = {
    "shape": "has the wrong shape: W{i} maps layer i-1 to layer i",
    "dtype": "does not have the network's dtype: cast every parameter to dtype",
    "zeros": "is not all zeros: biases (and betas) start at zero",
    "ones": "is not all ones: gammas start at one",
    "std_high": "spreads too widely for weight_scale: is weight_scale the standard deviation?",
    "std_low": "spreads too narrowly for weight_scale: is weight_scale the standard deviation?",
    "mean": "is not centred on zero: draw weights from a normal distribution with mean 0",
    "nonfinite": "contains NaN or infinity",
}


def _init_problem(actual, wanted, weight_scale, tol):
    """What is wrong with one parameter's ``ArraySummary``, or None."""
    if list(actual.shape) != wanted["shape"]:
        return "shape"
    if actual.dtype.name != wanted["dtype"]:
        return "dtype"
    if not actual.finite:
        return "nonfinite"
    if wanted["fill"] == "zeros":
        return "zeros" if actual.nonzero else None
    if wanted["fill"] == "ones":
        return None if actual.ones else "ones"
    if actual.std > weight_scale * (1 + tol):
        return "std_high"
    if actual.std < weight_scale * (1 - tol):
        return "std_low"
    return "mean" if abs(actual.mean) > tol * weight_scale else None


def _init_profile(name, problem, actual, weight_scale):
    """The signature of one parameter's failure: for a badly spread or off-centre weight, its
    standard deviation and mean in units of weight_scale and whether it is never negative, so
    that a known mistake is only matched by weights distributed like that mistake's."""
    if problem == "dtype":
        return f"{name}:dtype={actual.dtype.name}"
    if problem not in ("std_high", "std_low", "mean"):
        return f"{name}:{problem}"
    std, mean = actual.std / weight_scale, actual.mean / weight_scale
    return f"{name}:{problem}:s{std:.4g}:m{mean:.4g}" + (":pos" if actual.minimum >= 0 else "")


def _parse_profile(token):
    """(name, problem, std, mean, never negative) of one ``_init_profile`` token (a token of
    another kind, such as the missing and unexpected names, is its own name and problem)."""
    name, _, rest = token.partition(":")
    problem, *stats = rest.split(":")
    numbers = {}
    for part in stats:
        try:
            numbers[part[:1]] = float(part[1:])
        except ValueError:
            continue
    return name, problem, numbers.get("s"), numbers.get("m"), "pos" in stats


def _same_profile(signature, fingerprint, tol):
    """Whether an init failure's signature matches a known mistake's: the same parameters fail
    the same way, and weights have the mistake's spread (within the check's tolerance), centre
    and sign."""
    mine, theirs = signature.split(","), fingerprint.split(",")
    if len(mine) != len(theirs):
        return False
    for a, f in zip(sorted(mine), sorted(theirs), strict=True):
        (name, problem, s, m, pos), (f_name, f_problem, f_s, f_m, f_pos) = _parse_profile(a), _parse_profile(f)
        if (name, problem, pos) != (f_name, f_problem, f_pos) or (s is None) != (f_s is None):
            return False
        if s is not None and (abs(s - f_s) > tol * f_s or abs(m - f_m) > tol * max(s, f_s)):
            return False
    return True


def compare_init(spec, actual):
    """Compare a network's initial parameters with an ``init`` spec (see the module docstring)."""
    wanted = spec["params"]
    if not isinstance(actual, dict):
        return Comparison(False, "not a dict of parameters", None, "record model.params, a dict", "structure")
    mismatch = _other_names(
        wanted, actual, "the parameter names differ: W1, b1, ..., WL, bL, one pair per layer (L = hidden layers + 1)"
    )
    if mismatch:
        return mismatch
    problems = {name: _init_problem(actual[name], wanted[name], spec["weight_scale"], spec["tol"]) for name in wanted}
    failed = sorted(name for name, problem in problems.items() if problem)
    if not failed:
        return Comparison(
            True, f"{len(wanted)} parameters: names, shapes, dtype, zero biases and weight scale as expected"
        )
    profiles = [_init_profile(name, problems[name], actual[name], spec["weight_scale"]) for name in failed]
    details = "; ".join(
        f"{name} {_INIT_ADVICE[problems[name]]}"
        + ("; its values are never negative" if profile.endswith(":pos") else "")
        for name, profile in zip(failed[:3], profiles, strict=False)
    )
    return Comparison(
        False,
        f"{len(failed)} of {len(wanted)} parameters differ: {_names(failed)}",
        None,
        details + ("; ..." if len(failed) > 3 else ""),
        ",".join(profiles),
    )


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


def _same(actual, fingerprint, tol):
    """Whether two decoded values agree within ``tol`` (NaN and inf where the other has them too)."""
    if isinstance(fingerprint, dict) or isinstance(actual, dict):
        return (
            isinstance(fingerprint, dict)
            and isinstance(actual, dict)
            and set(actual) == set(fingerprint)
            and all(_same(actual[key], fingerprint[key], tol) for key in fingerprint)
        )
    if actual.shape != fingerprint.shape:
        return False
    a, f = actual.astype(np.float64), fingerprint.astype(np.float64)
    finite = np.isfinite(a) & np.isfinite(f)
    if not np.array_equal(np.isfinite(a), np.isfinite(f)) or not np.array_equal(a[~finite], f[~finite], equal_nan=True):
        return False
    return relative_error(a[finite], f[finite]) <= tol  # the check's own tolerance: no looser match


SKETCH_SAMPLE = 8  # entries a sketched fingerprint keeps of an array
_SKETCH_PROJECTIONS = 3
_SKETCH_NUMBERS = SKETCH_SAMPLE + _SKETCH_PROJECTIONS + 1  # and the sum of magnitudes


@functools.lru_cache(maxsize=64)
def _sketch_basis(size):
    """(sampled positions, random +-1 projections) of an array of ``size`` entries: fixed by
    the size alone, so the grading bundle stores neither."""
    rng = np.random.default_rng(size)
    positions = np.sort(rng.choice(size, SKETCH_SAMPLE, replace=False))
    return positions, rng.choice([-1.0, 1.0], size=(_SKETCH_PROJECTIONS, size))


def _sketch_numbers(values):
    positions, signs = _sketch_basis(values.size)
    return np.concatenate([values[positions], signs @ values, [np.abs(values).sum()]])


def _flat(value):
    """(shapes: one per entry, or the array's; every entry as one float64 vector, entries in
    name order)."""
    if isinstance(value, dict):
        keys = sorted(value)
        shapes = {key: list(np.shape(value[key])) for key in keys}
        parts = [np.asarray(value[key], np.float64).ravel() for key in keys]
        return shapes, np.concatenate(parts) if parts else np.zeros(0)
    return list(np.shape(value)), np.asarray(value, np.float64).ravel()


def sketch_value(value):
    """A compact fingerprint of a decoded value (an array or a dict of arrays): its shapes and,
    as one encoded array, SKETCH_SAMPLE of its entries, a few random +-1 projections and the
    sum of its magnitudes (all entries of a dict together, in name order); kept whole when
    that would be no smaller. ``_same_sketched`` accepts every value ``_same`` accepts (each
    condition it tests follows from a match within the tolerance), and little else."""
    shapes, values = _flat(value)
    if values.size <= _SKETCH_NUMBERS:
        return {"value": encode_value(value)}
    return {"shapes": shapes, "sketch": encode_value(_sketch_numbers(values))}


def _same_sketched(actual, sketched, tol):
    """Whether ``actual`` may be within ``tol`` of the value ``sketch_value`` summarised: the
    same shapes, the sampled entries within the tolerance, and each projection and the sum of
    magnitudes within the bound a match implies (sum of |a_i - m_i| <= tol * sum of
    max(FLOOR, |a_i| + |m_i|))."""
    if "value" in sketched:
        return _same(actual, decode_value(sketched["value"]), tol)
    shapes, values = _flat(actual)
    if shapes != sketched["shapes"] or not np.all(np.isfinite(values)):
        return False
    mine, theirs = _sketch_numbers(values), decode_value(sketched["sketch"])
    if relative_error(mine[:SKETCH_SAMPLE], theirs[:SKETCH_SAMPLE]) > tol:
        return False
    total = mine[-1] + theirs[-1] + values.size * FLOOR
    bound = tol * total + 8 * values.size * np.finfo(np.float64).eps * total  # and the sums' rounding
    return bool(np.all(np.abs(mine[SKETCH_SAMPLE:] - theirs[SKETCH_SAMPLE:]) <= bound))


def matching_mistakes(spec, actual, comparison):
    """Names of the known mistakes whose value on this check this failed value matches: within
    the check's own tolerance (close; a fingerprint learned from a mutant may be a sketch of
    its value, ``sketch_value``), or failing the same way with the same spread (init)."""
    found = []
    for fingerprint in spec.get("fingerprints", []):
        if spec["kind"] == "close" and "sketch" in fingerprint:
            matches = _same_sketched(actual, fingerprint["sketch"], spec["tol"])
        elif spec["kind"] == "close":
            matches = _same(actual, decode_value(fingerprint["value"]), spec["tol"])
        else:
            matches = _same_profile(comparison.signature, fingerprint["signature"], spec["tol"])
        if matches and fingerprint["mistake"] not in found:
            found.append(fingerprint["mistake"])
    return found


def _diagnoses(spec):
    """mistake name -> its diagnosis, from the check's fingerprints."""
    return {fingerprint["mistake"]: fingerprint["diagnosis"] for fingerprint in spec.get("fingerprints", [])}


def _either(diagnoses):
    return "; or: ".join(diagnoses[:3])


def compare(spec, actual, X=None, y=None):
    """The Comparison for one check; for a failure, with the best diagnosis available.

    One check alone cannot tell a known mistake from another cause that gives the same value
    there, so a match is reported as "consistent with"; the grader, which sees every check of
    the cell, names a mistake outright only when all of them agree (``diagnose_cell``).
    """
    if spec["kind"] == "close":
        comparison = compare_close(spec, actual)
    elif spec["kind"] == "init":
        comparison = compare_init(spec, actual)
    elif spec["kind"] == "accuracy":
        comparison = compare_accuracy(spec, actual, X, y)
    else:
        raise ValueError(f"unknown check kind {spec['kind']!r}")
    if not comparison.passed:
        comparison.description = comparison.diagnosis
        comparison.matched = tuple(matching_mistakes(spec, actual, comparison))
        if comparison.matched:
            known = [_diagnoses(spec)[name] for name in comparison.matched]
            kind = "this known mistake" if len(known) == 1 else "any of these known mistakes"
            comparison.diagnosis = f"consistent with {kind} (the same value on this check): {_either(known)}"
    return comparison


def _evidence(specs, comparisons):
    """mistake -> {"diagnosis", "matched", "differs", "passed"}: on each check the mistake fails
    (it has a fingerprint there), whether this submission's value matched it, failed otherwise,
    or passed. Checks that were not judged (not recorded, unusable) count for nothing."""
    evidence = {}
    for spec, comparison in zip(specs, comparisons, strict=True):
        for fingerprint in spec.get("fingerprints", []):
            entry = evidence.setdefault(
                fingerprint["mistake"],
                {"diagnosis": fingerprint["diagnosis"], "matched": [], "differs": [], "passed": []},
            )
            if comparison is None or spec["name"] in entry["matched"] + entry["differs"] + entry["passed"]:
                continue
            if comparison.passed:
                entry["passed"].append(spec["name"])
            else:
                entry["differs" if fingerprint["mistake"] not in comparison.matched else "matched"].append(spec["name"])
    return evidence


def diagnose_cell(specs, comparisons):
    """The diagnosis of each check of a test cell (None for a passed or unjudged one), naming a
    known mistake only as far as every check of the cell bears it out.

    ``comparisons`` are aligned with ``specs`` (None where nothing could be judged). A mistake
    whose value this submission matches on one check is named as the cause when it matches on
    every check that mistake fails; as "consistent with" when that holds for several mistakes,
    or when it matches on most of its checks but not all (saying which); and not at all when a
    check contradicts it (the submission passes where the mistake fails, or the values differ
    on more of its checks than they match).
    """
    evidence = _evidence(specs, comparisons)
    failed = {spec["name"] for spec, c in zip(specs, comparisons, strict=True) if c is not None and not c.passed}
    diagnoses = []
    for comparison in comparisons:
        if comparison is None or comparison.passed:
            diagnoses.append(None)
            continue
        whole = [name for name in comparison.matched if not (evidence[name]["differs"] or evidence[name]["passed"])]
        partial = [
            name
            for name in comparison.matched
            if name not in whole
            and not evidence[name]["passed"]
            and len(evidence[name]["matched"]) >= 2
            and len(evidence[name]["matched"]) > len(evidence[name]["differs"])
        ]
        if len(whole) == 1 and not partial:
            entry = evidence[whole[0]]
            others = failed - set(entry["matched"])
            diagnoses.append(
                entry["diagnosis"]
                + (
                    f" ({_names(others)} also differ{'s' if len(others) == 1 else ''}, in another way)"
                    if others
                    else ""
                )
            )
        elif whole:
            diagnoses.append(
                "consistent with any of these known mistakes (the same values on every check they "
                f"affect): {_either([evidence[name]['diagnosis'] for name in whole])}"
            )
        elif partial:
            diagnoses.append(
                "; or: ".join(
                    f"consistent with a known mistake on {_names(evidence[name]['matched'])} but not on "
                    f"{_names(evidence[name]['differs'])}: {evidence[name]['diagnosis']}"
                    for name in partial[:3]
                )
            )
        else:
            diagnoses.append(comparison.description)
    return diagnoses
