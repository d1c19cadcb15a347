"""The four renderers on hand-built findings: same facts in every format, exact lines, pure functions."""

import dataclasses
import datetime
import json

import jsonschema
import pytest

from audits.model import Edit, Finding, Fix, Rule, Safety, Severity
from audits.report import ModuleInfo, fixplan, markdown, text
from audits.report import json as json_report

SOURCE = [f"line {n}" for n in range(1, 41)]
SOURCE[9] = "class Sequential:"
SOURCE[19] = "test_unit_a()"
SOURCE[29] = "test_unit_b()"
SOURCE[4] = "# %%"

RULES = [
    Rule("CC001", "Composition container", Severity.CRITICAL, "Module structure", "Containers hide the layer chain students must see.", lambda m, i: []),
    Rule("TI001", "Unguarded test call", Severity.CRITICAL, "Test isolation", "Calls at module level run on import.", lambda m, i: []),
    Rule("NB001", "Missing nbgrader metadata", Severity.HIGH, "NBGrader metadata", "Every code cell needs metadata.", lambda m, i: []),
    Rule("REF001", "Stale module number", Severity.MEDIUM, "References", "Prose must use current numbers.", lambda m, i: []),
    Rule("SE001", "Import-time side effect", Severity.HIGH, "Import hygiene", "Nothing may run at import.", lambda m, i: []),
]
FINDINGS = [
    Finding("TI001", Severity.CRITICAL, "modules/16_compression/compression.py", 30, "test_unit_b() runs at import time", "test_unit_b()", 'if __name__ == "__main__":\n    test_unit_b()',
            fix=Fix("wrapped in a new __main__ guard", (Edit(30, 30, 'if __name__ == "__main__":\n    test_unit_b()'),), Safety.SAFE)),
    Finding("CC001", Severity.CRITICAL, "modules/16_compression/compression.py", 10, "class Sequential chains layers", "class Sequential:", "Delete the class and chain layers explicitly."),
    Finding("TI001", Severity.CRITICAL, "modules/16_compression/compression.py", 20, "test_unit_a() runs at import time", "test_unit_a()", 'if __name__ == "__main__":\n    test_unit_a()',
            fix=Fix("wrapped in a new __main__ guard", (Edit(20, 20, 'if __name__ == "__main__":\n    test_unit_a()'),), Safety.SAFE)),
    Finding("NB001", Severity.HIGH, "modules/16_compression/compression.py", 5, "code cell has no nbgrader metadata", "# %%", '# %% nbgrader={"grade": false}'),
    Finding("REF001", Severity.MEDIUM, "modules/16_compression/compression.py", 2, "says Module 17, this is module 16", "line 2", "Say Module 16."),
]
INFO = ModuleInfo("modules/16_compression/compression.py", tuple(SOURCE), 16, "compression", "16_compression")
DATE = datetime.date(2025, 11, 10)


def test_text_summary_names_status_score_counts_and_worst_findings_first():
    out = text.render(INFO, FINDINGS, RULES)
    lines = out.splitlines()
    assert lines[0] == "modules/16_compression/compression.py (40 lines, tinytorch profile)"
    assert lines[1].startswith("NOT READY FOR EXPORT  score 4.8/10")
    assert "critical 3, high 1, medium 1, low 0" in lines[1]
    headers = [line for line in lines[2:] if line.startswith("modules/")]
    assert headers[0] == "modules/16_compression/compression.py:10:1: CC001 class Sequential chains layers"
    assert headers[-1] == "modules/16_compression/compression.py:2:1: REF001 says Module 17, this is module 16"
    assert len(headers) == len(FINDINGS)


def test_text_shows_the_offending_lines_with_carets_under_the_range():
    """As ruff: under each finding its source lines, numbered as in the file, carets from the column to the end column."""
    sequential = Finding("CC001", Severity.CRITICAL, INFO.path, 10, "class Sequential chains layers", "class Sequential:", column=7, end_line=10, end_column=17)
    out = text.render(INFO, [sequential], RULES).splitlines()
    assert out[2:] == [
        "modules/16_compression/compression.py:10:7: CC001 class Sequential chains layers",
        "   |",
        "10 | class Sequential:",
        "   |       ^^^^^^^^^^",
        "   |",
    ]
    assert text.render(INFO, [sequential], RULES, source=False).splitlines()[2:] == out[2:3]


def test_text_lists_every_line_of_a_folded_finding_and_shows_each():
    first, second = (Finding("TI001", Severity.CRITICAL, INFO.path, n, f"{SOURCE[n - 1]} runs at import time", SOURCE[n - 1]) for n in (20, 30))
    folded = dataclasses.replace(first, folded=(second,))
    out = text.render(INFO, [folded], RULES).splitlines()
    assert out[2] == "modules/16_compression/compression.py:20:1: TI001 test_unit_a() runs at import time (lines 20, 30)"
    assert out[3:] == [
        "   |",
        "20 | test_unit_a()",
        "   | ^^^^^^^^^^^^^",
        "30 | test_unit_b()",
        "   | ^^^^^^^^^^^^^ test_unit_b() runs at import time",  # a place that says something else says it
        "   |",
    ]
    assert "critical 1," in out[1]  # counted once


