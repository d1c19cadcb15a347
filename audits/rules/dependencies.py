"""DEP001/DEP002: a module importing from later modules, itself, or paths nobody exports."""

from __future__ import annotations

from audits.conventions import DEFAULT
from audits.model import Rule, Severity
from audits.rules._base import finding, parsed_code_cells
from audits.rules._usage import import_reading_lines, usage_lines
from audits.rules.imports import replacement, resolved_imports

CATEGORY = "Module dependencies"


def _imports(module, index):
    if index is None:
        return
    for _, tree in parsed_code_cells(module):
        yield from resolved_imports(tree, index)


def _uses(module, node):
    """Where the module relies on what the import binds (each such line breaks with it)."""
    return usage_lines(module, import_reading_lines(module, node))


def check_order(module, index):
    own = module.number
    if own is None:
        return
    for resolved in _imports(module, index):
        number = resolved.number
        if number is None or number < own:
            continue
        node = resolved.node
        if number == own:
            message = f"imports `{resolved.path}`, this module's own export target: a module cannot import itself."
            fix = "Remove the import and use the names defined in this module directly."
        else:
            message = (f"imports `{resolved.path}` from module {number:02d} ({index.name_of(number)}), "
                       f"which comes after this module ({own:02d}): modules import only from earlier modules.")  # fmt: skip
            fix = (f"Remove the dependency on module {number:02d}: move the needed code into module {own:02d} or an earlier one, "
                   f"or move this feature to module {number:02d} or later.")  # fmt: skip
        yield finding(DEP001, module, node.lineno, message, last=node.end_lineno, suggestion=fix, impact=_uses(module, node), node=node)


def check_exists(module, index):
    for resolved in _imports(module, index):
        if resolved.problem is None:
            continue
        node = resolved.node
        yield finding(
            DEP002, module, node.lineno, f"imports from a path the package does not have: {resolved.problem}.",
            last=node.end_lineno, suggestion=replacement(index, resolved), impact=_uses(module, node), node=node,
        )  # fmt: skip


DEP001 = Rule(
    code="DEP001",
    name="import from a later module (or itself)",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc=f"""\
What it does: finds imports in module N from the export target of a module numbered N or
higher, itself included. Numbers come from the checkout's folder names.
Why it matters: students build modules in order, so module N must work with only modules
1..N-1 built; `pytest --module N` and the export of a partial course break otherwise. A
self-import fails when the package is first built.
Example: `from {DEFAULT.package}.perf.memoization import KVCache` inside module 16, while memoization
is module 17.
How to fix: import only from earlier modules; move shared code down, or move the feature up.""",
    check=check_order,
    effort_minutes=30,
)

DEP002 = Rule(
    code="DEP002",
    name="import of a tinytorch path nobody exports",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc=f"""\
What it does: finds imports of a `{DEFAULT.package}.` path (or a name from it) that no module in the
checkout exports: no module has that `#| default_exp` target, or the target's export cells
do not define the name.
Why it matters: the import fails as soon as the exported package is used, typically after a
module was renamed or renumbered.
Example: `from {DEFAULT.package}.optimization.compression import ...` after compression moved to
`{DEFAULT.package}.perf.compression`.
How to fix: import from the path and name the exporting module really has (the suggestion
names it when it can).""",
    check=check_exists,
    effort_minutes=10,
)

RULES = [DEP001, DEP002]
