"""nbgrader's `### AUTOTEST` lines, made into the tests nbgrader writes for them (its InstantiateTests).

    spec, refusal = autotest_spec(module, cells, root)

At release time nbgrader runs the source notebook in a kernel and replaces each comment line
`### AUTOTEST expr1; expr2` of a graded cell by asserts whose expected values it computes there:
per expression, its type picks a list of test templates from `autotests.yml` (beside the notebook,
else in the course root), each test is evaluated in the kernel, and its printed value (hashed
after `### HASHED AUTOTEST`) is written into the check. Bite does the same in two halves:

- here, in the auditor (nothing of the course runs), everything that depends only on the text:
  the YAML read, every Jinja template rendered for each expression (the dispatch code, each
  type's tests, the check with a placeholder where the value goes), the salts;
- in the worker (audits/bite/worker.py, `Worker.generate`), in a fork before the solution walk,
  what needs the kernel: the cells run in order as InstantiateTests runs them, and each test's
  value is put in its check. The graded cell then runs those checks in every version, as
  autograde runs the release's.

What nbgrader refuses (no autotests.yml, a kernel it has no comment string for, an AUTOTEST line
outside a graded cell, a template it cannot use) is a refusal (line, why): bite's BITE007.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from audits.model import Cell, ModuleSource
from audits.parse import AUTOTEST, autotest_snippets, is_autotest_line
from audits.solutions import cell_id, is_graded

FILENAME = "autotests.yml"  # InstantiateTests.autotest_filename
HASHED = "HASHED"  # InstantiateTests.hashed_delimiter
COMMENTS = {"ir": "#", "python": "#", "python3": "#"}  # InstantiateTests.comment_strs: the kernels it knows
VALUE = "\x00autotest-value\x00"  # where the kernel's value goes in a rendered check (the worker replaces it)


class Refused(Exception):
    """nbgrader's generate_assignment would stop on this notebook; the message says why."""

    def __init__(self, line: int, why: str):
        super().__init__(why)
        self.line = line


def autotest_spec(module: ModuleSource, cells: list[Cell], root: Path | str | None) -> tuple[dict | None, tuple[int, str] | None]:
    """(the worker's `autotest` job, None) for a notebook with AUTOTEST lines; (None, (line, why)) when
    nbgrader would refuse it; (None, None) when it has none."""
    if not any(_autotest_lines(cell, "#") for cell in cells):
        return None, None
    try:
        return _spec(module, cells, root), None
    except Refused as refusal:
        return None, (refusal.line, str(refusal))


def _autotest_lines(cell: Cell, comment: str) -> list[int]:
    """0-based positions in the cell's source of the lines InstantiateTests replaces."""
    return [number for number, line in enumerate(cell.source.split("\n")) if is_autotest_line(line, comment)]


def _spec(module: ModuleSource, cells: list[Cell], root: Path | str | None) -> dict:
    first = next(cell for cell in cells if _autotest_lines(cell, "#"))
    kernel = _kernel_name(module)
    if kernel not in COMMENTS:
        raise Refused(first.start, f"its kernel {kernel!r} has no comment string in nbgrader's InstantiateTests.comment_strs, so nbgrader stops at its `### AUTOTEST` lines")
    tests = _templates(module, root, kernel, first.start)
    render = _renderer(first.start)
    check = _check_template(tests["check"], render, first.start)
    spec_cells: dict[int, list[dict]] = {}
    for position, cell in enumerate(cells):
        lines = cell.source.split("\n")
        points = _autotest_lines(cell, COMMENTS[kernel])
        if not points:
            continue
        if not is_graded(cell):
            raise Refused(cell.start, f"an `### AUTOTEST` line in `{cell_id(cell)}`, which is not a graded cell: nbgrader refuses it")
        salt = int(hashlib.sha256((cell.source + str(cell.index)).encode("utf-8")).hexdigest(), 16) % 10**6
        found = []
        for number in points:
            line = lines[number]
            hashed = HASHED in line[: line.find(AUTOTEST)]
            if hashed and tests.get("hash") is None:
                raise Refused(cell.start + number, "`### HASHED AUTOTEST` but autotests.yml sets no `hash` template: nbgrader refuses it")
            rendered = []
            for snippet in autotest_snippets(line):
                if hashed:
                    salt += 1
                rendered.append(_snippet(tests, render, check, snippet, hex(salt)[2:] if hashed else None, cell.start + number))
            found.append({"line": number, "snippets": rendered})
        spec_cells[position] = found
    return {"setup": tests.get("setup"), "success": tests.get("success"), "cells": {str(k): v for k, v in spec_cells.items()}, "value": VALUE}


