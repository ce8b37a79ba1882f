"""Mutation testing: generation (fast, from the source notebook) and runs (slow, on the released course)."""

import ast
import re

import nbformat
import numpy as np
import pytest
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, run_autograder

from autograder.authoring.library import load_library
from autograder.course import find_course
from autograder.proving.mutant_runs import same_values
from autograder.proving.mutants import OPERATORS, cell_mutants, notebook_mutants
from autograder.proving.mutation import mutation_run, summary_line

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
SUMMARY = re.compile(r"^mutants killed: (\d+)/(\d+), accepted: (\d+), equivalent: (\d+)$", re.MULTILINE)


def _source():
    return nbformat.read(SOURCE, as_version=4)


def test_generation_is_deterministic_with_300_mutants_and_every_operator():
    first, second = notebook_mutants(_source()), notebook_mutants(_source())
    assert first == second
    assert len(first) >= 300
    assert {m.operator for m in first} == set(OPERATORS)
    assert len({m.name for m in first}) == len(first)  # names identify mutants (ACCEPTED uses them)


def test_a_mutant_edits_only_solution_lines_and_reads_like_a_slip():
    source = "def f(a, b):\n    c = a\n    ### BEGIN SOLUTION\n    c = a - b\n    ### END SOLUTION\n    return c\n"
    mutants = cell_mutants("f", source)
    swap = next(m for m in mutants if m.operator == "arithmetic")
    assert swap.description == "line 3: `+` instead of `-`"  # line 3 of the cell as pasted (no markers)
    assert swap.edits == (("    c = a - b", "    c = a + b"),)
    assert {m.operator for m in mutants} >= {"arithmetic", "operands_swapped", "term_dropped"}
    assert all("c = a\n" not in new for m in mutants for _, new in m.edits)  # line 2 is never touched


def _mutated(source, mutant):
    pasted = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line)
    for old, new in mutant.edits:
        assert pasted.count(old) == 1
        pasted = pasted.replace(old, new)
    return pasted


def _by(mutants, operator):
    return [m for m in mutants if m.operator == operator]


def test_families_write_the_slips_no_single_node_change_makes():
    source = (
        "def smooth(x, state, scale):\n"
        "    ### BEGIN SOLUTION\n"
        '    state["k"] += 1\n'
        '    state["acc"] = state["acc"] + x * x\n'
        '    y = scale * x / (np.sqrt(state["acc"]) + state["tiny"]) / state["k"]\n'
        "    total = 0\n"
        "    for j in range(2, 6):\n"
        "        total += np.mean(x * x)\n"
        "    noise = scale * rng.normal(size=3)\n"
        "    ### END SOLUTION\n"
        "    return y, total, noise\n"
    )
    mutants = cell_mutants("smooth", source)
    assert {m.operator for m in mutants} >= {
        "statements_swapped",
        "state_to_local",
        "term_moved",
        "term_added",
        "term_repeated",
        "reduction_swapped",
        "scaled",
    }
    programs = {ast.dump(ast.parse(_mutated(source, m))): m for m in mutants}

    def made(*lines):
        text = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line)
        for old, new in lines:
            text = text.replace(old, new)
        return programs.get(ast.dump(ast.parse(text)))

    # The accumulator updated after the line that should use it: that line sees the old value.
    stale = made(
        ('    state["acc"] = state["acc"] + x * x\n', ""),
        ("    total = 0\n", '    state["acc"] = state["acc"] + x * x\n    total = 0\n'),
    )
    assert stale and stale.operator == "statements_swapped" and 'uses the old `state["acc"]`' in stale.diagnosis
    # The counter computed into a local and never stored; its later use reads the local.
    local = made(('    state["k"] += 1', '    k = state["k"] + 1'), ('/ state["k"]', "/ k"))
    assert local and local.operator == "state_to_local" and "never stores it" in local.diagnosis
    # The added term moved out of the divisor, in the two ways a student brackets it, and into the sqrt.
    out = made(('x / (np.sqrt(state["acc"]) + state["tiny"])', '(x / np.sqrt(state["acc"]) + state["tiny"])'))
    assert out and out.operator == "term_moved" and "instead of to the divisor" in out.diagnosis
    assert made(('(np.sqrt(state["acc"]) + state["tiny"])', 'np.sqrt(state["acc"] + state["tiny"])'))
    squared = made(('(np.sqrt(state["acc"]) + state["tiny"])', 'np.sqrt(state["acc"] + state["tiny"] ** 2)'))
    assert squared and '`state["tiny"] ** 2` inside' in squared.diagnosis
    assert made(("np.mean(x * x)", "np.mean(x) ** 2")).operator == "term_moved"
    # The divisor's safety term also added to another divisor, or to a state update.
    assert made(('/ state["k"]', '/ (state["k"] + state["tiny"])')).operator == "term_added"
    added = made(('state["acc"] + x * x', 'state["acc"] + x * x + state["tiny"]'))
    assert added and added.diagnosis.endswith('also adds `state["tiny"]` to the new `state["acc"]`')
    # The safety term added twice, or a decade too large (a hard-coded epsilon).
    twice = made(('+ state["tiny"])', '+ state["tiny"] + state["tiny"])'))
    assert twice and twice.diagnosis.endswith('adds `state["tiny"]` twice to the divisor `np.sqrt(state["acc"])`')
    assert made(('+ state["tiny"])', '+ 10 * state["tiny"])')).operator == "term_repeated"
    # A mean where the reference adds up.
    averaged = made(("np.mean(x * x)", "np.sum(x * x)"))
    assert averaged and averaged.diagnosis.endswith(
        "adds up (`sum`) where it should average (`mean`), where `total` is computed"
    )
    scaled = made(("scale * rng.normal(size=3)", "0.5 * scale * rng.normal(size=3)"))
    assert scaled and "0.5 times as spread out" in scaled.diagnosis
    assert made(("range(2, 6)", "range(5, 6)")) and made(("range(2, 6)", "range(2, 3)"))
    # A swap that would read a variable before it is assigned is a crash, not a slip: not made.
    fresh = "def f(a):\n    ### BEGIN SOLUTION\n    b = a + 1\n    c = b * 2\n    ### END SOLUTION\n    return c\n"
    assert not _by(cell_mutants("f", fresh), "statements_swapped")


