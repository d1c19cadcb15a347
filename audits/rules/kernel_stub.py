"""NB007: a notebook whose kernel language nbgrader has no code stub for, so it refuses to release it."""

from __future__ import annotations

from audits.model import Rule, Severity
from audits.rules._base import finding
from audits.rules.nbgrader import CATEGORY
from audits.solutions import stub_refusal

DOC = """\
What it does: reports a notebook made for nbgrader (a cell carries nbgrader metadata) whose
kernelspec language has no entry in nbgrader's `ClearSolutions.code_stub`: nbgrader's own
defaults cover python, R, matlab, octave, sas and java; the course's nbgrader_config.py (or
`[tool.audits] code-stub` as a table) replaces or extends them. nbgrader reads the language
from the kernelspec alone, "python" when it names none, and matches it exactly ("R", not "r").
Why it matters: `nbgrader generate_assignment` refuses the whole notebook ("language 'julia'
has not been specified in ClearSolutions.code_stub"), before it looks at any cell, so there is
no student version until the stub exists.
Example: a Julia notebook (`"kernelspec": {"language": "julia", ...}`) in a course whose
nbgrader_config.py sets no stub for julia.
How to fix: add one to nbgrader_config.py, `c.ClearSolutions.code_stub["julia"] = "# YOUR CODE
HERE\\nerror(\\"No Answer Given!\\")"`, or correct the kernelspec if it names the wrong language."""


def check(module, index):
    if not any(isinstance(cell.nbgrader, dict) for cell in module.cells):
        return  # no cell made for nbgrader: not an assignment notebook
    refusal = stub_refusal(module)
    if refusal is None:
        return
    line, why = refusal
    yield finding(
        RULE,
        module,
        line,
        f"nbgrader's generate_assignment refuses this notebook: {why}.",
        excerpt=module.line(line),
        suggestion="Add a stub for this language to nbgrader_config.py (c.ClearSolutions.code_stub[<language>] = \"...\"), or fix the kernelspec.",
    )


RULE = Rule(
    code="NB007",
    name="no code stub for the notebook's kernel language",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc=DOC,
    check=check,
    effort_minutes=3,
    any_language=True,
)
