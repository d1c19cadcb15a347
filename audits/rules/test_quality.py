"""TST001: test functions that assert nothing."""

from __future__ import annotations

import ast
import bisect
import functools
import operator
import re
from typing import Optional

from audits.astutil import defined_tests, nodes, test_methods
from audits.model import Rule, Severity
from audits.rules._base import callee, calls_in, file_finding, finding, last_name
from audits.rules.test_swallows import is_broad

ASSERTING_NAME = re.compile(r"^(?:assert|check|verify|expect)_|^assert[A-Z]|^fail$")
PYTEST_CHECKS = {"raises", "warns", "deprecated_call", "fail", "approx"}
PLACEHOLDER_ERRORS = {"NotImplementedError"}

DOC = """\
What it does: finds test functions that assert nothing: no `assert` on something that can be
false, no `pytest.raises`/`pytest.warns`/`pytest.fail`, no `np.testing.assert_*` (or any
`assert_*`/`check_*` helper), no call to a helper in the same file that asserts, no helper
imported from testkit, no `raise` of an exception (`raise NotImplementedError` is a
placeholder). A `test_*` function that returns a verdict which its callers assert (`assert
test_func_throws(f, ValueError)`, or nbgrader's `### AUTOTEST test_func_throws(...)` line, which
stands for that assert) is a predicate, checked where it is called. An assertion of a constant (`assert True`, `assert 1`, `assert "done"`) asserts
nothing. Checked for inline `test_*` functions in the module source and for `test_*` functions
(and methods of `Test*` classes) in the module's test and checkpoint files; `test_module()`
that calls the unit tests is fine.
Why it matters: such a test passes whatever the code does and reports coverage that does not
exist.
Example: `def test_pruning_integration(): pass`, or a body that is only `assert True`.
How to fix: assert on a value computed independently (numpy formula, hand-worked example,
finite differences)."""


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Every function defined in a file or cell set, by name (methods included)."""
    found: dict[str, ast.FunctionDef] = {}
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        found.setdefault(node.name, node)
    return found


def _testkit_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in nodes(tree, ast.ImportFrom, ast.Import):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "testkit":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "testkit":
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


def should_raise_failures(tree: ast.AST) -> list[ast.Assert]:
    """`assert False` (any false constant) in the body of a `try` whose every handler catches a
    specific error: the should-raise check `try: f(bad); assert False` / `except ValueError: pass`."""
    found = []
    for node in nodes(tree, ast.Try):
        if node.handlers and not any(is_broad(handler) for handler in node.handlers):
            found += [a for s in node.body for a in ast.walk(s) if isinstance(a, ast.Assert) and isinstance(a.test, ast.Constant) and not a.test.value]
    return found


def _own_statements(function: ast.AST):
    """The nodes of a function's body, not those of the functions and classes it defines."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)))


