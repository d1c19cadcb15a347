"""GR001: a graded test cell that can only test provided code."""

from __future__ import annotations

import builtins

from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules._graded import dependencies
from audits.rules._scopes import free_loads, module_bindings
from audits.solutions import cell_id, graded_cells, solution_regions

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython", "display"}

DOC = """\
What it does: finds a graded test cell that uses no name defined in any solution region,
following the names it loads through the module-level definitions of earlier cells
(a helper calling a model builder calling a student's function counts as using it).
A source without any solution region is not an assignment and is not checked. A test that
reads names no cell defines, after a solution region, reads what the student writes there:
that is the student version of a notebook (nbgrader's stub in place of the solution), and
the test checks the student's work.

Why it matters: such a test can only check provided code. It passes on the student
version nbgrader generates, so its points are given for no work, and it gives the
maintainer the false comfort of a test that never fails for a student.

Example: a cell `tokenizer-base` (not a solution cell) defines `Tokenizer` and
`corpus_texts`, and the graded cell `test-tokenizer-base` checks only those two.

How to fix: make the code the test checks student work (put it in a solution region),
or test the student's functions in this cell; provided code that needs checking
belongs in an ungraded check or in the module's pytest suite, not in a cell worth points."""


def _names(definitions, limit: int = 4) -> str:
    names = list(dict.fromkeys(f"`{d.name}`" for d in definitions))
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _bound(module) -> set[str]:
    """Every global some code cell of the module binds (imports included)."""
    return {name for cell in module.code_cells() if cell.tree is not None for name in module_bindings(cell.tree)}


def _reads_student_names(cell, bound: set[str]) -> bool:
    """Does the test cell read a name no cell of the module binds (nor Python's builtins)?
    After a solution region, that is a name the student defines in place of nbgrader's stub."""
    return any(node.id not in bound and node.id not in BUILTINS for node in free_loads(cell.tree, ()))


def check(module, index):
    regions = solution_regions(module)
    if not regions:
        return  # nothing for students to write: not an assignment, so there is no student version to pass
    bound = None
    for cell in graded_cells(module):
        if cell.tree is None:
            continue
        deps = dependencies(module, cell)
        if deps.solution:
            continue
        if cell.start > regions[0].first:
            bound = _bound(module) if bound is None else bound
            if _reads_student_names(cell, bound):
                continue
        uses = f"it only reaches provided code ({_names(deps.provided)})" if deps.provided else "it reaches no code of this module"
        yield finding(
            RULE, module, cell.start,
            f"graded test cell `{cell_id(cell)}` uses no name defined in a solution region: {uses}, "
            "so it passes on the student version.",
            excerpt=cell.marker or module.line(cell.start),
            suggestion="Test the student's work in this cell, or turn the provided code it checks into a solution region.",
        )  # fmt: skip


RULE = Rule(
    code="GR001",
    name="graded test checks only provided code",
    severity=Severity.HIGH,
    category="Grading",
    doc=DOC,
    check=check,
    effort_minutes=20,
)
