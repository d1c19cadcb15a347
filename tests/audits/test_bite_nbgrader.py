"""Our student version is nbgrader's: every module (and the bite fixtures, and the odd shapes
nbgrader allows) goes through nbgrader's real `generate_assignment`, once for all of them, and
each code cell must equal what `audits.solutions.student_source` makes of it."""

import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from testkit.auditkit import marker, source

from audits.discover import find_modules
from audits.parse import parse_file, parse_text
from audits.solutions import student_source

CHECKOUT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "bite_fixtures"

# Shapes our modules do not have: a solution cell without markers (replaced whole), a region at
# module level, regions at two indentations in one cell, a region inside a nested block.
ODD_SHAPES = source(
    marker("whole", "impl") + "\ndef whole():\n    return 1\n",
    marker("module-level", "impl") + "\nVALUE = 1\n### BEGIN SOLUTION\nVALUE = 2\n### END SOLUTION\n",
    marker("two-depths", "impl")
    + '\nclass K:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n\n'
    + "def g(x):\n    if x:\n        for i in range(2):\n            ### BEGIN SOLUTION\n            x += i\n            ### END SOLUTION\n    return x\n",
)


@pytest.mark.timeout(900)  # nbgrader itself runs here, with its own 600 s limit: 7.9 s quiet, over 120 s on a loaded machine
def test_student_version_matches_nbgrader_generate_assignment(tmp_path):
    sources = {ref.folder: parse_file(ref.path) for ref in find_modules(CHECKOUT)}
    assert len(sources) == 20
    for course in ("defects", "clean"):
        (ref,) = find_modules(FIXTURES / course)
        sources[f"fixture_{course}"] = parse_file(ref.path)
    sources["odd_shapes"] = parse_text(ODD_SHAPES)
    assignment = tmp_path / "course" / "source" / "ps1"
    assignment.mkdir(parents=True)
    for name, module in sources.items():
        jupytext.write(jupytext.reads(module.text, fmt="py:percent"), assignment / f"{name}.ipynb")

    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force", f"--CourseDirectory.root={tmp_path / 'course'}"],
        cwd=tmp_path / "course", env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    for name, module in sources.items():
        released = nbformat.read(tmp_path / "course" / "release" / "ps1" / f"{name}.ipynb", as_version=4)
        theirs = [cell.source for cell in released.cells if cell.cell_type == "code"]
        ours = [student_source(cell) for cell in module.code_cells()]
        assert len(theirs) == len(ours), name
        for position, (their, our) in enumerate(zip(theirs, ours)):
            assert our == their, f"{name}: code cell {position} differs"
        # the comparison covers real stubs, not only unchanged cells
        assert any(student_source(cell) != cell.source for cell in module.code_cells()), name
