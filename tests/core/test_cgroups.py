"""One budget per process tree: which cgroup hierarchy is used, what is written, and a real one here."""

import os
import subprocess

import pytest

from autograder import cgroups

MiB = 2**20


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fake_machine(tmp_path, mounts, own):
    mountinfo = write(
        tmp_path / "mountinfo",
        "".join(
            f"{i} 1 0:{i} {root} {tmp_path / point} rw,relatime - {kind} {kind} rw{options}\n"
            for i, (point, root, kind, options) in enumerate(mounts, start=30)
        ),
    )
    proc = write(tmp_path / "cgroup", "".join(f"{line}\n" for line in own))
    return str(mountinfo), str(proc)


def test_cgroup_v1_budgets_go_below_the_process_own_cgroup_of_each_controller(tmp_path):
    mounts = [
        ("fs/memory", "/", "cgroup", ",memory"),
        ("fs/cpu", "/", "cgroup", ",cpu,cpuacct"),
        ("fs/pids", "/", "cgroup", ",pids"),
        ("fs/unified", "/", "cgroup2", ""),
    ]
    (tmp_path / "fs/memory/session/abc").mkdir(parents=True)
    for folder in ("fs/cpu", "fs/pids", "fs/unified"):
        (tmp_path / folder).mkdir(parents=True)
    write(tmp_path / "fs/unified/cgroup.controllers", "")  # a cgroup2 without controllers is not used
    hierarchy, why = cgroups.find_hierarchy(
        *fake_machine(tmp_path, mounts, ["4:memory:/session/abc", "2:cpu,cpuacct:/", "8:pids:/", "0::/"])
    )
    assert why == "" and hierarchy.version == 1
    assert hierarchy.bases == {
        "memory": str(tmp_path / "fs/memory/session/abc"),
        "cpu": str(tmp_path / "fs/cpu"),
        "pids": str(tmp_path / "fs/pids"),
    }


def test_cgroup_v2_uses_the_own_cgroup_when_it_delegates_the_controllers_else_the_root(tmp_path):
    mounts = [("cg", "/", "cgroup2", "")]
    write(tmp_path / "cg/cgroup.controllers", "cpuset cpu io memory pids")
    write(tmp_path / "cg/cgroup.subtree_control", "cpu memory pids")
    own = tmp_path / "cg/job.slice"
    write(own / "cgroup.subtree_control", "memory")
    machine = fake_machine(tmp_path, mounts, ["0::/job.slice"])
    hierarchy, _ = cgroups.find_hierarchy(*machine)
    assert hierarchy.version == 2 and set(hierarchy.bases.values()) == {str(own)}
    assert set((own / "cgroup.subtree_control").read_text().split()) == {"+cpu", "+pids"}  # what was enabled

    (own / "cgroup.subtree_control").unlink()
    (own / "cgroup.subtree_control").mkdir()  # cannot be written (a populated cgroup answers EBUSY)
    hierarchy, _ = cgroups.find_hierarchy(*machine)
    assert set(hierarchy.bases.values()) == {str(tmp_path / "cg")}


def test_no_usable_hierarchy_says_which_controller_is_missing(tmp_path):
    (tmp_path / "fs/memory").mkdir(parents=True)
    hierarchy, why = cgroups.find_hierarchy(
        *fake_machine(tmp_path, [("fs/memory", "/", "cgroup", ",memory")], ["4:memory:/"])
    )
    assert hierarchy is None and "pids" in why and "cpu" in why


def test_a_v2_budget_bounds_memory_without_swap_tasks_and_cores(tmp_path, monkeypatch):
    real_mkdir = os.mkdir

    def mkdir(path, mode=0o777):  # the kernel makes a cgroup's interface files with the folder
        real_mkdir(path, mode)
        for name in ("cgroup.procs", "memory.max", "memory.swap.max", "pids.max", "cpu.max"):
            open(os.path.join(path, name), "w").close()

    monkeypatch.setattr(cgroups.os, "mkdir", mkdir)
    hierarchy = cgroups.Hierarchy(2, {c: str(tmp_path) for c in cgroups.CONTROLLERS})
    budget = cgroups.ProcessTreeBudget.create(3 * 2**30, 128, cpus=1.0, hierarchy=hierarchy)
    folder = budget.folders["memory"]
    assert {
        name: open(os.path.join(folder, name)).read()
        for name in ("memory.max", "memory.swap.max", "pids.max", "cpu.max")
    } == {"memory.max": str(3 * 2**30), "memory.swap.max": "0", "pids.max": "128", "cpu.max": "100000 100000"}
    assert budget.wrap(["bwrap", "x"])[-3:] == ["--", "bwrap", "x"]
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    budget.remove()
    assert not os.path.exists(folder)


def test_a_real_budget_holds_its_process_from_its_first_instruction_and_is_removed():
    hierarchy = cgroups.machine_hierarchy()
    if hierarchy is None:
        assert cgroups.ProcessTreeBudget.create(MiB * 512, 64) is None  # the fallback: limits per process
        return
    budget = cgroups.ProcessTreeBudget.create(512 * MiB, 64, cpus=0.5)
    try:
        inside = subprocess.run(budget.wrap(["cat", "/proc/self/cgroup"]), capture_output=True, text=True, check=True)
        name = os.path.basename(budget.folders["memory"])
        assert inside.stdout.count(name) >= (1 if hierarchy.version == 2 else 3)  # memory, pids and cpu
        if hierarchy.version == 1:
            quota = open(os.path.join(budget.folders["cpu"], "cpu.cfs_quota_us")).read().strip()
            limit = open(os.path.join(budget.folders["memory"], "memory.limit_in_bytes")).read().strip()
            assert (quota, limit) == ("50000", str(512 * MiB))
    finally:
        budget.remove()
    assert not any(os.path.exists(folder) for folder in budget.folders.values())


def test_the_wrapper_refuses_to_run_the_command_outside_its_budget(tmp_path):
    """When the shell cannot enter the cgroup, the command never starts."""
    budget = cgroups.ProcessTreeBudget(cgroups.Hierarchy(2, {}), {"memory": str(tmp_path / "missing")})
    result = subprocess.run(budget.wrap(["echo", "ran"]), capture_output=True, text=True)
    assert result.returncode == 125 and "ran" not in result.stdout


@pytest.fixture(autouse=True)
def _no_leftover_budgets():
    yield
    hierarchy = cgroups.machine_hierarchy()
    for base in set(hierarchy.bases.values()) if hierarchy else ():
        assert not [n for n in os.listdir(base) if n.startswith(f"{cgroups.PREFIX}{os.getpid()}-")]
