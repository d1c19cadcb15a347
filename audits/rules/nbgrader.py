"""NB001-NB006: nbgrader cell metadata and solution markers.

`complete_metadata(module, cell)` gives the metadata a cell should carry and
`suggested_marker(cell, meta)` the cell's marker line carrying it (other options on
the line kept); NB001/NB002/NB003/NB005 put that line in `suggestion`, and it is
what `--fix` writes for NB001.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from functools import lru_cache
from typing import Iterable, Optional

from audits.conventions import DEFAULT, Conventions
from audits.model import Cell, Edit, Fix, Rule, Safety, Severity
from audits.astutil import defined_tests, nodes, runs_only_as_script
from audits.rules._base import finding

GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
FLAGS = ("grade", "locked", "solution", "task")
CATEGORY = "NBGrader metadata"
DEFAULT_POINTS = 5
TEST_DEF = re.compile(r"^\s*def test_", re.MULTILINE)  # for cells that do not parse


# -- what a cell's metadata should be ------------------------------------------------


def _has_number(meta: dict, key: str) -> bool:
    value = meta.get(key)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _kebab(name: str) -> str:
    """"TinyModel" / "magnitude_prune" -> "tiny-model" / "magnitude-prune"."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()


def _base_grade_id(module, cell: Cell) -> str:
    """"test-magnitude-prune" for `def test_unit_magnitude_prune`, "tiny-model" for `class TinyModel`,
    "compression-imports" for a cell of imports only, else "cell-<line>"."""
    body = cell.tree.body if cell.tree is not None else []
    first = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))), None)
    if first is not None:
        name = first.name
        return ("test-" + _kebab(name[len("test_unit_") :]) if name.startswith("test_unit_") else _kebab(name)) or f"cell-{cell.start}"
    if body and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body):
        return f"{_kebab(module.ref.name if module.ref else module.path.stem)}-imports"
    return f"cell-{cell.start}"


def _ids_except(module, cell: Cell) -> set[str]:
    return {
        other.nbgrader["grade_id"]
        for other in module.cells
        if other is not cell and isinstance(other.nbgrader, dict) and isinstance(other.nbgrader.get("grade_id"), str)
    }


def salvaged_metadata(text: Optional[str]) -> dict:
    """The values of metadata that is not JSON but a Python dict literal (`{'grade': True}`),
    read with `ast.literal_eval` (never executed), so a suggestion keeps the author's grade_id
    and points; {} when even that fails."""
    if not text or "}" not in text:
        return {}
    literal = text[: text.rfind("}") + 1]
    for candidate in (literal, re.sub(r"\b(true|false|null)\b", lambda m: {"true": "True", "false": "False", "null": "None"}[m.group(1)], literal)):
        try:
            value = ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return value if isinstance(value, dict) else {}
    return {}


def cell_points(meta: dict) -> Optional[float]:
    """The cell's points as a number > 0, also when written as a string ("5"); else None."""
    value = meta.get("points")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
        value = int(value) if value.is_integer() else value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    return None


def complete_metadata(module, cell: Cell, used_ids: Optional[Iterable[str]] = None) -> dict:
    """The complete nbgrader v3 metadata this cell should carry, keeping valid existing values.

    Test cells (defining test_*) become graded, locked, not solution, with points;
    cells with solution markers become solution cells; other cells keep their valid
    flags (default: not graded, not locked, not solution). grade_id is kept when
    valid, else derived from the cell (`_base_grade_id`) and made unique among
    `used_ids` (default: the other cells' ids). The rules suggest this and
    `--fix` writes it, so both always agree.
    """
    meta = cell.nbgrader if isinstance(cell.nbgrader, dict) else salvaged_metadata(cell.nbgrader_text)
    is_test = bool(defined_tests(cell.tree)) if cell.tree is not None else TEST_DEF.search(cell.source) is not None
    markers = bool(solution_markers(cell, module.conventions))
    if is_test and (is_mixed(cell, module.conventions) or meta.get("solution") is True):
        is_test, markers = False, True  # never grade or lock what students write: the test part is split off instead
    if is_test:
        flags = {"grade": True, "locked": True, "solution": False, "task": False}
    elif markers:
        flags = {"grade": False, "locked": False, "solution": True, "task": False}
    else:
        flags = {key: meta[key] if isinstance(meta.get(key), bool) else False for key in FLAGS}
        if flags["task"] and (flags["grade"] or flags["solution"]):
            flags["task"] = False
        defines = cell.tree is not None and any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in cell.tree.body)
        if flags["solution"] and not defines:
            flags["solution"] = False  # nothing for students to write (e.g. an imports cell)
    grade_id = meta.get("grade_id")
    if not (isinstance(grade_id, str) and GRADE_ID.match(grade_id)):
        taken = _ids_except(module, cell) if used_ids is None else set(used_ids)
        base = _base_grade_id(module, cell)
        grade_id, n = base, 2
        while grade_id in taken:
            grade_id, n = f"{base}-{n}", n + 1
    result = {"grade": flags["grade"], "grade_id": grade_id, "locked": flags["locked"]}
    if flags["grade"] or flags["task"]:
        result["points"] = cell_points(meta) or DEFAULT_POINTS
    result.update({"schema_version": 3, "solution": flags["solution"], "task": flags["task"]})
    return result


