"""The ``init`` kind: a network's initial parameters: the expected names, shapes and dtype,
biases (and betas) exactly zero, gammas exactly one, weights with mean 0 and standard
deviation ``weight_scale`` (within a relative tolerance).

Only each parameter's ``ArraySummary`` (values.py) is recorded: random initial weights are
large and do not compress. A known mistake's fingerprint is the signature of how its
parameters fail (which ones, how, and the weights' spread), matched within the tolerance.
"""

import numpy as np

from ..comparisons import Comparison, _names, _other_names, plain_verdict_line
from ..values import ArraySummary, _decode_named, decode_value, encode_summaries

NAME = "init"
PUBLIC_FIELDS = ("weight_scale", "tol", "params", "fingerprints")
EXAMPLES = False
MARGIN = 100  # a mistake's error must be at least this many tolerances (init's error is always None)


def record(name, params, weight_scale, tol):
    """What ``expect_init`` records: each parameter's summary, and the call's scale and tolerance."""
    return {
        "name": name,
        "kind": NAME,
        "weight_scale": float(weight_scale),
        "tol": float(tol),
        "value": encode_summaries(dict(params)),
    }


def decode(encoded):
    """name -> ArraySummary, from summaries, or from arrays recorded in full (as records before
    summaries did)."""
    if isinstance(encoded, dict) and "summaries" in encoded:
        return _decode_named(encoded["summaries"], "summaries", ArraySummary.decode)
    value = decode_value(encoded)
    if isinstance(value, dict):
        return {key: ArraySummary.of(array) for key, array in value.items()}
    return value


def _fill(summary):
    if not summary.nonzero:
        return "zeros"
    return "ones" if summary.ones else "normal"


def spec_fields(record, public, heldout):
    """The reference's parameters' names, shapes, dtype and fill (zeros, ones or normal)."""
    params = decode(record["value"])
    return {
        "weight_scale": float(record["weight_scale"]),
        "tol": float(record["tol"]),
        "params": {
            name: {"shape": list(value.shape), "dtype": value.dtype.name, "fill": _fill(value)}
            for name, value in params.items()
        },
    }


def compare(spec, actual, X=None, y=None):
    return compare_init(spec, actual)


def tolerance(spec):
    tol = spec.get("tol")
    return tol if isinstance(tol, (int, float)) else None


def verdict_line(name, comparison, spec):
    return plain_verdict_line(name, comparison)


def margin_text(strength):
    return f"error {strength * MARGIN:.1e}x the tolerance"


def fingerprint(spec, record):
    """The signature of how a known mistake's parameters fail (ValueError on a malformed value)."""
    return {"signature": compare_init(spec, decode(record["value"])).signature}


# A diagnosis learned from a mutant names a scaled draw ("0.5 times weight_scale") from a spread
# alone, which other distributions share: uniform(-1, 1) spreads 0.577x, inside the check's own
# tolerance (15%) of 0.5x. It is matched within a third of that tolerance, still wide beside the
# sampling noise of a layer's spread (1% for 5000 weights).
LEARNED_SPREAD_SHARE = 1 / 3


def matches(spec, actual, comparison, fingerprint):
    tol = spec["tol"] * (LEARNED_SPREAD_SHARE if fingerprint.get("mutant") else 1)
    return _same_profile(comparison.signature, fingerprint["signature"], tol)


def informative(fields):
    """Every failing parameter's spread is known: a signature that says something of the slip."""
    tokens = fields.get("signature", "").split(",")
    return all(_parse_profile(token)[2] is not None for token in tokens)


def explained_entries(spec, actual):
    """{}: an initialisation is matched by how its parameters fail together, not entry by entry."""
    return {}


def same_fingerprint(spec, mine, theirs):
    return "signature" in theirs and _same_profile(mine["signature"], theirs["signature"], spec["tol"])


_INIT_ADVICE = {
    "shape": "has the wrong shape: W{i} maps layer i-1 to layer i",
    "dtype": "does not have the network's dtype: cast every parameter to dtype",
    "zeros": "is not all zeros: biases (and betas) start at zero",
    "ones": "is not all ones: gammas start at one",
    "std_high": "spreads too widely for weight_scale{spread}: is weight_scale the standard deviation?",
    "std_low": "spreads too narrowly for weight_scale{spread}: is weight_scale the standard deviation?",
    "mean": "is not centred on zero: draw weights from a normal distribution with mean 0",
    "nonfinite": "contains NaN or infinity",
}


# A normal sample of this many values reaches beyond UNIFORM_REACH standard deviations below
# its mean with probability above 1 - 1e-9; a uniform one never goes beyond sqrt(3) = 1.73.
UNIFORM_EVIDENCE_SIZE = 1000
UNIFORM_REACH = 2.0


def _advice(problem, actual, weight_scale):
    """What the student reads about one parameter's ``problem``: for a badly spread weight, its
    spread in units of weight_scale, and (when its values show it) that they look uniformly
    drawn. Each claim is read off the summary: the standard deviation, and a minimum that a
    normal sample of that size would pass but a uniform one cannot."""
    spread = ""
    if problem in ("std_high", "std_low") and weight_scale > 0:
        spread = f" (its standard deviation is {actual.std / weight_scale:.2g} x weight_scale)"
    advice = _INIT_ADVICE[problem].replace("{spread}", spread)
    size = int(np.prod(actual.shape))
    centred = abs(actual.mean) <= 0.1 * actual.std
    reach = (actual.mean - actual.minimum) / actual.std if actual.std > 0 else None
    if spread and centred and size >= UNIFORM_EVIDENCE_SIZE and reach is not None and 0 <= reach < UNIFORM_REACH:
        advice += (
            f"; its values stay within {reach:.2f} standard deviations below their mean, as a uniform "
            f"distribution's do (a normal sample of {size} values goes past {UNIFORM_REACH:g}): draw from a "
            "normal distribution (rng.standard_normal) scaled by weight_scale"
        )
    return advice


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
        f"{name} {_advice(problems[name], actual[name], spec['weight_scale'])}"
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
