"""SYN001: code cells that do not parse. SYN002: a notebook that nbformat rejects."""

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


NOTEBOOK_DOC = """\
What it does: reports a notebook (`.ipynb`) that nbformat's schema rejects, quoting nbformat's
reason and where it is (a code cell without `outputs`, a key the format does not know, a
metadata value of the wrong type), at the cell it names.
Why it matters: nbgrader and Jupyter validate notebooks: `nbgrader validate` and
`generate_assignment` refuse this one, and Jupyter may drop or rewrite what it cannot read.
The audit still reads the cells, so the other findings stay accurate; `--fix` leaves the file alone.
Example: `{"cell_type": "code", "source": "x = 1", "metadata": {}}` (no `outputs`, no `execution_count`).
How to fix: open and save the notebook in Jupyter, or repair the JSON at the place nbformat names
(`python -c "import nbformat; nbformat.validate(nbformat.read('f.ipynb', 4))"` shows the same error)."""


def check_notebook(module, index):
    notebook = module.notebook
    if notebook is None or notebook.invalid is None:
        return
    cells = [cell for cell in module.cells if cell.index == notebook.invalid_cell]
    line = cells[0].start if cells else 1
    yield finding(
        NOTEBOOK_RULE,
        module,
        line,
        f"nbformat rejects this notebook: {notebook.invalid}.",
        excerpt=None if module.lines else "",
        suggestion="Repair the notebook where nbformat says (or open and save it in Jupyter); nbgrader refuses it until then.",
    )


NOTEBOOK_RULE = Rule(
    code="SYN002",
    name="notebook that nbformat rejects",
    severity=Severity.HIGH,
    category="Syntax",
    doc=NOTEBOOK_DOC,
    check=check_notebook,
    effort_minutes=5,
)

RULES = [RULE, NOTEBOOK_RULE]
