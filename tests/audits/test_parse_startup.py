"""Start-up of the auditor: no child process (jupytext's pandoc probe), nothing imported that a run does not need.

Each command runs in a child interpreter with an audit hook installed through a
`sitecustomize` on PYTHONPATH; the hook logs every process-starting event and,
at exit, which heavy packages were imported.
"""

import subprocess
import sys
from pathlib import Path

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
atexit.register(lambda: write("imported " + " ".join(sorted(n for n in ("jupytext", "nbformat", "jsonschema") if n in sys.modules))))
"""


def run_with_hook(tmp_path, *args):
    """Run `python *args` from tmp_path with the hook; (completed process, logged lines)."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "hook.log"
    log.unlink(missing_ok=True)
    # AUDITS_NO_CACHE: the audit of the checkout must not leave a result cache in it.
    env = {"PYTHONPATH": f"{site}:{REPO}", "AUDIT_HOOK_LOG": str(log), "PATH": "/usr/bin:/bin", "AUDITS_NO_CACHE": "1"}
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
