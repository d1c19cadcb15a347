"""SARIF 2.1.0: the findings of one or many modules for GitHub code scanning and other SARIF viewers.

    document(modules, rules) -> dict     modules: (ModuleInfo, findings, suppressed) per module
    render(...)                          the same for one module, with the uniform renderer signature

One run of the tool `tinyaudit`. `tool.driver.rules` lists every rule (id, name,
short and full description, help text with the `--explain` command, `helpUri` (its section
of audits/RULES.md, relative to the repository root: `audits/RULES.md#nb006`), default
level, category tag, severity, `security-severity` and `precision` properties), and each
result points at its rule by id and index, with level, message, file (relative to the
repository root, `%SRCROOT%`: the git work tree holding the audited checkout), its
range (start line and column to end line and column, end exclusive, in characters) and
the offending lines as a snippet. A finding folded from several lines of one cell is one
result whose other lines are `relatedLocations`, linked from its message ("Also at
[line 14](1)"), which GitHub code scanning shows as links. A notebook's finding points into the
`.ipynb` file itself, at the line of the cell's source it is about (the cell's index, id
and line within it are in its properties). Findings silenced by `# audit: ignore[...]` are
kept as results with an in-source suppression, as SARIF intends, so viewers can
show them as dismissed. Levels: critical and high -> "error", medium ->
"warning", low -> "note". Deterministic: no dates, no absolute paths.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable, Mapping

from audits import version
from audits.model import Finding, Rule, Severity
from audits.report import ModuleInfo, Options, ordered, rule_map
from audits.report.locations import relative_to, repository_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "tinyaudit"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}
PROBLEM_SEVERITY = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "recommendation"}
SOURCE_ROOT = "%SRCROOT%"


def _rule(rule: Rule) -> dict:
    summary = " ".join(rule.doc.split())
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": summary},
        "help": {
            "text": f"{summary}\n\nMore: python -m audits.rules --explain {rule.code}",
            "markdown": f"{rule.doc}\n\nMore: `python -m audits.rules --explain {rule.code}`",
        },
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [rule.category],
            "severity": rule.severity.label,
            # GitHub code scanning ranks alerts by these (critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4)
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
            "precision": "very-high",  # structural checks of the parsed source, no heuristics on names
        },
    }


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and line shifts: code, file, message with numbers blanked, offending text."""
    key = "\0".join((finding.code, finding.path, re.sub(r"\d+", "#", finding.message), finding.excerpt.strip()))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]  # a lone surrogate from JSON metadata too


def _location(finding: Finding, info: ModuleInfo) -> dict:
    """The finding's physical location: its range in the file (a notebook's: inside its cell's source
    in the .ipynb), end column exclusive as SARIF counts; an empty range (a whole notebook cell) gives
    its start only."""
    line, column, end_line, end_column = info.file_span(finding)
    region = {"startLine": line, "startColumn": column}
    if (end_line, end_column) != (line, column):
        region.update(endLine=end_line, endColumn=end_column)
    if finding.excerpt:
        region["snippet"] = {"text": finding.excerpt}
    uri = relative_to(finding.path, info.root, repository_root(info.root)) if info.root else finding.path
    return {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SOURCE_ROOT}, "region": region}}


def _result(finding: Finding, info: ModuleInfo, index: dict[str, int], suppressed: bool) -> dict:
    parts = finding.parts
    message = finding.message
    if len(parts) > 1:  # a folded finding: one result, its other lines as related locations linked from the message
        message += " Also at " + ", ".join(f"[line {info.file_position(part)[0]}]({number})" for number, part in enumerate(parts[1:], start=1)) + "."
    cell = info.cell_at(finding.line) if finding.path == info.path else None
    result = {
        "ruleId": finding.code,
        "level": LEVELS[Severity(finding.severity)],
        "message": {"text": message},
        "locations": [_location(finding, info)],
        "partialFingerprints": {"tinyauditFinding/v1": _fingerprint(finding)},
    }
    if len(parts) > 1:
        result["relatedLocations"] = [
            {"id": number, **_location(part, info), "message": {"text": part.message}} for number, part in enumerate(parts[1:], start=1)
        ]
    if cell is not None:
        index_, cell_id, within = cell
        result["properties"] = {"cell": {"index": index_, "id": cell_id, "line": within}}
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.suggestion:
        result.setdefault("properties", {})["suggestion"] = finding.suggestion
    if finding.impact:
        result.setdefault("properties", {})["impact"] = list(finding.impact)
    if suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": f"# audit: ignore[{finding.code}]"}]
    return result


def document(modules: Iterable[tuple[ModuleInfo, list[Finding], list[Finding]]], rules: Iterable[Rule] | Mapping[str, Rule]) -> dict:
    rules = rule_map(rules)
    index = {code: position for position, code in enumerate(rules)}
    results = []
    for info, findings, suppressed in modules:
        results += [_result(f, info, index, False) for f in ordered(findings)]
        results += [_result(f, info, index, True) for f in ordered(suppressed)]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL, "version": version(), "rules": [_rule(rule) for rule in rules.values()]}},
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SOURCE_ROOT: {"description": {"text": "the root of the repository (git work tree) holding the audited checkout"}}},
                "results": results,
            }
        ],
    }


def render(info: ModuleInfo, findings: Iterable[Finding], rules: Iterable[Rule] | Mapping[str, Rule] = (), date=None, suppressed: Iterable[Finding] = ()) -> str:
    return dumps(document([(info, list(findings), list(suppressed))], rules))


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """One SARIF log for every module of the run (the format of the registry, audits.report.FORMATS)."""
    return dumps(document([(r.info, r.findings, r.suppressed) for r in reports], rules))


def escape(text: str) -> str:
    """The same document with every non-ASCII character escaped (for a console that cannot encode it)."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=True) + "\n"
