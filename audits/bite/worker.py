"""The child process of `python -m audits.bite`: runs one module's cells, forking per variant.

Started by `audits.bite.runner` as `python -I worker.py` in a scratch copy of the
notebook's own folder with a stripped environment. It reads its job (JSON) on stdin and
writes one JSON event per line to the stdout it started with; the course code's own
output goes to /dev/null. Standard library and IPython only, nothing from the harness:
course code runs in this process.

It walks the solution version cell by cell through an IPython `InteractiveShell`, as a
Jupyter kernel runs them: magics, `!cmd`, `obj?`, automagic, `In`/`Out`, display hooks,
`%matplotlib inline`, `%store`, a kernel's sys.argv, from inside a running asyncio event loop,
one `__main__` namespace, __future__ imports kept from cell to cell; the folder copy is
the working directory and first on sys.path (then the course root). Cells are compiled
under the source's path with their lines in the file, so every line reported (and
`inspect.getsource` in the course code) is the source's. Before a cell
where a variant first differs from the solution (the student version, or one region
knocked out), it forks: the child runs the variant's cells from there on and reports,
the parent waits for it, then runs the solution cell and goes on. The prefix before
that cell ran once, for every variant.

Limits (`resource`, set here, inherited by every fork): address space (memory), file
size, no core files; per cell a wall-clock alarm and a CPU-time soft limit, both raising
CellTimeout in the cell. A child that still runs `grace` seconds past its cell's limit
(it swallowed the exception, or is stuck in C code) is killed, and the cell is reported.

nbgrader's `### AUTOTEST` lines (job["autotest"], rendered by audits/bite/autotest.py): before
the walk, a fork runs the solution as nbgrader's release does and writes their tests, with the
values the solution printed (Worker.generate); every version then runs those tests.

Mutants (a region's code with one student mistake, audits/bite/mutants.py) fork like knockouts,
after them, and stop at their first failing graded cell too; each cell of a mutant has its own
time limit (`mutant_timeout`: a mistake may loop forever). A mutant whose region's knockout no
graded cell caught is not run ("skipped"): no graded cell reaches that code. A mutant runs untraced, its events held
back until it ends: caught, they go out as they were; survived, it runs again with a trace
function watching the mutated lines, and each graded cell's result says whether the cell ran
them ("ran"), for the report on the survivor.

Events (every one has "variant": "solution" | "student" | "knockout:<cell>:<region>" | "mutant:<cell>:<n>"):
    {"event": "start", "cell": i}                       a cell begins (progress, for watchdogs)
    {"event": "result", "cell": i, "status": s, ...}    s: pass | fail | timeout | memory | killed
    {"event": "done"}                                   the variant finished (or stopped early)
    {"event": "skipped"}                                a mutant not run (its region's knockout was not caught)
    {"event": "refused", "cell": i, "message": "..."}    a cell failed while the AUTOTEST tests were written (first and last)
    {"event": "error", "message": "..."}                the worker itself failed
"""

import __future__
import ast
import copy
import functools
import gc
import json
import linecache
import math
import os
import resource
import select
import signal
import sys
import tempfile
import time
import traceback

if __name__ == "__main__":
    # No garbage collection while IPython loads and the shell is built (no course object exists yet:
    # nothing of theirs to collect); Worker.run freezes what they made and turns it on before the first cell.
    gc.disable()

from IPython.core.compilerop import CachingCompiler  # noqa: E402 - after gc.disable, on purpose
from IPython.core.error import UsageError  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from traitlets.config import Config  # noqa: E402

LIMIT_STATUSES = ("timeout", "memory", "killed")
# What a kernel's `%gui` and `%matplotlib` accept (ipykernel.eventloops.loop_map): no event loop (inline
# figures and the web backends), or a GUI toolkit's, which the kernel runs between cells.
KERNEL_GUIS = (None, "inline", "nbagg", "webagg", "notebook", "ipympl", "widget",
               "qt", "qt5", "qt6", "wx", "tk", "gtk", "gtk3", "osx", "macosx", "asyncio")  # fmt: skip
FUTURES = [getattr(__future__, name) for name in __future__.all_feature_names]


class CellTimeout(BaseException):
    """Raised in a cell that ran past its time limit (a BaseException, so `except Exception` in
    course code does not swallow it)."""


def _past_limit(timeout_error, seconds):
    """What a cell that raised CellTimeout did: ran past which of its limits."""
    return f"ran past the {'CPU-time' if str(timeout_error) == 'cpu' else 'wall-clock'} limit of {seconds:g} s"


def _raise_timeout(kind):
    def handler(signum, frame):
        raise CellTimeout(kind)

    return handler


