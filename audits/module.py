"""Audit module sources and write their review, fix plan and JSON report.

    python -m audits.module 16                    summary on screen; reports/16_compression.{review.md,fixes.md,json}
    python -m audits.module 15 16                 several modules in one call
    python -m audits.module modules/16_compression/compression.py   a file path works too
    python -m audits.module 16 --format markdown  print one format to stdout, write nothing
    python -m audits.module 16 --format json --output audit.json    write one format to a file
    python -m audits.module 16 --format sarif     SARIF 2.1.0 for code scanning (also: github annotations)
    python -m audits.module 16 --fix              apply the mechanical fixes in place, then audit again
    python -m audits.module 16 --fix --diff       show the fixes as a unified diff; change nothing
    python -m audits.module 16 --select TI,NB --ignore NB006 --exit-zero
    python -m audits.module 16 --root ../other-checkout
    python -m audits.module modules/                every module under a folder
    python -m audits.module 16 --quiet            only the `path:line:col: CODE message` lines
    python -m audits.module 16 --statistics       how many findings each rule has
    python -m audits.module 16 --output-file audit.sarif --no-cache

The installed command `tinyaudit` is `python -m audits`: without targets it
audits every module (one table), with targets it prints their findings (text) and
writes reports/ only with --reports; this command, the reviewer's, writes them.

Locations: text paths are relative to the current directory (absolute outside it);
SARIF and GitHub paths are relative to the repository root (the git work tree). A
notebook's finding points into the .ipynb file (the line of its cell's source) in
text, SARIF and GitHub output, and names the cell (index, id, line within) everywhere.

Formats: text (`path:line:col: CODE message`, every finding), markdown (the
review), fixplan, json (one module's document; with several targets or none, one
document for all of them), sarif, github (workflow annotations). Colour only on a
terminal without NO_COLOR.

Exit status: 0 READY FOR EXPORT (or --exit-zero; --diff: nothing to change),
1 critical or high findings (--diff: a fix would change a file), 2 usage or
input error (one line on stderr). The modules are parsed, never imported or executed.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import re
from collections import Counter
import datetime as _dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from audits.auditor import Audit, Auditor
from audits.discover import nothing_found
from audits.cli import (
    EXIT_BLOCKED,
    EXIT_READY,
    Parser,
    add_selection,
    add_version,
    exit_quickly,
    guarded_main,
    ignored_codes,
    use_color,
    warn,
)
from audits.discover import quoted, whole_number
from audits.files import write_atomically
from audits.model import Finding, InputError, display_path, unfold
from audits.parallel import audit_refs, jobs_wanted
from audits.parse import read_source
from audits import report

if TYPE_CHECKING:
    from audits.fix import FixResult

REPORTS_DIR = "reports"
WRITTEN = ("markdown", "fixplan", "json")  # the reports a reviewer's run writes into reports/


def render(audit: Audit, fmt: str, date: _dt.date | str, **options) -> str:
    """One module in one format of the registry (audits.report.FORMATS)."""
    return report.render(fmt, [audit], _rules(), report.Options(date, **options))


def render_all(audits: list[Audit], fmt: str, date: _dt.date | str, color: bool = False, skipped=None) -> str:
    """Every module of a run in one format of the registry: one document for JSON and SARIF, one block per module
    otherwise; `skipped` lists the course files a whole-checkout run did not audit (text and JSON show them).
    A whole-checkout run (skipped not None) is JSON's repository document even for a course of one module."""
    options = report.Options(date, color=color, skipped=None if skipped is None else tuple(skipped), repository=skipped is not None)
    return report.render(fmt, audits, _rules(), options)


def _rules():
    """The static rules (imported when a report needs them: a run whose findings all come from the cache never does)."""
    from audits.rules import ALL_RULES

    return ALL_RULES


def write_reports(audit: Audit, root: Path, date: _dt.date | str) -> list[Path]:
    """The Markdown review, the fix plan and the JSON report under root/reports/."""
    folder = root / REPORTS_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {folder}: {error.strerror}") from None
    written = []
    for fmt in WRITTEN:
        path = folder / f"{audit.stem}{report.FORMATS[fmt]}"
        write_output(path, render(audit, fmt, date))
        written.append(path)
    return written


