"""Every module source runs as a script (its inline tests pass) and is silent when imported.

Both checks of a module share one interpreter (`checked`): it imports the source first
(any output of the file descriptor 1 captured), then runs it as `__main__`. One process
per module instead of two; the import still happens in a fresh interpreter. The cache
lives in one worker, so a module's two tests are one xdist group: with `pytest -n` they run
on the same worker and the second reads the first's result (issue 23: apart, each worker
started the same child, and the file cost twice its serial time).

That interpreter is forked from a small server (`SERVER`, one per pytest worker) that has
imported numpy and nothing of the course: every source imports numpy, and starting Python
and importing numpy cost about 0.13 s of CPU, paid once per worker instead of once per
module (issue 23, the suite's CPU budget). The fork holds no tinytorch module and no
course state, so each source still starts from nothing of its own.
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


# Reads one job per line on stdin ({"source", "report", "stdout", "stderr"}), forks, and in the
# child runs DRIVER as `python -c DRIVER source report` would, fd 1 and 2 going to the job's files;
# answers each job with the child's exit code (negative: killed by that signal) on one line.
# A child gets SECONDS of wall time (SIGALRM ends it).
SERVER = """
import json, os, signal, sys
import numpy  # every module source imports it: imported here once, inherited by each fork
driver, seconds = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the jobs' pipe is the server's, not the source's
        for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        signal.alarm(seconds)
        sys.argv = ["-c", job["source"], job["report"]]
        exec(compile(driver, "<string>", "exec"), {"__name__": "__main__"})
        sys.exit(0)  # the child ends here, as the script would; an exception ends it with 1
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""
SECONDS = 240  # below pytest-timeout's 300 (pytest.ini): the child ends first, so its answer still comes back


@pytest.fixture(scope="session")
def server():
    """The fork server of this pytest worker, closed (stdin at EOF, then waited for) at the end."""
    process = subprocess.Popen([sys.executable, "-c", SERVER, DRIVER, str(SECONDS)], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    yield process
    process.stdin.close()
    process.stdout.close()
    process.wait(timeout=60)


@functools.cache
def checked(path: Path, server: subprocess.Popen) -> tuple[dict, subprocess.CompletedProcess]:
    """(what importing the source printed or raised, the script run) from one fresh forked interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        files = {name: Path(folder) / name for name in ("import.json", "stdout", "stderr")}
        job = {"source": str(path), "report": str(files["import.json"]),
               "stdout": str(files["stdout"]), "stderr": str(files["stderr"])}
        server.stdin.write(json.dumps(job) + "\n")
        server.stdin.flush()
        answer = server.stdout.readline()
        assert answer, f"the fork server ended while running {path.name} (exit code {server.poll()})"
        stdout, stderr = (files[name].read_text(encoding="utf-8", errors="replace") if files[name].exists() else ""
                          for name in ("stdout", "stderr"))
        result = subprocess.CompletedProcess([path], int(answer), stdout, stderr)
        report = files["import.json"]
        imported = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"printed": "", "error": stderr}
    return imported, result


@pytest.mark.parametrize("ref", MODULES)
def test_source_runs_as_script(ref, server):
    _, result = checked(ref.path, server)
    assert result.returncode == 0, f"{ref.path.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("ref", MODULES)
def test_importing_source_runs_nothing(ref, server):
    """Imported (not run as __main__), a source defines things and prints nothing: no test ran."""
    imported, _ = checked(ref.path, server)
    assert imported["error"] == "", imported["error"][-3000:]
    assert imported["printed"] == "", f"{ref.path.name} printed on import:\n{imported['printed'][:1000]}"
