"""Solution regions and the student version of a module, made exactly as nbgrader makes them.

    solution_regions(module)        every region a student fills in, in source order
    student_source(cell)            the cell as nbgrader's generate_assignment writes it
    stubbed_source(cell, regions)   the cell with only these regions stubbed (for knockouts)
    graded_cells(module)            the autograded test cells
    is_solution_cell(cell) / is_locked(cell) / is_graded(cell)

nbgrader's ClearSolutions reads a cell line by line: a line containing
`BEGIN SOLUTION` opens a region, a line containing `END SOLUTION` closes it, and
the whole region (marker lines included) becomes the stub
`# YOUR CODE HERE` / `raise NotImplementedError()`, indented like the BEGIN line.
A solution cell without markers is replaced whole by the unindented stub.
Pure text work: the static rules and `audits.bite` share it, nothing is run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from audits.model import Cell, ModuleSource

BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader's ClearSolutions.code_stub["python"]
TEXT_STUB = "YOUR ANSWER HERE"  # ... and its text_stub, for markdown solution cells
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Region:
    """Lines first..last of the file (markers included) that the student version replaces."""

    cell: Cell
    first: int
    last: int
    whole_cell: bool = False  # a solution cell without markers: nbgrader replaces all of it

    @property
    def owner(self) -> str:
        """The function or class the region sits in ("SGD._update"), or "" at module level."""
        names, body = [], self.cell.tree.body if self.cell.tree is not None else []
        while True:
            inside = next((node for node in body if isinstance(node, DEFINITIONS) and node.lineno < self.first <= (node.end_lineno or 0)), None)
            if inside is None:
                return ".".join(names)
            names.append(inside.name)
            body = inside.body

    @property
    def name(self) -> str:
        """How reports name it: "`SGD._update` in cell sgd, lines 305-313"."""
        where = f"`{self.owner}` in cell {cell_id(self.cell)}" if self.owner else f"cell {cell_id(self.cell)}"
        return f"{where}, lines {self.first}-{self.last}"


def _flag(cell: Cell, key: str) -> bool:
    return isinstance(cell.nbgrader, dict) and cell.nbgrader.get(key) is True


def is_solution_cell(cell: Cell) -> bool:
    return _flag(cell, "solution")


def is_locked(cell: Cell) -> bool:
    return _flag(cell, "locked")


def is_graded(cell: Cell) -> bool:
    """An autograded test cell: a graded code cell that is not also a (manually graded) answer."""
    return cell.is_code and _flag(cell, "grade") and not _flag(cell, "solution")


def cell_id(cell: Cell) -> str:
    """The cell's grade_id, or "cell at line N" when it has none."""
    grade_id = cell.nbgrader.get("grade_id") if isinstance(cell.nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else f"cell at line {cell.start}"


def graded_cells(module: ModuleSource) -> list[Cell]:
    return [cell for cell in module.cells if is_graded(cell)]


def cell_regions(cell: Cell) -> list[Region]:
    """The regions of one code cell, as nbgrader pairs its markers (unbalanced markers are NB006's)."""
    if not cell.is_code:
        return []
    regions, opened = [], None
    for number, text in cell.lines():
        if BEGIN in text:
            opened = number if opened is None else opened
        elif END in text and opened is not None:
            regions.append(Region(cell, opened, number))
            opened = None
    if not regions and is_solution_cell(cell) and cell.source.strip():
        return [Region(cell, cell.body_start, cell.end, whole_cell=True)]
    return regions


def solution_regions(module: ModuleSource) -> list[Region]:
    """Every region of every solution cell, in source order."""
    return [region for cell in module.code_cells() if is_solution_cell(cell) for region in cell_regions(cell)]


def _stub(indent: str) -> list[str]:
    return [indent + line for line in STUB]


def stubbed_source(cell: Cell, regions: Iterable[Region], keep_lines: bool = False) -> str:
    """The cell's body with `regions` replaced by nbgrader's stub (other regions kept solved).

    With `keep_lines`, blank lines pad each stub to the region's length, so every other
    line keeps its number in the file (tracebacks then point at the real source line).
    """
    regions = list(regions)
    if any(region.whole_cell for region in regions):
        stub = list(STUB)
        if keep_lines:
            stub += [""] * (cell.end - cell.body_start + 1 - len(stub))
        return "\n".join(stub)
    starts = {region.first: region for region in regions}
    out, skip_to = [], 0
    for number, text in cell.lines():
        if number <= skip_to:
            continue
        region = starts.get(number)
        if region is None:
            out.append(text)
            continue
        stub = _stub(re.match(r"\s*", text).group(0))
        if keep_lines:
            stub += [""] * (region.last - region.first + 1 - len(stub))
        out += stub
        skip_to = region.last
    return "\n".join(out)


def student_source(cell: Cell, keep_lines: bool = False) -> str:
    """The cell as nbgrader's generate_assignment writes it for students.

    Every region is stubbed; a solution cell without markers becomes the stub alone;
    a markdown solution cell without markers becomes nbgrader's text stub. Other cells
    are unchanged.
    """
    if not cell.is_code:
        return TEXT_STUB if is_solution_cell(cell) and BEGIN not in cell.source else cell.source
    regions = cell_regions(cell)
    return stubbed_source(cell, regions, keep_lines) if regions else cell.source
