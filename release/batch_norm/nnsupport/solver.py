"""Minibatch training loop for classification models, compatible with CS231n's Solver.

A model needs ``params`` (name -> array) and ``loss(X, y=None)`` returning scores
in test mode and ``(loss, grads)`` in train mode. Usage::

    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": 1e-3}, num_epochs=10)
    solver.train()
    solver.best_val_acc, solver.loss_history

Beyond CS231n: ``update_rule`` may be a function (so a notebook can pass the rule a
student just wrote); ``lr_schedule`` / ``momentum_schedule`` take per-epoch
schedules (see ``schedules``); ``seed`` makes minibatch sampling reproducible; and a
checkpoint holds everything needed to resume the same run (``resume_from=``).
"""

import copy
import pickle
import sys

import numpy as np
from tqdm import tqdm

from . import optim

_DEFAULTS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "lr_schedule": None,
    "momentum_schedule": None,
    "batch_size": 100,
    "num_epochs": 10,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "resume_from": None,
    "seed": None,
    "print_every": 10,
    "verbose": True,
}


def _resolve_update_rule(update_rule):
    """Return the update function for a name in ``optim`` or a callable."""
    if callable(update_rule):
        return update_rule
    if update_rule not in optim.__all__:
        raise ValueError(
            f'Invalid update_rule "{update_rule}": give one of {", ".join(optim.__all__)}, '
            "or a function (w, dw, config) -> (next_w, config)"
        )
    return getattr(optim, update_rule)


class Solver:
    """Trains a model with minibatch gradient descent and keeps the best parameters.

    Required: ``model`` and ``data``, a dict with X_train, y_train, X_val, y_val.
    Optional keyword arguments (CS231n names and defaults):
    update_rule ("sgd" or a function), optim_config ({}), lr_decay (1.0, applied at
    each epoch end), batch_size (100), num_epochs (10), num_train_samples (1000),
    num_val_samples (None = all), checkpoint_name (None), print_every (10),
    verbose (True); and lr_schedule, momentum_schedule, seed, resume_from (see the
    module docstring). Any other keyword raises ValueError.

    After ``train()``: loss_history (per iteration), train_acc_history and
    val_acc_history (per epoch, plus the first and last iteration), best_val_acc,
    best_params; and ``model.params`` holds the best parameters.
    """

    def __init__(self, model, data, **kwargs):
        unknown = sorted(set(kwargs) - set(_DEFAULTS))
        if unknown:
            raise ValueError(
                f"Unrecognized arguments {', '.join(unknown)}; Solver accepts "
                f"{', '.join(_DEFAULTS)}"
            )
        options = {**_DEFAULTS, **kwargs}

        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]

        self.update_rule = _resolve_update_rule(options["update_rule"])
        self.optim_config = dict(options["optim_config"] or {})
        self.lr_decay = options["lr_decay"]
        self.lr_schedule = options["lr_schedule"]
        self.momentum_schedule = options["momentum_schedule"]
        self.batch_size = options["batch_size"]
        self.num_epochs = options["num_epochs"]
        self.num_train_samples = options["num_train_samples"]
        self.num_val_samples = options["num_val_samples"]
        self.checkpoint_name = options["checkpoint_name"]
        self.print_every = options["print_every"]
        self.verbose = options["verbose"]
        self.rng = np.random.default_rng(options["seed"])

        self._reset()
        if options["resume_from"] is not None:
            self.load_checkpoint(options["resume_from"])

    def _reset(self):
        """Fresh bookkeeping, and one copy of optim_config per parameter."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self):
        """One gradient update on a minibatch sampled with replacement."""
        batch = self.rng.choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(loss)

        for name, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config

    def _apply_schedules(self):
        """Write this epoch's scheduled learning rate / momentum into every config."""
        for config in self.optim_configs.values():
            if self.lr_schedule is not None:
                config["learning_rate"] = self.lr_schedule(self.epoch)
            if self.momentum_schedule is not None:
                config["momentum"] = self.momentum_schedule(self.epoch)

    def save_checkpoint(self, path=None):
        """Pickle everything needed to continue this run exactly where it stands."""
        path = path or "%s_epoch_%d.pkl" % (self.checkpoint_name, self.epoch)
        checkpoint = {
            "params": self.model.params,
            "bn_params": getattr(self.model, "bn_params", None),
            "optim_configs": self.optim_configs,
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "rng_state": self.rng.bit_generator.state,
            "best_val_acc": self.best_val_acc,
            "best_params": self.best_params,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        if self.verbose:
            print(f'Saving checkpoint to "{path}"')
        with open(path, "wb") as f:
            pickle.dump(checkpoint, f)
        return path

    def load_checkpoint(self, path):
        """Restore the model and the training state saved by ``save_checkpoint``.

        ``train()`` then continues from the saved epoch up to ``num_epochs``.
        """
        with open(path, "rb") as f:
            checkpoint = pickle.load(f)
        self.model.params = checkpoint["params"]
        if checkpoint["bn_params"] is not None:
            self.model.bn_params = checkpoint["bn_params"]
        self.optim_configs = checkpoint["optim_configs"]
        self.epoch = checkpoint["epoch"]
        self.rng.bit_generator.state = checkpoint["rng_state"]
        self.best_val_acc = checkpoint["best_val_acc"]
        self.best_params = checkpoint["best_params"]
        self.loss_history = checkpoint["loss_history"]
        self.train_acc_history = checkpoint["train_acc_history"]
        self.val_acc_history = checkpoint["val_acc_history"]

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of examples whose highest score is the true label.

        With num_samples, a random subsample of that size is scored (cheaper on big sets).
        """
        n = X.shape[0]
        if num_samples is not None and n > num_samples:
            subset = self.rng.choice(n, num_samples)
            X, y = X[subset], y[subset]
            n = num_samples

        predictions = [
            np.argmax(self.model.loss(X[start : start + batch_size]), axis=1)
            for start in range(0, n, batch_size)
        ]
        return float(np.mean(np.concatenate(predictions) == y))

    def _record_accuracy(self):
        train_acc = self.check_accuracy(
            self.X_train, self.y_train, num_samples=self.num_train_samples
        )
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = copy.deepcopy(self.model.params)
        return train_acc, val_acc

    def train(self):
        """Run the optimisation from the current epoch to ``num_epochs``."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        first = self.epoch * iterations_per_epoch

        progress = tqdm(
            total=num_iterations,
            initial=first,
            disable=not self.verbose,
            file=sys.stdout,
            unit="it",
            dynamic_ncols=True,
        )
        for t in range(first, num_iterations):
            if t % iterations_per_epoch == 0:
                self._apply_schedules()
            self._step()
            progress.update()
            if t % self.print_every == 0:
                progress.set_postfix(loss=f"{self.loss_history[-1]:.4f}", refresh=False)

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:  # set by every rule on its first step
                        config["learning_rate"] *= self.lr_decay

            # Accuracy on the first iteration, the last one and at the end of each epoch.
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc, val_acc = self._record_accuracy()
                if self.verbose:
                    progress.write(
                        "(Epoch %d / %d) train acc: %f; val_acc: %f"
                        % (self.epoch, self.num_epochs, train_acc, val_acc),
                        file=sys.stdout,
                    )
            if epoch_end and self.checkpoint_name is not None:
                self.save_checkpoint()
        progress.close()

        # At the end of training swap the best params into the model.
        if self.best_params:
            self.model.params = self.best_params
