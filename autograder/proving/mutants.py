"""Mutants of a solution cell: small AST changes to the reference, each read like a student's slip.

Mutation testing judges a check suite by the wrong programs it catches (as mutmut and
cosmic-ray do); the release writes its own wrong programs instead of relying only on the
mistake library. Each operator below is one small, named kind of change, applied to one
node of a solution region (the lines between BEGIN and END SOLUTION) at a time:

- ``arithmetic``: an operator swapped (``-`` instead of ``+``, ``/`` instead of ``*``, ...);
- ``comparison``: a comparison or boolean operator swapped (``>=`` instead of ``>``);
- ``off_by_one``: a step counter, an exponent, a ``range`` bound or an index off by one, or a
  ``range(a, b)`` loop run once (on ``a`` only, or on ``b - 1`` only);
- ``constant``: a number changed (``c + 1``, ``c - 1``, ``10 c``, ``c / 10``, 0);
- ``term_dropped``: one side of a sum or product, a sign, or a call like ``np.sqrt`` dropped;
- ``operands_swapped``: ``b - a`` instead of ``a - b`` (also ``/``, ``@``, ``**``);
- ``axis``: a reduction's ``axis`` changed or removed, ``keepdims`` removed, an axis added;
- ``transpose``: a ``.T`` removed, or added to an operand of ``@``;
- ``state_update_removed``: an assignment to state (``config[...]``, ``self....``, ``x += ...``)
  left out;
- ``in_place_vs_copy``: ``a += b`` written ``a = a + b`` or the reverse, an alias taken where a
  copy was, a ufunc writing into its input.

Each mutant is a ``Change`` of the library's kind (edits of whole lines of the cell as
pasted into the released notebook), so the gate's machinery applies it like a mistake.
Generation is deterministic (source order, operators in the order above); a mutant whose
code equals the reference or an earlier mutant's is left out, and each cell keeps at most
``MAX_PER_CELL``, spread evenly over its list.
"""

import ast
import copy
from dataclasses import dataclass, replace

from ..authoring.library import Change
from ..regions import BEGIN_SOLUTION, END_SOLUTION, region_line_numbers
from .rewrites import FAMILIES, rewrites

MAX_PER_CELL = 120

OPERATORS = (
    "arithmetic",
    "comparison",
    "off_by_one",
    "constant",
    "term_dropped",
    "operands_swapped",
    "axis",
    "transpose",
    "state_update_removed",
    "in_place_vs_copy",
    *FAMILIES,
)

_SWAPS = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div, ast.Add),
    ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div,),
    ast.Pow: (ast.Mult,),
    ast.MatMult: (ast.Mult,),
    ast.Mod: (ast.FloorDiv,),
}
_COMPARISONS = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt,),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt,),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.Mod: "%",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.MatMult, ast.Pow, ast.FloorDiv)
_DROPPABLE_CALLS = {"sqrt", "exp", "log", "abs", "maximum", "sum", "mean", "copy", "reshape"}
_REDUCTIONS = {"sum", "mean", "max", "min", "argmax", "std", "var"}
_UFUNCS_WITH_OUT = {"maximum", "minimum", "sqrt", "exp", "log", "add", "subtract", "multiply", "divide"}
_STATEMENT_EXPRESSIONS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)


@dataclass(frozen=True)
class Mutant:
    """One mutant: ``edits`` to solution cell ``cell``, made by ``operator``."""

    cell: str
    operator: str
    line: int  # the first changed line, counted in the cell as pasted into the released notebook
    description: str  # "line 3: `-` instead of `+`"
    edits: tuple  # ((old lines, new lines),), as a library Change's
    diagnosis: str = ""  # what a student whose values match it is told (``_diagnosis``)

    @property
    def name(self):
        return f"{self.cell} {self.description}"

    def as_change(self):
        """The mutant as a library Change (a mistake with no test cell named)."""
        return Change(self.name, self.cell, self.edits, diagnosis=self.description)


def _short(text, limit=60):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value):
    return ast.Constant(value)


def _is_number(node):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _attribute_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _plus(node, amount):
    """``node + amount`` folded when node is a number or ``x + c`` / ``x - c``."""
    if _is_number(node):
        return _number(node.value + amount)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub) and _is_number(node.right):
        total = node.right.value * (1 if isinstance(node.op, ast.Add) else -1) + amount
        if total == 0:
            return node.left
        return ast.BinOp(node.left, ast.Add() if total > 0 else ast.Sub(), _number(abs(total)))
    return ast.BinOp(node, ast.Add() if amount > 0 else ast.Sub(), _number(abs(amount)))


