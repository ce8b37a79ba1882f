"""Data loading: CIFAR-10 from pickles in the real format, the embedded default, the hidden spiral."""

import pickle

import numpy as np
import pytest

from course.data import (
    DatasetError,
    get_CIFAR10_data,
    get_default_data,
    get_spiral_data,
    load_digits,
    spiral_examples,
    spiral_plane,
)
from course.fc_net import FullyConnectedNet
from course.optim import adam
from course.solver import Solver


def write_cifar(root, per_batch=20, seed=0):
    """A miniature cifar-10-batches-py folder in the real on-disk format."""
    rng = np.random.default_rng(seed)
    root.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {
            "data": rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8),
            "labels": list(rng.integers(0, 10, size=per_batch)),
            "batch_label": name,
        }
        with open(root / name, "wb") as f:
            pickle.dump(batch, f)
        batches[name] = batch
    return batches


def test_cifar_split_layout_and_mean_subtraction(tmp_path):
    batches = write_cifar(tmp_path / "cifar-10-batches-py")
    data = get_CIFAR10_data(
        num_training=80, num_validation=15, num_test=10, cifar10_dir=str(tmp_path / "cifar-10-batches-py")
    )
    assert data["X_train"].shape == (80, 3, 32, 32)
    assert data["X_val"].shape == (15, 3, 32, 32) and data["X_test"].shape == (10, 3, 32, 32)
    all_train = np.concatenate([batches[f"data_batch_{i}"]["data"] for i in range(1, 6)]).astype(float)
    all_labels = np.concatenate([batches[f"data_batch_{i}"]["labels"] for i in range(1, 6)])
    # Rows are 1024 red, 1024 green, 1024 blue values: channels first is a plain reshape.
    images = all_train.reshape(-1, 3, 32, 32)
    mean = images[:80].mean(axis=0)
    assert np.allclose(data["X_train"], images[:80] - mean)
    assert np.allclose(data["X_val"], images[80:95] - mean)
    assert np.array_equal(data["y_val"], all_labels[80:95])
    test_images = np.asarray(batches["test_batch"]["data"], float).reshape(-1, 3, 32, 32)
    assert np.allclose(data["X_test"], test_images[:10] - mean)
    assert np.allclose(data["X_train"].mean(axis=0), 0)


def test_missing_cifar_folder_names_path_layout_and_offline_default(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetError) as error:
        get_CIFAR10_data(cifar10_dir=str(missing))
    message = str(error.value)
    assert str(missing) in message and "data_batch_1" in message and "get_default_data()" in message


def test_missing_batch_file_is_named(tmp_path):
    write_cifar(tmp_path / "c")
    (tmp_path / "c" / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match="data_batch_3"):
        get_CIFAR10_data(cifar10_dir=str(tmp_path / "c"))


def test_corrupt_batch_file_is_named(tmp_path):
    write_cifar(tmp_path / "c")
    (tmp_path / "c" / "test_batch").write_bytes(b"this is not a pickle")
    with pytest.raises(DatasetError, match="test_batch is not a valid batch file"):
        get_CIFAR10_data(cifar10_dir=str(tmp_path / "c"))


def test_default_data_is_deterministic_and_in_the_cifar_dict_format():
    first, second = get_default_data(), get_default_data()
    assert set(first) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}
    assert first["X_train"].shape == (1197, 1, 8, 8)
    assert first["X_val"].shape == (300, 1, 8, 8) and first["X_test"].shape == (300, 1, 8, 8)
    for key in first:
        assert np.array_equal(first[key], second[key])
    assert set(np.unique(first["y_train"])) == set(range(10))
    assert np.allclose(first["X_train"].mean(axis=0), 0)


def test_embedded_digits_are_scikit_learns_digits():
    from sklearn.datasets import load_digits as sklearn_load_digits

    images, labels = load_digits()
    reference = sklearn_load_digits()
    assert np.array_equal(images, reference.images)
    assert np.array_equal(labels, reference.target)


def test_default_data_rejects_an_impossible_split():
    with pytest.raises(ValueError, match="leaves no training examples"):
        get_default_data(num_validation=1000, num_test=1000)


def test_spiral_data_is_deterministic_and_in_the_cifar_dict_format():
    first, second = get_spiral_data(), get_spiral_data()
    assert set(first) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}
    assert first["X_train"].shape == (3000, 20) and first["X_val"].shape == (500, 20)
    assert first["X_test"].shape == (500, 20)
    for key in first:
        assert np.array_equal(first[key], second[key])
    assert set(np.unique(first["y_train"])) == {0, 1, 2}
    assert not np.array_equal(get_spiral_data(seed=1)["X_train"], first["X_train"])


def test_the_spiral_lies_in_its_plane_and_the_plane_is_not_visible_in_the_variances():
    plane = spiral_plane(20, seed=5)
    assert np.allclose(plane.T @ plane, np.eye(2))
    X, y = spiral_examples(20000, plane, rng=np.random.default_rng(0))
    # In the plane: CS231n's arms, radius r in [0, 1] (times sqrt 6), angle 4k + 4r plus noise 0.2.
    u = X @ plane / np.sqrt(6)
    r = np.linalg.norm(u, axis=1)
    angle_error = np.angle(np.exp(1j * (np.arctan2(u[:, 0], u[:, 1]) - 4 * y - 4 * r)))
    assert r.max() <= 1 + 1e-9 and np.mean(np.abs(angle_error) < 0.6) > 0.99
    # Off the plane: standard noise, the same for every class.
    off = X - (X @ plane) @ plane.T
    assert abs(off.var() * 20 / 18 - 1) < 0.02
    assert all(np.abs(off[y == k].mean(axis=0)).max() < 0.05 for k in range(3))
    # Every direction has variance about 1: the plane does not stand out.
    assert np.abs(np.linalg.eigvalsh(np.cov(X.T)) - 1).max() < 0.1


def test_the_plane_seed_is_the_task_and_the_seed_the_examples():
    assert np.array_equal(spiral_plane(20, 3), spiral_plane(20, 3))
    assert np.abs(spiral_plane(20, 3).T @ spiral_plane(20, 4)).max() < 0.9
    same_task = [get_spiral_data(num_training=200, plane_seed=3, seed=seed) for seed in (1, 2)]
    assert not np.array_equal(same_task[0]["X_train"], same_task[1]["X_train"])
    with pytest.raises(ValueError, match="dim must be at least 2"):
        spiral_plane(1)


def test_a_small_network_learns_the_spiral_where_a_linear_classifier_cannot():
    data = get_spiral_data(plane_seed=11, seed=12)
    model = FullyConnectedNet([100], input_dim=20, num_classes=3, weight_scale=0.1, dtype=np.float64, seed=0)
    Solver(
        model,
        data,
        update_rule=adam,
        optim_config={"learning_rate": 1e-2},
        num_epochs=30,
        batch_size=50,
        seed=0,
        verbose=False,
    ).train()
    network = np.mean(np.argmax(model.loss(data["X_test"]), axis=1) == data["y_test"])
    A = np.c_[data["X_train"], np.ones(len(data["X_train"]))]
    W = np.linalg.lstsq(A, np.eye(3)[data["y_train"]], rcond=None)[0]
    linear = np.mean(np.argmax(np.c_[data["X_test"], np.ones(500)] @ W, axis=1) == data["y_test"])
    assert network > 0.9 and linear < 0.65
