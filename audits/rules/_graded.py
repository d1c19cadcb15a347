"""What a graded test cell depends on, read from the source (shared by GR001 and GR003).

A test reaches code through names: the names its cell loads, then the names the
module-level definitions it reaches load in turn (a helper calling a model
builder calling `Linear`). `dependencies(module, cell)` follows that chain
through the definitions of earlier cells (all of them, or only those a `follow`
predicate accepts) and stops at solution code, which the student writes anyway:

    deps.solution     definitions holding a solution region: the test can see the student's work
    deps.provided     other definitions it reaches (provided code, helpers, earlier tests)

Imports are not followed: they bring in other modules' code, not this module's; an
import inside a solution region is the student's work, so it counts as a solution definition.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from audits.astutil import import_time_statements, nodes
from audits.model import Cell, ModuleSource
from audits.rules._scopes import free_loads, global_reads
from audits.rules._usage import imported_names
from audits.solutions import cell_regions

_CACHE = "_graded_definitions"


@dataclass(frozen=True)
class Definition:
    """One module-level statement that binds `name`."""

    name: str
    cell: Cell
    node: ast.stmt
    in_solution: bool  # the statement holds (or lies in) a solution region

    @property
    def line(self) -> int:
        return self.node.lineno


@dataclass
class Dependencies:
    solution: list[Definition] = field(default_factory=list)
    provided: list[Definition] = field(default_factory=list)


def loaded_by(definition: Definition) -> set[str]:
    """The globals a definition reads (its functions' parameters and locals are not globals)."""
    return global_reads(definition.node)


def bound_names(node: ast.stmt) -> set[str]:
    """Names a module-level statement binds (imports excluded: see the module doc)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return set()
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    return {name.id for target in targets for name in nodes(target, ast.Name)}


def _definitions(module: ModuleSource) -> dict[str, list[Definition]]:
    """name -> its module-level definitions, in source order (computed once per module)."""
    cached = getattr(module, _CACHE, None)
    if cached is not None:
        return cached
    found: dict[str, list[Definition]] = {}
    for cell in module.code_cells():
        if cell.tree is None:
            continue
        regions = cell_regions(cell, module.conventions)
        for node, _ in import_time_statements(cell.tree.body):
            first, last = node.lineno, node.end_lineno or node.lineno
            in_solution = any(r.whole_cell or (r.first <= last and first <= r.last) for r in regions)
            names = bound_names(node)
            if in_solution and isinstance(node, (ast.Import, ast.ImportFrom)):
                names = set(imported_names(node))  # the student writes this import: reading it reads their work
            for name in names:
                found.setdefault(name, []).append(Definition(name, cell, node, in_solution))
    setattr(module, _CACHE, found)
    return found


def dependencies(module: ModuleSource, cell: Cell, follow: Callable[[Definition], bool] = lambda definition: True) -> Dependencies:
    """The definitions of earlier cells that the test cell reaches through names (see the module doc).

    A provided definition's own names are followed only when `follow(definition)` is true.
    """
    definitions = _definitions(module)
    # The globals the test cell reads and does not bind itself (a test function's local
    # `data` is not the global `data` of another cell).
    queue = sorted({node.id for node in free_loads(cell.tree, ())})
    seen: set[str] = set(queue)
    deps = Dependencies()
    reached: set[int] = set()
    while queue:
        name = queue.pop(0)
        for definition in definitions.get(name, ()):
            if definition.cell.start >= cell.start or id(definition.node) in reached:
                continue
            reached.add(id(definition.node))
            if definition.in_solution:
                deps.solution.append(definition)
                continue
            deps.provided.append(definition)
            if follow(definition):
                for used in sorted(loaded_by(definition) - seen):
                    seen.add(used)
                    queue.append(used)
    return deps
