"""The score counts distinct violated rules by severity; the status depends only on critical/high findings."""

import pytest

from audits import score
from audits.model import Finding, Severity


def finding(code, severity, line=1):
    return Finding(code, severity, "m.py", line, "message")


def test_clean_module_scores_ten_and_is_ready():
    assert score.score([]) == 10.0
    assert score.status([]) == "READY FOR EXPORT"
    assert score.counts([]) == {"critical": 0, "high": 0, "medium": 0, "low": 0}


def test_each_distinct_rule_costs_its_severity_weight_once():
    findings = [finding("TI001", Severity.CRITICAL, line) for line in (10, 20, 30, 40, 50, 60, 70)]
    findings += [finding("NB001", Severity.HIGH, 5), finding("NB003", Severity.HIGH, 6)]
    findings += [finding("REF001", Severity.MEDIUM, 2), finding("X001", Severity.LOW, 3)]
    # 10 - 2.0 (TI001 once, not seven times) - 1.0 - 1.0 - 0.5 - 0.25 = 5.25 -> 5.3 (half up)
    assert score.score(findings) == 5.3
    assert score.counts(findings) == {"critical": 7, "high": 2, "medium": 1, "low": 1}


@pytest.mark.parametrize(
    "severities, expected",
    [
        ([Severity.LOW], 9.8),  # 9.75 rounds half up
        ([Severity.MEDIUM], 9.5),
        ([Severity.HIGH], 9.0),
        ([Severity.CRITICAL], 8.0),
        ([Severity.HIGH] * 5, 5.0),  # 10 - 5: the linear part ends here
        ([Severity.CRITICAL] * 6, 3.1),  # penalty 12: 5 * 0.5 ** (7 / 10), not 10 - 12 floored at 0
    ],
)
def test_weights_rounding_and_floor(severities, expected):
    findings = [finding(f"R{index:03d}", severity) for index, severity in enumerate(severities)]
    assert score.score(findings) == expected


def test_a_code_reported_at_two_severities_counts_its_worst_once():
    findings = [finding("TI001", Severity.MEDIUM), finding("TI001", Severity.CRITICAL)]
    assert score.violated_rules(findings) == {"TI001": Severity.CRITICAL}
    assert score.score(findings) == 8.0


@pytest.mark.parametrize(
    "severity, ready",
    [(Severity.LOW, True), (Severity.MEDIUM, True), (Severity.HIGH, False), (Severity.CRITICAL, False)],
)
def test_status_blocks_on_high_and_critical_only(severity, ready):
    findings = [finding("R001", severity)]
    assert score.is_ready(findings) is ready
    assert score.status(findings) == ("READY FOR EXPORT" if ready else "NOT READY FOR EXPORT")
    assert [f.code for f in score.blocking(findings)] == ([] if ready else ["R001"])


def test_formula_is_documented_where_reports_can_print_it():
    assert "critical 2.0" in score.FORMULA and "low 0.25" in score.FORMULA
    assert "distinct" in score.__doc__.lower() and "critical 2.0" in score.__doc__


def test_bad_modules_keep_distinct_scores_above_zero():
    """Past half the scale each further 10 points of penalty halve what is left: a module with
    twenty distinct high-severity rules still scores below one with twelve, and neither reads 0.0."""
    scores = [score.score([finding(f"R{index:03d}", Severity.HIGH) for index in range(count)]) for count in (6, 10, 12, 20, 30, 40)]
    assert scores == [4.7, 3.5, 3.1, 1.8, 0.9, 0.4]
    assert "halve" in score.FORMULA and "halve" in score.__doc__

