"""Reviews an author can act on: impact lines, short per-rule reasons with a pointer to the full
doc, replacement code for containers, strengths with evidence, effort per phase, no repeated
required change, a short review for a clean module, and a review shorter than before."""

import ast
import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from audits.auditor import Auditor
from audits.model import Edit, Finding, Fix, Rule, Safety, Severity
from audits.module import render
from audits.report import ModuleInfo, duration, effort_minutes, markdown
from audits.rules import ALL_RULES, get_rule
from testkit.auditkit import line_of

HERE = Path(__file__).resolve().parent
SEEDLIKE = HERE / "seedlike"
FLAWED_SOURCE = SEEDLIKE / "flawed" / "modules" / "16_compression" / "compression.py"
CLEAN_SOURCE = SEEDLIKE / "clean" / "modules" / "01_widget" / "widget.py"
DATE = "2025-11-10"
# The review of the seed-like fixture before this layout (commit 6a88524): 567 lines, 20541 characters.
BEFORE_LINES, BEFORE_CHARS = 567, 20541


# Its module-scoped fixture (`flawed`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_report_review")


@pytest.fixture(scope="module")
def flawed():
    return Auditor(SEEDLIKE / "flawed").audit_target("16")


@pytest.fixture(scope="module")
def review(flawed):
    return render(flawed, "markdown", DATE)


def test_the_seed_like_review_is_shorter_than_before(review):
    assert len(review.splitlines()) < 0.8 * BEFORE_LINES and len(review) < 0.8 * BEFORE_CHARS


def test_each_rule_gets_a_short_reason_and_the_full_doc_stays_behind_explain(flawed, review):
    for code in {f.code for f in flawed.findings}:
        assert review.count(f"Full rule: `python -m audits.rules --explain {code}`.") == 1, code
    cc001 = " ".join(get_rule("CC001").doc.split())
    assert "Detected structurally" in cc001 and "Detected structurally" not in review
    why = ("**Why it matters:** Modules build atomic components; students chain layers explicitly so they see the data flow, "
           "and a container in one module becomes a hidden dependency of later ones. Full rule:")
    assert why in review, "the reason is the doc's own 'Why it matters' section"


def test_the_container_finding_lists_where_it_is_used_and_gives_replacement_code(flawed, review):
    [finding] = [f for f in flawed.findings if f.code == "CC001"]
    use = line_of(FLAWED_SOURCE.read_text(encoding="utf-8"), "model = Sequential(")
    assert finding.impact == (f"modules/16_compression/compression.py:{use} `model = Sequential(Dense([[1.0, 0.0], [0.0, 1.0]]))`",)
    assert f"**Impact:** where it is used\n\n- modules/16_compression/compression.py:{use} `model = Sequential(" in review
    code = ast.parse(finding.suggestion)
    [model] = [node for node in code.body if isinstance(node, ast.ClassDef)]
    methods = {node.name for node in model.body if isinstance(node, ast.FunctionDef)}
    assert methods == {"__init__", "forward", "__call__", "parameters"}
    assert "self.dense1 = Dense([[1.0, 0.0], [0.0, 1.0]])" in finding.suggestion
    assert "x = self.dense1.forward(x)" in finding.suggestion
    assert "class Model:" in review