class CellCompiler(CachingCompiler):
    """IPython's cell compiler, naming every cell after the module source and placing it at its
    lines in the file (`offset`: the file line before the cell's first line, set per cell)."""

    def __init__(self):
        super().__init__()
        self.path = "<cell>"
        self.offset = 0
        self.file_lines = []  # the file's lines as run so far, for linecache (tracebacks, inspect)
        self.trees = {}  # (text, offset, flags, mode) -> parsed tree: each cell text is parsed once, forks included
        self.codes = {}  # (id(statement), mode, flags, filename) -> (statement, code): each statement compiled once, forks included
        self.shell = None

    def get_code_name(self, raw_code, transformed_code, number):
        return self.path

    def cache(self, transformed_code, number=0, raw_code=None):
        lines = [line + "\n" for line in transformed_code.splitlines()]
        end = self.offset + len(lines)
        if len(self.file_lines) < end:
            self.file_lines += ["\n"] * (end - len(self.file_lines))
        self.file_lines[self.offset:end] = lines
        linecache.cache[self.path] = (sum(map(len, self.file_lines)), None, self.file_lines, self.path)
        return self.path

    def __call__(self, source, filename, symbol, **kwargs):
        """Compile one statement of a cell (IPython compiles a cell statement by statement), once per
        statement, mode and flags: the parsed statements are shared (`trees`), and so are their code
        objects, in this process and in every fork made after (Worker.warm compiles the solution's)."""
        if kwargs or not isinstance(source, (ast.Module, ast.Interactive)) or len(source.body) != 1:
            return super().__call__(source, filename, symbol, **kwargs)
        statement = source.body[0]
        key = (id(statement), symbol, self.flags, filename)
        entry = self.codes.get(key)
        if entry is None or entry[0] is not statement:  # the entry keeps its statement alive: an id is never reused under it
            entry = self.codes[key] = (statement, super().__call__(source, filename, symbol))
        else:  # what compiling does besides: a __future__ import holds for the cells after it
            for feature in FUTURES:
                if entry[1].co_flags & feature.compiler_flag:
                    self.flags |= feature.compiler_flag
        return entry[1]

    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        offset, self.offset = self.offset, 0  # the cell's own parse; a magic parsing more code later gets 0
        key = (source, offset, self.flags, symbol)
        tree = self.trees.get(key)
        if tree is None:
            try:
                tree = super().ast_parse("\n" * offset + source, filename, symbol)  # blank lines: cheaper than ast.increment_lineno
            except SyntaxError as error:
                error.filename = self.path
                raise
            if self.shell is not None and self.shell.ast_transformers:
                return tree  # transformers may change the nodes in place: no sharing
            self.trees[key] = tree
        # IPython only reads the nodes; a new body list keeps the cached one intact when it appends to it.
        return ast.Module(body=list(tree.body), type_ignores=list(tree.type_ignores)) if isinstance(tree, ast.Module) else tree

    def derive(self, source, solution, first):
        """Prepare the tree of `source`, a version of the cell `solution` with the same lines, from the
        solution's own tree (parsed already, its first line after file line `first`): the solution's
        statements whose lines the version leaves as they are are reused as they are (their code
        objects too, CellCompiler.__call__), and only the statements holding a changed line are parsed
        again, the innermost class or function body that holds them (a knockout or a mutant changes one
        region, inside one method: parsing the whole cell again for each was most of the work of preparing
        a module's versions).

        Text after a statement boundary that the solution has at an unchanged line parses the same
        there whatever came before, so the tree made is the one a full parse gives
        (tests/audits/test_bite_speed_derive.py checks them equal on every version of our modules).
        Nothing is prepared (the full parse happens as before) when the line counts differ, a changed
        line between statements is not blank or a comment alone in both (a comment may become code), a
        changed statement does not parse alone, or the cell names __future__ (a feature may change parsing)."""
        lines, old = source.split("\n"), solution.split("\n")
        if len(lines) != len(old) or "__future__" in source or "__future__" in solution:
            return
        blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        base = next((i for i, line in enumerate(old) if line.strip()), len(old))
        text, base_text = ("\n".join(part) for part in (lines[blank:], old[base:]))
        text, base_text = (t if t.endswith("\n") else t + "\n" for t in (text, base_text))
        tree = self.trees.get((base_text, first + base, self.flags, "exec"))
        key = (text, first + blank, self.flags, "exec")
        changed = [i for i, (line, was) in enumerate(zip(lines, old)) if line != was]
        if tree is None or key in self.trees or not changed:
            return
        body = self._splice(tree.body, lines, old, changed, first, nested=False)
        if body is not None:
            self.trees[key] = ast.Module(body=body, type_ignores=[])

    def _splice(self, statements, lines, old, changed, first, nested):
        """`statements` (the solution's, one body) as the version `lines` has them, or None (see derive).
        Line indexes count from the cell's first line, after file line `first`."""
        blocks = []  # [first index, last index, statements]: statements sharing a line are one block
        for statement in statements:
            start = _start(statement) - first - 1
            end = statement.end_lineno - first - 1
            if blocks and start <= blocks[-1][1]:
                blocks[-1][1] = max(blocks[-1][1], end)
                blocks[-1][2].append(statement)
            else:
                blocks.append([start, end, [statement]])
        if not all(any(a <= i <= b for a, b, _ in blocks) or _inert(lines[i]) and _inert(old[i]) for i in changed):
            return None  # a changed line between statements may only be blank or a comment, before and after
        body = []
        for a, b, group in blocks:
            inside = [i for i in changed if a <= i <= b]
            if not inside:
                body += group
                continue
            node = group[0]
            if len(group) == 1 and isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                head = _start(node.body[0]) - first - 1  # the body's first line: it must hold nothing of the header
                line = old[head]
                if all(i >= head for i in inside) and len(line) - len(line.lstrip()) == _column(node.body[0]):
                    inner = self._splice(node.body, lines, old, inside, first, nested=True)
                    if inner:
                        node = copy.copy(node)
                        node.body = inner
                        node.end_lineno, node.end_col_offset = inner[-1].end_lineno, inner[-1].end_col_offset
                        body.append(node)
                        continue
            # A nested body is parsed under a header of its own on the line before (the body keeps its lines and columns).
            head = "\n" * (first + a - 1) + "if 1:\n" if nested else "\n" * (first + a)
            try:
                parsed = super().ast_parse(head + "\n".join(lines[a:b + 1]) + "\n", self.path, "exec").body
            except (SyntaxError, ValueError):
                return None
            if nested:
                if len(parsed) != 1 or not isinstance(parsed[0], ast.If):
                    return None
                parsed = parsed[0].body
            body += parsed
        return body

    def parses(self, source):
        """Whether `source` is Python as it stands (at the current offset and flags). The tree is kept for
        ast_parse, which IPython calls next on the same text: a cell that needs no transform is parsed once."""
        key = (source, self.offset, self.flags, "exec")
        if key in self.trees:
            return True
        try:
            tree = super().ast_parse("\n" * self.offset + source, self.path, "exec")
        except (SyntaxError, ValueError):
            return False
        if self.shell is None or not self.shell.ast_transformers:
            self.trees[key] = tree
        return True


