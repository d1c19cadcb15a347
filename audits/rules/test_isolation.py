"""TI001: test, demo and analysis functions called at import time."""

from __future__ import annotations

import re

from audits.astutil import import_time_statements
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

DOC = """\
A test, demo or analysis function (test_*, test_module, demo_*, analyze_*, *analysis*)
is called at module level, outside `if __name__ == "__main__":`. Importing the module (as
`tinytorch` does when the package is built, and as nbgrader and pytest do) then runs the
tests, prints their output and can take seconds or fail the import. Example:
`test_unit_magnitude_prune()` on its own line after the test's definition. Fix: call it
only under the guard in the same cell, e.g.
`if __name__ == "__main__":` followed by the indented `test_unit_magnitude_prune()`.
Calls inside functions, classes and the guard are fine."""


def check(module, index):
    for cell, tree in parsed_code_cells(module):
        for statement, outer in import_time_statements(tree.body):
            for expression in header_expressions(statement):
                for call in calls_in(expression):
                    name = callee(call)
                    if not (TEST_LIKE.search(last_name(name)) or name in RUNNERS):
                        continue
                    first, last = statement_span(statement if outer is None else call)
                    block = outer or statement
                    fix_first, fix_last = statement_span(block)
                    where = "" if outer is None else f" (inside the block at line {block.lineno}: guard the whole block)"
                    yield finding(
                        RULE,
                        module,
                        call.lineno,
                        f"`{name}()` runs at import time: call it only under `{MAIN_GUARD}`{where}.",
                        last=last if outer is None else call.end_lineno,
                        suggestion=guarded(module, fix_first, fix_last),
                    )


RULE = Rule(
    code="TI001",
    name="test or analysis call at import time",
    severity=Severity.CRITICAL,
    category="Test isolation",
    doc=DOC,
    check=check,
)
