"""What every benchmark script shares: single-threaded BLAS, median timing, and what machine this is.

Import this module before numpy. Unless the environment already sets a thread count,
it pins BLAS to one thread: on a shared machine multi-threaded BLAS calls stall
unpredictably (single calls measured 10-20x slower than their neighbours), which
swamps the differences the benchmarks are there to show.

It also puts this checkout first on sys.path: run from a git worktree, a benchmark
measures that worktree's tinytorch, not the one `pip install -e` points at.
"""

import ast
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # only effective before numpy is imported


def blas_threads():
    """The BLAS thread setting in force, for the report header."""
    return os.environ["OPENBLAS_NUM_THREADS"]


def median_seconds(fn, repeats, warmup=1, setup=None, clock=time.perf_counter):
    """Median seconds of `repeats` timed calls, after `warmup` untimed ones.

    With `setup`, each call is fn(setup()) and setup itself is not timed. `clock` is
    wall time by default; time.process_time gives this process's CPU time instead.
    """
    def call():
        state = setup() if setup is not None else None
        start = clock()
        fn(state) if setup is not None else fn()
        return clock() - start

    for _ in range(warmup):
        call()
    return statistics.median(call() for _ in range(repeats))


def median_ms(fn, repeats, warmup=1):
    """median_seconds in milliseconds."""
    return 1e3 * median_seconds(fn, repeats, warmup)


def cpu_model():
    """The CPU's model name (/proc/cpuinfo on Linux, else what platform knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


# The pace workload: parsing and compiling a fixed, generated Python text, then running a loop
# of it: the interpreter and allocator work that the test suite, the audit and bite mostly do.
PACE_TEXT = "".join(f"def f{i}(items):\n    return {{key: [value * {i} for value in items if value % 3] for key in range(4)}}\n" for i in range(400))


def pace(rounds=9):
    """CPU milliseconds this machine takes for a fixed workload (the median of `rounds`; lower is faster).

    The same code on the same machine takes the same time, so a pace that differs between two
    figures says the machine changed (a neighbour on a shared host, a throttled CPU), not the code:
    compare figures taken at about the same pace. On a shared 2-CPU machine it has been seen to move
    between 28 and 51 ms within a minute. It depends on the Python version too."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        namespace = {}
        exec(compile(ast.parse(PACE_TEXT), "<pace>", "exec"), namespace)
        for i in range(0, 400, 4):
            namespace[f"f{i}"](range(60))
        times.append(time.process_time() - start)
    return 1e3 * statistics.median(times)


def machine():
    """The CPU model, how many CPUs this process may use, the load averages and the pace: what a reader
    needs to judge a figure taken on a machine that may be shared."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        load = "n/a"
    return f"{cpu_model()}, {cpus} CPUs, load average {load}, pace {pace():.1f} ms"
