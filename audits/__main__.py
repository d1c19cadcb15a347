"""Audit every module of a checkout and print one table (installed as the command `tinyaudit`).

    python -m audits                 every module of the checkout holding the current directory
    python -m audits --root DIR      another checkout (any layout audits.discover knows, notebooks included)
    python -m audits --format json   one JSON document for the whole repository (also sarif, github, text)
    python -m audits 15 16           only these modules: their findings as text (--reports: also reports/)
    python -m audits modules/        every module under a folder (`tinyaudit .` is every module)

    module             lines  crit  high  med  low  score  status
    01_tensor            612     0     0    0    0   10.0  READY FOR EXPORT
    16_compression       840     1     3    0    0    6.0  NOT READY FOR EXPORT
    total (2 modules)   1452     1     3    0    0         1 of 2 NOT READY

A module that cannot be read gets a row with its error, and the others are still
audited. Exit status: 0 every module READY FOR EXPORT (or --exit-zero), 1 any module
NOT READY or unreadable, 2 usage or input error, or no module could be audited (one
line on stderr). `python -m audits.module NN`
gives one module's full review and fix plan; every option of it works here too
(--select, --ignore, --exit-zero, --fix, --fix --diff, --version). The modules are
audited in one process per CPU (--jobs N or AUDITS_JOBS=N, 1 = serial; audits.parallel).
"""

from __future__ import annotations

import sys

# Nothing else is imported before the command knows it has work to do: a run that replays its
# table (audits.cache.recorded_table) never loads the auditor.
TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from pathlib import Path
    from typing import NoReturn, Sequence

    from audits import module
    from audits.auditor import Audit

COLUMNS = ("critical", "high", "medium", "low")
HEADERS = ("crit", "high", "med", "low")


def audit_all(root: Path | str | None = None, jobs: int = 1) -> list[Audit]:
    """Every readable module of the checkout, audited in `jobs` processes (InputError when none is readable)."""
    from audits import module
    from audits.auditor import Auditor

    return module.audit_every_module(Auditor(root, cache=True), jobs)[0]


def table(audits: list[Audit], unreadable: Sequence[module.Unreadable] = (), skipped: Sequence[tuple[str, str]] = ()) -> str:
    """One row per module (an unreadable one shows its error), the totals, then the course files not audited and why."""
    from audits import score as scoring

    names = [a.stem for a in audits] + [row.stem for row in unreadable]
    count = len(audits) + len(unreadable)
    total_label = f"total ({count} module{'s' if count != 1 else ''})"
    width = max([len("module"), len(total_label)] + [len(n) for n in names])
    rows = [f"{'module':<{width}}  {'lines':>6}  " + "  ".join(f"{h:>4}" for h in HEADERS) + f"  {'score':>5}  status"]
    totals = dict.fromkeys(COLUMNS, 0)
    lines_total = 0
    for name, audit in zip(names, audits):
        counts = scoring.counts(audit.findings)
        for key in COLUMNS:
            totals[key] += counts[key]
        lines_total += audit.line_count
        rows.append(
            f"{name:<{width}}  {audit.line_count:>6}  "
            + "  ".join(f"{counts[key]:>4}" for key in COLUMNS)
            + f"  {scoring.score(audit.findings):>5.1f}  {scoring.status(audit.findings)}"
        )
    for row in unreadable:
        rows.append(f"{row.stem:<{width}}  {'-':>6}  " + "  ".join(f"{'-':>4}" for _ in COLUMNS) + f"  {'-':>5}  ERROR: {row.error}")
    not_ready = sum(1 for a in audits if not a.ready) + len(unreadable)
    verdict = "all READY FOR EXPORT" if not not_ready else f"{not_ready} of {count} NOT READY FOR EXPORT"
    rows.append(
        f"{total_label:<{width}}  {lines_total:>6}  " + "  ".join(f"{totals[key]:>4}" for key in COLUMNS) + f"  {'':>5}  {verdict}"
    )
    if skipped:
        rows.append(f"skipped ({len(skipped)} file{'s' if len(skipped) != 1 else ''} not audited):")
        rows += skipped_lines(skipped)
    return "\n".join(rows) + "\n"


GROUPED = 5  # this many files or more of one top folder skipped for one reason are one line (a grader's submitted/ holds thousands)


def skipped_lines(skipped: Sequence[tuple[str, str]]) -> list[str]:
    """The skipped files, one line each, except that the files of one top folder skipped for one reason
    (students' submissions) are one line when there are GROUPED or more. JSON lists every file."""
    groups: dict[tuple[str, str], list[str]] = {}
    for path, reason in skipped:
        groups.setdefault((path.split("/", 1)[0] if "/" in path else path, reason), []).append(path)
    lines = []
    for (top, reason), paths in groups.items():
        if len(paths) >= GROUPED:
            lines.append(f"  {top}/ ({len(paths)} files): {reason}")
        else:
            lines += [f"  {path}: {reason}" for path in paths]
    return lines


def main(argv: list[str] | None = None, prog: str = "python -m audits") -> int:
    from audits import module

    return module.main(argv, prog=prog, table=table)


def command(prog: str = "tinyaudit") -> NoReturn:
    """The installed `tinyaudit` command (and `python -m audits`): the table a run with the same arguments
    printed for this same checkout and auditor, replayed when there is one, else `main` under the name the
    user typed. The cyclic garbage collector is off from the start, imports included (as
    audits.cli.guarded_main runs a command: the imports build the rules and dataclasses, and
    free nothing cyclic the collector would find)."""
    import gc

    gc.disable()
    code = replay(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from audits.cli import exit_quickly

    exit_quickly(main(prog=prog))


def replay(argv: list[str]) -> int | None:
    """Print the table recorded for this command on this checkout and return its exit status
    (None when there is none: the command runs). Ends as audits.cli.guarded_main ends a run
    (not imported here): a closed output or an interrupt is one line and exit 2, never a traceback."""
    import os

    try:
        from audits.files import cache_enabled

        if not cache_enabled():
            return None  # the cache is off: not even loaded
        from audits.cache import recorded_table

        replayed = recorded_table(argv)
        if replayed is None:
            return None
        try:  # as audits.cli.printable_streams: `?` for what the stream cannot show
            sys.stdout.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):
            pass
        sys.stdout.write(replayed[0])
        sys.stdout.flush()
        return replayed[1]
    except BrokenPipeError:  # stdout closed early (piped into `head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:  # run by a Python the harness was not installed for
        from audits.files import missing_dependency

        if missing_dependency(error) is None:
            raise
        print(f"error: {missing_dependency(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    command("python -m audits")
