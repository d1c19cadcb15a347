"""Every module source runs as a script (its inline tests pass) and is silent when imported.

Both checks of a module share one interpreter (`checked`): it imports the source first
(any output of the file descriptor 1 captured), then runs it as `__main__`. One process
start per module instead of two; the import still happens in a fresh interpreter. The
cache lives in one worker, so a module's two tests are one xdist group: with `pytest -n`
they run on the same worker and the second reads the first's result (issue 23: apart,
each worker started the same child, and the file cost twice its serial time).
"""

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from audits.discover import find_modules

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    pytest.param(ref, id=ref.folder, marks=[pytest.mark.module(ref.number), pytest.mark.xdist_group(f"source-{ref.folder}")])
    for ref in find_modules(ROOT)
]

# argv: source, report path. Imports the source with stdout (fd 1) captured and writes what it
# printed and any error to the report; then runs the source as a script would run.
DRIVER = """
import json, os, runpy, sys, tempfile, traceback
source, report = sys.argv[1], sys.argv[2]
sys.path.insert(1, os.path.dirname(source))  # the script's folder, as `python source` has it
saved = os.dup(1)
with tempfile.TemporaryFile() as captured:
    os.dup2(captured.fileno(), 1)
    error = ""
    try:
        runpy.run_path(source, run_name="imported_for_test")
    except BaseException:
        error = traceback.format_exc()
    sys.stdout.flush()
    os.dup2(saved, 1)
    captured.seek(0)
    printed = captured.read().decode("utf-8", "replace")
with open(report, "w", encoding="utf-8") as stream:
    json.dump({"printed": printed, "error": error}, stream)
sys.argv = [source]
runpy.run_path(source, run_name="__main__")
"""


@functools.cache
def checked(path: Path) -> tuple[dict, subprocess.CompletedProcess]:
    """(what importing the source printed or raised, the script run) from one fresh interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "import.json"
        result = subprocess.run([sys.executable, "-c", DRIVER, str(path), str(report)], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        imported = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"printed": "", "error": result.stderr}
    return imported, result


@pytest.mark.parametrize("ref", MODULES)
def test_source_runs_as_script(ref):
    _, result = checked(ref.path)
    assert result.returncode == 0, f"{ref.path.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("ref", MODULES)
def test_importing_source_runs_nothing(ref):
    """Imported (not run as __main__), a source defines things and prints nothing: no test ran."""
    imported, _ = checked(ref.path)
    assert imported["error"] == "", imported["error"][-3000:]
    assert imported["printed"] == "", f"{ref.path.name} printed on import:\n{imported['printed'][:1000]}"
