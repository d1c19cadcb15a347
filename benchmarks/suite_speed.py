"""How long does the README's test command take, serially and with workers? (prints figures)

    python benchmarks/suite_speed.py [--repeats N] [--workers auto] [--slowest 20] [-- PYTEST ARGS]

Runs the suite serially (`pytest -p no:xdist`) and with workers (`pytest -n auto`)
in turn, N times each, interleaved (serial, workers, serial, workers, ...) so that
a change of load on a shared machine hits both alike. Prints each run's wall time,
CPU time (user + system of pytest and its workers) and pass count, the median of
each, the ratio serial / workers, how much more CPU the workers spend than the
serial run (work done twice: each worker imports and collects the whole suite),
the whole machine's busy and idle CPU time over each run (Linux, /proc/stat: it
counts what pytest's own figure cannot, bite's sandboxed workers, which pytest
never waits for; on a quiet machine, idle time near zero says the run is CPU-bound),
and the slowest tests of the serial runs (setup + call + teardown, from pytest's
JUnit XML). The runs write nothing into the checkout (`-p no:cacheprovider`, XML in
a temporary folder).

The budget (issue 23): workers under 45 s and at least 1.6x faster than serial, on a
quiet 2-core machine. The script says whether the medians meet it, next to the CPU
model, the CPU count, the load average and the machine's pace before and after (a figure
taken on a busy or slowed machine says so: timing.pace), and exits 1 when they miss it
(--no-budget: always 0).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from timing import machine, pace  # the CPU model, the load and the pace, which every benchmark prints

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
BUDGET_SECONDS, BUDGET_RATIO = 45.0, 1.6  # -n auto under 45 s and at least 1.6x faster than serial (quiet 2-core machine)


def machine_cpu() -> tuple[float, float] | None:
    """(busy, idle) CPU seconds of the whole machine since boot, every CPU summed (None off Linux)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / tick, idle / tick


def run_suite(mode: str, workers: str, extra: list[str], xml: Path) -> tuple[float, float, dict[str, int], int, str]:
    """(wall seconds, CPU seconds, {outcome: count}, exit code, the machine's busy and idle CPU time
    over the run, or "" off Linux) of one pytest run."""
    parallel = ["-n", workers] if mode == "workers" else ["-p", "no:xdist"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *parallel, *extra]
    before, machine_before = resource.getrusage(resource.RUSAGE_CHILDREN), machine_cpu()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after, machine_after = resource.getrusage(resource.RUSAGE_CHILDREN), machine_cpu()  # pytest and every process it waited for (the workers)
    whole = ""
    if machine_before and machine_after:
        busy, idle = (end - begin for begin, end in zip(machine_before, machine_after))
        whole = f"; the machine: {busy:.1f} s CPU busy, {idle:.1f} s idle"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
    counts = {outcome.rstrip("s") if outcome.startswith("error") else outcome: int(n) for n, outcome in SUMMARY.findall(last)}
    return elapsed, cpu, counts, result.returncode, whole


def test_times(xml: Path) -> dict[str, float]:
    """{test id: seconds} from a JUnit XML report."""
    times = {}
    for case in ElementTree.parse(xml).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name')}"
        times[name] = float(case.get("time", 0.0))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of each mode (default 2)")
    parser.add_argument("--workers", default="auto", help="value for -n (default auto)")
    parser.add_argument("--slowest", type=int, default=20, help="how many of the slowest tests to list (default 20)")
    parser.add_argument("--no-budget", action="store_true", help="print whether the budget holds, but exit 0 either way")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = parser.parse_args(argv)

    print(f"machine before: {machine()}", flush=True)
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    slowest: dict[str, list[float]] = defaultdict(list)
    paces: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for mode in ("serial", "workers"):
                xml = Path(folder) / f"{mode}-{repeat}.xml"
                before = pace()  # the machine's pace right before the run: a run's time follows it
                paces.append(before)
                elapsed, cpu, counts, code, whole = run_suite(mode, args.workers, args.pytest_args, xml)
                walls[mode].append(elapsed)
                cpus[mode].append(cpu)
                outcome = ", ".join(f"{n} {what}" for what, n in counts.items()) or "no summary line"
                label = "serial" if mode == "serial" else f"-n {args.workers}"
                print(f"run {repeat + 1} {label:>8}: {elapsed:7.1f} s wall, {cpu:7.1f} s CPU  exit {code}  {outcome}{whole}; pace {before:.1f} ms before", flush=True)
                if mode == "serial" and xml.exists():
                    for name, seconds in test_times(xml).items():
                        slowest[name].append(seconds)

    serial, workers = statistics.median(walls["serial"]), statistics.median(walls["workers"])
    serial_cpu, workers_cpu = statistics.median(cpus["serial"]), statistics.median(cpus["workers"])
    print(f"machine after:  {machine()}")
    moved = max(paces) / min(paces) - 1
    print(f"pace before the runs: {min(paces):.1f} to {max(paces):.1f} ms" + (f": the machine's speed moved {100 * moved:.0f}% between runs, so their times are not alike" if moved > 0.15 else ""))
    print(f"\nmedian serial {serial:.1f} s, -n {args.workers} {workers:.1f} s, ratio {serial / workers:.2f}x")
    print(f"median CPU serial {serial_cpu:.1f} s, -n {args.workers} {workers_cpu:.1f} s: the workers spend {100 * (workers_cpu / serial_cpu - 1):+.0f}% CPU")
    holds = workers < BUDGET_SECONDS and serial / workers >= BUDGET_RATIO
    print(f"budget (-n auto under {BUDGET_SECONDS:.0f} s, at least {BUDGET_RATIO}x serial, quiet 2-core machine): "
          f"{'holds' if holds else 'MISSED'} ({workers:.1f} s, {serial / workers:.2f}x)")
    ranked = sorted(((statistics.median(times), name) for name, times in slowest.items()), reverse=True)[: args.slowest]
    total = sum(statistics.median(times) for times in slowest.values())
    print(f"\n{args.slowest} slowest tests of the serial runs (median s; all tests together {total:.1f} s):")
    for seconds, name in ranked:
        print(f"{seconds:7.2f}  {name}")
    return 0 if holds or args.no_budget else 1


if __name__ == "__main__":
    sys.exit(main())
