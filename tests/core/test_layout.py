"""The toolkit's import graph: no loops, nothing imports upwards, stages stay apart.

Ranks: the core modules directly in autograder/ (0); authoring/ and grading/ (1), which
never import each other; reporting/ and proving/ (2), which use both sides and not each
other; demo/ (3); the interfaces, the command line and the Jupyter server extension
(server/), which never import each other (4).
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
RANKS = {"core": 0, "authoring": 1, "grading": 1, "reporting": 2, "proving": 2, "demo": 3, "cli": 4, "server": 4}
STAGES = ("authoring", "grading", "reporting", "proving", "demo", "server")
CORE_PACKAGES = ("kinds",)  # sub-packages of the core (the kinds of check)


def module_name(path):
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module):
    parts = module.split(".")
    if parts[1:2] in (["cli"], ["__main__"]):
        return "cli"
    if parts[1] in CORE_PACKAGES:
        return "core"
    return parts[1] if len(parts) > 2 or parts[1] in STAGES else "core"


def imports(path):
    """Every autograder module ``path`` imports, at module level or inside a function."""
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("autograder"):
                found.add(target)
                found |= {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("autograder")}
    return found


def graph():
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {target for target in imports(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def test_nothing_imports_upwards_and_authoring_and_grading_stay_apart():
    problems = []
    for module, targets in graph().items():
        for target in targets:
            if target in ("autograder",) or target.endswith("__init__"):
                continue
            mine, theirs = stage(module), stage(target)
            if RANKS[theirs] > RANKS[mine] or (RANKS[theirs] == RANKS[mine] and mine != theirs):
                problems.append(f"{module} ({mine}) imports {target} ({theirs})")
    assert problems == []


def test_there_are_no_import_loops():
    edges = graph()
    state = {}

    def visit(module, path):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", " -> ".join(path + [module])
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            visit(target, path + [module])
        state[module] = "done"

    for module in sorted(edges):
        visit(module, [])


def test_the_rules_can_fail():
    """The checker sees a real upward import (so the tests above are not vacuous)."""
    assert "autograder.grading.state" in graph()["autograder.reporting.export"]
    assert stage("autograder.reporting.export") == "reporting" and stage("autograder.judge") == "core"
