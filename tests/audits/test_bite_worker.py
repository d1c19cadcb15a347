"""What bite's worker does to save time (audits/bite/worker.py) leaves a cell's semantics as a kernel's:
one module, run once in its sandbox, whose graded cells check the parts those savings touch. And the
worker itself starts from its compiled bytecode, kept fresh (audits/bite/runner.py, worker_script)."""

import importlib.util
import os
import pkgutil
import py_compile
import subprocess
import sys

import pytest
from testkit.auditkit import make_checkout, marker, source

from audits.auditor import Auditor
from audits.bite import runner
from audits.bite.__main__ import bite_module
from audits.bite.runner import Limits

IMPL = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'
CELLS = (
    IMPL,
    marker("test-two", "test") + "\nassert two() == 2\n",
    # The collector is off while IPython loads and what it made is frozen: the course's own garbage
    # cycles are still collected, with their finalizers, as in a kernel.
    marker("test-gc", "test")
    + "\nimport gc, weakref\nassert gc.isenabled()\nclass Node:\n    pass\n"
    + "node = Node(); node.me = node; gone = []\nweakref.finalize(node, gone.append, 1)\ndel node\n"
    + "gc.collect()\nassert gone == [1]\n",
    # The trailing-`;` check (skipped for text without a `;`): a value is kept in Out unless the
    # cell's last token is a `;`; a `;` elsewhere, in a string or between statements, does not count.
    marker("shown") + "\n1 + 2",
    marker("hidden") + "\n4 + 5;",
    marker("semicolon-inside") + '\nx = 6; x + 1\n"a;b"',
    marker("test-out", "test") + '\nassert sorted(Out.values(), key=str) == [3, "a;b"], Out\nassert _ == "a;b"\n',
    # __future__ flags carry from cell to cell (the worker parses each text once, ahead, with them).
    marker("future") + "\nfrom __future__ import annotations\ndef f(x: NotDefinedAnywhere) -> int:\n    return 1\n",
    marker("test-future", "test") + "\ndef g(y: AlsoNotDefined):\n    return f(y)\n\nassert g(0) == 1\n",
    # A cell that closes stderr: the next graded cells are still judged (the worker reads fd 2 for what
    # they write there, which nbgrader scores 0 points).
    marker("stderr-closed") + "\nimport os, sys\nsys.stderr.flush()\nos.close(2)\n",
    marker("test-after-stderr-closed", "test") + "\nassert two() == 2\n",
    # ... and the file opened next takes fd 2: the worker leaves it alone (it empties fd 2 before each cell
    # only while fd 2 is its own file).
    marker("file-on-fd-2") + "\nkept = open('kept.txt', 'w')\nassert kept.fileno() == 2\nkept.write('mine'); kept.flush()\n",
    marker("test-file-on-fd-2", "test") + "\nassert open('kept.txt').read() == 'mine' and two() == 2\n",
    # `%gui` as ipykernel takes it: a toolkit it knows is kept (no loop ever runs here), another is a
    # UsageError (which the `%gui` magic prints as a message, as in Jupyter).
    marker("test-gui", "test")
    + "\nfrom IPython.core.error import UsageError\nget_ipython().run_line_magic('gui', 'tk')\nrefused = []\n"
    + "try:\n    get_ipython().enable_gui('no-such-toolkit')\nexcept UsageError as error:\n    refused.append(str(error))\n"
    + "assert refused and 'no-such-toolkit' in refused[0]\n",
    # The kernel's event loop outlives a cell: a task made in one is awaited in the next.
    marker("task") + "\nimport asyncio\ntask = asyncio.ensure_future(asyncio.sleep(0, result=7))\n",
    marker("test-task", "test") + "\nassert await task == 7 and asyncio.get_event_loop().is_running()\n",
)


def test_a_cells_semantics_survive_the_workers_savings(tmp_path):
    root = make_checkout(tmp_path / "course", {"01_widget": source(*CELLS)})
    auditor = Auditor(root)
    bite = bite_module(auditor, auditor.index.source(1), Limits(timeout=20), mutants=False)
    assert bite.run.stopped is None and bite.run.solution and all(outcome.passed for outcome in bite.run.solution.values()), bite.run.solution
    assert bite.summary.graded == 8 and bite.summary.solution_passed == 8


