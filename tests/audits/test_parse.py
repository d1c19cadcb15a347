"""The parser: exact spans, header, cell kinds, metadata and syntax errors as data, bad input."""

import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.model import InputError
from audits.parse import parse_file, parse_text
from testkit.auditkit import HEADER, line_of, marker

TEXT = (
    HEADER
    + "\n# %% [markdown]\n"
    + '"""\n# Module 01: Widget\n"""\n'
    + "\n"
    + marker("imports")
    + "\n#| default_exp core.widget\n#| export\nimport math\n\n\n"
    + "# %%\n"
    + 's = """\n# %% inside a string is not a marker\n"""\n'
    + "\n# %% [markdown]\n# ```\n# %% inside a fence\n# ```\n"
    + "\n# %% [raw]\nraw text\n"
)


def test_header_ends_at_second_fence():
    module = parse_text(TEXT)
    assert module.header_end == line_of(TEXT, "# ---", nth=2) == 8


def test_cells_have_exact_spans_and_kinds():
    module = parse_text(TEXT)
    spans = [(c.kind, c.start, c.end, c.body_start) for c in module.cells]
    md = line_of(TEXT, "# %% [markdown]")
    code = line_of(TEXT, "nbgrader=")
    plain = line_of(TEXT, "# %%", nth=3)
    fence = line_of(TEXT, "# %% [markdown]", nth=2)
    raw = line_of(TEXT, "# %% [raw]")
    assert spans == [
        ("markdown", md, md + 3, md + 1),
        ("code", code, code + 3, code + 1),  # trailing blank lines belong to no cell
        ("code", plain, plain + 3, plain + 1),  # the `# %%` inside the string does not split it
        ("markdown", fence, fence + 3, fence + 1),  # nor does the one inside the fence
        ("raw", raw, raw + 1, raw + 1),
    ]
    assert module.cells[2].source.splitlines()[1] == "# %% inside a string is not a marker"


def test_metadata_directives_and_ast_line_numbers():
    module = parse_text(TEXT)
    cell = module.cells[1]
    assert cell.nbgrader["grade_id"] == "imports" and cell.nbgrader_error is None
    assert cell.directives == ("default_exp core.widget", "export") and cell.exported
    assert module.export_target == "core.widget"
    assert cell.tree.body[0].lineno == line_of(TEXT, "import math")
    assert module.cell_at(line_of(TEXT, "import math")) is cell
    assert module.cells[0].tree is None and module.cells[0].nbgrader is None


def test_bad_metadata_is_data():
    text = "# %% nbgrader={'grade': True}\nx = 1\n# %% nbgrader=[1, 2]\ny = 2\n# %% nbgrader=\nz = 3\n"
    cells = parse_text(text).cells
    assert cells[0].nbgrader is None and cells[0].nbgrader_error.startswith("not JSON")
    assert cells[0].nbgrader_text == "{'grade': True}"
    assert cells[1].nbgrader_error.startswith("not a JSON object")
    assert cells[2].nbgrader_error.startswith("empty")


def test_trailing_text_after_metadata_is_allowed():
    cell = parse_text('# %% nbgrader={"grade": false}  # audit: ignore[NB003]\nx = 1\n').cells[0]
    assert cell.nbgrader == {"grade": False} and cell.nbgrader_error is None


def test_a_json_header_without_nbgrader_is_not_read_even_when_python_could_not_read_it():
    """`# %% {"x": ...}` is jupytext's form for other cell options: only one naming "nbgrader" is
    nbgrader metadata, so a number past Python's 4,300-digit limit there is none of the audit's business."""
    cell = parse_text('# %% {"x": 1' + "0" * 5000 + "}\nx = 1\n").cells[0]
    assert cell.nbgrader is None and cell.nbgrader_text is None and cell.nbgrader_error is None
    spoiled = parse_text('# %% {"nbgrader": {"points": 1' + "0" * 5000 + "}}\nx = 1\n").cells[0]
    assert spoiled.nbgrader is None and spoiled.nbgrader_error  # the same number under "nbgrader" is reported


def test_syntax_error_is_data_with_file_line():
    text = HEADER + "\n# %%\nx = 1\ndef broken(:\n    pass\n"
    cell = parse_text(text).cells[0]
    assert cell.tree is None
    assert cell.syntax_error[0] == line_of(text, "def broken")


def test_file_without_markers_is_one_code_cell():
    module = parse_text("\n\nimport os\nprint(os.sep)\n")
    assert [(c.kind, c.start, c.end, c.marker) for c in module.cells] == [("code", 3, 4, "")]
    assert module.header_end == 0


def test_empty_file_and_header_only():
    assert parse_text("").cells == []
    module = parse_text(HEADER)
    assert module.cells == [] and module.header_end == 8