def test_text_summary_elides_beyond_top_only_when_a_written_review_has_the_rest():
    out = text.render(INFO, FINDINGS, RULES, top=2, see="reports/16_compression.review.md")
    assert out.splitlines()[-1] == "... and 3 more (see reports/16_compression.review.md)"
    everything = text.render(INFO, FINDINGS, RULES, top=2, source=False).splitlines()
    assert len(everything) == 2 + len(FINDINGS) and not any("more" in line for line in everything)


def test_markdown_has_every_section_in_order():
    out = markdown.render(INFO, FINDINGS, RULES, DATE)
    order = [
        "# Module 16: Compression - Audit Review",
        "**Date:** 2025-11-10",
        "(40 lines)",
        "**Status:** ❌ **NOT READY FOR EXPORT**",
        "**Score:** 4.8/10",
        "How the score is computed",
        "## Executive summary",
        "| critical | 3 |",
        "## 1. Module structure ❌",
        "## 2. Test isolation ❌",
        "## 3. NBGrader metadata ❌",
        "## 4. References ⚠️",
        "## 5. Import hygiene ✅",
        "## Compliance checklist",
        "## Action plan",
        "### Phase 1: Critical",
        "### Phase 2: High",
        "### Phase 3: Medium and low",
        "## Final verdict",
        "**Current status: NOT READY FOR EXPORT**",
    ]
    positions = [out.index(piece) for piece in order]
    assert positions == sorted(positions)


def test_markdown_findings_carry_line_excerpt_with_context_and_rule_doc():
    out = markdown.render(INFO, FINDINGS, RULES, DATE)
    assert "### TI001 Unguarded test call (critical): lines 20, 30" in out
    assert "#### Line 20: test_unit_a() runs at import time" in out
    # context: two lines either side, the offending line marked
    assert "  18 | line 18\n  19 | line 19\n> 20 | test_unit_a()\n  21 | line 21\n  22 | line 22" in out
    assert "**Why it matters:** Calls at module level run on import." in out
    assert 'if __name__ == "__main__":\n    test_unit_b()' in out
    assert "Delete the class and chain layers explicitly." in out


def test_markdown_checklist_lists_passed_categories_and_action_plan_lists_lines():
    out = markdown.render(INFO, FINDINGS, RULES, DATE)
    checklist = out[out.index("## Compliance checklist"):out.index("## Action plan")]
    assert "- [x] ✅ Import hygiene: passed" in checklist
    assert "- [ ] ❌ Test isolation: 2 finding(s) (TI001)" in checklist
    assert "- [ ] ⚠️ References: 1 finding(s) (REF001)" in checklist
    plan = out[out.index("## Action plan"):out.index("## Final verdict")]
    phase1 = plan[plan.index("Phase 1"):plan.index("Phase 2")]
    assert "**CC001** Composition container: line 10" in phase1
    assert "**TI001** Unguarded test call: lines 20, 30 (mechanical" in phase1
    assert "**NB001**" in plan[plan.index("Phase 2"):plan.index("Phase 3")]
    assert "**REF001**" in plan[plan.index("Phase 3"):]


def test_markdown_for_a_clean_module_says_ready():
    out = markdown.render(INFO, [], RULES, DATE)
    assert "**Status:** ✅ **READY FOR EXPORT**" in out and "**Score:** 10.0/10" in out
    assert out.count(": passed") == len({r.category for r in RULES})
    assert "**Current status: READY FOR EXPORT**" in out


def test_markdown_excerpt_fence_survives_backticks_in_source():
    info = ModuleInfo("m.py", ("x = 1", "s = '```'", "y = 2"))
    f = Finding("SE001", Severity.HIGH, "m.py", 2, "msg", "s = '```'")
    out = markdown.render(info, [f], RULES, DATE)
    assert "````python\n  1 | x = 1\n> 2 | s = '```'\n  3 | y = 2\n````" in out


def test_fixplan_has_current_code_and_required_change_for_each_finding():
    out = fixplan.render(INFO, FINDINGS, RULES, DATE)
    assert out.startswith("# Fix plan: Module 16: Compression")
    for f in FINDINGS:
        block = out[out.index(f"Line {f.line}: {f.message}"):]
        assert block.index(f"**Current code (line {f.line}):**") < block.index("**Required change:**")
        assert f"{f.line} | {f.excerpt}" in block
    assert "## Fix 1: CC001" in out and "## Fix 2: TI001" in out and "## Fix 3: NB001" in out and "## Fix 4: REF001" in out
    validation = out[out.index("## Validation steps"):]
    for command in ("python -m audits.module 16 --fix", "python -m audits.module 16`", "python modules/16_compression/compression.py",
                    "python -m audits.export 16", "pytest --only 16"):
        assert command in validation


