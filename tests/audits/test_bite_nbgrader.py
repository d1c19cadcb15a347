"""Bite agrees with nbgrader itself, which runs here (the slow part): `generate_assignment` on every
module of ours, the bite fixtures and the odd shapes nbgrader allows, whose releases must equal our
student versions cell by cell; and on the notebook course tests/audits/bite_courses/nbcourse (with
nbgrader's own `### AUTOTEST` example as assignment ps5), then
`autograde` of its source (Jupyter running the solution) and of its release (the student version,
locked cells and hidden tests restored): bite's per-cell verdicts (failed or not, on each version:
raised, or a graded cell scored below its points)
must equal nbgrader's, and a notebook nbgrader refuses to release, bite refuses to judge.

The tests read one nbgrader run (`nbgrader`, module-scoped; the tests share an xdist group, so one
worker makes it): one course holds our modules as the assignment "modules" beside nbcourse's
assignments, and one process imports nbgrader (about a second of CPU) instead of two. Our modules
are only released, never graded: they are released as `nbgrader generate_assignment --no-db` does
(the same preprocessors without the gradebook, which only autograde reads), a fifth of the CPU of a
release with it (issue 23, the suite's budget; measured with the process's CPU time)."""

import shutil
from pathlib import Path

import pytest
from testkit.nbgraderkit import bite_run, compare, nbgrader_run
from testkit.auditkit import marker, source

from audits.auditor import Auditor
from audits.discover import find_modules
from audits.parse import parse_file, parse_text
from audits.solutions import student_source

CHECKOUT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "bite_fixtures"
NBCOURSE = Path(__file__).resolve().parent / "bite_courses" / "nbcourse"
KERNEL_LANGUAGES = Path(__file__).resolve().parent / "layouts" / "kernel_languages"

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


def with_autotest_assignments(course: Path) -> None:
    """Assignment ps5: nbgrader's own `### AUTOTEST` example (its user guide's ps1_autotest/problem1, with
    the guide's autotests.yml beside it); ps6: a copy whose AUTOTEST expression fails on the solution
    (nbgrader's release stops while it writes the tests)."""
    import importlib.util

    import nbformat

    guide = Path(importlib.util.find_spec("nbgrader").origin).parent / "docs" / "source" / "user_guide"
    for assignment in ("ps5", "ps6"):
        (course / "source" / assignment).mkdir()
        shutil.copy(guide / "autotests.yml", course / "source" / assignment / "autotests.yml")
    shutil.copy(guide / "source" / "ps1_autotest" / "problem1.ipynb", course / "source" / "ps5" / "problem1.ipynb")
    broken = nbformat.read(str(course / "source" / "ps5" / "problem1.ipynb"), as_version=4)
    graded = next(cell for cell in broken.cells if "### AUTOTEST" in cell.source)
    graded.source = graded.source.replace("### AUTOTEST", "### AUTOTEST no_such_name;", 1)
    nbformat.write(broken, str(course / "source" / "ps6" / "problem1.ipynb"))


def with_julia_assignment(course: Path) -> None:
    """Assignment ps4 of the course: a notebook whose kernelspec says julia, which nbgrader's default
    code stubs do not cover (tests/audits/layouts/kernel_languages holds it)."""
    (course / "source" / "ps4").mkdir()
    shutil.copy(KERNEL_LANGUAGES / "source" / "ps2" / "collatz.ipynb", course / "source" / "ps4" / "collatz.ipynb")


@pytest.fixture(scope="module")
def nbgrader(tmp_path_factory):
    """(our sources by notebook name, nbgrader's run): nbcourse's assignments generated, ps1 autograded
    twice (nbgraderkit.nbgrader_run), and beside them the assignment "modules": every module of ours,
    the bite fixtures and ODD_SHAPES as notebooks (jupytext's conversion of the percent source),
    released only."""
    scratch = tmp_path_factory.mktemp("nbgrader")
    course = scratch / "course"
    shutil.copytree(NBCOURSE, course)
    with_julia_assignment(course)
    with_autotest_assignments(course)
    (course / "source" / "modules").mkdir()
    sources = {ref.folder: parse_file(ref.path) for ref in find_modules(CHECKOUT)}
    assert len(sources) == 20
    for fixture in ("defects", "clean"):
        (ref,) = find_modules(FIXTURES / fixture)
        sources[f"fixture_{fixture}"] = parse_file(ref.path)
    sources["odd_shapes"] = parse_text(ODD_SHAPES)
    import jupytext  # here, not at the top: every xdist worker imports this file, one runs these tests

    for name, module in sources.items():
        jupytext.write(jupytext.reads(module.text, fmt="py:percent"), course / "source" / "modules" / f"{name}.ipynb")
    return sources, nbgrader_run(course, grade=("ps1", "ps5"), scratch=scratch, releases_only=("modules",))


