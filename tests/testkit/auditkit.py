"""Helpers for the harness's own tests: build module sources and checkouts from small texts."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audits.discover import LAYOUTS as DISCOVERY_LAYOUTS
from audits.check import audit_source
from audits.index import RepoIndex
from audits.parse import parse_text
from audits.model import unfold

REPO = Path(__file__).resolve().parents[2]
PYCACHE = Path(tempfile.gettempdir()) / "tinytorch-qa-pycache"  # where conftest.py caches the suite's bytecode

HEADER = """# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---
"""


def marker(grade_id: str, role: str = "setup", **overrides) -> str:
    """A complete `# %% nbgrader=` line for a setup, solution ("impl") or test cell."""
    meta = {
        "setup": {"grade": False, "locked": False, "solution": False},
        "impl": {"grade": False, "locked": False, "solution": True},
        "test": {"grade": True, "locked": True, "points": 1, "solution": False},
    }[role]
    full = {"grade": meta["grade"], "grade_id": grade_id, "locked": meta["locked"]}
    if "points" in meta:
        full["points"] = meta["points"]
    full.update({"schema_version": 3, "solution": meta["solution"], "task": False})
    full.update(overrides)
    return "# %% nbgrader=" + json.dumps(full)


def source(*cells: str, target: str = "core.widget") -> str:
    """A module source: the jupytext header, an imports cell exporting to `target`, then `cells`."""
    first = f'{marker("imports")}\n#| default_exp {target}\n#| export\nimport numpy as np\n'
    return HEADER + "\n" + first + "".join("\n" + c.rstrip("\n") + "\n" for c in cells)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based number of the nth line containing `needle` (independent of the parser)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not found {nth} time(s)")


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """A command's bad-input contract: exit 2 and one `error:` line on stderr naming the problem, no traceback."""
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle in err, err


def audit_text(text: str, index: RepoIndex | None = None, config=None, path: str = "widget.py"):
    return audit_source(parse_text(text, path), index, config)


def found(findings, code: str | None = None) -> list[tuple[str, int]]:
    """(code, line) of every place, optionally only for one code: a finding folded from several
    lines of one cell (audits.check.fold) gives each of its lines."""
    return [(f.code, f.line) for f in unfold(findings) if code is None or f.code == code]


# Where a module source lives in each layout discovery understands, read from its table
# ({folder} is "16_compression", {name} "compression", {number} "16"): a layout added to
# audits.discover.LAYOUTS is audited end to end by tests/audits/test_layouts.py at once.
# The notebook layouts' sources are .ipynb files, written by their own tests.
LAYOUTS = {
    name: example
    for layout in DISCOVERY_LAYOUTS
    for name, example in zip(layout.example_names(), layout.examples)
    if example.endswith(".py")
}


def layout_path(layout: str, folder: str) -> str:
    """Where a module folder ("16_compression") puts its source in one of the LAYOUTS."""
    return LAYOUTS[layout].format(folder=folder, name=folder.split("_", 1)[1], number=folder[:2])


def make_checkout(root: Path, modules: dict[str, str], files: dict[str, str] | None = None, layout: str = "modules/NN_name/name.py") -> Path:
    """Write modules {"16_compression": text} in one of the LAYOUTS, plus other files by relative path."""
    written = {layout_path(layout, folder): text for folder, text in modules.items()}
    for relative, text in {**written, **(files or {})}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# The command-line entry points, by the name `python -m NAME` runs.
COMMANDS = {
    "audits": "audits.__main__",
    "audits.module": "audits.module",
    "audits.export": "audits.export",
    "audits.rules": "audits.rules.__main__",
}


@dataclass
class CommandResult:
    """What a command run gave: the fields of `subprocess.CompletedProcess` the tests read."""

    returncode: int
    stdout: str
    stderr: str


def run_command(command: str, *args, cwd: Path | str | None = None) -> CommandResult:
    """Run `python -m command args` in this process through its `main(argv)`.

    The same code path as the real command minus the interpreter start (about a
    second per run on the CI machine). Each command keeps a few tests in a real
    process for what only a process shows (tests/audits/test_bad_input.py,
    test_*_in_a_real_process).
    """
    main = importlib.import_module(COMMANDS[command]).main
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit:  # argparse usage errors and --help
                code = 0 if exit.code is None else exit.code if isinstance(exit.code, int) else 2
    finally:
        os.chdir(previous)
    return CommandResult(code, stdout.getvalue(), stderr.getvalue())


def bare_env(**variables: str) -> dict[str, str]:
    """The whole environment of a child Python that must not inherit this one's: a PATH, the checkout
    importable, and the bytecode cache conftest.py chose in the temp folder (the child compiles nothing
    already compiled there, and writes no `__pycache__` into the checkout); then `variables`."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    return {**env, **variables}
