"""Mutants inside solution regions: the wrong answers students write, as small source edits.

    mutants(region) -> list[Mutant]        every mutant of one region, in source order
    OPERATORS                               the registry: name -> Operator (its doc names the mistake)
    sampled_mutants(region, limit)          at most `limit` of them, chosen deterministically

A knockout (the region replaced by nbgrader's stub) proves that a graded test *runs* the
student's code; a mutant proves that it *checks* it. Each operator models one mistake
students make in numerical code (a wrong operator, a missing `axis`, a forgotten epsilon,
zeros of the right shape...) and turns one node of the region into the wrong version.
The edit is textual and confined to the node's own characters, so every other line keeps
its text and its number (a multi-line node is padded with newlines): tracebacks and
findings point at the real source line.

Every mutant compiles (those that do not are dropped), and mutants that cannot change
behaviour where that can be known statically are dropped too: the same tree as the
original (`x - 0` -> `x + 0` is not generated), a dropped `+ 0` or `* 1`, `axis=None` or
`keepdims=False` removed, two operators giving one text. Nothing here runs course code:
`audits.bite` runs the mutants in its worker, forked just before the mutated cell.

Not mutated: error messages (anything under `raise`, the message of an `assert`),
f-strings and other string constants, docstrings, type annotations, and cells whose raw
text is not plain Python (notebook magics).
"""

from __future__ import annotations

import ast
import copy
import functools
import itertools
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from audits.solutions import Region

Mutation = Callable[[ast.AST, "Where"], Iterator[ast.AST]]


@dataclass(frozen=True)
class Operator:
    """A mutation operator: `mutate(node, where)` yields the wrong versions of one node."""

    name: str
    mistake: str  # the student's mistake it models, one line (its function's docstring)
    mutate: Mutation


OPERATORS: dict[str, Operator] = {}


def operator(name: str) -> Callable[[Mutation], Mutation]:
    """Register a mutation function under `name`; its docstring names the mistake."""

    def register(function: Mutation) -> Mutation:
        OPERATORS[name] = Operator(name, " ".join((function.__doc__ or "").split()), function)
        return function

    return register


@dataclass(frozen=True)
class Where:
    """What an operator may need to know about the node's surroundings."""

    parent: ast.AST | None
    function: ast.FunctionDef | ast.AsyncFunctionDef | None  # the innermost function around it


# -- small AST helpers --------------------------------------------------------------------


def _replace(node: ast.AST, **fields) -> ast.AST:
    new = copy.deepcopy(node)
    for key, value in fields.items():
        setattr(new, key, value)
    return new


def _int(node: ast.AST | None) -> int | None:
    """The value of an integer literal (`3`, `-1`), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _number(value: int) -> ast.expr:
    return ast.Constant(value) if value >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-value))


def _shift(node: ast.expr, by: int) -> ast.expr:
    """`node + by` (folded when node is a literal)."""
    value = _int(node)
    if value is not None:
        return _number(value + by)
    return ast.BinOp(copy.deepcopy(node), ast.Add() if by > 0 else ast.Sub(), ast.Constant(abs(by)))


def _is_constant(node: ast.AST, *values) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value in values


def _call_name(call: ast.Call) -> str:
    """"np.sum" for `np.sum(...)`, ".sum" for `x.sum(...)` on anything else, "sum" for `sum(...)`."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy", "math", "copy"):
            return f"{func.value.id}.{func.attr}".replace("numpy.", "np.")
        return f".{func.attr}"
    return ""


def _renamed(call: ast.Call, new: str) -> ast.Call:
    """The call with its function's last name replaced (`np.sum` -> `np.mean`, `x.max` -> `x.min`)."""
    func = call.func
    func = _replace(func, attr=new) if isinstance(func, ast.Attribute) else _replace(func, id=new)
    return _replace(call, func=func)


def _keyword(call: ast.Call, *names: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg in names), None)


def _without_keyword(call: ast.Call, keyword: ast.keyword) -> ast.Call:
    return _replace(call, keywords=[kw for kw in call.keywords if kw is not keyword])


# -- the operators --------------------------------------------------------------------------

ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div, ast.Pow: ast.Mult, ast.MatMult: ast.Mult, ast.Mod: ast.FloorDiv}


@operator("arithmetic")
def arithmetic(node, where):
    """A wrong arithmetic operator: `-` for `+`, `/` for `*`, `*` for `**`, element-wise `*` for the matrix product `@`."""
    right = node.right if isinstance(node, ast.BinOp) else getattr(node, "value", None)
    neutral = (ast.Add, ast.Sub) if _is_constant(right, 0) else (ast.Mult, ast.Div) if _is_constant(right, 1) else ()
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC and not isinstance(node.op, neutral):
        yield _replace(node, op=ARITHMETIC[type(node.op)]())


