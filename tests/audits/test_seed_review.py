"""The seed review, reproduced: a module with the defects seeds 000/001 describe gets them all, at their lines.

The fixture tests/audits/seedlike/flawed/modules/16_compression/compression.py places
each defect as the seed found it: a `Sequential` container in an early code cell,
seven `test_unit_*`/`test_module` calls left unguarded right after their test
functions, three unguarded demo/analysis calls, an imports cell whose metadata lacks
`locked`/`schema_version`, test cells without grading metadata, and a "Module 17"
title in the 16_compression folder.
"""

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from audits.auditor import Auditor
from audits.module import render
from audits.report import json as json_report
from testkit.auditkit import run_command

HERE = Path(__file__).resolve().parent
FIXTURE_ROOT = HERE / "seedlike" / "flawed"
SOURCE = FIXTURE_ROOT / "modules" / "16_compression" / "compression.py"
DATE = "2025-11-10"

# (code, line, text that line holds): the text guards against the fixture drifting from the table.
EXPECTED = [
    ("REF001", 16, "# Module 17: Compression"),
    ("NB003", 23, '# %% nbgrader={"grade": false, "grade_id": "imports", "solution": true}'),
    # the seed's imports cell also claims `"solution": true` without solution markers
    ("NB006", 23, '# %% nbgrader={"grade": false, "grade_id": "imports", "solution": true}'),
    ("CC001", 30, "class Sequential:"),
    ("NB001", 72, "# %%"),
    ("TI001", 77, "test_unit_measure_sparsity()"),
    ("NB003", 91, '# %% nbgrader={"grade_id": "test-magnitude-prune", "solution": false}'),
    ("NB005", 91, '# %% nbgrader={"grade_id": "test-magnitude-prune", "solution": false}'),
    ("TI001", 97, "test_unit_magnitude_prune()"),
    ("NB001", 112, "# %%"),
    ("TI001", 118, "test_unit_structured_prune()"),
    ("NB001", 130, "# %%"),
    ("TI001", 136, "test_unit_low_rank_approximate()"),
    ("NB001", 149, "# %%"),
    ("TI001", 156, "test_unit_knowledge_distillation()"),
    ("NB001", 167, "# %%"),
    ("TI001", 173, "test_unit_compress_model()"),
    ("TI001", 181, "demo_compression_with_profiler()"),
    ("TI001", 190, "analyze_compression_techniques()"),
    ("TI001", 198, "analyze_distillation_effectiveness()"),
    ("NB001", 200, "# %%"),
    ("TI001", 211, "test_module()"),
]
MECHANICAL = {"TI001", "NB001", "NB003"}


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "checkout"
    shutil.copytree(FIXTURE_ROOT, root)
    return root


# Its module-scoped fixture (`audit`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_seed_review")


@pytest.fixture(scope="module")
def audit():
    return Auditor(FIXTURE_ROOT).audit_target("16")


def test_fixture_lines_match_the_table():
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    for code, line, text in EXPECTED:
        assert lines[line - 1] == text, f"{code}: line {line} is {lines[line - 1]!r}"


@pytest.mark.parametrize("code, line, text", EXPECTED, ids=[f"{c}-{n}" for c, n, _ in EXPECTED])
def test_each_seed_defect_is_reported_at_its_line(audit, code, line, text):
    found = {(f.code, f.line) for f in audit.findings}
    assert (code, line) in found, f"{code} not reported at line {line}; got {sorted(found)}"


def test_nothing_else_blocks(audit):
    """The rest of the fixture is clean: no blocking finding beyond the seed's defects."""
    expected = {(code, line) for code, line, _ in EXPECTED}
    extra = [f for f in audit.findings if (f.code, f.line) not in expected and f.severity.blocks_export]
    assert extra == []


def test_status_is_not_ready(audit):
    assert not audit.ready
    assert audit.info.number == 16 and audit.info.line_count == len(SOURCE.read_text(encoding="utf-8").splitlines())


def test_markdown_review_has_the_seed_sections(audit):
    review = render(audit, "markdown", DATE)
    assert review.startswith("# Module 16: Compression - Audit Review")
    for piece in ("**Date:** 2025-11-10", "**Status:** ❌ **NOT READY FOR EXPORT**", "**Score:**", "How the score is computed",
                  "## Executive summary", "| critical |", "| high |", "## Compliance checklist", "## Action plan",
                  "### Phase 1: Critical", "### Phase 2: High", "## Final verdict", "**Current status: NOT READY FOR EXPORT**"):
        assert piece in review, piece
    for code, line, _ in EXPECTED:
        assert f"#### Line {line}: " in review
        assert f"> {line:>3} | " in review or f"> {line} | " in review
    # every category appears in the checklist, the passing ones too
    checklist = review[review.index("## Compliance checklist"):review.index("## Action plan")]
    categories = {rule.category for rule in __import__("audits.rules", fromlist=["ALL_RULES"]).ALL_RULES}
    for category in categories:
        assert f" {category}: " in checklist
    phase1 = review[review.index("### Phase 1"):review.index("### Phase 2")]
    assert "**CC001**" in phase1 and "**TI001**" in phase1
    assert "77, 97, 118, 136, 156, 173, 181, 190, 198, 211" in phase1


