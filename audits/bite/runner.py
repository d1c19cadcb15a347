"""Run one module's plan in an isolated child process and collect what happened.

    run_plan(plan, root, limits) -> Run

The child is `python -I audits/bite/worker.py` (isolated mode: no user site, no
PYTHON* variables, no script directory on sys.path; in the sandbox, the same interpreter
first prepares the sandbox's scratch, then runs the worker script), run from its compiled
bytecode (`worker_script`) in a fresh scratch directory
with a stripped environment, in its own session so that it and every process it
forks can be killed together, inside the operating-system sandbox of
audits/bite/sandbox.py (bubblewrap: course read-only, only the scratch directory
writable, no network, its own PID namespace) unless Limits.sandboxed is False
(`--no-sandbox`). Its working directory is a copy, in the scratch directory, of the
notebook's own folder (the files beside it, as nbgrader copies an assignment folder
into a release: helper modules, data), never the course tree. Nothing of the
course's code runs in this process.
A watchdog kills the child's process group when it reports nothing for longer
than a cell may run; what it had reported is kept and the run says where it stopped.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib.util
import json
import os
import py_compile
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from audits.bite import sandbox
from audits.bite.plan import Plan
from audits.conventions import DEFAULT, Conventions

WORKER = Path(__file__).with_name("worker.py")
# Left out of every copy besides what the course's nbgrader leaves out (conventions.copy_ignore): a repository's history.
NEVER_COPIED = (".git",)
STARTUP = 60.0  # seconds the worker may take before its first event (no course code runs before it)


def worker_script() -> str:
    """The file to run as the worker: its bytecode in `__pycache__`, written when missing or older than the
    source, else (that folder is read-only) the source itself.

    Python compiles a script it is given every time it runs it, and never keeps the result: for the
    worker's thousand lines that was about 10 ms of CPU in every module's run. Its bytecode is
    compiled once and checked as an import checks a module's: by the source's time and size, or, in
    a file compiled for a reproducible build (a distribution's package), by the source's hash."""
    cached = importlib.util.cache_from_source(str(WORKER))
    try:
        with open(cached, "rb") as file:
            header = file.read(16)
        if header[:4] == importlib.util.MAGIC_NUMBER and _fresh(header):
            return cached
    except OSError:
        pass
    try:
        return py_compile.compile(str(WORKER), cfile=cached, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    except (OSError, py_compile.PyCompileError):
        return str(WORKER)


def _fresh(header: bytes) -> bool:
    """Whether bytecode with this header (PEP 552: magic, flags, then the source's time and size or its
    hash) is the worker's source as it is now."""
    flags = int.from_bytes(header[4:8], "little")
    if flags == 0:  # checked by the source's modification time and size
        source = WORKER.stat()
        return header[8:16] == (int(source.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (source.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    if flags == 0b11:  # checked by the source's hash
        return header[8:16] == importlib.util.source_hash(WORKER.read_bytes())
    return False  # unchecked: never trusted here, it may be stale


@dataclass(frozen=True)
class Limits:
    """What a cell may use. Per cell: `timeout` seconds of wall-clock and of CPU time."""

    timeout: float = 60.0
    grace: float = 5.0  # past the timeout, a cell that still runs is killed
    memory_mb: int = 2048  # address space of each child
    file_size_mb: int = 256  # largest file a cell may write
    cpu_total: int = 3600  # hard CPU-time cap of one module's whole run
    mutant_timeout: float = 10.0  # seconds one cell of a mutant may run (a mistake may loop forever)
    disk_mb: int = 512  # everything the run may write (the sandbox's scratch tmpfs)
    processes: int = 256  # processes (and threads) of one module's run at a time, in the sandbox
    sandboxed: bool = True  # False: no operating-system sandbox (--no-sandbox; the course code can reach the machine)

    @property
    def isolation(self) -> str:
        """The report header's word for how the course code was isolated."""
        return sandbox.detect().describe(self.disk_mb * 1024 * 1024, self.processes) if self.sandboxed else "none (--no-sandbox)"

    def job_fields(self) -> dict:
        return {
            "timeout": self.timeout,
            "grace": self.grace,
            "memory": self.memory_mb * 1024 * 1024,
            "file_size": self.file_size_mb * 1024 * 1024,
            "cpu_total": self.cpu_total,
            "mutant_timeout": self.mutant_timeout,
        }


@dataclass(frozen=True)
class Outcome:
    """How one cell ended in one variant."""

    status: str  # pass | fail | timeout | memory | killed
    message: str = ""
    line: int = 0  # the source line the error passed through last (0: unknown)
    type: str = ""  # the exception's class name, for failures

    @property
    def passed(self) -> bool:
        return self.status == "pass"


class Tampered(Exception):
    """An event out of the worker's sequence: something else wrote it, or rewrote the worker's reporting."""


STATUSES = ("pass", "fail", "timeout", "memory", "killed")


@dataclass
class Run:
    """Everything the worker reported for one module.

    The events are checked here, outside the sandbox, against the only sequence the worker
    writes: each version walks the cells one by one from where it forks off the solution walk
    (the student version and knockout:C:R at the cell the solution walk reaches next, a knockout
    at its own cell C), at most one result per cell, for the cell running, nothing after "done",
    and the solution walk done only after its last cell.
    Anything else raises Tampered: a cell forged or rewrote the reports, and nothing after it
    is trusted. "running" events (a forked version's "start", also written straight to us) only
    say where the run is, for naming the cell that stopped it.
    """

    solution: dict[int, Outcome] = field(default_factory=dict)  # cell position -> outcome (failures and graded cells)
    student: dict[int, Outcome] = field(default_factory=dict)
    knockouts: dict[tuple[int, int], dict[int, Outcome]] = field(default_factory=dict)  # (cell, region) -> outcomes
    mutants: dict[tuple[int, int], dict[int, Outcome]] = field(default_factory=dict)  # (cell, mutant) -> outcomes
    hits: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # (cell, mutant) -> graded cells that ran its lines
    skipped: set[str] = field(default_factory=set)  # mutants not run: their region's knockout was not caught
    done: set[str] = field(default_factory=set)  # variants that finished
    last_start: dict[str, int] = field(default_factory=dict)  # variant -> cell it was running last
    latest: tuple[str, int] | None = None  # (variant, cell) of the last "start" event of all
    stopped: str | None = None  # why the run ended before every variant finished
    refused: tuple[int, str] | None = None  # (cell, why): a cell failed while the AUTOTEST tests were written (no release)
    generating: int | None = None  # the cell the AUTOTEST tests were being written at, before the solution walk began
    seconds: float = 0.0
    cells: int | None = None  # how many cells the plan has (None: not checked)

    @property
    def finished(self) -> bool:
        """The worker wrote its last event: the solution walk is done, the notebook refused, or the worker failed."""
        return "solution" in self.done or self.refused is not None or self.stopped is not None

    def record(self, event: dict) -> None:
        variant = event.get("variant", "solution")
        kind = event.get("event")
        if kind == "running":
            if variant == "autotest":  # the fork writing the AUTOTEST tests, before the solution walk
                self.generating = int(event["cell"])
                return
            if self.latest is None or self.latest[0] != variant or self.latest[1] < event["cell"]:
                self.latest = (variant, event["cell"])
            return
        self.check(variant, kind, event)
        if kind == "start":
            self.last_start[variant] = event["cell"]
            if self.latest is None or self.latest[0] != variant or self.latest[1] < event["cell"]:
                self.latest = (variant, event["cell"])
        elif kind == "done":
            self.done.add(variant)
        elif kind == "skipped":
            self.skipped.add(variant)
        elif kind == "refused":
            self.refused = (int(event["cell"]), " ".join(str(event.get("message", "")).split())[:300])
        elif kind == "error":
            self.stopped = "the bite worker failed: " + " ".join(str(event.get("message", "")).split())[-300:]
        elif kind == "result":
            outcome = Outcome(event["status"], event.get("message", ""), event.get("line", 0), event.get("type", ""))
            self.outcomes(variant)[event["cell"]] = outcome
            if event.get("ran") is True and variant.startswith("mutant:"):
                _, cell, number = variant.split(":")
                self.hits.setdefault((int(cell), int(number)), set()).add(event["cell"])

    def check(self, variant: str, kind: str, event: dict) -> None:
        """Raise Tampered unless the event is the worker's next possible one (see the class docstring)."""
        if variant in self.done or variant in self.skipped:
            raise Tampered(f"a {kind!r} event of the {variant} version after it finished")
        if kind == "refused":  # only before anything ran, from the solution walk, about one of its cells
            if variant != "solution" or self.last_start or self.refused is not None or not 0 <= int(event["cell"]) < (self.cells or 1 << 30):
                raise Tampered("a refusal after the run began")
            return
        if self.refused is not None:
            raise Tampered(f"a {kind!r} event after the notebook was refused")
        if kind == "skipped":
            if not variant.startswith("mutant:") or variant in self.last_start or variant.split(":")[1] != str(self.last_start.get("solution", -1) + 1):
                raise Tampered(f"the {variant} version skipped where it cannot be")
            return
        if kind == "start":
            cell = event["cell"]
            if variant in self.last_start:
                expected = self.last_start[variant] + 1
            else:
                expected = self.last_start.get("solution", -1) + 1 if variant != "solution" else 0
                if variant.startswith(("knockout:", "mutant:")) and variant.split(":")[1] != str(expected):
                    raise Tampered(f"the {variant} version starting at cell {cell}")
            if cell != expected:
                raise Tampered(f"cell {cell} of the {variant} version starting where cell {expected} was next")
        elif kind == "result":
            cell = event["cell"]
            if cell != self.last_start.get(variant) or cell in self.outcomes(variant) or event["status"] not in STATUSES:
                raise Tampered(f"a result for cell {cell} of the {variant} version that is not its running cell's first")
        elif kind == "done" and variant == "solution" and self.cells and self.last_start.get("solution") != self.cells - 1:
            raise Tampered(f"the solution walk done at cell {self.last_start.get('solution')} of {self.cells}")
        elif kind not in ("done", "error"):
            raise Tampered(f"an event {kind!r}")

    def stuck(self) -> tuple[str, int] | None:
        """(variant, cell) the run was at when it stopped: the cell the last started variant was running,
        while it had not finished (a forked variant runs while the solution walk waits for it)."""
        if self.latest is not None and self.latest[0] not in self.done:
            return self.latest
        cell = self.last_start.get("solution", self.generating)  # before the walk: where the AUTOTEST tests were being written
        return None if cell is None else ("solution", cell)

    def outcomes(self, variant: str) -> dict[int, Outcome]:
        if variant == "solution":
            return self.solution
        if variant == "student":
            return self.student
        kind, cell, number = variant.split(":")
        table = self.mutants if kind == "mutant" else self.knockouts
        return table.setdefault((int(cell), int(number)), {})


def isolated_env(scratch: str) -> dict[str, str]:
    """The child's whole environment: nothing of ours (tokens, PYTHONPATH, proxies) leaks in."""
    single = "1"  # one BLAS thread: children run side by side, and forks with idle BLAS threads are safer
    return {
        "PATH": os.defpath,
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",  # as ipykernel sets it: plt.show() shows inline, quietly
        "NBGRADER_EXECUTION": "autograde",  # as nbgrader's autograde sets it: notebooks may skip work while graded
        "OPENBLAS_NUM_THREADS": single,
        "OMP_NUM_THREADS": single,
        "MKL_NUM_THREADS": single,
    }


def _ignoring(conventions: Conventions):
    """shutil.copytree's ignore, as nbgrader copies an assignment's files (nbgrader.utils.ignore_patterns):
    names matching CourseDirectory.ignore, files matching none of CourseDirectory.include, and files over
    CourseDirectory.max_file_size are left out."""
    excluded = (*conventions.copy_ignore, *NEVER_COPIED)

    def ignored(folder: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = os.path.join(folder, name)
            if any(fnmatch.fnmatch(name, glob) for glob in excluded):
                skipped.add(name)
            elif os.path.isfile(path) and (not any(fnmatch.fnmatch(name, glob) for glob in conventions.copy_include)
                                           or (conventions.max_file_kb and os.path.getsize(path) > 1000 * conventions.max_file_kb)):  # fmt: skip
                skipped.add(name)
        return skipped

    return ignored


def copy_folder(source: Path, scratch: str, conventions: Conventions = DEFAULT) -> Path:
    """Copy the folder holding `source` (the notebook or module source) into `scratch`, as nbgrader
    copies an assignment into its release (the course's CourseDirectory.ignore, include and
    max_file_size); the copy is the cells' working directory. The source itself is always copied."""
    folder = Path(source).resolve().parent
    copy = Path(scratch, "work", folder.name or "notebook")
    shutil.copytree(folder, copy, symlinks=True, ignore=_ignoring(conventions))
    if not copy.joinpath(Path(source).name).exists():  # nbgrader writes the notebook itself, whatever the globs say
        shutil.copy2(Path(source).resolve(), copy / Path(source).name)
    return copy


def run_plan(plan: Plan, root: Path | str, limits: Limits = Limits()) -> Run:
    """Run the plan's module in a child process; never raises for what the course code does."""
    run = Run(cells=len(plan.cells))
    scratch = tempfile.mkdtemp(prefix="bite-")
    started = time.monotonic()
    try:
        try:
            cwd = str(copy_folder(plan.module.path, scratch, plan.module.conventions))
        except OSError as error:
            run.stopped = f"could not copy the notebook's folder: {' '.join(str(error).split())[:300]}"
            return run
        job = json.dumps(plan.job(str(Path(root).resolve()), limits.job_fields(), cwd)).encode("utf-8")
        with tempfile.TemporaryFile() as errors, _command(root, scratch, limits, cwd) as command:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                cwd=cwd, env=isolated_env(scratch), start_new_session=True,
            )  # fmt: skip
            try:
                process.stdin.write(job)
                process.stdin.close()
                _collect(process, run, limits)
            finally:
                _kill_group(process)
            if run.stopped is None and run.refused is None and "solution" not in run.done:
                errors.seek(0)
                tail = errors.read().decode(errors="replace").strip().splitlines()[-1:]
                run.stopped = f"the bite worker exited with code {process.returncode}" + (f": {tail[0]}" if tail else "")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    run.seconds = time.monotonic() - started
    return run


def _command(root: Path | str, scratch: str, limits: Limits, cwd: str):
    """The worker's command line, run in `cwd` (the notebook folder's copy in `scratch`): in the sandbox
    (a context: the sandbox may hold a cgroup while it runs), or bare."""
    script = worker_script()
    if not limits.sandboxed:
        return contextlib.nullcontext([sys.executable, "-I", script])
    return sandbox.detect().command(
        script, root=str(Path(root).resolve()), workdir=scratch, cwd=cwd, env=isolated_env(scratch), readable=(script,),
        quota=limits.disk_mb * 1024 * 1024, processes=limits.processes,
    )  # fmt: skip


def _collect(process: subprocess.Popen, run: Run, limits: Limits) -> None:
    """Read events until the worker's last one (or it closes its output); kill it when it goes silent too long.

    Silent for longer than a cell may run (its limit and the grace the worker gives it, twice)
    once cells run; before its first event the worker only starts (the sandbox, the interpreter,
    IPython, reading every cell): no course code runs yet, and on a busy machine that may take
    longer than a short cell limit, so it gets STARTUP seconds at least."""
    patience = limits.timeout + 2 * limits.grace  # the worker itself kills a child after timeout + grace
    stream = process.stdout
    buffer = b""
    last = time.monotonic()
    while True:
        ready, _, _ = select.select([stream], [], [], min(1.0, patience / 4))
        if not ready:
            if time.monotonic() - last > (patience if run.last_start else max(patience, STARTUP)):
                running = ", ".join(f"{variant} at cell {cell}" for variant, cell in run.last_start.items() if variant not in run.done)
                run.stopped = f"no progress for {patience:g} s ({running or 'starting'}): killed"
                return
            continue
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            return
        last = time.monotonic()
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            try:
                run.record(json.loads(line))
            except Tampered as error:
                run.stopped = f"its reports were tampered with ({error}): nothing after this is trusted"
                return
            except (ValueError, KeyError, TypeError, AttributeError):
                run.stopped = "the bite worker wrote something that is not an event"
                return
            if run.finished:
                return  # the worker's last event: a background process the course started may hold the pipe open


def _kill_group(process: subprocess.Popen) -> None:
    """Kill the worker and everything it forked (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
