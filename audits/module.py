"""Audit one module source and write its review, fix plan and JSON report.

    python -m audits.module 16                    summary on screen; reports/16_compression.{review.md,fixes.md,json}
    python -m audits.module modules/16_compression/compression.py   a file path works too
    python -m audits.module 16 --format markdown  print one format to stdout, write nothing
    python -m audits.module 16 --format json --output audit.json    write one format to a file
    python -m audits.module 16 --fix              apply the mechanical fixes in place, then audit again
    python -m audits.module 16 --root ../other-checkout

Exit status: 0 READY FOR EXPORT, 1 critical or high findings, 2 usage or input
error (one line on stderr). The module is parsed, never imported or executed.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
import datetime as _dt
import sys
from pathlib import Path
from typing import Callable

from audits.auditor import Audit, Auditor
from audits.cli import EXIT_BLOCKED, EXIT_READY, Parser, guarded_main
from audits.fix import FIXABLE, FixResult, fix_file
from audits.model import Finding, InputError, display_path
from audits.report import fixplan, json as json_report, markdown, text
from audits.rules import ALL_RULES

FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "fixplan": fixplan.render,
    "json": json_report.render,
}
# File written for each format into reports/ (the default run writes the last three).
SUFFIXES = {"text": ".txt", "markdown": ".review.md", "fixplan": ".fixes.md", "json": ".json"}
REPORTS_DIR = "reports"


def render(audit: Audit, fmt: str, date: _dt.date | str) -> str:
    return FORMATS[fmt](audit.info, audit.findings, ALL_RULES, date)


def write_reports(audit: Audit, root: Path, date: _dt.date | str) -> list[Path]:
    """The Markdown review, the fix plan and the JSON report under root/reports/."""
    folder = root / REPORTS_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {folder}: {error.strerror}") from None
    written = []
    for fmt in ("markdown", "fixplan", "json"):
        path = folder / f"{audit.stem}{SUFFIXES[fmt]}"
        write_output(path, render(audit, fmt, date))
        written.append(path)
    return written


def write_output(path: Path, content: str) -> None:
    try:
        Path(path).write_text(content, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def _unnumbered(message: str) -> str:
    return re.sub(r"\d+", "#", message)


def describe_fixes(result: FixResult, before: list[Finding], after: list[Finding]) -> list[str]:
    """What --fix did, and what is left for a person among the mechanical codes."""
    lines = []
    if result.fixed:
        lines.append(f"fixed {len(result.fixed)} finding(s):")
        lines += [f"  line {f.line} {f.code}: {how}" for f, how in result.fixed]
    else:
        lines.append("nothing to fix mechanically")
    fixed_keys = {(f.code, f.line) for f, _ in result.fixed}
    # Line numbers shift when guards are inserted (in lines and in messages), so compare
    # findings by code and message with every number blanked, counting repeats.
    still = Counter((f.code, _unnumbered(f.message)) for f in after)
    side = []
    for f in before:
        key = (f.code, _unnumbered(f.message))
        if (f.code, f.line) in fixed_keys:
            continue
        if still[key] > 0:
            still[key] -= 1
        else:
            side.append(f)
    if result.fixed and side:
        lines.append("also resolved by these edits: " + ", ".join(f"line {f.line} {f.code}" for f in side))
    remaining = [f for f in after if f.code in FIXABLE]
    reasons = {(f.code, f.message): why for f, why in result.needs_human}
    if remaining:
        lines.append(f"needs a human ({len(remaining)}):")
        for f in remaining:
            why = reasons.get((f.code, f.message), "still reported after fixing")
            lines.append(f"  {f.path}:{f.line} {f.code} {f.message} ({why})")
    others = [f for f in after if f.code not in FIXABLE and f.severity.blocks_export]
    if others:
        lines.append(f"{len(others)} other blocking finding(s) need a person: see the fix plan")
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m audits.module", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="module number (16) or path to a module source file")
    parser.add_argument("--root", default=".", help="checkout holding modules/ (default: .)")
    parser.add_argument("--format", choices=sorted(FORMATS), help="render only this format (stdout, or --output)")
    parser.add_argument("--output", metavar="PATH", help="write the --format rendering to PATH instead of reports/")
    parser.add_argument("--fix", action="store_true", help="apply mechanical fixes (guards, nbgrader metadata) in place first")
    parser.add_argument("--date", type=_iso_date, help="date printed in the reports, YYYY-MM-DD (default: today)")
    return parser


def _iso_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, use YYYY-MM-DD") from None


def _format_for_output(path: str) -> str:
    for fmt, suffix in (("fixplan", ".fixes.md"), ("markdown", ".md"), ("json", ".json"), ("text", ".txt")):
        if path.endswith(suffix):
            return fmt
    raise InputError(f"--output {path}: say which format with --format {'|'.join(sorted(FORMATS))}")


def run(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout  # looked up per call, so redirected stdout is honoured
    date = args.date or _dt.date.today()
    auditor = Auditor(args.root)
    audit = auditor.audit_target(args.target)
    if args.fix:
        before = audit.findings
        result = fix_file(audit.module, before)
        audit = auditor.audit_target(args.target)
        # When stdout carries a rendering, the fix log goes to stderr so the rendering stays clean.
        log = sys.stderr if args.format and not args.output else out
        for line in describe_fixes(result, before, audit.findings):
            print(line, file=log)
    if args.format and not args.output:
        out.write(render(audit, args.format, date))
        return EXIT_READY if audit.ready else EXIT_BLOCKED
    out.write(render(audit, "text", date))
    if args.output:
        fmt = args.format or _format_for_output(args.output)
        write_output(Path(args.output), render(audit, fmt, date))
        print(f"wrote {args.output}", file=out)
    else:
        written = write_reports(audit, auditor.root, date)
        print("reports: " + ", ".join(display_path(p, auditor.root) for p in written), file=out)
    return EXIT_READY if audit.ready else EXIT_BLOCKED


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded_main(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
