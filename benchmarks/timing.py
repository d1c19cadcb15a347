"""What every benchmark script shares: single-threaded BLAS and median timing.

Import this module before numpy. Unless the environment already sets a thread count,
it pins BLAS to one thread: on a shared machine multi-threaded BLAS calls stall
unpredictably (single calls measured 10-20x slower than their neighbours), which
swamps the differences the benchmarks are there to show.

It also puts this checkout first on sys.path: run from a git worktree, a benchmark
measures that worktree's tinytorch, not the one `pip install -e` points at.
"""

import os
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
