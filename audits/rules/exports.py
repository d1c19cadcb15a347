"""EX001-EX003: export hygiene (`#| default_exp`, what export cells contain)."""

from __future__ import annotations

import ast

from audits.astutil import defined_tests
from audits.model import Rule, Severity
from audits.parse import DIRECTIVE
from audits.rules._base import finding
from audits.rules.nbgrader import split_fix

CATEGORY = "Export hygiene"
HOUSE = ("tinytorch",)  # nbdev export conventions: nbgrader courses export nothing


def check_default_exp(module, index):
    code = [cell for cell in module.code_cells() if cell.source.strip()]
    holders = [cell for cell in code if any(d.startswith("default_exp") for d in cell.directives)]
    target = f"core.{module.ref.name}" if module.ref else "core.<name>"
    if not holders:
        line = code[0].start if code else 1
        yield finding(
            EX001, module, line, "no `#| default_exp` directive: the exporter does not know where this module's code goes.",
            suggestion=f"Add `#| default_exp {target}` (the target from API.md) as the first line of the first code cell.",
        )  # fmt: skip
        return
    if holders[0] is not code[0]:
        cell = holders[0]
        line = next(n for n, t in cell.lines() if DIRECTIVE.match(t.strip()) and "default_exp" in t)
        yield finding(
            EX001, module, line, f"`#| default_exp` is in the code cell at line {cell.start}, not in the first code cell (line {code[0].start}).",
            suggestion="Move this directive to the top of the first code cell.",
        )  # fmt: skip
    for cell in holders:
        if any(d.split() == ["default_exp"] for d in cell.directives):
            line = next(n for n, t in cell.lines() if DIRECTIVE.match(t.strip()) and "default_exp" in t)
            yield finding(EX001, module, line, "`#| default_exp` names no target.", suggestion=f"#| default_exp {target}")


def check_tests_exported(module, index):
    for cell in module.code_cells():
        if cell.exported:
            for node in defined_tests(cell.tree):
                yield finding(
                    EX002, module, node.lineno, f"`{node.name}` is defined in an `#| export` cell, so the test ships inside the package.",
                    suggestion=f"Move `{node.name}` (and its call under the main guard) into its own graded, locked test cell without `#| export`.",
                    fix=split_fix(module, cell), node=node,
                )  # fmt: skip


def _is_overload(decorator: ast.AST) -> bool:
    return (isinstance(decorator, ast.Name) and decorator.id == "overload") or (
        isinstance(decorator, ast.Attribute) and decorator.attr == "overload"
    )


def _definitions(statements):
    """(name, node) for names a cell's top level defines directly (not inside if/try)."""
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_is_overload(d) for d in node.decorator_list):
            continue  # typing.overload stubs announce the one real definition that follows
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            yield node.target.id, node


def check_duplicates(module, index):
    seen: dict[str, int] = {}
    for cell in module.code_cells():
        if not (cell.exported and cell.tree is not None):
            continue
        for name, node in _definitions(cell.tree.body):
            if name == "__all__":
                continue
            if name in seen:
                yield finding(
                    EX003, module, node.lineno, f"`{name}` is defined again in the export cells (first at line {seen[name]}): the package keeps only the last one.",
                    suggestion=f"Keep one definition of `{name}`: delete or rename this one (or the one at line {seen[name]}).", node=node,
                )  # fmt: skip
            else:
                seen[name] = node.lineno


EX001 = Rule("EX001", "missing `#| default_exp`", Severity.HIGH, CATEGORY, """\
What it does: checks that the first code cell carries `#| default_exp <target>`; reports a
missing directive, one in a later cell, or one naming no target.
Why it matters: the exporter cannot place the module in the package, and readers cannot tell
where its code lands.
Example: a first code cell starting with `import numpy as np`.
How to fix: make `#| default_exp perf.compression` (the module's target in API.md) the first
line of the first code cell.""", check_default_exp, profiles=HOUSE, effort_minutes=2)

EX002 = Rule("EX002", "test function in an export cell", Severity.HIGH, CATEGORY, """\
What it does: finds `test_*` functions defined in an `#| export` cell.
Why it matters: the test lands in the package: `import tinytorch` ships test code, and pytest
may collect it from the package.
Example: `#| export` above `def test_unit_prune():`.
How to fix: keep implementations in export cells and tests in their own graded, locked cells
without `#| export`. `--fix` splits a cell holding an implementation followed by its test.""", check_tests_exported, profiles=HOUSE, effort_minutes=5)

EX003 = Rule("EX003", "name defined twice in export cells", Severity.HIGH, CATEGORY, """\
What it does: finds a top-level name (function, class or assignment) defined twice across the
module's export cells. `@overload` stubs before the real definition are not definitions.
Why it matters: the package silently keeps the later one, so the first is dead code and the
tests may exercise a different version than the package.
Example: two `def measure_sparsity(model):` cells, an early draft and a final one.
How to fix: keep one definition.""", check_duplicates, profiles=HOUSE, effort_minutes=10)

RULES = [EX001, EX002, EX003]
