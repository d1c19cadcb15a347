"""EX005: a function or class defined in a non-export cell and again, differently, in an export cell."""

from __future__ import annotations

import ast

from audits.model import Rule, Severity
from audits.rules._base import finding

CATEGORY = "Export hygiene"
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _top_level_definitions(tree: ast.Module) -> list[ast.stmt]:
    return [node for node in tree.body if isinstance(node, DEFINITIONS)]


def _shape(node: ast.stmt) -> str:
    """The definition without its docstring and positions: two copies that differ only there are the same."""
    clone = ast.parse(ast.unparse(node)).body[0]
    for sub in ast.walk(clone):
        body = getattr(sub, "body", None)
        if isinstance(sub, DEFINITIONS) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):  # fmt: skip
            sub.body = body[1:] or [ast.Pass()]
    return ast.dump(clone, include_attributes=False)


def check_student_copies(module, index):
    student: dict[str, ast.stmt] = {}
    for cell in module.code_cells():
        if not cell.exported and cell.tree is not None:
            for node in _top_level_definitions(cell.tree):
                student.setdefault(node.name, node)
    if not student:
        return
    for cell in module.code_cells():
        if not (cell.exported and cell.tree is not None):
            continue
        for node in _top_level_definitions(cell.tree):
            other = student.get(node.name)
            if other is None or _shape(other) == _shape(node):
                continue
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            yield finding(
                EX005, module, node.lineno,
                f"{kind} `{node.name}` is exported here, but a non-export cell defines a different `{node.name}` "
                f"(line {other.lineno}): the notebook and its tests use one, the package ships the other.",
                suggestion=f"Keep one `{node.name}`: put the real implementation in this export cell and delete "
                           f"the copy at line {other.lineno} (or make the two identical).",
                node=node,
            )  # fmt: skip


EX005 = Rule(
    code="EX005",
    name="student copy and exported copy of a definition differ",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc="""\
What it does: finds a top-level function or class defined in a non-export cell (the
copy students write and the inline tests exercise) and defined again, with a different
body or signature, in an `#| export` cell (the copy the package ships). Docstrings are
ignored in the comparison. Why it matters: the inline tests pass against one behaviour
while users of the package get the other; EX003 only compares export cells with each
other. Example: the student's `measure_sparsity(model)` returns a percentage, the
exported wrapper of the same name a fraction, so `tinytorch.perf.compression` disagrees
with the notebook. How to fix: keep one definition, in the export cell, and test that one.""",
    check=check_student_copies,
    profiles=("tinytorch",),
)

RULE = EX005
