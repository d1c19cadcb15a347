"""How long does `python -m audits.bite` take over the whole course? (a script, not a test: it prints figures)

    python benchmarks/bite_speed.py [--root DIR] [--jobs N] [--repeat N] [--no-sandbox] [--no-mutants]
    python benchmarks/bite_speed.py --against OLD [--rounds N] ...   this bite against another copy's
    python benchmarks/bite_speed.py --startup N [--against OLD]      what one module's worker costs before its first cell

Runs `python -m audits.bite --format json` over every module of the checkout in a fresh
subprocess (interpreter start, parsing, the static grading rules, and for each module one
isolated child that runs the solution version and forks the student version and every
knockout) and prints the wall-clock time, the CPU time of the command and all its children
(the steadier figure on a shared machine), what was run (modules, graded cells, regions
knocked out) and the slowest modules. Best of N runs. Target: well under two minutes on
2 cores with `--jobs 2`. `--no-sandbox` runs bite without its bubblewrap sandbox: the two
wall-clock figures side by side are what the sandbox costs. The CPU time is printed only then:
processes in the sandbox's PID namespace are reaped by bubblewrap's init, and their CPU time
never reaches this process's RUSAGE_CHILDREN. Bite starts the modules longest expected first, from
each module's time in the previous run (kept in the user cache folder): a copy's first run has
only the sources' sizes to go by, so its wall-clock may be a little longer than the next ones'.

`--against OLD` compares two versions of bite on the same modules: OLD is another copy of the
repository (`git archive <commit> | tar -x -C OLD`), whose `audits` package runs instead of
this one's (the command runs in that folder). The two alternate, N rounds, in the same minutes,
so a busy machine weighs on both alike; each round prints both times and the load average,
then the medians and their ratio (wall-clock; with --no-sandbox CPU time too).

`--startup N` measures the fixed cost every module pays once, whatever its cells: the CPU time of
the worker (`python -I`, unsandboxed, on the file each copy's runner gives it: this copy's compiled
bytecode, an older copy's `audits/bite/worker.py`) on a job of one cell holding `pass`
(the interpreter, the worker's imports, IPython's shell), N runs alternated with the other copy's
worker (`--against`) and with a bare `python -I -c pass`; it prints the minimum and the median of
each (the minimum is the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import machine  # the CPU model, the load and the pace, which every benchmark prints

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(root: Path, jobs: int, extra: list[str], code: Path = ROOT) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, the JSON report) of one bite run over every module, with the
    `audits` package of the copy `code` (this repository by default)."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "audits.bite", "--root", str(root), "--jobs", str(jobs), "--format", "json", *extra],
        cwd=code, capture_output=True, text=True, check=False,
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
    parser.add_argument("--no-mutants", action="store_true", help="run bite without mutants (the solution, student and knockout versions only)")
    parser.add_argument("--against", type=Path, help="another copy of the repository: its bite and this one alternate (see the module doc)")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: rounds of one run each (default: %(default)s)")
    parser.add_argument("--startup", type=int, metavar="N", help="measure instead the worker's CPU time before a module's first cell, N runs (see the module doc)")
    args = parser.parse_args()
    if args.startup:
        startup(args)
        return
    extra = (["--no-sandbox"] if args.no_sandbox else []) + (["--no-mutants"] if args.no_mutants else [])
    if args.against is not None:
        compare(args, extra)
        return

    runs = [one_run(args.root, args.jobs, extra) for _ in range(max(1, args.repeat))]
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


def compare(args, extra: list[str]) -> None:
    """This bite and the one in `args.against`, alternated, on the same modules (see the module doc)."""
    print(f"bite {' '.join(extra) or '(defaults)'} --jobs {args.jobs} over {args.root}: this copy ({ROOT}) against {args.against}, {args.rounds} rounds alternated")
    print(f"machine: {machine()}")
    # A copy from before mutants (BITE006) has no --no-mutants flag: it runs no mutants anyway.
    knows = lambda code, flag: flag in (code / "audits" / "bite" / "__main__.py").read_text(encoding="utf-8")  # noqa: E731
    flags = {code: [flag for flag in extra if knows(code, flag)] for code in (ROOT, args.against)}
    times: dict[str, list[float]] = {"this": [], "old": []}
    cpus: dict[str, list[float]] = {"this": [], "old": []}
    for number in range(1, max(1, args.rounds) + 1):
        row = []
        for name, code in (("this", ROOT), ("old", args.against)) if number % 2 else (("old", args.against), ("this", ROOT)):
            load = os.getloadavg()[0]
            wall, cpu, report = one_run(args.root, args.jobs, flags[code], code)
            findings = sum(len(m["findings"]) for m in report["modules"])
            times[name].append(wall)
            cpus[name].append(cpu)
            row.append(f"{name} {wall:5.1f} s" + (f" ({cpu:5.1f} s CPU)" if args.no_sandbox else "") + f", {findings} findings, load {load:.1f}")
        print(f"  round {number}: " + "; ".join(row))
    this, old = statistics.median(times["this"]), statistics.median(times["old"])
    print(f"median wall-clock: this {this:.1f} s, old {old:.1f} s: this / old = {this / old:.2f}")
    if args.no_sandbox:  # the steadier figure on a shared machine (not visible through the sandbox, see above)
        this, old = statistics.median(cpus["this"]), statistics.median(cpus["old"])
        print(f"median CPU time: this {this:.1f} s, old {old:.1f} s: this / old = {this / old:.2f}")


def startup(args) -> None:
    """The worker's CPU time on a one-cell job (this copy's, the --against copy's) and a bare interpreter's."""
    from audits.bite.runner import Limits, isolated_env, worker_script

    commands = {"this worker": [sys.executable, "-I", worker_script()]}  # as this copy's runner starts it
    if args.against is not None:
        commands["old worker"] = [sys.executable, "-I", str(args.against.resolve() / "audits" / "bite" / "worker.py")]
    commands["python -I -c pass"] = [sys.executable, "-I", "-c", "pass"]
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="bite-startup-") as scratch:
        cell = {"line": 1, "graded": False, "solution": "pass", "student": "pass", "knockouts": [], "mutants": []}
        job = {"path": str(Path(scratch, "module.py")), "root": str(args.root.resolve()), "cwd": scratch, "cells": [cell], "first_change": 1, **Limits().job_fields()}
        data = json.dumps(job).encode("utf-8")
        for _ in range(args.startup):
            for name, command in commands.items():
                cpu = _children_cpu()
                result = subprocess.run(command, input=data, capture_output=True, cwd=scratch, env=isolated_env(scratch), check=False)
                cpus[name].append(_children_cpu() - cpu)
                if name != "python -I -c pass" and b'"done"' not in result.stdout:
                    raise SystemExit(f"{name} did not run the cell: {(result.stdout + result.stderr).decode(errors='replace').strip()[-300:]}")
    print(f"CPU time before a module's first cell, {args.startup} runs each, alternated ({machine()})")
    for name, values in cpus.items():
        print(f"  {name:18} min {1000 * min(values):6.1f} ms, median {1000 * statistics.median(values):6.1f} ms")


if __name__ == "__main__":
    main()
