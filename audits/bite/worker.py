"""The child process of `python -m audits.bite`: runs one module's cells, forking per variant.

Started by `audits.bite.runner` as `python -I worker.py` in a scratch directory with a
stripped environment. It reads its job (JSON) on stdin and writes one JSON event per
line to the stdout it started with; the course code's own output goes to /dev/null.
Standard library only, and nothing from the harness: course code runs in this process.

It walks the solution version cell by cell, as a notebook kernel does (one namespace,
`__name__ == "__main__"`, __future__ imports kept from cell to cell). Before a cell
where a variant first differs from the solution (the student version, or one region
knocked out), it forks: the child runs the variant's cells from there on and reports,
the parent waits for it, then runs the solution cell and goes on. The prefix before
that cell ran once, for every variant.

Limits (`resource`, set here, inherited by every fork): address space (memory), file
size, no core files; per cell a wall-clock alarm and a CPU-time soft limit, both raising
CellTimeout in the cell. A child that still runs `grace` seconds past its cell's limit
(it swallowed the exception, or is stuck in C code) is killed, and the cell is reported.

Events (every one has "variant": "solution" | "student" | "knockout:<cell>:<region>"):
    {"event": "start", "cell": i}                       a cell begins (progress, for watchdogs)
    {"event": "result", "cell": i, "status": s, ...}    s: pass | fail | timeout | memory | killed
    {"event": "done"}                                   the variant finished (or stopped early)
    {"event": "error", "message": "..."}                the worker itself failed
"""

import codeop
import json
import math
import os
import resource
import select
import signal
import sys
import time
import traceback
import types

LIMIT_STATUSES = ("timeout", "memory", "killed")


class CellTimeout(BaseException):
    """Raised in a cell that ran past its time limit (a BaseException, so `except Exception` in
    course code does not swallow it)."""


def _raise_timeout(kind):
    def handler(signum, frame):
        raise CellTimeout(kind)

    return handler


