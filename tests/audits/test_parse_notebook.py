"""Notebook sources: read with nbformat into the same cells as percent files, findings at the cell, --fix writes a valid notebook.

Fixtures in tests/audits/notebooks/: `squares.ipynb` (written by hand with
nbformat, v4.5 with cell ids) and `nbgrader_problem1.ipynb` (from `nbgrader
quickstart`, v4.0 without ids).
"""

import datetime
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from audits.auditor import Auditor
from audits.check import audit_source
from audits.fix import fix_file
from audits.model import InputError
from audits.notebook import write_source
from audits.parse import parse_file
from audits.report import ModuleInfo, markdown
from audits.rules import ALL_RULES

NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture
def squares(tmp_path):
    path = tmp_path / "squares.ipynb"
    shutil.copy(NOTEBOOKS / "squares.ipynb", path)
    return path


def edit_cell(path: Path, index: int, source: str, **metadata) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"][index]["source"] = source
    data["cells"][index]["metadata"].update(metadata)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def test_cells_keep_their_notebook_index_id_kind_and_metadata():
    module = parse_file(NOTEBOOKS / "squares.ipynb")
    assert [(c.index, c.id, c.kind) for c in module.cells] == [
        (0, "intro", "markdown"), (1, "imports", "code"), (2, "squares", "code"), (3, "test-squares", "code"), (4, "outro", "markdown"),
    ]
    assert module.cells[3].nbgrader == {"grade": True, "locked": True, "points": 1, "solution": False, "grade_id": "test-squares", "schema_version": 3}
    assert module.cells[4].nbgrader is None and module.cells[4].nbgrader_text is None
    assert module.cells[0].source.splitlines()[0] == "# # Squares"  # markdown is shown commented, as jupytext writes it


def test_rendering_lines_are_exact_and_the_ast_uses_them():
    module = parse_file(NOTEBOOKS / "squares.ipynb")
    cell = module.cells[2]
    assert module.line(cell.start) == cell.marker and cell.marker.startswith("# %% nbgrader=")
    assert module.line(cell.body_start) == "def squares(n):"
    assert cell.tree.body[0].lineno == cell.body_start  # AST line numbers are rendering lines
    assert module.cells[1].tree is not None and module.cells[1].syntax_error is None  # `%matplotlib inline` kept out of the AST
    assert module.line(module.cells[1].body_start) == "%matplotlib inline"  # ...but shown as written


def test_old_notebook_without_ids_is_read():
    module = parse_file(NOTEBOOKS / "nbgrader_problem1.ipynb")
    assert len(module.cells) == 18 and all(cell.id is None for cell in module.cells)
    assert module.cells[2].nbgrader["grade_id"] == "squares" and module.cells[2].tree is not None


@pytest.mark.parametrize("text, needle", [("{", "not JSON"), ('{"cells": 3, "nbformat": 4}', "list of cells"), ('[1]', "list of cells")])
def test_not_a_notebook_is_an_input_error(tmp_path, text, needle):
    path = tmp_path / "broken.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=needle):
        parse_file(path)


def test_an_empty_notebook_has_no_cells(tmp_path):
    path = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    assert parse_file(path).cells == []


def test_findings_point_at_the_cell_and_the_line_within_it(squares):
    edit_cell(squares, 3, "def test_squares():\n    assert squares(3) == [1, 4, 9]\n\n\ntest_squares()")
    module = parse_file(squares)
    (finding,) = [f for f in audit_source(module, None) if f.code == "TI001"]
    cell = module.cells[3]
    assert finding.line == cell.body_start + 4 and module.line(finding.line) == "test_squares()"
    info = ModuleInfo.from_source(module)
    assert info.cell_note(finding.line) == " (cell 3, id test-squares, line 5)"
    assert info.cell_note(cell.start) == " (cell 3, id test-squares)"  # the marker: a cell-level finding
    review = markdown.render(info, [finding], ALL_RULES, datetime.date(2026, 1, 1))
    assert f"Line {finding.line} (cell 3, id test-squares, line 5)" in review
    assert "test_squares()" in review  # the review quotes the cell's lines