def _kernel_name(module: ModuleSource) -> str:
    """The notebook's kernelspec name, as InstantiateTests reads it; a percent source (no notebook yet) is
    taken as the Python 3 notebook jupytext makes of it."""
    if module.notebook is None:
        return "python3"
    from audits.notebook import kernelspec  # a notebook's: its reader is loaded already

    name = (kernelspec(module.notebook.node) or {}).get("name", "")
    return name if isinstance(name, str) else ""


def _templates(module: ModuleSource, root: Path | str | None, kernel: str, line: int) -> dict:
    """The kernel's entry of autotests.yml, beside the notebook or else in the course root (where nbgrader runs)."""
    import yaml

    places = [Path(module.path).parent / FILENAME] + ([Path(root) / FILENAME] if root is not None else [])
    path = next((place for place in places if place.is_file()), None)
    if path is None:
        raise Refused(line, f"it uses `### AUTOTEST` but there is no {FILENAME} beside it or in the course root: nbgrader's generate_assignment stops")
    try:
        tests = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise Refused(line, f"its {FILENAME} cannot be read as YAML ({' '.join(str(error).split())[:150]}): nbgrader's generate_assignment stops") from None
    entry = tests.get(kernel) if isinstance(tests, dict) else None
    texts = ("dispatch", "check", "normalize")
    if not isinstance(entry, dict) or not isinstance(entry.get("templates"), dict) or any(not isinstance(entry.get(key), str) for key in texts):
        raise Refused(line, f"its {FILENAME} has no complete entry for the kernel {kernel!r} (templates, dispatch, check, normalize): nbgrader's generate_assignment stops")
    if "default" not in entry["templates"]:
        raise Refused(line, f"its {FILENAME} has no `default` templates for {kernel!r}: nbgrader's generate_assignment stops")
    return entry


def _renderer(line: int):
    """Jinja rendering as nbgrader's: a BaseLoader environment, a template made from each string."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.BaseLoader)

    def render(template: str, **values) -> str:
        try:
            return environment.from_string(str(template)).render(**values)
        except jinja2.TemplateError as error:
            raise Refused(line, f"a template of its {FILENAME} does not render ({' '.join(str(error).split())[:150]}): nbgrader's generate_assignment stops") from None

    return render


def _check_template(template: str, render, line: int) -> str:
    """The check template itself; refused when it does anything with the value but print it as it is
    (the worker only puts the value in the placeholder's place)."""
    one, two = render(template, snippet="S", value=VALUE, message="M"), render(template, snippet="S", value="\x00other\x00", message="M")
    if VALUE not in one or one.replace(VALUE, "\x00other\x00") != two:
        raise Refused(line, f"the `check` template of its {FILENAME} transforms the value; bite writes the value into the check as it is and cannot generate these tests")
    return template


def _snippet(tests: dict, render, check: str, snippet: str, salt: str | None, line: int) -> dict:
    """Everything the worker needs for one expression: the dispatch code, and for each type its tests
    (the code whose value the kernel prints, the check with the value's placeholder)."""
    def instantiate(templates) -> list[list[str]]:
        if not isinstance(templates, list) or not all(isinstance(t, dict) and "test" in t and "fail" in t for t in templates):
            raise Refused(line, f"each type in its {FILENAME} must list tests with a `test` and a `fail`: nbgrader's generate_assignment stops")
        out = []
        for template in templates:
            message = render(template["fail"], snippet=snippet).replace('"', '\\"')
            test = render(tests["normalize"], snippet=template["test"])
            if salt is not None:
                test = render(tests["hash"], snippet=test, salt=salt)
            code = render(test, snippet=snippet)
            out.append([code, render(check, snippet=code, value=VALUE, message=message)])
        return out

    return {
        "dispatch": render(tests["dispatch"], snippet=snippet),
        "types": {str(kind): instantiate(templates) for kind, templates in tests["templates"].items()},
    }
