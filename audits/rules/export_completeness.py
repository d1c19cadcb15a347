"""EX004: an export cell uses a name that only a non-export cell provides."""

from __future__ import annotations

import ast
import builtins
from typing import Iterator

from audits.astutil import import_time_statements, nodes, runs_only_as_script
from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules._usage import imported_names, usage_lines

CATEGORY = "Export hygiene"
BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__builtins__"}


# Nodes that open a scope of their own: names bound inside them are not globals.
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef) + _COMPREHENSIONS


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


def _outside(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope node evaluated where it is defined: decorators, defaults, annotations,
    bases, a comprehension's first iterable."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = scope.args
        parts = [*arguments.defaults, *filter(None, arguments.kw_defaults)]
        if not isinstance(scope, ast.Lambda):
            parts += [*scope.decorator_list, *filter(None, [scope.returns])]
            parts += [arg.annotation for arg in _parameters(arguments) if arg.annotation is not None]
        return parts
    if isinstance(scope, ast.ClassDef):
        return [*scope.decorator_list, *scope.bases, *scope.keywords]
    return [scope.generators[0].iter]


def _scope_nodes(scope: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """(the nodes that belong to `scope` itself, the scopes nested directly in it)."""
    own: list[ast.AST] = []
    nested: list[ast.AST] = []
    stack = list(_inside(scope))
    while stack:
        node = stack.pop()
        own.append(node)
        if isinstance(node, _SCOPES):
            nested.append(node)
            stack.extend(_outside(node))
        elif isinstance(node, ast.AnnAssign) and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(filter(None, [node.target, node.value]))  # a local variable's annotation is never evaluated
        elif not isinstance(node, ast.arg):  # a parameter's annotation is read where its function is defined
            stack.extend(ast.iter_child_nodes(node))
    return own, nested


def _bindings(own: list[ast.AST]) -> set[str]:
    """The names a scope binds, from its own nodes (parameters, assignments, imports, defs, ...)."""
    names: set[str] = set()
    for node in own:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
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
    return names


def _module_bindings(tree: ast.Module) -> tuple[set[str], bool]:
    """The globals an export cell defines, and whether it star-imports. Names a function
    declares `global` count too: it may bind them when called."""
    own, _ = _scope_nodes(tree)
    names = _bindings(own)
    for node in nodes(tree, ast.Global):
        names.update(node.names)
    star = any(alias.name == "*" for node in nodes(tree, ast.ImportFrom) for alias in node.names)
    return names, star


def _free_loads(scope: ast.AST, visible: tuple[set[str], ...]) -> Iterator[ast.Name]:
    """The names read in `scope` (and the scopes inside it) that no enclosing scope binds.

    `visible` holds the bindings of the enclosing function scopes and of the module.
    As in Python, a class body sees its own names, but the methods inside it do not.
    """
    own, nested = _scope_nodes(scope)
    here = visible + (_bindings(own),)
    for node in own:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and not any(node.id in names for names in here):
            yield node
    for inner in nested:
        yield from _free_loads(inner, visible if isinstance(scope, ast.ClassDef) else here)


def _provided_at_import(tree: ast.Module) -> dict[str, ast.stmt]:
    """Names a non-export cell binds when the notebook runs, with the statement binding each."""
    provided: dict[str, ast.stmt] = {}
    for node, _ in import_time_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            provided.setdefault(node.name, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in imported_names(node):
                provided.setdefault(name, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        provided.setdefault(sub.id, node)
    return provided


def check_export_completeness(module, index):
    exported = [cell for cell in module.code_cells() if cell.exported and cell.tree is not None]
    if not exported:
        return
    globals_: set[str] = set()  # the package module's globals: what every export cell defines
    for cell in exported:
        names, star = _module_bindings(cell.tree)
        if star:
            return  # `from x import *` may provide anything: cannot judge
        globals_ |= names
    provided: dict[str, ast.stmt] = {}
    for cell in module.code_cells():
        if not cell.exported and cell.tree is not None:
            for name, node in _provided_at_import(cell.tree).items():
                provided.setdefault(name, node)
    missing: dict[str, list[ast.Name]] = {}  # name -> every read of it the package cannot satisfy, in order
    for cell in exported:
        # What a `__main__` guard holds never runs in the package.
        guards = [(statement.lineno, statement.end_lineno or statement.lineno) for statement in cell.tree.body if runs_only_as_script(statement)]
        for node in sorted(_free_loads(cell.tree, (globals_,)), key=lambda node: (node.lineno, node.col_offset)):
            if node.id in BUILTINS or node.id not in provided:  # undefined everywhere: a plain NameError, not an export problem
                continue
            if not any(first <= node.lineno <= last for first, last in guards):
                missing.setdefault(node.id, []).append(node)
    # One finding per line (findings are kept one per code and line): names first read on the same line share it.
    first_read: dict[int, list[str]] = {}
    for name, reads in missing.items():
        first_read.setdefault(reads[0].lineno, []).append(name)
    for line, names in first_read.items():
        if len(names) == 1:
            what = f"`{names[0]}` is used by exported code but only a non-export cell provides it (line {provided[names[0]].lineno})"
        else:
            listed = ", ".join(f"`{name}` (line {provided[name].lineno})" for name in names)
            what = f"{listed} are used by exported code but only non-export cells provide them"
        yield finding(
            EX004, module, line, f"{what}: the generated package raises NameError.",
            suggestion=" ".join(dict.fromkeys(_how(module, name, provided[name]) for name in names)),
            impact=usage_lines(module, sorted({read.lineno for name in names for read in missing[name]})),
        )  # fmt: skip


def _how(module, name: str, source: ast.stmt) -> str:
    """How to make `name` (bound by `source` in a non-export cell) available to the package."""
    where = module.excerpt(source.lineno, source.end_lineno).strip()
    if isinstance(source, (ast.Import, ast.ImportFrom)) and "\n" not in where:
        return f"Move `{where}` into an `#| export` cell (the first one holds the imports)."
    return f"Move the definition of `{name}` (line {source.lineno}) into an `#| export` cell, or stop using it here."


EX004 = Rule(
    code="EX004",
    name="export cell needs a name only a non-export cell provides",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc="""\
What it does: finds names that code in `#| export` cells uses (at import time or inside
its functions and classes) which no export cell defines or imports, while a non-export
cell of the module does. Why it matters: the notebook runs every cell, so the module's
own tests pass, but the package is built from the export cells alone and fails with
`NameError` when imported or called. Example: `from dataclasses import dataclass` sits in
a demo cell and an export cell declares `@dataclass class PruneStats:`; `import
tinytorch.perf.compression` then fails. How to fix: move the import (or the helper's
definition) into an export cell, usually the first one that holds the module's imports.""",
    check=check_export_completeness,
    profiles=("tinytorch",),
    effort_minutes=5,
)

RULE = EX004