def test_metadata_errors_are_reported_at_the_cell(squares):
    edit_cell(squares, 2, "def squares(n):\n    return n", nbgrader={"grade": False, "grade_id": "squares", "locked": "no", "schema_version": 3, "solution": True})
    module = parse_file(squares)
    lines = {f.line for f in audit_source(module, None) if f.code.startswith("NB")}
    assert module.cells[2].start in lines  # at the cell's marker: "cell 2"


def test_the_auditor_audits_a_notebook_by_path(squares):
    audit = Auditor(squares.parent).audit_target(str(squares))
    assert audit.module.notebook is not None and audit.info.cells[3][2:] == (3, "test-squares")
    assert audit.info.source_lines == tuple(audit.module.lines)  # reports quote the rendering the lines refer to


def test_fix_writes_a_valid_notebook_changing_only_the_fixed_cell(squares):
    edit_cell(squares, 3, "def test_squares():\n    assert squares(3) == [1, 4, 9]\n\n\ntest_squares()")
    before = nbformat.read(squares, as_version=4)
    module = parse_file(squares)
    findings = audit_source(module, None)
    guard = [f for f in findings if f.code == "TI001"]
    assert guard
    fix_file(module, guard)
    after = nbformat.read(squares, as_version=4)
    nbformat.validate(after)
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert [c for i, c in enumerate(after.cells) if i != 3] == [c for i, c in enumerate(before.cells) if i != 3]
    assert after.cells[3].source.splitlines()[-2:] == ['if __name__ == "__main__":', "    test_squares()"]
    assert after.cells[3].metadata == before.cells[3].metadata
    assert "TI001" not in {f.code for f in audit_source(parse_file(squares), None)}


def test_fix_adds_missing_metadata_to_the_notebook_cell(squares):
    data = json.loads(squares.read_text(encoding="utf-8"))
    del data["cells"][2]["metadata"]["nbgrader"]
    squares.write_text(json.dumps(data, indent=1), encoding="utf-8")
    module = parse_file(squares)
    findings = audit_source(module, None)
    missing = [f for f in findings if f.code == "NB001"]
    assert [f.line for f in missing] == [module.cells[2].start]
    fix_file(module, missing)
    after = nbformat.read(squares, as_version=4)
    nbformat.validate(after)
    assert after.cells[2].metadata["nbgrader"]["solution"] is True and after.cells[2].source == "".join(data["cells"][2]["source"])
    assert [c for i, c in enumerate(after.cells) if i != 2] == [c for i, c in enumerate(nbformat.reads(json.dumps(data), as_version=4).cells) if i != 2]
    assert "NB001" not in {f.code for f in audit_source(parse_file(squares), None)}


def test_a_split_cell_becomes_two_notebook_cells_with_a_new_id(squares):
    module = parse_file(squares)
    cell = module.cells[2]
    lines = list(module.lines)
    lines[cell.end:cell.end] = ['# %% nbgrader={"grade": true, "grade_id": "t2", "locked": true, "points": 1, "schema_version": 3, "solution": false}', "assert squares(2) == [1, 4]"]
    write_source(module, "\n".join(lines) + "\n")
    after = nbformat.read(squares, as_version=4)
    nbformat.validate(after)
    assert len(after.cells) == 6 and after.cells[3].source == "assert squares(2) == [1, 4]"
    assert after.cells[3].metadata["nbgrader"]["grade_id"] == "t2" and after.cells[3].id not in {c.id for c in module.cells}
    assert [c.id for c in after.cells[:3]] == ["intro", "imports", "squares"]



def test_fixing_a_notebook_holding_a_lone_surrogate_never_crashes_and_changes_nothing(tmp_path, capsys):
    """Issue 14's surrogate class on the notebook path: the text cannot be written as UTF-8."""
    import json as json_module

    from audits.module import main

    cell = {"cell_type": "code", "execution_count": None, "id": "a1", "outputs": [],
            "metadata": {"nbgrader": {"grade_id": "\ud800", "solution": False}},
            "source": "x = 1\n"}  # fmt: skip
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lone.ipynb"
    path.write_text(json_module.dumps(notebook), encoding="utf-8")  # ensure_ascii: the surrogate is a \\ud800 escape
    before = path.read_bytes()
    assert main([str(path), "--fix", "--format", "json"]) in (1, 2)
    assert "internal error" not in capsys.readouterr().err
    assert path.read_bytes() == before


