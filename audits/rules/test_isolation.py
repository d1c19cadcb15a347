"""TI001: test, demo and analysis functions called at import time."""

from __future__ import annotations

import ast
import re

from audits.astutil import import_time_statements, runs_only_as_script
from audits.model import Rule, Severity
from audits.rules._base import (
    MAIN_GUARD,
    callee,
    calls_in,
    finding,
    guarded,
    header_expressions,
    last_name,
    parsed_code_cells,
    statement_span,
)

# test_*, demo_*, analyze_*/analyse_*, anything named *analysis*, run_tests/run_all_tests,
# and the unittest/pytest entry points.
TEST_LIKE = re.compile(r"^(?:test|demo|analy[sz]e)(?:_|$)|analysis|^run_(?:all_)?(?:unit_)?tests?$")
RUNNERS = {"unittest.main", "pytest.main"}
BLOCKS = {ast.If: "if", ast.Try: "try", ast.For: "for", ast.AsyncFor: "async for", ast.While: "while",
          ast.With: "with", ast.AsyncWith: "async with", ast.Match: "match"}  # fmt: skip
if hasattr(ast, "TryStar"):
    BLOCKS[ast.TryStar] = "try"

DOC = """\
A test, demo or analysis function (test_*, test_module, demo_*, analyze_*, *analysis*)
is called at module level, outside `if __name__ == "__main__":` (alone or as one operand of
an `and`: `if __name__ == "__main__" and not QUICK:` guards too). Importing the module (as
`tinytorch` does when the package is built, and as nbgrader and pytest do) then runs the
tests, prints their output and can take seconds or fail the import. Example:
`test_unit_magnitude_prune()` on its own line after the test's definition. Fix: call it
only under the guard in the same cell, e.g.
`if __name__ == "__main__":` followed by the indented `test_unit_magnitude_prune()`.
A call inside a module-level `try`/`if`/`for`/`with` block is reported at the block's
first line and the whole block is guarded. Calls inside functions, classes, lambdas and
the guard are fine."""


def is_test_call(call: ast.Call) -> bool:
    name = callee(call)
    return bool(name) and (bool(TEST_LIKE.search(last_name(name))) or name in RUNNERS)


def import_time_test_calls(tree: ast.Module) -> dict[ast.stmt, list[ast.Call]]:
    """Test/demo/analysis calls that run on import, keyed by the top-level statement holding them
    (the statement itself, or the outermost if/try/for/with block around it)."""
    found: dict[ast.stmt, list[ast.Call]] = {}
    for statement, outer in import_time_statements(tree.body):
        for expression in header_expressions(statement):
            for call in calls_in(expression):
                if is_test_call(call):
                    # In the `else:` of a main guard the enclosing block is the guard itself: report the statement.
                    key = statement if outer is None or runs_only_as_script(outer) else outer
                    found.setdefault(key, []).append(call)
    return found


def check(module, index):
    for cell, tree in parsed_code_cells(module):
        for statement, calls in import_time_test_calls(tree).items():
            first, last = statement_span(statement)
            names = [f"`{callee(call)}()`" for call in calls]
            if type(statement) not in BLOCKS:
                message = f"{names[0]} runs at import time: call it only under `{MAIN_GUARD}`."
            else:
                where = ", ".join(f"{name} (line {call.lineno})" for name, call in zip(names, calls))
                message = (
                    f"{where} run{'s' if len(calls) == 1 else ''} at import time inside this `{BLOCKS[type(statement)]}` block: "
                    f"guard the whole block with `{MAIN_GUARD}`."
                )
            if statement.col_offset == 0:
                suggestion = guarded(module, first, last)
            else:  # inside the `else:` of a main guard
                suggestion = f"Move this call out of the `else:` branch into the body of `{MAIN_GUARD}`."
            yield finding(RULE, module, first, message, last=last, suggestion=suggestion)


RULE = Rule(
    code="TI001",
    name="test or analysis call at import time",
    severity=Severity.CRITICAL,
    category="Test isolation",
    doc=DOC,
    check=check,
)
