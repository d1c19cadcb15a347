"""Bite agrees with nbgrader itself, which runs here (it is the slow part, in two tests that xdist runs
side by side): `generate_assignment` on every module of ours, the bite fixtures and the odd shapes
nbgrader allows, whose releases must equal our student versions cell by cell; and on the notebook
course tests/audits/bite_courses/nbcourse, then `autograde` of its source (Jupyter running the
solution) and of its release (the student version, locked cells and hidden tests restored): bite's
per-cell verdicts (raised or not, on each version) must equal nbgrader's, and a notebook nbgrader
refuses to release, bite refuses to judge."""

import shutil
from pathlib import Path

import pytest
from testkit.nbgraderkit import bite_run, compare, nbgrader_run
from testkit.auditkit import marker, source

from audits.discover import find_modules
from audits.parse import parse_file, parse_text
from audits.solutions import student_source

CHECKOUT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "bite_fixtures"
NBCOURSE = Path(__file__).resolve().parent / "bite_courses" / "nbcourse"

# Shapes our modules do not have: a solution cell without markers (replaced whole), a region at
# module level, regions at two indentations in one cell, a region inside a nested block, hidden tests.
ODD_SHAPES = source(
    marker("whole", "impl") + "\ndef whole():\n    return 1\n",
    marker("module-level", "impl") + "\nVALUE = 1\n### BEGIN SOLUTION\nVALUE = 2\n### END SOLUTION\n",
    marker("two-depths", "impl")
    + '\nclass K:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n\n'
    + "def g(x):\n    if x:\n        for i in range(2):\n            ### BEGIN SOLUTION\n            x += i\n            ### END SOLUTION\n    return x\n",
    marker("test-hidden", "test") + "\nassert whole() == 1\n### BEGIN HIDDEN TESTS\nassert VALUE == 2\n### END HIDDEN TESTS\nassert g(1) == 2\n",
)


def student_versions_equal_releases(sources: dict, released: dict) -> None:
    """Each source's student version is nbgrader's release of it, code cell by code cell (`released`:
    the notebook's key in nbgrader_run's "released" for each name of `sources`)."""
    for name, module in sources.items():
        theirs = released[name]
        ours = [student_source(cell) for cell in module.code_cells()]
        assert len(theirs) == len(ours), name
        for position, (their, our) in enumerate(zip(theirs, ours)):
            assert our == their, f"{name}: code cell {position} differs"
        assert any(student_source(cell) != cell.source for cell in module.code_cells()), name  # real stubs compared


@pytest.mark.xdist_group("nbgrader-release")  # the longest tests: started first (conftest.py)
@pytest.mark.timeout(900)  # nbgrader itself runs here (generate_assignment), with its own 900 s limit
def test_the_student_version_of_every_module_is_nbgraders_release(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "modules").mkdir(parents=True)
    shutil.copy(NBCOURSE / "nbgrader_config.py", course)
    sources = {ref.folder: parse_file(ref.path) for ref in find_modules(CHECKOUT)}
    assert len(sources) == 20
    for fixture in ("defects", "clean"):
        (ref,) = find_modules(FIXTURES / fixture)
        sources[f"fixture_{fixture}"] = parse_file(ref.path)
    sources["odd_shapes"] = parse_text(ODD_SHAPES)
    import jupytext  # here, not at the top: every xdist worker imports this file, one runs this test

    for name, module in sources.items():
        jupytext.write(jupytext.reads(module.text, fmt="py:percent"), course / "source" / "modules" / f"{name}.ipynb")

    theirs = nbgrader_run(course, grade=(), scratch=tmp_path)

    assert theirs["refused"] == {}
    student_versions_equal_releases(sources, {name: theirs["released"][f"modules/{name}.ipynb"] for name in sources})


@pytest.mark.xdist_group("nbgrader-autograde")  # the longest tests: started first (conftest.py)
@pytest.mark.timeout(900)  # nbgrader itself runs here (generate_assignment, two autogrades), with its own 900 s limit
def test_bite_agrees_with_nbgrader(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(NBCOURSE, course)
    kernel = parse_file(NBCOURSE / "source" / "ps1" / "kernel.ipynb")

    theirs = nbgrader_run(course, grade=("ps1",), scratch=tmp_path)

    # The student version, cell by cell, is nbgrader's release.
    student_versions_equal_releases({"kernel": kernel}, {"kernel": theirs["released"]["ps1/kernel.ipynb"]})

    # Per-cell verdicts on both versions, as Jupyter and autograde give them.
    ours = bite_run(course, "ps1/kernel.ipynb", mutants=False)  # the per-cell verdicts are the same with mutants: half the CPU
    compared, differences = compare("ps1/kernel.ipynb", ours, theirs)
    assert differences == [] and compared == 2 * len(kernel.code_cells()), theirs.get("failed")
    solution = theirs["cells"]["ps1/kernel.ipynb"]["solution"]
    failing = [cell.nbgrader["grade_id"] for cell, failed in zip(kernel.code_cells(), solution) if failed]
    assert failing == ["missing-import", "test-value", "load", "test-table", "rows-of-table", "again"]  # only what this machine lacks
    assert sum(theirs["cells"]["ps1/kernel.ipynb"]["student"]) > sum(solution)  # the stubs fail cells too

    # Notebooks nbgrader refuses to release (its metadata check; nbformat's schema, which nbconvert
    # applies): bite judges nothing, says why, in one finding.
    assert sorted(theirs["refused"]) == ["ps2/refused.ipynb", "ps3/cell-type-changed.ipynb"] and not set(theirs["refused"]) & set(theirs["released"])
    for notebook, why in (("ps2/refused.ipynb", "points is missing"), ("ps3/cell-type-changed.ipynb", "'outputs' is a required property")):
        refused = bite_run(course, notebook)
        assert compare(notebook, refused, theirs) == (1, [])
        (finding,) = refused["findings"]
        assert finding.code == "BITE007" and why in finding.message