def write_output(path: Path, content: str) -> None:
    """Write a report atomically: two audits at once, or a reader, never see half a report."""
    try:
        if not Path(path).parent.is_dir():  # an --output into a folder that does not exist is a mistake, not a request
            raise FileNotFoundError(2, "No such file or directory")
        # A lone surrogate (legal in JSON metadata, quoted by findings) has no UTF-8 form: written as its
        # escape `\ud800`, which in a JSON string is the same string and in Markdown is readable.
        write_atomically(path, content, errors="backslashreplace")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def shown_path(path: Path) -> str:
    """A written file as the user can open it from where they ran the command."""
    return display_path(path, Path.cwd())


def _unnumbered(message: str) -> str:
    return re.sub(r"\d+", "#", message)


def describe_fixes(result: FixResult, before: list[Finding], after: list[Finding]) -> list[str]:
    """What --fix did, and what is left for a person among the mechanical codes (place by place:
    folded findings are opened up, as the fixer does)."""
    before, after = unfold(before), unfold(after)
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
    remaining = [f for f in after if f.fix is not None]
    reasons = {(f.code, f.message): why for f, why in result.needs_human}
    if remaining:
        lines.append(f"needs a human ({len(remaining)}):")
        for f in remaining:
            why = reasons.get((f.code, f.message), "still reported after fixing")
            lines.append(f"  {f.path}:{f.line} {f.code} {f.message} ({why})")
    others = [f for f in after if f.fix is None and f.severity.blocks_export]
    if others:
        lines.append(f"{len(others)} other blocking finding(s) need a person: see the fix plan")
    return lines


def build_parser(prog: str = "python -m audits.module", targets_required: bool = True) -> argparse.ArgumentParser:
    parser = Parser(prog=prog, description=__doc__.split("\n\n")[0])
    if targets_required:
        parser.add_argument("targets", nargs="+", metavar="target", help="module number (16), path to a module source file, or a folder (every module under it)")
    else:
        parser.add_argument("targets", nargs="*", metavar="target", help="module numbers, source paths or folders (default: every module)")
        parser.add_argument(
            "--jobs", type=_positive, metavar="N", help="processes auditing every module at once (default: AUDITS_JOBS, else one per CPU; 1: serial)"
        )
    parser.add_argument("--root", help="the checkout (default: the one holding the source path given, else the current directory's, searched upward)")
    parser.add_argument(
        "--sources-only", action="store_true",
        help="audit only the given files that are module sources of their checkout, as discovery finds them (the pre-commit hook's mode)",
    )  # fmt: skip
    parser.add_argument("--format", choices=list(report.FORMATS), help="render only this format (stdout, or --output)")
    parser.add_argument("--output", "--output-file", dest="output", metavar="PATH", help="write the --format rendering to PATH (its suffix names the format when --format is not given)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the findings (`path:line:col: CODE message`), nothing else")
    parser.add_argument("--statistics", action="store_true", help="print how many findings each rule has, instead of the findings")
    parser.add_argument("--no-cache", action="store_true", help="audit every module afresh (no cached results read or written)")
    if not targets_required:
        parser.add_argument("--reports", action="store_true", help="also write each module's review, fix plan and JSON under reports/, as audits.module does")
    parser.add_argument("--fix", action="store_true", help="apply mechanical fixes (guards, nbgrader metadata) in place first")
    parser.add_argument("--diff", action="store_true", help="with --fix: print the fixes as a unified diff and change no file")
    parser.add_argument("--date", type=_iso_date, help="date printed in the reports, YYYY-MM-DD (default: today)")
    parser.add_argument("--explain", metavar="CODE", help="print one rule's documentation and exit")
    add_selection(parser)
    add_version(parser)
    return parser


def _positive(text: str) -> int:
    number = whole_number(text)
    if not number:
        raise argparse.ArgumentTypeError(f"invalid number {quoted(text)}, use a whole number 1 or more")
    return number


