"""Suppression comments read cell by cell (audits.rules.suppressions.module_suppressions) are
exactly those tokenizing the whole file finds, including when the file does not tokenize."""

import random
from pathlib import Path

from audits.parse import parse_text
from audits.rules import suppressions as hygiene

REPO = Path(__file__).resolve().parents[2]
SNIPPETS = [
    "x = 1  # audit: ignore[TI001]",
    "    # audit: ignore[SE001]",
    '"""',
    "'''",
    "x = (",
    "2)  # audit: ignore[TI001]",
    'y = """# audit: ignore[TI001]',
    's = "# audit: ignore[TI001]"',
    "a = 1; b = 2  # audit: ignore[TI001]",
    "# %%",
    "# %% [markdown]",
    "# %% [raw]",
    "    indented text # audit: ignore[REF001]",
    "def f():",
    "    return 1  # audit: ignore[GR001]",
    "\\",
    "if x:",
    "        z = 2",
    "\t# audit: ignore[TI001]",
    "@decorator  # audit: ignore[TI001]",
    "",
]


def _wanted(module) -> set[int]:
    return {number for number, line in enumerate(module.lines, start=1) if "audit:" in line and hygiene.SUPPRESS.search(line)}


def test_read_cell_by_cell_as_the_whole_file_reads_them():
    """Seeded mutations of a real module (strings, brackets, indents, stray markers, backslashes):
    the same suppressions as tokenizing the whole file, and the cells decided most of them."""
    rng = random.Random(20261207)
    base = (REPO / "modules" / "04_losses" / "losses.py").read_text(encoding="utf-8").split("\n")
    markers = [at for at, line in enumerate(base) if line.startswith("# %%")]
    by_cells = 0
    for _ in range(150):
        start = rng.choice(markers)  # whole cells, so most pieces parse
        lines = base[start : start + rng.randint(5, 80)]
        for _ in range(rng.randint(1, 2)):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(SNIPPETS))
        module = parse_text("\n".join(lines), "losses.py")
        expected = hygiene.suppressions(module.display_path, module.text, module.lines)
        assert hygiene.module_suppressions(module) == expected, "\n".join(lines)
        by_cells += hygiene._cell_comments(module, _wanted(module)) is not None
    assert by_cells >= 30  # the cell-by-cell reading was really exercised


def test_a_whole_module_is_read_cell_by_cell():
    module = parse_text((REPO / "modules" / "05_autograd" / "autograd.py").read_text(encoding="utf-8"), "autograd.py")
    wanted = _wanted(module)
    comments = hygiene._cell_comments(module, wanted)
    assert comments is not None and len(comments) >= 6
    assert comments == [comment for comment in hygiene._comments(module.text) if comment[0] in wanted]


def test_a_suppression_quoted_in_a_markdown_string_is_not_a_comment():
    text = '# %% [markdown]\n"""\nWrite `x = 1  # audit: ignore[TI001]` to silence it.\n"""\n\n# %%\nx = 1  # audit: ignore[SE001]\n'
    module = parse_text(text, "m.py")
    assert [(s.line, s.codes) for s in hygiene.module_suppressions(module)] == [(7, ("SE001",))]


def test_a_backslash_line_leaves_the_decision_to_the_whole_file():
    """Python's parser accepts this cell, but `tokenize` fails on the file (the lone backslash
    dedents it): the whole-file reading, with its line-by-line fallback, is what counts."""
    text = "# %%\nclass A:\n    def f(self):\n        a = 1\n\\\n        b = 2\n\n    def g(self):  # audit: ignore[TI001]\n        return 1\n"
    module = parse_text(text, "m.py")
    assert module.cells[0].tree is not None
    assert hygiene._cell_comments(module, _wanted(module)) is None
    assert hygiene.module_suppressions(module) == hygiene.suppressions(module.display_path, module.text, module.lines)


def test_an_indented_line_between_cells_leaves_the_decision_to_the_whole_file():
    """The raw cell's line dedents the file to a column no block began at: `tokenize` fails on
    the whole file, though the raw cell alone reads fine."""
    text = "# %%\ndef f():\n    if x:\n        a = 1\n\n# %% [raw]\n  text  # audit: ignore[TI001]\n"
    module = parse_text(text, "m.py")
    assert hygiene._cell_comments(module, _wanted(module)) is None
    assert hygiene.module_suppressions(module) == hygiene.suppressions(module.display_path, module.text, module.lines)