# Each operator: node -> [(replacement node or None for "drop the statement", old text, new text)].
# ``old``/``new`` are None when the description is the unparsed node before and after.


def _arithmetic(node):
    if isinstance(node, ast.BinOp | ast.AugAssign):
        for swap in _SWAPS.get(type(node.op), ()):
            new = copy.copy(node)
            new.op = swap()
            yield (
                new,
                _SYMBOLS[type(node.op)] + ("=" if isinstance(node, ast.AugAssign) else ""),
                _SYMBOLS[swap] + ("=" if isinstance(node, ast.AugAssign) else ""),
            )


def _comparison(node):
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        for swap in _COMPARISONS.get(type(node.ops[0]), ()):
            new = copy.copy(node)
            new.ops = [swap()]
            yield new, _SYMBOLS[type(node.ops[0])], _SYMBOLS[swap]
    if isinstance(node, ast.BoolOp):
        new = copy.copy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield new, _SYMBOLS[type(node.op)], _SYMBOLS[type(new.op)]


def _off_by_one(node):
    if isinstance(node, ast.Call) and _attribute_name(node) == "range" and len(node.args) == 2:
        start, stop = node.args  # the loop run once: on its first or only its last value
        for once in ([start, _plus(start, 1)], [_plus(stop, -1), stop]):
            new = copy.copy(node)
            new.args = once
            yield new, None, None
    if isinstance(node, ast.Call) and _attribute_name(node) == "range":
        for position, argument in enumerate(node.args):
            for amount in (1, -1):
                new = copy.copy(node)
                new.args = list(node.args)
                new.args[position] = _plus(argument, amount)
                yield new, None, None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        for amount in (1, -1):
            new = copy.copy(node)
            new.right = _plus(node.right, amount)
            yield new, None, None
    if isinstance(node, ast.AugAssign) and _is_number(node.value) and node.value.value == 1:
        for value in (0, 2):
            new = copy.copy(node)
            new.value = _number(value)
            yield new, None, None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name | ast.BinOp):
        index = node.slice
        if isinstance(index, ast.BinOp) and isinstance(index.op, ast.Add | ast.Sub) and _is_number(index.right):
            new = copy.copy(node)
            new.slice = index.left
            yield new, None, None
        elif isinstance(index, ast.Name):
            for amount in (1, -1):
                new = copy.copy(node)
                new.slice = _plus(index, amount)
                yield new, None, None


def _constant(node):
    if not _is_number(node) or isinstance(node.value, bool):
        return
    value = node.value
    if isinstance(value, int):
        candidates = [value + 1, value - 1] if value not in (0, 1) else [1 - value, 2]
    else:
        candidates = [value * 10, value / 10, 0.0] if value else [1.0]
    for candidate in candidates:
        yield _number(candidate), None, None


def _term_dropped(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.MatMult):
        yield node.left, None, None
        if isinstance(node.op, ast.Add | ast.Mult):
            yield node.right, None, None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield node.operand, None, None
    if isinstance(node, ast.Call) and _attribute_name(node) in _DROPPABLE_CALLS:
        if isinstance(node.func, ast.Attribute) and not (
            isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")
        ):
            yield node.func.value, None, None  # x.sum(...) -> x
        elif node.args:
            yield node.args[0], None, None  # np.sqrt(x) -> x


def _operands_swapped(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, _NON_COMMUTATIVE):
        new = copy.copy(node)
        new.left, new.right = node.right, node.left
        yield new, None, None


def _axis(node):
    if not isinstance(node, ast.Call):
        return
    keywords = {keyword.arg: keyword for keyword in node.keywords}
    axis = keywords.get("axis")
    if axis is not None and _is_number(axis.value):
        for value in (1 - axis.value if axis.value in (0, 1) else 0, None):
            new = copy.copy(node)
            new.keywords = [k for k in node.keywords if k is not axis]
            if value is not None:
                new.keywords.append(ast.keyword("axis", _number(value)))
            yield new, None, None
    elif axis is None and _attribute_name(node) in _REDUCTIONS and not node.args:
        for value in (0, 1):
            new = copy.copy(node)
            new.keywords = [*node.keywords, ast.keyword("axis", _number(value))]
            yield new, None, None
    keepdims = keywords.get("keepdims")
    if keepdims is not None:
        new = copy.copy(node)
        new.keywords = [k for k in node.keywords if k is not keepdims]
        yield new, None, None


