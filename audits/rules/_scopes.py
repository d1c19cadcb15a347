"""Python's name scopes, read from the AST: which names a piece of code reads from its globals.

    free_loads(tree, visible, lazy_annotations)   the reads no enclosing scope binds (EX004)
    global_reads(statement)                        the globals a module-level statement reads (GR001, GR003)
    has_future_annotations(tree)                   `from __future__ import annotations` in the tree

A name read inside a function is a global only when the function (or an enclosing
one) does not bind it: a test's local `data = ...` is not the global `data` of another
cell. As in Python, a class body sees its own names but the methods inside it do not,
and a comprehension runs in a scope of its own except for its first iterable. Under
`from __future__ import annotations` (PEP 563) annotations are strings, never evaluated.
"""

from __future__ import annotations

import ast
from typing import Iterator

from audits.astutil import CHILD_FIELDS, child_fields, nodes
from audits.rules._usage import imported_names

# Nodes that open a scope of their own: names bound inside them are not globals.
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef) + _COMPREHENSIONS
_SCOPE_TYPES = frozenset(_SCOPES)
# The node types that can bind a name (`_scope_parts` looks no further at any other node).
_BINDERS = frozenset(
    (ast.Name, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)
    + (ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping) + _COMPREHENSIONS
)


def _parameters(arguments: ast.arguments) -> list[ast.arg]:
    return [*arguments.posonlyargs, *arguments.args, *filter(None, [arguments.vararg]), *arguments.kwonlyargs, *filter(None, [arguments.kwarg])]


def _inside(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope node that run inside its scope."""
    if isinstance(scope, ast.Module):
        return list(scope.body)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*_parameters(scope.args), *scope.body]
    if isinstance(scope, ast.Lambda):
        return [*_parameters(scope.args), scope.body]
    if isinstance(scope, ast.ClassDef):
        return list(scope.body)
    first, *rest = scope.generators  # a comprehension: all but its first iterable (see `_outside`)
    parts = [first.target, *first.ifs, *rest]
    parts += [scope.key, scope.value] if isinstance(scope, ast.DictComp) else [scope.elt]
    return parts


def _outside(scope: ast.AST, lazy_annotations: bool) -> list[ast.AST]:
    """The parts of a scope node evaluated where it is defined: decorators, defaults, annotations
    (unless they are lazy), bases, a comprehension's first iterable."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = scope.args
        parts = [*arguments.defaults, *filter(None, arguments.kw_defaults)]
        if not isinstance(scope, ast.Lambda):
            parts += scope.decorator_list
            if not lazy_annotations:
                parts += filter(None, [scope.returns])
                parts += [arg.annotation for arg in _parameters(arguments) if arg.annotation is not None]
        return parts
    if isinstance(scope, ast.ClassDef):
        return [*scope.decorator_list, *scope.bases, *scope.keywords]
    return [scope.generators[0].iter]


_CACHE = "_audit_scope"  # on a scope node: {lazy_annotations: (name reads, nested scopes, bindings)}
_READS = "_audit_reads"  # on a tree or statement: what free_loads / global_reads found, by lazy_annotations


def _scope(scope: ast.AST, lazy_annotations: bool) -> tuple[list[ast.Name], list[ast.AST], set[str]]:
    """(names read, nested scopes, bindings) of a scope, computed once per scope node: GR001, GR003
    and EX004 ask about the same cells and functions again and again."""
    cached = scope.__dict__.setdefault(_CACHE, {})
    found = cached.get(lazy_annotations)
    if found is None:
        found = cached[lazy_annotations] = _scope_parts(scope, lazy_annotations)
    return found


def _scope_parts(scope: ast.AST, lazy_annotations: bool = False) -> tuple[list[ast.Name], list[ast.AST], set[str]]:
    """(the names `scope` itself reads, the scopes nested directly in it, the names it binds).

    One walk over the scope's own nodes finds all three (this walk visits every node of every
    cell: the reads and the bindings are picked up on the way rather than by a second and a
    third pass over a list of all the nodes). The reads are in the walk's order.
    """
    loads: list[ast.Name] = []
    nested: list[ast.AST] = []
    names: set[str] = set()
    stack = list(_inside(scope))
    pop, push, extend = stack.pop, stack.append, stack.extend
    in_function = isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef))
    scopes, binders, fields_of, AST = _SCOPE_TYPES, _BINDERS, CHILD_FIELDS, ast.AST
    Name, Load, AnnAssign, arg = ast.Name, ast.Load, ast.AnnAssign, ast.arg
    while stack:
        node = pop()
        kind = type(node)  # the exact type (parsed trees hold no subclasses): a set lookup, not isinstance chains
        if kind is Name:  # the most common node, and it has no child nodes
            if type(node.ctx) is Load:
                loads.append(node)
            else:
                names.add(node.id)
            continue
        if kind in binders:  # most nodes bind nothing: one set lookup instead of the chain in `_bind`
            _bind(node, names)
        if kind in scopes:
            nested.append(node)
            extend(_outside(node, lazy_annotations))
        elif kind is AnnAssign and (in_function or lazy_annotations):
            extend(filter(None, [node.target, node.value]))  # a local variable's annotation is never evaluated
        elif kind is not arg:  # a parameter's annotation is read where its function is defined
            fields = fields_of.get(kind)  # `children(node)`, inlined: it runs for every node
            if fields is None:
                fields = child_fields(kind)
            for field in fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, AST):
                            push(item)
                elif isinstance(value, AST):
                    push(value)
    return loads, nested, names


