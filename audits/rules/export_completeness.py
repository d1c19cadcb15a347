"""EX004: an export cell uses a name that only a non-export cell provides."""

from __future__ import annotations

import ast
import builtins

from audits.astutil import import_time_statements, nodes, runs_only_as_script
from audits.model import Rule, Severity
from audits.rules._base import finding

CATEGORY = "Export hygiene"
BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__builtins__"}


def _bound_anywhere(tree: ast.Module) -> tuple[set[str], bool]:
    """Every name an export cell binds in any scope (parameters and locals included), and
    whether it star-imports. Over-approximating keeps the rule silent when in doubt."""
    names: set[str] = set()
    star = False
    for node in nodes(tree, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            names.add(node.id)
    names.update(node.arg for node in nodes(tree, ast.arg))
    names.update(node.name for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    for node in nodes(tree, ast.Import, ast.ImportFrom):
        for alias in node.names:
            if alias.name == "*":
                star = True
            elif isinstance(node, ast.Import):
                names.add(alias.asname or alias.name.split(".")[0])
            else:
                names.add(alias.asname or alias.name)
    names.update(node.name for node in nodes(tree, ast.ExceptHandler) if node.name)
    for node in nodes(tree, ast.Global, ast.Nonlocal):
        names.update(node.names)
    for node in nodes(tree, ast.MatchAs, ast.MatchStar):
        if node.name:
            names.add(node.name)
    names.update(node.rest for node in nodes(tree, ast.MatchMapping) if node.rest)
    return names, star


def _provided_at_import(tree: ast.Module) -> dict[str, ast.stmt]:
    """Names a non-export cell binds when the notebook runs, with the statement binding each."""
    provided: dict[str, ast.stmt] = {}
    for node, _ in import_time_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            provided.setdefault(node.name, node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                provided.setdefault(alias.asname or alias.name.split(".")[0], node)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    provided.setdefault(alias.asname or alias.name, node)
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
    bound: set[str] = set()
    for cell in exported:
        names, star = _bound_anywhere(cell.tree)
        if star:
            return  # `from x import *` may provide anything: cannot judge
        bound |= names
    provided: dict[str, ast.stmt] = {}
    for cell in module.code_cells():
        if not cell.exported and cell.tree is not None:
            for name, node in _provided_at_import(cell.tree).items():
                provided.setdefault(name, node)
    reported: set[str] = set()
    for cell in exported:
        # What a `__main__` guard holds never runs in the package. (Top-level compound
        # statements own their lines, so the cell's own list of names is read by line.)
        guards = [(statement.lineno, statement.end_lineno or statement.lineno) for statement in cell.tree.body if runs_only_as_script(statement)]
        for node in nodes(cell.tree, ast.Name):
            name = node.id
            if not isinstance(node.ctx, ast.Load) or name in bound or name in BUILTINS or name in reported:
                continue
            if any(first <= node.lineno <= last for first, last in guards):
                continue
            source = provided.get(name)
            if source is None:
                continue  # undefined everywhere: a plain NameError, not an export problem
            reported.add(name)
            where = module.excerpt(source.lineno, source.end_lineno).strip()
            how = (f"Move `{where}` into an `#| export` cell (the first one holds the imports)."
                   if isinstance(source, (ast.Import, ast.ImportFrom)) and "\n" not in where
                   else f"Move the definition of `{name}` (line {source.lineno}) into an `#| export` cell, or stop using it here.")  # fmt: skip
            yield finding(
                EX004, module, node.lineno,
                f"`{name}` is used by exported code but only a non-export cell provides it (line {source.lineno}): "
                f"the generated package raises NameError.",
                suggestion=how,
            )  # fmt: skip


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
