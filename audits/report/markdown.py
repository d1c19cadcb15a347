"""The Markdown review report (the layout of the seed-000 review).

Sections, in order: title (module number and name), date / file / line count,
status, score with its formula, executive summary (issues by severity, the rules
violated, the estimated effort), strengths (what the module does well, with
evidence), one section per rule category (per rule: a short "why it matters" and
the `--explain` command for the full doc; per finding: its line and message, the
line-numbered excerpt with context, the impact (where the flagged thing is used)
and the required change; a change already shown for the same lines is not
repeated; a finding folded from several lines of one cell is one block that
quotes each line and says what each other line is about), compliance checklist (every category, passed ones included), action
plan by priority with the effort of each phase, and the final verdict.

A clean module gets a short review: status, strengths, checklist, verdict.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Mapping, Optional

from audits import score as scoring
from audits.model import Finding, Rule, Severity
from audits.report import (
    Options,
    ModuleInfo,
    categories,
    category_of,
    duration,
    effort_minutes,
    is_mechanical,
    line_list,
    ordered,
    rule_map,
    rule_name,
    short_doc,
)

CONTEXT = 2  # lines of source shown before and after the offending lines
FULL_REPEATS = 2  # findings of one rule shown in full before repeated mechanical ones are quoted briefly
MAX_EXCERPT = 8  # offending lines shown before eliding the rest (the fix plan quotes them all)
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


def folded_block(info: ModuleInfo, finding: Finding) -> str:
    """The lines of every place of a folded finding, numbered as in the file, marked with `>`
    (no context: the places are the point), `...` between places that are not adjacent."""
    rows, previous = [], None
    own = finding.path == info.path and bool(info.source_lines)
    for part in finding.parts:
        body = part.excerpt.splitlines() or [""]
        span = min(len(body), MAX_EXCERPT)
        if previous is not None and part.line > previous + 1:
            rows.append("  ...")
        for offset in range(span):
            number = part.line + offset
            if previous is not None and number <= previous:
                continue  # a line two places share
            text = info.source_lines[number - 1] if own and 1 <= number <= len(info.source_lines) else body[offset]
            rows.append(f"> {number:>4} | {text}")
            previous = number
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


def _finding_block(info: ModuleInfo, finding: Finding, earlier: dict, add, like: Optional[Finding] = None) -> None:
    """One finding: its line and message, the quoted lines, where the flagged thing is used, the change.

    `like`: an earlier finding of the same rule whose mechanical change this one repeats: only the
    offending lines are quoted (the fix plan shows every edit).
    """
    note = info.cell_note(finding.line) if finding.path == info.path else ""  # the notebook cell, for .ipynb sources
    add(f"#### {line_list(finding.lines).capitalize()}{note}: {finding.message}")
    add("")
    key = (finding.path, finding.line, finding.suggestion.strip())
    if finding.suggestion.strip() and key in earlier:
        add(f"Same lines and required change as {earlier[key]} above: one edit fixes both.")
        add("")
        return
    earlier[key] = f"{finding.code} at line {finding.line}"
    if like is not None and not finding.impact:
        add(folded_block(info, finding) if finding.folded else excerpt_block(info, finding, context=0))
        add("")
        add(f"Required change: the same kind as at line {like.line} (`--fix` applies it; the fix plan shows each edit).")
        add("")
        return
    # A folded finding: every line quoted once, and what each other line is about when it differs.
    add(folded_block(info, finding) if finding.folded else excerpt_block(info, finding))
    add("")
    different = [part for part in finding.parts[1:] if part.message != finding.message]
    for part in different:
        add(f"- Line {part.line}: {part.message}")
    if different:
        add("")
    if finding.impact:
        add("**Impact:** where it is used")
        add("")
        for place in finding.impact:
            add(f"- {place}")
        add("")
    if finding.folded:
        add(f"**Required change** (line {finding.line}; each other line needs its own, the fix plan lists them):"
            + (" (`--fix` applies them)" if all(is_mechanical(part) for part in finding.parts) else ""))
    else:
        add("**Required change:**" + (" (`--fix` applies it)" if is_mechanical(finding) else ""))
    add("")
    add(suggestion_block(finding.suggestion))
    add("")


def _header(info: ModuleInfo, findings: list[Finding], date, suppressed: list[Finding], reviewer: str, add) -> None:
    ready = scoring.is_ready(findings)
    add(f"# {info.title} - Audit Review")
    add("")
    add(f"- **Date:** {date}")
    add(f"- **File:** `{info.path}` ({info.line_count} lines)")
    add(f"- **Profile:** {info.profile} (the course conventions applied; `[tool.audits] profile` sets it)")
    if info.language_note:
        add(f"- **Language:** {info.language_note}")
    add(f"- **Reviewer:** {reviewer}")
    add(f"- **Status:** {MARK['pass'] if ready else MARK['fail']} **{scoring.status(findings)}**")
    add(f"- **Score:** {scoring.score(findings):.1f}/10")
    if suppressed:
        add(f"- **Suppressed:** {len(suppressed)} finding(s) by `# audit: ignore[...]`: "
            + ", ".join(f"`{f.path}:{f.line}` {f.code}" for f in suppressed))
    add("")


def _strengths(strengths: Iterable[str], add) -> None:
    strengths = list(strengths)
    if not strengths:
        return
    add("## Strengths")
    add("")
    for line in strengths:
        add(f"- {MARK['pass']} {line}")
    add("")


def _checklist(sections: list[str], per_category: dict[str, list[Finding]], add) -> None:
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


PHASES = (
    ("Phase 1: Critical (must fix before export)", (Severity.CRITICAL,)),
    ("Phase 2: High (must fix before export)", (Severity.HIGH,)),
    ("Phase 3: Medium and low (polish; does not block export)", (Severity.MEDIUM, Severity.LOW)),
)


def render(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule],
    date: _dt.date | str,
    suppressed: Iterable[Finding] = (),
    reviewer: str = "`python -m audits.module` (static audit: the module was parsed, never executed)",
    strengths: Iterable[str] = (),
) -> str:
    """The review. `strengths` are the evidence lines of `audits.report.strengths` (none: no section)."""
    rules = rule_map(rules)
    suppressed = ordered(suppressed)
    findings = ordered(findings)
    status = scoring.status(findings)
    counts = scoring.counts(findings)
    violated = scoring.violated_rules(findings)
    sections = categories(rules, findings)
    per_category = {name: [f for f in findings if category_of(f.code, rules, f) == name] for name in sections}
    ready = status == scoring.READY
    target = info.target
    out: list[str] = []
    add = out.append

    _header(info, findings, date, suppressed, reviewer, add)
    if not findings:  # a clean module: a short review that says what is good
        add(f"{MARK['pass']} No finding: all {len(sections)} categories pass.")
        add("")
        _strengths(strengths, add)
        _checklist(sections, per_category, add)
        add("## Final verdict")
        add("")
        add(f"**Current status: {status}**")
        add("")
        add("No critical or high finding: the module may be exported"
            + (f" with `python -m audits.export {target}`." if info.number is not None else "."))
        add("")
        return "\n".join(out)

    grouped = _rules_by_code(findings)
    phase_findings = [[f for f in findings if Severity(f.severity) in severities] for _, severities in PHASES]
    mechanical = [f for f in findings if is_mechanical(f)]
    add(f"> How the score is computed: {scoring.FORMULA} Status: {scoring.READY} iff no critical or high finding.")
    add("")

    add("## Executive summary")
    add("")
    add(f"{len(findings)} finding(s) from {len(violated)} rule(s); "
        f"{sum(1 for name in sections if not per_category[name])} of {len(sections)} categories pass. "
        + (f"{len(mechanical)} are mechanical: `python -m audits.module {target} --fix` applies them. " if mechanical else "")
        + f"Estimated effort: {duration(effort_minutes(findings, rules))}.")
    add("")
    add("| Severity | Findings | Blocks export |")
    add("|---|---:|---|")
    for severity in scoring.SEVERITY_ORDER:
        add(f"| {severity.label} | {counts[severity.label]} | {'yes' if severity.blocks_export else 'no'} |")
    add("")
    add("Rules violated, most serious first:")
    add("")
    for code, severity in sorted(violated.items(), key=lambda item: (-int(item[1]), item[0])):
        mark = MARK["fail"] if severity.blocks_export else MARK["warn"]
        hits = grouped[code]
        add(f"- {mark} **{code}** {rule_name(code, rules)} ({severity.label}): "
            f"{len(hits)} finding(s), {line_list(n for f in hits for n in f.lines)}")
    add("")
    _strengths(strengths, add)

    earlier: dict = {}
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
            add(f"### {code} {rule_name(code, rules)} ({severity.label}): {line_list(n for f in hits for n in f.lines)}")
            add("")
            if rule is not None:
                add(f"**Why it matters:** {short_doc(rule.doc)} Full rule: `python -m audits.rules --explain {code}`.")
                add("")
            for position, finding in enumerate(hits):
                like = hits[0] if position >= FULL_REPEATS and is_mechanical(finding) else None
                _finding_block(info, finding, earlier, add, like)

    _checklist(sections, per_category, add)

    add("## Action plan")
    add("")
    for (title, severities), hits in zip(PHASES, phase_findings):
        add(f"### {title}" + (f": {duration(effort_minutes(hits, rules))}" if hits else ""))
        add("")
        codes = [code for code, severity in violated.items() if severity in severities]
        if not codes:
            add("Nothing to do.")
        for step, code in enumerate(sorted(codes, key=lambda c: (-int(violated[c]), c)), start=1):
            how = " (mechanical: `--fix` applies it)" if all(is_mechanical(f) for f in grouped[code]) else ""
            add(f"{step}. **{code}** {rule_name(code, rules)}: {line_list(n for f in grouped[code] for n in f.lines)}{how}")
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
            f"With phases 1 and 2 done ({duration(effort_minutes(blocking, rules))}) the status becomes {scoring.READY}.")
    add("")
    add("Next steps:")
    add("")
    steps = []
    if mechanical:
        steps.append(f"`python -m audits.module {target} --fix` applies the mechanical fixes (`--fix --diff` shows them first); "
                     "the rest follow the fix plan.")
    else:
        steps.append("Apply the changes in the fix plan.")
    steps.append(f"`python -m audits.module {target}` again until it says {scoring.READY}.")
    if info.number is not None:
        steps.append(f"`python -m audits.export {target}` regenerates the package file.")
    for number, step in enumerate(steps, start=1):
        add(f"{number}. {step}")
    add("")
    return "\n".join(out)


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """The review of each module, one after the other (the format of the registry, audits.report.FORMATS)."""
    from audits.report.strengths import strengths  # reads the parsed module

    reviews = []
    for r in reports:
        extra = {"reviewer": options.reviewer} if options.reviewer else {}
        if options.strengths:
            extra["strengths"] = strengths(r.module, r.findings, rules)
        reviews.append(render(r.info, r.findings, rules, options.date, suppressed=r.suppressed, **extra))
    return "\n".join(reviews)
