"""Which solution cells each test cell depends on, read from the notebook's code.

Mistakes in different solution cells can share one notebook run when no test cell
that judges one of them depends on the other's cell: each is then judged exactly as
if it ran alone. The dependencies come from names: a cell uses the names it reads
(outside the functions' own parameters and locals) and defines the names it binds
at top level; a use resolves to the last cell that defines the name. Following those links
from a test cell collects every cell whose code it can run. The gate also checks the
result at run time (see ``gate``): cells that depend on none of a run's mistakes must
keep full marks.
"""

import ast
import functools

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbgrader import utils

_TRANSFORMER = TransformerManager()


class _Names(ast.NodeVisitor):
    """Top-level bindings and free uses of one cell's code: ``used`` while the cell runs,
    ``deferred`` inside functions (read when they are called)."""

    def __init__(self):
        self.defined, self.used, self.deferred = set(), set(), set()
        self._locals, self._functions = [], 0

    def _scoped(self, node, bound, function=False):
        self._locals.append(bound)
        self._functions += function
        self.generic_visit(node)
        self._functions -= function
        self._locals.pop()

    def _function(self, node):
        arguments = node.args
        bound = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        bound |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a}
        bound |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return bound

    def visit_FunctionDef(self, node):
        if not self._locals:
            self.defined.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._scoped(node, self._function(node), function=True)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._scoped(node, self._function(node), function=True)

    def visit_ClassDef(self, node):
        if not self._locals:
            self.defined.add(node.name)
        self.generic_visit(node)

    def _comprehension(self, node):
        bound = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self._scoped(node, bound)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Import(self, node):
        if not self._locals:
            self.defined |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            if not self._locals:
                self.defined.add(node.id)
        elif not any(node.id in scope for scope in self._locals):
            (self.deferred if self._functions else self.used).add(node.id)


@functools.lru_cache(maxsize=4096)
def _names(source):
    """The _Names of a cell's source (cached: the gate analyses many variants of one notebook)."""
    names = _Names()
    try:
        names.visit(ast.parse(_TRANSFORMER.transform_cell(source)))
    except SyntaxError:
        pass  # a cell that does not parse runs nothing: no names
    return names


def _cell_id(cell, index):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"


def cell_dependencies(nb):
    """test cell grade_id -> the ids of the code cells it can run (grade_id, or "cell <index>")."""
    cells = [(i, cell, _names(cell.source)) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    dependencies = {}
    for root, (index, cell, _) in enumerate(cells):
        if not (utils.is_grade(cell) and not utils.is_solution(cell)):
            continue
        reached, pending, visited = set(), [root], set()
        while pending:
            position = pending.pop()
            if position in visited:
                continue
            visited.add(position)
            names = cells[position][2]
            lookups = [(name, position) for name in names.used - names.defined]
            lookups += [(name, root + 1) for name in names.deferred]
            for name, limit in lookups:
                definer = next((p for p in range(limit - 1, -1, -1) if name in cells[p][2].defined), None)
                if definer is not None:
                    definer_index, definer_cell, _ = cells[definer]
                    reached.add(_cell_id(definer_cell, definer_index))
                    pending.append(definer)
        dependencies[_cell_id(cell, index)] = reached
    return dependencies


def solution_dependencies(nb):
    """test cell grade_id -> the grade_ids of the solution cells it can run."""
    solutions = {_cell_id(cell, i) for i, cell in enumerate(nb.cells) if utils.is_solution(cell)}
    return {test: reached & solutions for test, reached in cell_dependencies(nb).items()}


def without_untested_cells(nb):
    """A copy of ``nb`` whose plain code cells that no test cell can run are emptied.

    Such cells (demonstrations: training curves, comparisons) cannot change a verdict,
    and they are the slowest cells of a notebook.
    """
    reached = set().union(*cell_dependencies(nb).values())
    nb = nbformat.from_dict(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "nbgrader" not in cell.metadata and _cell_id(cell, index) not in reached:
            cell.source = ""
    return nb
