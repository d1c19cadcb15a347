"""Every module source runs as a script (its inline tests pass) and is silent when imported."""

import subprocess
import sys
from pathlib import Path

import pytest

from audits.discover import find_modules

ROOT = Path(__file__).resolve().parents[2]
MODULES = [pytest.param(ref, id=ref.folder, marks=pytest.mark.module(ref.number)) for ref in find_modules(ROOT)]


def run_python(*args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("ref", MODULES)
def test_source_runs_as_script(ref):
    result = run_python(str(ref.path))
    assert result.returncode == 0, f"{ref.path.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("ref", MODULES)
def test_importing_source_runs_nothing(ref):
    """Imported (not run as __main__), a source defines things and prints nothing: no test ran."""
    code = f"import runpy; runpy.run_path({str(ref.path)!r}, run_name='imported_for_test')"
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == "", f"{ref.path.name} printed on import:\n{result.stdout[:1000]}"
