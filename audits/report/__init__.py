"""Render audit findings for people (terminal text, Markdown review, fix plan) and tools (JSON).

Every renderer is a pure function of the same inputs, so the four outputs never
disagree and tests need no files:

    text.render(info, findings, rules)            short terminal summary
    markdown.render(info, findings, rules, date)  the review report (seed 000 layout)
    fixplan.render(info, findings, rules, date)   the fix plan (seed 001 layout)
    json.render(info, findings, rules)            stable versioned JSON (schema in json.py)

`info` is a ModuleInfo (what was audited: path, number, name, source lines);
`rules` is any iterable of `audits.model.Rule` (normally `audits.rules.ALL_RULES`):
it supplies each finding's category (the report section), rule name and doc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from audits.model import Finding, ModuleSource, Rule, Safety

OTHER_CATEGORY = "Other"


@dataclass(frozen=True)
class ModuleInfo:
    """What was audited, as the reports name it."""

    path: str  # display path, relative to the audited root when possible
    source_lines: tuple[str, ...] = ()  # the file's lines (for excerpts with context)
    number: Optional[int] = None  # 16
    name: Optional[str] = None  # "compression"
    folder: Optional[str] = None  # "16_compression"
    cells: tuple[tuple[int, int, int, Optional[str]], ...] = ()  # a notebook's cells: (first line, last line, index, id) in its rendering
    profile: str = "tinytorch"  # the course conventions the audit applied (audits.discover.detect_profile)

    def cell_note(self, line: int) -> str:
        """" (cell 4, id abc, line 2)" for a line of a notebook's rendering (line 0 is the cell's marker); "" for a script."""
        for start, end, index, cell_id in self.cells:
            if start <= line <= end:
                return f" (cell {index}" + (f", id {cell_id}" if cell_id else "") + (f", line {line - start}" if line > start else "") + ")"
        return ""

    @property
    def line_count(self) -> int:
        return len(self.source_lines)

    @property
    def title(self) -> str:
        """"Module 16: Compression", or the file name for a file outside a checkout."""
        if self.number is not None and self.name:
            return f"Module {self.number:02d}: {self.name.replace('_', ' ').title()}"
        return self.path.rsplit("/", 1)[-1]

    @property
    def target(self) -> str:
        """How to name this module on the command line: "16" or the path."""
        return f"{self.number:02d}" if self.number is not None else self.path

    @classmethod
    def from_source(cls, module: ModuleSource, display_path: Optional[str] = None) -> "ModuleInfo":
        ref = module.ref
        return cls(
            path=display_path or module.display_path,
            source_lines=tuple(module.lines),
            number=module.number,  # None when the course gives no order (unnumbered folders)
            name=ref.name if ref else None,
            folder=ref.folder if ref else None,
            cells=tuple((c.start, c.end, c.index, c.id) for c in module.cells) if module.notebook is not None else (),
            profile=module.profile,
        )


def rule_map(rules: Iterable[Rule] | Mapping[str, Rule]) -> dict[str, Rule]:
    if isinstance(rules, Mapping):
        return dict(rules)
    return {rule.code: rule for rule in rules}


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """The one order every renderer lists findings in: by file, line, severity (worst first), code."""
    return sorted(findings, key=lambda f: (f.path, f.line, -int(f.severity), f.code, f.message))


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by line: the order of "top findings"."""
    return sorted(findings, key=lambda f: (-int(f.severity), f.path, f.line, f.code, f.message))


def category_of(code: str, rules: Mapping[str, Rule], finding: Optional[Finding] = None) -> str:
    """The report section of a code: its rule's category, else the finding's own, else "Other"."""
    rule = rules.get(code)
    if rule is not None:
        return rule.category
    return getattr(finding, "category", "") or OTHER_CATEGORY


def rule_name(code: str, rules: Mapping[str, Rule]) -> str:
    rule = rules.get(code)
    return rule.name if rule else code


def categories(rules: Mapping[str, Rule], findings: Iterable[Finding] = ()) -> list[str]:
    """Every report section: the rules' categories in rule order, then any a finding brings ("Other")."""
    names: list[str] = []
    for rule in rules.values():
        if rule.category not in names:
            names.append(rule.category)
    for finding in findings:
        name = category_of(finding.code, rules, finding)
        if name not in names:
            names.append(name)
    return names


def line_list(numbers: Iterable[int]) -> str:
    """"line 7" or "lines 3, 7, 12"."""
    numbers = sorted(set(numbers))
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(str(n) for n in numbers)


def is_mechanical(finding: Finding) -> bool:
    """`--fix` applies this finding's change by itself (a safe Fix from its rule)."""
    return finding.fix is not None and bool(finding.fix.edits) and finding.fix.safety is Safety.SAFE


MECHANICAL_MINUTES = 1  # reading the diff `--fix` made, per finding


def effort_minutes(findings: Iterable[Finding], rules: Mapping[str, Rule]) -> int:
    """The author's time for these findings: each rule's `effort_minutes` per finding, 1 for a mechanical one;
    findings that one edit fixes together (same lines, same required change) count once."""
    total = 0
    changes: set[tuple[str, int, str]] = set()
    for finding in findings:
        change = (finding.path, finding.line, finding.suggestion.strip())
        if finding.suggestion.strip() and change in changes:
            continue
        changes.add(change)
        rule = rules.get(finding.code)
        total += MECHANICAL_MINUTES if is_mechanical(finding) else (rule.effort_minutes if rule else 10)
    return total


def duration(minutes: int) -> str:
    """"about 25 min", "about 1 h 10 min" (rounded to 5 minutes above 10)."""
    if minutes > 10:
        minutes = 5 * round(minutes / 5)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"about {minutes} min"
    return f"about {hours} h" + (f" {rest} min" if rest else "")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`])")


def short_doc(doc: str, limit: int = 160) -> str:
    """What the review prints once per rule: the doc's "Why it matters" section, or, for a doc
    without sections, its first sentence (two when the first is short)."""
    from audits.rules._base import doc_sections  # late import: the rules package imports the report's siblings

    why = doc_sections(doc).get("Why it matters", "").strip()
    if why:
        why = " ".join(why.split())
        return why if why.startswith(("nbgrader", "`")) else why[0].upper() + why[1:]  # names keep their case
    text = " ".join(doc.split())
    sentences, start, ticks = [], 0, 0
    for match in _SENTENCE_END.finditer(text):
        ticks = text.count("`", 0, match.start())
        if ticks % 2 == 0:  # not inside inline code
            sentences.append(text[start:match.start()])
            start = match.end()
    sentences.append(text[start:])
    summary = sentences[0]
    if len(summary) < limit and len(sentences) > 1:
        summary += " " + sentences[1]
    return summary