def _share_async_check():
    """IPython compiles every cell a second time to see whether it awaits at top level; the answer depends
    on the text only, so it is cached (and warmed before forking, like the transforms)."""
    import IPython.core.interactiveshell as interactiveshell

    check = getattr(interactiveshell, "_should_be_async", None)
    if check is None or hasattr(check, "cache_info"):
        return

    @functools.lru_cache(maxsize=None)
    def should_be_async(cell):
        # Only `await`, `async for` and `async with` make top-level code a coroutine: without those
        # words the answer is no, and the compile is saved.
        return ("await" in cell or "async" in cell) and check(cell)

    interactiveshell._should_be_async = should_be_async


def _holds_exception_group(error):
    """Whether an exception group is the error or in its context chain (IPython prints those with the traceback module)."""
    while error is not None:
        if isinstance(error, BaseExceptionGroup):
            return True
        error = error.__context__
    return False


class CellShell(InteractiveShell):
    """IPython's shell as ipykernel runs it, for a batch run: no tab completion (IPCompleter and its import:
    a batch run completes nothing); `%matplotlib inline` and `%gui` as a kernel takes them; cells run in
    the kernel's event loop; errors noted as the error outputs a kernel would send, never rendered."""

    def init_completer(self):
        self.Completer = None

    kernel_loop = None  # the kernel's asyncio event loop, made when a cell first needs it
    errors_shown = None  # while a cell runs (run_cell_as_kernel): the errors a kernel would send as error outputs

    def run_cell_as_kernel(self, code):
        """(IPython's result, the first error output a kernel would send for the cell, or None).

        A kernel sends an error output whenever IPython shows a traceback: for the cell's own exception
        (not a UsageError, a mistyped magic: that is printed as text), and for one a nested run shows
        while the cell goes on (a failing body under `%%capture`, a script under `%run`, a handler's
        `showtraceback()`). nbgrader's autograde fails a cell on an error output or on the reply's error
        status (`result`'s error, a UsageError included); its AUTOTEST run stops on error outputs only."""
        self.errors_shown = []
        try:
            result = self.run_cell_in_kernel_loop(code)
        finally:
            shown, self.errors_shown = self.errors_shown, None
        return result, (shown[0] if shown else None)

    def showtraceback(self, exc_tuple=None, filename=None, tb_offset=None, exception_only=False, running_compiled_code=False):
        """Note the error that IPython's showtraceback would send as an error output, without rendering it
        (the output goes nowhere, and rendering costs more than most cells). Its choices: a SyntaxError goes
        to showsyntaxerror; a UsageError, and an exception group in full, are printed as text."""
        try:
            kind, error, _ = self._get_exc_info(exc_tuple)
        except ValueError:  # nothing to show: IPython prints a line saying so
            return
        if issubclass(kind, SyntaxError):
            self.showsyntaxerror(filename, running_compiled_code)
        elif kind is not UsageError and (exception_only or not _holds_exception_group(error)):
            self._note_error(error)

    def showsyntaxerror(self, filename=None, running_compiled_code=False):
        """Note the syntax error IPython would send as an error output (see showtraceback)."""
        try:
            _, error, _ = self._get_exc_info()
        except ValueError:
            return
        self._note_error(error)

    def _note_error(self, error):
        if self.errors_shown is not None:
            self.errors_shown.append(error)

    def run_cell_in_kernel_loop(self, code):
        """Run a cell as ipykernel does: from inside the kernel's asyncio event loop, running, so that
        `asyncio.get_event_loop()` is that loop and `asyncio.run()` fails as it does in Jupyter; a cell
        with top-level `await` is awaited in that loop, any other runs synchronously (ipykernel's
        `do_execute`). The loop runs only while a cell does: forks happen between cells.

        Until a cell names async, await or asyncio, or asyncio is imported, a cell runs without the loop:
        nothing in it could tell (importing asyncio costs a module 30 ms, more than IPython's shell). The
        one case told apart: a library that imports asyncio and calls `asyncio.run()` in the very cell
        that first imports it."""
        if self.kernel_loop is None:
            if "async" not in code and "await" not in code and "asyncio" not in sys.modules:
                return self.run_cell(code, store_history=True)
            import asyncio

            self.kernel_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.kernel_loop)
        try:
            transformed, failed = self.transform_cell(code), None
        except Exception:  # noqa: BLE001 - as ipykernel: the cell's own run reports it
            transformed, failed = code, sys.exc_info()

        async def execute():
            if self.should_run_async(code, transformed_cell=transformed, preprocessing_exc_tuple=failed):
                return await self.run_cell_async(code, store_history=True, transformed_cell=transformed, preprocessing_exc_tuple=failed)
            return self.run_cell(code, store_history=True)

        return self.kernel_loop.run_until_complete(execute())

    def enable_gui(self, gui=None):
        """What ipykernel does for `%gui` and last in `%matplotlib`: it keeps the toolkit's event loop, to run
        between cells (a batch run has no "between": none runs); a name it does not know is a UsageError.
        (IPython's own shell raises NotImplementedError here, which made `%matplotlib inline` fail.)"""
        if gui not in KERNEL_GUIS:
            raise UsageError(f"Invalid GUI request {gui!r}, valid ones are: {', '.join(map(str, KERNEL_GUIS))}")


