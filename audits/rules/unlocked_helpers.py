"""GR003: a graded test depends on a cell the student may edit."""

from __future__ import annotations

from audits.astutil import defined_tests
from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules._graded import dependencies
from audits.rules._usage import capped, reading_lines, usage_line
from audits.rules.nbgrader import complete_metadata, suggested_marker
from audits.solutions import (
    cell_id,
    graded_cells,
    is_graded,
    is_locked,
    is_solution_cell,
)

DOC = """\
What it does: finds a code cell that is neither locked nor a solution cell and defines a
name (a function, class or value; imports aside) that a graded test uses, directly or
through definitions in locked cells. (Names reached only through code the student may
edit anyway, such as provided code in a solution cell, are not counted.)

Why it matters: nbgrader lets the student edit every unlocked cell, and autograding
restores only locked and graded cells. A student who edits the helper (the model a
test builds, the expected values it compares with) changes what the test checks, and
the grade no longer measures the student's work.

Example: `training-test-helpers` (`"locked": false, "solution": false`) defines
`make_regression_data`, which `test-trainer` calls.

How to fix: lock the cell (`"locked": true`; the suggestion gives the marker line), or
move the helper into the graded test cell that uses it."""


def _locked(cell) -> bool:
    return is_locked(cell) or is_graded(cell)


def _graded_uses(module, uses) -> tuple[str, ...]:
    """The graded-test lines that read the helper's names; a test that reaches them only
    through locked code is named by its cell."""
    names_by_test: dict[int, tuple] = {}  # test cell start -> (test cell, names it needs from the helper)
    for definition, test in uses:
        names_by_test.setdefault(test.start, (test, set()))[1].add(definition.name)
    found: list[str] = []
    for test, names in names_by_test.values():
        direct = [usage_line(module, line) for line in reading_lines(module, names, cells=[test])]
        found += direct or [f"{module.display_path}:{test.start} `{cell_id(test)}` (through locked code)"]
    return capped(found)


def check(module, index):
    users: dict[int, list] = {}  # tamperable cell start -> [(definition, test cell)]
    for cell in graded_cells(module):
        if cell.tree is None:
            continue
        for definition in dependencies(module, cell, follow=lambda d: _locked(d.cell)).provided:
            helper = definition.cell
            if not (_locked(helper) or is_solution_cell(helper) or defined_tests(helper.tree)):  # an unlocked test cell is NB005's
                users.setdefault(helper.start, []).append((definition, cell))
    for start, uses in sorted(users.items()):
        helper = uses[0][0].cell
        names = ", ".join(dict.fromkeys(f"`{d.name}`" for d, _ in uses))
        tests = ", ".join(dict.fromkeys(f"`{cell_id(test)}`" for _, test in uses))
        meta = {**complete_metadata(module, helper), "locked": True}
        yield finding(
            RULE, module, start,
            f"cell `{cell_id(helper)}` is not locked, yet graded tests depend on what it defines ({names}, used by {tests}): "
            "a student can edit it and autograding will not restore it.",
            excerpt=helper.marker or module.line(start),
            suggestion=suggested_marker(helper, meta),
            impact=_graded_uses(module, uses),
        )  # fmt: skip


RULE = Rule(
    code="GR003",
    name="graded test depends on an unlocked cell",
    severity=Severity.HIGH,
    category="Grading",
    doc=DOC,
    check=check,
    effort_minutes=5,
)
