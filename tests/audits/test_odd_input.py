"""Odd but legal input through the commands and output formats that once failed on it (issue 23):
findings, never an internal error.

- a lone surrogate in nbgrader metadata (`"grade_id": "\\ud800"`, legal JSON, no UTF-8 form),
  in a percent file and in a notebook: written reports carry it as the escape `\\ud800`;
- `points` with 309 or more digits (no float holds it): the review's strengths line.
"""

import json
import shutil
from pathlib import Path

import pytest

from testkit.auditkit import run_command

SEEDLIKE = Path(__file__).resolve().parent / "seedlike" / "clean"
SURROGATE_CELL = '\n# %% nbgrader={"grade": false, "grade_id": "\\ud800", "locked": false, "schema_version": 3, "solution": false, "task": false}\nx = 1\n'
HUGE_POINTS_CELL = (
    '\n# %% nbgrader={"grade": true, "grade_id": "test-huge", "locked": true, "points": 1' + "0" * 320
    + ', "schema_version": 3, "solution": false, "task": false}\ndef test_huge():\n    assert round(2.5) == 2\n'
)  # fmt: skip


@pytest.fixture
def root(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(SEEDLIKE, checkout)
    return checkout


def with_cell(root: Path, cell: str) -> Path:
    source = root / "modules" / "01_widget" / "widget.py"
    source.write_text(source.read_text(encoding="utf-8") + cell, encoding="utf-8")
    return source


def run(root: Path, command: str, *args: str):
    result = run_command(command, *args, "--root", root)
    assert "internal error" not in result.stderr and result.returncode in (0, 1), result.stderr
    return result


@pytest.mark.parametrize("command, args", [
    ("audits.module", ["1"]),  # writes reports/01_widget.{review.md,fixes.md,json}
    ("audits.module", ["1", "--fix"]),  # then writes the reports too
    ("audits.module", ["1", "--format", "sarif"]),
    ("audits", ["--format", "sarif"]),
], ids=["reports", "fix", "sarif-module", "sarif-repo"])  # fmt: skip
def test_a_lone_surrogate_in_metadata_is_a_finding_in_every_output(root, command, args):
    with_cell(root, SURROGATE_CELL)
    result = run(root, command, *args)
    assert result.returncode == 1  # NB003: the grade_id is not [A-Za-z0-9_-]
    if args[-1] == "sarif":
        results = json.loads(result.stdout)["runs"][0]["results"]
        assert any(r["ruleId"] == "NB003" for r in results)
    else:
        report = json.loads((root / "reports" / "01_widget.json").read_text(encoding="utf-8"))
        assert "NB003" in {f["code"] for f in report["findings"]}
        message = [f for f in report["findings"] if f["code"] == "NB003"][0]["message"]
        assert "\ud800" in message  # written as the escape \\ud800, which JSON reads back as the very same string
        assert "\\ud800" in (root / "reports" / "01_widget.review.md").read_text(encoding="utf-8")


def test_a_lone_surrogate_in_a_notebook_is_a_finding_in_the_written_reports_and_sarif(root, tmp_path):
    notebook = tmp_path / "course" / "source" / "ps1" / "lone.ipynb"
    notebook.parent.mkdir(parents=True)
    cell = {"cell_type": "code", "execution_count": None, "id": "a1", "outputs": [], "source": "x = 1\n",
            "metadata": {"nbgrader": {"grade": False, "grade_id": "\ud800", "locked": False, "schema_version": 3, "solution": False, "task": False}}}  # fmt: skip
    notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    course = notebook.parents[2]
    (course / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")  # marks the checkout
    assert run(course, "audits.module", "ps1").returncode == 1
    assert "NB003" in {f["code"] for f in json.loads((course / "reports" / "ps1.json").read_text(encoding="utf-8"))["findings"]}
    assert "NB003" in run(course, "audits", "--format", "sarif").stdout


@pytest.mark.parametrize("args", [["1"], ["1", "--format", "markdown"], ["1", "--fix"]], ids=["reports", "markdown", "fix"])
def test_points_no_float_holds_are_summed_in_the_review_without_overflow(root, args):
    with_cell(root, HUGE_POINTS_CELL)
    result = run(root, "audits.module", *args)
    review = result.stdout if "markdown" in args else (root / "reports" / "01_widget.review.md").read_text(encoding="utf-8")
    assert "graded and locked test cell(s) worth about 10^320 points" in review


def test_the_repository_review_in_markdown_sums_huge_points_too(root):
    with_cell(root, HUGE_POINTS_CELL)
    assert "worth about 10^320 points" in run(root, "audits", "--format", "markdown").stdout


def test_exporting_a_notebook_whose_code_holds_a_lone_surrogate_is_one_line_and_writes_nothing(tmp_path):
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
            "source": "#| default_exp core.widget\n#| export\nname = '\ud800'\n"}  # fmt: skip
    notebook = tmp_path / "course" / "modules" / "01_widget" / "widget.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    result = run_command("audits.export", "--root", notebook.parents[2], "--force")
    *warnings, last = result.stderr.splitlines()  # --force lists the blocking findings first
    assert result.returncode == 2 and warnings[0].startswith("warning: exporting despite") and "Traceback" not in result.stderr
    assert last == "error: cannot write tinytorch/core/widget.py: its code holds '\\ud800', which UTF-8 cannot encode (a lone surrogate escaped in a notebook); nothing written"
    assert not (notebook.parents[2] / "tinytorch").exists()
