"""Held-out examples for the accuracy check of fc_nets. Authored; never released.

The notebook's data set, scikit-learn's 1797 handwritten digits, is public: an
accuracy measured on any of its splits can be earned without a network, by fitting a
classifier to the very examples it is measured on. The scored accuracy check is
therefore measured on examples that exist only in the grading bundle: the validation
and test digits (which the notebook never trains on) with Gaussian pixel noise of
standard deviation 0.1 on the [0, 1] pixel scale, drawn with a seed kept in this
file. The notebook says so, and lets students measure the same kind of examples
built from their validation split with another seed.

``autograder release`` stores the examples in the bundle and the reference
network's accuracy on them as the check's expected value; ``check_quality.md``
reports what a least-squares fit on all public digits scores on them.
"""

import numpy as np

from course.data import get_default_data

SEED = 61_208
NOISE = 0.1


def noisy_digits():
    """(X, y): the validation and test digits, preprocessed as the notebook's, plus noise."""
    data = get_default_data()
    X = np.concatenate([data["X_val"], data["X_test"]])
    y = np.concatenate([data["y_val"], data["y_test"]])
    noise = NOISE * np.random.default_rng(SEED).standard_normal(X.shape)
    return (X + noise).astype(np.float32), y


# Accuracy check name -> the function that makes its held-out examples.
HELDOUT = {"best_model.heldout_acc": noisy_digits}
