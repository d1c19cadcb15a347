"""Reading the Python AST of a cell or test file: shared by the index, the rules and the fixer.

    nodes(tree, *types)              every node of those types, in source order (one walk per tree, cached)
    children(node)                   its direct child nodes (as ast.iter_child_nodes, contexts aside, faster)
    is_main_guard(node)              `if __name__ == "__main__":`
    runs_only_as_script(node)        the main guard, alone or in an `and` (`... and not QUICK:`)
    import_time_statements(body)     the statements that run when the file is imported
    defined_tests(tree)              the `def test_*` functions defined at module level
    test_methods(tree)               the `test_*` methods of `Test*` classes
    dotted_name(node)                "np.random.seed" for that attribute chain

Nothing here executes code.
"""

from __future__ import annotations

import ast
import operator
from typing import Iterator, Optional

_CACHE = "_audit_nodes"
_POSITION = operator.attrgetter("lineno", "col_offset")


# Fields that never hold child nodes worth a look: names, flags, the Load/Store context, and the
# operators (`+`, `==`, `and`: shared singletons no rule asks for, a twentieth of all nodes).
_LEAF_FIELDS = frozenset({"ctx", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment", "conversion", "is_async", "op", "ops"})
CHILD_FIELDS: dict[type, tuple[str, ...]] = {}  # node type -> its node-holding fields (`child_fields`); read directly by the hot walks
_CHILD_FIELDS_BACKWARDS: dict[type, tuple[str, ...]] = {}  # the same, last first (the walk in `_index`)


def _index(tree: ast.AST) -> dict[type, list[ast.AST]]:
    """Every node under `tree` (not `tree` itself: see `nodes`) bucketed by type, each bucket in
    source (pre-)order.

    A hand-rolled depth-first walk that looks only at fields which can hold
    nodes (`children`, inlined: it runs for every node of every tree, about a
    tenth of a cold audit): about twice as fast as `ast.walk`, whose cost
    dominated the audit. Each node's fields and lists are read back to front,
    so the stack pops its children in source order.
    """
    buckets: dict[type, list[ast.AST]] = {}
    stack: list[ast.AST] = children(tree)[::-1]
    pop, push = stack.pop, stack.append
    AST = ast.AST
    backwards = _CHILD_FIELDS_BACKWARDS
    while stack:
        node = pop()
        kind = type(node)
        bucket = buckets.get(kind)
        if bucket is None:
            buckets[kind] = [node]
        else:
            bucket.append(node)
        fields = backwards.get(kind)
        if fields is None:
            fields = backwards[kind] = child_fields(kind)[::-1]
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, AST):
                        push(item)
            elif isinstance(value, AST):
                push(value)
    return buckets


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that can hold child nodes, in order (none for a constant: its value is a Python value)."""
    fields = CHILD_FIELDS.get(kind)
    if fields is None:
        fields = CHILD_FIELDS[kind] = () if kind is ast.Constant else tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    return fields


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes of `node`, in `ast.iter_child_nodes` order but without the Load/Store
    context markers and the operators (read through a table of the node-holding fields of each node type: several
    times faster than `ast.iter_child_nodes`)."""
    fields = CHILD_FIELDS.get(type(node))  # looked up here, not in a call: children() runs for most nodes
    if fields is None:
        fields = child_fields(type(node))
    found = []
    AST = ast.AST
    for field in fields:
        value = getattr(node, field, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, AST):
                    found.append(item)
        elif isinstance(value, AST):
            found.append(value)
    return found


def nodes(tree: ast.AST, *types: type) -> list:
    """Every node of `types` in `tree` (`tree` itself included), in source order (operators such as
    `ast.Add` are not nodes here: see `children`). Rules ask one
    tree many questions, so the tree is walked once and the buckets are kept on it. The buckets
    never hold `tree` itself: a tree holding a list holding the tree is a reference cycle, and
    with the cyclic garbage collector off while an audit runs (audits.cli) every tree would stay
    in memory to the end of the run, whatever let go of it. The lists returned are kept and
    shared: callers read them, never change them."""
    buckets = getattr(tree, _CACHE, None)
    if buckets is None:
        buckets = _index(tree)
        setattr(tree, _CACHE, buckets)
    root = type(tree)
    if len(types) == 1:
        return [tree, *buckets.get(root, ())] if types[0] is root else buckets.get(types[0], [])
    found = buckets.get(types)  # a question asked before (TST002 asks a test file's tree once per test function)
    if found is None:
        found = [node for kind in types for node in ([tree, *buckets.get(kind, ())] if kind is root else buckets.get(kind, []))]
        try:
            found.sort(key=_POSITION)  # read in C: most node types have positions
        except AttributeError:  # some do not (ast.arguments, a node built by hand): they sort first
            found.sort(key=lambda node: (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))
        if root not in types:  # kept unless it holds the tree itself (a reference cycle: see above)
            buckets[types] = found
    return found


def is_main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def runs_only_as_script(node: ast.AST) -> bool:
    """An `if` whose body runs only when the file is executed as a script: the main guard,
    or a conjunction that includes it (`if __name__ == "__main__" and not QUICK:`)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(is_main_guard(ast.If(test=value, body=[], orelse=[])) for value in test.values)
    return is_main_guard(node)


def is_try(node: ast.AST) -> bool:
    """`try:` blocks, `try: ... except*` included (ast.TryStar, Python 3.11+)."""
    return isinstance(node, ast.Try) or type(node).__name__ == "TryStar"


def import_time_statements(
    statements: list[ast.stmt], inside: Optional[ast.stmt] = None, *, descend_blocks: bool = True
) -> Iterator[tuple[ast.stmt, Optional[ast.stmt]]]:
    """(statement, outermost enclosing compound statement or None) for everything that runs on import.

    Descends into if/try/match blocks, and into for/while/with blocks unless
    `descend_blocks` is false (SE001 reports such a block whole); skips function
    and class bodies and the body of `if __name__ == "__main__":` (also when the
    guard is one operand of an `and`); its `else:` still runs.
    """
    for node in statements:
        yield node, inside
        outer = inside or node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.If):
            children = [node.orelse] if runs_only_as_script(node) else [node.body, node.orelse]
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            children = [node.body, node.orelse] if descend_blocks else []
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            children = [node.body] if descend_blocks else []
        elif is_try(node):
            children = [node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody]
        elif isinstance(node, ast.Match):
            children = [case.body for case in node.cases]
        else:
            children = []
        for block in children:
            yield from import_time_statements(block, outer, descend_blocks=descend_blocks)


def defined_tests(tree: Optional[ast.Module]) -> list[ast.FunctionDef]:
    """`def test_*` defined at module level when the file runs (inside plain if/try blocks too)."""
    if tree is None:
        return []
    return [
        node
        for node, _ in import_time_statements(tree.body)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    ]


def test_methods(tree: Optional[ast.Module]) -> Iterator[ast.FunctionDef]:
    """`test_*` methods of the module-level `Test*` classes pytest collects."""
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test_"):
                    yield item


def dotted_name(node: ast.AST) -> Optional[str]:
    """"np.random.seed" for the expression np.random.seed; None for anything that is not a plain name chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def char_column(text: str, byte_offset: int) -> int:
    """The 1-based character column of an AST column offset (which counts UTF-8 bytes) in `text`,
    at most one past the end of the line (a cell IPython transformed may disagree with its line)."""
    if text.isascii():
        return min(byte_offset, len(text)) + 1
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def name_span(text: str, node: ast.AST) -> Optional[tuple[int, int]]:
    """(column, end column) of `def name` / `class name` on a definition's own line, 1-based
    characters, end exclusive; None when the name is not on that line as written."""
    start = char_column(text, node.col_offset)
    at = text.find(node.name, start - 1)
    return (start, at + len(node.name) + 1) if at >= 0 else None

