"""TI001: test, demo and analysis functions called at import time."""

from __future__ import annotations

import ast
import bisect
import re

from audits.astutil import import_time_statements, is_main_guard, nodes, runs_only_as_script
from audits.model import Edit, Fix, Rule, Safety, Severity
from audits.rules._base import (
    IMPORTED_MODULES,
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

INDENT = "    "

# test_*, demo_*, analyze_*/analyse_*, anything named *analysis*, run_tests/run_all_tests,
# and the unittest/pytest entry points.
TEST_LIKE = re.compile(r"^(?:test|demo|analy[sz]e)(?:_|$)|analysis|^run_(?:all_)?(?:unit_)?tests?$")
RUNNERS = {"unittest.main", "pytest.main"}
BLOCKS = {ast.If: "if", ast.Try: "try", ast.For: "for", ast.AsyncFor: "async for", ast.While: "while",
          ast.With: "with", ast.AsyncWith: "async with", ast.Match: "match"}  # fmt: skip
if hasattr(ast, "TryStar"):
    BLOCKS[ast.TryStar] = "try"

DOC = """\
What it does: finds test, demo and analysis functions (test_*, test_module, demo_*, analyze_*,
*analysis*) called at module level, outside `if __name__ == "__main__":` (alone or as one
operand of an `and`: `if __name__ == "__main__" and not QUICK:` guards too). A call inside a
module-level `try`/`if`/`for`/`with` block is reported at the block's first line. Calls inside
functions, classes, lambdas and the guard are fine. Only sources imported as modules are
checked (profile tinytorch); a notebook of an nbgrader course is never imported.
Why it matters: importing the module (as `tinytorch` does when the package is built, and as
nbgrader and pytest do) then runs the tests, prints their output and can take seconds or fail
the import.
Example: `test_unit_magnitude_prune()` on its own line after the test's definition.
How to fix: call it only under the guard in the same cell, `if __name__ == "__main__":`
followed by the indented call; `--fix` indents the statement (or the whole block) under a new
guard, or under the guard right above it."""


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


def _multiline_string_lines(tree: ast.Module) -> list[int]:
    """First lines of the strings spanning several lines, sorted: indenting those would change them."""
    return sorted(
        node.lineno
        for node in nodes(tree, ast.Constant, ast.JoinedStr)
        if (isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes))) and (node.end_lineno or node.lineno) > node.lineno
    )


GROUP_LIMIT = 25  # statements under one new guard at most (see _guard_fixes)


def _guard_fixes(module, tree: ast.Module, statements) -> dict[ast.stmt, Fix]:
    """The fix of each guardable top-level statement: indent it under the main guard.

    Consecutive statements share one guard (one Fix, attached to each of their
    findings), up to GROUP_LIMIT of them: every finding carries its group's whole
    edit, so unbounded groups would make reports grow with the square of the calls;
    right after an existing guard they join it, with its indentation.
    A statement sharing a line with another (`a = 1; test_a()`) gets no fix; one
    holding a multi-line string gets an unsafe fix (indenting changes the string).
    """
    if not statements:
        return {}  # most cells: nothing to guard, no string to look for
    body = tree.body
    position = {id(node): i for i, node in enumerate(body)}
    strings = _multiline_string_lines(tree)
    wanted: dict[int, bool] = {}  # body index -> safe?
    for statement in statements:
        i = position.get(id(statement))
        if i is None:
            continue  # inside the `else:` of a main guard: the suggestion says what to do
        if (i > 0 and body[i - 1].end_lineno == statement.lineno) or (i + 1 < len(body) and body[i + 1].lineno == statement.end_lineno):
            continue
        first, last = statement.lineno, statement.end_lineno or statement.lineno
        at = bisect.bisect_left(strings, first)
        wanted[i] = not (at < len(strings) and strings[at] <= last)  # no multi-line string inside
    groups: list[list[int]] = []
    for i in sorted(wanted):
        if groups and groups[-1][-1] == i - 1 and wanted[groups[-1][-1]] == wanted[i] and len(groups[-1]) < GROUP_LIMIT:
            groups[-1].append(i)
        else:
            groups.append([i])
    fixes: dict[ast.stmt, Fix] = {}
    for group in groups:
        first, last = body[group[0]], body[group[-1]]
        previous = body[group[0] - 1] if group[0] > 0 else None
        if previous is not None and is_main_guard(previous) and not previous.orelse:
            guard_line = module.line(previous.body[0].lineno)
            indent = guard_line[: len(guard_line) - len(guard_line.lstrip())] or INDENT
            head, how = [], f"moved under the __main__ guard at line {previous.lineno}"
        else:
            indent, head, how = INDENT, [MAIN_GUARD], "wrapped in a new __main__ guard"
        lines = [module.line(n) for n in range(first.lineno, (last.end_lineno or last.lineno) + 1)]
        text = "\n".join(head + [indent + line if line.strip() else line for line in lines])
        safe = wanted[group[0]]
        fix = Fix(
            how if safe else how + " (unsafe: indenting changes the text of a multi-line string)",
            (Edit(first.lineno, last.end_lineno or last.lineno, text),),
            Safety.SAFE if safe else Safety.UNSAFE,
        )
        for i in group:
            fixes[body[i]] = fix
    return fixes


def check(module, index):
    for cell, tree in parsed_code_cells(module):
        found = import_time_test_calls(tree)
        fixes = _guard_fixes(module, tree, found)
        top = {id(node) for node in tree.body}
        for statement, calls in found.items():
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
            if id(statement) not in top:  # inside the `else:` of a main guard
                suggestion = f"Move this call out of the `else:` branch into the body of `{MAIN_GUARD}`."
            elif statement not in fixes:
                suggestion = f"This statement shares a line with another statement (`;`): put it on its own line, then call it only under `{MAIN_GUARD}`."
            else:
                suggestion = guarded(module, first, last)
            node = statement if type(statement) in BLOCKS else calls[0]
            yield finding(RULE, module, first, message, last=last, suggestion=suggestion, fix=fixes.get(statement), node=node)


RULE = Rule(
    code="TI001",
    name="test or analysis call at import time",
    severity=Severity.CRITICAL,
    category="Test isolation",
    doc=DOC,
    check=check,
    effort_minutes=2,
    profiles=IMPORTED_MODULES,
)
