"""Classifiers that are not trained networks, written as the parameters of plain networks.

An accuracy check is meant to award its points to a network that was trained. These
are the ways to classify without training one, each fitted in closed form (least
squares, class means, stored examples, random features) and written as the W1, b1,
..., WL, bL of a plain {affine - relu} x (L-1) - affine network, the form the judge
evaluates:

- ``least_squares``: a linear classifier fitted to one-hot targets, with an optional
  ridge penalty;
- ``nearest_centroid``: the class whose mean is nearest, which is a linear classifier;
- ``memorising_network``: one hidden ReLU unit per training example, firing for inputs
  close to it and voting for its label: a nearest-neighbour rule as a network;
- ``projected_memorising_network``: the same, in the subspace spanned by the class
  means (an LDA projection followed by nearest neighbours);
- ``random_relu_features``: a random, untrained hidden layer and a least-squares last
  layer;
- ``plane_random_features``: the same in the few directions where the classes' second
  moments depart from the pooled covariance (a spiral's plane hides in exactly those),
  found from the training examples without any secret.

``nearest_neighbours`` is the k-nearest-neighbour rule itself, which no plain network
computes exactly, and ``projected_nearest_neighbours`` the same rule in the class means'
subspace; the gate runs both outside the kernel, on the examples a forger fitted to.

The release refuses an accuracy check that any of ``FORGERIES`` (or the nearest-neighbour
rule) passes. ``KNOWN_LIMITS`` are measured and reported, not refused, with the reason.

The release gate's forgers run this module's source inside a kernel (``forgery``), so it
imports numpy and nothing else.
"""

import numpy as np

SETTINGS = {  # what an attacker would try; each is tuned on validation examples
    "least_squares": [0.0],
    "ridge_least_squares": [1.0, 10.0, 100.0],
    "memorising_network": [("cosine", t) for t in (0.0, 0.25, 0.5, 0.75)]
    + [("distance", q) for q in (-0.5, -0.25, 0.0, 0.25)],
    "projected_memorising_network": [("cosine", t) for t in (0.0, 0.25, 0.5, 0.75)]
    + [("distance", q) for q in (-0.5, -0.25, 0.0, 0.25)],
    "random_relu_features": [(width, ridge) for width in (500, 2000) for ridge in (0.1, 10.0)],
    "plane_random_features": [(dims, width) for dims in (2, 3) for width in (50, 200)],
    "nearest_neighbours": [1, 5, 15, 45],
}


FORGERIES = ("least_squares", "ridge_least_squares", "nearest_centroid", "memorising_network", "random_relu_features")
_PROJECTION_LIMIT = (
    "the class means reveal the subspace that holds the task (LDA), and in it stored examples classify "
    "well; where that subspace is the grader's secret, only a submission that takes over training in the "
    "kernel gets the examples to find it, and it could as well train a network with code of its own"
)
KNOWN_LIMITS = {
    "projected_memorising_network": _PROJECTION_LIMIT,
    "projected_nearest_neighbours": _PROJECTION_LIMIT,
    "plane_random_features": _PROJECTION_LIMIT,
}


def flat(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def one_hot(y, num_classes):
    return np.eye(num_classes)[np.asarray(y, dtype=np.int64)]


def network_scores(params, X):
    """Class scores of a plain network (the judge's forward pass, kept here so this module
    stands alone)."""
    layers = len([name for name in params if name.startswith("W")])
    hidden = flat(X)
    for i in range(1, layers + 1):
        hidden = hidden @ params[f"W{i}"] + params[f"b{i}"]
        if i < layers:
            hidden = np.maximum(hidden, 0)
    return hidden


def accuracy(params, X, y):
    return float(np.mean(np.argmax(network_scores(params, X), axis=1) == np.asarray(y)))


def least_squares(X, y, num_classes, ridge=0.0):
    """Scores X W + b fitted to one-hot targets by (ridge-penalised) least squares."""
    A = np.c_[flat(X), np.ones(len(X))]
    if ridge:
        W = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ one_hot(y, num_classes))
    else:
        W = np.linalg.lstsq(A, one_hot(y, num_classes), rcond=None)[0]
    return {"W1": W[:-1], "b1": W[-1]}


def nearest_centroid(X, y, num_classes):
    """score_k = x . mu_k - |mu_k|^2 / 2, largest for the nearest class mean mu_k."""
    X, y = flat(X), np.asarray(y)
    means = np.stack([X[y == k].mean(axis=0) if np.any(y == k) else np.zeros(X.shape[1]) for k in range(num_classes)])
    return {"W1": means.T, "b1": -0.5 * np.sum(means * means, axis=1)}


def _memorise(stored, y, num_classes, setting, project=None):
    """One hidden unit per stored example s_i, voting for its label y_i. ``setting`` is
    ("cosine", t): relu(x . s_i / |s_i| - t * median |s|), or ("distance", q):
    relu(x . s_i - |s_i|^2 / 2 - q * median |s|^2), which fires where |x - s_i|^2 < |x|^2 - 2 q median |s|^2."""
    kind, level = setting
    norms = np.linalg.norm(stored, axis=1)
    if kind == "cosine":
        directions, bias = stored / np.maximum(norms, 1e-12)[:, None], -level * float(np.median(norms))
    else:
        directions, bias = stored, -0.5 * norms**2 - level * float(np.median(norms**2))
    W1 = directions.T if project is None else project @ directions.T
    return {
        "W1": W1,
        "b1": np.broadcast_to(bias, (len(stored),)).astype(np.float64),
        "W2": one_hot(y, num_classes),
        "b2": np.zeros(num_classes),
    }


