"""The cell split (audits.parse._split) gives jupytext's cells: the same spans and kinds as its
percent-format reader, on every fixture and module source and on generated texts.

The reference below drives jupytext's own `DoublePercentScriptCellReader` cell by cell over the
whole rest of the file, as the auditor did before it read the file in one pass.
"""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import audits.parse as parse
from audits.parse import _header_end, _split, parse_text, source_lines

REPO = Path(__file__).resolve().parents[2]


def jupytext_split(lines: list[str], first: int) -> list[tuple[int, int, str]]:
    """(start, next start, kind) per cell as jupytext's percent reader reads each cell against the rest of the file."""
    from jupytext.cell_reader import DoublePercentScriptCellReader

    spans, pos = [], first
    while pos < len(lines):
        reader = DoublePercentScriptCellReader(parse.FORMAT, "python")
        try:
            reader.metadata_and_language_from_option_line(lines[pos])
            _, next_start, _ = reader.find_cell_end(lines[pos:])
        except Exception:  # noqa: BLE001 - options jupytext cannot read: a code cell (as the auditor reads them)
            reader = DoublePercentScriptCellReader(parse.FORMAT, "python")
            reader.metadata = {}
            _, next_start, _ = reader.find_cell_end(lines[pos:])
        kind = reader.cell_type if reader.cell_type in ("markdown", "raw") else "code"
        next_start = max(next_start, 1)
        spans.append((pos, pos + next_start, kind))
        pos += next_start
    return spans


def assert_same_split(text: str) -> None:
    lines = source_lines(text)
    first = _header_end(lines)
    assert _split(lines, first) == jupytext_split(lines, first)


def sources() -> list[Path]:
    """Every Python file of the audit fixtures and every module source of this checkout."""
    found = sorted((REPO / "tests" / "audits").rglob("*.py")) + sorted((REPO / "modules").glob("*/*.py"))
    return [path for path in found if "__pycache__" not in path.parts]


def test_the_split_is_jupytexts_on_every_fixture_and_module_source():
    paths = sources()
    assert len(paths) > 100 and any(path.parent.parent.name == "modules" for path in paths)
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            assert_same_split(parse.normalize_newlines(text.removeprefix("\ufeff")))
        except AssertionError:
            pytest.fail(f"{path.relative_to(REPO)}: the cells differ from jupytext's")


MARKERS = [
    "# %%",
    "#%%",
    "# %% ",
    "  # %% [raw]",
    "# %% [markdown]",
    "# %% [md]",
    "# %% A title [markdown]",
    "# %% [markdown] .cls",
    "# %% .cls",
    "# %%% sub cell",
    '# %% nbgrader={"grade": false, "locked": true}',
    '# %% [markdown] nbgrader={"locked": true}',
    '# %% [markdown]  nbgrader = {"a": 1}',
    '# %% [markdown]\tnbgrader={"a": 1}',
    '# %% [markdown] .x nbgrader={"a": 1}',
    '# %% [markdown] nbgrader={"a": "k=v"}',
    '# %% [raw] {[markdown] nbgrader={"a": 1}',
    '# %% [markdown] active={"a": 1}',
    '# %% [markdown] cell_type={"a": 1}',
    '# %% tags={"active-py": 1}',
    "# %% [markdown] nbgrader={'a': True}",
    '# %% [markdown] nbgrader={"a": 1} tail',
    "# %% [markdown] nbgrader={[1]: 2}",
    "# %% [markdown] nbgrader={bad",
    '# %% {"cell_type": "raw"}',
    '# %% [markdown] {"nbgrader": {"x": 1}}',
    '# %% tags=["active-py"]',
    '# %% [markdown] active="ipynb"',
    '# %% cell_type="markdown"',
    '# %% run_control={"frozen": true}',
    '# %% -"# %% {"a"}',
    "# In[3]:",
    "# <codecell>",
]
LINES = MARKERS + [
    "",
    "x = 1",
    '"""',
    "'''",
    's = """doc',
    "end'''",
    'x = "# %%"',
    'r = "\\\\"',
    "t = 'it\\'s'",
    '""""""',
    '""""',
    "x = ''''''",
    's = """a""" + """',
    'u = "\\"""',
    '# a comment with "quotes',
    "# ```",
    "# ```python",
    "# ````",
    "# ~~~",
    "```",
    "# prose",
]


TRICKY = [
    # a fence closed, then a marker, then another fence line: the closing line opens no fence
    "# %% [markdown]\n# ```\n# %% inside the fence\n# ```\n# %%\nx = 1\n# ```\n",
    # a marker inside a fence that never closes is a marker
    "# %% [markdown]\n# ```python\n# %%\nx = 1\n",
    # four quotes open a string that the next marker is inside of
    'x = """"\n# %%\ny = """\n# %%\nz = 1\n',
    # an escaped quote does not end a string; a `#` inside a string is no comment
    "s = 'it\\'s # %%'\n# %%\nt = '''\n# %%\n'''\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_split_is_jupytexts_on_tricky_texts(text):
    assert_same_split(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30).map("\n".join))
def test_the_split_is_jupytexts_on_generated_texts(text):
    assert_same_split(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(MARKERS), min_size=1, max_size=3), st.text(alphabet="# %[]{}=\"'.:\\tx-_`~", max_size=30))
def test_any_marker_options_get_jupytexts_kind(markers, options):
    """Options of any form, the course's and odd ones: the same cells and kinds as jupytext reads them."""
    assert_same_split("\n".join([*markers, "# %%" + options, "x = 1", "# %% " + options, "y = 2"]))


def test_the_course_marker_forms_are_read_without_jupytext(monkeypatch):
    """No-options, `[markdown]`, titles and `nbgrader={...}` markers (every marker of our modules) never load
    jupytext's reader: the split of a module source is read in this module alone."""

    def refuse(line):
        raise AssertionError(f"jupytext asked about {line!r}")

    monkeypatch.setattr(parse, "_jupytext_kind", refuse)
    modules = sorted((REPO / "modules").glob("*/*.py"))
    assert modules
    for path in modules:
        kinds = {cell.kind for cell in parse_text(path.read_text(encoding="utf-8")).cells}
        assert kinds == {"code", "markdown"}, path


def test_odd_marker_options_are_read_by_jupytext(monkeypatch):
    """An option line of a form not read here (tags, attributes, JSON metadata) gets jupytext's answer."""
    asked = []
    real = parse._jupytext_kind
    monkeypatch.setattr(parse, "_jupytext_kind", lambda line: asked.append(line) or real(line))
    cells = parse_text('# %% [markdown] tags=["x"]\n# prose\n# %% {"cell_type": "raw"}\nraw text\n# %% .cls\nx = 1\n').cells
    assert [cell.kind for cell in cells] == ["markdown", "raw", "code"]
    assert asked == ['# %% [markdown] tags=["x"]', '# %% {"cell_type": "raw"}', "# %% .cls"]
