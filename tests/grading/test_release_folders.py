"""The release's folders are the release's alone: a submission cannot shadow its support package."""

from autograder.grading.pipeline import beside_the_release

RESTORED = {"nnsupport/__init__.py": b"", "nnsupport/data.py": b"# the release's", "public_checks.json": b"{}"}


def test_a_package_named_like_a_released_module_is_not_kept():
    submitted = {
        "FullyConnectedNets.ipynb": b"{}",
        "nnsupport/data/__init__.py": b"# the student's",
        "nnsupport/extra.py": b"",
        "notes/nnsupport/data.py": b"",
        "public_checks.json": b"[]",
        "helpers.py": b"",
    }
    kept = beside_the_release(submitted, RESTORED)
    assert sorted(kept) == [
        "FullyConnectedNets.ipynb",
        "helpers.py",
        "notes/nnsupport/data.py",
        "public_checks.json",
    ]  # a same-named file is replaced by the release's anyway
