"""The audit score and export status of a module, computed from its findings.

Score (out of 10, deterministic, documented in every Markdown review):

    penalty = sum(WEIGHTS[severity of rule] for each DISTINCT violated rule code)
    WEIGHTS: critical 2.0, high 1.0, medium 0.5, low 0.25
    score = 10 - penalty                      while penalty <= 5
            5 * 0.5 ** ((penalty - 5) / 10)   beyond: each further 10 points halve what is left
    rounded half-up to one decimal

The first points are lost one weight at a time, so a reader can add them up. Past half the
scale a plain subtraction would reach 0 after ten high-severity rules, and every module
worse than that would read 0.0/10: the same score for a module with ten problems and one
with twenty. Halving keeps the score positive and ordered however bad a module is (twelve
distinct high rules: 3.1, twenty: 1.8, thirty: 0.9), while the status, not the score, gates export.

Only distinct rule codes count, not findings: seven unguarded test calls are one
problem (one rule, TI001) solved by one habit, and should not sink the score
seven times. If a code was reported with several severities (a config override
applied to some findings only), its highest severity counts.

Status: "READY FOR EXPORT" iff there is no critical or high finding
(`Severity.blocks_export`), else "NOT READY FOR EXPORT". The status, not the
score, is what gates `python -m audits.export`.
"""

from __future__ import annotations

import math
from typing import Iterable

from audits.model import Finding, Severity

MAX_SCORE = 10.0
WEIGHTS = {Severity.CRITICAL: 2.0, Severity.HIGH: 1.0, Severity.MEDIUM: 0.5, Severity.LOW: 0.25}
READY = "READY FOR EXPORT"
NOT_READY = "NOT READY FOR EXPORT"
# Severities from the most to the least serious: the order of every count and listing.
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

FORMULA = (
    "score = 10 - penalty, where penalty is the sum of one weight per distinct violated rule code "
    "(weights: critical 2.0, high 1.0, medium 0.5, low 0.25); past a penalty of 5, each further 10 points "
    "halve what is left (5 x 0.5^((penalty - 5) / 10)), so a very bad module still scores above 0 and below "
    "a less bad one; rounded half-up to one decimal. Repeated findings of the same rule cost nothing extra."
)
LINEAR_UNTIL = 5.0  # penalty up to which each point costs one point of score
HALVING = 10.0  # penalty points that halve the rest of the score beyond LINEAR_UNTIL


def violated_rules(findings: Iterable[Finding]) -> dict[str, Severity]:
    """{rule code: its highest reported severity}, sorted by code."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        severity = Severity(finding.severity)
        if finding.code not in worst or severity > worst[finding.code]:
            worst[finding.code] = severity
    return dict(sorted(worst.items()))


def score(findings: Iterable[Finding]) -> float:
    """The score out of 10 (see the module docstring)."""
    penalty = sum(WEIGHTS[severity] for severity in violated_rules(findings).values())
    if penalty <= LINEAR_UNTIL:
        raw = MAX_SCORE - penalty  # weights are multiples of 0.25: exact in binary
    else:
        raw = (MAX_SCORE - LINEAR_UNTIL) * 0.5 ** ((penalty - LINEAR_UNTIL) / HALVING)
    return math.floor(raw * 10 + 0.5 + 1e-9) / 10


def is_ready(findings: Iterable[Finding]) -> bool:
    return not any(Severity(finding.severity).blocks_export for finding in findings)


def status(findings: Iterable[Finding]) -> str:
    return READY if is_ready(findings) else NOT_READY


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per severity label, most serious first, zeros included."""
    result = {severity.label: 0 for severity in SEVERITY_ORDER}
    for finding in findings:
        result[Severity(finding.severity).label] += 1
    return result


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block export (critical and high)."""
    return [finding for finding in findings if Severity(finding.severity).blocks_export]