def _iso_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, use YYYY-MM-DD") from None


def _format_for_output(path: str) -> str:
    fmt = report.format_for_path(path)
    if fmt is None:
        raise InputError(f"--output {path}: say which format with --format {'|'.join(report.FORMATS)}")
    return fmt


def is_module_source(auditor: Auditor, target: str) -> bool:
    """Is the file `target` a module source that discovery finds in its checkout (or in the --root)?"""
    if not Path(target).is_file():
        return False
    try:
        return auditor.resolve(target)[0] is not None
    except InputError:
        return False


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a module number thousands of digits long is no file name
        return False


def expand_folders(auditor: Auditor, targets: list[str]) -> list[str]:
    """Targets with each folder replaced by the module sources discovered under it, in course order
    (`tinyaudit .`, `tinyaudit modules/`); a module folder's name stays a module target."""
    expanded = []
    for target in targets:
        folder = Path(target)
        if not _is_folder(folder) or any(target.rstrip("/") in (ref.key, ref.folder) for ref in auditor.refs):
            expanded.append(target)
            continue
        inside = folder.resolve()
        found = [str(ref.path) for ref in auditor.refs if ref.path.resolve().is_relative_to(inside)]
        if not found:
            raise InputError(f"{target}: no module sources under this folder (the checkout is {auditor.root.resolve()})")
        expanded += found
    return expanded


def audit_targets(auditor: Auditor, targets: list[str]) -> list[Audit]:
    """Each target once (a number and its path name the same module), in the order given; a folder is every module under it."""
    audits, seen = [], set()
    for target in expand_folders(auditor, targets):
        ref, path = auditor.resolve(target)
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            audits.append(auditor.audit_target(target))
    return audits


