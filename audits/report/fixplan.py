"""The fix plan (the layout of the seed-001 document).

One numbered fix per violated rule, most serious first, with its estimated
effort and a short reason (the full rule: `python -m audits.rules --explain CODE`);
under it every finding with its line (each line of a finding folded from several lines
of one cell is listed on its own: each has its own edit), the current code (the excerpt,
line-numbered), where the flagged thing is used, and the required change (the
finding's suggestion; a change already given for the same lines is referred to,
not repeated). Then an implementation checklist and the validation steps: the
exact commands to re-run.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Mapping

from audits import score as scoring
from audits.model import Finding, Rule, Severity
from audits.report import ModuleInfo, Options, duration, effort_minutes, is_mechanical, line_list, ordered, rule_map, rule_name, short_doc
from audits.report.markdown import fence, suggestion_block


def current_code(finding: Finding) -> str:
    lines = finding.excerpt.splitlines() or [""]
    width = len(str(finding.line + len(lines) - 1))
    return fence("\n".join(f"{finding.line + i:>{width}} | {text}" for i, text in enumerate(lines)))


def render(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule],
    date: _dt.date | str,
    suppressed: Iterable[Finding] = (),
) -> str:
    rules = rule_map(rules)
    findings = ordered(findings)
    violated = scoring.violated_rules(findings)
    codes = sorted(violated, key=lambda code: (-int(violated[code]), code))
    mechanical = [f for f in findings if is_mechanical(f)]
    out: list[str] = []
    add = out.append

    add(f"# Fix plan: {info.title}")
    add("")
    add(f"- **Date:** {date}")
    add(f"- **File:** `{info.path}` ({info.line_count} lines)")
    add(f"- **Status now:** {scoring.status(findings)} (score {scoring.score(findings):.1f}/10)")
    add(f"- **Findings:** {len(findings)} from {len(violated)} rule(s); "
        f"{len(mechanical)} are mechanical and `python -m audits.module {info.target} --fix` applies them "
        f"(`--fix --diff` shows the edits first)")
    if findings:
        add(f"- **Estimated effort:** {duration(effort_minutes(findings, rules))}")
    add("")
    if not findings:
        add("Nothing to fix.")
        add("")

    earlier: dict[tuple[str, int, str], str] = {}
    for number, code in enumerate(codes, start=1):
        hits = [part for f in findings if f.code == code for part in f.parts]  # every place: each has its own change
        severity = violated[code]
        rule = rules.get(code)
        add("---")
        add("")
        add(f"## Fix {number}: {code} {rule_name(code, rules)} ({severity.label.upper()})")
        add("")
        add(f"{sum(1 for f in findings if f.code == code)} finding(s), {line_list(f.line for f in hits)}."
            + (" Applied by `--fix`." if all(is_mechanical(f) for f in hits) else " Needs a person.")
            + f" Effort: {duration(effort_minutes(hits, rules))}.")
        add("")
        if rule is not None:
            add(f"**Why:** {short_doc(rule.doc)} Full rule: `python -m audits.rules --explain {code}`.")
            add("")
        for index, finding in enumerate(hits, start=1):
            add(f"### {number}.{index} Line {finding.line}{info.cell_note(finding.line)}: {finding.message}")
            add("")
            key = (finding.path, finding.line, finding.suggestion.strip())
            if finding.suggestion.strip() and key in earlier:
                add(f"**Current code (line {finding.line}):** as in {earlier[key]}.")
                add("")
                add(f"**Required change:** the same edit as {earlier[key]}: one change fixes both.")
                add("")
                continue
            earlier[key] = f"fix {number}.{index}"
            add(f"**Current code (line {finding.line}):**")
            add("")
            add(current_code(finding))
            add("")
            if finding.impact:
                add("**Used at:** " + "; ".join(finding.impact))
                add("")
            add("**Required change:**")
            add("")
            add(suggestion_block(finding.suggestion))
            add("")

    add("---")
    add("")
    add("## Implementation checklist")
    add("")
    if not codes:
        add("- [x] No findings.")
    for number, code in enumerate(codes, start=1):
        severity = violated[code]
        blocking = "blocks export" if Severity(severity).blocks_export else "does not block export"
        count = sum(len(f.parts) for f in findings if f.code == code)
        add(f"- [ ] Fix {number}: {code} {rule_name(code, rules)} ({count} place(s), {severity.label}, {blocking})")
    add("")

    add("## Validation steps")
    add("")
    target = info.target
    steps = []
    if mechanical:
        steps.append(f"`python -m audits.module {target} --fix`: applies the mechanical fixes (idempotent)")
    steps.append(f"`python -m audits.module {target}`: must print {scoring.READY} (exit 0)")
    steps.append(f"`python {info.path}`: the inline tests pass (exit 0)")
    steps.append(
        f"`python -c \"import runpy; runpy.run_path('{info.path}', run_name='imported')\"`: "
        "importing prints nothing (no test runs at import time)"
    )
    if info.number is not None:
        steps.append(f"`python -m audits.export {target}`: the audit gate passes and the package file is regenerated")
        steps.append(f"`pytest --only {info.number}`: the module's suite passes")
    for number, step in enumerate(steps, start=1):
        add(f"{number}. [ ] {step}")
    add("")
    return "\n".join(out)


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """The fix plan of each module, one after the other (the format of the registry, audits.report.FORMATS)."""
    return "\n".join(render(r.info, r.findings, rules, options.date, suppressed=r.suppressed) for r in reports)
