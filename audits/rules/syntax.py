"""SYN001: code cells that do not parse."""

from __future__ import annotations

from audits.model import Rule, Severity
from audits.rules._base import finding

DOC = """\
What it does: finds code cells that are not valid Python (Python 3.11 grammar), at the line
where the parser stopped (the mistake is sometimes just before it).
Why it matters: the module cannot run, export or be checked: every other rule skips the cell,
so its other problems stay hidden.
Example: `def forward(self, x)` without the colon.
How to fix: correct the syntax at the reported line so the cell parses."""


def check(module, index):
    for cell in module.cells:
        if cell.is_code and cell.syntax_error is not None:
            line, message = cell.syntax_error
            yield finding(
                RULE,
                module,
                line,
                f"code cell at line {cell.start} does not parse: {message}.",
                suggestion="Correct the syntax at this line so the cell parses.",
            )


RULE = Rule(
    code="SYN001",
    name="code cell does not parse",
    severity=Severity.HIGH,
    category="Syntax",
    doc=DOC,
    check=check,
    effort_minutes=5,
)
