"""EX004: an export cell uses a name that only a non-export cell provides."""

from __future__ import annotations

import ast
import builtins

from audits.astutil import import_time_statements, nodes, runs_only_as_script
from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules._scopes import free_loads, has_future_annotations, module_bindings
from audits.rules._usage import imported_names, usage_lines

CATEGORY = "Export hygiene"
BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__builtins__"}


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
        if any(alias.name == "*" for node in nodes(cell.tree, ast.ImportFrom) for alias in node.names):
            return  # `from x import *` may provide anything: cannot judge
        globals_ |= module_bindings(cell.tree)
    # The package file is one module: `from __future__ import annotations` in any export cell
    # makes every annotation of it a string, never evaluated (PEP 563).
    lazy = any(has_future_annotations(cell.tree) for cell in exported)
    provided: dict[str, ast.stmt] = {}
    for cell in module.code_cells():
        if not cell.exported and cell.tree is not None:
            for name, node in _provided_at_import(cell.tree).items():
                provided.setdefault(name, node)
    missing: dict[str, list[ast.Name]] = {}  # name -> every read of it the package cannot satisfy, in order
    for cell in exported:
        # What a `__main__` guard holds never runs in the package.
        guards = [(statement.lineno, statement.end_lineno or statement.lineno) for statement in cell.tree.body if runs_only_as_script(statement)]
        for node in sorted(free_loads(cell.tree, (globals_,), lazy), key=lambda node: (node.lineno, node.col_offset)):
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
            node=missing[names[0]][0],  # the first read on this line
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
