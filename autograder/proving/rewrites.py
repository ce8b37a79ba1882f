"""Mutants no single-node change makes: the slips of order, state and bracketing students write.

``mutants`` changes one node at a time. Some of the commonest wrong programs change several
places at once, or move a term across a bracket, so no single operator there produces them;
each family below writes one such kind, generically (from the shape of the code, never from
a particular assignment's formula):

- ``statements_swapped``: two adjacent assignments, one of which reads what the other writes,
  in the other order (a cache updated after the step that should use it: the step sees the
  old cache);
- ``state_to_local``: an update of state kept in a dict (``config["t"] += 1``) written to a
  local variable of the same name instead, the later uses reading the local: the new value
  is used in this call but never stored for the next one;
- ``term_moved``: an added term (an epsilon) moved across a bracket: out of a denominator
  (``a * b / (x + e)`` written ``a * b / x + e`` or ``a * (b / x + e)``), or into or out of a
  call (``sqrt(x) + e`` written ``sqrt(x + e)``, and the reverse); or a square moved out of
  a sum (``sum(x * x)`` written ``sum(x) ** 2``); moved into ``sqrt`` it may be squared too
  (``sqrt(x + e ** 2)``);
- ``term_added``: a divisor's safety term (``x / (y + eps)``: eps) also added to another divisor
  of the function or to a state update (``cache = ... + eps``), as if every quantity needed it;
- ``term_repeated``: a divisor's safety term added twice (``x / (y + eps + eps)``: once in
  the formula and once more by habit) or ten times over (``10 * eps``: a hard-coded epsilon
  a decade from the one the caller passed);
- ``reduction_swapped``: a mean where the reference sums, or a sum where it averages
  (``np.mean(dout, axis=0)`` for ``np.sum(dout, axis=0)``): a gradient averaged over the batch
  that should add up, a loss summed that should be averaged;
- ``scaled``: a random draw scaled by a constant factor (``0.5 * weight_scale * rng.normal(...)``):
  weights spread wider or narrower than asked, by one of ``FACTORS``.

Each generator takes the cell's parsed tree and yields ``Rewrite``s: the span of source lines
(1-based, inclusive) it replaces, the new lines, a description and the student-facing
diagnosis, in the words of ``mutants._diagnosis`` ("your values match code that ...").
"""

import ast
import copy
from dataclasses import dataclass

FAMILIES = (
    "statements_swapped",
    "state_to_local",
    "term_moved",
    "term_added",
    "term_repeated",
    "reduction_swapped",
    "scaled",
)

# Halved, doubled, a decade either way: the commonest factors a spread is mistaken by.
FACTORS = (0.1, 0.5, 2.0, 10.0)
_SAMPLERS = {"standard_normal", "randn", "normal", "uniform", "rand", "random", "random_sample"}
_MOVABLE_CALLS = {"sqrt", "log", "exp"}
_SUMS = {"sum", "mean"}
_ASSIGNMENTS = (ast.Assign, ast.AugAssign)


@dataclass(frozen=True)
class Rewrite:
    operator: str
    first: int  # first replaced source line (1-based)
    last: int  # last replaced source line (1-based, inclusive)
    new_lines: tuple
    description: str
    diagnosis: str


def _text(node, source):
    """The node as the source spells it (double quotes kept), on one line."""
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    if '"' in source and "'" in text and '"' not in text:
        text = text.replace("'", '"')
    return " ".join(text.split())


def _unparsed(node, source):
    text = ast.unparse(node)
    if '"' in source and "'" in text and '"' not in text:
        text = text.replace("'", '"')
    return text


def _targets(statement):
    return statement.targets if isinstance(statement, ast.Assign) else [statement.target]


def _writes(statement, source):
    names = set()
    for target in _targets(statement):
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        names |= {_text(element, source) for element in elements}
    return names