def test_fix_plan_has_current_code_and_required_change_for_each_finding(audit):
    plan = render(audit, "fixplan", DATE)
    for finding in audit.findings:
        section = plan[plan.index(f"Line {finding.line}: {finding.message}"):]
        assert section.index(f"**Current code (line {finding.line}):**") < section.index("**Required change:**")
    assert "## Validation steps" in plan and "python -m audits.module 16" in plan


def test_json_report_validates_and_lists_the_findings(audit):
    data = json.loads(render(audit, "json", DATE))
    jsonschema.validate(data, json_report.SCHEMA)
    assert data["status"] == "NOT READY FOR EXPORT"
    assert {(code, line) for code, line, _ in EXPECTED} <= {(f["code"], f["line"]) for f in data["findings"]}


def test_cli_writes_three_reports_and_exits_one(checkout):
    result = run_command("audits.module", "16", "--root", checkout, "--date", DATE)
    assert result.returncode == 1, result.stderr
    assert "NOT READY FOR EXPORT" in result.stdout
    for suffix in (".review.md", ".fixes.md", ".json"):
        assert (checkout / "reports" / f"16_compression{suffix}").is_file()


def _changed_lines_are_only_the_fixes(before: list[str], after: list[str], touched: set[int]):
    guard = 'if __name__ == "__main__":'
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        assert tag in ("replace", "insert"), f"lines {i1 + 1}-{i2} were deleted"
        old = before[i1:i2]
        assert set(range(i1 + 1, i2 + 1)) <= touched, f"untouchable lines {i1 + 1}-{i2} changed"
        new = [line for line in after[j1:j2] if line != guard]
        assert len(new) == len(old), (old, after[j1:j2])
        for was, now in zip(old, new):
            assert now == "    " + was or (was.startswith("# %%") and now.startswith(was.split(" nbgrader=")[0])), (was, now)


def test_fix_removes_every_mechanical_finding_and_touches_nothing_else(checkout):
    source = checkout / "modules" / "16_compression" / "compression.py"
    before = source.read_bytes()
    auditor = Auditor(checkout)
    first = auditor.audit_target("16")
    touched = {f.line for f in first.findings if f.code in MECHANICAL}

    result = run_command("audits.module", "16", "--root", checkout, "--fix")
    assert result.returncode in (0, 1), result.stderr
    assert "fixed" in result.stdout and "Traceback" not in result.stderr
    after = source.read_bytes()
    assert after != before

    remaining = Auditor(checkout).audit_target("16").findings
    assert [f for f in remaining if f.code in MECHANICAL] == []
    assert {(f.code, f.line) for f in remaining if f.code == "CC001"} == {("CC001", 30)}, "CC001 needs a person"
    _changed_lines_are_only_the_fixes(before.decode().splitlines(), after.decode().splitlines(), touched)

    # idempotent: a second run changes no byte
    again = run_command("audits.module", "16", "--root", checkout, "--fix")
    assert again.returncode in (0, 1) and source.read_bytes() == after
    assert "nothing to fix mechanically" in again.stdout

    # the fixed module still runs as a script and is silent when imported
    run = subprocess.run([sys.executable, str(source)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    imported = subprocess.run([sys.executable, "-c", f"import runpy; runpy.run_path({str(source)!r}, run_name='imported')"],
                              capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0 and imported.stdout == "", imported.stdout + imported.stderr


def test_fixed_metadata_is_inferred_from_the_cell(checkout):
    source = checkout / "modules" / "16_compression" / "compression.py"
    run_command("audits.module", "16", "--root", checkout, "--fix")
    lines = source.read_text(encoding="utf-8").splitlines()
    meta = {n: json.loads(line.split("nbgrader=", 1)[1]) for n, line in enumerate(lines, 1) if "nbgrader=" in line}
    imports = meta[23]
    assert imports["grade_id"] == "imports" and imports["solution"] is True  # existing values kept
    assert imports["locked"] is False and imports["schema_version"] == 3 and imports["task"] is False
    tests = [m for m in meta.values() if m["grade_id"].startswith("test-")]
    assert {m["grade_id"] for m in tests} >= {"test-measure-sparsity", "test-magnitude-prune", "test-structured-prune",
                                               "test-low-rank-approximate", "test-knowledge-distillation",
                                               "test-compress-model", "test-module"}
    for m in tests:
        assert m["grade"] is True and m["locked"] is True and m["points"] > 0 and m["solution"] is False
    ids = [m["grade_id"] for m in meta.values()]
    assert len(ids) == len(set(ids))
