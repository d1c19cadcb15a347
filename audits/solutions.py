"""Solution regions and the student version of a module, made exactly as nbgrader makes them.

    solution_regions(module)        every region a student fills in, in source order
    student_source(cell)            the cell as nbgrader's generate_assignment writes it
    autograded_source(cell)         the student's cell as `nbgrader autograde` runs it
    stubbed_source(cell, regions)   the cell with only these regions stubbed (for knockouts)
    release_refusal(module)         why generate_assignment would refuse the module, or None
    stub_refusal(module)            ... for want of a code stub in the notebook's kernel language
    graded_cells(module)            the autograded test cells
    is_solution_cell(cell) / is_locked(cell) / is_graded(cell) / is_manually_graded(cell)

nbgrader's ClearSolutions reads a cell line by line: a line containing
`BEGIN SOLUTION` opens a region, a line containing `END SOLUTION` closes it, and
the whole region (marker lines included) becomes the stub
`# YOUR CODE HERE` / `raise NotImplementedError()`, indented like the BEGIN line.
Those are nbgrader's defaults: the delimiters and stubs are the course's conventions
(`conventions=`, `module.conventions`: `[tool.audits]` or its nbgrader_config.py).
A solution cell without markers is replaced whole by the unindented stub.
ClearHiddenTests then drops every `BEGIN HIDDEN TESTS` ... `END HIDDEN TESTS` region
(marker lines included); autograding restores every locked cell (graded tests and
read-only cells) from the source, so the hidden tests run when a release is graded.
Pure text work: the static rules and `audits.bite` share it, nothing is run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from audits.conventions import DEFAULT, Conventions
from audits.model import Cell, ModuleSource

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
    def defines(self) -> bool:
        """Whether stubbing this region leaves undefined what the author meant to provide: the region holds
        a `def` or `class` statement, or sits directly in a class body (GR002's case). A region of plain
        statements (`t = 5`), a whole solution cell (the student writes all of it) and a manually graded
        answer are answers the stub simply leaves out."""
        tree = self.cell.tree
        if tree is None or self.whole_cell or is_manually_graded(self.cell):
            return False
        if any(isinstance(node, DEFINITIONS) and self.first <= node.lineno <= self.last for node in ast.walk(tree)):
            return True
        innermost, body = None, tree.body
        while True:
            inside = next((node for node in body if isinstance(node, DEFINITIONS) and node.lineno < self.first <= (node.end_lineno or 0)), None)
            if inside is None:
                return isinstance(innermost, ast.ClassDef)
            innermost, body = inside, inside.body

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


def is_manually_graded(cell: Cell) -> bool:
    """An answer cell a person grades (graded and a solution cell): no test is meant to check it."""
    return _flag(cell, "grade") and _flag(cell, "solution")


def is_locked_in_release(cell: Cell) -> bool:
    """nbgrader's utils.is_locked: a cell autograding restores from the source (graded test cells and
    read-only cells; never a solution cell)."""
    return not _flag(cell, "solution") and (_flag(cell, "grade") or _flag(cell, "locked"))


def cell_id(cell: Cell) -> str:
    """The cell's grade_id, or "cell at line N" when it has none."""
    grade_id = cell.nbgrader.get("grade_id") if isinstance(cell.nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else f"cell at line {cell.start}"


def graded_cells(module: ModuleSource) -> list[Cell]:
    return [cell for cell in module.cells if is_graded(cell)]


def cell_regions(cell: Cell, conventions: Conventions = DEFAULT) -> list[Region]:
    """The regions of one code cell, as nbgrader pairs its markers (unbalanced markers are NB006's)."""
    if not cell.is_code:
        return []
    regions, opened = [], None
    for number, text in cell.lines():
        if conventions.begin_solution in text:
            opened = number if opened is None else opened
        elif conventions.end_solution in text and opened is not None:
            regions.append(Region(cell, opened, number))
            opened = None
    if not regions and is_solution_cell(cell) and cell.source.strip():
        return [Region(cell, cell.body_start, cell.end, whole_cell=True)]
    return regions


def solution_regions(module: ModuleSource) -> list[Region]:
    """Every region of every solution cell, in source order."""
    return [region for cell in module.code_cells() if is_solution_cell(cell) for region in cell_regions(cell, module.conventions)]


def stubbed_source(cell: Cell, regions: Iterable[Region], keep_lines: bool = False, conventions: Conventions = DEFAULT) -> str:
    """The cell's body with `regions` replaced by nbgrader's stub (other regions kept solved).

    With `keep_lines`, blank lines pad each stub to the region's length, so every other
    line keeps its number in the file (tracebacks then point at the real source line).
    """
    regions = list(regions)
    if any(region.whole_cell for region in regions):
        stub = list(conventions.stub_lines)
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
        stub = [re.match(r"\s*", text).group(0) + line for line in conventions.stub_lines]
        if keep_lines:
            stub += [""] * (region.last - region.first + 1 - len(stub))
        out += stub
        skip_to = region.last
    return "\n".join(out)


def without_hidden_tests(text: str, keep_lines: bool = False, conventions: Conventions = DEFAULT) -> str:
    """`text` without its hidden-test regions, marker lines included (blank lines in their place with `keep_lines`)."""
    if conventions.begin_hidden_tests not in text:
        return text
    out, hidden = [], False
    for line in text.split("\n"):
        if conventions.begin_hidden_tests in line:
            hidden = True
        elif conventions.end_hidden_tests in line:
            hidden = False
        elif not hidden:
            out.append(line)
            continue
        if keep_lines:
            out.append("")
    return "\n".join(out)


def student_source(cell: Cell, keep_lines: bool = False, conventions: Conventions = DEFAULT) -> str:
    """The cell as nbgrader's generate_assignment writes it for students.

    Every region is stubbed; a solution cell without markers becomes the stub alone;
    a markdown solution cell without markers becomes nbgrader's text stub; hidden tests
    are removed. Other cells are unchanged.
    """
    if not cell.is_code:
        text = conventions.text_stub if is_solution_cell(cell) and conventions.begin_solution not in cell.source else cell.source
    else:
        regions = cell_regions(cell, conventions)
        text = stubbed_source(cell, regions, keep_lines, conventions) if regions else cell.source
    return without_hidden_tests(text, keep_lines, conventions)


def autograded_source(cell: Cell, keep_lines: bool = False, conventions: Conventions = DEFAULT) -> str:
    """The student's cell as `nbgrader autograde` runs it: a locked cell (a graded test, a read-only
    cell) restored from the source, hidden tests included; any other cell as released."""
    return cell.source if is_locked_in_release(cell) else student_source(cell, keep_lines, conventions)


def _marker_problem(cell: Cell, begin: str, end: str) -> tuple[int, str] | None:
    """Nested or unclosed `begin` markers, as nbgrader's line-by-line reading refuses them."""
    opened = None
    for number, text in cell.lines():
        if begin in text:
            if opened is not None:
                return number, f"a second `{begin}` before `{end}` (nbgrader: nested regions)"
            opened = number
        elif end in text:
            opened = None
    return (opened, f"`{begin}` without `{end}`") if opened is not None else None


def stub_refusal(module: ModuleSource) -> tuple[int, str] | None:
    """(line, why) when nbgrader has no code stub for a notebook's kernel language, else None.

    ClearSolutions reads the language from the kernelspec alone ("python" when it names none) and
    refuses the whole notebook, before any cell, when `code_stub` has no entry for it (case counts:
    "R", not "r"). A kernelspec of the wrong type is nbformat's to report (SYN002)."""
    from audits.notebook import kernelspec  # notebooks only: a percent source never loads the notebook reader

    spec = kernelspec(module.notebook.node) if module.notebook is not None else None
    if spec is None:
        return None
    language, stubs = spec.get("language", "python"), module.conventions.stub_languages
    if isinstance(language, str) and language in stubs:
        return None
    shown = ascii(language) if len(ascii(language)) <= 42 else ascii(language)[:40] + "..."
    line = module.cells[0].start if module.cells else 1
    return line, f"its kernel language {shown} has no code stub (ClearSolutions.code_stub has one for {', '.join(stubs)})"


def release_refusal(module: ModuleSource) -> tuple[int, str] | None:
    """Why nbgrader's generate_assignment would refuse this module, as (line, reason), or None.

    Its checks, in its order: a code stub for the notebook's kernel language (ClearSolutions,
    `stub_refusal`), solution markers (ClearSolutions: nested, unclosed, or in a cell
    that is not a solution cell), cell metadata (CheckCellMetadata: nbgrader's v3 validator,
    then unique grade ids) and hidden tests (ClearHiddenTests: nested, unclosed, or in a cell
    that is not graded).
    """
    from audits.rules.nbgrader import schema_problems  # nbgrader's own v3 validation, written once

    refusal = stub_refusal(module)
    if refusal is not None:
        return refusal
    conventions = module.conventions
    for cell in module.cells:
        problem = _marker_problem(cell, conventions.begin_solution, conventions.end_solution) if cell.is_code else None
        if problem:
            return problem
        if cell.is_code and cell_regions(cell, conventions) and not is_solution_cell(cell):
            return cell_regions(cell, conventions)[0].first, f"a solution region in `{cell_id(cell)}`, which is not a solution cell"
    seen: dict[str, int] = {}
    for cell in module.cells:
        if cell.nbgrader_text is not None and not isinstance(cell.nbgrader, dict):
            return cell.start, f"the nbgrader metadata of the cell at line {cell.start} is not a JSON object"
        if not isinstance(cell.nbgrader, dict):
            continue
        problems = schema_problems(cell.nbgrader, cell.kind)
        if problems:
            return cell.start, f"`{cell_id(cell)}` has metadata nbgrader's validator rejects: {'; '.join(problems)}"
        grade_id = cell.nbgrader.get("grade_id")
        if any(cell.nbgrader.get(key) for key in ("grade", "solution", "locked")):
            if grade_id in seen:
                return cell.start, f"grade_id `{grade_id}` is used twice (lines {seen[grade_id]} and {cell.start})"
            seen[grade_id] = cell.start
    for cell in module.cells:
        problem = _marker_problem(cell, conventions.begin_hidden_tests, conventions.end_hidden_tests)
        if problem:
            return problem
        if conventions.begin_hidden_tests in cell.source and not _flag(cell, "grade"):
            line = next(number for number, text in cell.lines() if conventions.begin_hidden_tests in text)
            return line, f"hidden tests in `{cell_id(cell)}`, which is not a graded cell"
    return None
