"""nbgrader itself, as the reference bite must agree with (tests/audits/test_bite_nbgrader.py and
benchmarks/bite_agreement.py).

    nbgrader_run(course, grade=("ps1",)) -> dict    one subprocess: every assignment of the course
        through `generate_assignment`, then each assignment in `grade` autograded twice, the
        source submitted as student "solution" (Jupyter runs the solution) and the release as
        student "student" (autograde restores locked cells and hidden tests). For each notebook:
        whether it was released, and per code cell (by position) whether it failed, per version
        (raised; or, a graded test cell, scored below its points: `_failed`).
        The assignments in `releases_only` (never graded) are released as `nbgrader
        generate_assignment --no-db` releases them: the same preprocessors, without the gradebook.
    bite_run(course, notebook) -> dict              the same per-cell verdicts from `audits.bite`
    compare(ours, theirs) -> list[Difference]

nbgrader runs in a child process with its own HOME and Jupyter folders: it reads and writes
configuration and a gradebook, and one process serves every notebook (one import, one
gradebook) to keep the cost low. Four costs of that process that have nothing to do with
what nbgrader decides are cut there (see `_lighten`): the IRI grammar jsonschema compiles
at import, the `alembic heads` subprocess that stamps a new gradebook, a disk sync per
gradebook commit, and checking nbgrader's metadata schema itself again for every cell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

VERSIONS = ("solution", "student")


def _errored(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _failed(cell) -> bool:
    """nbgrader's verdict on an autograded code cell: an error output, or, for a graded test cell, less
    than its full points (nbgrader.utils.determine_grade: text on stderr scores 0, a number shown last
    is partial credit)."""
    if _errored(cell):
        return True
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not (meta.get("grade") and not meta.get("solution")):
        return False
    from nbgrader.utils import determine_grade

    score, points = determine_grade(cell)
    return score is not None and score < points


def _error_name(cell) -> str:
    return next((output.get("ename", "") for output in cell.get("outputs", []) if output.get("output_type") == "error"), "")


def _lighten() -> None:
    """Make the nbgrader process cheaper without changing a verdict (run before nbgrader is imported).

    - `rfc3987_syntax`, when installed (jsonschema's "format-nongpl" extra, pulled in by
      jupyter-events), compiles a lark grammar when jsonschema is imported: 2-2.5 s of CPU, the
      largest cost of importing nbformat. It only checks the "iri" string format, which no
      notebook or nbgrader schema uses; jsonschema skips that check when it cannot import it.
    - A new gradebook is stamped with the schema's revision by running `alembic heads` in a
      subprocess (a second interpreter importing nbgrader: seconds); the same revision is read
      here with alembic's own API.
    - The gradebook is an SQLite file that nbgrader commits after almost every cell; each commit
      waits for the disk. Nothing reads it after this process, so the commits are not synced.
    - nbgrader checks each cell's metadata with `jsonschema.validate(metadata, schema)`, which
      first checks the schema itself against JSON Schema's metaschema, every time (twice per cell
      in `generate_assignment`: most of its CheckCellMetadata step). Its schema is checked once
      here and its validator kept; each cell gets the same check and the same error, as
      `jsonschema.validate` picks it (`best_match`).
    """
    sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError

    import types

    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def alembic_version() -> str:
        with nbgrader.api._temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
            return ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()

    nbgrader.api.get_alembic_version = alembic_version

    @event.listens_for(Engine, "connect")
    def unsynced(connection, record):
        connection.execute("PRAGMA synchronous=OFF")

    validators: dict[str, object] = {}  # the schema as JSON -> its validator (each metadata validator loads its own copy)

    def validate(instance, schema):
        key = json.dumps(schema, sort_keys=True)
        validator = validators.get(key)
        if validator is None:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            validator = validators[key] = kind(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    nbgrader.nbgraderformat.common.jsonschema = types.SimpleNamespace(validate=validate)


def _child(course: str, grade: list[str], timeout: float = 60, sockets: str = "", releases_only: list[str] = ()) -> dict:
    """Runs in the subprocess: nbgrader's API on the course, results as JSON-able data. The kernels
    listen on Unix sockets named `sockets`-1, -2, ... (an absolute path: a kernel runs in its
    notebook's folder, nbgrader in another). The assignments in `releases_only` are generated with
    nbgrader's own `--no-db` settings (SaveCells off: it only records the cells in the gradebook,
    which autograde reads and nothing else; about 70 ms of CPU per notebook, most of a release)."""
    import logging

    _lighten()

    import nbformat
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    root = Path(course)
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = "bite"
    config.Execute.timeout = timeout
    # Kernels talk over Unix sockets, not TCP ports: a kernel's TCP ports are picked free, released,
    # then bound by the kernel a moment later, and another process that binds port 0 in that moment
    # (the sandbox test's listener, under xdist) takes one of them; the kernel then fails to start.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = sockets
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.ERROR)
    # released: notebook -> its code cells; cells: notebook -> version -> raised?, per code cell; errors: the same, the error's name
    result: dict = {"released": {}, "refused": {}, "cells": {}, "errors": {}, "seconds": {}}
    for assignment in sorted(path.name for path in (root / "source").iterdir() if path.is_dir()):
        released_only = assignment in releases_only and assignment not in grade
        api.config.SaveCells.enabled = not released_only  # what `nbgrader generate_assignment --no-db` sets
        api.config.GenerateAssignment.no_database = released_only
        started = time.perf_counter()
        done = api.generate_assignment(assignment, force=True, create=True)
        result["seconds"][f"generate {assignment}"] = time.perf_counter() - started
        notebooks = sorted(path.name for path in (root / "source" / assignment).glob("*.ipynb"))
        for name in notebooks:
            key = f"{assignment}/{name}"
            if done["success"]:
                released = nbformat.read(root / "release" / assignment / name, as_version=4)
                result["released"][key] = [cell.source for cell in released.cells if cell.cell_type == "code"]
            else:
                result["refused"][key] = (done.get("error") or done.get("log") or "")[-2000:]
        if not done["success"] or assignment not in grade:
            continue
        for student, folder in (("solution", root / "source" / assignment), ("student", root / "release" / assignment)):
            shutil.copytree(folder, root / "submitted" / student / assignment, dirs_exist_ok=True)
            started = time.perf_counter()
            graded = api.autograde(assignment, student, force=True, create=True)
            result["seconds"][f"autograde {assignment} {student}"] = time.perf_counter() - started
            if not graded["success"]:
                result.setdefault("failed", {})[f"{assignment} {student}"] = (graded.get("error") or graded.get("log") or "")[-2000:]
                continue
            for name in notebooks:
                notebook = nbformat.read(root / "autograded" / student / assignment / name, as_version=4)
                code = [cell for cell in notebook.cells if cell.cell_type == "code"]
                result["cells"].setdefault(f"{assignment}/{name}", {})[student] = [_failed(cell) for cell in code]
                result["errors"].setdefault(f"{assignment}/{name}", {})[student] = [_error_name(cell) for cell in code]
    return result


def nbgrader_run(course: Path, grade: tuple[str, ...] = ("ps1",), scratch: Path | None = None, timeout: float = 900, cell_timeout: float = 60,
                 releases_only: tuple[str, ...] = ()) -> dict:
    """Copy `course` to a scratch folder and run nbgrader on it in one subprocess (see the module doc)."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="nbgrader-", dir=scratch))
    sockets = tempfile.mkdtemp(prefix="nbk-")  # in /tmp: a Unix socket's path is at most 107 bytes
    try:
        copy = home / "course"
        shutil.copytree(course, copy, ignore=shutil.ignore_patterns("release", "submitted", "autograded", "feedback", "gradebook.db"))
        env = {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", os.defpath),
            "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "jupyter"), "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
            "LANG": "C.UTF-8", "PYTHONPATH": os.pathsep.join(str(Path(__file__).resolve().parent / part) for part in ("", "hidden")),
        }  # fmt: skip
        code = f"import json, sys, nbgraderkit; json.dump(nbgraderkit._child({str(copy)!r}, {list(grade)!r}, {cell_timeout!r}, {sockets + '/kernel'!r}, {list(releases_only)!r}), sys.stdout)"
        done = subprocess.run([sys.executable, "-c", code], cwd=home, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader run failed: {done.stderr[-3000:]}")
        return json.loads(done.stdout)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)