def statistics(audits: list[Audit]) -> str:
    """`  count  CODE     rule name` per rule that found something, most first (as ruff --statistics)."""
    from audits.rules import every_rule

    names = {rule.code: rule.name for rule in every_rule()}
    counts = Counter(f.code for audit in audits for f in audit.findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{n:>{width}}  {code:<7} {names.get(code, '')}\n" for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Unreadable:
    """A module that could not be audited, with the reason (the table shows it as a row)."""

    stem: str
    error: str


def audit_every_module(auditor: Auditor, jobs: int = 1) -> tuple[list[Audit], list[Unreadable]]:
    """Every module of the checkout (in `jobs` processes: audits.parallel); one that cannot be read
    is set aside with its error and the others go on. InputError only when there is nothing to audit at all."""
    if not auditor.refs:
        raise nothing_found(auditor.root)
    audits, unreadable = [], []
    for ref, result in zip(auditor.refs, audit_refs(auditor, auditor.refs, jobs)):
        if isinstance(result, InputError):
            unreadable.append(Unreadable(ref.key.replace("/", "-"), str(result)))
        else:
            audits.append(result)
    if not audits:
        raise InputError(f"no module could be audited: {unreadable[0].stem}: {unreadable[0].error}")
    return audits, unreadable


def unified_diff(audit: Audit, result: FixResult, raw: str) -> str:
    import difflib  # only --fix --diff needs it

    name = audit.info.path
    return "".join(difflib.unified_diff(raw.splitlines(True), result.text.splitlines(True), f"a/{name}", f"b/{name}"))


def run(args: argparse.Namespace, out=None, table: Optional[Callable[[list[Audit]], str]] = None) -> int:
    out = out or sys.stdout  # looked up per call, so redirected stdout is honoured
    if args.explain:
        from audits.rules.__main__ import run as explain

        return explain(args.explain)
    if args.diff and not args.fix:
        raise InputError("--diff shows what --fix would change: use --fix --diff")
    date = args.date or _dt.date.today()
    color = use_color(out)
    auditor = Auditor(args.root, cache=not args.no_cache)
    auditor.leave_out(ignored_codes(args, ()))
    warn(auditor.conventions)  # what nbgrader_config.py sets without a literal: one line each, the defaults apply
    if args.sources_only:  # a commit's changed files: helpers, conftest.py and other files are not module sources
        args.targets = [target for target in args.targets if is_module_source(auditor, target)]
        if not args.targets:
            return EXIT_READY
    everything = not args.targets
    skipped = auditor.index.discovery.skipped if everything else None  # what a whole-checkout run leaves out, and why
    unreadable: list[Unreadable] = []
    if everything:
        audits, unreadable = audit_every_module(auditor, args.jobs or jobs_wanted())
        for row in unreadable if (args.format or args.output or table is None) else ():
            print(f"error: {row.stem}: {row.error}", file=sys.stderr)  # the table shows them as rows instead
    else:
        audits = audit_targets(auditor, args.targets)

    def verdict(audits: list[Audit]) -> int:
        return EXIT_READY if args.exit_zero or (all(a.ready for a in audits) and not unreadable) else EXIT_BLOCKED

    if args.fix:
        from audits.fix import fix_file, fix_source  # the fixer is loaded only when asked for
    if args.fix and args.diff:
        changed = False
        for audit in audits:
            raw = read_source(audit.module.path) if audit.module.notebook is None else audit.module.text  # a notebook: diff its rendering
            result = fix_source(audit.module, audit.findings, raw, audit=lambda module: auditor.audit_source(module).findings)
            out.write(unified_diff(audit, result, raw))
            changed = changed or result.text != raw
        return EXIT_BLOCKED if changed and not args.exit_zero else EXIT_READY
    if args.fix:
        # When stdout carries a rendering, the fix log goes to stderr so the rendering stays clean.
        log = sys.stderr if args.format and not args.output else out
        fixed = []
        for audit in audits:
            result = fix_file(audit.module, audit.findings, audit=lambda module: auditor.audit_source(module).findings)
            again = auditor.audit_target(str(audit.module.path))  # audited again from disk
            if len(audits) > 1:
                print(f"{audit.info.path}:", file=log)
            for line in describe_fixes(result, audit.findings, again.findings):
                print(line, file=log)
            fixed.append(again)
        audits = fixed

    if args.output:
        fmt = args.format or _format_for_output(args.output)
        write_output(Path(args.output), render_all(audits, fmt, date, skipped=skipped))
    if args.statistics:
        out.write(statistics(audits))
        return verdict(audits)
    if args.quiet:
        from audits.report import text as text_report  # the renderers are loaded when a run renders (a table needs none)

        out.write("".join(text_report.finding_line(f, color, a.info) + "\n" for a in audits for f in a.findings))
        return verdict(audits)
    if args.format and not args.output:
        out.write(report.for_stream(args.format, render_all(audits, args.format, date, color, skipped), out))
        return verdict(audits)
    if everything and table is not None and not args.output:
        printed = table(audits, unreadable, skipped or ())
        out.write(printed)
        if not auditor.conventions.warnings:  # a run that printed only the table: the next one may replay it
            auditor.record_table(vars(args), printed, verdict(audits))
        return verdict(audits)
    if args.output or (table is not None and not getattr(args, "reports", False)):
        # tinyaudit with targets, or a rendering sent to a file: the findings on screen, no reports/ written
        out.write(render_all(audits, "text", date, color))
        if args.output:
            print(f"wrote {args.output}", file=out)
        return verdict(audits)
    from audits.report import text as text_report

    for audit in audits:  # the reviewer's command (audits.module), or tinyaudit --reports
        written = write_reports(audit, auditor.root, date)
        out.write(text_report.render(audit.info, audit.findings, _rules(), top=text_report.TOP, see=shown_path(written[0]), color=color, suppressed=audit.suppressed))
        print("reports: " + ", ".join(shown_path(p) for p in written), file=out)
    return verdict(audits)


def main(argv: list[str] | None = None, prog: str = "python -m audits.module", table=None) -> int:
    args = build_parser(prog, targets_required=table is None).parse_args(argv)
    return guarded_main(lambda: run(args, table=table))


if __name__ == "__main__":
    exit_quickly(main())
