"""TST002: tests that catch the failure they should report, so they cannot fail.

Shared with TST001 (`test_quality`): what a handler that *checks* looks like, and which
exception names are too broad to catch around the code under test.
"""

from __future__ import annotations

import ast
from typing import Iterator

from audits.astutil import defined_tests, dotted_name, nodes, test_methods
from audits.model import Rule, Severity
from audits.rules._base import callee, file_finding, finding, last_name
from audits.solutions import is_graded

# Catching one of these around the code under test also catches the test's own failure:
# AssertionError is what a failing `assert` raises, Exception and BaseException include it.
BROAD = {"Exception", "BaseException", "AssertionError"}
IMPORTS = {"ImportError", "ModuleNotFoundError"}

DOC = """\
What it does: finds test code that catches the failure it should report: a `try` around the
code under test whose `except` catches `Exception`, `BaseException` or `AssertionError` (or is
a bare `except:`), or `with contextlib.suppress(...)` of those, and whose handler does not fail
itself (no `raise`, no `assert`, no `pytest.fail`); and an `except ImportError` (or
`ModuleNotFoundError`) that returns, passes or skips. Checked in inline `test_*` functions and
graded test cells of the module source, and in the `test_*` functions of its test files.
Why it matters: such a test passes whatever the code does. A wrong answer raises
`AssertionError` inside the `try` and is swallowed; a missing implementation raises
`NotImplementedError` and is swallowed; a module that does not import is skipped, so the
suite reports success for code that does not exist.
Example:
    def test_unit_linear():
        try:
            assert Linear(2, 3)(x).shape == (4, 3)
        except Exception:
            pass
How to fix: delete the `try`: let the error fail the test. For a check that an error is
raised, catch exactly that error (`with pytest.raises(ValueError):`, or `except ValueError:`
after an `assert False` in the `try`). Import the code under test at the top of the file."""


def caught_names(handler: ast.ExceptHandler) -> set[str]:
    """The exception class names a handler catches (a bare `except:` catches BaseException)."""
    if handler.type is None:
        return {"BaseException"}
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {last_name(dotted_name(kind)) for kind in kinds}


def is_broad(handler: ast.ExceptHandler) -> bool:
    return bool(caught_names(handler) & BROAD)


def _fails(statements: list[ast.stmt]) -> bool:
    """Whether a handler body can fail the test: it raises, asserts or calls pytest.fail / an assert_* helper."""
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, (ast.Raise, ast.Assert)):
                return True
            if isinstance(node, ast.Call):
                name = last_name(callee(node))
                if name == "fail" or name.startswith("assert"):
                    return True
    return False


def _runs_code(statements: list[ast.stmt]) -> bool:
    """Whether a `try` body runs something to test (a call, an assert, an import)."""
    return any(isinstance(node, (ast.Call, ast.Assert, ast.Import, ast.ImportFrom)) for statement in statements for node in ast.walk(statement))


def _blocks_in(root: ast.AST, tree: ast.AST | None) -> list:
    """The `try` and `with` statements under `root`, in source order. Given the tree that holds
    `root`, they are read from the tree's node index (walked once for every rule) and kept when
    their span lies within root's: indexing each test function again re-walked every test file."""
    if tree is None:
        return nodes(root, ast.Try, ast.With)
    start, end = (root.lineno, root.col_offset), (root.end_lineno, root.end_col_offset)
    return [node for node in nodes(tree, ast.Try, ast.With) if start <= (node.lineno, node.col_offset) and (node.end_lineno, node.end_col_offset) <= end]


def swallows(root: ast.AST, tree: ast.AST | None = None) -> Iterator[tuple[ast.AST, str]]:
    """(node, message) for every place under `root` (a node of `tree`, when given) that swallows the failure it should report."""
    for node in _blocks_in(root, tree):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and last_name(callee(call)) == "suppress":
                    names = {last_name(dotted_name(arg)) for arg in call.args}
                    if names & BROAD:
                        yield node, f"`suppress({', '.join(sorted(names & BROAD))})` around the code under test: the test cannot fail."
            continue
        if not _runs_code(node.body):
            continue
        for handler in node.handlers:
            names = caught_names(handler)
            if _fails(handler.body):
                continue
            if names & BROAD:
                caught = "a bare `except:`" if handler.type is None else f"`except {ast.unparse(handler.type)}`"
                yield handler, f"{caught} around the code under test swallows the failure it should report: the test cannot fail."
            elif names & IMPORTS:
                yield handler, f"`except {ast.unparse(handler.type)}` that passes, returns or skips: a module that does not import passes the test."


def _graded_cell_statements(cell) -> list[ast.stmt]:
    """The top-level statements of a graded test cell that are not definitions (nbgrader-style tests)."""
    return [node for node in cell.tree.body if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def check(module, index):
    seen: set[int] = set()
    for cell in module.code_cells():
        if cell.tree is None:
            continue
        roots = list(defined_tests(cell.tree))
        if is_graded(cell):
            roots += _graded_cell_statements(cell)
        for root in roots:
            for node, message in swallows(root, cell.tree):
                if node.lineno not in seen:
                    seen.add(node.lineno)
                    yield finding(RULE, module, node.lineno, message, suggestion=SUGGESTION, node=node)
    if index is None or module.number is None:
        return
    for test in index.test_files(module.number):
        if test.tree is None or not test.is_test_module:
            continue
        for function in [*defined_tests(test.tree), *test_methods(test.tree)]:
            for node, message in swallows(function, test.tree):
                yield file_finding(RULE, test, node.lineno, message, suggestion=SUGGESTION, node=node)


SUGGESTION = "Let the error fail the test; to check that an error is raised, catch exactly that one (`with pytest.raises(ValueError):`)."

RULE = Rule(
    code="TST002",
    name="test swallows its own failure",
    severity=Severity.HIGH,
    category="Test quality",
    doc=DOC,
    check=check,
    effort_minutes=10,
)