def make_shell(path):
    """An IPython shell as a kernel has it, minus what costs time and shows nothing here: no history
    database (In/Out still kept), no traceback rendering and no display formatting (the output goes
    to /dev/null: a value's text, HTML or PNG forms are never made; `_`, `Out` and a trailing `;` as
    in Jupyter), no tab completion. Like a kernel (IPKernelApp) it loads IPython's default extension,
    storemagic (`%store`), and it is the process's one shell: `IPython.get_ipython()` and
    `IPython.display.display` (which print instead without one) find it, as libraries do in Jupyter."""
    _share_async_check()
    config = Config()
    config.HistoryManager.enabled = False
    config.DisplayFormatter.active_types = []  # every mime-type formatter off
    CellShell.clear_instance()
    shell = CellShell.instance(config=config, compiler_class=CellCompiler)
    shell.extension_manager.load_extension("storemagic")
    shell.compile.path = path
    shell.compile.shell = shell
    shell.input_transformer_manager.transform_cell = _cached_transform(shell.input_transformer_manager.transform_cell, shell.compile)
    # The displayhook tokenizes the cell's text at every value it shows, for a trailing `;`: once per text,
    # and never for a text without a `;` (its last token cannot be one).
    semicolon = functools.lru_cache(maxsize=None)(shell.displayhook.semicolon_at_end_of_expression)
    shell.displayhook.semicolon_at_end_of_expression = lambda text: ";" in text and semicolon(text)
    # IPython 9 also renders each error's traceback (pygments, ~0.5 s) to keep it in the history; a name only here.
    shell._format_exception_for_storage = lambda error, *args, **kwargs: {"ename": type(error).__name__, "evalue": str(error), "traceback": []}
    return shell


def _cached_transform(transform, compiler):
    """IPython's input transformers (magics, `!`, `?`, prompts), cached by text.

    They tokenize every cell in pure Python, the costliest step of running a cell, and they
    read nothing but the text: one cache serves every fork (Worker.warm fills it before
    forking). Text that already parses as Python and does not start indented is left as
    it is by every one of them (each rewrites only syntax Python rejects: escapes, `?`,
    prompts, cell magics), so it skips the tokenizer; only the trailing newline is added.
    That parse is the one IPython's compiler needs next (CellCompiler.parses keeps it).
    """

    @functools.lru_cache(maxsize=None)
    def cached(cell):
        if cell[:1] not in (" ", "\t"):
            text = cell if cell.endswith("\n") else cell + "\n"
            if compiler.parses(text):
                return text
        return transform(cell)

    return cached


