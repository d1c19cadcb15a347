"""How long does `python -m audits.bite` take over the whole course? (a script, not a test: it prints figures)

    python benchmarks/bite_speed.py [--root DIR] [--jobs N] [--repeat N] [--no-sandbox]

Runs `python -m audits.bite --format json` over every module of the checkout in a fresh
subprocess (interpreter start, parsing, the static grading rules, and for each module one
isolated child that runs the solution version and forks the student version and every
knockout) and prints the wall-clock time, the CPU time of the command and all its children
(the steadier figure on a shared machine), what was run (modules, graded cells, regions
knocked out) and the slowest modules. Best of N runs. Target: well under two minutes on
2 cores with `--jobs 2`. `--no-sandbox` runs bite without its bubblewrap sandbox: the two
wall-clock figures side by side are what the sandbox costs. The CPU time is printed only then:
processes in the sandbox's PID namespace are reaped by bubblewrap's init, and their CPU time
never reaches this process's RUSAGE_CHILDREN.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(root: Path, jobs: int, extra: list[str]) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, the JSON report) of one bite run over every module."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "audits.bite", "--root", str(root), "--jobs", str(jobs), "--format", "json", *extra],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if result.returncode == 2:
        raise SystemExit(f"bite failed: {result.stderr.strip()}")
    return elapsed, _children_cpu() - cpu, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to run (default: this one)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="modules side by side (default: CPU count)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best is reported (default: 1)")
    parser.add_argument("--no-sandbox", action="store_true", help="run bite without its sandbox (to see what the sandbox costs)")
    args = parser.parse_args()

    runs = [one_run(args.root, args.jobs, ["--no-sandbox"] if args.no_sandbox else []) for _ in range(max(1, args.repeat))]
    wall, cpu, report = min(runs, key=lambda run: run[0])
    modules = report["modules"]
    graded = sum(m["bite"]["graded"] for m in modules)
    regions = sum(m["bite"]["regions"] for m in modules)
    findings = sum(len(m["findings"]) for m in modules)
    print(f"bite over {len(modules)} modules ({graded} graded cells, {regions} regions knocked out), --jobs {args.jobs}, best of {len(runs)}")
    print(f"  isolation   {modules[0]['bite']['isolation'] if modules else '-'}")
    print(f"  wall-clock  {wall:6.1f} s")
    if args.no_sandbox:
        print(f"  CPU time    {cpu:6.1f} s (the command and every child)")
    else:  # bubblewrap's init in the PID namespace does not hand its children's CPU time up to us
        print("  CPU time    not visible through the sandbox's PID namespace (see --no-sandbox)")
    print(f"  findings    {findings}")
    slowest = sorted(modules, key=lambda m: -m["bite"]["seconds"])[:5]
    print("  slowest modules: " + ", ".join(f"{m['module']['folder']} {m['bite']['seconds']:.1f} s" for m in slowest))


if __name__ == "__main__":
    main()
