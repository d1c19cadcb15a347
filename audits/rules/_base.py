"""Small helpers every rule uses to build its findings and read the AST."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from audits.model import Cell, Finding, ModuleSource, Rule

MAIN_GUARD = 'if __name__ == "__main__":'


def finding(
    rule: Rule,
    module: ModuleSource,
    line: int,
    message: str,
    *,
    last: Optional[int] = None,
    excerpt: Optional[str] = None,
    suggestion: str = "",
    path: Optional[str] = None,
) -> Finding:
    """A Finding of `rule` at `line` of `module`; the excerpt defaults to lines line..last as written."""
    return Finding(
        code=rule.code,
        severity=rule.severity,
        path=path if path is not None else module.display_path,
        line=line,
        message=message,
        excerpt=module.excerpt(line, last) if excerpt is None else excerpt,
        suggestion=suggestion,
        category=rule.category,
    )


def nodes(tree: ast.AST, *types: type) -> list:
    """Every node of `types` in `tree`, in walk order. One walk per tree, cached on the tree:
    rules ask the same tree many questions and ast.walk dominates the audit's time."""
    buckets = getattr(tree, "_audit_nodes", None)
    if buckets is None:
        buckets = {}
        for node in ast.walk(tree):
            buckets.setdefault(type(node), []).append(node)
        tree._audit_nodes = buckets
    if len(types) == 1:
        return buckets.get(types[0], [])
    found = [node for kind in types for node in buckets.get(kind, [])]
    found.sort(key=lambda node: (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))
    return found


def parsed_code_cells(module: ModuleSource) -> Iterator[tuple[Cell, ast.Module]]:
    """(cell, tree) for every code cell that parses; unparsable cells are SYN001's business."""
    for cell in module.cells:
        if cell.is_code and cell.tree is not None:
            yield cell, cell.tree


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


def import_time_statements(statements: list[ast.stmt], inside: Optional[ast.stmt] = None) -> Iterator[tuple[ast.stmt, Optional[ast.stmt]]]:
    """(statement, enclosing compound statement or None) for everything that runs when the file is imported.

    Descends into if/try/for/while/with/match blocks; skips function and class
    bodies and the body of `if __name__ == "__main__":` (its `else:` still runs).
    `inside` is the outermost enclosing compound statement at module level.
    """
    for node in statements:
        yield node, inside
        outer = inside or node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.If):
            if not is_main_guard(node):
                yield from import_time_statements(node.body, outer)
            yield from import_time_statements(node.orelse, outer)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            yield from import_time_statements(node.body, outer)
            yield from import_time_statements(node.orelse, outer)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from import_time_statements(node.body, outer)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from import_time_statements(node.body, outer)
            for handler in node.handlers:
                yield from import_time_statements(handler.body, outer)
            yield from import_time_statements(node.orelse, outer)
            yield from import_time_statements(node.finalbody, outer)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                yield from import_time_statements(case.body, outer)


def header_expressions(node: ast.stmt) -> list[ast.AST]:
    """The expressions a statement evaluates itself (not those of its nested statements)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []  # decorators and defaults run at import, but defining is not a side effect we report
    if isinstance(node, (ast.If, ast.While)):
        return [node.test]
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.iter]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in node.items]
    if isinstance(node, ast.Match):
        return [node.subject]
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return []
    return [node]


def calls_in(node: ast.AST) -> Iterator[ast.Call]:
    """Calls evaluated by an expression, in source order (lambda bodies are not evaluated)."""
    stack = [node]
    found = []
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            found.append(current)
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            stack.append(child)
    found.sort(key=lambda call: (call.lineno, call.col_offset))
    return iter(found)


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


def callee(call: ast.Call) -> Optional[str]:
    return dotted_name(call.func)


def last_name(dotted: Optional[str]) -> str:
    return dotted.rsplit(".", 1)[-1] if dotted else ""


def statement_span(node: ast.AST) -> tuple[int, int]:
    return node.lineno, getattr(node, "end_lineno", None) or node.lineno


def guarded(module: ModuleSource, first: int, last: int) -> str:
    """The lines first..last moved under the main guard (indentation normalised)."""
    lines = [module.line(n) for n in range(first, last + 1)]
    indent = min((len(t) - len(t.lstrip()) for t in lines if t.strip()), default=0)
    body = "\n".join(("    " + t[indent:]) if t.strip() else "" for t in lines)
    return f"{MAIN_GUARD}\n{body}"