def memorising_network(X, y, num_classes, setting):
    """One hidden ReLU unit per training example: a hand-built network that memorises."""
    return _memorise(flat(X), y, num_classes, setting)


def class_mean_subspace(X, y, num_classes):
    """An orthonormal basis (D, C-1) of the span of the class means: LDA's projection."""
    X, y = flat(X), np.asarray(y)
    means = np.stack([X[y == k].mean(axis=0) for k in range(num_classes) if np.any(y == k)])
    return np.linalg.svd(means - X.mean(axis=0), full_matrices=False)[2][: num_classes - 1].T


def projected_memorising_network(X, y, num_classes, threshold):
    """A memorising network on the examples projected onto the class means' subspace."""
    project = class_mean_subspace(X, y, num_classes)
    return _memorise(flat(X) @ project, y, num_classes, threshold, project)


def random_relu_features(X, y, num_classes, width, ridge, seed=0):
    """A random hidden layer of ``width`` ReLUs (never trained) and a ridge least-squares last layer."""
    X = flat(X)
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((X.shape[1], width)) / np.sqrt(X.shape[1])
    b1 = 0.5 * rng.standard_normal(width)
    H = np.maximum(X @ W1 + b1, 0)
    targets = one_hot(y, num_classes)
    if width <= len(X):
        W2 = np.linalg.solve(H.T @ H + ridge * np.eye(width), H.T @ targets)
    else:  # the same solution through the smaller system
        W2 = H.T @ np.linalg.solve(H @ H.T + ridge * np.eye(len(X)), targets)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": np.zeros(num_classes)}


def second_moment_subspace(X, y, num_classes, dims):
    """An orthonormal basis (D, dims) of the directions where the classes differ: their means'
    outer products plus each class covariance's departure from the pooled covariance, squared."""
    X, y = flat(X), np.asarray(y)
    pooled = np.cov(X.T)
    moments = np.zeros((X.shape[1], X.shape[1]))
    for k in range(num_classes):
        members = X[y == k]
        if len(members) > 1:
            mean = members.mean(axis=0)
            departure = np.cov(members.T) - pooled
            moments += np.outer(mean, mean) + departure @ departure
    return np.linalg.eigh(moments)[1][:, -dims:]


def plane_random_features(X, y, num_classes, dims, width, seed=0):
    """Random ReLU features of the examples' coordinates in ``second_moment_subspace`` and a
    least-squares last layer: no training, no secret, only the examples' statistics."""
    X = flat(X)
    rng = np.random.default_rng(seed)
    plane = second_moment_subspace(X, y, num_classes, dims)
    W1 = plane @ (3.0 * rng.standard_normal((dims, width)))
    b1 = rng.uniform(-3.0, 3.0, width)
    H = np.c_[np.maximum(X @ W1 + b1, 0), np.ones(len(X))]
    solution = np.linalg.lstsq(H, one_hot(y, num_classes), rcond=None)[0]
    return {"W1": W1, "b1": b1, "W2": solution[:-1], "b2": solution[-1]}


def nearest_neighbours(X, y, Z, k, num_classes):
    """Labels of Z by a majority vote of the k nearest training examples (not a network)."""
    X, Z, y = flat(X), flat(Z), np.asarray(y)
    labels = []
    for start in range(0, len(Z), 500):  # bounded memory: 500 rows of distances at a time
        chunk = Z[start : start + 500]
        distances = np.sum(chunk**2, axis=1)[:, None] - 2 * chunk @ X.T + np.sum(X**2, axis=1)[None]
        nearest = y[np.argsort(distances, axis=1)[:, :k]]
        labels.append(np.argmax(np.stack([np.sum(nearest == c, axis=1) for c in range(num_classes)], 1), 1))
    return np.concatenate(labels)


_FITS = {
    "least_squares": lambda X, y, C, s: least_squares(X, y, C, s),
    "ridge_least_squares": lambda X, y, C, s: least_squares(X, y, C, s),
    "nearest_centroid": lambda X, y, C, s: nearest_centroid(X, y, C),
    "memorising_network": lambda X, y, C, s: memorising_network(X, y, C, s),
    "projected_memorising_network": lambda X, y, C, s: projected_memorising_network(X, y, C, s),
    "random_relu_features": lambda X, y, C, s: random_relu_features(X, y, C, *s),
    "plane_random_features": lambda X, y, C, s: plane_random_features(X, y, C, *s),
}


def shortcut_networks(X, y, X_val, y_val, num_classes):
    """name -> (params, validation accuracy): each shortcut with the setting that does best
    on the validation examples, as an attacker would choose it."""
    found = {}
    for name, fit in _FITS.items():
        for setting in SETTINGS.get(name, [None]):
            params = fit(X, y, num_classes, setting)
            score = accuracy(params, X_val, y_val)
            if name not in found or score > found[name][1]:
                found[name] = (params, score)
    return found


def neighbours_accuracies(X, y, X_val, y_val, Z, z, num_classes):
    """{"nearest_neighbours": accuracy on (Z, z), "projected_nearest_neighbours": the same in the
    class means' subspace}, each with the k that does best on the validation examples."""
    project = class_mean_subspace(X, y, num_classes)
    found = {}
    transforms = {"nearest_neighbours": flat, "projected_nearest_neighbours": lambda A: flat(A) @ project}
    for name, transform in transforms.items():
        train, val = transform(X), transform(X_val)
        k = max(
            SETTINGS["nearest_neighbours"],
            key=lambda k: np.mean(nearest_neighbours(train, y, val, k, num_classes) == np.asarray(y_val)),
        )
        found[name] = float(np.mean(nearest_neighbours(train, y, transform(Z), k, num_classes) == np.asarray(z)))
    return found