def with_missing_keys(module, cell: Cell, used_ids: Optional[Iterable[str]] = None) -> dict:
    """The cell's own metadata with every missing key added from `complete_metadata`.

    Existing values stay as they are, even wrong ones: changing a value is a
    decision for a person, adding a missing key is not.
    """
    existing = cell.nbgrader if isinstance(cell.nbgrader, dict) else {}
    merged = {**complete_metadata(module, cell, used_ids), **existing}
    if (merged.get("grade") is True or merged.get("task") is True) and "points" not in merged:
        merged["points"] = DEFAULT_POINTS
    return dict(sorted(merged.items()))


def metadata_json(meta: dict) -> str:
    """The metadata as JSON, non-ASCII text kept as written; escaped when it holds a lone
    surrogate (`"\\ud800"` in the source JSON), which could not be written as UTF-8."""
    text = json.dumps(meta, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(meta)
    return text


def marker_line(meta: dict) -> str:
    """`# %% nbgrader={...}` in the course's key order and spacing."""
    return "# %% nbgrader=" + metadata_json(meta)


def suggested_marker(cell: Cell, meta: dict) -> str:
    """The cell's own marker line carrying `meta`: other options on the line (`[markdown]`,
    `tags=[...]`, comments) are kept, and the metadata is written where it was, or appended,
    exactly as `--fix` writes it. Code before the first marker gets a new marker line."""
    if not cell.marker:
        return marker_line(meta)
    text = metadata_json(meta)
    old = cell.nbgrader_text
    if old is not None and cell.nbgrader is None and "}" in old:
        old = old[: old.rfind("}") + 1]  # not JSON: replace up to the closing brace, keep the rest
    if old and old in cell.marker:
        return cell.marker.replace(old, text, 1)
    return cell.marker.rstrip() + " nbgrader=" + text


def _is_blank(cell: Cell) -> bool:
    return not any(line.strip() and not line.strip().startswith("#") for line in cell.source.splitlines())


# -- NB001: no metadata ----------------------------------------------------------------


def _grade_ids(module) -> set[str]:
    return {
        cell.nbgrader["grade_id"]
        for cell in module.cells
        if isinstance(cell.nbgrader, dict) and isinstance(cell.nbgrader.get("grade_id"), str)
    }


def _marker_fix(cell: Cell, meta: dict, description: str, safety: Safety = Safety.SAFE) -> Optional[Fix]:
    """Replace the cell's marker line with one carrying `meta` (None for a cell without marker)."""
    if not cell.marker or (cell.nbgrader_text and cell.nbgrader is not None and cell.nbgrader_text not in cell.marker):
        return None  # no marker line, or metadata in jupytext's `{"nbgrader": ...}` form: left to a person
    return Fix(description, (Edit(cell.start, cell.start, suggested_marker(cell, meta)),), safety)


def check_missing(module, index):
    taken = _grade_ids(module)  # ids generated for earlier cells count as taken: the fixes must not collide
    for cell in module.code_cells():
        if cell.nbgrader_text is not None or _is_blank(cell):
            continue
        meta = complete_metadata(module, cell, taken)
        taken.add(meta["grade_id"])
        where = "has no nbgrader metadata" if cell.marker else "sits before the first `# %%` marker, so it has no nbgrader metadata"
        yield finding(
            NB001, module, cell.start, f"code cell {where}: nbgrader cannot grade, lock or strip it.",
            excerpt=cell.marker or module.line(cell.start), suggestion=suggested_marker(cell, meta),
            fix=split_fix(module, cell) if is_mixed(cell, module.conventions) else _marker_fix(cell, meta, f"added complete nbgrader metadata (grade_id {meta['grade_id']!r})"),
        )  # fmt: skip


# -- NB002: not JSON -------------------------------------------------------------------


def check_json(module, index):
    for cell in module.cells:
        if cell.nbgrader_error is not None:
            yield finding(
                NB002, module, cell.start, f"nbgrader metadata is {cell.nbgrader_error}.",
                suggestion=suggested_marker(cell, complete_metadata(module, cell)),
            )  # fmt: skip


# -- NB003: not valid v3 ---------------------------------------------------------------


V3_KEYS = ("schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type")
REQUIRED_FLAGS = ("grade", "locked", "solution")  # task is optional (false when absent)
V3_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]*$")  # nbgrader's schema pattern; an empty id is refused separately


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def schema_problems(meta: dict, kind: Optional[str] = None) -> list[str]:
    """What makes `meta` invalid nbgrader v3 cell metadata, as nbgrader's own validator decides
    (`nbgrader.nbgraderformat.v3`: its JSON schema plus its checks); empty when valid.

    Required: schema_version 3 and the booleans grade, locked and solution; task is an optional
    boolean; grade_id (non-empty, [A-Za-z0-9_-]) when grade, locked or solution is true; points
    (a number >= 0) when grade is true; checksum a 32-character string; cell_type raw, code or
    markdown; no other key. `kind` ("code" or "markdown"), when given, adds nbgrader's cell-type
    checks: a task cell is a markdown cell, a graded markdown cell is also a solution cell and
    the other way round.
    """
    problems = []
    unknown = [key for key in meta if key not in V3_KEYS]
    if unknown:
        problems.append("unknown key" + ("s " if len(unknown) > 1 else " ") + ", ".join(repr(k) for k in unknown))
    if "schema_version" not in meta:
        problems.append("schema_version is missing")
    elif type(meta["schema_version"]) is not int or meta["schema_version"] != 3:
        problems.append(f"schema_version is {_json(meta['schema_version'])}, not 3")
    for key in (*REQUIRED_FLAGS, "task"):
        if key not in meta:
            if key != "task":
                problems.append(f"{key} is missing")
        elif not isinstance(meta[key], bool):
            problems.append(f"{key} must be true or false, not {_json(meta[key])}")
    flagged = [key for key in REQUIRED_FLAGS if meta.get(key) is True]
    grade_id = meta.get("grade_id")
    if "grade_id" in meta and not (isinstance(grade_id, str) and V3_GRADE_ID.match(grade_id)):
        problems.append(f"grade_id {_json(grade_id)} must match [A-Za-z0-9_-]+")
    elif flagged and not grade_id:
        needed = " or ".join(flagged)
        problems.append(f"grade_id is {'empty' if 'grade_id' in meta else 'missing'} (required when {needed} is true)")
    if "points" in meta and not _has_number(meta, "points"):
        problems.append(f"points must be a number >= 0, not {_json(meta['points'])}")
    elif "points" not in meta and meta.get("grade") is True:
        problems.append("points is missing (required when grade is true)")
    if "checksum" in meta and not (isinstance(meta["checksum"], str) and len(meta["checksum"]) == 32):
        problems.append(f"checksum {_json(meta['checksum'])} must be a 32-character string")
    if "cell_type" in meta and meta["cell_type"] not in ("raw", "code", "markdown"):
        problems.append(f"cell_type {_json(meta['cell_type'])} must be \"raw\", \"code\" or \"markdown\"")
    if kind is not None:
        if meta.get("task") is True:
            if kind != "markdown":
                problems.append("a task cell must be a markdown cell")
        elif kind == "markdown" and meta.get("grade") is True and meta.get("solution") is False:
            problems.append("a graded markdown cell must also be a solution cell")
        elif kind == "markdown" and meta.get("solution") is True and meta.get("grade") is False:
            problems.append("a markdown solution cell must also be graded")
    return problems


