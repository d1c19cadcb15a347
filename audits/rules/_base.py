"""Small helpers the rules share to build findings and read the statements of a cell.

Generic AST reading (the cached node walk, the main guard, import-time statements)
lives in `audits.astutil`.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Iterator, Optional

from audits.astutil import char_column, children, dotted_name, is_try, name_span
from audits.model import Cell, Finding, Fix, ModuleSource, Rule

MAIN_GUARD = 'if __name__ == "__main__":'

# Import-time rules (TI001, SE001) judge files that are imported as modules: the percent-format
# sources a course exports into its package (profile "tinytorch"). A notebook of an nbgrader
# course is never imported: its cells simply run, and their prints, plots, loops, input() and
# top-level asserts are how it works.
IMPORTED_MODULES = ("tinytorch",)

# Every rule doc has these four sections, in this order, each introduced by its label.
DOC_SECTIONS = ("What it does", "Why it matters", "Example", "How to fix")
_SECTION = re.compile(r"(?:^|(?<=\s))(" + "|".join(re.escape(label) for label in DOC_SECTIONS) + r"):[ \t]*", re.MULTILINE)


def doc_sections(doc: str) -> dict[str, str]:
    """{label: text} of a rule doc, in the order written; text re-flowed to one paragraph
    (an indented block, e.g. a code example, keeps its lines)."""
    parts = _SECTION.split(doc)
    sections: dict[str, str] = {}
    for label, text in zip(parts[1::2], parts[2::2]):
        lines = text.strip("\n").split("\n")
        flowing = all(not line.startswith("    ") for line in lines)
        sections[label] = " ".join(line.strip() for line in lines if line.strip()) if flowing else textwrap.dedent(text.strip("\n"))
    return sections


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
    fix: Optional[Fix] = None,
    impact: tuple[str, ...] = (),
    node: Optional[ast.AST] = None,
    columns: Optional[tuple[int, int]] = None,
) -> Finding:
    """A Finding of `rule` at `line` of `module`; the excerpt defaults to lines line..last as written.
    `impact` lists where the flagged thing is used ("path:line `code`", see rules._usage).

    The range is the AST `node`'s (a definition's: its `def name`), else `columns` (column, end
    column) of `line`, else the text of lines line..last without their indentation."""
    return Finding(
        code=rule.code,
        severity=rule.severity,
        path=path if path is not None else module.display_path,
        line=line,
        message=message,
        excerpt=module.excerpt(line, last) if excerpt is None else excerpt,
        suggestion=suggestion,
        category=rule.category,
        fix=fix,
        impact=impact,
        **location(module.line, line, last, node, columns),
    )


def file_finding(
    rule: Rule, file, line: int, message: str, *, last: Optional[int] = None, suggestion: str = "", node: Optional[ast.AST] = None
) -> Finding:
    """A Finding of `rule` in one of the module's test files (an `audits.index.TestFile`)."""
    return Finding(
        rule.code, rule.severity, file.rel, line, message, file.excerpt(line, last), suggestion, rule.category,
        **location(file.line, line, last, node, None),
    )  # fmt: skip


def location(line_of, line: int, last: Optional[int], node: Optional[ast.AST], columns: Optional[tuple[int, int]]) -> dict:
    """{column, end_line, end_column} of a finding (1-based characters, end exclusive): see `finding`."""
    if node is not None and getattr(node, "lineno", None) == line and getattr(node, "end_lineno", None) is not None:
        text = line_of(line)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            span = name_span(text, node)
            if span is not None:
                return {"column": span[0], "end_line": line, "end_column": span[1]}
        end_text = text if node.end_lineno == line else line_of(node.end_lineno)
        return {"column": char_column(text, node.col_offset), "end_line": node.end_lineno, "end_column": char_column(end_text, node.end_col_offset)}
    if columns is not None:
        return {"column": columns[0], "end_line": line, "end_column": columns[1]}
    text, end = line_of(line), last if last is not None and last >= line else line
    end_text = text if end == line else line_of(end)
    return {"column": len(text) - len(text.lstrip()) + 1, "end_line": end, "end_column": max(len(end_text.rstrip()), 0) + 1}


def parsed_code_cells(module: ModuleSource) -> Iterator[tuple[Cell, ast.Module]]:
    """(cell, tree) for every code cell that parses; unparsable cells are SYN001's business."""
    for cell in module.cells:
        if cell.is_code and cell.tree is not None:
            yield cell, cell.tree


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
    if is_try(node):
        return []
    return [node]


def calls_in(node: ast.AST) -> Iterator[ast.Call]:
    """Calls evaluated by an expression, in source order. A lambda's body is not evaluated,
    unless the lambda is called right there: `(lambda: analyze())()`."""
    stack = [node]
    found = []
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            found.append(current)
            if isinstance(current.func, ast.Lambda):
                stack.append(current.func.body)
        for child in children(current):  # as ast.iter_child_nodes, without the contexts (no call there), faster
            if isinstance(child, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            stack.append(child)
    found.sort(key=lambda call: (call.lineno, call.col_offset))
    return iter(found)


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
