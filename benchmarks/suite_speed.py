"""How long does the README's test command take, serially and with workers? (prints figures)

    python benchmarks/suite_speed.py [--repeats N] [--workers auto] [--slowest 20] [-- PYTEST ARGS]

Runs the suite serially (`pytest -p no:xdist`) and with workers (`pytest -n auto`)
in turn, N times each, interleaved (serial, workers, serial, workers, ...) so that
a change of load on a shared machine hits both alike. Prints each run's wall time
and pass count, the median of each, the ratio serial / workers, and the slowest
tests of the serial runs (setup + call + teardown, from pytest's JUnit XML). The
runs write nothing into the checkout (`-p no:cacheprovider`, XML in a temporary
folder). Target: workers under 45 s on a quiet 2-core machine and at least 1.6x
faster than serial.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def run_suite(mode: str, workers: str, extra: list[str], xml: Path) -> tuple[float, dict[str, int], int]:
    """(wall seconds, {outcome: count}, exit code) of one pytest run."""
    parallel = ["-n", workers] if mode == "workers" else ["-p", "no:xdist"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *parallel, *extra]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
    counts = {outcome.rstrip("s") if outcome.startswith("error") else outcome: int(n) for n, outcome in SUMMARY.findall(last)}
    return elapsed, counts, result.returncode


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
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = parser.parse_args(argv)

    walls: dict[str, list[float]] = defaultdict(list)
    slowest: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for mode in ("serial", "workers"):
                xml = Path(folder) / f"{mode}-{repeat}.xml"
                elapsed, counts, code = run_suite(mode, args.workers, args.pytest_args, xml)
                walls[mode].append(elapsed)
                outcome = ", ".join(f"{n} {what}" for what, n in counts.items()) or "no summary line"
                label = "serial" if mode == "serial" else f"-n {args.workers}"
                print(f"run {repeat + 1} {label:>8}: {elapsed:7.1f} s  exit {code}  {outcome}", flush=True)
                if mode == "serial" and xml.exists():
                    for name, seconds in test_times(xml).items():
                        slowest[name].append(seconds)

    serial, workers = statistics.median(walls["serial"]), statistics.median(walls["workers"])
    print(f"\nmedian serial {serial:.1f} s, -n {args.workers} {workers:.1f} s, ratio {serial / workers:.2f}x")
    ranked = sorted(((statistics.median(times), name) for name, times in slowest.items()), reverse=True)[: args.slowest]
    total = sum(statistics.median(times) for times in slowest.values())
    print(f"\n{args.slowest} slowest tests of the serial runs (median s; all tests together {total:.1f} s):")
    for seconds, name in ranked:
        print(f"{seconds:7.2f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
