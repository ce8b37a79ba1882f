"""Train the reference network with every update rule on the embedded data set.

The pre-grading main job: one PNG comparing loss and accuracy curves, and a table
on stdout. Run it as ``python -m course.compare_update_rules [--out PATH]``.
"""

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")  # write files; no display needed

from .data import get_default_data
from .fc_net import FullyConnectedNet
from .plotting import plot_training_curves
from .solver import Solver

# Learning rates in the spirit of CS231n's comparison (Adam 1e-3, RMSprop 1e-4 on CIFAR),
# tuned once on the digits so that every rule makes visible progress in a few epochs.
LEARNING_RATES = {
    "sgd": 2e-1,
    "sgd_momentum": 5e-2,
    "nesterov_momentum": 5e-2,
    "adagrad": 1e-2,
    "rmsprop": 1e-3,
    "adam": 1e-3,
}


def train_with_each_rule(data, num_epochs=10, seed=0):
    """A trained Solver per update rule, all from the same initial weights and batches."""
    solvers = {}
    for rule, learning_rate in LEARNING_RATES.items():
        model = FullyConnectedNet(
            [100, 100],
            input_dim=data["X_train"][0].size,
            weight_scale=5e-2,
            dtype="float32",
            seed=seed,
        )
        solver = Solver(
            model,
            data,
            update_rule=rule,
            optim_config={"learning_rate": learning_rate},
            num_epochs=num_epochs,
            batch_size=100,
            seed=seed,
            verbose=False,
        )
        start = time.perf_counter()
        solver.train()
        solver.train_seconds = time.perf_counter() - start
        solvers[rule] = solver
    return solvers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="outputs/update_rules.png", help="PNG to write")
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)

    data = get_default_data()
    solvers = train_with_each_rule(data, num_epochs=args.epochs)

    print(f"{'update rule':<18} {'lr':>7} {'final loss':>11} {'train acc':>10} "
          f"{'best val acc':>13} {'seconds':>8}")
    for rule, solver in solvers.items():
        print(
            f"{rule:<18} {LEARNING_RATES[rule]:>7.0e} {solver.loss_history[-1]:>11.4f} "
            f"{solver.train_acc_history[-1]:>10.3f} {solver.best_val_acc:>13.3f} "
            f"{solver.train_seconds:>8.2f}"
        )

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    plot_training_curves(solvers, title="Update rules on the embedded digits data").savefig(
        args.out, dpi=100
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
