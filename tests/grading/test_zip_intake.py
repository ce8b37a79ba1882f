"""An LMS zip export is hostile data: names, paths, sizes and entry types.

One export holds an honest submission beside entries that try to write outside the
staging folder, hide behind path or formula ids, unpack to more than a submission may
hold, or arrive as a symbolic link. Intake keeps the honest one, refuses or isolates
each of the others with its reason, and writes nothing outside the staging folder.
"""

import stat
import zipfile

from autograder.grading.collect import MAX_SUBMISSION_BYTES, collect_zip

NOTEBOOK_FILE = "FullyConnectedNets.ipynb"
HONEST = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _bomb(archive, name, size):
    """An entry of ``size`` zero bytes: a few hundred KB compressed, written in chunks."""
    chunk = bytes(2**20)
    with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as entry:
        for _ in range(size // len(chunk)):
            entry.write(chunk)


def _symlink(archive, name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, target)


def test_a_hostile_export_keeps_the_honest_submission_and_writes_only_inside_staging(tmp_path):
    export, staging = tmp_path / "export.zip", tmp_path / "staging"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"ada_1234_{NOTEBOOK_FILE}", HONEST)
        archive.writestr(f"../../escape/mallory_1_{NOTEBOOK_FILE}", HONEST)  # a path in the entry's name
        archive.writestr(f".._1_{NOTEBOOK_FILE}", HONEST)  # the id is a path
        archive.writestr(f".hidden_1_{NOTEBOOK_FILE}", HONEST)
        archive.writestr(f"=cmd_1_{NOTEBOOK_FILE}", HONEST)  # a spreadsheet formula
        _bomb(archive, f"bomber_1_{NOTEBOOK_FILE}", MAX_SUBMISSION_BYTES + 2**20)
        _symlink(archive, f"linker_1_{NOTEBOOK_FILE}", "/etc/shadow")

    found = {s.student: s for s in collect_zip(str(export), "fc_nets", str(staging))}

    assert found["ada"].problem is None and found["ada"].read()[0] == {NOTEBOOK_FILE: HONEST}
    # Only the entry's base name is used: mallory's notebook lands in mallory's own folder.
    assert found["mallory"].problem is None
    assert (staging / "mallory" / "fc_nets" / NOTEBOOK_FILE).read_bytes() == HONEST
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    for name in (f".._1_{NOTEBOOK_FILE}", f".hidden_1_{NOTEBOOK_FILE}", f"=cmd_1_{NOTEBOOK_FILE}"):
        assert found[name].status == "not collected" and "cannot tell whose it is" in found[name].problem
    assert "formula" in found[f"=cmd_1_{NOTEBOOK_FILE}"].problem
    assert found["bomber"].status == "invalid" and "exceed" in found["bomber"].problem
    assert not (staging / "bomber").exists() or not any((staging / "bomber").rglob("*.ipynb"))
    # A link entry is unpacked as the plain bytes it holds (the target's name), never as a link.
    linked = staging / "linker" / "fc_nets" / NOTEBOOK_FILE
    assert not linked.is_symlink() and linked.read_bytes() == b"/etc/shadow"
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert all(path == export or staging in path.parents for path in written), written
    assert sum(path.stat().st_size for path in written) < 2**20 + export.stat().st_size  # the bomb never landed