def _schema_fix(module, cell: Cell, taken: set[str]) -> Optional[Fix]:
    """Add the missing keys (safe: existing values stay); when none is missing, rewriting the
    wrong values is an unsafe fix, since only a person knows which value was meant."""
    if is_mixed(cell, module.conventions) and split_fix(module, cell) is not None:
        return split_fix(module, cell)
    existing = cell.nbgrader
    merged = with_missing_keys(module, cell, taken)
    added = sorted(key for key in merged if key not in existing)
    grade_id = merged.get("grade_id")
    own = {grade_id} if isinstance(grade_id, str) else set()  # any JSON value may stand there, a dict too
    taken |= own
    if added:
        return _marker_fix(cell, merged, "added missing key(s) " + ", ".join(added))
    complete = complete_metadata(module, cell, taken - own)
    return _marker_fix(cell, complete, "rewrites existing values to valid ones; only a person may change an existing value", Safety.UNSAFE)


def _older_schema(meta: dict) -> Optional[int]:
    """The schema version of metadata an older nbgrader wrote (0 when it names none, as nbgrader reads it), else None."""
    version = meta.get("schema_version", 0)
    return version if isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 3 else None


def _upgraded(meta: dict, kind: Optional[str]) -> Optional[dict]:
    """The metadata `nbgrader update` makes of an older schema's (nbgrader.nbgraderformat v1-v3 upgrades),
    {} when it drops it (no flag set: not an nbgrader cell), None when the upgrade itself fails."""
    meta = dict(meta)
    if meta.get("schema_version", 0) == 0:  # v0 -> v1: flags default to false, points to a float
        for flag in ("grade", "solution", "locked"):
            meta.setdefault(flag, False)
        if not (meta["grade"] or meta["solution"] or meta["locked"]):
            return {}
        if not meta["grade"]:
            meta.pop("points", None)
        else:
            try:
                meta["points"] = max(0.0, float(meta["points"])) if meta.get("points", "") != "" else 0.0
            except (TypeError, ValueError, OverflowError):
                return None
        meta["schema_version"] = 1
    if meta["schema_version"] == 1 and "checksum" in meta and "cell_type" not in meta:  # v1 -> v2
        meta["cell_type"] = kind
    meta["schema_version"] = 3
    return {key: value for key, value in meta.items() if key in V3_KEYS}  # the upgrade drops unknown keys