def _bind(node: ast.AST, names: set[str]) -> None:
    """Add the names a node (other than a Name) binds in its scope: parameters, imports, defs, ..."""
    if isinstance(node, ast.arg):
        names.add(node.arg)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update(imported_names(node))
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        names.update(node.names)
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        names.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        names.add(node.rest)
    elif isinstance(node, _COMPREHENSIONS):  # `:=` in a comprehension binds in the scope around it
        names.update(sub.target.id for sub in ast.walk(node) if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name))


def module_bindings(tree: ast.Module) -> set[str]:
    """The globals a module-level tree binds, names its functions declare `global` included
    (they may bind them when called)."""
    names = set(_scope(tree, False)[2])
    for node in nodes(tree, ast.Global):
        names.update(node.names)
    return names


def free_loads(scope: ast.AST, visible: tuple[set[str], ...], lazy_annotations: bool = False) -> Iterator[ast.Name]:
    """The names read in `scope` (and the scopes inside it) that no enclosing scope binds.

    `visible` holds the bindings of the enclosing function scopes and of the module.
    As in Python, a class body sees its own names, but the methods inside it do not.
    The reads of a whole tree (`visible` empty) are found once and kept on it.
    """
    if visible:
        return _free_loads(scope, visible, lazy_annotations)
    reads = scope.__dict__.setdefault(_READS, {})
    if lazy_annotations not in reads:
        reads[lazy_annotations] = list(_free_loads(scope, visible, lazy_annotations))
    return iter(reads[lazy_annotations])


def _free_loads(scope: ast.AST, visible: tuple[set[str], ...], lazy_annotations: bool) -> Iterator[ast.Name]:
    loads, nested, bound = _scope(scope, lazy_annotations)
    here = visible + (bound,)
    for node in loads:  # the hottest loop of the scope rules
        name = node.id
        for names in here:
            if name in names:
                break
        else:
            yield node
    for inner in nested:
        yield from _free_loads(inner, visible if isinstance(scope, ast.ClassDef) else here, lazy_annotations)


def global_reads(statement: ast.stmt) -> set[str]:
    """The global names a module-level statement reads, at import time or when its functions run
    (a function's parameters and locals are not globals; the names the statement binds itself are left out).
    Found once per statement (a definition is reached from many graded tests): do not change the set."""
    reads = statement.__dict__.setdefault(_READS, {})
    if "global" not in reads:
        reads["global"] = {node.id for node in _free_loads(ast.Module(body=[statement], type_ignores=[]), (), False)}
    return reads["global"]


def has_future_annotations(tree: ast.Module) -> bool:
    """Does the tree import `annotations` from `__future__` (annotations are then never evaluated)?"""
    return any(node.module == "__future__" and any(alias.name == "annotations" for alias in node.names) for node in nodes(tree, ast.ImportFrom))
