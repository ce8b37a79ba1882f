"""Held-out examples for the accuracy check of fc_nets. Authored; never released.

The check ``best_model.heldout_acc`` scores a network that the test cell's hidden part
trains itself, from the student's ``best_config`` with the student's
``FullyConnectedNet`` and update rule, on a spiral (``course.data.get_spiral_data``) in
a plane that only the grader knows: ``PLANE_SEED`` below, which the hidden part of
``test_best_model`` uses too (if the two disagree, the reference fails its own check
and the release refuses). The network is measured here, outside the kernel, on new
examples of that spiral, drawn with ``SEED``, which nothing in the kernel knows.

Why a spiral in a secret plane: on public data, any classifier fitted to the very
examples it is measured on can pass an accuracy threshold without a network. On
this task a linear classifier, nearest class means, nearest neighbours, a memorising
network and random features stay far below the threshold, even fitted to the
graded training examples; and in a plane nobody else knows, nothing fitted or
trained before grading can pass. ``check_quality.md`` reports each of them.
"""

import numpy as np

from course.data import spiral_examples, spiral_plane

PLANE_SEED = 90_417  # the plane of the hidden training examples in test_best_model
SEED = 61_208
NUM_EXAMPLES = 2000


def spiral_in_the_graders_plane():
    """(X, y): new examples of the spiral the hidden part of test_best_model trains on."""
    X, y = spiral_examples(NUM_EXAMPLES, spiral_plane(20, PLANE_SEED), rng=np.random.default_rng(SEED))
    return X.astype(np.float32), y


# Accuracy check name -> the function that makes its held-out examples.
HELDOUT = {"best_model.heldout_acc": spiral_in_the_graders_plane}
