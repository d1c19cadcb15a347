"""Mutation testing speed: `python -m audits.bite` against mutmut on the same functions with the same tests.

    python benchmarks/mutant_speed.py                    every module: bite's time with and without mutants
    python benchmarks/mutant_speed.py --mutmut 01 02     also mutmut on modules 01 and 02 (pip install -e ".[bench]")

Bite: `python -m audits.bite --format json --jobs N` over the chosen modules, once with its mutants
and once with `--no-mutants`; mutants/s = mutants run / (time with - time without).

mutmut (3.x) on the same functions with the same tests: for each module given to --mutmut, a scratch
project holds `course.py` (the module's non-graded code cells, solutions in place, every line outside
a solution region marked `# pragma: no mutate`, so mutmut mutates only what bite mutates) and
`tests/test_course.py` (the module's graded cells, run by pytest); `mutmut run` there, timed, and its
mutant count read back from `mutmut results`. mutmut runs each mutant through pytest in a forked
worker; bite forks its worker just before the mutated cell. The two tools do not generate the same
mutants (mutmut also mutates strings and numbers, bite models numerical mistakes), so the figure to
compare is mutants per second, and each tool's count is printed beside it.

`--choosing N [--against OLD]` times only the choice of the mutants, the part that runs in bite's
own process before any course code: the CPU time of `sampled_mutants` over every solution region of
the checkout, every mutant and a sample of two per region (the suite's), in a fresh interpreter, N
runs; with `--against`, alternated with another copy of the repository (`git archive <commit> | tar
-x -C OLD`), whose `audits` chooses from the same sources, and the medians side by side.

Run on a quiet machine; on a loaded one every time grows and the script says nothing about it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits.auditor import Auditor  # noqa: E402
from audits.parse import parse_module  # noqa: E402
from audits.solutions import is_graded, solution_regions  # noqa: E402
from timing import machine  # noqa: E402  (the CPU model, the load and the pace, which every timing benchmark prints)


def run_bite(targets: list[str], jobs: int, mutants: bool) -> tuple[float, dict]:
    """Wall-clock seconds of one bite run, and its JSON document."""
    command = [sys.executable, "-m", "audits.bite", *targets, "--format", "json", "--jobs", str(jobs)]
    if not mutants:
        command.append("--no-mutants")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"bite failed: {done.stderr.strip()[-500:]}")
    return seconds, json.loads(done.stdout)


def bite_counts(document: dict) -> tuple[int, int]:
    blocks = [module.get("bite", {}) for module in document.get("modules", [])]
    return sum(b.get("mutants", 0) for b in blocks), sum(b.get("killed", 0) for b in blocks)


def mutmut_project(number: str, folder: Path) -> None:
    """course.py + tests/test_course.py + setup.cfg for one module (see the module docstring)."""
    auditor = Auditor(str(ROOT))
    ref = next(r for r in auditor.refs if r.number == int(number))
    module = parse_module(ref)
    inside = {line for region in solution_regions(module) for line in range(region.first + 1, region.last)}
    course, tests = [], ["import course", 'globals().update({k: v for k, v in vars(course).items() if not k.startswith("__")})', ""]
    for cell in module.code_cells():
        if is_graded(cell):
            tests += [text for _, text in cell.lines()] + [""]
            continue
        for line, text in cell.lines():
            if text.lstrip().startswith("#|"):
                text = ""
            elif line not in inside and text.strip() and not text.strip().startswith("#"):
                text += "  # pragma: no mutate"
            course.append(text)
        course.append("")
    (folder / "tests").mkdir(parents=True)
    (folder / "course.py").write_text("\n".join(course), encoding="utf-8")
    (folder / "tests" / "test_course.py").write_text("\n".join(tests), encoding="utf-8")
    (folder / "setup.cfg").write_text("[mutmut]\npaths_to_mutate=course.py\ntests_dir=tests/\n", encoding="utf-8")


def run_mutmut(number: str, jobs: int) -> tuple[float, int]:
    """Seconds of `mutmut run` on one module's project, and the number of mutants it ran."""
    if shutil.which("mutmut") is None:
        raise SystemExit('mutmut is not installed: pip install -e ".[bench]"')
    with tempfile.TemporaryDirectory(prefix="mutmut-") as scratch:
        folder = Path(scratch)
        mutmut_project(number, folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        subprocess.run(["mutmut", "run", "--max-children", str(jobs)], cwd=folder, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        listed = subprocess.run(["mutmut", "results", "--all", "true"], cwd=folder, env=env, capture_output=True, text=True).stdout
        count = len(re.findall(r"^\s*\S+__mutmut_\d+: ", listed, re.MULTILINE))
    return seconds, count


# Run in a fresh interpreter with a copy's `audits` first on the path: the CPU seconds its
# sampled_mutants takes over every region of the checkout given, for every mutant and for two a region.
CHOOSING = """
import json, sys, time
from pathlib import Path
from audits.bite.mutants import sampled_mutants
from audits.discover import find_modules
from audits.parse import parse_file
from audits.solutions import solution_regions
regions = [region for ref in find_modules(Path(sys.argv[1])) for region in solution_regions(parse_file(ref.path))]
found = {}
for limit in (None, 2):
    start = time.process_time()
    count = sum(len(sampled_mutants(region, limit)) for region in regions)
    found[str(limit)] = [count, time.process_time() - start]
print(json.dumps({"regions": len(regions), **found}))
"""


def choosing(rounds: int, against: Path | None) -> None:
    """The CPU time of choosing the mutants, this copy's and `against`'s, alternated (see the module doc)."""
    copies = {"this": ROOT, **({"old": against.resolve()} if against is not None else {})}
    times: dict[str, dict[str, list[float]]] = {name: {"None": [], "2": []} for name in copies}
    counts: dict[str, dict] = {}
    for number in range(rounds):
        for name in copies if number % 2 == 0 else reversed(list(copies)):
            env = {**os.environ, "PYTHONPATH": str(copies[name])}
            done = subprocess.run([sys.executable, "-c", CHOOSING, str(ROOT)], cwd=copies[name], env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"choosing mutants failed in {copies[name]}: {done.stderr.strip()[-500:]}")
            result = json.loads(done.stdout)
            counts[name] = result
            for limit in ("None", "2"):
                times[name][limit].append(result[limit][1])
    print(f"choosing the mutants of {counts['this']['regions']} regions, CPU seconds, median of {rounds} runs ({machine()})")
    for name, copy in copies.items():
        every, sample = (statistics.median(times[name][limit]) for limit in ("None", "2"))
        print(f"  {name} ({copy}): every mutant ({counts[name]['None'][0]}) {every:.3f} s; two a region ({counts[name]['2'][0]}) {sample:.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module numbers for bite (default: every module)")
    parser.add_argument("--mutmut", nargs="*", default=[], metavar="NN", help="also run mutmut on these modules (with bite on the same ones)")
    parser.add_argument("--jobs", type=int, default=2, help="modules (bite) or mutants (mutmut) side by side (default: 2)")
    parser.add_argument("--choosing", type=int, metavar="N", help="time only the choice of the mutants, N runs (see the module doc)")
    parser.add_argument("--against", type=Path, metavar="OLD", help="with --choosing: another copy of the repository, alternated with this one")
    args = parser.parse_args(argv)
    if args.choosing:
        choosing(args.choosing, args.against)
        return 0

    print(f"machine: {machine()}")
    with_time, document = run_bite(args.modules, args.jobs, mutants=True)
    without_time, _ = run_bite(args.modules, args.jobs, mutants=False)
    count, killed = bite_counts(document)
    extra = max(with_time - without_time, 1e-9)
    print(f"bite {' '.join(args.modules) or 'every module'}: {with_time:.1f} s with {count} mutants ({killed} killed), "
          f"{without_time:.1f} s without: {count / extra:.1f} mutants/s")  # fmt: skip
    for number in args.mutmut:
        seconds, mutmut_count = run_mutmut(number, args.jobs)
        bite_time, bite_document = run_bite([number], args.jobs, mutants=True)
        bite_without, _ = run_bite([number], args.jobs, mutants=False)
        bite_count, _ = bite_counts(bite_document)
        print(f"module {number}: bite {bite_count} mutants, {bite_count / max(bite_time - bite_without, 1e-9):.1f} mutants/s "
              f"({bite_time:.1f} s in all); mutmut {mutmut_count} mutants in {seconds:.1f} s: {mutmut_count / seconds:.2f} mutants/s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
