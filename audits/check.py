"""Run every rule on a parsed module and apply suppressions and configuration.

    audit_source(module, index, config) -> sorted, deduplicated findings

`audits.auditor.Auditor` is the one way to audit a checkout's module (it
discovers, parses once and calls `audit_source`).

Suppression: `# audit: ignore[CODE]` or `# audit: ignore[CODE1,CODE2]` at the end
of the offending line silences those codes on that line. On a cell's `# %%`
marker line it silences them for the whole cell (cell-level findings such as
missing metadata are reported at the marker line anyway). In test files the
comment works the same way on the reported line. The audited code is never run.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterable, Optional

from audits.config import Config
from audits.index import RepoIndex
from audits.model import Finding, ModuleSource
from audits.rules import ALL_RULES

SUPPRESS = re.compile(r"#\s*audit:\s*ignore\[([A-Za-z0-9_,\s]+)\]")


def suppressed_codes(text: str) -> set[str]:
    """Codes named by `# audit: ignore[...]` comments on one line."""
    codes: set[str] = set()
    for match in SUPPRESS.finditer(text):
        codes.update(code.strip().upper() for code in match.group(1).split(",") if code.strip())
    return codes


def _line_source(module: ModuleSource, index: Optional[RepoIndex]):
    """path -> function(line number) -> text, for the module and its test files."""
    sources = {module.display_path: module.line}
    if index is not None and module.ref is not None:
        for test in index.test_files(module.ref.number):
            sources[test.rel] = test.line
    return sources


def _is_suppressed(found: Finding, module: ModuleSource, sources) -> bool:
    line_of = sources.get(found.path)
    if line_of is None:
        return False
    if found.code in suppressed_codes(line_of(found.line)):
        return True
    if found.path == module.display_path:
        cell = module.cell_at(found.line)
        if cell is not None and cell.marker and found.code in suppressed_codes(cell.marker):
            return True
    return False


def apply(findings: Iterable[Finding], module: ModuleSource, index: Optional[RepoIndex], config: Optional[Config]) -> list[Finding]:
    """Suppress, drop ignored codes, override severities, deduplicate and sort."""
    config = config or Config()
    sources = _line_source(module, index)
    kept: dict[tuple[str, int, str], Finding] = {}
    for found in findings:
        if found.code in config.ignore or _is_suppressed(found, module, sources):
            continue
        if found.code in config.severity:
            found = dataclasses.replace(found, severity=config.severity[found.code])
        kept.setdefault((found.path, found.line, found.code), found)
    return sorted(kept.values(), key=lambda f: (f.path, f.line, f.code))


def audit_source(module: ModuleSource, index: Optional[RepoIndex], config: Optional[Config] = None) -> list[Finding]:
    """Every finding of every rule on one parsed module, suppressions and config applied.

    `index` (the checkout's RepoIndex) enables the cross-module rules
    (dependencies, stale references, API conformance, test files); with None
    they are skipped and a lone file can still be checked.
    """
    if index is not None:
        index.add_source(module)
    findings: list[Finding] = []
    for rule in ALL_RULES:
        if config is not None and rule.code in config.ignore:
            continue
        findings.extend(rule.check(module, index))
    return apply(findings, module, index, config)