def _reads(statement, source):
    """Every name, subscript or attribute the statement reads (an augmented target included)."""
    nodes = [statement.value] + ([statement.target] if isinstance(statement, ast.AugAssign) else [])
    return {
        _text(node, source)
        for root in nodes
        for node in ast.walk(root)
        if isinstance(node, ast.Name | ast.Subscript | ast.Attribute)
    }


def _bodies(tree):
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                yield body


def _defined_before(statement, parents, source):
    """The variables that already hold a value where ``statement`` starts (the function's
    arguments, what earlier statements and loops of the function assign), or None outside a
    function."""
    function = statement
    while function in parents and not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        function = parents[function]
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, _ASSIGNMENTS) and node.end_lineno < statement.lineno:
            names |= _writes(node, source)
        if isinstance(node, ast.For) and node.lineno < statement.lineno:
            names.add(_text(node.target, source))
    return names


def _existing(values, known):
    """``values`` that hold something before the pair: state (subscripts, attributes) and
    ``known`` variables; reading a variable not yet assigned is a crash, not a slip with values."""
    return {v for v in values if known is None or not v.isidentifier() or v in known}


def _prefix(owner):
    return (f"{owner}: " if owner else "") + "your values match code that "


def statements_swapped(tree, source, lines, solution, owner_of, parents):
    for body in _bodies(tree):
        for first, second in zip(body, body[1:], strict=False):
            if not (isinstance(first, _ASSIGNMENTS) and isinstance(second, _ASSIGNMENTS)):
                continue
            if not {first.lineno, first.end_lineno, second.lineno, second.end_lineno} <= solution:
                continue
            known = _defined_before(first, parents, source)
            stale = _existing(_writes(first, source) & _reads(second, source), known)
            early = _existing(_writes(second, source) & _reads(first, source), known)
            if not (stale or early):
                continue
            a, b = ", ".join(sorted(_writes(first, source))), ", ".join(sorted(_writes(second, source)))
            if stale:
                why = f"so `{b}` uses the old `{sorted(stale)[0]}`"
            else:
                why = f"so `{a}` uses the new `{sorted(early)[0]}`"
            span = lines[first.lineno - 1 : second.end_lineno]
            gap = lines[first.end_lineno : second.lineno - 1]
            upper = lines[first.lineno - 1 : first.end_lineno]
            lower = lines[second.lineno - 1 : second.end_lineno]
            assert span == upper + gap + lower
            yield Rewrite(
                "statements_swapped",
                first.lineno,
                second.end_lineno,
                tuple(lower + gap + upper),
                f"`{a}` computed after `{b}` instead of before it",
                f"{_prefix(owner_of(first))}computes `{a}` after `{b}` instead of before it ({why})",
            )