def check_schema(module, index):
    taken = _grade_ids(module)
    outdated: list[tuple[Cell, int]] = []  # cells of an older nbgrader's schema that `nbgrader update` makes valid
    for cell in module.cells:
        if not isinstance(cell.nbgrader, dict):
            continue
        problems = schema_problems(cell.nbgrader, cell.kind)
        if not problems:
            continue
        older = _older_schema(cell.nbgrader)
        upgraded = _upgraded(cell.nbgrader, cell.kind) if older is not None and module.notebook is not None else None
        if upgraded is not None and not (upgraded and schema_problems(upgraded, cell.kind)):
            outdated.append((cell, older))
            continue
        suggestion = suggested_marker(cell, complete_metadata(module, cell)) if cell.is_code else "Complete the metadata: " + "; ".join(problems) + "."
        yield finding(
            NB003, module, cell.start, "nbgrader metadata is not valid v3: " + "; ".join(problems) + ".",
            suggestion=suggestion, fix=_schema_fix(module, cell, taken) if cell.is_code else None,
        )  # fmt: skip
    if outdated:  # one finding for the notebook: one command upgrades every cell
        versions = " and ".join(str(version) for version in sorted({version for _, version in outdated}))
        cells = f"{len(outdated)} cells carry" if len(outdated) > 1 else "this cell carries"
        yield finding(
            NB003, module, outdated[0][0].start,
            f"{cells} nbgrader metadata of schema version {versions}, an older nbgrader's: nbgrader 0.9 refuses to release "
            "the notebook ('Outdated schema version') until it is upgraded.",
            suggestion=f"Run `nbgrader update {module.display_path}`: it upgrades every cell's metadata to schema version 3 in place.",
        )  # fmt: skip


# -- NB004: duplicate grade_id -----------------------------------------------------------


def check_duplicates(module, index):
    first_seen: dict[str, int] = {}
    for cell in module.cells:
        meta = cell.nbgrader
        if not isinstance(meta, dict) or not isinstance(meta.get("grade_id"), str):
            continue
        grade_id = meta["grade_id"]
        if grade_id in first_seen:
            fresh = complete_metadata(module, dataclasses.replace(cell, nbgrader={**meta, "grade_id": None}), _ids_except(module, cell))
            yield finding(
                NB004, module, cell.start, f"grade_id {grade_id!r} is already used by the cell at line {first_seen[grade_id]}: nbgrader needs unique ids.",
                suggestion=f"Give this cell its own grade_id, e.g. {json.dumps(fresh['grade_id'])}.",
            )  # fmt: skip
        else:
            first_seen[grade_id] = cell.start


# -- NB005: test cell not graded ----------------------------------------------------------


# -- mixed cells: an implementation and its test in one cell ---------------------------------


def _implementations(cell: Cell) -> list[str]:
    """Top-level functions and classes of the cell that are not tests."""
    return [
        node.name
        for node in (cell.tree.body if cell.tree is not None else [])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("test_")
    ]