def test_the_notebook_writer_refuses_text_utf8_cannot_encode_and_leaves_the_file_alone(tmp_path):
    """The guard in `notebook.write_source` itself (the fixer's own check stops most such edits first)."""
    import json as json_module

    from audits.model import InputError
    from audits.notebook import write_source

    cell = {"cell_type": "code", "execution_count": None, "id": "a1", "outputs": [], "metadata": {}, "source": "x = 1\n"}
    path = tmp_path / "plain.ipynb"
    path.write_text(json_module.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    before = path.read_bytes()
    module = parse_file(path)
    new_text = "\n".join(module.lines).replace("x = 1", "x = '\ud800'")
    with pytest.raises(InputError, match="UTF-8 cannot encode"):
        write_source(module, new_text)
    assert path.read_bytes() == before


# Notebooks an adversarial user writes (issue 23): each is read, or refused with one clear
# reason, and what nbformat's schema rejects is a finding quoting nbformat.
def _notebook(cells, **top) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top})


def test_json_nested_deeper_than_jupyter_reads_is_refused_with_its_depth(tmp_path):
    path = tmp_path / "deep.ipynb"
    path.write_text(_notebook([], metadata={"a": json.loads("[" * 700 + "]" * 700)}), encoding="utf-8")
    with pytest.raises(InputError, match="nested 702 levels deep"):
        parse_file(path)
    path.write_text(_notebook([], metadata={"a": json.loads("[" * 98 + "]" * 98)}), encoding="utf-8")
    assert parse_file(path).cells == []  # 100 levels is the limit, not less


def test_an_old_nbformat_3_notebook_is_converted_as_jupyter_converts_it(tmp_path):
    path = tmp_path / "old.ipynb"
    cell = {"cell_type": "code", "input": ["def f():\n", "    return 1\n"], "language": "python", "outputs": [], "metadata": {}}
    heading = {"cell_type": "heading", "level": 1, "source": "Title", "metadata": {}}
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [heading, cell]}]}), encoding="utf-8")
    module = parse_file(path)
    assert [c.kind for c in module.cells] == ["markdown", "code"]
    assert module.cells[0].source == "# # Title" and module.cells[1].tree.body[0].name == "f"