class Checker:
    """Decides whether a function checks something, following same-file helpers.

    Works from line spans over the trees' cached node lists (line numbers of a
    module's cells never overlap), so no function body is walked twice. What only
    some functions need (`asserted`, `_should_raise`) is found on first use: walking
    every assert's expression for its calls was most of this rule's time, and it is
    needed only for a test that asserts nothing.
    """

    def __init__(self, trees: list[ast.Module]):
        self.trees = trees
        self.functions: dict[str, ast.FunctionDef] = {}
        self.testkit: set[str] = set()
        checks = []
        for tree in trees:
            for name, node in _functions(tree).items():
                self.functions.setdefault(name, node)
            self.testkit |= _testkit_names(tree)
            checks.extend(nodes(tree, ast.Assert, ast.Raise, ast.Call))
        checks.sort(key=operator.attrgetter("lineno"))
        self._checks = checks
        self._lines = [node.lineno for node in checks]
        self._memo: dict[str, bool] = {}

    @functools.cached_property
    def asserted(self) -> set[Optional[str]]:
        """Functions whose value an `assert` checks (`assert test_func_throws(...)`, an AUTOTEST line)."""
        return {callee(call) for node in self._checks if isinstance(node, ast.Assert) for call in calls_in(node.test)}

    @functools.cached_property
    def _should_raise(self) -> set[int]:
        """The ids of the `assert False` of should-raise checks (`should_raise_failures`)."""
        return {id(node) for tree in self.trees for node in should_raise_failures(tree)}

    def is_asserted_predicate(self, function: ast.AST) -> bool:
        """A function that returns a value on some path and whose calls an `assert` checks: the
        verdict is asserted where it is called (nbgrader's `test_func_throws` helper)."""
        return function.name in self.asserted and any(
            isinstance(node, ast.Return) and node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None)
            for node in _own_statements(function)
        )

    def asserts(self, function: ast.AST, seen: Optional[set[str]] = None) -> bool:
        seen = seen or set()
        first, last = function.lineno, function.end_lineno or function.lineno
        for node in self._checks[bisect.bisect_left(self._lines, first) : bisect.bisect_right(self._lines, last)]:
            if isinstance(node, ast.Assert):
                if not isinstance(node.test, ast.Constant) or id(node) in self._should_raise:
                    return True  # `assert True`, `assert 1` are placeholders; `assert False` after a call that must raise is not
                continue
            if isinstance(node, ast.Raise) and node.exc is not None:
                # `if bad: raise ValueError(...)` checks as much as an assert; a bare `raise`
                # (re-raise) does not, nor does the placeholder `raise NotImplementedError`.
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if not (isinstance(raised, ast.Name) and raised.id in PLACEHOLDER_ERRORS):
                    return True
            if isinstance(node, ast.Call) and self._asserting_call(node, seen):
                return True
        return False

    def _asserting_call(self, call: ast.Call, seen: set[str]) -> bool:
        name = callee(call)
        if not name:
            return False
        last = last_name(name)
        root = name.split(".")[0]
        if ASSERTING_NAME.search(last) or last.startswith("test_"):
            return True
        if root == "pytest" and last in PYTEST_CHECKS - {"approx"}:
            return True
        if "testing" in name.split(".") and last.startswith("assert"):
            return True
        if root in self.testkit:
            return True
        if "." not in name and name in self.functions and name not in seen:
            if name not in self._memo:
                self._memo[name] = self.asserts(self.functions[name], seen | {name})
            return self._memo[name]
        return False


MESSAGE = "`{name}` asserts nothing: it passes whatever the code under test does."
CONSTANT_MESSAGE = "`{name}` asserts only a constant (`assert {value}`): it passes whatever the code under test does."
SUGGESTION = "Assert on a result computed independently (numpy formula, hand-worked example, finite differences), e.g. `assert np.allclose(result.data, expected)`."


def _message(function: ast.AST) -> str:
    constant = next((node.test for node in ast.walk(function) if isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant)), None)
    if constant is not None:
        return CONSTANT_MESSAGE.format(name=function.name, value=ast.unparse(constant))
    return MESSAGE.format(name=function.name)


def check(module, index):
    trees = [cell.tree for cell in module.code_cells() if cell.tree is not None]
    checker = None  # made for the first inline test (most modules have none: their tests are in test files)
    for cell in module.code_cells():
        if cell.tree is None:
            continue
        for node in defined_tests(cell.tree):
            checker = checker or Checker(trees)
            if not checker.asserts(node) and not checker.is_asserted_predicate(node):
                yield finding(RULE, module, node.lineno, _message(node), suggestion=SUGGESTION, node=node)
    if index is None or module.number is None:
        return
    for test in index.test_files(module.number):
        if test.tree is None or not test.is_test_module:
            continue
        file_checker = Checker([test.tree])
        for node in [*defined_tests(test.tree), *test_methods(test.tree)]:
            if not file_checker.asserts(node):
                yield file_finding(RULE, test, node.lineno, _message(node), suggestion=SUGGESTION, node=node)


RULE = Rule(
    code="TST001",
    name="test asserts nothing",
    severity=Severity.HIGH,
    category="Test quality",
    doc=DOC,
    check=check,
    effort_minutes=15,
)
