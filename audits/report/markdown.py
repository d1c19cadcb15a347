"""The Markdown review report (the layout of the seed-000 review).

Sections, in order: title (module number and name), date / file / line count,
status, score with its formula, executive summary (issues by severity and the
rules violated), one section per rule category (each finding's line, message,
line-numbered excerpt with context, why it matters from the rule doc, required
change), compliance checklist (every category, passed ones included), action plan
by priority (critical, then high, then medium/low, with the lines to change) and
the final verdict.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Mapping

from audits import score as scoring
from audits.model import Finding, Rule, Safety, Severity
from audits.report import (
    ModuleInfo,
    categories,
    category_of,
    ordered,
    rule_map,
    rule_name,
)

CONTEXT = 2  # lines of source shown before and after the offending lines
MAX_EXCERPT = 15  # offending lines shown before eliding the rest
MARK = {"fail": "❌", "warn": "⚠️", "pass": "✅"}


def fence(text: str, language: str = "python") -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def excerpt_block(info: ModuleInfo, finding: Finding, context: int = CONTEXT) -> str:
    """The offending lines with `context` lines around them, numbered as in the file, marked with `>`."""
    span = max(1, len(finding.excerpt.splitlines()))
    shown = min(span, MAX_EXCERPT)
    first, last = finding.line, finding.line + span - 1
    source = info.source_lines
    if finding.path != info.path or not source or not 1 <= finding.line <= len(source):
        # Not the module's own lines (a finding in a test file) or nothing to quote from: the excerpt alone.
        body = finding.excerpt.splitlines() or [""]
        return fence("\n".join(f"> {finding.line + i:>4} | {text}" for i, text in enumerate(body[:shown])))
    width = len(str(min(len(source), last + context)))
    rows = []
    for number in range(max(1, first - context), min(len(source), last + context) + 1):
        if first + shown <= number <= last:
            if number == first + shown:
                rows.append(f"  {'':>{width}} | ... ({last - number + 1} more lines)")
            continue
        marker = ">" if first <= number <= last else " "
        rows.append(f"{marker} {number:>{width}} | {source[number - 1]}")
    return fence("\n".join(rows))


def suggestion_block(suggestion: str) -> str:
    """A suggestion is code (rendered as a block) or one sentence (rendered as text)."""
    if not suggestion.strip():
        return "_No mechanical suggestion: see why it matters above._"
    if looks_like_code(suggestion):
        return fence(suggestion)
    return suggestion


def looks_like_code(text: str) -> bool:
    import ast

    stripped = text.strip()
    if stripped.startswith("#") and "\n" not in stripped:
        return True  # a marker or directive line such as `# %% nbgrader={...}`
    if stripped.endswith(".") and "\n" not in stripped:
        return False  # a sentence
    try:
        ast.parse(stripped)
    except (SyntaxError, ValueError):
        return False
    return "\n" in stripped or any(c in stripped for c in "()=:[")


def line_list(numbers: Iterable[int]) -> str:
    numbers = sorted(set(numbers))
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(str(n) for n in numbers)


def _category_mark(findings: list[Finding]) -> str:
    if not findings:
        return MARK["pass"]
    return MARK["fail"] if any(Severity(f.severity).blocks_export for f in findings) else MARK["warn"]


def _rules_by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by rule code, the most serious rule first (then by code)."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.code, []).append(finding)
    order = sorted(grouped, key=lambda code: (-max(int(f.severity) for f in grouped[code]), code))
    return {code: grouped[code] for code in order}


def render(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule],
    date: _dt.date | str,
    suppressed: Iterable[Finding] = (),
    reviewer: str = "`python -m audits.module` (static audit: the module was parsed, never executed)",
) -> str:
    rules = rule_map(rules)
    suppressed = ordered(suppressed)
    findings = ordered(findings)
    status = scoring.status(findings)
    counts = scoring.counts(findings)
    violated = scoring.violated_rules(findings)
    sections = categories(rules, findings)
    per_category = {name: [f for f in findings if category_of(f.code, rules, f) == name] for name in sections}
    ready = status == scoring.READY
    out: list[str] = []
    add = out.append

    add(f"# {info.title} - Audit Review")
    add("")
    add(f"- **Date:** {date}")
    add(f"- **File:** `{info.path}` ({info.line_count} lines)")
    add(f"- **Profile:** {info.profile} (the course conventions applied; `[tool.audits] profile` sets it)")
    add(f"- **Reviewer:** {reviewer}")
    add(f"- **Status:** {MARK['pass'] if ready else MARK['fail']} **{status}**")
    add(f"- **Score:** {scoring.score(findings):.1f}/10")
    if suppressed:
        add(f"- **Suppressed:** {len(suppressed)} finding(s) by `# audit: ignore[...]`: "
            + ", ".join(f"`{f.path}:{f.line}` {f.code}" for f in suppressed))
    add("")
    add(f"> How the score is computed: {scoring.FORMULA} Status: {scoring.READY} iff no critical or high finding.")
    add("")

    add("## Executive summary")
    add("")
    add(f"{len(findings)} finding(s) from {len(violated)} rule(s); "
        f"{sum(1 for name in sections if not per_category[name])} of {len(sections)} categories pass.")
    add("")
    add("| Severity | Findings | Blocks export |")
    add("|---|---:|---|")
    for severity in scoring.SEVERITY_ORDER:
        add(f"| {severity.label} | {counts[severity.label]} | {'yes' if severity.blocks_export else 'no'} |")
    add("")
    if violated:
        add("Rules violated, most serious first:")
        add("")
        grouped = _rules_by_code(findings)
        for code, severity in sorted(violated.items(), key=lambda item: (-int(item[1]), item[0])):
            mark = MARK["fail"] if severity.blocks_export else MARK["warn"]
            hits = grouped[code]
            add(f"- {mark} **{code}** {rule_name(code, rules)} ({severity.label}): "
                f"{len(hits)} finding(s), {line_list(f.line for f in hits)}")
    else:
        add(f"{MARK['pass']} No rule is violated.")
    add("")

    for number, name in enumerate(sections, start=1):
        found = per_category[name]
        add(f"## {number}. {name} {_category_mark(found)}")
        add("")
        if not found:
            add("No findings.")
            add("")
            continue
        for code, hits in _rules_by_code(found).items():
            rule = rules.get(code)
            severity = max(Severity(f.severity) for f in hits)
            add(f"### {code} {rule_name(code, rules)} ({severity.label}): {line_list(f.line for f in hits)}")
            add("")
            if rule is not None:
                add(f"**Why it matters:** {rule.doc.strip()}")
                add("")
            for finding in hits:
                add(f"#### Line {finding.line}{info.cell_note(finding.line)}: {finding.message}")
                add("")
                add(excerpt_block(info, finding))
                add("")
                add("**Required change:**")
                add("")
                add(suggestion_block(finding.suggestion))
                add("")

    add("## Compliance checklist")
    add("")
    for name in sections:
        found = per_category[name]
        if found:
            codes = ", ".join(sorted({f.code for f in found}))
            add(f"- [ ] {_category_mark(found)} {name}: {len(found)} finding(s) ({codes})")
        else:
            add(f"- [x] {MARK['pass']} {name}: passed")
    add("")

    add("## Action plan")
    add("")
    phases = [
        ("Phase 1: Critical (must fix before export)", (Severity.CRITICAL,)),
        ("Phase 2: High (must fix before export)", (Severity.HIGH,)),
        ("Phase 3: Medium and low (polish; does not block export)", (Severity.MEDIUM, Severity.LOW)),
    ]
    grouped = _rules_by_code(findings)
    for title, severities in phases:
        add(f"### {title}")
        add("")
        codes = [code for code, severity in violated.items() if severity in severities]
        if not codes:
            add("Nothing to do.")
        for step, code in enumerate(sorted(codes, key=lambda c: (-int(violated[c]), c)), start=1):
            how = " (mechanical: `--fix` applies it)" if any(_fixable(f) for f in grouped[code]) else ""
            add(f"{step}. **{code}** {rule_name(code, rules)}: {line_list(f.line for f in grouped[code])}{how}")
        add("")

    add("## Final verdict")
    add("")
    add(f"**Current status: {status}**")
    add("")
    blocking = scoring.blocking(findings)
    if ready:
        add("No critical or high finding: the module may be exported.")
    else:
        add(f"{len(blocking)} blocking finding(s) from {len({f.code for f in blocking})} rule(s). "
            f"With phases 1 and 2 done the status becomes {scoring.READY}.")
    add("")
    add("Next steps:")
    add("")
    target = info.target
    steps = []
    if any(_fixable(f) for f in findings):
        steps.append(f"`python -m audits.module {target} --fix` applies the mechanical fixes; the rest follow the fix plan.")
    elif violated:
        steps.append("Apply the changes in the fix plan.")
    if violated:
        steps.append(f"`python -m audits.module {target}` again until it says {scoring.READY}.")
    if info.number is not None:
        steps.append(f"`python -m audits.export {target}` regenerates the package file.")
    for number, step in enumerate(steps, start=1):
        add(f"{number}. {step}")
    add("")
    return "\n".join(out)


def _fixable(finding: Finding) -> bool:
    """Does `--fix` apply this finding's own fix (a safe one)?"""
    return finding.fix is not None and finding.fix.safety is Safety.SAFE