@pytest.mark.parametrize("old, reason", [
    ({"nbformat": 3, "nbformat_minor": 0, "metadata": {}}, "nbformat 3 notebook nbformat cannot convert to version 4 (missing an expected key: worksheets)"),
    ({"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "heading"}]}]}, "nbformat 3 notebook nbformat cannot convert"),
    ({"nbformat": 2, "cells": []}, "nbformat 2 notebook nbformat cannot convert"),
    ({"nbformat": 1, "cells": [1]}, "from version 1 to version 2"),
], ids=["v3-no-worksheets", "v3-bad-cell", "v2", "v1"])
def test_an_old_notebook_nbformat_cannot_convert_is_an_input_error_quoting_nbformat(tmp_path, old, reason):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(InputError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_file(path)


def test_a_notebook_nbformat_rejects_is_a_finding_at_its_cell_quoting_nbformat(tmp_path):
    path = tmp_path / "invalid.ipynb"
    markdown_cell = {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Intro"}
    code_cell = {"cell_type": "code", "id": "code", "metadata": {}, "source": "x = 1"}  # no outputs, no execution_count
    path.write_text(_notebook([markdown_cell, code_cell]), encoding="utf-8")
    module = parse_file(path)
    (finding,) = [f for f in audit_source(module, None) if f.code == "SYN002"]
    assert finding.line == module.cells[1].start and finding.severity.blocks_export
    assert "nbformat rejects this notebook: 'outputs' is a required property (at cells/1)" in finding.message
    path.write_text(_notebook([markdown_cell, {**code_cell, "outputs": [], "execution_count": None}]), encoding="utf-8")
    assert "SYN002" not in {f.code for f in audit_source(parse_file(path), None)}


def test_a_notebook_nbformat_rejects_outside_any_cell_is_reported_at_line_one(tmp_path):
    path = tmp_path / "invalid.ipynb"
    path.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")  # no top-level metadata
    (finding,) = [f for f in audit_source(parse_file(path), None) if f.code == "SYN002"]
    assert finding.line == 1 and "'metadata' is a required property" in finding.message and finding.excerpt == ""


def test_fix_leaves_a_notebook_nbformat_rejects_alone_and_says_why(tmp_path):
    path = tmp_path / "invalid.ipynb"
    code_cell = {"cell_type": "code", "id": "t", "metadata": {}, "source": "def test_x():\n    assert 1 + 1 == 2\n\ntest_x()"}
    path.write_text(_notebook([code_cell]), encoding="utf-8")
    before = path.read_bytes()
    module = parse_file(path)
    findings = audit_source(module, None)
    assert {"SYN002", "TI001"} <= {f.code for f in findings}  # TI001 carries a fix (a guard) that would apply on a valid notebook
    result = fix_file(module, findings)
    assert path.read_bytes() == before and not result.fixed
    left = {f.code for f, why in result.needs_human if "nbformat rejects this notebook" in why}
    assert left == {f.code for f in findings if f.fix is not None} and "TI001" in left


def test_fix_on_a_valid_empty_notebook_changes_nothing(tmp_path):
    from testkit.auditkit import run_command

    path = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    before = path.read_bytes()
    module = parse_file(path)
    assert module.text == "" and module.lines == []
    result = run_command("audits.module", path, "--root", tmp_path, "--fix", "--format", "json")
    assert result.returncode == 0 and "nothing to fix mechanically" in result.stderr
    assert path.read_bytes() == before


def _test_cell(name: str, cell_id: str):
    meta = {"grade": True, "grade_id": cell_id, "locked": True, "points": 1, "schema_version": 3, "solution": False, "task": False}
    return nbformat.v4.new_code_cell(f"def {name}():\n    assert 1 + 1 == 2\n\n\n{name}()", id=cell_id, metadata={"nbgrader": meta})


def test_fix_of_two_adjacent_cells_changes_each_in_its_own_place(tmp_path):
    path = tmp_path / "two.ipynb"
    cells = [nbformat.v4.new_markdown_cell("# Two tests", id="intro"), _test_cell("test_a", "cell-a"), _test_cell("test_b", "cell-b")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    module = parse_file(path)
    guards = [f for f in audit_source(module, None) if f.code == "TI001"]
    assert len(guards) == 2
    fix_file(module, guards)
    after = nbformat.read(path, as_version=4)
    assert [c.id for c in after.cells] == ["intro", "cell-a", "cell-b"] and after.cells[0].source == "# Two tests"
    for cell, name in zip(after.cells[1:], ("test_a", "test_b")):
        assert cell.source.startswith(f"def {name}():") and cell.source.endswith(f'if __name__ == "__main__":\n    {name}()')
        assert cell.metadata["nbgrader"]["grade_id"] == cell.id


def test_fix_removing_a_suppression_in_a_markdown_cell_keeps_every_other_character(tmp_path):
    path = tmp_path / "note.ipynb"
    text = "Intro line\n\nSee the test below # audit: ignore[TI001]\nLast line"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="note")]), path)
    module = parse_file(path)
    unused = [f for f in audit_source(module, None) if f.code == "SUP002"]
    assert len(unused) == 1 and unused[0].fix is not None
    fix_file(module, unused)
    assert nbformat.read(path, as_version=4).cells[0].source == "Intro line\n\nSee the test below\nLast line"


@pytest.mark.parametrize("minor", [None, "5", True, 1.5])
def test_an_nbformat_minor_that_is_no_integer_is_a_finding_not_a_crash(tmp_path, minor):
    """nbformat's validator asserts the minor version is an int: an AssertionError, not a ValidationError."""
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": minor}), encoding="utf-8")
    (finding,) = [f for f in audit_source(parse_file(path), None) if f.code == "SYN002"]
    assert f"nbformat_minor must be an integer, not {json.dumps(minor)}" in finding.message
