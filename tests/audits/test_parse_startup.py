"""Start-up of the auditor: no child process (jupytext's pandoc probe), nothing imported that a run does not need.

Each command runs in a child interpreter with an audit hook installed through a
`sitecustomize` on PYTHONPATH; the hook logs every process-starting event and,
at exit, which heavy packages were imported.
"""

import subprocess
import sys
from pathlib import Path

from testkit.auditkit import bare_env

REPO = Path(__file__).resolve().parents[2]
PROCESS_EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.spawn", "os.fork")
HOOK = f"""
import atexit, os, sys

LOG = os.environ["AUDIT_HOOK_LOG"]
EVENTS = {PROCESS_EVENTS!r}


def write(line):
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(line + "\\n")


def hook(event, args):
    if event in EVENTS:
        write("event " + event + " " + repr(args[:2]))


sys.addaudithook(hook)
atexit.register(lambda: write("imported " + " ".join(sorted(n for n in ("jupytext", "nbformat", "jsonschema", "isoduration", "webcolors") if n in sys.modules))))
"""


def run_with_hook(tmp_path, *args):
    """Run `python *args` from tmp_path with the hook; (completed process, logged lines)."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "hook.log"
    log.unlink(missing_ok=True)
    # AUDITS_NO_CACHE: the audit of the checkout must not leave a result cache in it.
    env = bare_env(PYTHONPATH=f"{site}:{REPO}", AUDIT_HOOK_LOG=str(log), AUDITS_NO_CACHE="1")
    result = subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return result, log.read_text(encoding="utf-8").splitlines()


def test_the_hook_sees_a_child_process(tmp_path):
    """The check below is only as good as the hook: a command that starts a process is caught."""
    result, logged = run_with_hook(tmp_path, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'])")
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("event subprocess.Popen") for line in logged)


def test_auditing_a_module_starts_no_process_and_imports_neither_jupytext_nor_nbformat(tmp_path):
    result, logged = run_with_hook(tmp_path, "-m", "audits.module", "16", "--root", str(REPO), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"findings"' in result.stdout  # the audit really ran (and parsed the module)
    assert [line for line in logged if line.startswith("event")] == []
    assert logged[-1] == "imported "  # the cell split loads jupytext's reader alone


def test_auditing_the_whole_checkout_serially_starts_no_process(tmp_path):
    result, logged = run_with_hook(tmp_path, "-m", "audits", "--root", str(REPO), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "READY" in result.stdout
    assert [line for line in logged if line.startswith("event")] == []


def test_auditing_the_whole_checkout_in_parallel_only_forks_its_workers(tmp_path):
    """--jobs 3: two forked copies of the auditor itself (audits.parallel), and no program is ever started."""
    result, logged = run_with_hook(tmp_path, "-m", "audits", "--root", str(REPO), "--jobs", "3")
    assert result.returncode == 0, result.stderr
    assert "READY" in result.stdout
    assert [line for line in logged if line.startswith("event")] == ["event os.fork ()"] * 2


# Stands in for the installed rfc3987_syntax (whose import builds a grammar parser: over a second):
# it logs that it was imported, and offers what jsonschema takes from it.
SLOW_OPTIONAL = """
import os

with open(os.environ["AUDIT_HOOK_LOG"], "a", encoding="utf-8") as log:
    log.write("loaded rfc3987_syntax\\n")


def is_valid_syntax(syntax_rule, input_string):
    return True
"""


def test_a_notebook_audit_loads_nbformat_without_jsonschemas_slow_optional_module(tmp_path):
    """jsonschema imports rfc3987_syntax and the other format checkers' modules (isoduration, webcolors...)
    when installed (every nbgrader environment has them); the audit hides them."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "rfc3987_syntax.py").write_text(SLOW_OPTIONAL, encoding="utf-8")
    notebook = REPO / "tests" / "audits" / "notebooks" / "squares.ipynb"
    result, logged = run_with_hook(tmp_path, "-m", "audits.module", str(notebook), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert '"findings"' in result.stdout
    assert logged[-1] == "imported jsonschema nbformat"  # nbformat really loaded, with its validator; no format checker's module
    assert "loaded rfc3987_syntax" not in logged


def test_the_hidden_module_is_importable_again_after_nbformat_is_loaded(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "rfc3987_syntax.py").write_text(SLOW_OPTIONAL, encoding="utf-8")
    code = "from audits.notebook import import_nbformat; import_nbformat(); import rfc3987_syntax; print(rfc3987_syntax.is_valid_syntax('iri', 'x'))"
    result, logged = run_with_hook(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert logged.count("loaded rfc3987_syntax") == 1  # once: asked for by this code, not by jsonschema


def test_a_process_that_loaded_the_module_first_keeps_it_and_jsonschemas_iri_check(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "rfc3987_syntax.py").write_text(SLOW_OPTIONAL, encoding="utf-8")
    code = (
        "import rfc3987_syntax; from audits.notebook import import_nbformat; import_nbformat(); import jsonschema, sys;"
        "print('iri' in jsonschema.FormatChecker.checkers, sys.modules['rfc3987_syntax'] is rfc3987_syntax)"
    )
    result, logged = run_with_hook(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
    assert logged.count("loaded rfc3987_syntax") == 1
