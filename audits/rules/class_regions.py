"""GR002: a solution region whose stub breaks a definition instead of its behaviour."""

from __future__ import annotations

import ast

from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.solutions import Region, solution_regions

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

DOC = """\
What it does: finds a solution region that covers the body of a class (its methods, or
statements directly under `class X:`) or the `def`/`class` line of a module-level
definition. It reads where nbgrader's stub `raise NotImplementedError()` lands in the
student version (where the region's first statement was): in a class body or at module
level next to definitions, it runs when the cell runs.

Why it matters: the student version then raises while defining the class or function,
so the name is never defined: every later cell fails with `NameError`, the student
cannot run the tests of the parts they did finish, and partial credit is impossible.

Example:
    class SGD(Optimizer):
        \"\"\"TODO: ...\"\"\"
        ### BEGIN SOLUTION
        def step(self): ...
        ### END SOLUTION

How to fix: keep `class` and `def` lines (and docstrings) outside the regions and put
one region inside each method body, so the student version defines every class and
function and only calling an unfinished method raises."""


def _stub_scope(region: Region) -> ast.AST | None:
    """The function, class or module that holds the region's stub in the student version:
    the innermost definition around the region's first statement (None for an empty region)."""

    def search(body: list, scope: ast.AST) -> ast.AST | None:
        for node in body:
            if region.first < node.lineno < region.last:
                return scope  # the region's first statement: the stub replaces it in this scope
            if node.lineno < region.first <= (node.end_lineno or node.lineno):
                inner = node if isinstance(node, SCOPES) else scope
                for child in _statement_lists(node):
                    found = search(child, inner)
                    if found is not None:
                        return found
        return None

    return search(region.cell.tree.body, region.cell.tree)


def _statement_lists(node: ast.AST) -> list[list]:
    """The blocks of statements directly inside a compound statement (body, else, handlers...)."""
    lists = [getattr(node, name) for name in ("body", "orelse", "finalbody") if isinstance(getattr(node, name, None), list)]
    lists += [handler.body for handler in getattr(node, "handlers", [])]
    lists += [case.body for case in getattr(node, "cases", [])]
    return lists


def _definitions_in(region: Region) -> list[ast.AST]:
    """Functions and classes whose header line lies in the region and which run when the cell runs."""
    found = []
    tree = region.cell.tree

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if region.first <= node.lineno <= region.last:
                    found.append(node)
            elif isinstance(node, ast.ClassDef):
                if region.first <= node.lineno <= region.last:
                    found.append(node)
                visit(node.body)
            else:
                visit([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)])

    visit(tree.body)
    return found


def check(module, index):
    for region in solution_regions(module):
        if region.whole_cell or region.cell.tree is None:
            continue  # a solution cell without markers is NB006's finding
        scope = _stub_scope(region)
        if isinstance(scope, ast.ClassDef):
            message = (f"solution region (lines {region.first}-{region.last}) covers the body of class `{scope.name}`: "
                       f"the student version raises while defining `{scope.name}`, so it is never defined and every later cell fails.")
        elif isinstance(scope, ast.Module) and _definitions_in(region):
            names = ", ".join(f"`{node.name}`" for node in _definitions_in(region))
            message = (f"solution region (lines {region.first}-{region.last}) covers the definition line of {names}: "
                       "the student version never defines it, so every later cell using it fails.")
        else:
            continue
        yield finding(
            RULE, module, region.first, message, last=region.last,
            suggestion=f"Keep `class`/`def` lines and docstrings outside the region; put one {module.conventions.begin_marker} / "
            f"{module.conventions.end_marker} region inside each method or function body.",
        )  # fmt: skip


RULE = Rule(
    code="GR002",
    name="solution region covers a class body or a def line",
    severity=Severity.HIGH,
    category="Grading",
    doc=DOC,
    check=check,
    effort_minutes=15,
)