def _key(node):
    """``k`` of ``name["k"]`` when k can name a local variable, else None."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and node.slice.value.isidentifier()
    ):
        return node.slice.value
    return None


def _replace_spans(lines, replacements):
    """``lines`` with each (node, text) replaced by its span; nodes never overlap."""
    lines = list(lines)
    for node, text in sorted(replacements, key=lambda r: (r[0].lineno, r[0].col_offset), reverse=True):
        first, last = node.lineno - 1, node.end_lineno - 1
        lines[first : last + 1] = [lines[first][: node.col_offset] + text + lines[last][node.end_col_offset :]]
    return lines


def state_to_local(tree, source, lines, solution, owner_of):
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {
            a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)
        }
        statements = [s for s in ast.walk(function) if isinstance(s, ast.stmt)]
        for statement in statements:
            if not isinstance(statement, _ASSIGNMENTS) or len(_targets(statement)) != 1:
                continue
            target = _targets(statement)[0]
            key = _key(target)
            if key is None or key in used or not {statement.lineno, statement.end_lineno} <= solution:
                continue
            spelled = _text(target, source)
            later = sorted(
                (
                    s
                    for s in statements
                    if s.lineno > statement.end_lineno and isinstance(s, (*_ASSIGNMENTS, ast.Return))
                ),
                key=lambda s: s.lineno,
            )
            uses = []
            for other in later:
                if isinstance(other, _ASSIGNMENTS) and spelled in _writes(other, source):
                    break
                roots = [other.value] if other.value is not None else []
                uses += [
                    n
                    for root in roots
                    for n in ast.walk(root)
                    if isinstance(n, ast.Subscript) and _text(n, source) == spelled
                ]
            single = statement.lineno == statement.end_lineno and all(u.lineno == u.end_lineno for u in uses)
            if not uses or not single or not all(u.lineno in solution for u in uses):
                continue
            load = copy.deepcopy(target)
            for child in ast.walk(load):
                if hasattr(child, "ctx"):
                    child.ctx = ast.Load()
            value = (
                statement.value if isinstance(statement, ast.Assign) else ast.BinOp(load, statement.op, statement.value)
            )
            new = [(statement, f"{key} = {_unparsed(value, source)}")] + [(u, key) for u in uses]
            last = max(u.end_lineno for u in uses)
            changed = _replace_spans(lines, new)[statement.lineno - 1 : last]
            yield Rewrite(
                "state_to_local",
                statement.lineno,
                last,
                tuple(changed),
                f"`{spelled}` kept in a local `{key}`, never stored",
                f"{_prefix(owner_of(statement))}computes the new `{spelled}` in a local variable and never stores it "
                f"in `{spelled}` (the next call starts from the old value)",
            )


def _with(parent, child, replacement):
    new = copy.copy(parent)
    for field, value in ast.iter_fields(parent):
        if value is child:
            setattr(new, field, replacement)
    return new


def _term_moves(node):
    """(replacement, how) of each bracket move of an added term at ``node``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        divisor = node.right
        if isinstance(divisor, ast.BinOp) and isinstance(divisor.op, ast.Add):
            term = divisor.right
            quotient = ast.BinOp(node.left, ast.Div(), divisor.left)
            yield ast.BinOp(quotient, ast.Add(), term), (term, quotient)
            if isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Mult):
                quotient = ast.BinOp(node.left.right, ast.Div(), divisor.left)
                yield ast.BinOp(node.left.left, ast.Mult(), ast.BinOp(quotient, ast.Add(), term)), (term, quotient)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        call = node.left
        if isinstance(call, ast.Call) and _name(call) in _MOVABLE_CALLS and len(call.args) == 1 and not call.keywords:
            moved = copy.copy(call)
            moved.args = [ast.BinOp(call.args[0], ast.Add(), node.right)]
            yield moved, (node.right, f"inside `{_name(call)}(...)`")
            if _name(call) == "sqrt":  # squared on the way in, to keep its size
                squared = copy.copy(call)
                squared.args = [ast.BinOp(call.args[0], ast.Add(), ast.BinOp(node.right, ast.Pow(), ast.Constant(2)))]
                yield squared, (node.right, "squared inside `sqrt(...)`")
    if isinstance(node, ast.Call) and _name(node) in _SUMS and len(node.args) == 1 and _squares(node.args[0]):
        reduced = copy.copy(node)
        reduced.args = [_squares(node.args[0])]
        yield ast.BinOp(reduced, ast.Pow(), ast.Constant(2)), (None, None)
    if isinstance(node, ast.Call) and _name(node) in _MOVABLE_CALLS and len(node.args) == 1 and not node.keywords:
        argument = node.args[0]
        if isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Add):
            inner = copy.copy(node)
            inner.args = [argument.left]
            yield ast.BinOp(inner, ast.Add(), argument.right), (argument.right, f"after `{_name(node)}(...)`")


