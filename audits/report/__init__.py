"""Render audit findings for people (terminal text, Markdown review, fix plan) and tools (JSON, SARIF, annotations).

The output formats are one registry, `FORMATS` below: one module `audits.report.<name>` per
format, each behind the same interface, and every command (`tinyaudit` / `python -m audits`,
`python -m audits.module`, `python -m audits.bite`) offers exactly these:

    render_all(reports, rules, options) -> str    every module of a run in one rendering
    escape(text) -> str                          (optional) the same rendering in ASCII, for a console
                                                 that cannot encode it (`for_stream`)

`reports` are the audited modules, each with `.info` (a ModuleInfo: path, number, name,
source lines), `.findings`, `.suppressed` and `.module` (the parsed source, read only by
formats that quote more than the findings; an `audits.auditor.Audit` or a `Report`);
`rules` is any iterable of `audits.model.Rule` (normally `audits.rules.ALL_RULES`): it
supplies each finding's category (the report section), rule name and doc; `options` an
`Options` (date, colour, reviewer line). Document formats (JSON, SARIF) render several
modules as one document; the others one block per module. Renderers are pure functions,
so the outputs never disagree and tests need no files. Per-module helpers, e.g.

    text.render(info, findings, rules)            short terminal summary
    markdown.render(info, findings, rules, date)  the review report (seed 000 layout)
    fixplan.render(info, findings, rules, date)   the fix plan (seed 001 layout)
    json.render(info, findings, rules)            stable versioned JSON (schema in json.py)
"""

from __future__ import annotations

import datetime as _dt
import importlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping, Optional, Sequence

from audits.model import Finding, ModuleSource, Rule, Safety, is_python, unfold

OTHER_CATEGORY = "Other"

# The registry of output formats: name -> the file suffix a rendering is written with.
# Adding a format is one file, audits/report/<name>.py defining `render_all`, and one line here.
FORMATS = {
    "text": ".txt",  # `path:line:col: CODE message` per finding, as ruff and flake8 print
    "markdown": ".review.md",  # the review (seed 000 layout)
    "fixplan": ".fixes.md",  # the fix plan (seed 001 layout)
    "json": ".json",  # tinytorch-audit/1, or tinytorch-audit-repo/1 for several modules
    "sarif": ".sarif",  # SARIF 2.1.0 for code scanning
    "github": ".annotations.txt",  # GitHub Actions workflow annotations
}


@dataclass(frozen=True)
class Options:
    """What a command tells every format: the date printed in reviews, colour and source context
    (terminal text only), who reviewed (the Markdown review's reviewer line; None: the static audit), whether the review
    lists strengths, and whether JSON is one repository document even for one module."""

    date: _dt.date | str = ""
    color: bool = False
    source: bool = True  # terminal text: the offending lines under each finding, carets under its range
    reviewer: Optional[str] = None
    strengths: bool = True
    repository: bool = False
    skipped: Optional[tuple[tuple[str, str], ...]] = None  # (path, reason) of the course files a whole-checkout run did not audit; None: not such a run


@dataclass
class Report:
    """One audited module as the formats read it (`audits.auditor.Audit` has the same attributes);
    `extra` holds keys a command adds to the module's JSON document (bite: its run summary)."""

    info: "ModuleInfo"
    findings: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)
    module: Optional[ModuleSource] = None
    extra: dict[str, Any] = field(default_factory=dict)


def renderer(name: str):
    """The module that renders format `name` (imported when a run asks for it)."""
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r} (known: {', '.join(FORMATS)})")
    return importlib.import_module(f"audits.report.{name}")


def render(name: str, reports: Sequence[Any], rules: Iterable[Rule] | Mapping[str, Rule], options: Options = Options()) -> str:
    """Every report of a run in format `name`."""
    return renderer(name).render_all(list(reports), rules, options)