class Worker:
    def __init__(self, job, out_fd):
        self.job = job
        self.cells = job["cells"]
        self.first_change = int(job["first_change"])  # where the student version forks (Plan.first_change)
        self.path = job["path"]
        self.timeout = float(job["timeout"])
        self.mutant_timeout = min(self.timeout, float(job.get("mutant_timeout", self.timeout)))
        self.grace = float(job["grace"])
        self.watched = None  # in a mutant: (first, last) lines of the mistake, and the graded cells that ran them
        self.ran = set()
        self.current = None
        self.out_fd = out_fd
        self.runner_fd = None  # in a forked variant: the runner's own pipe, for "start" events
        self.variant = "solution"
        self.shell = make_shell(self.path)

    # -- reporting -----------------------------------------------------------------

    def emit(self, event, **fields):
        line = json.dumps({"event": event, "variant": self.variant, **fields}) + "\n"
        data = line.encode("utf-8")
        if event == "start" and self.runner_fd is not None:
            # Straight to the runner as well, as "running" (one write, under PIPE_BUF: never interleaved):
            # if the cell kills the parent that relays our events, the runner still knows which cell did it.
            os.write(self.runner_fd, json.dumps({"event": "running", "variant": self.variant, **fields}).encode("utf-8") + b"\n")
        while data:
            data = data[os.write(self.out_fd, data):]

    # -- running one cell ---------------------------------------------------------

    def _arm(self):
        # Installed afresh for every cell: an earlier cell may have replaced or ignored them.
        signal.signal(signal.SIGALRM, _raise_timeout("wall"))
        signal.signal(signal.SIGXCPU, _raise_timeout("cpu"))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(used + self.timeout)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        signal.setitimer(signal.ITIMER_REAL, self.timeout)

    def _disarm(self):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _where(self, error, offset):
        """The last line of the module source the traceback passed through (0 if none)."""
        line = 0
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.path:
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(error, SyntaxError) and error.lineno:
            # ours (compiled by CellCompiler) carry file lines; IPython's input transformers' carry cell lines
            line = error.lineno if error.filename == self.path else offset + error.lineno
        return line

    def run_cell(self, index, source):
        cell = self.cells[index]
        self.current = index
        self.emit("start", cell=index)
        blank, body = _body(source)
        offset = cell["line"] - 1 + blank
        status, message, line, kind = "pass", "", 0, ""
        try:
            self.shell.compile.offset = offset
            _forget_stderr()
            self._arm()
            try:
                result, shown = self.shell.run_cell_as_kernel(body)
            finally:
                self._disarm()
                self.shell.compile.offset = 0
            error = result.error_before_exec or result.error_in_exec or shown  # failed as autograde sees it
            if error is not None:
                raise error
            if cell["graded"]:
                status, message = _score(result, cell.get("points"))
        except CellTimeout as error:
            status, message = "timeout", _past_limit(error, self.timeout)
            line = self._where(error, offset)
        except MemoryError as error:
            status, message, line = "memory", "ran out of memory (MemoryError under the memory limit)", self._where(error, offset)
        except BaseException as error:  # noqa: BLE001 - a cell may raise anything, SystemExit included
            text = " ".join(str(error).split())
            kind = type(error).__name__
            status, message = "fail", (f"{kind}: {text}"[:300] if text else kind)
            line = self._where(error, offset)
        return status, message, line, kind

    def report(self, index, status, message, line, kind):
        graded = self.cells[index]["graded"]
        if graded or status in LIMIT_STATUSES or (status != "pass" and self.variant in ("solution", "student")):
            extra = {"ran": index in self.ran} if self.watched is not None and graded else {}
            self.emit("result", cell=index, status=status, message=message, line=line, type=kind, graded=graded, **extra)

    def watch(self, first, last):
        """Note every cell that runs a line in first..last of the module source (a mutant's mistake).

        A trace function on calls only: frames of other files, and of code that has no line in
        the range, are not traced line by line."""
        path, spans = self.path, {}

        def lines(frame, event, arg):
            if event == "line" and first <= frame.f_lineno <= last:
                self.ran.add(self.current)
            return lines

        def calls(frame, event, arg):
            code = frame.f_code
            if code.co_filename != path:
                return None
            span = spans.get(code)
            if span is None:
                numbers = [number for _, _, number in code.co_lines() if number is not None] or [0]
                span = spans[code] = (min(numbers), max(numbers))
            return lines if span[0] <= last and first <= span[1] else None

        self.watched = (first, last)
        sys.settrace(calls)

    # -- variants -----------------------------------------------------------------

    def run_variant(self, first, sources, stop_when_caught):
        """Run cells first.. with `sources`; with stop_when_caught, stop at the first failing graded cell."""
        for offset, source in enumerate(sources):
            index = first + offset
            status, message, line, kind = self.run_cell(index, source)
            self.report(index, status, message, line, kind)
            if stop_when_caught and self.cells[index]["graded"] and status != "pass":
                break

    def fork(self, variant, first, sources, stop_when_caught, watch=None):
        """Run a variant in a child process; True when a graded cell failed or a cell overran (it was caught).

        A mutant (`watch`: the lines of its mistake) runs untraced first, its events held back: a
        trace on every call costs a third of a mutant's time, and only a survivor's report says
        which graded cells ran the mistake. Caught, its events go out as they were; survived, they
        are dropped and it runs again with the trace on, reporting live."""
        if watch is None:
            return self._fork(variant, first, sources, stop_when_caught)
        caught, held = self._fork(variant, first, sources, stop_when_caught, mutant=True, hold=True)
        if not caught:
            return self._fork(variant, first, sources, stop_when_caught, mutant=True, watch=watch)
        for raw in held:
            os.write(self.out_fd, raw + b"\n")
        return caught

    def _fork(self, variant, first, sources, stop_when_caught, mutant=False, watch=None, hold=False):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run the variant, report on the pipe, never return
            code = 0
            try:
                os.close(read_end)
                self.runner_fd, self.out_fd, self.variant = self.out_fd, write_end, variant
                if mutant:
                    self.timeout = self.mutant_timeout
                if watch is not None:
                    self.watch(*watch)
                self.run_variant(first, sources, stop_when_caught)
                self.emit("done")
            except BaseException:  # noqa: BLE001 - the child must reach os._exit, whatever happened
                code = 3
            finally:
                os._exit(code)
        os.close(write_end)
        return self.relay(pid, read_end, variant, self.mutant_timeout if mutant else self.timeout, hold)

    def relay(self, pid, read_end, variant, timeout, hold=False):
        """Forward the child's events; kill it when a cell overruns; report how it ended (True: caught).
        With `hold`, the events are kept instead, and returned with the verdict: (caught, events)."""
        buffer, current, finished, done, caught, held = b"", None, set(), False, False, []
        deadline = time.monotonic() + timeout + self.grace
        killed_for_time = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                killed_for_time = True
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                event = json.loads(raw)
                if event["event"] == "start":
                    current = event["cell"]
                    deadline = time.monotonic() + timeout + self.grace
                elif event["event"] == "result":
                    finished.add(event["cell"])
                    caught = caught or (event.get("graded") and event.get("status") != "pass") or event.get("status") in LIMIT_STATUSES
                elif event["event"] == "done":
                    done = True
                if hold:
                    held.append(raw)
                else:
                    os.write(self.out_fd, raw + b"\n")
                if done:
                    break
            if done:  # its last event: the pipe may stay open (a background process its cells forked holds it)
                break
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if done:
            return (caught, held) if hold else caught
        for raw in held:  # it ran past a limit or died: caught, what it reported goes out first
            os.write(self.out_fd, raw + b"\n")
        saved, self.variant = self.variant, variant
        if current is not None and current not in finished:
            if killed_for_time:
                message = f"still running {self.grace:g} s past the {timeout:g} s limit: killed"
                self.emit("result", cell=current, status="timeout", message=message, line=0, type="", graded=self.cells[current]["graded"])
            else:
                self.emit("result", cell=current, status="killed", message=_ending(status), line=0, type="", graded=self.cells[current]["graded"])
        self.emit("done")
        self.variant = saved
        return (True, []) if hold else True  # it ran past a limit or died: caught

    def warm(self):
        """Prepare every cell text of every variant once, here, so that the forks inherit the work:
        IPython's transforms, its top-level-await check, the parsed tree (a version's from the solution's,
        CellCompiler.derive), the trailing-`;` check (for a text ending in an expression: no other asks
        for it), and the compiled statements of the solution's cells (which every fork after them runs again)."""
        import IPython.core.interactiveshell as interactiveshell

        compiler = self.shell.compile
        flags = running = compiler.flags  # `running`: the __future__ flags the solution's cells will have set by then
        for cell in self.cells:
            first, after = cell["line"] - 1, running
            others = {cell["student"], *cell["knockouts"], *(m["source"] for m in cell.get("mutants", ()))} - {cell["solution"]}
            for source in [cell["solution"], *others]:
                blank, body = _body(source)
                if not body.count("\n"):
                    continue  # one-liners: automagic reads the namespace, their transform waits for the cell to run
                try:
                    # At the offset and __future__ flags the cell will run with, so that the parse is the one it reuses.
                    compiler.offset, compiler.flags = first + blank, running
                    if source != cell["solution"]:
                        compiler.derive(source, cell["solution"], first)
                    transformed = self.shell.transform_cell(body)
                    interactiveshell._should_be_async(transformed)
                    compiler.offset = first + blank
                    tree = compiler.ast_parse(transformed, compiler.path)
                    if tree.body and isinstance(tree.body[-1], ast.Expr):  # only a value shown asks for the trailing `;`
                        self.shell.displayhook.semicolon_at_end_of_expression(transformed)
                    if source == cell["solution"] and tree.body:
                        self._compile(tree.body)
                        after = compiler.flags
                except Exception:  # noqa: BLE001 - the cell reports it when it runs
                    pass
                finally:
                    compiler.offset, compiler.flags = 0, flags
            running = after

    def _compile(self, statements):
        """Compile a cell's statements as IPython's run_ast_nodes will (the last one in "single" mode when
        it is an expression, the others in "exec" mode, top-level await allowed), into the compiler's store."""
        compiler = self.shell.compile
        last = len(statements) - 1 if isinstance(statements[-1], ast.Expr) and self.shell.ast_node_interactivity == "last_expr" else None
        with compiler.extra_flags(getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0) if self.shell.autoawait else 0):
            for number, statement in enumerate(statements):
                if number == last:
                    compiler(ast.Interactive([statement]), compiler.path, "single")
                else:
                    compiler(ast.Module([statement], []), compiler.path, "exec")

    # -- nbgrader's AUTOTEST lines ----------------------------------------------------

    def generate(self, spec):
        """Write the tests of the `### AUTOTEST` lines as nbgrader's InstantiateTests does at release time
        (audits/bite/autotest.py rendered everything but the values): in a fork, before the solution walk,
        run every cell of the solution in order, stopping at each such line to run its expressions' type
        and tests and to put each printed value into its check. The graded cells then run those checks in
        every version. Returns False when a cell fails there (nbgrader's release stops): reported as "refused"."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run the solution as the release's kernel does, send back the cells it wrote
            code = 0
            try:
                os.close(read_end)
                data = json.dumps(self._generated(spec)).encode("utf-8")
                while data:
                    data = data[os.write(write_end, data):]
            except BaseException:  # noqa: BLE001 - the child must reach os._exit, whatever happened
                code = 3
            finally:
                os._exit(code)
        os.close(write_end)
        try:
            result = json.loads(_reply(pid, read_end))
        except ValueError:
            result = {"refused": [0, "stopped without writing the tests (killed, or out of memory)"]}
        if "refused" in result:
            cell, message = result["refused"]
            self.emit("refused", cell=cell, message=message)
            return False
        for index, source in result["generated"].items():
            cell = self.cells[int(index)]
            if not cell["knockouts"]:  # a graded test cell: the same checks in the solution and every other version
                cell["solution"] = cell["student"] = source
        return True

    def _generated(self, spec):
        """{"generated": {cell: its source with the tests written}} or {"refused": [cell, why]}."""
        from IPython.core.formatters import PlainTextFormatter

        printed = PlainTextFormatter()  # what a kernel's execute_result carries as text/plain
        setup, success, placeholder = spec.get("setup"), spec.get("success"), spec["value"]
        generated = {}

        def kernel(code, index, value=False):
            self.current = index
            os.write(self.out_fd, json.dumps({"event": "running", "variant": "autotest", "cell": index}).encode("utf-8") + b"\n")
            self._arm()
            try:
                result, error = self.shell.run_cell_as_kernel(code)  # InstantiateTests stops on error outputs only
            finally:
                self._disarm()
            if isinstance(error, CellTimeout):
                raise error
            if error is not None:
                text = " ".join(str(error).split())
                raise _Refused(index, f"raised {type(error).__name__}" + (f": {text}"[:300] if text else ""))
            if value:
                return None if result.result is None else printed(result.result).strip('"').strip("'")  # nbgrader's python sanitizer
            return None

        try:
            for index, cell in enumerate(self.cells):
                points = {point["line"]: point for point in spec["cells"].get(str(index), ())}
                chunk, lines, set_up = [], [], False
                for number, line in enumerate(cell["solution"].split("\n")):
                    point = points.get(number)
                    if point is None:
                        lines.append(line)
                        chunk.append(line)
                        continue
                    kernel("\n".join(chunk), index)
                    chunk, pieces = [], []
                    if setup is not None and not set_up:
                        pieces.append(setup)
                        set_up = True
                        kernel(setup, index)
                    for snippet in point["snippets"]:
                        kind = kernel(snippet["dispatch"], index, value=True)
                        for code, check in snippet["types"].get(kind, snippet["types"]["default"]):
                            shown = kernel(code, index, value=True)
                            pieces.append(check.replace(placeholder, "None" if shown is None else shown))
                    lines.append(_one_line(pieces))
                if points and success is not None:
                    lines.append(success)
                    chunk.append(success)
                if chunk:
                    kernel("\n".join(chunk), index)
                if points:
                    generated[str(index)] = "\n".join(lines)
        except _Refused as refusal:
            return {"refused": [refusal.cell, refusal.why]}
        except CellTimeout as error:
            return {"refused": [self.current or 0, _past_limit(error, self.timeout)]}
        return {"generated": generated}

    def run(self):
        if self.job.get("autotest") and not self.generate(self.job["autotest"]):
            return  # nbgrader would not release the notebook: nothing to grade
        self.warm()
        # Everything made so far (IPython, the shell, the prepared cells) lives as long as the process. Frozen,
        # the collector never walks it again, here or in a fork (where walking it would copy its pages too);
        # the course's own objects, made from now on, are collected as in a kernel.
        gc.freeze()
        gc.enable()
        for index, cell in enumerate(self.cells):
            if index == self.first_change:
                sources = [c["student"] for c in self.cells[index:]]
                self.fork("student", index, sources, stop_when_caught=False)
            caught = []
            for number, knockout in enumerate(cell["knockouts"]):
                sources = [knockout] + [c["solution"] for c in self.cells[index + 1:]]
                caught.append(self.fork(f"knockout:{index}:{number}", index, sources, stop_when_caught=True))
            for number, mutant in enumerate(cell.get("mutants", ())):
                variant = f"mutant:{index}:{number}"
                if not caught[mutant["region"]]:
                    saved, self.variant = self.variant, variant
                    self.emit("skipped")
                    self.variant = saved
                    continue
                sources = [mutant["source"]] + [c["solution"] for c in self.cells[index + 1:]]
                self.fork(variant, index, sources, stop_when_caught=True, watch=(mutant["first"], mutant["last"]))
            self.report(index, *self.run_cell(index, cell["solution"]))
        self.emit("done")


def _reply(pid, read_end):
    """What a forked child wrote on its pipe before it exited (the pipe closed, reaped). The child's exit
    ends the reply, not the pipe's end: a background process its cells forked (multiprocessing's fork
    start method, a server) holds the pipe open as long as it runs."""
    chunks, exited = [], False
    while True:
        if select.select([read_end], [], [], 0.05)[0]:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break  # every writer has closed it
            chunks.append(chunk)
        elif exited:
            break  # it has exited, and all it wrote is read
        else:
            exited = os.waitpid(pid, os.WNOHANG)[0] != 0
    os.close(read_end)
    if not exited:
        os.waitpid(pid, 0)
    return b"".join(chunks)


class _Refused(Exception):
    """A cell failed while the AUTOTEST tests were written: nbgrader's release would stop there."""

    def __init__(self, cell, why):
        super().__init__(why)
        self.cell, self.why = cell, why


