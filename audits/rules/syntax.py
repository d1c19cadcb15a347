"""SYN001: code cells that do not parse, or do not compile (a `from __future__` import placed late).
SYN002: a notebook that nbformat rejects."""

from __future__ import annotations

import ast
from typing import Iterator

from audits.astutil import nodes
from audits.model import Rule, Severity
from audits.rules._base import finding

DOC = """\
What it does: finds code cells that are not valid Python (Python 3.11 grammar), at the line
where the parser stopped (the mistake is sometimes just before it), and `from __future__`
imports that Python refuses when the code runs: after any other statement than the docstring
and other future imports (of the file, for a percent-format source, which runs as one
script; of the cell, for a notebook, whose cells run one by one), or inside a block.
Why it matters: the module cannot run, export or be checked: every other rule skips the cell,
so its other problems stay hidden. A late future import parses, so nothing else notices it,
yet running the file stops with `SyntaxError: from __future__ imports must occur at the
beginning of the file`.
Example: `def forward(self, x)` without the colon; `import numpy as np` in the first cell and
`from __future__ import annotations` in the second.
How to fix: correct the syntax at the reported line so the cell parses; move a future import
to the top of the file (of the cell, in a notebook)."""


def _is_future(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)


def late_future_imports(module) -> Iterator[ast.ImportFrom]:
    """The `from __future__` imports Python rejects at compile time: after other statements of the
    file (each cell is its own file in a notebook), or nested in a block."""
    started = False  # a statement other than the docstring and future imports came before
    for cell in module.code_cells():
        if cell.tree is None:
            continue
        if module.notebook is not None:
            started = False  # IPython compiles each cell on its own
        for position, statement in enumerate(cell.tree.body):
            if _is_future(statement):
                if started:
                    yield statement
            elif not (position == 0 and not started and _is_docstring(statement)):
                started = True
        top = {id(statement) for statement in cell.tree.body}
        yield from (node for node in nodes(cell.tree, ast.ImportFrom) if node.module == "__future__" and id(node) not in top)


def check(module, index):
    for cell in module.cells:
        if cell.is_code and cell.syntax_error is not None:
            line, message, column, end_column = cell.syntax_error
            yield finding(
                RULE,
                module,
                line,
                f"code cell at line {cell.start} does not parse: {message}.",
                suggestion="Correct the syntax at this line so the cell parses.",
                columns=(column, max(end_column, column)) if column is not None else None,  # where the parser stopped
            )
    where = "cell" if module.notebook is not None else "file"
    for statement in late_future_imports(module):
        yield finding(
            RULE,
            module,
            statement.lineno,
            f"`from __future__` imports must come first in the {where}: running it stops with a SyntaxError.",
            last=statement.end_lineno,
            node=statement,
            suggestion=f"Move this import to the top of the {where} (after the docstring, before any other statement).",
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
    any_language=True,
)

RULES = [RULE, NOTEBOOK_RULE]
