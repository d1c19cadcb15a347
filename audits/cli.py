"""What every command of the harness shares: exit codes, one-line usage errors, no tracebacks,
output any terminal can print, colour only on a terminal, and rule selection.

    tinyaudit (= python -m audits)   python -m audits.module NN
    python -m audits.export          python -m audits.rules

Exit status everywhere: 0 clean / ready, 1 findings that block (or a package that
differs from its sources), 2 usage or input error, reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Callable, Iterable, NoReturn

from audits import version
from audits.files import missing_dependency
from audits.model import InputError

EXIT_READY, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (exit 2), like every other input error."""

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(EXIT_ERROR, f"error: {message} (see {self.prog} --help)\n")


def guarded_main(body: Callable[[], int]) -> int:
    """Run a command: input errors become one line on stderr and exit 2, never a traceback."""
    # A command is a short batch run that builds a few hundred thousand AST nodes and
    # frees nothing cyclic: the cyclic collector would rescan them again and again
    # (half the audit's time), so it is off while the command runs.
    collecting = gc.isenabled()
    gc.disable()
    printable_streams()
    try:
        return body()
    except InputError as error:
        message = str(error)
    except KeyboardInterrupt:
        message = "interrupted"
    except BrokenPipeError:  # stdout closed early (e.g. piped into `head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as error:  # a dependency not installed, or a bug in the auditor: one line, with a way to see more
        if os.environ.get("AUDITS_DEBUG"):
            raise
        message = missing_dependency(error) or f"internal error ({type(error).__name__}: {error}); rerun with AUDITS_DEBUG=1 for the traceback"
    finally:
        if collecting:
            gc.enable()
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_ERROR


def warn(conventions) -> None:
    """Print, once per command, what the course's conventions could not read (one line each on stderr):
    a value in nbgrader_config.py that is not a literal (audits.config reads that file, never runs it)."""
    for line in conventions.warnings:
        print(f"warning: {line}", file=sys.stderr)


def exit_quickly(code: int) -> NoReturn:
    """End a `python -m` run without the interpreter's last garbage collection.

    An audit leaves a few hundred thousand AST nodes in reference cycles (each
    tree keeps its node index, audits.astutil). The collection Python runs at exit
    would free them one by one (about 0.1 s) for memory the system takes back
    anyway; frozen, they are left alone. Output is flushed and atexit handlers
    run as usual.
    """
    gc.freeze()
    sys.exit(code)


def printable_streams() -> None:
    """Print `?` for what the stream's encoding cannot show (an ASCII terminal, a cp1252 pipe) instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to print to anyway
                pass


def use_color(stream) -> bool:
    """Colour on a terminal only, and never when NO_COLOR is set to anything (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Version(argparse.Action):
    """`--version`: prints "prog version" and exits 0, looking the version up only then."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog} {version()}")  # on stdout, as argparse's own version action prints
        parser.exit(EXIT_READY)


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=_Version)


def rule_codes(text: str, option: str) -> frozenset[str]:
    """`--select TI001,NB` -> the rule codes it names: whole codes or prefixes ("NB" is every NB rule)."""
    from audits.rules import every_rule  # late import: keep `--help` and `--version` cheap

    codes: set[str] = set()
    for word in (part.strip().upper() for part in text.split(",")):
        if not word:
            continue
        matched = {rule.code for rule in every_rule() if rule.code == word or (word.isalpha() and rule.code.startswith(word))}
        if not matched:
            known = ", ".join(rule.code for rule in every_rule())
            raise InputError(f"{option}: unknown rule code {word!r} (known: {known}; a prefix such as NB selects a family)")
        codes |= matched
    return frozenset(codes)


def add_selection(parser: argparse.ArgumentParser) -> None:
    """--select, --ignore and --exit-zero, as ruff and flake8 spell them."""
    parser.add_argument("--select", metavar="CODES", help="report only these rules (comma-separated codes or prefixes: TI001,NB)")
    parser.add_argument("--ignore", metavar="CODES", help="never report these rules (comma-separated codes or prefixes)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings block (errors still exit 2)")


def ignored_codes(args: argparse.Namespace, configured: Iterable[str]) -> frozenset[str]:
    """The codes a run skips: the checkout's `[tool.audits] ignore`, --ignore, and every code --select leaves out.
    The rules are imported only when a selection names codes: a plain run whose findings all come
    from the cache never loads them."""
    ignored = set(configured)
    if args.ignore:
        ignored |= rule_codes(args.ignore, "--ignore")
    if args.select:
        from audits.rules import every_rule

        ignored |= {rule.code for rule in every_rule()} - rule_codes(args.select, "--select")
    return frozenset(ignored)
