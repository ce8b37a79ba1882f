"""An assignment describes itself in assignment.toml: parsed, validated with errors that say
which file, which key and what to do, and read by the support package and the leak check."""

import shutil

import pytest
from support import ASSIGNMENT, REPO_ROOT

from autograder.authoring.leaks import find_leaks, secret_lines
from autograder.authoring.support_package import support_package_files
from autograder.course import Course
from autograder.manifest import MANIFEST_FILE, ManifestError, load_manifest

COURSE = REPO_ROOT / "course"
# A dropout assignment: students write dropout; the layers they wrote in fc_nets ship solved.
DROPOUT = """
title = "Dropout"
notebooks = ["Dropout"]

[students]
write = ["layers.dropout_forward", "layers.dropout_backward"]

[support]
modules = ["layers", "solver"]
stubbed = ["layers.batchnorm_forward"]

[checks]
kinds = ["close"]
"""
DROPOUT_MASK = "mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)"
AFFINE_SOLUTION = "out = x.reshape(x.shape[0], -1) @ w + b"


def manifest_in(tmp_path, text, name="dropout"):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "Dropout.ipynb").write_text("{}")
    (folder / MANIFEST_FILE).write_text(text)
    return str(folder / MANIFEST_FILE)


def refused(tmp_path, text):
    path = manifest_in(tmp_path, text)
    with pytest.raises(ManifestError) as error:
        load_manifest(path, "dropout", str(COURSE))
    message = str(error.value)
    assert message.startswith(path)  # which file
    return message


def test_the_fc_nets_manifest_names_what_students_write_and_what_ships():
    manifest = Course(REPO_ROOT).manifest(ASSIGNMENT)
    assert manifest.notebooks == ("FullyConnectedNets",)
    assert "layers.affine_forward" in manifest.writes and "optim.adam" in manifest.writes
    assert manifest.provided == ("layer_utils",)
    assert manifest.stubbed_in("optim") == {"sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam"}


def test_an_unknown_key_is_refused_naming_the_keys_allowed(tmp_path):
    message = refused(tmp_path, DROPOUT.replace("write =", "wirte ="))
    assert "unknown key `students.wirte`; the keys of [students] are write, provided" in message


def test_a_missing_key_and_a_wrong_type_are_refused(tmp_path):
    assert "`checks.kinds` is missing" in refused(tmp_path / "a", DROPOUT.replace('kinds = ["close"]', ""))
    message = refused(tmp_path / "b", DROPOUT.replace('modules = ["layers", "solver"]', 'modules = "layers"'))
    assert "`support.modules` must be a list of course module names" in message


def test_an_unknown_function_is_refused_naming_the_module_definitions(tmp_path):
    message = refused(tmp_path, DROPOUT.replace("layers.dropout_backward", "layers.dropout_backwards"))
    assert "`students.write`: course/layers.py defines no top-level function or class 'dropout_backwards'" in message
    assert "dropout_backward," in message  # what it does define
    message = refused(tmp_path / "b", DROPOUT.replace("layers.dropout_backward", "dropout_backward"))
    assert "'dropout_backward' is not \"module.name\"" in message
    message = refused(tmp_path / "c", DROPOUT.replace('"layers", "solver"', '"layers", "solvers"'))
    assert "`support.modules`: no course module 'solvers'" in message


def test_a_function_both_written_and_solved_is_refused(tmp_path):
    text = DROPOUT.replace(
        '"layers.dropout_backward"]', '"layers.dropout_backward", "layer_utils.affine_relu_forward"]'
    )
    text = text.replace("[support]", 'provided = ["layer_utils"]\n\n[support]')
    message = refused(tmp_path, text)
    assert "layer_utils.affine_relu_forward is both written by students (`students.write`) and given solved" in message
    message = refused(tmp_path / "b", DROPOUT.replace('"layers.batchnorm_forward"', '"layers.dropout_forward"'))
    assert "`support.stubbed`: layers.dropout_forward is written by students here, so it is stubbed" in message


def test_a_written_function_without_a_solution_region_is_refused(tmp_path):
    message = refused(tmp_path, DROPOUT.replace('"layers.dropout_backward"', '"optim.sgd"'))
    assert "course/optim.py's sgd has no ### BEGIN SOLUTION / ### END SOLUTION region" in message


def test_an_unknown_check_kind_and_a_missing_notebook_are_refused(tmp_path):
    assert "unknown kind(s) closeness" in refused(tmp_path, DROPOUT.replace('["close"]', '["closeness"]'))
    message = refused(tmp_path / "b", DROPOUT.replace('["Dropout"]', '["Dropout", "Extra"]'))
    assert "`notebooks`: no Extra.ipynb" in message


