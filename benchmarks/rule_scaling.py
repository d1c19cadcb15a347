"""Do the rules stay linear in the number of statements and cells? (a script: it prints figures)

    python benchmarks/rule_scaling.py [--scale 1.0]

Issue 14's slow inputs, at two sizes each so the growth shows: one cell with N
unguarded `test_unit_k()` calls (10,000 and 50,000), and module 16 with N
extra nbgrader cells spliced in (5,000 and 25,000). For each it prints the
parse time and the time of every rule (`audits.check.audit_source`) separately,
and the ratio between the two sizes: about 5 for linear rules (the sizes grow
5x), about 25 for quadratic ones. The rules target a few seconds at the larger
size. `--scale 0.1` runs a quick smoke version.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from audits.check import audit_source
from audits.parse import parse_text

ROOT = Path(__file__).resolve().parents[1]
META = '{"grade": false, "grade_id": "c%d", "locked": false, "schema_version": 3, "solution": false, "task": false}'


def calls(n: int) -> str:
    return "# %% nbgrader=" + META % 0 + "\n" + "".join(f"test_unit_{k}()\n" for k in range(n))


def cells(n: int) -> str:
    base = (ROOT / "modules" / "16_compression" / "compression.py").read_text(encoding="utf-8")
    return base + "".join(f"\n# %% nbgrader={META % (k + 1)}\nx{k} = {k}\n" for k in range(n))


def measure(text: str) -> tuple[float, float, int]:
    start = time.perf_counter()
    module = parse_text(text, "scaled.py")
    parsed = time.perf_counter()
    findings = audit_source(module, None, None)
    return parsed - start, time.perf_counter() - parsed, len(findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1 for a quick run)")
    scale = parser.parse_args().scale
    for label, build, sizes in (("unguarded calls in one cell", calls, (10_000, 50_000)), ("extra cells in module 16", cells, (5_000, 25_000))):
        rule_times = []
        for size in sizes:
            n = max(1, int(size * scale))
            parse_s, rules_s, found = measure(build(n))
            rule_times.append(rules_s)
            print(f"{label:<28} n={n:>6}: parse {parse_s:6.2f} s, rules {rules_s:6.2f} s, {found} findings")
        print(f"{'':<28} rules grew {rule_times[1] / max(rule_times[0], 1e-9):.1f}x for 5x the input (linear: about 5x)")


if __name__ == "__main__":
    main()