FLIPPED = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}


def _swapped_comparisons(node, table):
    """The comparison with one of its operators replaced from `table`, once per operator it has there."""
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in table:
                ops = list(node.ops)
                ops[k] = table[type(op)]()
                yield _replace(node, ops=ops)


@operator("comparison")
def comparison(node, where):
    """A comparison the wrong way round: `>` for `<`, `!=` for `==`, `is not` for `is`, `not in` for `in`."""
    yield from _swapped_comparisons(node, FLIPPED)


@operator("boundary")
def boundary(node, where):
    """An off-by-one boundary: `<=` for `<`, `>` for `>=` (the last element included or left out)."""
    yield from _swapped_comparisons(node, BOUNDARY)


@operator("index")
def index(node, where):
    """An off-by-one index, slice bound or range end: `x[1]` for `x[0]`, `x[:n - 1]` for `x[:n]`, `range(n - 1)` for `range(n)`."""
    if isinstance(node, ast.Subscript):
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for k, part in enumerate(parts):
            if isinstance(part, ast.Slice):
                changed = []
                if part.lower is not None:
                    changed.append(_replace(part, lower=_shift(part.lower, 1)))
                if part.upper is not None:
                    changed.append(_replace(part, upper=_shift(part.upper, -1)))
            elif _int(part) is not None:
                value = _int(part)
                changed = [_number(value + 1 if value >= 0 else value - 1)]
            else:
                continue
            for new_part in changed:
                if isinstance(node.slice, ast.Tuple):
                    elts = list(node.slice.elts)
                    elts[k] = new_part
                    yield _replace(node, slice=_replace(node.slice, elts=elts))
                else:
                    yield _replace(node, slice=new_part)
    elif isinstance(node, ast.Call) and _call_name(node) in ("range", "np.arange") and 1 <= len(node.args) <= 3 and not node.keywords:
        stop = 0 if len(node.args) == 1 else 1
        args = list(node.args)
        args[stop] = _shift(args[stop], -1)
        yield _replace(node, args=args)


AXIS_NAMES = ("axis",)  # not `dim=`: constructors such as Softmax(dim=-1) default to it, so dropping it changes nothing


@operator("axis")
def axis(node, where):
    """A wrong or missing `axis`: reducing over every element, or over the other axis (`axis=0` for `axis=-1`)."""
    if isinstance(node, ast.Call):
        keyword = _keyword(node, *AXIS_NAMES)
        if keyword is None or (isinstance(keyword.value, ast.Constant) and keyword.value.value is None):
            return
        yield _without_keyword(node, keyword)
        value = _int(keyword.value)
        if value is not None:
            other = 0 if value != 0 else -1
            keywords = [ast.keyword(kw.arg, _number(other)) if kw is keyword else kw for kw in node.keywords]
            yield _replace(node, keywords=keywords)


@operator("keepdims")
def keepdims(node, where):
    """A missing `keepdims=True`: the reduced axis disappears, so the result no longer broadcasts back against its input."""
    if isinstance(node, ast.Call):
        keyword = _keyword(node, "keepdims", "keepdim")
        if keyword is not None and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
            yield _without_keyword(node, keyword)


TRANSPOSES = ("np.transpose", "np.swapaxes", ".transpose", ".swapaxes")
MATMULS = ("np.matmul", "np.dot", ".matmul", ".dot")


@operator("transpose")
def transpose(node, where):
    """A missing or extra transpose: `x` for `x.T` or `x.transpose(...)`, `a @ b.T` for `a @ b`."""
    if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        yield node.value
    elif isinstance(node, ast.Call) and _call_name(node) in TRANSPOSES:
        if isinstance(node.func, ast.Attribute) and _call_name(node).startswith("."):
            yield node.func.value
        elif node.args:
            yield node.args[0]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        yield _replace(node, right=ast.Attribute(node.right, "T", ast.Load()))
    elif isinstance(node, ast.Call) and _call_name(node) in MATMULS and len(node.args) == (2 if _call_name(node).startswith("np.") else 1):
        args = list(node.args)
        args[-1] = ast.Attribute(args[-1], "T", ast.Load())
        yield _replace(node, args=args)


