"""The terminal summary: one line per finding, `path:line:col: CODE message`, as ruff and flake8 print.

    modules/16_compression/compression.py (812 lines)
    NOT READY FOR EXPORT  score 4.0/10  critical 10, high 4, medium 1, low 0
    modules/16_compression/compression.py:73:1: CC001 class Sequential is a composition container
    ...
    ... and 5 more (see reports/16_compression.review.md)
    suppressed 1 finding: modules/16_compression/compression.py:90 SE001

Worst findings first. `top` cuts the list on a screen that points to a written
review (`see`); without `see` every finding is listed. Colour (ANSI) only when the
caller asks for it (a terminal without NO_COLOR: `audits.cli.use_color`).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from audits import score as scoring
from audits.model import Finding, Rule
from audits.report import ModuleInfo, Options, by_severity
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
        return f"{finding.path}:{finding.line}:{finding.column}: {code} {finding.message}"
    line, column = info.file_position(finding)
    return f"{shown_path(finding.path, info.root)}:{line}:{column}: {code} {finding.message}"


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
) -> str:
    """The summary (`date` is accepted for a uniform renderer signature and not shown)."""
    findings = list(findings)
    counts = ", ".join(f"{label} {n}" for label, n in scoring.counts(findings).items())
    status = scoring.status(findings)
    status = paint(status, BOLD + (GREEN if status == scoring.READY else RED), color)
    lines = [
        f"{shown_path(info.path, info.root)} ({info.line_count} lines, {info.profile} profile)",
        f"{status}  score {scoring.score(findings):.1f}/10  {counts}",
    ]
    worst = by_severity(findings)
    shown = worst if top is None or see is None else worst[:top]
    lines += [finding_line(finding, color, info) + info.cell_note(finding.line) for finding in shown]
    if len(worst) > len(shown):
        lines.append(f"... and {len(worst) - len(shown)} more (see {see})")
    note = suppressed_line(suppressed)
    if note:
        lines.append(note)
    return "\n".join(lines) + "\n"


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """Every finding of every module (the format of the registry, audits.report.FORMATS)."""
    text = "\n".join(render(r.info, r.findings, rules, color=options.color, suppressed=r.suppressed) for r in reports)
    return text + skipped_lines(options.skipped or ())


def skipped_lines(skipped) -> str:
    """The course files a whole-checkout run did not audit, one `path: skipped: reason` line each."""
    return "".join(f"{path}: skipped: {reason}\n" for path, reason in skipped)