def test_same_values_tells_rounding_from_a_difference():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert same_values({"a": x, "b": [1.0, x]}, {"a": x * (1 + 1e-13), "b": [1.0, x.copy()]})
    assert not same_values(x, x * (1 + 1e-6))
    assert not same_values(x, x.astype(np.float32))  # dtype counts
    assert not same_values(x, x[:, :3])
    assert not same_values({"a": x}, {"a": x, "b": x})


def _library_mistake_as_mutant(course):
    """(mistake name, mutant name) of a library mistake some mutant reproduces exactly."""
    nb = _source()
    cells = {c.metadata.nbgrader.grade_id: c.source for c in nb.cells if "nbgrader" in c.metadata}
    for mistake in load_library(course, ASSIGNMENT).mistakes.values():
        text = cells[mistake.cell]
        for old, new in mistake.edits:
            text = text.replace(old, new, 1)
        target = ast.dump(ast.parse(text))
        for mutant in cell_mutants(mistake.cell, cells[mistake.cell]):
            mutated = cells[mistake.cell]
            for old, new in mutant.edits:
                mutated = mutated.replace(old, new, 1)
            if ast.dump(ast.parse(mutated)) == target:
                return mistake, mutant
    raise AssertionError("no mutant reproduces a library mistake")


@pytest.mark.slow
def test_equivalent_rewrites_are_set_aside_and_a_library_mistake_is_killed(released_course):
    course = find_course(str(released_course))
    mistake, mutant = _library_mistake_as_mutant(course)
    cells = {"softmax_loss", mistake.cell}
    result = mutation_run(course, ASSIGNMENT, course.release(ASSIGNMENT), log=lambda _: None, cells=cells)
    by_name = {entry["name"]: entry for entry in result["mutants"]}

    # dx /= n and dx = dx / n compute the same softmax gradient: equivalent, never run by the checks.
    rewrite = by_name["softmax_loss line 17: `dx = dx / n` instead of `dx /= n`"]
    assert rewrite["status"] == "equivalent"
    killed = by_name[mutant.name]
    assert killed["status"] == "killed", killed
    assert killed["test_cell"] == mistake.caught_by
    counts = result["counts"]
    assert counts["generated"] == len(result["mutants"]) == counts["killable"] + counts["equivalent"]
    assert SUMMARY.fullmatch(summary_line(result))


@pytest.mark.slow
def test_the_command_prints_the_summary_and_its_survivors(released_course):
    result = run_autograder(released_course, "mutants", ASSIGNMENT, "--cells", "relu_forward", "sgd_momentum")
    found = SUMMARY.search(result.stdout)
    assert found, result.stdout
    killed, killable, accepted, equivalent = map(int, found.groups())
    assert killed + accepted <= killable and killable + equivalent >= 10
    assert re.search(r"^\d+ survivor\(s\)", result.stdout, re.MULTILINE)
    assert re.search(r"^\d+ mutants in [\d.]+ s$", result.stdout, re.MULTILINE)

    unknown = run_autograder(released_course, "mutants", ASSIGNMENT, "--cells", "no_such_cell", check=False)
    assert unknown.returncode == 1
    assert "no solution cells named no_such_cell" in unknown.stderr


def test_a_surviving_mutant_refuses_the_release_and_the_report_lists_it():
    """What the release keeps of a mutation run, and what it refuses: a survivor, unless accepted."""
    from autograder.proving.gate import _offenders
    from autograder.proving.mutation import mutation_quality
    from autograder.proving.report import _mutants_section

    def entry(name, status, share_lost, accepted=""):
        return dict(
            name=name,
            status=status,
            cell="relu_forward",
            operator="constant",
            test_cell="test_relu_forward",
            share_lost=share_lost,
            margin=None,
            margin_text="",
            accepted=accepted,
        )

    mutants = [
        entry("relu_forward line 5: `1` instead of `0`", "killed", 1.0),
        entry("relu_forward line 5: `-1` instead of `0`", "survived", 0.0),
        entry("relu_forward line 5: `x` instead of `np.maximum(x, 0)`", "accepted", 0.0, accepted="planted"),
    ]
    counts = {"killed": 1, "equivalent": 0, "accepted": 1, "survived": 1, "generated": 3, "killable": 3}
    quality = {
        "alternatives": [],
        "mistakes": [],
        "forge": {"points": 0, "training_points": 0, "forgeable": {}, "heldout": {}},
        "mutants": mutation_quality({"counts": counts, "mutants": mutants}),
    }
    assert quality["mutants"]["summary"] == "mutants killed: 1/3, accepted: 1, equivalent: 0"
    assert _offenders(quality) == [
        "mutant relu_forward line 5: `-1` instead of `0` (relu_forward) loses no points: add a case that "
        "catches it, or accept it in mutants.py with a reason"
    ]
    section = "\n".join(_mutants_section(quality["mutants"]))
    survivors, accepted = section.split("### Accepted")
    assert "`-1` instead of `0`" in survivors.split("### Survivors")[1]
    assert "| planted |" in accepted.split("### Weakest kills")[0]