def is_mixed(cell: Cell, conventions: Conventions = DEFAULT) -> bool:
    """A cell holding both `def test_*` and code students write (solution markers, or an
    implementation in a cell that is exported or marked `"solution": true`): grading or locking
    it would lock the solution."""
    if not (cell.is_code and cell.tree is not None and defined_tests(cell.tree)):
        return False
    if solution_markers(cell, conventions):
        return True
    marked = isinstance(cell.nbgrader, dict) and cell.nbgrader.get("solution") is True
    return (cell.exported or marked) and bool(_implementations(cell))


def _test_part(node: ast.stmt) -> bool:
    """Statements that belong to a cell's test half: test definitions, the main guard, bare test calls."""
    from audits.rules.test_isolation import is_test_call  # the one definition of a test-like call

    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.name.startswith("test_")
    if runs_only_as_script(node):
        return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and is_test_call(node.value)


def split_fix(module, cell: Cell) -> Optional[Fix]:
    """Split a mixed cell in two where it is mechanical: the implementation keeps the cell (as an
    unlocked solution cell) and the tests after it get a new graded, locked test cell.

    Mechanical means: the cell's top-level statements are first the implementation, then only
    test definitions, main guards and test calls; every solution marker sits in the first part;
    the metadata (if any) is on a `nbgrader=` marker line. Else None: the fix plan explains.
    """
    if not is_mixed(cell, module.conventions) or not cell.marker or (cell.nbgrader_text is not None and cell.nbgrader is None):
        return None
    if cell.nbgrader_text and cell.nbgrader_text not in cell.marker:
        return None  # jupytext's `{"nbgrader": ...}` form: left to a person
    body = cell.tree.body
    first_test = next(i for i, node in enumerate(body) if _test_part(node))
    if first_test == 0 or not all(_test_part(node) for node in body[first_test:]):
        return None
    node = body[first_test]
    split = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    while split - 1 > body[first_test - 1].end_lineno and module.line(split - 1).startswith("#") and not solution_markers_in(module.line(split - 1), module.conventions):
        split -= 1  # comments right above the first test go with it
    if any(line >= split for line, _ in solution_markers(cell, module.conventions)):
        return None
    taken = _ids_except(module, cell)
    solution = complete_metadata(module, cell, taken)  # solution flags: the cell is mixed
    taken.add(solution["grade_id"])
    tests = [n.name for n in body[first_test:] if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not tests:
        return None
    base = "test-" + _kebab(tests[0].removeprefix("test_unit_").removeprefix("test_"))
    grade_id, n = base, 2
    while grade_id in taken:
        grade_id, n = f"{base}-{n}", n + 1
    points = cell_points(cell.nbgrader) if isinstance(cell.nbgrader, dict) else None
    test_meta = {"grade": True, "grade_id": grade_id, "locked": True, "points": points or DEFAULT_POINTS,
                 "schema_version": 3, "solution": False, "task": False}  # fmt: skip
    new_cell = marker_line(test_meta) if module.line(split - 1).strip() == "" else "\n" + marker_line(test_meta)
    edits = (Edit(cell.start, cell.start, suggested_marker(cell, solution)), Edit(split, split - 1, new_cell))
    return Fix(f"split the cell: the implementation stays an unlocked solution cell, the tests from line {split} get their own graded locked cell ({grade_id!r})", edits, Safety.SAFE)


def check_test_cells(module, index):
    for cell in module.code_cells():
        tests = defined_tests(cell.tree)
        meta = cell.nbgrader
        if not tests or not isinstance(meta, dict):
            continue
        if is_mixed(cell, module.conventions):
            if meta.get("grade") is True and meta.get("locked") is True and meta.get("solution") is not True:
                message = f"cell defining `{tests[0].name}` is graded and locked but also holds the solution code students write: they cannot edit it."
            else:
                message = f"cell defining `{tests[0].name}` also holds solution code: the test cannot be graded and locked without locking the solution."
            yield finding(
                NB005, module, cell.start, message,
                suggestion=f"Split the cell: keep the implementation in this unlocked solution cell and move the tests (from `def {tests[0].name}`) into their own cell marked {marker_line({'grade': True, 'grade_id': 'test-...', 'locked': True, 'points': DEFAULT_POINTS, 'schema_version': 3, 'solution': False, 'task': False})}.",
                fix=split_fix(module, cell),
            )  # fmt: skip
            continue
        missing = []
        if meta.get("grade") is not True:
            missing.append('"grade": true')
        # nbgrader locks every grade cell itself (LockCells.lock_grade_cells, on by default); our
        # house rule asks for the flag to be written on the cell as well.
        if meta.get("locked") is not True and not (module.profile == "nbgrader" and meta.get("grade") is True):
            missing.append('"locked": true')
        if "points" not in meta:  # a points value that is not a number is NB003's finding
            missing.append('"points": N')
        if missing:
            yield finding(
                NB005, module, cell.start,
                f"cell defining `{tests[0].name}` is not a graded locked test cell: it needs {', '.join(missing)}.",
                suggestion=suggested_marker(cell, complete_metadata(module, cell)),
            )  # fmt: skip


# -- NB006: solution markers --------------------------------------------------------------

# nbgrader (ClearSolutions) reads every line of every cell: a line containing "BEGIN SOLUTION"
# opens a region, else a line containing "END SOLUTION" closes it. Case-sensitive substrings,
# so strings, docstrings and markdown prose count, and "### begin solution" does not.
# The delimiters are the course's (conventions.begin_solution / end_solution, nbgrader_config.py).


def solution_markers_in(text: str, conventions: Conventions = DEFAULT) -> bool:
    """Whether nbgrader reads this line as a solution marker."""
    return conventions.begin_solution in text or conventions.end_solution in text


def solution_markers(cell: Cell, conventions: Conventions = DEFAULT) -> list[tuple[int, str]]:
    """(line, "BEGIN" | "END") for each line nbgrader reads as a solution marker, in any cell."""
    found = []
    for number, text in cell.lines():
        if conventions.begin_solution in text:
            found.append((number, "BEGIN"))
        elif conventions.end_solution in text:
            found.append((number, "END"))
    return found


@lru_cache(maxsize=16)
def _near_miss(begin: str, end: str) -> re.Pattern:
    """A comment line that spells a delimiter with other case or spacing (`### begin solution`)."""
    def loose(delimiter: str) -> str:
        return r"[\s_-]*".join(re.escape(word) for word in delimiter.lstrip("#").split())
    return re.compile(rf"^\s*#+\s*(?:{loose(begin)}|{loose(end)})(?!\w)", re.IGNORECASE)


def _near_misses(cell: Cell, conventions: Conventions = DEFAULT) -> list[tuple[int, str]]:
    """Comment lines meant as markers that nbgrader does not recognise (`### begin solution`)."""
    begin, end = conventions.begin_solution, conventions.end_solution
    near_miss = _near_miss(begin, end)
    return [(number, text.strip()) for number, text in cell.lines() if near_miss.match(text) and begin not in text and end not in text]


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _code_lines(cell: Cell) -> set[int]:
    """Lines of a code cell without string literals: a marker there is a comment, a real marker."""
    inside: set[int] = set()
    if cell.tree is not None:
        for node in nodes(cell.tree, ast.Constant, ast.JoinedStr):
            if isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes)):
                inside.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return {number for number, _ in cell.lines()} - inside