class Worker:
    def __init__(self, job, out_fd):
        self.job = job
        self.cells = job["cells"]
        self.first_change = int(job["first_change"])  # where the student version forks (Plan.first_change)
        self.path = job["path"]
        self.timeout = float(job["timeout"])
        self.grace = float(job["grace"])
        self.out_fd = out_fd
        self.runner_fd = None  # in a forked variant: the runner's own pipe, for "start" events
        self.variant = "solution"

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

    def _where(self, error):
        """The last line of the module source the traceback passed through (0 if none)."""
        line = 0
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.path:
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(error, SyntaxError) and error.filename == self.path:
            line = error.lineno or line
        return line

    def run_cell(self, index, source, namespace, compiler):
        cell = self.cells[index]
        self.emit("start", cell=index)
        status, message, line, kind = "pass", "", 0, ""
        try:
            code = compiler("\n" * (cell["line"] - 1) + source, self.path, "exec")
            self._arm()
            try:
                exec(code, namespace)  # noqa: S102 - running the course's cells is this process's job
            finally:
                self._disarm()
        except CellTimeout as error:
            status, message = "timeout", f"ran past the {'CPU-time' if str(error) == 'cpu' else 'wall-clock'} limit of {self.timeout:g} s"
            line = self._where(error)
        except MemoryError as error:
            status, message, line = "memory", "ran out of memory (MemoryError under the memory limit)", self._where(error)
        except BaseException as error:  # noqa: BLE001 - a cell may raise anything, SystemExit included
            text = " ".join(str(error).split())
            kind = type(error).__name__
            status, message = "fail", (f"{kind}: {text}"[:300] if text else kind)
            line = self._where(error)
        return status, message, line, kind

    def report(self, index, status, message, line, kind):
        graded = self.cells[index]["graded"]
        if graded or status in LIMIT_STATUSES or (status != "pass" and self.variant in ("solution", "student")):
            self.emit("result", cell=index, status=status, message=message, line=line, type=kind, graded=graded)

    # -- variants -----------------------------------------------------------------

    def run_variant(self, first, sources, namespace, compiler, stop_when_caught):
        """Run cells first.. with `sources`; with stop_when_caught, stop at the first failing graded cell."""
        for offset, source in enumerate(sources):
            index = first + offset
            status, message, line, kind = self.run_cell(index, source, namespace, compiler)
            self.report(index, status, message, line, kind)
            if stop_when_caught and self.cells[index]["graded"] and status != "pass":
                break

    def fork(self, variant, first, sources, namespace, compiler, stop_when_caught):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run the variant, report on the pipe, never return
            code = 0
            try:
                os.close(read_end)
                self.runner_fd, self.out_fd, self.variant = self.out_fd, write_end, variant
                self.run_variant(first, sources, namespace, compiler, stop_when_caught)
                self.emit("done")
            except BaseException:  # noqa: BLE001 - the child must reach os._exit, whatever happened
                code = 3
            finally:
                os._exit(code)
        os.close(write_end)
        self.relay(pid, read_end, variant)

    def relay(self, pid, read_end, variant):
        """Forward the child's events; kill it when a cell overruns; report how it ended."""
        buffer, current, finished, done = b"", None, set(), False
        deadline = time.monotonic() + self.timeout + self.grace
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
                    deadline = time.monotonic() + self.timeout + self.grace
                elif event["event"] == "result":
                    finished.add(event["cell"])
                elif event["event"] == "done":
                    done = True
                os.write(self.out_fd, raw + b"\n")
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if done:
            return
        saved, self.variant = self.variant, variant
        if current is not None and current not in finished:
            if killed_for_time:
                message = f"still running {self.grace:g} s past the {self.timeout:g} s limit: killed"
                self.emit("result", cell=current, status="timeout", message=message, line=0, type="", graded=self.cells[current]["graded"])
            else:
                self.emit("result", cell=current, status="killed", message=_ending(status), line=0, type="", graded=self.cells[current]["graded"])
        self.emit("done")
        self.variant = saved

    def run(self):
        namespace = _main_namespace()
        compiler = codeop.Compile()
        for index, cell in enumerate(self.cells):
            if index == self.first_change:
                sources = [c["student"] for c in self.cells[index:]]
                self.fork("student", index, sources, namespace, compiler, stop_when_caught=False)
            for number, knockout in enumerate(cell["knockouts"]):
                sources = [knockout] + [c["solution"] for c in self.cells[index + 1:]]
                self.fork(f"knockout:{index}:{number}", index, sources, namespace, compiler, stop_when_caught=True)
            self.report(index, *self.run_cell(index, cell["solution"], namespace, compiler))
        self.emit("done")


def _ending(status):
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name
        why = {"SIGXCPU": " (CPU-time limit)", "SIGKILL": " (killed: memory or CPU hard limit?)", "SIGSEGV": " (crashed)"}.get(name, "")
        return f"the process died of {name}{why}"
    return f"the process exited with code {os.WEXITSTATUS(status)} in the middle of the cell"


def _main_namespace():
    """A fresh `__main__` module, as a notebook kernel gives its cells."""
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    return module.__dict__


def _limit(kind, value):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass  # a limit above the current hard limit cannot be set: keep the stricter one


def main():
    job = json.loads(sys.stdin.buffer.read())
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _limit(resource.RLIMIT_AS, int(job["memory"]))
    _limit(resource.RLIMIT_FSIZE, int(job["file_size"]))
    _limit(resource.RLIMIT_CORE, 0)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    total = int(job["cpu_total"])
    resource.setrlimit(resource.RLIMIT_CPU, (total, total if hard == resource.RLIM_INFINITY else min(total, hard)))
    sys.path.insert(0, job["root"])
    worker = Worker(job, out_fd)
    try:
        worker.run()
    except BaseException:  # noqa: BLE001 - report, never hang the parent
        worker.variant = "solution"
        worker.emit("error", message=traceback.format_exc(limit=-3))


if __name__ == "__main__":
    main()