def for_stream(name: str, text: str, stream) -> str:
    """A rendering as `stream` can carry it. When the stream's encoding cannot hold a character
    (an ASCII or cp1252 console), a format that can escape it does (JSON and SARIF define
    `escape`: `\\u26a0` reads back as the same text) instead of the stream printing `?`."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
        return text
    except UnicodeEncodeError:
        escape = getattr(renderer(name), "escape", None)
        return escape(text) if escape is not None else text


def format_for_path(path: str) -> Optional[str]:
    """The format a file name asks for by its suffix ("audit.sarif" -> "sarif"); the longest suffix wins
    ("x.fixes.md" is the fix plan, "x.md" the review)."""
    for name, suffix in sorted(FORMATS.items(), key=lambda item: -len(item[1])):
        if path.endswith(suffix):
            return name
    return {".md": "markdown"}.get("." + path.rsplit(".", 1)[-1]) if "." in path else None


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
    root: Optional[str] = None  # the audited checkout (absolute): findings' paths are relative to it
    notebook_json: Optional[str] = None  # an .ipynb source's own text, for positions in the file (audits.report.locations)
    language: str = "python"  # the language of its code (a notebook's kernel language, ModuleSource.language)

    @property
    def language_note(self) -> str:
        """What the reports say of code in another language than Python ("" for Python)."""
        if is_python(self.language):
            return ""
        return f"{self.language} code, not read as Python: language-agnostic rules only"

    def cell_at(self, line: int) -> Optional[tuple[int, int, Optional[str]]]:
        """(cell index, cell id, line within the cell: 0 is its marker) of a line of a notebook's rendering; None for a script."""
        for start, end, index, cell_id in self.cells:
            if start <= line <= end:
                return index, cell_id, line - start
        return None

    def cell_note(self, line: int) -> str:
        """" (cell 4, id abc, line 2)" for a line of a notebook's rendering (line 0 is the cell's marker); "" for a script."""
        at = self.cell_at(line)
        if at is None:
            return ""
        index, cell_id, within = at
        return f" (cell {index}" + (f", id {cell_id}" if cell_id else "") + (f", line {within}" if within else "") + ")"

    @cached_property
    def _ipynb_cells(self):
        from audits.report.locations import ipynb_cells

        return ipynb_cells(self.notebook_json) if self.notebook_json else []

    def file_position(self, finding: Finding) -> tuple[int, int]:
        """(line, column) of a finding in the file itself: for a notebook's own findings, inside the
        cell's source in the .ipynb JSON; otherwise the finding's line and column as they are."""
        return self.file_span(finding)[:2]

    def file_span(self, finding: Finding) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a finding's range in the file itself (`Finding.span`,
        end column exclusive): a notebook's own findings are mapped into the cell's source in the
        .ipynb JSON, as `file_position` maps their start."""
        line, column, end_line, end_column = finding.span
        at = self.cell_at(line) if finding.path == self.path else None
        if at is None or at[0] >= len(self._ipynb_cells):
            return max(1, line), column, max(1, end_line), end_column
        from audits.report.locations import position_in_file

        cell = self._ipynb_cells[at[0]]
        start = position_in_file(self.notebook_json, cell, at[2], column)
        end_at = self.cell_at(end_line)
        end = position_in_file(self.notebook_json, cell, end_at[2], end_column) if end_at is not None and end_at[0] == at[0] else start
        return (*start, *max(end, start))

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
            root=str(ref.root.resolve()) if ref else None,
            notebook_json=module.notebook.raw if module.notebook is not None else None,
            language=module.language,
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
    """"line 7", "lines 3, 7, 12", or with runs of three or more consecutive lines as ranges,
    "lines 3, 16-43" (a folded finding of a cell with 28 prints)."""
    numbers = sorted(set(numbers))
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)) for run in runs]
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(parts)


def is_mechanical(finding: Finding) -> bool:
    """`--fix` applies this finding's change by itself (a safe Fix from its rule)."""
    return finding.fix is not None and bool(finding.fix.edits) and finding.fix.safety is Safety.SAFE


MECHANICAL_MINUTES = 1  # reading the diff `--fix` made, per finding


def effort_minutes(findings: Iterable[Finding], rules: Mapping[str, Rule]) -> int:
    """The author's time for these findings: each rule's `effort_minutes` per finding, 1 for a mechanical one;
    findings that one edit fixes together (same lines, same required change) count once; each line of
    a folded finding counts (each needs its own change)."""
    total = 0
    changes: set[tuple[str, int, str]] = set()
    for finding in unfold(findings):
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
