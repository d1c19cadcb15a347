"""The terminal summary: per finding `path:line:col: CODE message`, as ruff and flake8 print,
then (as ruff does) the offending source lines with carets under the finding's range.

    modules/16_compression/compression.py (812 lines)
    NOT READY FOR EXPORT  score 4.0/10  critical 10, high 4, medium 1, low 0
    modules/16_compression/compression.py:73:7: CC001 class Sequential is a composition container
       |
    73 | class Sequential:
       | ^^^^^^^^^^^^^^^^
       |
    modules/16_compression/compression.py:90:1: SE001 print(...) runs at import time (lines 90, 91)
       |
    90 | print("ready")
       | ^^^^^^^^^^^^^^
    91 | print(model)
       | ^^^^^^^^^^^^
       |
    ...
    ... and 5 more (see reports/16_compression.review.md)
    suppressed 1 finding: modules/16_compression/compression.py:90 SE001

A finding folded from several lines of one cell (`audits.check.fold`) lists them and shows
each. `--quiet` prints the first line of each finding only (`finding_line`), and
`Options(source=False)` leaves the source out. Worst findings first. `top` cuts the list on a screen that points to a written
review (`see`); without `see` every finding is listed. Colour (ANSI) only when the
caller asks for it (a terminal without NO_COLOR: `audits.cli.use_color`).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from audits import score as scoring
from audits.model import Finding, Rule
from audits.report import ModuleInfo, Options, by_severity, line_list
from audits.report.locations import shown_path

TOP = 10
RED, YELLOW, GREEN, BOLD, RESET = "\033[31m", "\033[33m", "\033[32m", "\033[1m", "\033[0m"


def paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color else text


def finding_line(finding: Finding, color: bool = False, info: Optional[ModuleInfo] = None) -> str:
    """`path:line:col: CODE message`: the format editors, CI logs and problem matchers understand.

    With the module's `info`, the path is relative to the current directory (absolute outside it),
    and a notebook's finding gives the line and column inside its cell's source in the .ipynb file
    (then the cell's index, id and line within it, which `render` appends)."""
    code = paint(finding.code, BOLD + (RED if finding.severity.blocks_export else YELLOW), color)
    if info is None:
        places = f" ({line_list(finding.lines)})" if finding.folded else ""
        return f"{finding.path}:{finding.line}:{finding.column}: {code} {finding.message}{places}"
    line, column = info.file_position(finding)
    places = f" ({line_list(info.file_position(part)[0] for part in finding.parts)})" if finding.folded else ""
    return f"{shown_path(finding.path, info.root)}:{line}:{column}: {code} {finding.message}{places}"


SOURCE_LINES = 3  # lines of one place's range shown; a longer range ends with "..."
SOURCE_PLACES = 10  # places of a folded finding shown; the rest are only listed in its first line


def source_context(finding: Finding, info: Optional[ModuleInfo] = None, color: bool = False) -> list[str]:
    """The lines each place of the finding is about, numbered as in the file, carets under the range:

           |
        12 |     print(x)
           |     ^^^^^^^^
           |

    The module's own lines come from `info`; a test file's from the finding's excerpt. A folded
    place whose message differs from the finding's has it after its carets."""
    rows: list[tuple[str, str]] = []  # (gutter, text)
    parts = finding.parts
    for part in parts[:SOURCE_PLACES]:
        line, column, end_line, end_column = part.span
        at = info.cell_at(line) if info is not None and part.path == info.path else None
        if at is not None and at[2] == 0:
            continue  # a notebook cell as a whole: its metadata, which is no line of the file as written
        own = info is not None and part.path == info.path and 1 <= line <= len(info.source_lines)
        excerpt = part.excerpt.split("\n")
        text_of = (lambda n: info.source_lines[n - 1] if n <= len(info.source_lines) else "") if own else (
            lambda n: excerpt[n - line] if 0 <= n - line < len(excerpt) else "")
        first_file_line = info.file_span(part)[0] if info is not None else line
        last = min(end_line, line + SOURCE_LINES - 1)
        for number in range(line, last + 1):
            text = text_of(number)
            start = column - 1 if number == line else len(text) - len(text.lstrip())
            end = end_column - 1 if number == end_line else len(text.rstrip())
            end = max(end, start + 1)
            rows.append((str(first_file_line + number - line), text.rstrip()))
            marks = "".join("\t" if c == "\t" else " " for c in text[:start]) + "^" * (end - start)
            marks = paint(marks, RED if finding.severity.blocks_export else YELLOW, color)
            if number == line and part.message != finding.message:
                marks += " " + part.message  # a folded place that says something else
            rows.append(("", marks))
        if end_line > last:
            rows.append(("", "..."))
    if len(parts) > SOURCE_PLACES:
        rows.append(("", f"... and {len(parts) - SOURCE_PLACES} more places"))
    if not rows:
        return []
    width = max((len(gutter) for gutter, _ in rows), default=1)
    frame = " " * width + " |"
    return [frame] + [f"{gutter:>{width}} | {text}".rstrip() for gutter, text in rows] + [frame]


def suppressed_line(suppressed: Iterable[Finding]) -> Optional[str]:
    """`suppressed 2 findings: path:12 SE001, path:40 TI001`, or None when nothing was silenced."""
    silenced = list(suppressed)
    if not silenced:
        return None
    where = ", ".join(f"{f.path}:{f.line} {f.code}" for f in silenced)
    return f"suppressed {len(silenced)} finding{'s' if len(silenced) != 1 else ''}: {where}"


def render(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule] = (),
    date=None,
    top: Optional[int] = None,
    see: Optional[str] = None,
    color: bool = False,
    suppressed: Iterable[Finding] = (),
    source: bool = True,
) -> str:
    """The summary (`date` is accepted for a uniform renderer signature and not shown); `source`: the
    offending lines under each finding."""
    findings = list(findings)
    counts = ", ".join(f"{label} {n}" for label, n in scoring.counts(findings).items())
    status = scoring.status(findings)
    status = paint(status, BOLD + (GREEN if status == scoring.READY else RED), color)
    lines = [
        f"{shown_path(info.path, info.root)} ({info.line_count} lines, {info.profile} profile{', ' + info.language_note if info.language_note else ''})",
        f"{status}  score {scoring.score(findings):.1f}/10  {counts}",
    ]
    worst = by_severity(findings)
    shown = worst if top is None or see is None else worst[:top]
    for finding in shown:
        lines.append(finding_line(finding, color, info) + info.cell_note(finding.line))
        if source:
            lines += source_context(finding, info, color)
    if len(worst) > len(shown):
        lines.append(f"... and {len(worst) - len(shown)} more (see {see})")
    note = suppressed_line(suppressed)
    if note:
        lines.append(note)
    return "\n".join(lines) + "\n"


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """Every finding of every module (the format of the registry, audits.report.FORMATS)."""
    text = "\n".join(render(r.info, r.findings, rules, color=options.color, suppressed=r.suppressed, source=options.source) for r in reports)
    return text + skipped_lines(options.skipped or ())


def skipped_lines(skipped) -> str:
    """The course files a whole-checkout run did not audit, one `path: skipped: reason` line each."""
    return "".join(f"{path}: skipped: {reason}\n" for path, reason in skipped)
