"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

    ::error file=modules/16_compression/compression.py,line=77,col=1,title=TI001 test or analysis call at import time::test_unit_...

critical and high -> `error`, medium -> `warning`, low -> `notice`. Values are
escaped as the runner expects (`%`, CR and LF everywhere; `:` and `,` in properties).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from audits.model import Finding, Rule, Severity
from audits.report import ModuleInfo, Options, ordered, rule_map, rule_name

COMMANDS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, rules: Mapping[str, Rule]) -> str:
    title = f"{finding.code} {rule_name(finding.code, rules)}"
    where = f"file={_property(finding.path)},line={max(1, finding.line)},col={max(1, finding.column)},title={_property(title)}"
    message = finding.message + (f"\n{finding.suggestion}" if finding.suggestion else "")
    return f"::{COMMANDS[Severity(finding.severity)]} {where}::{_data(message)}"


def render_many(findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule]) -> str:
    rules = rule_map(rules)
    return "".join(annotation(finding, rules) + "\n" for finding in ordered(findings))


def render(info: ModuleInfo, findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule] = (), date=None, suppressed=()) -> str:
    return render_many(findings, rules)


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """One annotation per finding of every module (the format of the registry, audits.report.FORMATS)."""
    return render_many([f for r in reports for f in r.findings], rules)