def bite_run(course: Path, notebook: str, cell_timeout: float = 60, mutants: bool = True) -> dict:
    """audits.bite's verdicts on one notebook of `course` ("ps1/kernel.ipynb"): whether it would be
    released, and per code cell (by position in the notebook) whether it raised, per version. Mutants
    change none of these verdicts (they are their own variants): `mutants=False` leaves them out."""
    from audits.auditor import Auditor
    from audits.bite.__main__ import bite_module
    from audits.bite.runner import Limits
    from audits.bite.verdicts import student_outcome
    from audits.parse import parse_file

    auditor = Auditor(course)
    module = parse_file(course / "source" / notebook)
    started = time.perf_counter()
    bite = bite_module(auditor, module, Limits(timeout=cell_timeout), mutants=mutants)
    seconds = time.perf_counter() - started
    plan, run = bite.plan, bite.run
    if plan.blocked is not None or run.refused is not None:  # bite judges nothing nbgrader would not release
        why = plan.blocked[1] if plan.blocked is not None else run.refused[1]
        return {"released": False, "why": why, "seconds": seconds, "findings": bite.findings}
    position = {id(cell): i for i, cell in enumerate(plan.cells)}
    cells: dict[str, list[bool | None]] = {version: [] for version in VERSIONS}
    errors: dict[str, list[str]] = {version: [] for version in VERSIONS}
    for cell in module.code_cells():
        at = position.get(id(cell))
        if at is None:  # an empty cell: neither Jupyter nor bite runs it
            for version in VERSIONS:
                cells[version].append(False)
                errors[version].append("")
            continue
        for version, outcome in (("solution", run.solution.get(at)), ("student", student_outcome(plan, run, at))):
            ran = version in run.done or (version == "student" and at < plan.first_change and "solution" in run.done)
            cells[version].append(None if outcome is None and not ran else (outcome is not None and not outcome.passed))
            errors[version].append(outcome.type or outcome.status if outcome is not None and not outcome.passed else "")
    return {"released": True, "cells": cells, "errors": errors, "seconds": seconds, "findings": bite.findings}


@dataclass(frozen=True)
class Difference:
    notebook: str
    version: str  # "solution" | "student" | "release"
    cell: int  # position among the notebook's code cells (-1: the whole notebook)
    ours: object
    theirs: object


def compare(notebook: str, ours: dict, theirs: dict) -> tuple[int, list[Difference]]:
    """(cells compared, the differences) between bite's and nbgrader's verdicts on one notebook."""
    released = notebook in theirs["released"]
    if ours["released"] != released:
        return 1, [Difference(notebook, "release", -1, ours["released"], released)]
    if not released or notebook not in theirs["cells"]:
        return 1, []
    compared, differences = 0, []
    for version in VERSIONS:
        if version not in theirs["cells"][notebook]:  # nbgrader's autograde failed on that version
            compared += 1
            differences.append(Difference(notebook, version, -1, "graded", "autograde failed"))
            continue
        for cell, (our, their) in enumerate(zip(ours["cells"][version], theirs["cells"][notebook][version])):
            compared += 1
            if our != their:
                differences.append(Difference(notebook, version, cell, our, their))
    return compared, differences
