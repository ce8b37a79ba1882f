"""Learning-rate and momentum schedules, as functions of the epoch number.

Each factory returns ``schedule(epoch) -> value`` with epoch counting from 0.
The Solver calls them at the start of every epoch (``lr_schedule=``,
``momentum_schedule=``) and writes the value into every parameter's config.
Step decay is also available the CS231n way, as the Solver's ``lr_decay``.
"""

import math


def step_decay(initial_lr, drop=0.5, epochs_per_drop=10):
    """Multiply the learning rate by ``drop`` every ``epochs_per_drop`` epochs."""

    def schedule(epoch):
        return initial_lr * drop ** (epoch // epochs_per_drop)

    return schedule


def exponential_decay(initial_lr, k):
    """``initial_lr * exp(-k * epoch)``: a smooth version of step decay."""

    def schedule(epoch):
        return initial_lr * math.exp(-k * epoch)

    return schedule


def inverse_time_decay(initial_lr, k):
    """``initial_lr / (1 + k * epoch)``: the 1/t decay."""

    def schedule(epoch):
        return initial_lr / (1 + k * epoch)

    return schedule


def momentum_ramp(start=0.5, end=0.99, epochs=10):
    """Momentum rising linearly from ``start`` to ``end`` over ``epochs`` epochs, then held.

    Low momentum early lets the optimiser move freely while gradients are large;
    high momentum late smooths the noisy steps near a minimum.
    """

    def schedule(epoch):
        fraction = min(epoch / epochs, 1.0) if epochs > 0 else 1.0
        return start + (end - start) * fraction

    return schedule