@pytest.mark.parametrize("value, points, expected", [
    (0.5, 1.0, "shows 0.5, which nbgrader takes as partial credit: 0.5 of its 1 point"),
    (0, 2.0, "shows 0, which nbgrader takes as partial credit: 0 of its 2 points"),
    (3, 2.0, "shows 3, more than its 2 points: nbgrader's autograde stops on it"),
    (2, 2.0, None),  # its full points
    (True, 1.0, None),  # text/plain "True" is no number
    ("0.5", 1.0, None),  # a string's text/plain keeps its quotes
    (-1.0, 1.0, None),  # nbgrader gives full points to a negative number
    (float("nan"), 1.0, None),
    ([0.5], 1.0, None),  # "[0.5]" is no number
])  # fmt: skip
def test_a_number_a_graded_cell_shows_last_is_partial_credit_as_nbgrader_reads_it(value, points, expected):
    from audits.bite.worker import partial_credit

    found = partial_credit(value, points)
    assert (found is None) == (expected is None), found
    assert found is None or found.startswith(expected), found

    # nbgrader's own reading of the same cell (its determine_grade, on the value's text/plain as a kernel sends it);
    # imported here, not at the top: every xdist worker imports this file, and nbgrader is slow to import.
    import nbformat
    from IPython.core.formatters import PlainTextFormatter
    from nbgrader.utils import determine_grade

    cell = nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade": True, "solution": False, "points": points, "grade_id": "t"}})
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": PlainTextFormatter()(value)}, execution_count=1)]
    try:
        score, _ = determine_grade(cell)
    except ValueError:  # above the cell's points: autograde stops
        assert found is not None and "autograde stops" in found
    else:
        assert (found is None) == (score == points), (score, found)


def test_the_worker_runs_from_bytecode_compiled_once_and_again_when_its_source_changes(tmp_path, monkeypatch):
    """Python compiles a script it is given on every run: the runner gives it the worker's bytecode instead,
    written beside the source as an import writes a module's, rewritten when the source changes, and the
    source itself where no bytecode can be written."""
    worker = tmp_path / "worker.py"
    worker.write_text("print('first')\n", encoding="utf-8")
    monkeypatch.setattr(runner, "WORKER", worker)
    monkeypatch.setattr(sys, "pycache_prefix", None)  # bytecode beside its source, whatever PYTHONPYCACHEPREFIX says
    cached = importlib.util.cache_from_source(str(worker))

    assert runner.worker_script() == cached
    written = os.stat(cached)
    assert runner.worker_script() == cached
    assert (os.stat(cached).st_ino, os.stat(cached).st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # fresh: not written again
    assert subprocess.run([sys.executable, "-I", cached], capture_output=True, text=True, check=True).stdout == "first\n"

    worker.write_text("print('second, longer')\n", encoding="utf-8")  # another size: stale
    assert runner.worker_script() == cached
    with open(cached, "rb") as file:
        assert "second, longer" in pkgutil.read_code(file).co_consts
    assert subprocess.run([sys.executable, "-I", cached], capture_output=True, text=True, check=True).stdout == "second, longer\n"

    # Bytecode a reproducible build wrote (checked by the source's hash, not its time): used while the
    # source hashes the same, written again once it does not (the same size: only the hash tells).
    py_compile.compile(str(worker), cfile=cached, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    written = os.stat(cached)
    assert runner.worker_script() == cached and os.stat(cached).st_ino == written.st_ino
    worker.write_text("print('SECOND, longer')\n", encoding="utf-8")
    assert runner.worker_script() == cached and os.stat(cached).st_ino != written.st_ino
    assert subprocess.run([sys.executable, "-I", cached], capture_output=True, text=True, check=True).stdout == "SECOND, longer\n"

    # No bytecode can be written there (`__pycache__` is a file): the source runs, as before.
    for path in (tmp_path / "__pycache__").iterdir():
        path.unlink()
    (tmp_path / "__pycache__").rmdir()
    (tmp_path / "__pycache__").write_text("not a folder", encoding="utf-8")
    assert runner.worker_script() == str(worker)
