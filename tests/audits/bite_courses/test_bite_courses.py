"""`python -m audits.bite` on an nbgrader course whose notebook needs what Jupyter gives it (the files
beside the notebook, IPython syntax, input history) and holds the cases that made bite noisy on real
courses (tests/audits/bite_courses/nbcourse). That nbgrader gives the same verdicts cell by cell is
tests/audits/test_bite_nbgrader.py's business."""

import json
from pathlib import Path

import pytest
from testkit.auditkit import line_of, marker, source
from testkit.bitekit import reuse_bite_runs

from audits.bite.__main__ import main
from audits.bite.plan import make_plan
from audits.parse import parse_file, parse_text

COURSE = Path(__file__).resolve().parent / "nbcourse"
# The course runs once in the file, on one xdist worker: each test renders that run as it needs.
pytestmark = pytest.mark.xdist_group("bite-nbcourse")


@pytest.fixture(autouse=True)
def one_run_of_the_course(monkeypatch):
    reuse_bite_runs(monkeypatch)


def bite_json(capsys, *args):
    code = main([*args, "--root", str(COURSE), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["modules"]


def by_code(module):
    found = {}
    for finding in module["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


def test_the_notebook_runs_as_in_jupyter_and_only_real_defects_are_reported(capsys):
    """helper.py and data.csv beside the notebook, %env, `%matplotlib inline` and a plot, a kernel's sys.argv and `%store`, `squares?`, `!ls`, exec(In[-2]), hidden tests:
    no cell fails on the solution but those needing a package nobody installed and a file nobody
    shipped, which are one BITE008 each with their consequences, not six BITE001: a NameError for
    what the failed cell should have bound, the same missing package imported again, and the
    AttributeError and failed assert on the placeholder (`table = None`) the failed load left."""
    code, (module, _, _) = bite_json(capsys)
    found = by_code(module)
    assert code == 1 and module["module"]["profile"] == "nbgrader"
    assert set(found) == {"BITE001", "BITE002", "BITE008", "GR001"}
    # nbgrader scores two graded cells below their point on the solution: a warning on stderr, a number shown.
    warns, partial = (f["message"] for f in found["BITE001"])
    assert "`test-warns`" in warns and "wrote to stderr, which nbgrader scores 0 points" in warns and "UserWarning" in warns
    assert "`test-partial`" in partial and "shows 0.5, which nbgrader takes as partial credit: 0.5 of its 1 point" in partial
    (provided,) = found["BITE002"]
    assert "`test-provided`" in provided["message"]  # a test of provided code only (helper.double)
    missing = [f["message"] for f in found["BITE008"]]
    assert "package `bite_fixture_package_nobody_installs`" in missing[0] and missing[0].endswith("`test-value`, `again`.")
    assert "file `table_nobody_shipped.csv`" in missing[1] and missing[1].endswith("`test-table`, `rows-of-table`.")
    # 11 graded cells; 4 fail on the solution (for want of a package and a file; test-warns and
    # test-partial, scored below their point); on the student version every one fails but test-provided,
    # test-hidden-only by its hidden test alone (autograde restores it), test-captured by the error its
    # `%%capture` body raised (the kernel still sends it). The region of `answer-t` (t = 5, a plain answer: no BITE005) is caught; `value` cannot be
    # judged (its test fails on the solution); `manual-code`, manually graded, is not knocked out (no BITE003).
    assert {key: module["bite"][key] for key in ("graded", "solution_passed", "student_failed", "regions", "caught")} == {
        "graded": 11, "solution_passed": 7, "student_failed": 10, "regions": 3, "caught": 2,
    }  # fmt: skip


def test_a_notebook_nbgrader_refuses_is_one_finding_and_no_verdicts(capsys):
    code, (_, module, _) = bite_json(capsys)
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007"
    assert "generate_assignment refuses" in finding["message"] and "`test-f`" in finding["message"] and "points is missing" in finding["message"]
    assert module["bite"]["graded"] == 0 and module["bite"]["regions"] == 0


def test_a_notebook_nbformat_rejects_is_one_finding_and_no_verdicts(capsys):
    """nbgrader's own cell-type-changed.ipynb: a code cell without `outputs` (its metadata says it was
    markdown). nbformat's schema rejects it, so nbconvert stops generate_assignment; bite judges nothing."""
    code, (_, _, module) = bite_json(capsys)
    (finding,) = module["findings"]
    (cell,) = parse_file(COURSE / "source/ps3/cell-type-changed.ipynb").cells
    assert code == 1 and finding["code"] == "BITE007" and finding["line"] == cell.start  # the cell nbformat names
    assert "generate_assignment refuses" in finding["message"] and "'outputs' is a required property" in finding["message"]
    assert module["bite"]["graded"] == 0 and module["bite"]["regions"] == 0


def test_text_report_names_each_modules_profile(capsys):
    assert main(["--root", str(COURSE)]) == 1
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("ps")]
    assert [(row[0], row[1]) for row in rows] == [("ps1", "nbgrader"), ("ps2", "nbgrader"), ("ps3", "nbgrader")]


IMPL = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'


def test_autotest_without_autotests_yml_is_refused_as_nbgrader_refuses_it(tmp_path):
    """nbgrader writes the tests of `### AUTOTEST` lines from autotests.yml (beside the notebook, else in
    the course root); without one its generate_assignment stops, and bite judges nothing."""
    text = source(IMPL, marker("test-two", "test") + "\n### AUTOTEST two(); two() + 1\n")
    plan = make_plan(parse_text(text), root=tmp_path)
    assert plan.cells == [] and plan.blocked[0] == line_of(text, "# %% nbgrader={\"grade\": true")
    assert "no autotests.yml beside it or in the course root" in plan.blocked[1]


def test_release_refusals_follow_nbgrader():
    """Each of nbgrader's refusals, on a small source: the line and the reason."""
    cases = {
        "a solution region in `setup`, which is not a solution cell": marker("setup") + "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
        "`### BEGIN SOLUTION` without": marker("open", "impl") + "\n### BEGIN SOLUTION\nx = 1\n",
        "grade_id `two` is used twice": IMPL + "\n" + marker("two", "impl") + "\ny = 1\n",
        "hidden tests in `setup`, which is not a graded cell": marker("setup") + "\n### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS\n",
    }
    for reason, cell in cases.items():
        text = source(cell)
        plan = make_plan(parse_text(text))
        assert plan.blocked is not None and reason.replace("`### BEGIN SOLUTION`", "`BEGIN SOLUTION`") in plan.blocked[1], (reason, plan.blocked)
    assert make_plan(parse_text(source(IMPL))).blocked is None
