"""Data sets in the CS231n dict format: X_train, y_train, X_val, y_val, X_test, y_test.

Images are channels first, ``(N, C, H, W)``, with the mean training image
subtracted from every split.

- ``get_CIFAR10_data``: CIFAR-10 from the standard ``cifar-10-batches-py`` pickles.
- ``get_default_data``: handwritten digits (8 x 8, 10 classes) bundled with
  scikit-learn. It needs no download, so notebooks, tests and grading run
  offline, and a small network trains on it in seconds to well above 95% accuracy.
- ``get_spiral_data``: CS231n's three-armed spiral, hidden in a random plane of a
  20-dimensional space whose other directions are noise. A small network finds the
  plane and the arms in about a second; a linear classifier, nearest class means,
  nearest neighbours or random features stay far behind, so an accuracy on it shows
  that a network was trained (the accuracy check of "train your best model").
"""

import importlib.util
import os
import pickle

import numpy as np

CIFAR10_LAYOUT = (
    "a folder 'cifar-10-batches-py' holding the python pickles data_batch_1 ... "
    "data_batch_5 and test_batch (each a dict with 'data', 10000 x 3072 uint8, and "
    "'labels'), as unpacked from cifar-10-python.tar.gz"
)


class DatasetError(Exception):
    """A data set on disk is missing or not in the expected format."""


def load_CIFAR_batch(filename):
    """One CIFAR-10 batch file as (X of shape (10000, 32, 32, 3) float64, y of shape (10000,))."""
    try:
        with open(filename, "rb") as f:
            batch = pickle.load(f, encoding="latin1")
        X = np.asarray(batch["data"]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        y = np.asarray(batch["labels"])
    except FileNotFoundError:
        raise DatasetError(
            f"CIFAR-10 batch not found: {filename}. Expected {CIFAR10_LAYOUT}. "
            "To work offline use get_default_data() instead."
        ) from None
    except Exception as error:
        raise DatasetError(
            f"CIFAR-10 batch {filename} is not a valid batch file ({error}). "
            f"Expected {CIFAR10_LAYOUT}. To work offline use get_default_data() instead."
        ) from None
    if X.shape[0] != y.shape[0]:
        raise DatasetError(f"CIFAR-10 batch {filename} has {X.shape[0]} images but {y.shape[0]} labels")
    return X.astype(np.float64), y


def load_CIFAR10(root):
    """All of CIFAR-10 from ``root``: (X_train, y_train, X_test, y_test), images (N, 32, 32, 3)."""
    if not os.path.isdir(root):
        raise DatasetError(
            f"CIFAR-10 folder not found: {root}. Expected {CIFAR10_LAYOUT}. "
            "To work offline use get_default_data() instead."
        )
    batches = [load_CIFAR_batch(os.path.join(root, f"data_batch_{b}")) for b in range(1, 6)]
    X_train = np.concatenate([X for X, _ in batches])
    y_train = np.concatenate([y for _, y in batches])
    X_test, y_test = load_CIFAR_batch(os.path.join(root, "test_batch"))
    return X_train, y_train, X_test, y_test


def _split_and_center(X_train, y_train, X_val, y_val, X_test, y_test, subtract_mean):
    """Subtract the mean training image (computed on the training split only)."""
    if subtract_mean:
        mean_image = X_train.mean(axis=0)
        X_train, X_val, X_test = X_train - mean_image, X_val - mean_image, X_test - mean_image
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "X_test": X_test,
        "y_test": y_test,
    }


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    cifar10_dir="datasets/cifar-10-batches-py",
):
    """CIFAR-10 split and preprocessed as in CS231n.

    Validation is train[num_training : num_training + num_validation], train is
    train[:num_training], test is test[:num_test]; images become (N, 3, 32, 32).
    """
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)
    val = slice(num_training, num_training + num_validation)
    X_val, y_val = X_train[val], y_train[val]
    X_train, y_train = X_train[:num_training], y_train[:num_training]
    X_test, y_test = X_test[:num_test], y_test[:num_test]

    def channels_first(X):
        return X.transpose(0, 3, 1, 2).copy()

    return _split_and_center(
        channels_first(X_train),
        y_train,
        channels_first(X_val),
        y_val,
        channels_first(X_test),
        y_test,
        subtract_mean,
    )