def test_unterminated_header_is_not_a_header():
    module = parse_text("# ---\n# jupyter:\nx = 1\n")
    assert module.header_end == 0


def test_crlf_line_endings_keep_line_numbers():
    text = "# %%\r\nx = 1\r\n\r\n# %%\r\ny = 2\r\n"
    cells = parse_text(text).cells
    assert [(c.start, c.end) for c in cells] == [(1, 2), (4, 5)]


def test_non_utf8_file_is_an_input_error(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes("# caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        parse_file(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        parse_file(tmp_path / "absent.py")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(list("# %\n[]{}\"'x=:()\\ta-_") + ["# %%", "nbgrader=", '"""', "\n# %% [markdown]\n", "# ---\n"]), max_size=80).map("".join))
def test_never_raises_and_spans_are_ordered(text):
    module = parse_text(text)
    previous_end = module.header_end
    for cell in module.cells:
        assert previous_end < cell.start <= cell.body_start <= cell.end + 1
        assert cell.end <= len(module.lines)
        previous_end = cell.end


def test_odd_marker_options_are_read_by_jupytexts_own_percent_reader():
    from audits.parse import _percent_reader_class

    reader = _percent_reader_class()  # before jupytext is imported here: the privately loaded copy
    import jupytext.cell_reader

    assert reader.__name__ == "DoublePercentScriptCellReader"
    assert inspect.getsourcefile(reader) == inspect.getsourcefile(jupytext.cell_reader.DoublePercentScriptCellReader)


def test_marker_options_jupytext_cannot_read_still_start_a_code_cell():
    text = '# %% -"# %% {"a"}\nx = 1\n# %% [markdown]\n# prose\n'  # jupytext raises TypeError on the first options
    cells = parse_text(text).cells
    assert [(c.kind, c.start, c.end) for c in cells] == [("code", 1, 2), ("markdown", 3, 4)]


def test_a_whole_checkout_audit_parses_each_cell_and_test_file_once(tmp_path, monkeypatch):
    """Rules share the trees the parser built: no rule parses a source again."""
    import ast

    from audits.auditor import Auditor
    from testkit.auditkit import make_checkout, source

    cell = marker("w", "impl") + "\n#| export\ndef widget():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    root = make_checkout(
        tmp_path,
        {"01_widget": source(cell), "02_gadget": source(cell.replace("widget", "gadget"), target="core.gadget")},
        {"tests/01_widget/test_widget.py": "from tinytorch.core.widget import widget\n\n\ndef test_widget():\n    assert widget() == 1\n"},
    )
    sources = [cell.source for path in sorted(root.glob("modules/*/*.py")) for cell in parse_file(path).code_cells()]
    sources.append((root / "tests/01_widget/test_widget.py").read_text(encoding="utf-8"))
    parsed = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda text, *args, **kwargs: parsed.append(text) or real(text, *args, **kwargs))
    auditor = Auditor(root)
    for ref in auditor.refs:
        auditor.audit_ref(ref)
    assert len(sources) == 2 + 2 + 1  # two code cells per module, one test file
    # Each source is parsed once; rules may parse texts they derive (e.g. the student version), never a source again.
    assert sorted(text.lstrip("\n") for text in parsed if text.lstrip("\n") in sources) == sorted(sources)


def test_cells_far_down_a_long_file_keep_exact_lines():
    from audits.parse import PAD_LIMIT

    filler = "# %%\nx = 1\n\n" * (PAD_LIMIT // 3 + 10)
    text = filler + "# %%\ny = 2\ndef broken(:\n"
    cells = parse_text(text).cells
    assert cells[-2].start > PAD_LIMIT and cells[-2].tree.body[0].lineno == line_of(text, "x = 1", PAD_LIMIT // 3 + 10)
    assert cells[-1].tree is None and cells[-1].syntax_error[0] == line_of(text, "def broken")


def test_cell_at_finds_the_cell_of_each_line_and_none_between_cells():
    text = HEADER + "\n# %%\nx = 1\n\n\n# %% [markdown]\n# prose\n"
    module = parse_text(text)
    code, prose = module.cells
    expected = {n: code for n in range(code.start, code.end + 1)} | {n: prose for n in range(prose.start, prose.end + 1)}
    assert [module.cell_at(n) for n in range(0, len(module.lines) + 2)] == [expected.get(n) for n in range(0, len(module.lines) + 2)]
    assert module.cell_at(line_of(text, "x = 1") + 1) is None  # the blank lines after a cell belong to none


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\r\n", max_size=12))
def test_line_count_is_the_number_of_source_lines(text):
    """The table of a cached run counts lines without splitting them: it must agree with what the reports count."""
    from audits.parse import line_count, source_lines

    assert line_count(text) == len(source_lines(text))
