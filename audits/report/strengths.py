"""What a module does well, with evidence a reviewer can check: the review's "Strengths" section.

    strengths(module, findings, rules) -> ["7 of 11 categories pass: ...", ...]

Each line names something the audit verified in the parsed source (categories
with no finding, graded and locked test cells, guards in place, complete metadata,
solution markers, exported names), with line numbers. Read from the AST and the
cells' metadata; the module is never run.
"""

from __future__ import annotations

import ast
from typing import Iterable, Mapping

from audits.astutil import is_main_guard
from audits.model import Finding, ModuleSource, Rule
from audits.report import categories, category_of, line_list, rule_map

MAX_NAMES = 6  # names listed before "and N more"


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def _total(points: list[int | float]) -> str:
    """The sum of the cells' points as a reader wants it: exact for whole numbers, `:g` for fractions.

    JSON allows any integer (Python reads up to 4,300 digits), which no float holds: such a sum
    is written by its size instead of failing (OverflowError) or printing hundreds of digits.
    """
    whole = sum(value for value in points if isinstance(value, int))
    fractional = [value for value in points if isinstance(value, float)]
    if abs(whole) >= 10**15:
        return f"about 10^{len(str(abs(whole) // 10**15)) + 14}"
    return f"{whole + sum(fractional):g}" if fractional else str(whole)


def strengths(module: ModuleSource, findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule]) -> list[str]:
    rules = rule_map(rules)
    findings = list(findings)
    codes = {f.code for f in findings}
    found: list[str] = []

    sections = categories(rules, findings)
    failing = {category_of(f.code, rules, f) for f in findings}
    passing = [name for name in sections if name not in failing]
    if passing:
        found.append(f"{len(passing)} of {len(sections)} categories pass: {', '.join(passing)}.")

    code_cells = module.code_cells()
    graded = [cell for cell in code_cells if isinstance(cell.nbgrader, dict) and cell.nbgrader.get("grade") is True
              and cell.nbgrader.get("locked") is True]  # fmt: skip
    if graded:
        tests = [f"`{node.name}` (line {node.lineno})" for cell in graded if cell.tree is not None
                 for node in cell.tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]  # fmt: skip
        points = [cell.nbgrader["points"] for cell in graded if type(cell.nbgrader.get("points")) in (int, float)]
        found.append(f"{len(graded)} graded and locked test cell(s) worth {_total(points)} points" + (f": {_names(tests)}." if tests else "."))

    guards = [node.lineno for cell in code_cells if cell.tree is not None for node in cell.tree.body if is_main_guard(node)]
    if guards:
        found.append(f"{len(guards)} `if __name__ == \"__main__\":` guard(s) already keep calls from running at import: {line_list(guards)}.")

    if code_cells and not codes & {"NB001", "NB002", "NB003", "NB004", "NB005"}:
        found.append(f"All {len(code_cells)} code cells carry complete nbgrader v3 metadata with unique grade_ids.")

    begin, end = module.conventions.begin_solution, module.conventions.end_solution
    solutions = [cell.start for cell in code_cells if begin in cell.source and end in cell.source]
    if solutions and "NB006" not in codes:
        found.append(f"{len(solutions)} solution cell(s) with balanced BEGIN/END SOLUTION markers: {line_list(solutions)}.")

    target = module.export_target
    if target and not codes & {"EX001", "EX002", "EX003"}:
        flagged = {f.line for f in findings if f.path == module.display_path}
        exported = [node.name for cell in code_cells if cell.exported and cell.tree is not None for node in cell.tree.body
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
                    and node.lineno not in flagged]  # fmt: skip
        if exported:
            found.append(f"Clean export to `{module.conventions.package}.{target}`: {_names([f'`{name}`' for name in exported])}.")
    return found