@pytest.mark.xdist_group("nbgrader")  # the longest tests: their group is started first (conftest.py)
@pytest.mark.timeout(900)  # nbgrader itself runs here, with its own 900 s limit
def test_the_student_version_of_every_module_is_nbgraders_release(nbgrader):
    sources, theirs = nbgrader
    assert [notebook for notebook in theirs["refused"] if notebook.startswith("modules/")] == []
    student_versions_equal_releases(sources, {name: theirs["released"][f"modules/{name}.ipynb"] for name in sources})


@pytest.mark.xdist_group("nbgrader")  # the longest tests: their group is started first (conftest.py)
@pytest.mark.timeout(900)  # nbgrader itself runs here, with its own 900 s limit
def test_bite_agrees_with_nbgrader(tmp_path, nbgrader):
    _, theirs = nbgrader
    course = tmp_path / "course"
    shutil.copytree(NBCOURSE, course)
    with_julia_assignment(course)
    with_autotest_assignments(course)
    kernel = parse_file(NBCOURSE / "source" / "ps1" / "kernel.ipynb")

    # The student version, cell by cell, is nbgrader's release.
    student_versions_equal_releases({"kernel": kernel}, {"kernel": theirs["released"]["ps1/kernel.ipynb"]})

    # Per-cell verdicts on both versions, as Jupyter and autograde give them.
    ours = bite_run(course, "ps1/kernel.ipynb", mutants=False)  # the per-cell verdicts are the same with mutants: half the CPU
    compared, differences = compare("ps1/kernel.ipynb", ours, theirs)
    assert differences == [] and compared == 2 * len(kernel.code_cells()), theirs.get("failed")
    solution = theirs["cells"]["ps1/kernel.ipynb"]["solution"]
    failing = [cell.nbgrader["grade_id"] for cell, failed in zip(kernel.code_cells(), solution) if failed]
    # What this machine lacks, and two graded cells nbgrader scores below their points: one warns (text on
    # stderr: 0 points), one shows a number (partial credit).
    assert failing == ["test-warns", "test-partial", "missing-import", "test-value", "load", "test-table", "rows-of-table", "again"]
    assert sum(theirs["cells"]["ps1/kernel.ipynb"]["student"]) > sum(solution)  # the stubs fail cells too

    # Notebooks nbgrader refuses to release (its metadata check; nbformat's schema, which nbconvert
    # applies; a kernelspec language without a code stub, a Julia notebook): bite judges nothing, says
    # why, in one finding, and the static audit's NB007 names the last refusal too.
    refused = sorted(notebook for notebook in theirs["refused"] if not notebook.startswith("modules/"))
    assert refused == ["ps2/refused.ipynb", "ps3/cell-type-changed.ipynb", "ps4/collatz.ipynb", "ps6/problem1.ipynb"]
    assert not set(theirs["refused"]) & set(theirs["released"])
    assert [f.code for f in Auditor(course).audit_target("ps4").findings if f.code.startswith("NB")] == ["NB007"]
    for notebook, why in (("ps2/refused.ipynb", "points is missing"), ("ps3/cell-type-changed.ipynb", "'outputs' is a required property"),
                          ("ps4/collatz.ipynb", "its kernel language 'julia' has no code stub"),
                          ("ps6/problem1.ipynb", "raised NameError: name 'no_such_name' is not defined while nbgrader ran the solution")):
        refused = bite_run(course, notebook)
        assert compare(notebook, refused, theirs) == (1, [])
        (finding,) = refused["findings"]
        assert finding.code == "BITE007" and why in finding.message


@pytest.mark.xdist_group("nbgrader")  # the longest tests: their group is started first (conftest.py)
@pytest.mark.timeout(900)  # nbgrader itself runs here, with its own 900 s limit
def test_bite_writes_autotest_tests_as_nbgrader_does(tmp_path, nbgrader):
    """nbgrader's own AUTOTEST example (ps5): the tests bite writes for its `### AUTOTEST` and
    `### HASHED AUTOTEST` lines give, cell by cell, the verdicts of nbgrader's autograde of its source
    and of its release; the student version fails the tests the stubs break, and only those."""
    _, theirs = nbgrader
    course = tmp_path / "course"
    shutil.copytree(NBCOURSE, course)
    with_autotest_assignments(course)
    ours = bite_run(course, "ps5/problem1.ipynb", mutants=False)
    compared, differences = compare("ps5/problem1.ipynb", ours, theirs)
    code_cells = len(parse_file(course / "source" / "ps5" / "problem1.ipynb").code_cells())
    assert differences == [] and compared == 2 * code_cells, theirs.get("failed")
    assert not any(theirs["cells"]["ps5/problem1.ipynb"]["solution"]) and sum(theirs["cells"]["ps5/problem1.ipynb"]["student"]) >= 5
    assert [f.code for f in ours["findings"]] == []
