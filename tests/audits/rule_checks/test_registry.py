"""The rule registry: every code present, sorted, documented; unknown codes are input errors."""

import pytest

from audits.model import InputError, Severity
from audits.rules import ALL_RULES, get_rule

EXPECTED = {
    "TI001": Severity.CRITICAL, "SE001": Severity.HIGH, "NB001": Severity.HIGH, "NB002": Severity.HIGH,
    "NB003": Severity.HIGH, "NB004": Severity.HIGH, "NB005": Severity.HIGH, "NB006": Severity.HIGH,
    "CC001": Severity.CRITICAL, "DEP001": Severity.HIGH, "DEP002": Severity.HIGH, "EX001": Severity.HIGH,
    "EX002": Severity.HIGH, "EX003": Severity.HIGH, "REF001": Severity.MEDIUM, "REF002": Severity.MEDIUM,
    "API001": Severity.HIGH, "TST001": Severity.HIGH, "SYN001": Severity.HIGH,
    "SUP001": Severity.MEDIUM, "SUP002": Severity.LOW,
    "EX004": Severity.HIGH, "EX005": Severity.HIGH, "LAY001": Severity.HIGH, "LAY002": Severity.LOW, "LAY003": Severity.HIGH,
    "GR001": Severity.HIGH, "GR002": Severity.HIGH, "GR003": Severity.HIGH,
}  # fmt: skip


def test_codes_severities_and_order():
    assert {rule.code: rule.severity for rule in ALL_RULES} == EXPECTED
    assert [rule.code for rule in ALL_RULES] == sorted(EXPECTED)


def test_every_rule_is_documented():
    for rule in ALL_RULES:
        assert rule.name and rule.category and len(rule.doc) > 200, rule.code
        assert "Fix" in rule.doc or "fix" in rule.doc, rule.code


def test_get_rule():
    assert get_rule("ti001").code == "TI001"
    with pytest.raises(InputError, match="unknown rule code"):
        get_rule("XX001")