def test_json_follows_the_schema_with_stable_key_order():
    out = json_report.render(INFO, FINDINGS, RULES)
    data = json.loads(out)
    jsonschema.validate(data, json_report.SCHEMA)
    assert list(data) == ["schema", "module", "status", "score", "counts", "findings", "rules_violated", "suppressed"]
    assert data["schema"] == "tinytorch-audit/1"
    assert data["module"] == {"number": 16, "name": "compression", "folder": "16_compression",
                              "path": "modules/16_compression/compression.py", "lines": 40, "profile": "tinytorch", "language": "python"}
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(2, "REF001"), (5, "NB001"), (10, "CC001"), (20, "TI001"), (30, "TI001")]
    assert list(data["findings"][0]) == ["code", "severity", "category", "path", "line", "message", "excerpt", "suggestion",
                                         "column", "impact", "fix", "end_line", "end_column", "lines", "locations"]
    assert [(r["code"], r["count"]) for r in data["rules_violated"]] == [("CC001", 1), ("TI001", 2), ("NB001", 1), ("REF001", 1)]
    assert data["counts"] == {"critical": 3, "high": 1, "medium": 1, "low": 0}
    assert data["status"] == "NOT READY FOR EXPORT" and data["score"] == 4.8
    # a finding without a range given covers its excerpt's line
    assert {key: data["findings"][2][key] for key in ("line", "column", "end_line", "end_column", "lines")} == {
        "line": 10, "column": 1, "end_line": 10, "end_column": len("class Sequential:") + 1, "lines": [10]}


def test_json_lists_every_place_of_a_folded_finding_and_counts_it_once():
    first, second = (f for f in FINDINGS if f.code == "TI001")
    folded = dataclasses.replace(second, column=1, end_line=20, end_column=14, folded=(dataclasses.replace(first, column=1, end_line=30, end_column=14),))
    data = json.loads(json_report.render(INFO, [folded], RULES))
    jsonschema.validate(data, json_report.SCHEMA)
    (finding,) = data["findings"]
    assert finding["lines"] == [20, 30]
    assert finding["locations"] == [
        {"line": 20, "column": 1, "end_line": 20, "end_column": 14, "message": "test_unit_a() runs at import time", "excerpt": "test_unit_a()"},
        {"line": 30, "column": 1, "end_line": 30, "end_column": 14, "message": "test_unit_b() runs at import time", "excerpt": "test_unit_b()"},
    ]
    assert data["counts"]["critical"] == 1 and data["rules_violated"][0]["count"] == 1


@pytest.mark.parametrize("renderer", [text.render, markdown.render, fixplan.render, json_report.render])
def test_renderers_are_pure_and_independent_of_input_order(renderer):
    first = renderer(INFO, FINDINGS, RULES, DATE)
    again = renderer(INFO, list(reversed(FINDINGS)), list(reversed(RULES)) if renderer is json_report.render else RULES, DATE)
    assert first == again


def test_unknown_rule_codes_land_in_other():
    f = Finding("ZZ999", Severity.LOW, "m.py", 1, "odd")
    out = markdown.render(ModuleInfo("m.py", ("x",)), [f], RULES, DATE)
    assert "## 6. Other ⚠️" in out
    assert json.loads(json_report.render(ModuleInfo("m.py", ("x",)), [f], RULES))["findings"][0]["category"] == "Other"


def test_line_lists_name_runs_of_three_or_more_lines_as_ranges():
    from audits.report import line_list

    assert line_list([7]) == "line 7"
    assert line_list([12, 3, 7, 3]) == "lines 3, 7, 12"
    assert line_list(range(16, 44)) == "lines 16-43"  # one cell's 28 prints, folded
    assert line_list([1, 2, 4, 5, 6, 9]) == "lines 1, 2, 4-6, 9"


def test_text_shows_the_first_places_of_a_long_folded_finding_and_counts_the_rest():
    from audits.report.text import SOURCE_PLACES

    parts = [Finding("SE001", Severity.HIGH, INFO.path, n, "prints", SOURCE[n - 1]) for n in range(11, 11 + SOURCE_PLACES + 2)]
    folded = dataclasses.replace(parts[0], folded=tuple(parts[1:]))
    out = text.render(INFO, [folded], RULES).splitlines()
    assert out[2].endswith(f"(lines 11-{10 + SOURCE_PLACES + 2})")
    assert [row.split(" | ")[0].strip() for row in out if row.split(" | ")[0].strip().isdigit()] == [str(n) for n in range(11, 11 + SOURCE_PLACES)]
    assert out[-2] == "   | ... and 2 more places"