@operator("sign")
def sign(node, where):
    """A sign error: `x` for `-x`, `b - a` for `a - b`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _int(node) is None:
        yield node.operand
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and not _is_constant(node.left, 0) and not _is_constant(node.right, 0):
        yield _replace(node, left=node.right, right=node.left)


REDUCTIONS = {"sum": "mean", "mean": "sum", "nansum": "nanmean", "nanmean": "nansum"}


@operator("reduction")
def reduction(node, where):
    """`sum` where the `mean` belongs, or back: a loss or a gradient off by the batch size."""
    if isinstance(node, ast.Call):
        name = _call_name(node)
        last = name.rsplit(".", 1)[-1]
        if last in REDUCTIONS and (name.startswith("np.") or name.startswith(".")):
            yield _renamed(node, REDUCTIONS[last])


EXTREMA = {"max": "min", "min": "max", "amax": "amin", "amin": "amax", "maximum": "minimum", "minimum": "maximum",
           "argmax": "argmin", "argmin": "argmax", "nanmax": "nanmin", "nanmin": "nanmax"}  # fmt: skip


@operator("extremum")
def extremum(node, where):
    """`max` where `min` belongs, or back (also `argmax`/`argmin`, `np.maximum`/`np.minimum`)."""
    if isinstance(node, ast.Call):
        name = _call_name(node)
        last = name.rsplit(".", 1)[-1]
        if last in EXTREMA and (name.startswith("np.") or name in ("max", "min") or (name.startswith(".") and last != "maximum")):
            yield _renamed(node, EXTREMA[last])


@operator("dropped_term")
def dropped_term(node, where):
    """A term left out: the maximum subtracted in a stable softmax, the epsilon under a square root, the bias of `x @ W + b`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and not _is_constant(node.right, 0):
        yield node.left
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)) and not _is_constant(node.value, 0):
        yield ast.Pass()


@operator("dropped_factor")
def dropped_factor(node, where):
    """A scale left out: the `1/sqrt(d)` of attention, the learning rate, the division that normalises."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)) and not _is_constant(node.right, 1):
        yield node.left
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Mult, ast.Div)) and not _is_constant(node.value, 1):
        yield ast.Pass()


COPIES = ("np.copy", ".copy", "copy.copy", "copy.deepcopy")


@operator("copy")
def copy_update(node, where):
    """An in-place update where a copy was needed (the caller's array changes), or a new object where the update had to be in place (a shared weight no longer updates)."""
    if isinstance(node, ast.Call) and _call_name(node) in COPIES:
        if _call_name(node) == ".copy" and not node.args:
            yield node.func.value
        elif _call_name(node) != ".copy" and len(node.args) == 1:
            yield node.args[0]
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute) and not isinstance(node.value, ast.Constant):
        # only `obj.attr op= value`: `x[i] += v` writes into x either way, and `self.count += 1` counts a number
        load = _replace(node.target, ctx=ast.Load())
        yield ast.Assign([node.target], ast.BinOp(load, node.op, node.value), lineno=node.lineno)


def _first_argument(function) -> str | None:
    """The first parameter a caller passes (after `self`/`cls`), the "input" a function returns unchanged."""
    if function is None:
        return None
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return names[0] if names else None


@operator("wrong_value")
def wrong_value(node, where):
    """A plausible wrong answer of the right shape and dtype: zeros (`x * 0`), ones (`x * 0 + 1`), or the input returned unchanged."""
    if not isinstance(node, ast.Return) or node.value is None:
        return
    value = node.value
    if isinstance(value, (ast.Constant, ast.JoinedStr, ast.Dict, ast.List, ast.Set, ast.Tuple, ast.Compare, ast.BoolOp)) or (isinstance(value, ast.Name) and value.id in ("self", "cls")):
        return
    wrapped = ast.BinOp(value, ast.Mult(), ast.Constant(0))
    yield _replace(node, value=wrapped)
    yield _replace(node, value=ast.BinOp(wrapped, ast.Add(), ast.Constant(1)))
    argument = _first_argument(where.function)
    if argument is not None and not (isinstance(value, ast.Name) and value.id == argument):
        yield _replace(node, value=ast.Name(argument, ast.Load()))


# -- finding the nodes of a region and editing the text ------------------------------------

