"""`python -m audits`: one table for every module of a checkout, exit 1 when any is NOT READY.

In-process through `main`; tests/audits/test_layouts.py runs the command as a real process.
"""

import shutil
from pathlib import Path

from testkit.auditkit import run_command

HERE = Path(__file__).resolve().parent
SEEDLIKE = HERE / "seedlike"


def run(*args):
    return run_command("audits", *args)


def test_all_ready_exits_zero_with_a_row_and_a_total(tmp_path):
    root = tmp_path / "c"
    shutil.copytree(SEEDLIKE / "clean", root)
    result = run("--root", root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["module", "lines", "crit", "high", "med", "low", "score", "status"]
    assert lines[1].split()[:2] == ["01_widget", "57"] and lines[1].endswith("10.0  READY FOR EXPORT")
    assert lines[-1].startswith("total (1 module)") and lines[-1].endswith("all READY FOR EXPORT")


def test_one_module_not_ready_exits_one_and_totals_add_up(tmp_path):
    root = tmp_path / "c"
    shutil.copytree(SEEDLIKE / "clean", root)
    shutil.copytree(SEEDLIKE / "flawed" / "modules" / "16_compression", root / "modules" / "16_compression")
    result = run("--root", root)
    assert result.returncode == 1
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert set(rows) == {"01_widget", "16_compression"}
    assert rows["16_compression"].endswith("NOT READY FOR EXPORT")
    total = result.stdout.splitlines()[-1]
    assert "1 of 2 NOT READY FOR EXPORT" in total
    counts = [[int(x) for x in rows[name].split()[1:6]] for name in rows]
    assert [int(x) for x in total.split()[3:8]] == [a + b for a, b in zip(*counts)]
