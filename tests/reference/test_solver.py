"""Solver: overfitting, the embedded data set, checkpoints, schedules, errors."""

import time

import numpy as np
import pytest

from course import optim
from course.data import get_default_data
from course.fc_net import FullyConnectedNet
from course.schedules import momentum_ramp
from course.solver import Solver


@pytest.fixture(scope="module")
def digits():
    return get_default_data()


def small_model(data, seed=0, weight_scale=5e-2, **kwargs):
    return FullyConnectedNet(
        [100, 100], input_dim=data["X_train"][0].size, weight_scale=weight_scale, dtype=np.float64, seed=seed, **kwargs
    )


def test_overfits_50_samples_to_full_train_accuracy(digits):
    small = {
        "X_train": digits["X_train"][:50],
        "y_train": digits["y_train"][:50],
        "X_val": digits["X_val"],
        "y_val": digits["y_val"],
    }
    # 64 features in [-0.5, 0.5]: weight scale 0.2 plays CS231n's 1e-2 on raw CIFAR pixels.
    solver = Solver(
        small_model(digits, weight_scale=0.2),
        small,
        update_rule="sgd",
        optim_config={"learning_rate": 0.3},
        num_epochs=20,
        batch_size=25,
        print_every=10,
        seed=0,
        verbose=False,
    )
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < solver.loss_history[0] / 10


def test_reaches_95_percent_validation_accuracy_on_embedded_data(digits, capsys):
    start = time.perf_counter()
    solver = Solver(
        small_model(digits),
        digits,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        num_epochs=10,
        batch_size=50,
        seed=0,
        verbose=False,
    )
    solver.train()
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[embedded digits] best val acc {solver.best_val_acc:.3f} in {seconds:.2f} s")
    assert solver.best_val_acc >= 0.95
    # The model ends with the best parameters found, as CS231n's Solver does.
    assert solver.check_accuracy(digits["X_val"], digits["y_val"]) == solver.best_val_acc


def test_histories_follow_cs231n_bookkeeping(digits):
    solver = Solver(small_model(digits), digits, num_epochs=3, batch_size=100, seed=0, verbose=False)
    solver.train()
    iterations_per_epoch = digits["X_train"].shape[0] // 100
    assert len(solver.loss_history) == 3 * iterations_per_epoch
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 1 + 3  # first + each epoch
    assert solver.best_val_acc == max(solver.val_acc_history)


def test_checkpoint_then_resume_continues_the_same_run(digits, tmp_path):
    kwargs = dict(update_rule="adam", optim_config={"learning_rate": 1e-3}, batch_size=100, seed=7, verbose=False)
    straight = Solver(small_model(digits, dropout_keep_ratio=0.8), digits, num_epochs=4, **kwargs)
    straight.train()

    first_half = Solver(
        small_model(digits, dropout_keep_ratio=0.8),
        digits,
        num_epochs=2,
        checkpoint_name=str(tmp_path / "run"),
        **kwargs,
    )
    first_half.train()
    checkpoint = tmp_path / "run_epoch_2.pkl"
    assert checkpoint.exists() and (tmp_path / "run_epoch_1.pkl").exists()

    # A fresh process rebuilds the model from scratch; the checkpoint restores its state.
    model = small_model(digits, dropout_keep_ratio=0.8)
    model.params = {name: np.zeros_like(value) for name, value in model.params.items()}
    resumed = Solver(model, digits, num_epochs=4, resume_from=str(checkpoint), **kwargs)
    resumed.train()
    assert np.array_equal(resumed.loss_history, straight.loss_history)
    assert resumed.val_acc_history == straight.val_acc_history
    for name in straight.model.params:
        assert np.array_equal(resumed.model.params[name], straight.model.params[name])


def test_update_rule_may_be_a_function(digits):
    calls = []

    def my_sgd(w, dw, config):
        calls.append(1)
        return optim.sgd(w, dw, config)

    solver = Solver(small_model(digits), digits, update_rule=my_sgd, num_epochs=1, seed=0, verbose=False)
    solver.train()
    assert len(calls) == len(solver.loss_history) * len(solver.model.params)


def test_lr_decay_and_schedules_reach_every_parameter(digits):
    solver = Solver(
        small_model(digits),
        digits,
        update_rule="sgd_momentum",
        optim_config={"learning_rate": 1e-2},
        lr_decay=0.5,
        momentum_schedule=momentum_ramp(0.5, 0.99, epochs=2),
        num_epochs=3,
        seed=0,
        verbose=False,
    )
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-2 * 0.5**3)
        assert config["momentum"] == pytest.approx(0.99)  # epoch 2 of a 2-epoch ramp


def test_lr_schedule_sets_the_rate_at_each_epoch_start(digits):
    seen = []

    def recording_sgd(w, dw, config):
        seen.append(config["learning_rate"])
        return optim.sgd(w, dw, config)

    solver = Solver(
        small_model(digits),
        digits,
        update_rule=recording_sgd,
        lr_schedule=lambda epoch: 0.1 / (1 + epoch),
        num_epochs=2,
        batch_size=600,
        seed=0,
        verbose=False,
    )
    solver.train()
    per_epoch = len(seen) // 2
    assert set(seen[:per_epoch]) == {0.1} and set(seen[per_epoch:]) == {0.05}


def test_verbose_training_prints_progress_and_epochs(digits, capsys):
    Solver(small_model(digits), digits, num_epochs=1, seed=0, verbose=True).train()
    out = capsys.readouterr().out
    assert "(Epoch 1 / 1) train acc:" in out
    assert "it/s" in out or "s/it" in out  # the progress bar


def test_unknown_update_rule_is_a_clear_error(digits):
    with pytest.raises(ValueError, match=r'Invalid update_rule "adamw": give one of sgd, .*adam'):
        Solver(small_model(digits), digits, update_rule="adamw")
    with pytest.raises(ValueError, match="Invalid update_rule"):
        Solver(small_model(digits), digits, update_rule="np")


def test_unknown_keyword_is_a_clear_error(digits):
    with pytest.raises(ValueError, match="Unrecognized arguments learning_rate"):
        Solver(small_model(digits), digits, learning_rate=1e-3)
