"""Audit every module of a checkout and print one table (installed as the command `tinyaudit`).

    python -m audits                 every module under ./modules (or the other known layouts)
    python -m audits --root DIR      another checkout
    python -m audits --format json   one JSON document for the whole repository (also sarif, github, text)
    python -m audits 15 16           only these modules, as `python -m audits.module 15 16` does

    module             lines  crit  high  med  low  score  status
    01_tensor            612     0     0    0    0   10.0  READY FOR EXPORT
    16_compression       840     1     3    0    0    6.0  NOT READY FOR EXPORT
    total (2 modules)   1452     1     3    0    0         1 of 2 NOT READY

Exit status: 0 every module READY FOR EXPORT (or --exit-zero), 1 any module NOT
READY, 2 usage or input error (one line on stderr). `python -m audits.module NN`
gives one module's full review and fix plan; every option of it works here too
(--select, --ignore, --exit-zero, --fix, --fix --diff, --version).
"""

from __future__ import annotations

import sys
from pathlib import Path

from audits import score as scoring
from audits.model import InputError
from audits import module
from audits.auditor import Audit, Auditor

COLUMNS = ("critical", "high", "medium", "low")
HEADERS = ("crit", "high", "med", "low")


def audit_all(root: Path | str = ".") -> list[Audit]:
    auditor = Auditor(root, cache=True)
    if not auditor.refs:
        raise InputError(f"no module sources under {auditor.root.resolve()} (looked in modules/, modules/source/, src/)")
    return [auditor.audit_ref(ref) for ref in auditor.refs]


def table(audits: list[Audit]) -> str:
    names = [a.stem for a in audits]
    total_label = f"total ({len(audits)} module{'s' if len(audits) != 1 else ''})"
    width = max([len("module"), len(total_label)] + [len(n) for n in names])
    rows = [f"{'module':<{width}}  {'lines':>6}  " + "  ".join(f"{h:>4}" for h in HEADERS) + f"  {'score':>5}  status"]
    totals = dict.fromkeys(COLUMNS, 0)
    lines_total = 0
    for name, audit in zip(names, audits):
        counts = scoring.counts(audit.findings)
        for key in COLUMNS:
            totals[key] += counts[key]
        lines_total += audit.info.line_count
        rows.append(
            f"{name:<{width}}  {audit.info.line_count:>6}  "
            + "  ".join(f"{counts[key]:>4}" for key in COLUMNS)
            + f"  {scoring.score(audit.findings):>5.1f}  {scoring.status(audit.findings)}"
        )
    not_ready = sum(1 for a in audits if not a.ready)
    verdict = "all READY FOR EXPORT" if not not_ready else f"{not_ready} of {len(audits)} NOT READY FOR EXPORT"
    rows.append(
        f"{total_label:<{width}}  {lines_total:>6}  " + "  ".join(f"{totals[key]:>4}" for key in COLUMNS) + f"  {'':>5}  {verdict}"
    )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    return module.main(argv, prog="python -m audits", table=table)


if __name__ == "__main__":
    sys.exit(main())
