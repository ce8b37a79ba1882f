"""What "train your best model" costs a grading kernel: the spiral check against the digits one it replaced.

The digits check trained a student's network once, in the student's cell. The spiral check
trains twice: the student's cell trains ``best_config`` on the public spiral, and the test
cell's hidden part trains it again on the grader's spiral. Both use the course's reference
network and Adam here (the pasted reference), timed in CPU seconds of this process, single
threaded, as a grading kernel runs: the reference settings, and the largest training the
budget of ``train_from_config`` allows (3 hidden layers of 100, 30 epochs, batches of 50).
Prints medians of --repeat runs and, as its last line,
`digits_s: A spiral_reference_s: B spiral_budget_max_s: C added_per_submission_s: D`
(goal: C <= 2, the most one hidden training may cost).

Run from the repository root: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/best_model_cost.py
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from course.data import get_default_data, get_spiral_data  # noqa: E402
from course.fc_net import FullyConnectedNet  # noqa: E402
from course.optim import adam  # noqa: E402
from course.solver import Solver  # noqa: E402


def cpu_seconds(train):
    started = time.process_time()
    train()
    return time.process_time() - started


def digits_best_model():
    """The best_model cell the spiral check replaced."""
    data = get_default_data()
    model = FullyConnectedNet([100, 100], input_dim=64, weight_scale=5e-2, dtype=np.float32, seed=0)
    Solver(
        model,
        data,
        update_rule=adam,
        optim_config={"learning_rate": 1e-3},
        num_epochs=10,
        batch_size=50,
        seed=0,
        verbose=False,
    ).train()


def spiral_training(hidden_dims, num_epochs, batch_size, data):
    """What train_from_config does with these settings (the reference's learning rate and scale)."""

    def train():
        model = FullyConnectedNet(hidden_dims, input_dim=20, num_classes=3, weight_scale=0.1, dtype=np.float64, seed=0)
        Solver(
            model,
            data,
            update_rule=adam,
            optim_config={"learning_rate": 1e-2},
            num_epochs=num_epochs,
            batch_size=batch_size,
            seed=0,
            verbose=False,
        ).train()

    return train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    spiral = get_spiral_data(plane_seed=1, seed=2)
    runs = {
        "digits": digits_best_model,
        "spiral_reference": spiral_training([100], 30, 50, spiral),
        "spiral_budget_max": spiral_training([100, 100, 100], 30, 50, spiral),
    }
    seconds = {name: statistics.median(cpu_seconds(train) for _ in range(args.repeat)) for name, train in runs.items()}
    for name, value in seconds.items():
        print(f"{name:>18}: {value:.2f} s CPU ({value / seconds['digits']:.1f}x the digits check)")
    added = 2 * seconds["spiral_reference"] - seconds["digits"]
    print(
        f"digits_s: {seconds['digits']:.2f} spiral_reference_s: {seconds['spiral_reference']:.2f} "
        f"spiral_budget_max_s: {seconds['spiral_budget_max']:.2f} added_per_submission_s: {added:.2f}"
    )


if __name__ == "__main__":
    main()