SKIPPED = (ast.Raise, ast.JoinedStr, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Mutant:
    """One wrong version of a region: the cell's text with one node replaced."""

    region: Region
    operator: str
    line: int  # first file line of the mutated node
    last: int  # its last line
    original: str  # lines line..last as written
    mutated: str  # the same lines after the mutation (padded to the same count)
    source: str  # the whole cell body with the mutation; every line keeps its number

    @property
    def key(self) -> str:
        """Names the mutant in a worker job and a report: stable across runs of one source."""
        return f"{self.line}:{self.operator}:{' '.join(self.mutated.split())}"


def _walk(tree: ast.Module, region: Region) -> Iterator[tuple[ast.AST, Where]]:
    """Nodes of the cell that lie wholly inside the region, with their surroundings, in source order.

    Does not enter what is never mutated: error messages, f-strings, docstrings,
    annotations, nested definitions (their lines outside the region, or their headers).
    """
    stack: list[tuple[ast.AST, Where]] = [(tree, Where(None, None))]
    found = []
    while stack:
        node, where = stack.pop()
        function = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else where.function
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if first is not None and ((last or first) < region.first or first > region.last):
            continue  # wholly outside the region, and so is everything under it
        inside = first is not None and region.first <= first and (last or first) <= region.last
        if inside and not isinstance(node, SKIPPED) and not isinstance(node, ast.Expr | ast.Constant):
            found.append((node, where))
        if isinstance(node, (ast.Raise, ast.JoinedStr)) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        children = []
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "decorator_list", "msg", "type_comment"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST) and not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)):
                    children.append((child, Where(node, function)))
        stack.extend(reversed(children))
    return iter(sorted(found, key=lambda item: (item[0].lineno, item[0].col_offset)))


def _column(line: str, byte_offset: int) -> int:
    """The character column of an AST (UTF-8 byte) offset."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def _edit(lines: list[str], first_line: int, node: ast.AST, replacement: ast.AST) -> list[str] | None:
    """The cell's lines with `node`'s characters replaced by `replacement`, padded to keep every line number.

    None when the node's text is not what the tree says (a cell the parser had to transform).
    """
    top, bottom = node.lineno - first_line, node.end_lineno - first_line
    if not (0 <= top <= bottom < len(lines)):
        return None
    start, end = _column(lines[top], node.col_offset), _column(lines[bottom], node.end_col_offset)
    before, after = lines[top][:start], lines[bottom][end:]
    original = "\n".join([lines[top][start:]] + lines[top + 1 : bottom] + [lines[bottom][:end]]) if bottom > top else lines[top][start:end]
    statement = isinstance(node, ast.stmt)
    try:
        written = ast.parse(original if statement else f"({original})", mode="exec" if statement else "eval")
    except SyntaxError:
        return None
    parsed = written.body[0] if statement else written.body
    if ast.dump(parsed) != ast.dump(node):
        return None
    text = ast.unparse(replacement)
    padding = "\n" * (bottom - top)
    if statement:
        new = before + text + padding + after
    else:
        atomic = isinstance(replacement, (ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript)) and not text.startswith("-")
        new = before + (text + padding if atomic and not padding else f"({text}{padding})") + after
    return lines[:top] + new.split("\n") + lines[bottom + 1 :]


def _parses(source: str) -> bool:
    """Whether a cell's text is Python. Parsing is enough: an edit replaces one expression by a
    parenthesised one, or one simple statement by another, so it cannot add the errors only the
    bytecode compiler reports (`return` outside a function, `break` outside a loop)."""
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _edit_parses(tree: ast.AST, node: ast.AST, edited: list[str], first_line: int) -> bool:
    """Whether the cell's text with `node` edited (`edited`: its lines, line for line) is Python,
    parsing as little as proves it: the lines of the innermost statement around the edit, dedented,
    else the whole cell. The rest of the cell is text that parsed, unchanged, and an edit replaces
    an expression by an expression or a simple statement by one, so the cell parses when that
    statement does. A statement whose lines do not parse alone (a string whose lines dedent
    differently, a line shared with the statement before) asks the whole cell. Parsing every
    candidate's whole cell was most of the cost of choosing mutants: cells run to hundreds of
    lines, a statement to a few."""
    span = _statement_lines(tree, node, first_line)
    if span is not None and _parses(textwrap.dedent("\n".join(edited[span[0] : span[1] + 1]))):
        return True
    return _parses("\n".join(edited))


def _statement_lines(tree: ast.AST, node: ast.AST, first_line: int) -> tuple[int, int] | None:
    """(first, last) index into the cell's lines of the innermost statement holding `node`, its
    decorators included (`@` lines followed by anything but a definition do not parse), None when
    none holds it. An `elif` is not a statement of its own here: its lines begin with `elif`, which
    parses only after its `if`. Statements hold statements only in their blocks (an expression holds
    none), so the walk goes down blocks."""
    holder = parent = None
    while True:
        inner = next((statement for statement in _block_statements(parent or tree) if _holds(statement, node)), None)
        if inner is None:
            break
        if not (isinstance(parent, ast.If) and parent.orelse == [inner] and inner.col_offset == parent.col_offset):  # not an elif
            holder = inner
        parent = inner
    if holder is None:
        return None
    top = min([holder.lineno] + [decorator.lineno for decorator in getattr(holder, "decorator_list", ())])
    return top - first_line, holder.end_lineno - first_line


def _block_statements(parent: ast.AST) -> Iterator[ast.stmt]:
    """The statements directly in `parent`'s blocks (body, else, finally, except clauses, match cases)."""
    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
        block = getattr(parent, field, None)
        if type(block) is not list:
            continue  # a lambda's or a conditional expression's body: an expression
        for child in block:
            if isinstance(child, ast.stmt):
                yield child
            else:  # an except clause or a match case: its statements
                yield from _block_statements(child)


