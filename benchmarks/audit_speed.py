"""How fast does the auditor review the whole course? (a script, not a test: it prints figures)

    python benchmarks/audit_speed.py [--root DIR] [--repeat N] [--profile]

Measurements of `python -m audits` over every module of the checkout, and ruff
on the same files for scale:
- cold: a fresh subprocess with the result cache off (interpreter start,
  imports, discovery, parsing, every rule, the table), as the command runs by
  default: one process per CPU (audits.parallel);
- cold -j1: the same with `--jobs 1`, all in one process (for reference);
- warm: the serial audit in this process once the imports are done (cache off,
  cyclic garbage collector off as the command line runs it): the work itself;
- cached: a fresh subprocess when the result cache already holds this checkout
  (interpreter start, hashing the checkout, reading the entries, the table);
- ruff: `ruff check <files> --select ALL --no-cache` in a subprocess, when ruff
  is installed, on exactly the files the audit reads and parses: the module
  sources and the test and checkpoint files the repository index assigns to
  them (`RepoIndex.test_paths`). The issue's target ("at most 2x ruff's time on
  the same files") applies to this ratio, cold / ruff;
- ruff, modules only: the same on the module folders alone, for reference (its
  ratio is printed on its own, clearly labelled line, and is not the target);
- notebooks: the notebook fixtures (tests/audits/notebooks/*.ipynb) read with
  nbformat and audited in this process, per notebook (nbformat's import
  excluded: it is paid once, by notebook courses only).
Each figure is the median of N runs, with the min and max; the subprocess runs
also show their CPU time (every process of the audit, every thread of ruff).
Targets (issue 13): cold at most 2x ruff on the same files, cached at most
0.2 s. On a shared machine the numbers are noisy; compare ratios taken in the
same run. --profile adds a cProfile of one warm run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "tests" / "audits" / "notebooks"
sys.path.insert(0, str(ROOT))

from audits.__main__ import audit_all  # noqa: E402  (after the path set-up)
from audits.auditor import Auditor  # noqa: E402
from audits.parallel import jobs_wanted  # noqa: E402


CPU: dict[str, list[float]] = {}  # CPU seconds of the subprocess runs, by measurement


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict, name: str = "") -> float:
    """Wall seconds of one subprocess run (its CPU seconds are kept in CPU[name])."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    CPU.setdefault(name, []).append(_children_cpu() - cpu)
    if result.returncode == 2:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return elapsed


def warm_run(root: Path) -> float:
    gc.disable()  # as `guarded_main` runs every command
    try:
        start = time.perf_counter()
        audit_all(root)
        return time.perf_counter() - start
    finally:
        gc.enable()


def notebook_run(paths: list[Path]) -> float:
    from audits.auditor import Auditor as NotebookAuditor

    auditor = NotebookAuditor(NOTEBOOKS)
    gc.disable()
    try:
        start = time.perf_counter()
        for path in paths:
            auditor.audit_target(str(path))
        return (time.perf_counter() - start) / len(paths)
    finally:
        gc.enable()


def audited_tests(auditor: Auditor) -> list[Path]:
    """The test and checkpoint files the audit reads and parses: those the index assigns to a module."""
    index = auditor.index
    return [path for number in sorted(index.refs) for path in index.test_paths(number)]


def line_count(paths: list[Path]) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


def ruff_check(paths: list[str]) -> list[str]:
    return ["ruff", "check", *paths, "--select", "ALL", "--no-cache", "--quiet", "--exit-zero"]


def summary(name: str, times: list[float]) -> str:
    line = f"{name:<8} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)"
    if CPU.get(name):  # steadier on a shared machine; it counts every thread (ruff) or process (the audit)
        line += f"  CPU median {statistics.median(CPU[name]):.3f} s"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout to audit (default: this repository)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement")
    parser.add_argument("--profile", action="store_true", help="profile one warm run")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    auditor = Auditor(root)
    sources = [ref.path for ref in auditor.refs]
    tests = audited_tests(auditor)
    lines = line_count(sources)
    audit = [sys.executable, "-m", "audits", "--root", str(root)]

    with tempfile.TemporaryDirectory() as user_cache:  # a private cache secret: the user's own cache is untouched
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": user_cache}
        cold_env = {**env, "AUDITS_NO_CACHE": "1"}
        cached_env = {key: value for key, value in env.items() if key != "AUDITS_NO_CACHE"}
        timed(audit, cached_env)  # fills the cache
        # Interleaved rounds, so a burst of load on the machine hits every measurement alike.
        cold, serial, warm, cached, ruff, ruff_modules = [], [], [], [], [], []
        have_ruff = shutil.which("ruff") is not None
        folders = sorted({str(path.parent.parent) for path in sources})
        for _ in range(args.repeat):
            cold.append(timed(audit, cold_env, "cold"))
            serial.append(timed([*audit, "--jobs", "1"], cold_env, "cold -j1"))
            os.environ["AUDITS_NO_CACHE"] = "1"
            warm.append(warm_run(root))
            cached.append(timed(audit, cached_env, "cached"))
            if have_ruff:
                ruff.append(timed(ruff_check([str(path) for path in sources + tests]), env, "ruff"))
                ruff_modules.append(timed(ruff_check(folders), env, "ruff mod"))

    print(f"files the audit reads: {len(sources)} module sources ({lines} lines) under {root}")
    print(f"  and {len(tests)} test and checkpoint files assigned to them ({line_count(tests)} lines)")
    print(summary("cold", cold) + f"  {jobs_wanted()} processes")
    print(summary("cold -j1", serial) + "  one process")
    print(summary("warm", warm))
    print(summary("cached", cached))
    if have_ruff:
        base = statistics.median(ruff)
        print(summary("ruff", ruff) + "  same files as the audit")
        print(summary("ruff mod", ruff_modules) + "  module folders only (for reference)")
        print(f"cold / ruff   {statistics.median(cold) / base:.2f}x  same files (the target: at most 2x)")
        print(f"cached / ruff {statistics.median(cached) / base:.2f}x  same files")
        print(f"cold / ruff   {statistics.median(cold) / statistics.median(ruff_modules):.2f}x  module folders only (not the target)")
    else:
        print("ruff not installed: no ratio (pip install ruff)")
    print(f"cached run {'meets' if statistics.median(cached) <= 0.2 else 'misses'} the 0.2 s target")
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if notebooks:
        import nbformat  # noqa: F401  (imported once before timing)

        per_notebook = [notebook_run(notebooks) for _ in range(args.repeat)]
        print(summary("notebook", per_notebook) + f"  per notebook, warm ({len(notebooks)} fixtures)")

    if args.profile:
        profiler = cProfile.Profile()
        gc.disable()  # as the command runs (else the collector's passes land on whatever allocates)
        profiler.enable()
        audit_all(root)
        profiler.disable()
        gc.enable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
