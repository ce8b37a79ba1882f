"""Data loading: CIFAR-10 from pickles in the real format, and the embedded default."""

import pickle

import numpy as np
import pytest

from course.data import DatasetError, get_CIFAR10_data, get_default_data, load_digits


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
    data = get_CIFAR10_data(num_training=80, num_validation=15, num_test=10,
                            cifar10_dir=str(tmp_path / "cifar-10-batches-py"))
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
