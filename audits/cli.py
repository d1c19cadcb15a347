"""What every command of the harness shares: exit codes, one-line usage errors, no tracebacks.

    python -m audits          python -m audits.module NN
    python -m audits.export   python -m audits.rules

Exit status everywhere: 0 clean / ready, 1 findings that block (or a package that
differs from its sources), 2 usage or input error, reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Callable

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
    try:
        return body()
    except InputError as error:
        message = str(error)
    except KeyboardInterrupt:
        message = "interrupted"
    except BrokenPipeError:  # stdout closed early (e.g. piped into `head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as error:  # a bug in the auditor: still one line, with a way to see more
        if os.environ.get("AUDITS_DEBUG"):
            raise
        message = f"internal error ({type(error).__name__}: {error}); rerun with AUDITS_DEBUG=1 for the traceback"
    finally:
        if collecting:
            gc.enable()
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_ERROR
