"""The short terminal summary: one screen, worst findings first.

    modules/16_compression/compression.py (812 lines)
    NOT READY FOR EXPORT  score 4.0/10  critical 10, high 4, medium 1, low 0
      modules/16_compression/compression.py:73 CC001 class Sequential is a composition container
      ...
      ... and 5 more (see the Markdown review)
"""

from __future__ import annotations

from typing import Iterable, Mapping

from audits import score as scoring
from audits.model import Finding, Rule
from audits.report import ModuleInfo, by_severity

TOP = 10


def finding_line(finding: Finding) -> str:
    """`path:line CODE message`: the format editors and CI logs understand."""
    return f"{finding.path}:{finding.line} {finding.code} {finding.message}"


def render(info: ModuleInfo, findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule] = (), date=None, top: int = TOP) -> str:
    """The summary (`date` is accepted for a uniform renderer signature and not shown)."""
    findings = list(findings)
    counts = ", ".join(f"{label} {n}" for label, n in scoring.counts(findings).items())
    lines = [
        f"{info.path} ({info.line_count} lines)",
        f"{scoring.status(findings)}  score {scoring.score(findings):.1f}/10  {counts}",
    ]
    worst = by_severity(findings)
    lines += [f"  {finding_line(finding)}" for finding in worst[:top]]
    if len(worst) > top:
        lines.append(f"  ... and {len(worst) - top} more (see the Markdown review)")
    return "\n".join(lines) + "\n"