def _prose_marker_finding(module, cell: Cell, line: int):
    where = "this markdown cell" if cell.kind == "markdown" else "this string"
    return finding(
        NB006, module, line,
        f"nbgrader reads solution markers in every line, prose and strings included: {where} opens or closes a "
        "solution region, so generating the student version fails or cuts text.",
        suggestion="Reword the text so it does not contain the exact marker words (e.g. \"the BEGIN/END solution markers\").",
    )  # fmt: skip


def _opens(text: str, conventions: Conventions) -> bool:
    """Whether a near-miss marker line was meant to open a region (it starts like the begin delimiter)."""
    first = (conventions.begin_solution.lstrip("#").split() or [""])[0].lower()
    return text.lstrip("#").strip().lower().startswith(first)


def _wraps_whole_cell(cell: Cell, misses: list[tuple[int, str]], conventions: Conventions) -> bool:
    """Whether near-miss markers open at the cell's first line and close at its last (blank lines aside):
    nbgrader, seeing no marker, replaces the whole solution cell with the stub, which is what a region
    spanning the cell would give (an answer graded by hand, `# Begin Solution` ... `# End Solution`)."""
    written = [number for number, text in cell.lines() if text.strip()]
    (first, opening), (last, closing) = misses[0], misses[-1]
    return len(misses) == 2 and (first, last) == (written[0], written[-1]) and _opens(opening, conventions) and not _opens(closing, conventions)


