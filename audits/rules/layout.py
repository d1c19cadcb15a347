"""LAY001/LAY002: what discovery noticed about the checkout's module folders, as findings of the module concerned."""

from __future__ import annotations

from audits.model import Rule, Severity
from audits.rules._base import finding

CATEGORY = "Course layout"


def _first_line(module) -> int:
    """Where a finding about the whole module goes: its first cell."""
    return module.cells[0].start if module.cells else 1


def check_duplicate_number(module, index):
    if index is None or module.ref is None:
        return
    others = index.discovery.duplicates_of(module.ref)
    if not others:
        return
    names = ", ".join(other.folder for other in others)
    yield finding(
        LAY001, module, _first_line(module),
        f"module folder {module.ref.folder} has number {module.ref.number:02d}, as {names} does: both are audited, "
        f"but `pytest --module {module.ref.number}`, the export order and forward-dependency checks cannot tell them apart.",
        suggestion="Renumber one of the folders (finish the renumbering) and update the references to it.",
    )  # fmt: skip


def check_order_known(module, index):
    if index is None or module.ref is None or module.ref.ordered or not index.discovery.order_note:
        return
    listed = ", ".join(f'"{ref.key}"' for ref in index.all_refs[:3])
    yield finding(
        LAY002, module, _first_line(module), f"{index.discovery.order_note}.",
        suggestion=f"Give the course order in pyproject.toml: [tool.audits] modules = [{listed}, ...].",
    )  # fmt: skip


LAY001 = Rule(
    code="LAY001",
    name="two module folders with one number",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc="""\
What it does: reports a module folder whose number another module folder of the same
layout also carries (`modules/20_capstone/` and `modules/20_competition/`), on each of
them. Both modules are still audited, keyed by folder name. Why it matters: numbers are
the course order; with two folders on one number `pytest --module 20`, the package
export order and the forward-dependency check (DEP001) cannot tell which comes first,
and references to "module 20" are ambiguous. This is usually a half-done renumbering.
Example: `20_competition/` added beside `20_capstone/`. How to fix: renumber one folder
(`21_competition/`) and update what refers to it; `python -m audits.module 20_competition`
audits one of them meanwhile.""",
    check=check_duplicate_number,
    any_language=True,
)

LAY002 = Rule(
    code="LAY002",
    name="unnumbered module folders without a course order",
    severity=Severity.LOW,
    category=CATEGORY,
    doc="""\
What it does: notes, on each module, that the checkout's module folders carry no numbers
(`modules/tensor/tensor_dev.py`, nbgrader's `source/ps1/problem1.ipynb`) and that
`[tool.audits] modules = [...]` does not list them all. Why it matters: forward
dependencies (a module importing from a later one, DEP001) and module numbers in prose
(REF001) can only be checked against an order; without one those checks are off, and
the table lists modules alphabetically. Example: `modules/tensor/` and `modules/layers/`
with no configuration. How to fix: list the folders in course order in pyproject.toml,
`[tool.audits] modules = ["tensor", "layers"]`, or number the folders (`01_tensor/`).""",
    check=check_order_known,
    effort_minutes=2,
    any_language=True,
)

RULES = [LAY001, LAY002]
