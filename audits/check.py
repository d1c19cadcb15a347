"""Run every rule on a parsed module and apply suppressions and configuration.

    audit_source(module, index, config) -> sorted, deduplicated, folded findings

`audits.auditor.Auditor` is the one way to audit a checkout's module (it
discovers, parses once and calls `audit_source`).

Suppression: `# audit: ignore[CODE]` or `# audit: ignore[CODE1,CODE2]` at the end
of the offending line silences those codes on that line. On a cell's `# %%`
marker line it silences them for the whole cell (cell-level findings such as
missing metadata are reported at the marker line anyway). In test files the
comment works the same way on the reported line. A comment that names an unknown
code or silences nothing is itself a finding (SUP001/SUP002, `audits.rules.suppressions`),
and the findings a comment silenced are handed back to the caller for the reports.

Folding (`audit_source`): the findings of one rule in one cell of the module become one finding (`fold`): the
first, with the others in its `folded` (each keeping its line, range, excerpt, message and
fix). Suppression comes first, line by line, so `# audit: ignore[CODE]` silences exactly the
line it is on; `--fix` opens the folded findings up again (`Finding.parts`).
The audited code is never run.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
from typing import Iterable, Optional

from audits.config import Config
from audits.index import RepoIndex
from audits.model import Finding, ModuleSource, Rule, unfold
from audits.rules import ALL_RULES, every_rule, internal, suppressions as hygiene_rules

SUPPRESS = hygiene_rules.SUPPRESS  # `# audit: ignore[CODE, ...]`


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


def _marker_suppressions(module: ModuleSource) -> list[tuple[int, int, set[str]]]:
    """(start, end, codes) of the cells whose marker line carries `# audit: ignore[...]`, in order."""
    return [(cell.start, cell.end, suppressed_codes(cell.marker)) for cell in module.cells if cell.marker and "audit:" in cell.marker]


def _suppressed_at(found: Finding, module: ModuleSource, sources, markers) -> Optional[int]:
    """The line of the comment that silences this finding (its own line or its cell's marker), if any.

    `markers` is `_marker_suppressions(module)`: looked up by bisection, so a file with
    thousands of cells and findings stays linear.
    """
    line_of = sources.get(found.path)
    if line_of is None:
        return None
    if found.code in suppressed_codes(line_of(found.line)):
        return found.line
    if markers and found.path == module.display_path:
        at = bisect.bisect_right(markers, (found.line, float("inf"))) - 1
        if at >= 0 and markers[at][0] <= found.line <= markers[at][1] and found.code in markers[at][2]:
            return markers[at][0]
    return None


def _suppression_comments(module: ModuleSource, index: Optional[RepoIndex]) -> list:
    comments = hygiene_rules.module_suppressions(module)
    if index is not None and module.ref is not None:
        for test in index.test_files(module.ref.number):
            if "audit:" in test.text:
                comments += hygiene_rules.suppressions(test.rel, test.text, test.lines)
    return comments


def apply(
    findings: Iterable[Finding],
    module: ModuleSource,
    index: Optional[RepoIndex],
    config: Optional[Config],
    suppressed: Optional[list[Finding]] = None,
    judge_comments: bool = True,
) -> list[Finding]:
    """Suppress, drop ignored codes, override severities, deduplicate and sort.

    Adds the SUP001/SUP002 findings about the suppression comments themselves (unless
    `judge_comments` is False: bite, which keeps only its own rules' findings); the
    findings a comment silenced are appended to `suppressed` when a list is given.
    """
    config = config or Config()
    sources = _line_source(module, index)
    findings = unfold(findings)  # a caller may hand back findings folded by an earlier audit (bite does)
    used: set[tuple[str, int, str]] = set()
    silenced: list[Finding] = []
    markers = _marker_suppressions(module)
    ignored = {path: config.ignored_in(path) for path in {found.path for found in findings} | {module.display_path}}
    for found in findings:
        if found.code in ignored[found.path]:
            continue
        at = _suppressed_at(found, module, sources, markers)
        if at is not None:
            used.add((found.path, at, found.code))
            silenced.append(found)
    comments = _suppression_comments(module, index) if judge_comments else []
    if comments:
        # Any code of the registry may be named (bite's too: `python -m audits.bite` honours the comment);
        # only the static rules that ran can be judged unused here. Bite's rules are loaded (most of
        # audits.bite) only when a comment names a code that is not a static rule's.
        static = [rule.code for rule in ALL_RULES]
        named = {code for comment in comments for code in comment.codes}
        known = static if named <= set(static) else [rule.code for rule in every_rule()]
        enabled = [rule.code for rule in ALL_RULES if rule.code not in ignored[module.display_path] and applies(rule, module)]
        findings += hygiene_rules.hygiene(comments, used, known, enabled, module.display_path)
    silenced_ids = {id(found) for found in silenced}
    if suppressed is not None:
        suppressed.extend(sorted({(f.path, f.line, f.code): f for f in silenced}.values(), key=lambda f: (f.path, f.line, f.code)))
    kept: dict[tuple[str, int, str], Finding] = {}
    for found in findings:
        if found.code in ignored.get(found.path, config.ignore) or id(found) in silenced_ids:
            continue
        if found.code in config.severity:
            found = dataclasses.replace(found, severity=config.severity[found.code])
        kept.setdefault((found.path, found.line, found.code), found)
    return sorted(kept.values(), key=lambda f: (f.path, f.line, f.code))


def fold(findings: list[Finding], module: ModuleSource) -> list[Finding]:
    """Each rule's findings in one cell of the module as one finding, the first (in line order)
    holding the others in `folded`; findings in no cell, or in another file, stay as they are.
    The order of `findings` is kept (a folded finding takes its first place)."""
    groups: dict[tuple[str, int], list[Finding]] = {}
    order: list[object] = []
    for found in findings:
        cell = module.cell_at(found.line) if found.path == module.display_path else None
        if cell is None:
            order.append(found)
            continue
        key = (found.code, cell.start)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(found)
    return [
        item if isinstance(item, Finding) else dataclasses.replace(groups[item][0], folded=tuple(groups[item][1:]))
        for item in order
    ]


def applies(rule: Rule, module: ModuleSource) -> bool:
    """Whether `rule` runs on `module`: a rule of its course profile (house rules run only on their
    course's), that reads Python only when the module's code is Python (`Rule.any_language`)."""
    return module.profile in rule.profiles and (rule.any_language or module.python)


def audit_source(
    module: ModuleSource, index: Optional[RepoIndex], config: Optional[Config] = None, suppressed: Optional[list[Finding]] = None
) -> list[Finding]:
    """Every finding of every rule on one parsed module, suppressions and config applied
    (the silenced findings go to `suppressed` when a list is given), each rule's findings in one
    cell folded into one (`fold`; bite calls `apply` itself and keeps its findings one per place).

    `index` (the checkout's RepoIndex) enables the cross-module rules
    (dependencies, stale references, API conformance, test files); with None
    they are skipped and a lone file can still be checked. Only the rules of the
    module's course profile (`module.profile`, see `Rule.profiles`) run.
    """
    if index is not None:
        index.add_source(module)
    findings: list[Finding] = []
    for rule in ALL_RULES:
        if config is not None and rule.code in config.ignore:
            continue
        if not applies(rule, module):
            continue
        try:
            findings.extend(rule.check(module, index))
        except Exception as error:  # a bug in one rule: a finding naming it, and the audit goes on (INT001)
            if os.environ.get("AUDITS_DEBUG"):
                raise
            findings.append(internal.crashed(rule, module, error))
    return fold(apply(findings, module, index, config, suppressed), module)

