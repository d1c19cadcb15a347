"""How fast does the auditor review the whole course? (a script, not a test: it prints figures)

    python benchmarks/audit_speed.py [--root DIR] [--repeat N] [--profile]

Two measurements over every module of the checkout:
- cold: `python -m audits --root DIR` in a fresh subprocess (interpreter start,
  imports of jupytext and the rules, discovery, parsing, every rule, the table),
  as wall-clock time and as the CPU time the subprocess used (on a shared machine
  the CPU time is the steadier figure);
- warm: the same audit in this process once the imports are done, with the
  cyclic garbage collector off as the command line runs it.
Each is the best of N runs. Target: the cold run under 1 s on one core.
`--profile` prints the 15 most expensive functions of one warm run (internal
time), to tell which stage is slow.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits.__main__ import audit_all  # noqa: E402  (after the path set-up)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_run(root: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python -m audits --root root` subprocess."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "audits", "--root", str(root)], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode == 2:
        raise SystemExit(f"audit failed: {result.stderr.strip()}")
    return elapsed, _children_cpu() - cpu


def warm_run(root: Path) -> tuple[float, int, int]:
    gc.disable()  # as `guarded_main` runs every command
    try:
        start = time.perf_counter()
        audits = audit_all(root)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed, len(audits), sum(a.info.line_count for a in audits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout to audit (default: this repository)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the best is reported")
    parser.add_argument("--profile", action="store_true", help="profile one warm run")
    args = parser.parse_args()
    root = Path(args.root)

    colds = [cold_run(root) for _ in range(args.repeat)]
    cold, cold_cpu = min(wall for wall, _ in colds), min(cpu for _, cpu in colds)
    warm_runs = [warm_run(root) for _ in range(args.repeat)]
    warm = min(run[0] for run in warm_runs)
    _, modules, lines = warm_runs[0]
    print(f"modules audited : {modules} ({lines} lines)")
    print(f"cold (subprocess `python -m audits`, best of {args.repeat}): {cold:.3f} s wall, {cold_cpu:.3f} s CPU  -> {lines / cold:,.0f} lines/s")
    print(f"warm (in-process audit, best of {args.repeat})             : {warm:.3f} s  -> {lines / warm:,.0f} lines/s")
    print(f"target: cold under 1 s on one core: {'met' if cold < 1.0 else 'NOT met'}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        audit_all(root)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
