"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

    ::error file=modules/16_compression/compression.py,line=77,col=1,endLine=77,endColumn=19,title=TI001 test or analysis call at import time::test_unit_...

The range is the finding's (`endColumn` exclusive; GitHub uses columns only within one line,
so a range over several lines gives its lines). A finding folded from several lines of one
cell is one annotation at its first line whose message lists the others ("also at lines 14,
19"): GitHub shows at most 10 annotations of each kind per step, so one per line would hide the
rest of the run's findings.

critical and high -> `error`, medium -> `warning`, low -> `notice`. Values are
escaped as the runner expects (`%`, CR and LF everywhere; `:` and `,` in properties).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from audits.model import Finding, Rule, Severity
from audits.report import ModuleInfo, Options, line_list, ordered, rule_map, rule_name
from audits.report.locations import relative_to, repository_root

COMMANDS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, rules: Mapping[str, Rule], info: Optional[ModuleInfo] = None) -> str:
    """One annotation; with the module's `info`, a notebook's finding points into its .ipynb file and
    the path is relative to the repository root (where the workflow checks it out)."""
    title = f"{finding.code} {rule_name(finding.code, rules)}"
    line, column, end_line, end_column = info.file_span(finding) if info is not None else finding.span
    path = relative_to(finding.path, info.root, repository_root(info.root)) if info is not None and info.root else finding.path
    where = f"file={_property(path)},line={line}" + (f",col={column},endLine={end_line},endColumn={end_column}" if end_line == line else f",endLine={end_line}")
    where += f",title={_property(title)}"
    note = info.cell_note(finding.line) if info is not None and finding.path == info.path else ""
    others = [info.file_position(part)[0] if info is not None else part.line for part in finding.parts[1:]]
    also = f" (also at {line_list(others)})" if others else ""
    message = finding.message + note + also + (f"\n{finding.suggestion}" if finding.suggestion else "")
    return f"::{COMMANDS[Severity(finding.severity)]} {where}::{_data(message)}"


def render_many(findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule], info: Optional[ModuleInfo] = None) -> str:
    rules = rule_map(rules)
    return "".join(annotation(finding, rules, info) + "\n" for finding in ordered(findings))


def render(info: ModuleInfo, findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule] = (), date=None, suppressed=()) -> str:
    return render_many(findings, rules, info)


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """One annotation per finding of every module (the format of the registry, audits.report.FORMATS)."""
    return "".join(render_many(r.findings, rules, r.info) for r in reports)