def _one_line(pieces):
    """The code written for one AUTOTEST line, on that one line when it can be (`a; b`), so that every
    later line of the cell keeps its number; on several lines when one piece spans lines or is compound."""
    joined = "; ".join(pieces)
    if "\n" not in joined:
        try:
            compile(joined, "<autotest>", "exec", ast.PyCF_ONLY_AST)
            return joined
        except SyntaxError:
            pass
    return "\n".join(pieces)


def _start(statement):
    """The first line of a statement, its decorators included."""
    return min([statement.lineno] + [decorator.lineno for decorator in getattr(statement, "decorator_list", ())])


def _inert(line):
    """A line that makes no token between statements: blank, or a comment alone (an end-of-region marker)."""
    text = line.strip()
    return not text or text.startswith("#")


def _column(statement):
    """The column a statement starts at (a decorated one: its first `@`)."""
    decorators = getattr(statement, "decorator_list", ())
    return min(decorator.col_offset for decorator in decorators) - 1 if decorators else statement.col_offset


def _body(source):
    """(number of leading blank lines, the rest): IPython drops leading blank lines, the line numbers must not."""
    lines = source.split("\n")
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return blank, "\n".join(lines[blank:])


def _ending(status):
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name
        why = {"SIGXCPU": " (CPU-time limit)", "SIGKILL": " (killed: memory or CPU hard limit?)", "SIGSEGV": " (crashed)"}.get(name, "")
        return f"the process died of {name}{why}"
    return f"the process exited with code {os.WEXITSTATUS(status)} in the middle of the cell"