def check_markers(module, index):
    conventions = module.conventions
    begin, end = conventions.begin_marker, conventions.end_marker
    for cell in module.cells:
        if cell.kind == "raw":
            continue
        markers = solution_markers(cell, module.conventions)
        if cell.kind == "markdown":
            meta = cell.nbgrader if isinstance(cell.nbgrader, dict) else {}
            if markers and meta.get("solution") is not True:
                yield _prose_marker_finding(module, cell, markers[0][0])
            continue
        meta = cell.nbgrader if isinstance(cell.nbgrader, dict) else None
        misses = _near_misses(cell, module.conventions)
        if misses and module.profile != "tinytorch" and meta and meta.get("solution") is True and _wraps_whole_cell(cell, misses, conventions):
            continue  # nbgrader stubs the whole cell, as it would stub a region spanning it: the same student version
        for line, text in misses:
            yield finding(
                NB006, module, line,
                f"`{text}` is not a solution marker: nbgrader only recognises the exact{' upper-case' if conventions.begin_solution.isupper() else ''} words "
                f"`{conventions.begin_solution}` / `{conventions.end_solution}`, so "
                + ("it replaces the whole solution cell, scaffolding included, with a stub." if meta and meta.get("solution") is True
                   else "the solution stays in the student version."),
                suggestion=_indent(module.line(line)) + (conventions.begin_marker if _opens(text, conventions) else conventions.end_marker),
            )  # fmt: skip
        if meta is None:
            continue  # NB001/NB002 first: without metadata we cannot tell what the cell is
        code_lines = _code_lines(cell) if markers else set()  # only the markers' lines are looked up in it
        if meta.get("solution") is not True:
            if markers:
                line = markers[0][0]
                if line not in code_lines:
                    yield _prose_marker_finding(module, cell, line)
                    continue
                if defined_tests(cell.tree):
                    fix = "Remove the solution markers: this cell is not a solution cell."
                else:
                    fix = suggested_marker(cell, {**complete_metadata(module, cell), "solution": True, "grade": False, "locked": False})
                yield finding(
                    NB006, module, line, f"solution marker in a cell that is not a solution cell (its metadata says \"solution\": {json.dumps(meta.get('solution'))}): nbgrader refuses to generate the student version.",
                    suggestion=fix,
                )  # fmt: skip
            continue
        if not markers:
            if module.profile != "tinytorch":
                continue  # nbgrader replaces a marker-less solution cell whole: legitimate outside our scaffolding convention
            if cell.tree is None or _is_blank(cell) or _near_misses(cell, module.conventions):
                continue  # a near-miss marker was reported above
            defined = [n.name for n in cell.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
            if defined:
                message = f"solution cell defines `{defined[0]}` but has no {begin} / {end} markers: nbgrader replaces the whole cell, scaffolding included."
                fix = f"Wrap the code students write (after the TODO/APPROACH/EXAMPLE/HINTS docstring) in {begin} / {end}."
            else:
                message = "solution cell has no solution markers and nothing for students to write: nbgrader replaces the whole cell (imports included) with a stub; it should not be a solution cell."
                fix = suggested_marker(cell, {**complete_metadata(module, cell), "solution": False})
            yield finding(NB006, module, cell.start, message, excerpt=cell.marker, suggestion=fix)
            continue
        in_text = [line for line, _ in markers if line not in code_lines]
        if in_text:
            yield _prose_marker_finding(module, cell, in_text[0])
            continue  # the region nbgrader sees starts in the text: its structure follows from that
        open_line: Optional[int] = None
        for line, kind in markers:
            if kind == "BEGIN" and open_line is not None:
                yield finding(NB006, module, line, f"nested {begin}: the one at line {open_line} is not closed yet.",
                              suggestion=f"Close the block at line {open_line} with {end} before opening another.")  # fmt: skip
            elif kind == "END" and open_line is None:
                yield finding(NB006, module, line, f"{end} without a matching {begin} before it.",
                              suggestion=f"Add {begin} before the solution code, or remove this marker.")  # fmt: skip
            elif kind == "BEGIN":
                open_line = line
            else:
                open_line = None
        if open_line is not None:
            yield finding(NB006, module, open_line, f"{begin} at line {open_line} is never closed in its cell.",
                          suggestion=f"Add {end} after the last line of the solution, inside this cell.")  # fmt: skip


def _rule(code, name, doc, check, effort_minutes, profiles=("tinytorch", "nbgrader")):
    return Rule(code=code, name=name, severity=Severity.HIGH, category=CATEGORY, doc=doc, check=check,
                effort_minutes=effort_minutes, profiles=profiles, any_language=True)  # fmt: skip


NB001 = _rule("NB001", "code cell without nbgrader metadata", """\
What it does: finds code cells whose `# %%` marker carries no `nbgrader={...}` metadata, or
code before the first marker. A house rule (profile tinytorch): nbgrader courses leave demo
cells without metadata.
Why it matters: nbgrader treats such a cell as ordinary: it is not locked, graded or stripped
when the student version is generated.
Example: `# %%` above an implementation.
How to fix: put complete v3 metadata on the marker, e.g. `# %% nbgrader={"grade": false,
"grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true,
"task": false}`; the suggestion gives the exact line for this cell and `--fix` writes it
(a cell holding both solution code and its test is split instead, never locked).""", check_missing, 2, profiles=("tinytorch",))

NB002 = _rule("NB002", "nbgrader metadata is not JSON", """\
What it does: finds metadata after `nbgrader=` that is not a JSON object (single quotes,
Python True/False, a missing brace, a number too long or nesting too deep to read).
Why it matters: jupytext and nbgrader cannot read it, so the cell silently loses its metadata.
Example: `nbgrader={'grade': False}`.
How to fix: write JSON: double quotes, lower-case true/false, one object on the marker line.""", check_json, 3)

NB003 = _rule("NB003", "nbgrader metadata is not valid v3", """\
What it does: checks metadata that is JSON against nbgrader's v3 cell schema, exactly as
nbgrader validates it: `schema_version` (3), `grade`, `locked` and `solution` (booleans) are
required; `task` is an optional boolean; `grade_id` ([A-Za-z0-9_-], not empty) is required
when grade, locked or solution is true; `points` (a number >= 0) when grade is true;
`checksum` and `cell_type` have their schema's form; no other key; a task cell is a markdown
cell, and a graded markdown cell is also a solution cell. The message names each key that is
missing or wrong. A notebook written by an older nbgrader (schema version 0, 1 or 2) whose
cells `nbgrader update` makes valid gets one finding saying so instead of one per cell.
Why it matters: nbgrader rejects such a notebook (`nbgrader validate`, `generate_assignment`)
or misreads the cell.
Example: `{"grade": true, "grade_id": "test x"}`: locked, solution, schema_version and points
are missing and the id has a space.
How to fix: the suggestion gives the complete metadata line for the cell; `--fix` adds missing
keys (existing values are a person's decision); for an older nbgrader's notebook, run
`nbgrader update` on it.""", check_schema, 3)

NB004 = _rule("NB004", "duplicate grade_id", """\
What it does: finds two cells (code or markdown) that share a grade_id; the finding names the
first use.
Why it matters: nbgrader identifies graded, solution and locked cells by it and refuses
duplicates among them, so grades and locked content of one cell would be checked against
the other; the course keeps ids unique on every cell.
Example: two cells with `"grade_id": "test-prune"`.
How to fix: give every cell a unique id.""", check_duplicates, 2)

NB005 = _rule("NB005", "test cell not graded and locked", """\
What it does: finds cells that define test_* functions but are not `"grade": true,
"locked": true` with `points`, and cells that hold a test together with solution code.
Why it matters: students can then edit the tests that grade them, and nbgrader awards no
points for them; a test sharing a cell with the solution cannot be locked without locking
the code students write.
In the nbgrader profile a grade cell need not say `"locked": true`: nbgrader locks grade cells
itself (`LockCells.lock_grade_cells`, on by default).
Example: a `def test_unit_prune():` cell marked `"grade": false`.
How to fix: `"grade": true, "locked": true, "points": N, "solution": false` (see suggestion);
split a mixed cell into a solution cell and a test cell (`--fix` does it when the tests
follow the implementation).""", check_test_cells, 5)

NB006 = _rule("NB006", "solution markers missing or unbalanced", """\
What it does: checks that solution markers match the cell's role, read the way nbgrader reads
them: any line containing the exact, upper-case text `BEGIN SOLUTION` opens a solution region
and a line containing `END SOLUTION` closes it, in every cell, strings, docstrings and
markdown prose included. A `"solution": true` cell that defines a function or class must wrap
the student part in `### BEGIN SOLUTION` / `### END SOLUTION`; a solution cell with code but
nothing to fill in (an imports cell) should not be a solution cell; markers come in order,
BEGIN then END, never nested or unclosed; a comment such as `### begin solution` is not a
marker at all (outside our house rules it is harmless when it only wraps the whole of a solution
cell: nbgrader stubs that cell whole, as a region spanning it would). Empty or comment-only
solution cells are fine. These are nbgrader's default
delimiters; a course's own come from its nbgrader_config.py or `[tool.audits]` (begin-solution,
end-solution).
Why it matters: without markers nbgrader replaces the whole cell, scaffolding included, with a
stub; a region in a cell that is not a solution cell, or in prose or a string, makes nbgrader
refuse to generate the student version or cut text.
Example: `Put your code between BEGIN SOLUTION and END SOLUTION` in a markdown cell.
How to fix: add, reorder, correct or remove the markers, reword the prose, or correct the
cell's "solution" flag (see suggestion).""", check_markers, 10)

RULES = [NB001, NB002, NB003, NB004, NB005, NB006]
