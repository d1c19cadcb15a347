"""Notebooks whose kernel runs another language than Python (an nbgrader course in R or Julia).

The course tests/audits/layouts/kernel_languages holds an R notebook (kernelspec language R) with
a graded cell nbgrader's validator rejects (no points), a Julia notebook named only by its
language_info, one whose kernelspec says julia (the course's nbgrader_config.py has stubs for
python and R only, so nbgrader refuses it: NB007), a notebook jupytext made from an R script
(only `jupytext.main_language`), and a Python notebook with a real syntax error as the control. Their code is not Python: the audit
does not parse it (no SYN001 on `squares <- function(n) {`), runs only the rules that read
metadata, markers, prose and layout (`Rule.any_language`), and says so in every report; bite runs
none of it and says why in one BITE007, as nbgrader would grade it in a kernel bite does not have.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from testkit.auditkit import run_command

from audits.auditor import Auditor
from audits.bite.__main__ import main as bite_main
from audits.bite.plan import make_plan
from audits.model import is_python
from audits.notebook import kernel_language, parse_notebook
from audits.rules import ALL_RULES, every_rule

COURSE = Path(__file__).resolve().parent / "layouts" / "kernel_languages"
R_NOTEBOOK = "source/ps1/squares.ipynb"
JULIA_NOTEBOOK = "source/ps1/fibonacci.ipynb"
FROM_SCRIPT = "source/ps2/from_script.ipynb"
PYTHON_NOTEBOOK = "source/ps2/python_control.ipynb"
NO_STUB = "source/ps2/collatz.ipynb"  # kernelspec julia; the course's nbgrader_config.py has stubs for python and R only


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        ({"kernelspec": {"language": "R"}, "language_info": {"name": "python"}}, "R"),  # the kernelspec first, as nbgrader reads it
        ({"language_info": {"name": "julia"}, "jupytext": {"main_language": "R"}}, "julia"),
        ({"jupytext": {"main_language": "R"}}, "R"),
        ({"kernelspec": {"language": "  "}, "language_info": {"name": "julia"}}, "julia"),  # a blank name names nothing
        ({"kernelspec": {"language": 3}, "language_info": ["julia"]}, "python"),  # wrong types: nothing named
        ({}, "python"),
        ({"kernelspec": {"language": "R\ud800"}}, "'R\\ud800'"),  # a lone surrogate, shown escaped
        ({"kernelspec": {"language": "x" * 300}}, repr("x" * 40)),  # at most 40 characters of it
    ],
)  # fmt: skip
def test_the_language_is_the_one_the_notebook_metadata_names(metadata, language):
    assert kernel_language({"metadata": metadata}) == language


def test_python_is_python_whatever_its_case_and_version_and_nothing_else_is():
    assert all(is_python(name) for name in ("python", "Python", "python3", "ipython"))
    assert not any(is_python(name) for name in ("R", "julia", "sage", "xonsh", "coconut", "pythonish"))


def test_code_in_another_language_is_not_parsed_and_python_still_is():
    r = parse_notebook((COURSE / R_NOTEBOOK).read_text(encoding="utf-8"), COURSE / R_NOTEBOOK)
    assert r.language == "R" and not r.python
    solution = r.code_cells()[1]
    assert "squares <- function(n) {" in solution.source
    assert solution.syntax_error is None and solution.tree is not None and solution.tree.body == []
    control = parse_notebook((COURSE / PYTHON_NOTEBOOK).read_text(encoding="utf-8"), COURSE / PYTHON_NOTEBOOK)
    assert control.python and control.code_cells()[0].tree.body  # the Python notebook is parsed
    assert control.code_cells()[1].syntax_error is not None


def test_every_rule_says_whether_it_reads_python_and_the_language_agnostic_ones_are_these():
    agnostic = {rule.code for rule in every_rule() if rule.any_language}
    # Metadata, markers, prose, layout, suppressions, the notebook file itself; bite's own refusal.
    assert agnostic == {"BITE007", "INT001", "LAY001", "LAY002", "NB001", "NB002", "NB003", "NB004", "NB005", "NB006",
                        "NB007", "REF001", "REF002", "SUP001", "SUP002", "SYN002"}  # fmt: skip
    assert {"SYN001", "GR001", "TST001", "SE001", "API001", "DEP001"} <= {rule.code for rule in ALL_RULES if not rule.any_language}


def test_the_audit_of_an_r_notebook_reports_its_metadata_and_no_python_rule():
    result = run_command("audits.module", R_NOTEBOOK, "--root", str(COURSE), "--format", "json")
    report = json.loads(result.stdout)
    assert report["module"]["language"] == "R"
    codes = [f["code"] for f in report["findings"] if f["code"] != "LAY002"]  # LAY002: unnumbered folders, in any language
    assert codes == ["NB003"]  # the graded cell without points; no SYN001 on R code, no GR001 on tests it cannot read
    assert result.returncode == 1  # NB003 is high: the notebook is not ready


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_every_report_says_the_code_was_not_read_as_python(fmt):
    result = run_command("audits.module", JULIA_NOTEBOOK, "--root", str(COURSE), "--format", fmt)
    assert "julia code, not read as Python: language-agnostic rules only" in result.stdout
    assert result.returncode == 0


def test_the_whole_course_keeps_syn001_for_the_python_notebook_only():
    result = run_command("audits", "--root", str(COURSE), "--format", "json")
    modules = {m["module"]["path"]: m for m in json.loads(result.stdout)["modules"]}
    languages = {path: m["module"]["language"] for path, m in modules.items()}
    assert languages == {R_NOTEBOOK: "R", JULIA_NOTEBOOK: "julia", NO_STUB: "julia", FROM_SCRIPT: "R", PYTHON_NOTEBOOK: "python"}
    syntax = {path for path, m in modules.items() for f in m["findings"] if f["code"] == "SYN001"}
    assert syntax == {PYTHON_NOTEBOOK}


def test_bite_runs_nothing_of_another_language_and_says_why_once(capsys):
    code = bite_main(["--root", str(COURSE), JULIA_NOTEBOOK, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    (module,) = report["modules"]
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007"
    assert "its code is julia" in finding["message"] and "bite ran nothing" in finding["message"]
    assert module["bite"]["graded"] == 0 and module["bite"]["solution_passed"] == 0


def test_a_notebook_in_another_language_with_nothing_graded_gets_no_plan_and_no_finding():
    auditor = Auditor(COURSE)
    module = auditor.audit_target(FROM_SCRIPT).module
    plan = make_plan(module)
    assert plan.cells == [] and plan.blocked is None


def test_fix_completes_metadata_in_an_r_notebook_and_leaves_its_code_alone(tmp_path):
    course = shutil.copytree(COURSE, tmp_path / "course")
    before = json.loads((course / R_NOTEBOOK).read_text(encoding="utf-8"))
    fixed = run_command("audits.module", R_NOTEBOOK, "--root", str(course), "--fix")
    after = json.loads((course / R_NOTEBOOK).read_text(encoding="utf-8"))
    assert [cell["source"] for cell in after["cells"]] == [cell["source"] for cell in before["cells"]]
    assert after["cells"][3]["metadata"]["nbgrader"]["points"] > 0  # NB003's fix: the points nbgrader requires
    again = run_command("audits.module", R_NOTEBOOK, "--root", str(course), "--format", "json")
    assert fixed.returncode == 0 and "NB003: added missing key(s) points" in fixed.stdout
    assert [f["code"] for f in json.loads(again.stdout)["findings"]] == ["LAY002"] and again.returncode == 0


# -- NB007: nbgrader's ClearSolutions refuses a notebook whose kernelspec language has no code stub ----
# (checked once with nbgrader 0.9.6 itself on this course: `generate_assignment ps2` fails with "language
# 'julia' has not been specified in ClearSolutions.code_stub", and releases ps2 once the line below is added)


def test_a_kernel_language_without_a_code_stub_is_the_refusal_nbgrader_makes():
    result = run_command("audits.module", NO_STUB, "--root", str(COURSE), "--format", "json")
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["code"] != "LAY002"]
    assert finding["code"] == "NB007" and result.returncode == 1
    assert "its kernel language 'julia' has no code stub (ClearSolutions.code_stub has one for python, R)" in finding["message"]
    assert finding["line"] == 1 and "c.ClearSolutions.code_stub" in finding["suggestion"]
    # nbgrader reads the kernelspec alone: the Julia notebook named only by language_info is released as Python
    others = run_command("audits", "--root", str(COURSE), "--format", "json")
    flagged = {m["module"]["path"] for m in json.loads(others.stdout)["modules"] for f in m["findings"] if f["code"] == "NB007"}
    assert flagged == {NO_STUB}


def test_bite_reports_the_refusal_not_the_language(capsys):
    code = bite_main(["--root", str(COURSE), NO_STUB, "--format", "json"])
    (module,) = json.loads(capsys.readouterr().out)["modules"]
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007"
    assert finding["message"].startswith("nbgrader's generate_assignment refuses this notebook: its kernel language 'julia' has no code stub")


def test_a_stub_added_for_the_language_in_nbgrader_config_ends_the_refusal(tmp_path):
    course = shutil.copytree(COURSE, tmp_path / "course")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write('c.ClearSolutions.code_stub["julia"] = "# YOUR CODE HERE\\nerror(\\"No Answer Given!\\")"\n')
    result = run_command("audits.module", NO_STUB, "--root", str(course), "--format", "json")
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["LAY002"] and result.returncode == 0


def test_a_notebook_with_no_nbgrader_cell_is_no_assignment_and_gets_no_nb007(tmp_path):
    notebook = json.loads((COURSE / NO_STUB).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        del cell["metadata"]["nbgrader"]
    (tmp_path / "scratch.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    result = run_command("audits.module", str(tmp_path / "scratch.ipynb"), "--format", "json")
    assert json.loads(result.stdout)["findings"] == [] and result.returncode == 0


@pytest.mark.parametrize(("notebook", "code"), [(R_NOTEBOOK, "SE001"), (PYTHON_NOTEBOOK, "EX001")])
def test_a_suppression_of_a_rule_that_did_not_run_is_not_unused(tmp_path, notebook, code):
    """SE001 reads Python (not run on R code); EX001 is a house rule of the tinytorch profile (not run in an
    nbgrader course): a comment naming either silences nothing, but it is no SUP002 either."""
    data = json.loads((COURSE / notebook).read_text(encoding="utf-8"))
    cell = data["cells"][-1]
    cell["source"] = "".join(cell["source"]) + f"\n# audit: ignore[{code}]"
    (tmp_path / "copy.ipynb").write_text(json.dumps(data), encoding="utf-8")
    result = run_command("audits.module", str(tmp_path / "copy.ipynb"), "--format", "json")
    assert "SUP002" not in [f["code"] for f in json.loads(result.stdout)["findings"]]
    cell["source"] += "\n# audit: ignore[NB003]"  # a rule that ran, and found nothing on this line
    (tmp_path / "copy.ipynb").write_text(json.dumps(data), encoding="utf-8")
    result = run_command("audits.module", str(tmp_path / "copy.ipynb"), "--format", "json")
    assert "SUP002" in [f["code"] for f in json.loads(result.stdout)["findings"]]