def _transpose(node):
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield node.value, None, None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        for side in ("left", "right"):
            operand = getattr(node, side)
            if isinstance(operand, ast.Name):
                new = copy.copy(node)
                setattr(new, side, ast.Attribute(operand, "T", ast.Load()))
                yield new, None, None


def _state_update_removed(node):
    if isinstance(node, ast.AugAssign) or (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Subscript | ast.Attribute)
    ):
        yield None, None, None


def _in_place_vs_copy(node):
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name | ast.Subscript):
        load = copy.deepcopy(node.target)
        for child in ast.walk(load):
            if hasattr(child, "ctx"):
                child.ctx = ast.Load()
        yield ast.Assign([node.target], ast.BinOp(load, node.op, node.value), lineno=node.lineno), None, None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
        if (
            isinstance(value, ast.BinOp)
            and isinstance(value.op, ast.Add | ast.Sub | ast.Mult | ast.Div)
            and ast.dump(value.left).replace("Load", "Store") == ast.dump(target)
        ):
            yield ast.AugAssign(target, value.op, value.right, lineno=node.lineno), None, None
        if isinstance(target, ast.Name) and isinstance(value, ast.Name):
            copied = ast.Call(ast.Attribute(value, "copy", ast.Load()), [], [])
            yield ast.Assign([target], copied, lineno=node.lineno), None, None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "copy":
            yield ast.Assign([target], value.func.value, lineno=node.lineno), None, None
    if (
        isinstance(node, ast.Call)
        and _attribute_name(node) in _UFUNCS_WITH_OUT
        and node.args
        and isinstance(node.args[0], ast.Name)
        and not node.keywords
    ):
        new = copy.copy(node)
        new.keywords = [ast.keyword("out", node.args[0])]
        yield new, None, None


_GENERATORS = {
    "arithmetic": _arithmetic,
    "comparison": _comparison,
    "off_by_one": _off_by_one,
    "constant": _constant,
    "term_dropped": _term_dropped,
    "operands_swapped": _operands_swapped,
    "axis": _axis,
    "transpose": _transpose,
    "state_update_removed": _state_update_removed,
    "in_place_vs_copy": _in_place_vs_copy,
}


def _marker_lines(source):
    return {
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if BEGIN_SOLUTION in line or END_SOLUTION in line
    }


def _parents(tree):
    parents = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    return parents


def _replacement_text(node, replacement, parent):
    text = ast.unparse(replacement)
    needs_parentheses = isinstance(replacement, ast.BinOp | ast.BoolOp | ast.Compare | ast.UnaryOp | ast.IfExp)
    if needs_parentheses and isinstance(parent, ast.expr):
        return f"({text})"
    return text


def _splice(lines, node, text):
    """The lines ``node.lineno`` .. ``node.end_lineno`` with the node's span replaced by ``text``."""
    first, last = node.lineno - 1, node.end_lineno - 1
    before = lines[first][: node.col_offset]
    after = lines[last][node.end_col_offset :]
    return (before + text + after).splitlines() or [before.rstrip()]


def _unique_edit(pasted_lines, first, last, new_lines):
    """(old, new) text covering pasted lines ``first``..``last`` (0-based), widened upwards
    until ``old`` occurs once in the cell."""
    cell = "\n".join(pasted_lines)
    start = first
    while True:
        old = "\n".join(pasted_lines[start : last + 1])
        if cell.count(old) == 1 or start == 0:
            return old, "\n".join(pasted_lines[start:first] + new_lines)
        start -= 1


def _describe(operator, node, replacement, old, new, source):
    if old is not None:
        return f"`{new}` instead of `{old}`"
    original = _short(ast.get_source_segment(source, node) or ast.unparse(node))
    if replacement is None:
        return f"`{original}` left out"
    return f"`{_short(ast.unparse(replacement))}` instead of `{original}`"


def _owner(node, parents):
    """``adam`` or ``FullyConnectedNet.loss``: the function (and class) the node sits in."""
    names = []
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return ".".join(reversed(names))


def _statement(node, parents):
    while not isinstance(node, ast.stmt) and node in parents:
        node = parents[node]
    return node