def _limit(kind, value):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass  # a limit above the current hard limit cannot be set: keep the stricter one


def kernel_argv():
    """sys.argv as a Jupyter kernel has it (`python -m ipykernel_launcher -f <connection file>`): course
    code that reads its arguments (argparse's `parse_args()`) sees what it sees in Jupyter."""
    import sysconfig

    launcher = os.path.join(sysconfig.get_paths()["purelib"], "ipykernel_launcher.py")
    return [launcher, "-f", os.path.expanduser(os.path.join("~", ".local", "share", "jupyter", "runtime", "kernel-bite.json"))]


STDERR_FILE = None  # (device, inode) of the file main() puts behind fd 2


def _our_stderr():
    """fd 2's status while it is still that file, else None: course code may close fd 2, and a file it
    opens next takes the number."""
    try:
        sys.__stderr__.flush()
    except (OSError, ValueError, AttributeError):
        pass
    try:
        status = os.fstat(2)
    except OSError:
        return None
    return status if (status.st_dev, status.st_ino) == STDERR_FILE else None


def _forget_stderr():
    """Empty the file behind fd 2 (see main), so that what it holds after a cell is that cell's. When
    fd 2 is no longer that file, nothing is touched (and _stderr_written finds nothing)."""
    if _our_stderr() is not None:
        os.ftruncate(2, 0)
        os.lseek(2, 0, os.SEEK_SET)