def test_a_run_of_comment_lines_is_read_without_tokenizing(monkeypatch):
    """Markdown cells and markers (comments alone, after spaces or tabs) give their comments as tokenizing them would."""
    text = (
        "# %% [markdown]\n# A title with a ''' quote\n\t# audit: ignore[TI001] after a tab\n\n"
        "   #   audit: ignore[SE001, TI001]  \n# %%\nx = 1  # audit: ignore[TI001]\n"
    )
    module = parse_text(text, "m.py")
    expected = [comment for comment in hygiene._comments(module.text) if comment[0] in _wanted(module)]
    tokenized = []
    real = hygiene._tokens
    monkeypatch.setattr(hygiene, "_tokens", lambda lines, first: tokenized.append(first) or real(lines, first))
    assert hygiene._cell_comments(module, _wanted(module)) == expected and len(expected) == 3
    assert tokenized == [7]  # only the code cell's statement; the markdown run was not tokenized


NESTED = [
    "    x = 1  # audit: ignore[TI001]",
    "        y = (1,  # audit: ignore[SE001]",
    "            2)  # audit: ignore[TI001]",
    "    if x:  # audit: ignore[GR001]",
    "    else:  # audit: ignore[GR001]",
    "        a = 1; b = '''  # audit: ignore[TI001]",
    "        '''  # audit: ignore[TI001]",
    "    @property  # audit: ignore[TI001]",
    "    def g(self, a=(1,  # audit: ignore[TI001]",
    "              2)): return a  # audit: ignore[TI001]",
    "        if a: b = 1  # audit: ignore[TI001]",
    "    try:  # audit: ignore[TI001]",
    "    except ValueError:  # audit: ignore[TI001]",
    "    # audit: ignore[SE001]",
    '        s = "# audit: ignore[TI001]"  # audit: ignore[SE001]',
]


def test_comments_inside_classes_and_functions_read_as_the_whole_file_reads_them():
    """Seeded mutations of a real module's classes (statements that share lines, headers, else and
    except lines, decorators, strings spanning lines): the innermost statements read alone give
    the suppressions tokenizing the whole file gives."""
    rng = random.Random(20261208)
    base = (REPO / "modules" / "03_layers" / "layers.py").read_text(encoding="utf-8").split("\n")
    classes = [at for at, line in enumerate(base) if line.startswith("class ")]
    decided = 0
    for _ in range(200):
        start = rng.choice(classes)
        lines = ["# %%"] + base[start : start + rng.randint(10, 60)]
        for _ in range(rng.randint(1, 3)):
            lines.insert(rng.randrange(2, len(lines) + 1), rng.choice(NESTED))
        module = parse_text("\n".join(lines), "layers.py")
        expected = hygiene.suppressions(module.display_path, module.text, module.lines)
        assert hygiene.module_suppressions(module) == expected, "\n".join(lines)
        decided += hygiene._cell_comments(module, _wanted(module)) is not None
    assert decided >= 25  # the cells parsed often enough for the statement-by-statement reading to count


def test_a_comment_in_a_method_tokenizes_its_statement_not_the_class(monkeypatch):
    text = (
        "# %%\nclass A:\n    def f(self):\n        a = 1\n        b = 2  # audit: ignore[TI001]\n        return a\n\n"
        "    def g(self):\n        if a:  # audit: ignore[SE001]\n            return (1,\n                2)\n        return 3\n"
    )
    module = parse_text(text, "m.py")
    tokenized = []
    real = hygiene._tokens
    monkeypatch.setattr(hygiene, "_tokens", lambda lines, first: tokenized.append((first, first + len(lines) - 1)) or real(lines, first))
    comments = hygiene._cell_comments(module, _wanted(module))
    assert comments == [comment for comment in hygiene._comments(module.text) if comment[0] in _wanted(module)] and len(comments) == 2
    assert (5, 5) in tokenized and (9, 11) in tokenized  # the assignment alone; the `if` with its body
    assert all(last - first < 4 for first, last in tokenized)  # never the whole class (lines 2-12)


def test_a_statement_after_a_header_that_ends_a_string_is_read_with_its_header():
    """`y = 1` begins a line that starts inside the `if`'s string: read alone, `tokenize` would see
    a string there and no comment; read with its header it sees the comment, as the whole file does."""
    text = '# %%\ndef f(x):\n    if x == """abc\n""": y = 1  # audit: ignore[TI001]\n    return x\n'
    module = parse_text(text, "m.py")
    comments = hygiene._cell_comments(module, _wanted(module))
    assert comments == [comment for comment in hygiene._comments(module.text) if comment[0] == 4] and len(comments) == 1