def _squares(node):
    """``x`` of ``x * x`` or ``x ** 2``, else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and ast.dump(node.left) == ast.dump(node.right):
        return node.left
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Pow)
        and ast.dump(node.right) == ast.dump(ast.Constant(2))
    ):
        return node.left
    return None


def _name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _one_line(node, replacement, parent, lines, source):
    text = _unparsed(replacement, source)
    if isinstance(replacement, ast.BinOp) and isinstance(parent, ast.expr):
        text = f"({text})"
    first, last = node.lineno - 1, node.end_lineno - 1
    return (lines[first][: node.col_offset] + text + lines[last][node.end_col_offset :]).splitlines()


def term_moved(tree, source, lines, solution, owner_of, parents):
    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or not {node.lineno, node.end_lineno} <= solution:
            continue
        for replacement, (term, where) in _term_moves(node):
            spelled = _text(term, source) if term is not None else ""
            if where is None:
                how = f"squares after `{_name(node)}(...)` instead of before it"
            elif isinstance(where, ast.AST):
                how = f"adds `{spelled}` to `{_unparsed(where, source)}` instead of to the divisor"
            elif where.startswith("squared"):
                how = f"adds `{spelled} ** 2` inside `sqrt(...)` instead of `{spelled}` after it"
            else:
                how = f"adds `{spelled}` {where} instead of " + (
                    "after it" if where.startswith("inside") else "inside it"
                )
            yield Rewrite(
                "term_moved",
                node.lineno,
                node.end_lineno,
                tuple(_one_line(node, replacement, parents.get(node), lines, source)),
                f"`{_unparsed(replacement, source)}` instead of `{_text(node, source)}`",
                f"{_prefix(owner_of(node))}{how}",
            )


def _guarded_division(node):
    """Whether ``node`` is ``x / (y + eps)``: a division whose divisor adds a term (a name, an
    item, an attribute or a number) to keep it from zero."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.right, ast.BinOp)
        and isinstance(node.right.op, ast.Add)
        and isinstance(node.right.right, ast.Name | ast.Subscript | ast.Attribute | ast.Constant)
    )


def _safety_terms(function):
    """The terms a divisor of ``function`` adds to keep it from zero (``x / (y + eps)``: eps)."""
    terms = {}
    for node in ast.walk(function):
        if _guarded_division(node):
            terms.setdefault(ast.dump(node.right.right), node.right.right)
    return list(terms.values())


def _contains(node, term):
    return any(ast.dump(child) == ast.dump(term) for child in ast.walk(node))


def term_added(tree, source, lines, solution, owner_of, parents):
    """A divisor's safety term also added to another divisor, or to a state update."""
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        for term in _safety_terms(function):
            spelled = _text(term, source)
            for node in ast.walk(function):
                if not hasattr(node, "lineno") or not {node.lineno, node.end_lineno} <= solution:
                    continue
                statement = node
                while not isinstance(statement, ast.stmt):
                    statement = parents[statement]
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and not _contains(node.right, term):
                    where = ", ".join(sorted(_writes(statement, source))) if isinstance(statement, _ASSIGNMENTS) else ""
                    target, replacement = node, ast.BinOp(node.left, ast.Div(), ast.BinOp(node.right, ast.Add(), term))
                    how = f"also adds `{spelled}` to the divisor `{_text(node.right, source)}`" + (
                        f" where `{where}` is computed" if where else ""
                    )
                elif (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and _key(node.targets[0])
                    and not _contains(node.value, term)
                    and node.lineno == node.end_lineno
                ):
                    target, replacement = node.value, ast.BinOp(node.value, ast.Add(), term)
                    how = f"also adds `{spelled}` to the new `{_text(node.targets[0], source)}`"
                else:
                    continue
                yield Rewrite(
                    "term_added",
                    target.lineno,
                    target.end_lineno,
                    tuple(_one_line(target, replacement, parents.get(target), lines, source)),
                    f"`{_unparsed(replacement, source)}` instead of `{_text(target, source)}`",
                    f"{_prefix(owner_of(target))}{how}",
                )