def _where(statement, owner, source):
    """Where in the student's function the change sits, named by what the statement computes
    (the student's line numbers differ from the reference's)."""
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [_quoted(target, source, None) for target in targets]
        return f" where `{', '.join(names)}` is computed" if all(names) else ""
    if isinstance(statement, ast.Return):
        return f" in what `{owner.split('.')[-1]}` returns" if owner else " in the return value"
    if isinstance(statement, ast.For):
        return f" in the loop over `{_quoted(statement.target, source, None)}`"
    if isinstance(statement, ast.If | ast.While):
        return f" in the `{'if' if isinstance(statement, ast.If) else 'while'}` condition"
    return ""


def _same_kind(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.BinOp | ast.AugAssign | ast.BoolOp):
        return type(a.op) is type(b.op)
    if isinstance(a, ast.Compare):
        return [type(op) for op in a.ops] == [type(op) for op in b.ops]
    return True


_VAGUE = {
    "arithmetic": "uses another arithmetic operator in one of its terms",
    "comparison": "uses another comparison",
    "off_by_one": "has an index, exponent or bound off by one",
    "constant": "uses a different constant",
    "term_dropped": "leaves out part of an expression",
    "operands_swapped": "swaps the two sides of an operator",
    "axis": "reduces over another axis, or without keepdims",
    "transpose": "transposes an operand of `@` differently",
    "in_place_vs_copy": "writes in place where a copy is needed, or the reverse",
}
_QUOTED = 60  # longest expression a diagnosis quotes: a slip's place, never a whole formula


def _quoted(node, source, fallback):
    """The node's text as the source spells it (its quotes), or None when too long to quote."""
    text = ast.get_source_segment(source, node) if fallback is None else fallback
    if text is None:
        text = ast.unparse(node)
    if '"' in source and "'" in text and '"' not in text:
        text = text.replace("'", '"')  # unparse's quotes, put back as the cell writes them
    text = " ".join(text.split())
    return text if len(text) <= _QUOTED else None


def _with_child(parent, child, replacement):
    """A copy of ``parent`` with ``child`` replaced."""
    new = copy.copy(parent)
    for field, value in ast.iter_fields(parent):
        if value is child:
            setattr(new, field, replacement)
        elif isinstance(value, list) and any(item is child for item in value):
            setattr(new, field, [replacement if item is child else item for item in value])
    return new


def _diagnosis(operator, node, replacement, old, new, source, parents):
    """The mutant in a student's terms, for a student whose values match it: "your values
    match code that uses X instead of Y", what the checks verified (the student may have
    written X differently), and where, named by the function and the variable the statement
    computes (the student's line numbers differ from the reference's). It quotes the changed
    expression only, and only when short, never a whole formula; a left-out statement is
    named by what it updates."""
    owner = _owner(node, parents)
    prefix = f"{owner}: " if owner else ""
    statement = _statement(node, parents)
    prefix += "your values match code that "
    if replacement is None:
        target = None
        if isinstance(statement, ast.Assign | ast.AugAssign):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            target = _quoted(target, source, None)
        return (
            f"{prefix}leaves out the statement that updates `{target}`" if target else f"{prefix}leaves out a statement"
        )
    ambiguous = sum(_same_kind(other, node) for other in ast.walk(statement)) > 1
    if ambiguous and old is None and isinstance(parents.get(node), ast.expr):
        # `0` instead of `1` says nothing where the line holds several 1s: quote the term around it.
        node, replacement = parents[node], _with_child(parents[node], node, replacement)
    mine, theirs = _quoted(replacement, source, ast.unparse(replacement)), _quoted(node, source, None)
    if old is not None and not ambiguous:
        change = f"uses `{new}` instead of `{old}`"
    elif operator == "operands_swapped" and not ambiguous:
        change = f"swaps the two sides of `{_SYMBOLS[type(node.op)]}`"
    elif mine and theirs:
        change = f"uses `{mine}` instead of `{theirs}`"
    else:
        change = _VAGUE[operator]
    quotes_the_statement = isinstance(node, ast.stmt) and change == f"uses `{mine}` instead of `{theirs}`"
    return f"{prefix}{change}{'' if quotes_the_statement else _where(statement, owner, source)}"


def _unique_names(mutants, details):
    """Mutants named apart: an operator swap that its line does not tell from another is
    described by the changed expression instead (``details``), then numbered if still ambiguous."""
    counts = {}
    for mutant in mutants:
        counts[mutant.name] = counts.get(mutant.name, 0) + 1
    named, seen = [], {}
    for mutant, detail in zip(mutants, details, strict=True):
        if counts[mutant.name] > 1:
            mutant = replace(mutant, description=f"line {mutant.line}: {detail}")
        seen[mutant.name] = seen.get(mutant.name, 0) + 1
        if seen[mutant.name] > 1:
            mutant = replace(mutant, description=f"{mutant.description} (#{seen[mutant.name]})")
        named.append(mutant)
    return named


