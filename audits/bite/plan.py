"""What the worker runs for one module: every code cell as the solution, the student
version and each knockout (one region stubbed, every other region solved).

Stubs keep the region's line count (blank lines pad them), so every line the worker
reports is the line in the source file.
"""

from __future__ import annotations

from dataclasses import dataclass

from audits.model import Cell, ModuleSource
from audits.solutions import (
    Region,
    cell_regions,
    is_graded,
    is_solution_cell,
    stubbed_source,
    student_source,
)


@dataclass
class Plan:
    module: ModuleSource
    cells: list[Cell]  # the code cells run, in order; the worker names them by position here
    regions: list[list[Region]]  # per cell, the regions knocked out one at a time

    @property
    def all_regions(self) -> list[tuple[int, int, Region]]:
        """(cell position, region number, region) for every region."""
        return [(i, k, region) for i, regions in enumerate(self.regions) for k, region in enumerate(regions)]

    @property
    def first_change(self) -> int:
        """Position of the first cell the student version changes (len(cells) when none):
        the worker forks the student version there, so earlier cells ran once for both."""
        return next((i for i, cell in enumerate(self.cells) if student_source(cell, keep_lines=True) != cell.source), len(self.cells))

    def graded(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if is_graded(cell)]

    def job(self, root: str, limits: dict, cwd: str) -> dict:
        """The worker's input (see audits/bite/worker.py); `cwd` is the scratch copy of the notebook's folder."""
        cells = []
        for cell, regions in zip(self.cells, self.regions):
            cells.append({
                "line": cell.body_start,
                "graded": is_graded(cell),
                "solution": cell.source,
                "student": student_source(cell, keep_lines=True),
                "knockouts": [stubbed_source(cell, [region], keep_lines=True) for region in regions],
            })  # fmt: skip
        return {"path": str(self.module.path), "root": root, "cwd": cwd, "cells": cells, "first_change": self.first_change, **limits}


def make_plan(module: ModuleSource) -> Plan:
    cells = [cell for cell in module.code_cells() if cell.source.strip()]
    return Plan(module, cells, [cell_regions(cell) if is_solution_cell(cell) else [] for cell in cells])