def _stderr_written():
    """The first line the last cell wrote to stderr (fd 2, or Python's sys.__stderr__ over it), or None."""
    status = _our_stderr()
    if status is None or not status.st_size:
        return None
    written = os.pread(2, 400, 0).decode("utf-8", "replace").strip()
    return " ".join(written.splitlines()[0].split())[:200] if written else "(blank lines)"


def _score(result, points):
    """("pass", "") when nbgrader's autograde gives a graded cell that raised nothing its full points,
    else ("fail", why). It scores a cell by its outputs (nbgrader.utils.determine_grade): any text on
    stderr (a warning, a log line) is 0 points; a value shown last that reads as a number is the
    points given (partial credit), and one above the cell's points stops autograde itself."""
    first = _stderr_written()
    if first is not None:
        return "fail", f"wrote to stderr, which nbgrader scores 0 points: {first}"
    if result.result is None or points is None:
        return "pass", ""
    short = partial_credit(result.result, points)
    return ("pass", "") if short is None else ("fail", short)


def partial_credit(value, points):
    """Why nbgrader gives less than `points` to a graded cell that shows `value` last, or None (full points):
    the value's text (the execute_result's text/plain) read as a number is the points given
    (nbgrader.utils.get_partial_grade); text that is no number, a negative number or NaN is full points."""
    from IPython.core.formatters import PlainTextFormatter

    try:
        given = float(PlainTextFormatter()(value))
    except (ValueError, OverflowError):
        return None
    worth = f"{points:g} point{'' if points == 1 else 's'}"
    if given > points:
        return f"shows {given:g}, more than its {worth}: nbgrader's autograde stops on it (partial credit)"
    if 0 <= given < points:
        return f"shows {given:g}, which nbgrader takes as partial credit: {given:g} of its {worth}"
    return None


def main():
    job = json.loads(sys.stdin.buffer.read())
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    # fd 2: a file nobody else can open (unlinked), emptied before each cell, so that a graded cell's
    # writes to stderr show (nbgrader scores those 0). Forks share it; none runs beside another.
    global STDERR_FILE
    stderr = tempfile.TemporaryFile()
    os.dup2(stderr.fileno(), 2)
    status = os.fstat(2)
    STDERR_FILE = (status.st_dev, status.st_ino)
    _limit(resource.RLIMIT_AS, int(job["memory"]))
    _limit(resource.RLIMIT_FSIZE, int(job["file_size"]))
    _limit(resource.RLIMIT_CORE, 0)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    total = int(job["cpu_total"])
    resource.setrlimit(resource.RLIMIT_CPU, (total, total if hard == resource.RLIM_INFINITY else min(total, hard)))
    cwd = job.get("cwd") or os.getcwd()
    os.chdir(cwd)
    sys.path[:0] = [cwd, job["root"]]  # the notebook's folder first, as Jupyter has it; then the course root
    sys.argv = kernel_argv()
    worker = None
    try:
        worker = Worker(job, out_fd)
        worker.run()
    except BaseException:  # noqa: BLE001 - report, never hang the parent
        message = json.dumps({"event": "error", "variant": "solution", "message": traceback.format_exc(limit=-3)})
        os.write(out_fd, (message + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