def cell_mutants(cell, source, limit=MAX_PER_CELL):
    """The mutants of one solution cell, given its source-notebook text (with the solution
    markers); [] when the cell is not Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    solution = set(region_line_numbers(source, BEGIN_SOLUTION, END_SOLUTION))
    markers = sorted(_marker_lines(source))
    lines = source.splitlines()
    pasted_lines = [line for number, line in enumerate(lines, start=1) if number not in markers]
    parents = _parents(tree)
    reference = ast.dump(tree)
    seen, mutants, details = {reference}, [], []
    nodes = sorted(
        (n for n in ast.walk(tree) if hasattr(n, "lineno") and n.lineno in solution and n.end_lineno in solution),
        key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset),
    )
    for operator in _GENERATORS:
        for node in nodes:
            for replacement, old, new in _GENERATORS[operator](node):
                statement = replacement is None or isinstance(node, ast.stmt)
                if statement and not isinstance(node, _STATEMENT_EXPRESSIONS):
                    continue
                if replacement is None:
                    indent = lines[node.lineno - 1][: node.col_offset]
                    new_lines = [indent + "pass"]
                else:
                    text = _replacement_text(node, replacement, parents.get(node))
                    new_lines = _splice(lines, node, text)
                mutated_lines = lines[: node.lineno - 1] + new_lines + lines[node.end_lineno :]
                try:
                    dumped = ast.dump(ast.parse("\n".join(mutated_lines)))
                except SyntaxError:
                    continue
                if dumped in seen:
                    continue
                seen.add(dumped)
                shift = sum(1 for marker in markers if marker < node.lineno)
                first, last = node.lineno - 1 - shift, node.end_lineno - 1 - shift
                edit = _unique_edit(pasted_lines, first, last, new_lines)
                description = f"line {first + 1}: " + _describe(operator, node, replacement, old, new, source)
                diagnosis = _diagnosis(operator, node, replacement, old, new, source, parents)
                mutants.append(Mutant(cell, operator, first + 1, description, (edit,), diagnosis))
                details.append(_describe(operator, node, replacement, None, None, source))
    mutants = _unique_names(mutants, details)
    if len(mutants) > limit:
        step = len(mutants) / limit
        mutants = [mutants[int(i * step)] for i in range(limit)]
    return mutants + _rewritten(cell, tree, source, solution, parents, seen, markers, pasted_lines)


def _rewritten(cell, tree, source, solution, parents, seen, markers, pasted_lines):
    """The mutants of ``rewrites``' families (several places, or a term moved across a
    bracket), after the single-node ones and outside their cap: a handful per cell."""
    lines, mutants = source.splitlines(), []
    for rewrite in rewrites(tree, source, solution, lambda node: _owner(node, parents), parents):
        if any(rewrite.first <= marker <= rewrite.last for marker in markers):
            continue
        mutated = lines[: rewrite.first - 1] + list(rewrite.new_lines) + lines[rewrite.last :]
        try:
            dumped = ast.dump(ast.parse("\n".join(mutated)))
        except SyntaxError:
            continue
        if dumped in seen:
            continue
        seen.add(dumped)
        shift = sum(1 for marker in markers if marker < rewrite.first)
        first, last = rewrite.first - 1 - shift, rewrite.last - 1 - shift
        edit = _unique_edit(pasted_lines, first, last, list(rewrite.new_lines))
        description = f"line {first + 1}: {rewrite.description}"
        mutants.append(Mutant(cell, rewrite.operator, first + 1, description, (edit,), rewrite.diagnosis))
    return _unique_names(mutants, [m.description for m in mutants])


def notebook_mutants(source_nb, cells=None, limit=MAX_PER_CELL):
    """Every mutant of the solution cells of a source notebook (only those in ``cells``, if
    given), in notebook order."""
    from nbgrader import utils

    mutants = []
    for cell in source_nb.cells:
        if cell.cell_type != "code" or not utils.is_solution(cell):
            continue
        grade_id = cell.metadata.nbgrader.grade_id
        if cells is None or grade_id in cells:
            mutants += cell_mutants(grade_id, cell.source, limit)
    return mutants
