"""Learning-rate and momentum schedules."""

import math

import pytest

from course import schedules


def test_step_decay_drops_every_n_epochs():
    schedule = schedules.step_decay(0.1, drop=0.5, epochs_per_drop=3)
    assert [schedule(e) for e in (0, 2, 3, 5, 6)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_exponential_and_inverse_time_decay():
    assert schedules.exponential_decay(0.1, k=0.5)(2) == pytest.approx(0.1 * math.exp(-1))
    assert schedules.inverse_time_decay(0.1, k=0.5)(2) == pytest.approx(0.05)


def test_momentum_ramp_rises_then_holds():
    schedule = schedules.momentum_ramp(0.5, 0.99, epochs=10)
    assert schedule(0) == 0.5
    assert schedule(5) == pytest.approx(0.745)
    assert schedule(10) == pytest.approx(0.99) and schedule(50) == pytest.approx(0.99)
