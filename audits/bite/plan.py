"""What the worker runs for one module: every code cell as the solution, the student version and
each knockout (one region stubbed, every other region solved).

Stubs keep the region's line count (blank lines pad them), so every line the worker
reports is the line in the source file. A module nbgrader would not release (its
generate_assignment refuses it) or that bite cannot run as nbgrader would (a kernel in another
language than Python) gets a plan that runs nothing and says why (`Plan.blocked`). A notebook with
`### AUTOTEST` lines carries what the worker needs to write their tests (`Plan.autotest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audits.bite.autotest import autotest_spec
from audits.bite.mutants import Mutant
from audits.bite.mutation import choose
from audits.rules.nbgrader import cell_points
from audits.model import Cell, ModuleSource
from audits.solutions import (
    Region,
    autograded_source,
    cell_regions,
    is_graded,
    is_manually_graded,
    is_solution_cell,
    release_refusal,
    stubbed_source,
)


@dataclass
class Plan:
    module: ModuleSource
    cells: list[Cell]  # the code cells run, in order; the worker names them by position here
    regions: list[list[Region]]  # per cell, the regions knocked out one at a time (none in manually graded cells)
    blocked: tuple[int, str] | None = None  # (line, why) when nothing can be run as nbgrader would
    mutants: list[list[Mutant]] = field(default_factory=list)  # per cell, the mutants run ("mutant:<cell>:<n>")
    autotest: dict | None = None  # nbgrader's AUTOTEST lines, rendered for the worker to finish (audits/bite/autotest.py)

    @property
    def all_regions(self) -> list[tuple[int, int, Region]]:
        """(cell position, region number, region) for every region."""
        return [(i, k, region) for i, regions in enumerate(self.regions) for k, region in enumerate(regions)]

    @property
    def first_change(self) -> int:
        """Position of the first cell the student version changes (len(cells) when none):
        the worker forks the student version there, so earlier cells ran once for both."""
        conventions = self.module.conventions
        return next((i for i, cell in enumerate(self.cells) if autograded_source(cell, True, conventions) != cell.source), len(self.cells))

    def student_regions(self, position: int) -> list[Region]:
        """Every region the student version stubs in this cell (manually graded answers included)."""
        return cell_regions(self.cells[position], self.module.conventions)

    def graded(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if is_graded(cell)]

    def job(self, root: str, limits: dict, cwd: str) -> dict:
        """The worker's input (see audits/bite/worker.py); `cwd` is the scratch copy of the notebook's folder.

        Variants are named "solution", "student", "knockout:<cell>:<region>" and "mutant:<cell>:<n>";
        the student version is the release as autograding runs it (locked cells restored from the
        source). A mutant names its region (the knockout that must be caught before it runs) and
        the lines the worker watches to tell which graded cells ran the mistake."""
        cells, conventions = [], self.module.conventions
        for position, (cell, regions) in enumerate(zip(self.cells, self.regions)):
            spans = [(region.first, region.last) for region in regions]
            mutants = self.mutants[position] if self.mutants else []
            cells.append({
                "line": cell.body_start,
                "graded": is_graded(cell),
                "points": cell_points(cell.nbgrader) if is_graded(cell) and isinstance(cell.nbgrader, dict) else None,
                "solution": cell.source,
                "student": autograded_source(cell, True, conventions),
                "knockouts": [stubbed_source(cell, [region], True, conventions) for region in regions],
                "mutants": [{"source": m.source, "region": spans.index((m.region.first, m.region.last)), "first": m.line, "last": m.last} for m in mutants],
            })  # fmt: skip
        job = {"path": str(self.module.path), "root": root, "cwd": cwd, "cells": cells, "first_change": self.first_change, **limits}
        return {**job, "autotest": self.autotest} if self.autotest else job


def make_plan(module: ModuleSource, mutants: bool = True, per_region: int | None = None, root: Path | str | None = None) -> Plan:
    """The plan of one module; with `mutants`, at most `per_region` mutants of each region (all with None;
    a sample leaves out the lines marked equivalent, see mutation.choose). `root`, the course root, is
    where nbgrader looks for autotests.yml when the notebook's folder has none."""
    refusal = schema_refusal(module) or release_refusal(module)
    if refusal is not None:
        line, why = refusal
        return Plan(module, [], [], (line, f"nbgrader's generate_assignment refuses this notebook: {why}"))
    if not module.python:  # run nothing; say so when there was something to grade
        graded_work = [cell for cell in module.code_cells() if is_graded(cell) or is_solution_cell(cell)]
        why = (f"its code is {module.language} (the notebook's kernel language), not Python: nbgrader grades it in a "
               f"{module.language} kernel, and bite runs cells only in IPython")  # fmt: skip
        return Plan(module, [], [], (graded_work[0].start, why) if graded_work else None)
    cells = [cell for cell in module.code_cells() if cell.source.strip()]
    autotest, refusal = autotest_spec(module, cells, root)  # nbgrader's `### AUTOTEST` lines: the tests it writes for them
    if refusal is not None:
        return Plan(module, [], [], refusal)
    regions = [cell_regions(cell, module.conventions) if is_solution_cell(cell) and not is_manually_graded(cell) else [] for cell in cells]
    chosen = choose(regions, per_region, _equivalent_lines(module) if per_region else frozenset()) if mutants else []
    return Plan(module, cells, regions, mutants=chosen, autotest=autotest)


def schema_refusal(module: ModuleSource) -> tuple[int, str] | None:
    """(line, why) when nbgrader cannot convert this notebook, else None.

    nbgrader converts a notebook with nbconvert, which validates it against nbformat's schema after
    every preprocessor, unknown keys allowed (`relax_add_props`): a notebook that fails that check
    (a code cell without `outputs`, as nbgrader's own cell-type-changed.ipynb) is never released.
    Only notebooks nbformat's strict check already rejected (the audit's SYN002) are checked again."""
    notebook = module.notebook
    if notebook is None or notebook.invalid is None:
        return None
    import copy
    import warnings

    from audits.notebook import import_nbformat

    nbformat = import_nbformat()

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(copy.deepcopy(notebook.node), relax_add_props=True)
    except nbformat.ValidationError as error:
        where = [str(step) for step in getattr(error, "absolute_path", ()) or ()]
        index = int(where[1]) if len(where) > 1 and where[0] == "cells" and where[1].isdigit() else None
        line = next((cell.start for cell in module.cells if index is not None and cell.index == index), 1)
        message = " ".join(str(getattr(error, "message", error)).split())[:200]
        return line, f"nbformat's schema rejects it ({message}{', at ' + '/'.join(where) if where else ''}), and nbconvert checks it after every step"
    return None


def _equivalent_lines(module: ModuleSource) -> frozenset[int]:
    """Lines whose BITE006 is suppressed (`# audit: ignore[BITE006]`: their surviving mutants are equivalent)."""
    from audits.check import suppressed_codes

    return frozenset(number for number, text in enumerate(module.lines, 1) if "BITE006" in text and "BITE006" in suppressed_codes(text))
