"""Held-out examples for the accuracy check of batch_norm. Authored; never released.

The check ``normalized_network.heldout_acc`` scores a batch-normalised network that the
hidden part of ``test_normalized_network`` trains itself, with the locked
``train_normalized`` (fixed settings) on the student's normalization layers and
``FullyConnectedNet``, on a spiral (``course.data.get_spiral_data``) in a plane that only
the grader knows: ``PLANE_SEED`` below, which that hidden part uses too (if the two
disagree, the reference fails its own check and the release refuses). The grader measures
the network here, outside the kernel, in test mode with the running averages the
student's code kept, on new examples of that spiral drawn with ``SEED``, which nothing in
the kernel knows. The reference classifies 94% of them; the threshold is 85%, as in fc_nets.

Why a spiral in a secret plane: see grading_bundle/fc_nets/heldout.py. Nothing fitted
before grading can pass, and classifiers that are not trained networks stay far below
the threshold.
"""

import numpy as np

from course.data import spiral_examples, spiral_plane

PLANE_SEED = 47_093  # the plane of the hidden training examples in test_normalized_network
SEED = 55_301
NUM_EXAMPLES = 2000


def spiral_in_the_graders_plane():
    """(X, y): new examples of the spiral the hidden part of test_normalized_network trains on."""
    X, y = spiral_examples(NUM_EXAMPLES, spiral_plane(20, PLANE_SEED), rng=np.random.default_rng(SEED))
    return X.astype(np.float32), y


# Accuracy check name -> the function that makes its held-out examples.
HELDOUT = {"normalized_network.heldout_acc": spiral_in_the_graders_plane}
