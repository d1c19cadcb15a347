"""Notebooks read as Jupyter runs them (issue 20): IPython syntax, nbgrader's AUTOTEST lines, no
import-time rules on cells that simply run, and one verdict whatever folder the command runs in."""

import ast
from pathlib import Path

import nbformat
import pytest

from audits.check import audit_source
from audits.parse import parse_file
from testkit.auditkit import found

ROOT = Path(__file__).resolve().parents[2]


def notebook(path: Path, *cells, metadata=None) -> Path:
    """A notebook of code cells (a (source, nbgrader) pair is a cell with nbgrader metadata)."""
    made = []
    for cell in cells:
        source, meta = cell if isinstance(cell, tuple) else (cell, None)
        made.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta} if meta else {}))
    nbformat.write(nbformat.v4.new_notebook(cells=made, metadata=metadata or {}), str(path))
    return path


def grade(grade_id, **flags):
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": False, "task": False}
    return {**meta, **flags}


IPYTHON_CELLS = [
    "len?",
    "%%html\n<b>not python</b> <i>at all</i>",
    "!pip install numpy\nimport numpy as np",
    "files = !ls\nprint(files)",
    "ls -la",
    "%matplotlib inline\nx = 1",
    "%%time\ntotal = sum(range(10))",
]


def test_ipython_syntax_is_not_a_syntax_error(tmp_path):
    module = parse_file(notebook(tmp_path / "course.ipynb", *IPYTHON_CELLS))
    assert [cell.syntax_error for cell in module.code_cells()] == [None] * len(IPYTHON_CELLS)
    assert found(audit_source(module, None), "SYN001") == []
    bound = {node.id for cell in module.code_cells() for node in ast.walk(cell.tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    assert {"files", "x", "total"} <= bound  # `files = !ls` binds files, as in IPython; a %%time body is Python


def test_a_real_syntax_error_after_a_magic_keeps_its_line(tmp_path):
    module = parse_file(notebook(tmp_path / "course.ipynb", "x = 1", "%matplotlib inline\nimport math\ndef f(:\n    pass"))
    [(code, line)] = found(audit_source(module, None), "SYN001")
    assert module.line(line) == "def f(:" and module.cell_at(line).index == 1


def test_autotest_lines_are_the_checks_nbgrader_makes_of_them(tmp_path):
    solution = ("def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION", grade("squares", solution=True))
    autotest = ('"""Check squares."""\n### AUTOTEST squares(1); squares(2)\n### HASHED AUTOTEST squares(3)', grade("correct_squares", grade=True, points=1))
    module = parse_file(notebook(tmp_path / "course.ipynb", solution, autotest))
    module.profile = "nbgrader"
    assert found(audit_source(module, None), "GR001") == []  # it tests the student's squares
    asserts = [node for node in ast.walk(module.cells[1].tree) if isinstance(node, ast.Assert)]
    assert [(module.line(node.lineno).strip()) for node in asserts] == ["### AUTOTEST squares(1); squares(2)"] * 2 + ["### HASHED AUTOTEST squares(3)"]


NOTEBOOK_HABITS = "name = input('name? ')\nprint('hello', name)\nfor i in range(3):\n    print(i)\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\nassert i == 2\n"


def test_cells_that_simply_run_get_no_import_time_findings(tmp_path):
    module = parse_file(notebook(tmp_path / "course.ipynb", NOTEBOOK_HABITS))
    module.profile = "nbgrader"
    assert found(audit_source(module, None), "SE001") == found(audit_source(module, None), "TI001") == []


def test_a_module_exported_into_a_package_still_gets_them():
    from audits.parse import parse_text

    module = parse_text("# %%\n#| default_exp core.widget\n" + NOTEBOOK_HABITS + "test_unit_widget()\n", "widget.py")
    findings = audit_source(module, None)
    assert len(found(findings, "SE001")) >= 4 and len(found(findings, "TI001")) == 1


def test_a_graded_cell_nbgrader_locks_itself_need_not_say_locked(tmp_path):
    test = ("def test_it():\n    assert True is not False\ntest_it()", grade("tests", grade=True, points=1))
    module = parse_file(notebook(tmp_path / "course.ipynb", test))
    module.profile = "nbgrader"
    assert found(audit_source(module, None), "NB005") == []
    module.profile = "tinytorch"  # the house rule still wants the flag written
    assert found(audit_source(module, None), "NB005") != []


def _audit_from(folder: Path, target: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    from audits.module import main

    monkeypatch.chdir(folder)
    code = main([str(target), "--format", "json", "--date", "2026-01-01"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("inside", ["outside", "checkout"])
def test_a_notebook_gets_the_same_findings_from_any_folder(tmp_path, inside, monkeypatch, capsys):
    """From its own folder, from our repository and from `/`: byte-identical JSON."""
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    course = tmp_path / "course"
    course.mkdir()
    if inside == "checkout":
        (course / "nbgrader_config.py").write_text("c = get_config()\n")
    target = notebook(course / "homework.ipynb", NOTEBOOK_HABITS, "len?\nx = undefined_name", ("assert x == 1", grade("t", grade=True, points=1)))
    runs = [_audit_from(folder, target, monkeypatch, capsys) for folder in (course, ROOT, Path("/"))]
    assert [err for _, _, err in runs] == ["", "", ""]
    assert runs[0][1] == runs[1][1] == runs[2][1]
    assert '"profile": "nbgrader"' in runs[0][1] and '"GR003"' in runs[0][1]  # its own rules, not our house rules
    assert '"NB001"' not in runs[0][1] and [code for code, _, _ in runs] == [1, 1, 1]