def test_nnsupport_ships_solved_what_this_assignment_does_not_ask_for(tmp_path):
    manifest = load_manifest(manifest_in(tmp_path, DROPOUT), "dropout", str(COURSE))
    files = support_package_files(str(COURSE), manifest)
    kinds = {"kinds/__init__.py", "kinds/close.py", "kinds/init.py", "kinds/accuracy.py"}
    assert (
        set(files)
        == {"__init__.py", "layers.py", "solver.py", "checks.py", "comparisons.py", "values.py", "cpu_budget.py"}
        | kinds
    )
    layers = files["layers.py"]
    assert AFFINE_SOLUTION in layers  # written in fc_nets, solved here
    assert DROPOUT_MASK not in layers and "raise NotImplementedError()" in layers
    assert "BEGIN SOLUTION" not in layers and "END SOLUTION" not in layers
    batchnorm = layers[layers.index("def batchnorm_forward") : layers.index("def batchnorm_backward")]
    assert "raise NotImplementedError()" in batchnorm  # listed under support.stubbed


def test_the_leak_check_allows_what_ships_solved_and_refuses_what_students_write(tmp_path):
    manifest = load_manifest(manifest_in(tmp_path, DROPOUT), "dropout", str(COURSE))
    secrets = secret_lines([], str(COURSE), manifest)
    assert DROPOUT_MASK in secrets and AFFINE_SOLUTION not in secrets
    assert secrets[DROPOUT_MASK] == "solution code in course/layers.py"

    def release_with(solved):
        folder = tmp_path / "release" / "-".join(sorted(solved["layers"]))
        (folder / "nnsupport").mkdir(parents=True)
        for name, text in support_package_files(str(COURSE), manifest, solved).items():
            (folder / "nnsupport" / name).parent.mkdir(exist_ok=True)
            (folder / "nnsupport" / name).write_text(text)
        return str(folder)

    assert find_leaks(release_with({"layers": {"affine_forward"}}), [], str(COURSE), {}, manifest) == []
    leaks = find_leaks(release_with({"layers": {"affine_forward", "dropout_forward"}}), [], str(COURSE), {}, manifest)
    assert any("nnsupport/layers.py: solution code in course/layers.py" in leak and "mask" in leak for leak in leaks)


def test_what_another_assignment_asks_for_ships_stubbed_unless_it_is_an_earlier_one(tmp_path):
    """fc_nets lists only the SVM loss under support.stubbed, yet dropout's and batch_norm's
    layers ship stubbed in it because those assignments ask for them; dropout gets fc_nets'
    layers solved only because it names fc_nets in support.solved_after."""
    course = Course(REPO_ROOT)
    fc_nets = course.manifest(ASSIGNMENT)
    assert fc_nets.stubbed == ("layers.svm_loss",)
    assert {"dropout_forward", "batchnorm_forward", "layernorm_backward"} <= fc_nets.stubbed_in("layers")
    assert AFFINE_SOLUTION in support_package_files(str(COURSE), course.manifest("dropout"))["layers.py"]

    root = tmp_path / "course"
    shutil.copytree(REPO_ROOT / "source_assignments", root / "source_assignments")
    shutil.copytree(COURSE, root / "course")
    dropout_manifest = root / "source_assignments" / "dropout" / MANIFEST_FILE
    text = dropout_manifest.read_text()
    dropout_manifest.write_text(text.replace('solved_after = ["fc_nets"]', ""))
    layers = support_package_files(str(COURSE), Course(root).manifest("dropout"))["layers.py"]
    assert AFFINE_SOLUTION not in layers
    affine = layers[layers.index("def affine_forward") : layers.index("def affine_backward")]
    assert "raise NotImplementedError()" in affine

    dropout_manifest.write_text(text.replace('solved_after = ["fc_nets"]', 'solved_after = ["fc_net"]'))
    with pytest.raises(ManifestError, match=r"support.solved_after.*no other assignment 'fc_net'.*batch_norm, fc_nets"):
        Course(root).manifest("dropout")


def test_an_assignment_without_a_manifest_is_told_how_to_get_one(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(REPO_ROOT / "source_assignments" / ASSIGNMENT, root / "source_assignments" / "copy")
    (root / "source_assignments" / "copy" / MANIFEST_FILE).unlink()
    shutil.copytree(COURSE, root / "course")
    with pytest.raises(ManifestError, match="assignment.toml does not exist.*`autograder new copy` writes one"):
        Course(root).manifest("copy")