def term_repeated(tree, source, lines, solution, owner_of, parents):
    """A divisor's safety term (``x / (y + eps)``) added twice, or ten times over."""
    for node in ast.walk(tree):
        if not _guarded_division(node) or not {node.lineno, node.end_lineno} <= solution:
            continue
        divisor = node.right
        term, spelled = divisor.right, _text(divisor.right, source)
        where = f"the divisor `{_text(divisor.left, source)}`"
        for bigger, how in (
            (ast.BinOp(divisor, ast.Add(), term), f"adds `{spelled}` twice to {where}"),
            (
                ast.BinOp(divisor.left, ast.Add(), ast.BinOp(ast.Constant(10), ast.Mult(), term)),
                f"adds 10 times `{spelled}` to {where}",
            ),
        ):
            replacement = ast.BinOp(node.left, ast.Div(), bigger)
            yield Rewrite(
                "term_repeated",
                node.lineno,
                node.end_lineno,
                tuple(_one_line(node, replacement, parents.get(node), lines, source)),
                f"`{_unparsed(replacement, source)}` instead of `{_text(node, source)}`",
                f"{_prefix(owner_of(node))}{how}",
            )


_OTHER_REDUCTION = {"sum": "mean", "mean": "sum"}
_REDUCTION_WORDS = {
    "sum": "adds up (`sum`) where it should average (`mean`)",
    "mean": "averages (`mean`) where it should add up (`sum`)",
}


def reduction_swapped(tree, source, lines, solution, owner_of, parents):
    """``mean`` for ``sum`` and the reverse, as ``np.sum(x)`` or as ``x.sum()``."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in _OTHER_REDUCTION or not {node.lineno, node.end_lineno} <= solution:
            continue
        new = _OTHER_REDUCTION[node.func.attr]
        replacement = copy.copy(node)
        replacement.func = ast.Attribute(node.func.value, new, ast.Load())
        statement = node
        while not isinstance(statement, ast.stmt):
            statement = parents[statement]
        written = ", ".join(sorted(_writes(statement, source))) if isinstance(statement, _ASSIGNMENTS) else ""
        yield Rewrite(
            "reduction_swapped",
            node.lineno,
            node.end_lineno,
            tuple(_one_line(node, replacement, parents.get(node), lines, source)),
            f"`{_unparsed(replacement, source)}` instead of `{_text(node, source)}`",
            f"{_prefix(owner_of(node))}{_REDUCTION_WORDS[new]}"
            + (f", where `{written}` is computed" if written else ""),
        )


def scaled(tree, source, lines, solution, owner_of, parents):
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
            continue
        if not {node.lineno, node.end_lineno} <= solution:
            continue
        if not any(isinstance(side, ast.Call) and _name(side) in _SAMPLERS for side in (node.left, node.right)):
            continue
        for factor in FACTORS:
            # ``f * a * b``, as a student writes it (the same tree as ``(f * a) * b``).
            replacement = ast.BinOp(ast.BinOp(ast.Constant(factor), ast.Mult(), node.left), ast.Mult(), node.right)
            yield Rewrite(
                "scaled",
                node.lineno,
                node.end_lineno,
                tuple(_one_line(node, replacement, parents.get(node), lines, source)),
                f"`{factor:g} * {_text(node, source)}`",
                f"{_prefix(owner_of(node))}draws random values {factor:g} times as spread out as "
                f"`{_text(node, source)}`",
            )


def rewrites(tree, source, solution, owner_of, parents):
    """Every ``Rewrite`` of the families, in the order of ``FAMILIES``."""
    lines = source.splitlines()
    yield from statements_swapped(tree, source, lines, solution, owner_of, parents)
    yield from state_to_local(tree, source, lines, solution, owner_of)
    yield from term_moved(tree, source, lines, solution, owner_of, parents)
    yield from term_added(tree, source, lines, solution, owner_of, parents)
    yield from term_repeated(tree, source, lines, solution, owner_of, parents)
    yield from reduction_swapped(tree, source, lines, solution, owner_of, parents)
    yield from scaled(tree, source, lines, solution, owner_of, parents)