def _holds(statement: ast.stmt, node: ast.AST) -> bool:
    """Whether `node`'s characters lie within `statement`'s."""
    start, end = (statement.lineno, statement.col_offset), (statement.end_lineno, statement.end_col_offset)
    return start <= (node.lineno, node.col_offset) and (node.end_lineno, node.end_col_offset) <= end


def _candidates(region: Region) -> Iterator[tuple[ast.AST, str, ast.AST]]:
    """(node, operator name, replacement) for every distinct edit of the region, in source order
    (then operator order). Not yet checked: the edit may not apply to the text or not parse."""
    seen = set()
    for node, where in _walk(region.cell.tree, region):
        original = ast.dump(node)
        for op in OPERATORS.values():
            for replacement in op.mutate(node, where):
                key = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, ast.dump(replacement))
                if key[-1] == original or key in seen:
                    continue  # the same tree as the solution's, or as an earlier mutant's: behaves alike
                seen.add(key)
                yield node, op.name, replacement


def _mutant(region: Region, lines: list[str], node: ast.AST, operator: str, replacement: ast.AST) -> Mutant | None:
    """The mutant of one candidate edit, or None when its text cannot be edited safely or does not parse."""
    cell = region.cell
    edited = _edit(lines, cell.body_start, node, replacement)
    if edited is None:
        return None
    if not _edit_parses(cell.tree, node, edited, cell.body_start):
        return None
    source = "\n".join(edited)
    top, bottom = node.lineno - cell.body_start, node.end_lineno - cell.body_start
    return Mutant(region, operator, node.lineno, node.end_lineno, "\n".join(lines[top : bottom + 1]), "\n".join(edited[top : bottom + 1]), source)


def _editable(region: Region) -> bool:
    """Whether the region's cell is plain Python as written (not a magic, not a syntax error)."""
    return region.cell.tree is not None and _cell_parses(region.cell.source)


_cell_parses = functools.lru_cache(maxsize=16)(_parses)  # a cell's regions ask it in turn


def mutants(region: Region) -> list[Mutant]:
    """Every mutant of one region, in source order (then operator order); each compiles and differs from the solution."""
    if not _editable(region):
        return []  # nothing to edit safely
    lines = region.cell.source.split("\n")
    built = (_mutant(region, lines, *candidate) for candidate in _candidates(region))
    return [mutant for mutant in built if mutant is not None]


def _round_robin(queues: list[Iterator]) -> Iterator:
    """One item of each queue in turn, skipping queues that ran dry, until all have."""
    live = list(queues)
    while live:
        for queue in list(live):
            item = next(queue, None)
            if item is None:
                live.remove(queue)
            else:
                yield item


def sampled_mutants(region: Region, limit: int | None, leave_out: frozenset[int] = frozenset()) -> list[Mutant]:
    """At most `limit` of the region's mutants whose line is not in `leave_out` (all of them with no
    limit), in source order, chosen deterministically: operators take turns (in registry order,
    each from its first line on), so a capped region still gets every kind of mistake.

    Only the mutants the sample takes are built: editing and parsing the cell once per candidate
    is most of the cost, and a small sample needs a few candidates of each operator, not all of
    them. A candidate that does not apply is skipped in its operator's turn."""
    if limit is None:
        return [mutant for mutant in mutants(region) if mutant.line not in leave_out]
    if not _editable(region):
        return []
    lines = region.cell.source.split("\n")
    queues = {name: [] for name in OPERATORS}
    for order, (node, operator, replacement) in enumerate(_candidates(region)):
        if node.lineno not in leave_out:
            queues[operator].append((order, node, operator, replacement))

    def built(queue):  # the queue's mutants that apply, each built only when its turn comes
        for order, *candidate in queue:
            mutant = _mutant(region, lines, *candidate)
            if mutant is not None:
                yield order, mutant

    chosen = itertools.islice(_round_robin([built(queue) for queue in queues.values()]), limit)
    return [mutant for _, mutant in sorted(chosen, key=lambda pair: pair[0])]