def load_digits():
    """scikit-learn's bundled digits as (X of shape (1797, 8, 8) in 0..16, y).

    Reads the CSV file that scikit-learn ships (the data behind
    ``sklearn.datasets.load_digits``) without importing scikit-learn, which alone
    takes over a second: this loader runs in every notebook and every grading kernel.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise DatasetError(
            "The embedded digits data set ships with scikit-learn, which is not installed: "
            "pip install scikit-learn"
        )
    path = os.path.join(os.path.dirname(spec.origin), "datasets", "data", "digits.csv.gz")
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def get_default_data(num_validation=300, num_test=300, subtract_mean=True, seed=0):
    """The embedded default data set: scikit-learn's 1797 handwritten digits.

    Images are (N, 1, 8, 8), scaled to [0, 1] before centring; the split is a
    seeded shuffle (1197 / 300 / 300 by default), the same on every machine.
    """
    images, y = load_digits()
    X = (images / 16.0)[:, None, :, :]
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order], y[order]
    num_training = len(y) - num_validation - num_test
    if num_training <= 0:
        raise ValueError(
            f"num_validation + num_test = {num_validation + num_test} leaves no training "
            f"examples out of {len(y)}"
        )
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    test = slice(num_training + num_validation, None)
    return _split_and_center(
        X[train], y[train], X[val], y[val], X[test], y[test], subtract_mean
    )


def spiral_plane(dim=20, seed=0):
    """A random plane of R^dim: an orthonormal basis, shape (dim, 2), drawn with ``seed``."""
    if dim < 2:
        raise ValueError(f"a spiral needs a plane: dim must be at least 2, got {dim}")
    basis, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, 2)))
    return basis


def spiral_examples(num_examples, plane, num_classes=3, rng=None, angle_noise=0.2):
    """(X of shape (num_examples, dim), y): CS231n's spiral, placed in ``plane``.

    In the plane, arm k holds the points r * (sin t, cos t) with the radius r
    uniform in [0, 1] and the angle t = 4k + 4r plus Gaussian noise of standard
    deviation ``angle_noise``, as in CS231n's spiral; every point is scaled by sqrt(6)
    so that each coordinate has variance 1. Every direction orthogonal to the plane is
    standard Gaussian noise: the plane is not visible in the inputs' variances, only
    in how the classes are arranged.
    """
    rng = np.random.default_rng(rng)
    y = rng.integers(num_classes, size=num_examples)
    r = rng.uniform(0.0, 1.0, num_examples)
    t = 4.0 * y + 4.0 * r + angle_noise * rng.standard_normal(num_examples)
    in_plane = np.sqrt(6.0) * np.c_[r * np.sin(t), r * np.cos(t)]
    noise = rng.standard_normal((num_examples, plane.shape[0]))
    X = noise - (noise @ plane) @ plane.T + in_plane @ plane.T
    return X, y


def get_spiral_data(num_training=3000, num_validation=500, num_test=500, dim=20, num_classes=3,
                    plane_seed=0, seed=0):
    """The spiral data set in the CS231n dict format: inputs (N, dim), labels 0..num_classes-1.

    ``plane_seed`` chooses the plane that holds the spiral and ``seed`` the examples;
    two data sets with the same plane are the same task. Inputs are already centred.
    """
    total = num_training + num_validation + num_test
    X, y = spiral_examples(total, spiral_plane(dim, plane_seed), num_classes, np.random.default_rng(seed))
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    test = slice(num_training + num_validation, None)
    return _split_and_center(X[train], y[train], X[val], y[val], X[test], y[test], subtract_mean=False)
