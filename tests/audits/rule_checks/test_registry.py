"""The rule registry: every code present, sorted, documented; unknown codes are input errors."""

import pytest

from audits.model import InputError, Severity
from audits.rules import ALL_RULES, get_rule
from audits.rules._base import DOC_SECTIONS, doc_sections

EXPECTED = {
    "TI001": Severity.CRITICAL, "SE001": Severity.HIGH, "NB001": Severity.HIGH, "NB002": Severity.HIGH,
    "NB003": Severity.HIGH, "NB004": Severity.HIGH, "NB005": Severity.HIGH, "NB006": Severity.HIGH, "NB007": Severity.HIGH,
    "CC001": Severity.CRITICAL, "DEP001": Severity.HIGH, "DEP002": Severity.HIGH, "EX001": Severity.HIGH,
    "EX002": Severity.HIGH, "EX003": Severity.HIGH, "REF001": Severity.MEDIUM, "REF002": Severity.MEDIUM,
    "API001": Severity.HIGH, "TST001": Severity.HIGH, "TST002": Severity.HIGH, "SYN001": Severity.HIGH, "SYN002": Severity.HIGH,
    "SUP001": Severity.MEDIUM, "SUP002": Severity.LOW,
    "EX004": Severity.HIGH, "EX005": Severity.HIGH, "LAY001": Severity.HIGH, "LAY002": Severity.LOW, "LAY003": Severity.HIGH,
    "GR001": Severity.HIGH, "GR002": Severity.HIGH, "GR003": Severity.HIGH, "INT001": Severity.HIGH,
}  # fmt: skip


def test_codes_severities_and_order():
    assert {rule.code: rule.severity for rule in ALL_RULES} == EXPECTED
    assert [rule.code for rule in ALL_RULES] == sorted(EXPECTED)


def test_every_rule_is_documented():
    for rule in ALL_RULES:
        assert rule.name and rule.category and len(rule.doc) > 200, rule.code
        assert "Fix" in rule.doc or "fix" in rule.doc, rule.code


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_doc_has_the_four_sections_in_order(rule):
    sections = doc_sections(rule.doc)
    assert list(sections) == list(DOC_SECTIONS), rule.code
    assert all(len(text) >= 20 for text in sections.values()), sections
    assert rule.doc.lstrip().startswith("What it does:")  # nothing before the first section


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_sets_a_realistic_effort(rule):
    assert 1 <= rule.effort_minutes <= 120, rule.code


def test_efforts_are_estimated_per_rule_not_left_at_the_default():
    assert len({rule.effort_minutes for rule in ALL_RULES}) >= 5
    assert get_rule("TI001").effort_minutes < get_rule("CC001").effort_minutes  # --fix guards calls; a container needs a rewrite


def test_explain_renders_the_four_sections_with_severity_and_effort(capsys):
    from audits.rules.__main__ import main

    assert main(["--explain", "nb003"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NB003: nbgrader metadata is not valid v3\nhigh (blocks export), NBGrader metadata; about 3 min")
    positions = [out.index("\n" + label + "\n") for label in DOC_SECTIONS]
    assert positions == sorted(positions)
    assert "`task` is an optional boolean" in " ".join(out.split())  # the doc's text, re-wrapped


def test_doc_sections_keep_an_indented_example_as_code():
    doc = "What it does: finds x in\ny.\nWhy it matters: z.\nExample:\n    class A:\n        pass\nHow to fix: w."
    assert doc_sections(doc) == {"What it does": "finds x in y.", "Why it matters": "z.", "Example": "class A:\n    pass", "How to fix": "w."}


def test_get_rule():
    assert get_rule("ti001").code == "TI001"
    with pytest.raises(InputError, match="unknown rule code"):
        get_rule("XX001")
