"""GR001: a graded test cell that can only test provided code."""

from __future__ import annotations

from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules._graded import dependencies
from audits.solutions import cell_id, graded_cells, solution_regions

DOC = """\
What it does: finds a graded test cell that uses no name defined in any solution region,
following the names it loads through the module-level definitions of earlier cells
(a helper calling a model builder calling a student's function counts as using it).
A source without any solution region is not an assignment and is not checked.

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


def check(module, index):
    if not solution_regions(module):
        return  # nothing for students to write: not an assignment, so there is no student version to pass
    for cell in graded_cells(module):
        if cell.tree is None:
            continue
        deps = dependencies(module, cell)
        if deps.solution:
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