def test_container_impact_includes_the_module_tests(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(SEEDLIKE / "flawed", root)
    test = root / "tests" / "16_compression" / "test_pruning.py"
    test.parent.mkdir(parents=True)
    test.write_text("from tinytorch.perf.compression import Sequential, Dense\n\n\ndef test_chain():\n"
                    "    model = Sequential(Dense([[1.0]]), Dense([[2.0]]))\n    assert model\n", encoding="utf-8")
    [finding] = [f for f in Auditor(root).audit_target("16").findings if f.code == "CC001"]
    assert "tests/16_compression/test_pruning.py:5 `model = Sequential(Dense([[1.0]]), Dense([[2.0]]))`" in finding.impact


def test_one_edit_fixing_two_findings_is_given_once(flawed, review):
    shared = [f for f in flawed.findings if f.line == 91 and f.code in ("NB003", "NB005")]
    assert len(shared) == 2 and shared[0].suggestion == shared[1].suggestion
    assert review.count(shared[0].suggestion) == 1
    assert "Same lines and required change as NB003 at line 91 above: one edit fixes both." in review
    plan = render(flawed, "fixplan", DATE)
    assert plan.count(shared[0].suggestion) == 1 and "the same edit as fix " in plan


def test_effort_per_phase_comes_from_the_rules(flawed, review):
    rules = {rule.code: rule for rule in ALL_RULES}
    critical = [f for f in flawed.findings if f.severity == Severity.CRITICAL]
    assert f"### Phase 1: Critical (must fix before export): {duration(effort_minutes(critical, rules))}" in review
    assert f"Estimated effort: {duration(effort_minutes(flawed.findings, rules))}." in review


def test_effort_counts_rule_minutes_and_one_minute_per_mechanical_finding():
    rules = {"CC001": Rule("CC001", "c", Severity.CRITICAL, "C", "d", lambda m, i: [], effort_minutes=45),
             "TI001": Rule("TI001", "t", Severity.CRITICAL, "T", "d", lambda m, i: [], effort_minutes=5)}
    guard = Fix("guard the call", (Edit(9, 9, 'if __name__ == "__main__":\n    f()'),), Safety.SAFE)
    findings = [Finding("CC001", Severity.CRITICAL, "m.py", 3, "container", suggestion="Delete it."),
                Finding("TI001", Severity.CRITICAL, "m.py", 9, "call", suggestion="guard", fix=guard),
                Finding("TI001", Severity.CRITICAL, "m.py", 12, "call", suggestion="guard 2", fix=guard),
                Finding("TI001", Severity.CRITICAL, "m.py", 15, "call", suggestion="by hand",
                        fix=dataclasses.replace(guard, safety=Safety.UNSAFE))]
    # the safe fixes are applied by --fix: reviewing each takes a minute; the unsafe one is the rule's 5 minutes
    assert effort_minutes(findings, rules) == 45 + 1 + 1 + 5
    assert [duration(m) for m in (4, 47, 60, 71)] == ["about 4 min", "about 45 min", "about 1 h", "about 1 h 10 min"]


def test_strengths_name_their_evidence_for_the_clean_module():
    audit = Auditor(SEEDLIKE / "clean").audit_target("1")
    text = CLEAN_SOURCE.read_text(encoding="utf-8")
    review = render(audit, "markdown", DATE)
    strengths = review[review.index("## Strengths"):review.index("## Compliance checklist")]
    categories = sorted({rule.category for rule in ALL_RULES})
    assert f"{len(categories)} of {len(categories)} categories pass" in strengths
    unit, module = line_of(text, "def test_unit_double"), line_of(text, "def test_module")
    assert f"2 graded and locked test cell(s) worth 10 points: `test_unit_double` (line {unit}), `test_module` (line {module})." in strengths
    guards = [n for n, line in enumerate(text.splitlines(), 1) if line == 'if __name__ == "__main__":']
    assert f"guard(s) already keep calls from running at import: lines {', '.join(map(str, guards))}." in strengths
    assert "All 4 code cells carry complete nbgrader v3 metadata" in strengths
    assert "Clean export to `tinytorch.core.widget`: `double`." in strengths


def test_a_clean_module_gets_a_short_review_that_says_what_is_good():
    audit = Auditor(SEEDLIKE / "clean").audit_target("1")
    review = render(audit, "markdown", DATE)
    assert len(review.splitlines()) < 45
    assert "Apply the changes in the fix plan" not in review and "## Action plan" not in review
    assert "No findings." not in review, "no empty per-category sections"
    assert "## Strengths" in review and "**Current status: READY FOR EXPORT**" in review
    assert "`python -m audits.export 01`" in review


def test_the_flawed_review_has_strengths_too(review):
    strengths = review[review.index("## Strengths"):review.index("## 1. ")]
    assert re.search(r"\d+ of \d+ categories pass: API conformance", strengths)
    assert "`Sequential`" not in strengths, "a flagged definition is no strength"


def test_a_finding_in_a_test_file_quotes_the_test_file_not_the_module():
    info = ModuleInfo("modules/16_compression/compression.py", tuple(f"module line {n}" for n in range(1, 21)), 16, "compression", "16_compression")
    finding = Finding("API001", Severity.HIGH, "tests/16_compression/test_api.py", 3, "imports what the package does not export",
                      "from tinytorch.nn.utils.prune import MagnitudePruner", "from tinytorch.perf.compression import magnitude_prune")
    review = markdown.render(info, [finding], ALL_RULES, DATE)
    assert "> 3 | from tinytorch.nn.utils.prune import MagnitudePruner" in review.replace(">    3 |", "> 3 |")
    assert "module line 3" not in review and "module line 2" not in review


def test_repeated_mechanical_findings_of_a_rule_are_quoted_briefly_after_the_first_ones():
    lines = tuple(f"module line {n}" for n in range(1, 41))
    info = ModuleInfo("modules/16_compression/compression.py", lines, 16, "compression", "16_compression")

    def call(line: int, impact=()) -> Finding:
        guard = Fix("guard the call", (Edit(line, line, f'if __name__ == "__main__":\n    f{line}()'),), Safety.SAFE)
        return Finding("TI001", Severity.CRITICAL, info.path, line, f"call {line} at import", lines[line - 1],
                       f'if __name__ == "__main__":\n    f{line}()', fix=guard, impact=impact)

    findings = [call(10), call(20), call(30), call(36, impact=("modules/16_compression/compression.py:38 `f36`",))]
    review = markdown.render(info, findings, ALL_RULES, DATE)
    assert review.count("Required change: the same kind as at line 10") == 1  # the third; the first two are in full
    brief = review[review.index("#### Line 30"):review.index("#### Line 36")]
    assert "module line 30" in brief and "module line 29" not in brief and "f30()" not in brief  # no context, no code
    second = review[review.index("#### Line 20"):review.index("#### Line 30")]
    assert "module line 18" in second and "f20()" in second  # the second is in full: context and code
    last = review[review.index("#### Line 36"):]
    assert "**Impact:** where it is used" in last and "f36()" in last, "a finding with impact is shown in full"


def test_the_fix_plan_lists_where_the_container_is_used(flawed):
    [finding] = [f for f in flawed.findings if f.code == "CC001"]
    plan = render(flawed, "fixplan", DATE)
    assert "**Used at:** " + "; ".join(finding.impact) + "\n" in plan


@pytest.mark.parametrize("use", ["Sequential(Linear(4, 8), ReLU())", "Sequential([Linear(4, 8), ReLU()])", "Sequential((Linear(4, 8), ReLU()))"])
def test_replacement_code_chains_the_layers_whether_passed_one_by_one_or_as_a_list(use):
    from audits.rules._usage import explicit_model

    code = explicit_model("Sequential", ast.parse(use, mode="eval").body)
    assert "        self.linear1 = Linear(4, 8)\n        self.relu1 = ReLU()\n" in code
    assert "        x = self.linear1.forward(x)\n        x = self.relu1.forward(x)\n" in code
    assert "return [*self.linear1.parameters()]" in code  # ReLU has no parameters
    ast.parse(code)


def test_a_folded_finding_is_one_block_quoting_each_line_once_and_the_fix_plan_lists_each():
    """Issue 20: one cell's findings of one rule are one review block, not one block each."""
    from audits.report import fixplan

    lines = tuple(f"module line {n}" for n in range(1, 41))
    info = ModuleInfo("modules/16_compression/compression.py", lines, 16, "compression", "16_compression")

    def call(line: int, message: str) -> Finding:
        guard = Fix("guard the call", (Edit(line, line, f'if __name__ == "__main__":\n    f{line}()'),), Safety.SAFE)
        return Finding("SE001", Severity.HIGH, info.path, line, message, lines[line - 1], f'if __name__ == "__main__":\n    f{line}()', fix=guard)

    folded = dataclasses.replace(call(10, "prints at import"), folded=(call(11, "prints at import"), call(14, "seeds at import")))
    review = markdown.render(info, [folded], ALL_RULES, DATE)
    assert review.count("#### ") == 1 and "#### Lines 10, 11, 14: prints at import" in review
    block = review[review.index("#### Lines"):review.index("## Compliance checklist")]
    assert [row for row in block.splitlines() if row.startswith(("> ", "  ..."))] == [
        ">   10 | module line 10", ">   11 | module line 11", "  ...", ">   14 | module line 14"]
    assert "- Line 14: seeds at import" in block and "- Line 11" not in block  # only what differs is said again
    assert "**SE001** side effect at import time (high): 1 finding(s), lines 10, 11, 14" in review
    plan = fixplan.render(info, [folded], ALL_RULES, DATE)
    assert [row for row in plan.splitlines() if row.startswith("### 1.")] == [
        "### 1.1 Line 10: prints at import", "### 1.2 Line 11: prints at import", "### 1.3 Line 14: seeds at import"]
    assert "f14()" in plan and "(3 place(s)," in plan
