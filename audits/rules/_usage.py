"""Where a flagged name is used, and what to write instead of a composition container.

Helpers for the rules' `Finding.impact` lines and CC001's replacement code; like
the rules, they read ASTs and never run the audited code.
"""

from __future__ import annotations

import ast
from typing import Iterable, Optional

from audits.astutil import dotted_name, nodes
from audits.model import ModuleSource

PARAMETERLESS = {"ReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "Dropout", "Flatten", "Identity"}
MAX_IMPACT = 8  # usage lines listed per finding; the rest are counted


def _calls_of(tree: ast.AST, name: str) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if called == name:
                calls.append(node)
    return sorted(calls, key=lambda call: (call.lineno, call.col_offset))


def _short(text: str, width: int = 72) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def usages(module: ModuleSource, index, name: str, skip: tuple[int, int] = (0, 0)) -> tuple[tuple[str, ...], Optional[ast.Call]]:
    """("path:line `code`", ...) for every call of `name` in the module (outside lines `skip`) and in
    its test files, and the first call in the module (for replacement code)."""
    found: list[str] = []
    first: Optional[ast.Call] = None
    for cell in module.code_cells():
        if cell.tree is None:
            continue
        for call in _calls_of(cell.tree, name):
            if skip[0] <= call.lineno <= skip[1]:
                continue
            first = first or call
            found.append(f"{module.display_path}:{call.lineno} `{_short(module.line(call.lineno).strip())}`")
    if index is not None and module.number is not None:
        for test in index.test_files(module.number):
            if test.tree is None:
                continue
            for call in _calls_of(test.tree, name):
                found.append(f"{test.rel}:{call.lineno} `{_short(test.line(call.lineno).strip())}`")
    return capped(found), first


def capped(found: list[str]) -> tuple[str, ...]:
    """The usage lines without repeats, in order, at most MAX_IMPACT of them and a count of the rest."""
    lines = list(dict.fromkeys(found))
    if len(lines) > MAX_IMPACT:
        lines = lines[:MAX_IMPACT] + [f"... and {len(lines) - MAX_IMPACT} more uses"]
    return tuple(lines)


def usage_line(module: ModuleSource, line: int) -> str:
    """"path:line `code`" for one line of the module."""
    return f"{module.display_path}:{line} `{_short(module.line(line).strip())}`"


def usage_lines(module: ModuleSource, lines: Iterable[int]) -> tuple[str, ...]:
    """Usage lines (see `usage_line`) for those lines of the module, in order, capped (see `capped`)."""
    return capped([usage_line(module, line) for line in lines])


def reading_lines(module: ModuleSource, names: Iterable[str], cells=None, skip: tuple[int, int] = (0, 0)) -> list[int]:
    """The lines of `cells` (default: every code cell) that read one of `names`, outside lines
    `skip`: where a flagged name or import is relied on."""
    wanted = set(names)
    found: list[int] = []
    for cell in module.code_cells() if cells is None else cells:
        if cell.tree is None:
            continue
        for node in nodes(cell.tree, ast.Name):
            if node.id in wanted and isinstance(node.ctx, ast.Load) and not skip[0] <= node.lineno <= skip[1]:
                found.append(node.lineno)
    return found


def import_reading_lines(module: ModuleSource, node: ast.stmt) -> list[int]:
    """The lines (outside the import itself) that use what an import statement binds. `import a.b`
    binds `a`, which other imports share: its uses are the reads of `a.b` itself."""
    skip = (node.lineno, node.end_lineno or node.lineno)
    if not isinstance(node, ast.Import):
        return reading_lines(module, imported_names(node), skip=skip)
    plain = {alias.asname or alias.name for alias in node.names if alias.asname or "." not in alias.name}
    dotted = {alias.name for alias in node.names if not alias.asname and "." in alias.name}
    found = reading_lines(module, plain, skip=skip)
    for cell in module.code_cells():
        if cell.tree is not None and dotted:
            found += [use.lineno for use in nodes(cell.tree, ast.Attribute) if dotted_name(use) in dotted and not skip[0] <= use.lineno <= skip[1]]
    return sorted(found)


def imported_names(node: ast.stmt) -> set[str]:
    """The names an import statement binds (`import a.b` binds `a`)."""
    if isinstance(node, ast.ImportFrom):
        return {alias.asname or alias.name for alias in node.names if alias.name != "*"}
    if isinstance(node, ast.Import):
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return set()


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "layer"
    return "layer"


def explicit_model(container: str, call: Optional[ast.Call]) -> str:
    """Python for a small named model that chains the layers of `call` (a use of the container) explicitly."""
    layers = list(call.args) if call is not None else []
    if len(layers) == 1 and isinstance(layers[0], (ast.List, ast.Tuple)):  # Sequential([a, b]): the list holds the layers
        layers = list(layers[0].elts)
    layers = [layer for layer in layers if not isinstance(layer, ast.Starred)]
    if not layers:  # no use to copy from: the canonical two-layer example
        layers = [ast.parse(text, mode="eval").body for text in ("Linear(4, 8)", "ReLU()", "Linear(8, 2)")]
    counts: dict[str, int] = {}
    names = []
    for layer in layers:
        kind = _callee(layer)
        counts[kind] = counts.get(kind, 0) + 1
        names.append((f"{kind.lower()}{counts[kind]}", kind, ast.unparse(layer)))
    trained = [attr for attr, kind, _ in names if kind not in PARAMETERLESS]
    was = ast.unparse(call) if call is not None else f"{container}(...)"
    lines = [
        f"# Replaces `{_short(was, 60)}`: each layer is called where the student can see it.",
        "class Model:",
        "    def __init__(self):",
        *(f"        self.{attr} = {code}" for attr, _, code in names),
        "",
        "    def forward(self, x):",
        *(f"        x = self.{attr}.forward(x)" for attr, _, _ in names),
        "        return x",
        "",
        "    def __call__(self, x):",
        "        return self.forward(x)",
        "",
        "    def parameters(self):",
        f"        return [{', '.join(f'*self.{attr}.parameters()' for attr in trained)}]",
    ]
    return "\n".join(lines)
