"""Every rule on its own fixture file, with the expected findings written next to the lines that cause them.

`tests/audits/rule_fixtures/CODE.py` is a percent-format module source (also audited as a
notebook, cell for cell: the same findings must come out in the same cells). A line that must
be reported ends with `# expect: CODE` (several codes: `# expect: CODE1, CODE2`); a line
`# expect-next: CODE` expects the finding on the line after it (for lines that cannot
carry a trailing comment). The test audits the file and compares, for the fixture's own
code and every code named in an annotation, the (code, line) pairs found with the
annotated ones: a missing or an extra finding fails with its line.

Cross-module rules need a checkout: a first line `# fixture-at: PATH` places the file at
PATH (e.g. `modules/03_widget/widget.py`, or a test file `tests/03_widget/test_widget.py`)
in a small checkout built in tmp_path from CHECKOUT below, and the module is audited
there. Adding a rule = one rule file + one fixture file + one line in RULE_FILES.
"""

import ast
import re
from pathlib import Path

import pytest

from audits.auditor import Auditor
from audits.astutil import char_column
from audits.check import audit_source
from audits.model import unfold
from audits.parse import parse_text
from audits.rules import every_rule
from testkit.auditkit import line_of, make_checkout, marker, source

FIXTURES = Path(__file__).resolve().parent / "rule_fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
EXPECT_NEXT = re.compile(r"^\s*#\s*expect-next:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\s*$")
AT = re.compile(r"^#\s*fixture-at:\s*(\S+)")

# The checkout cross-module fixtures sit in: module 01 exports Tensor, 04 exports Later;
# the fixture is module 03 (or one of its test files, beside a plain module 03).
CHECKOUT = {
    "01_tensor": source(marker("tensor", "impl") + "\n#| export\nclass Tensor:\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", target="core.tensor"),
    "04_later": source(marker("later", "impl") + "\n#| export\nclass Later:\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", target="core.later"),
    "03_widget": source(marker("widget", "impl") + "\n#| export\ndef widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"),
}
HAND_WRITTEN = "from tinytorch.core.transformer import TransformerBlock\n"


def expected(text: str) -> set[tuple[str, int]]:
    """The (code, line) pairs the fixture's annotations ask for."""
    found = set()
    for number, line in enumerate(text.split("\n"), start=1):
        following = EXPECT_NEXT.match(line)
        if following:
            found.update((code.strip(), number + 1) for code in following.group(1).split(","))
            continue
        match = EXPECT.search(line)
        if match:
            found.update((code.strip(), number) for code in match.group(1).split(","))
    return found


def audited(path: Path, tmp_path: Path) -> tuple[set[tuple[str, int]], str]:
    """(code, line) of every place of every finding in the fixture file (a finding folded from
    several lines of one cell counts at each), audited alone or in the fixture checkout."""
    findings, text = fixture_findings(path, tmp_path)
    return {(f.code, f.line) for f in unfold(findings)}, text


def fixture_findings(path: Path, tmp_path: Path) -> tuple[list, str]:
    """Every finding in the fixture file (audited alone or in the fixture checkout), and its text."""
    text = path.read_text(encoding="utf-8")
    at = AT.match(text)
    if at is None:
        return audit_source(parse_text(text, path.name), None), text
    where = at.group(1)
    modules = dict(CHECKOUT)
    if where.startswith("modules/"):
        modules[where.split("/")[1]] = text
        files = {}
    else:
        files = {where: text}
    files["tinytorch/nn/__init__.py"] = HAND_WRITTEN  # a tracked package file that re-exports names
    root = make_checkout(tmp_path, modules, files)
    audit = Auditor(root).audit_target("3")
    return [f for f in audit.findings if f.path == where], text


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda path: path.stem)
def test_rule_fixture_gives_exactly_the_annotated_findings(path, tmp_path):
    found, text = audited(path, tmp_path)
    wanted = expected(text)
    codes = {path.stem} | {code for code, _ in wanted}
    assert any(code == path.stem for code, _ in wanted), "a fixture must trigger its own rule at least once"
    assert sorted(f for f in found if f[0] in codes) == sorted(wanted)


def test_the_annotation_reader():
    text = "x = 1  # expect: TI001\n# expect-next: NB001, NB002\n# %%\ny = 2\n"
    assert expected(text) == {("TI001", 1), ("NB001", 3), ("NB002", 3)}


def test_every_rule_file_has_a_fixture_file_per_rule_it_defines():
    from audits.rules import ALL_RULES

    have = {path.stem for path in FIXTURES.glob("*.py")}
    missing = sorted(rule.code for rule in ALL_RULES if rule.code not in have)
    assert set(missing) <= OWNED_ELSEWHERE, missing


# Layout rules judge folders, not the lines of one file: their fixtures are whole checkouts
# (tests/audits/test_layouts.py, tests/audits/rule_checks/test_profiles.py). SYN002 judges a
# notebook's JSON, which a percent file has not: its fixtures are notebooks (test_parse_notebook.py).
OWNED_ELSEWHERE = {"LAY001", "LAY002", "LAY003", "SYN002"}
OWNED_ELSEWHERE |= {"INT001"}  # a rule that raises: tests/audits/test_rule_crash.py
OWNED_ELSEWHERE |= {"NB007"}  # a notebook's kernelspec, which a percent file has not: tests/audits/test_kernel_languages.py


# The same fixtures as notebooks: each percent cell becomes a notebook cell with its source and
# its parsed nbgrader metadata, and every rule must find the same things in the same cell at
# the same line within it. Metadata that is not JSON (NB002) has no notebook form.
NOT_IN_A_NOTEBOOK = {"NB002"}


def _cell_locations(module, findings) -> set[tuple[str, str, object]]:
    """(code, cell source, "cell" for the cell's first line or marker, else the line within the body)."""
    located = set()
    for found in unfold(findings):
        cell = module.cell_at(found.line)
        assert cell is not None, f"{found.code} at line {found.line} lies in no cell"
        offset = "cell" if found.line == cell.start else found.line - cell.body_start
        located.add((found.code, cell.source, offset))
    return located


def _as_notebook(module, path: Path) -> Path:
    import nbformat

    cells = []
    for cell in module.cells:
        metadata = {"nbgrader": cell.nbgrader} if cell.nbgrader is not None else {}
        if cell.is_code:
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=metadata))
        else:  # a percent markdown cell is commented out: the notebook holds the text itself
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in cell.source.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=metadata))
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(notebook, str(path))
    return path


STANDALONE = [path for path in sorted(FIXTURES.glob("*.py")) if not AT.match(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", [p for p in STANDALONE if p.stem not in NOT_IN_A_NOTEBOOK], ids=lambda path: path.stem)
def test_rule_fixture_as_a_notebook_gives_the_same_findings_in_the_same_cells(path, tmp_path):
    from audits.parse import parse_file

    percent = parse_text(path.read_text(encoding="utf-8"), path.name)
    notebook = parse_file(_as_notebook(percent, tmp_path / f"{path.stem}.ipynb"))
    assert notebook.notebook is not None  # really read as a notebook
    wanted = _cell_locations(percent, audit_source(percent, None))
    assert any(code == path.stem for code, _, _ in wanted)
    assert _cell_locations(notebook, audit_source(notebook, None)) == wanted


# Impact lines: where the flagged thing is relied on, so the author sees what breaks.
def impact(code: str, mentioning: str, tmp_path: Path) -> tuple[tuple[str, ...], str, str]:
    """(impact of the `code` finding whose message mentions `mentioning`, the fixture text, its path in findings)."""
    findings, text = fixture_findings(FIXTURES / f"{code}.py", tmp_path)
    [found] = [f for f in unfold(findings) if f.code == code and mentioning in f.message]
    return found.impact, text, found.path


def test_export_completeness_lists_every_read_the_package_cannot_satisfy_and_no_other(tmp_path):
    lines, text, path = impact("EX004", "`dataclass`", tmp_path)
    assert lines == (f"{path}:{line_of(text, '@dataclass')} `@dataclass # expect: EX004`",)  # not `return dataclass, OD`
    lines, text, path = impact("EX004", "`SCALE`", tmp_path)
    assert lines == (f"{path}:{line_of(text, 'return x * SCALE')} `return x * SCALE # expect: EX004`",)  # not the class body's


def test_a_forward_import_lists_the_lines_that_use_what_it_imports(tmp_path):
    lines, text, path = impact("DEP001", "core.later", tmp_path)
    assert lines == (f"{path}:{line_of(text, 'return Later()')} `return Later()`",)


def test_an_unlocked_helper_lists_the_graded_lines_that_read_it(tmp_path):
    lines, text, path = impact("GR003", "expected_double", tmp_path)
    assert lines == (f"{path}:{line_of(text, '== expected_double(3)')} `assert double(3) == expected_double(3)`",)


def _graded_helper_module(*tests: str) -> str:
    """A module whose unlocked cell `helpers` defines `ref` (read by graded tests) and whose locked
    cell `locked-helpers` defines `via` (which calls `ref`), then the given graded test cells."""
    impl = marker("double", "impl") + "\n#| export\ndef double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    helpers = marker("helpers") + "\ndef ref(x):\n    return x + x\n"
    locked = marker("locked-helpers", locked=True) + "\ndef via(x):\n    return ref(x)\n"
    return source(impl, helpers, locked, *tests)


def test_an_unlocked_helper_reached_through_locked_code_names_the_graded_cell():
    text = _graded_helper_module(marker("test-via", "test") + "\ndef test_via():\n    assert double(2) == via(2)\n")
    [found] = [f for f in audit_source(parse_text(text, "widget.py"), None) if f.code == "GR003"]
    assert found.impact == (f"widget.py:{line_of(text, 'test-via')} `test-via` (through locked code)",)


def test_the_impact_of_an_unlocked_helper_counts_every_line_past_the_cap():
    from audits.rules._usage import MAX_IMPACT

    many = "".join(f"\n    assert double({n}) == ref({n})" for n in range(MAX_IMPACT + 2))
    text = _graded_helper_module(
        marker("test-many", "test") + "\ndef test_many():" + many + "\n",
        marker("test-one", "test") + "\ndef test_one():\n    assert double(20) == ref(20)\n",
    )
    [found] = [f for f in audit_source(parse_text(text, "widget.py"), None) if f.code == "GR003"]
    assert found.impact[:MAX_IMPACT] == tuple(
        f"widget.py:{line_of(text, f'== ref({n})')} `assert double({n}) == ref({n})`" for n in range(MAX_IMPACT)
    )
    assert found.impact[MAX_IMPACT:] == ("... and 3 more uses",)  # ref(8), ref(9) in test-many and ref(20) in test-one


def test_a_dotted_import_lists_only_the_lines_using_its_own_path(tmp_path):
    impl = marker("widget", "impl") + (
        "\n#| export\nimport tinytorch.core.tensor\nimport tinytorch.optimization.compression as compression\n"
        "import tinytorch.optimization.pruning\n\n\ndef widget(x):\n    ### BEGIN SOLUTION\n"
        "    t = tinytorch.core.tensor.Tensor()\n    c = compression.prune(t)\n    return tinytorch.optimization.pruning.prune(c)\n"
        "    ### END SOLUTION\n"
    )
    text = source(impl)
    root = make_checkout(tmp_path, {**CHECKOUT, "03_widget": text})
    findings = [f for f in unfold(Auditor(root).audit_target("3").findings) if f.code == "DEP002"]
    path = "modules/03_widget/widget.py"
    assert {f.line: f.impact for f in findings} == {
        line_of(text, "as compression"): (f"{path}:{line_of(text, 'compression.prune(t)')} `c = compression.prune(t)`",),
        line_of(text, "import tinytorch.optimization.pruning"): (
            f"{path}:{line_of(text, 'pruning.prune(c)')} `return tinytorch.optimization.pruning.prune(c)`",
        ),  # not the line using tinytorch.core.tensor, which binds the same name `tinytorch`
    }


# Exact ranges (issue 21): every rule's findings say where, to the column, what they are about.
# A rule whose finding is about an AST node (a call, a statement, an import, a definition) gives
# that node's range: start and end line and column, 1-based characters, end exclusive (a
# definition: its `def name` / `class name`). A rule about a line, a cell marker, a comment or
# prose gives that text without its indentation. The registry is enumerated: a new rule must be
# placed in one of the tables below, and its fixture's findings are checked against its table.

# Rules whose findings are about an AST node: the range is the node's.
NODE_RULES = {
    "API001": "the import statement of a test file",
    "CC001": "the container class (its `class Name`), the import name or the attribute",
    "DEP001": "the import statement",
    "DEP002": "the import statement",
    "EX002": "the test function's `def name`",
    "EX003": "the second definition's `def name`",
    "EX004": "the first read of the missing name on the line",
    "EX005": "the exported definition's `def name` / `class Name`",
    "SE001": "the call, assignment, assert or block that runs at import time",
    "TI001": "the test or analysis call (a block: the whole block)",
    "TST001": "the test function's `def name`",
    "TST002": "the `except` handler or `with suppress(...)` statement",
}
# Rules whose findings are about text: a line, a cell's marker line, a comment, prose.
TEXT_RULES = {
    "EX001": "the `#| default_exp` line (or the first code cell's marker)",
    "GR001": "the graded cell's marker line",
    "GR002": "the solution region's lines",
    "GR003": "the unlocked cell's marker line",
    "NB001": "the cell's marker (or first) line",
    "NB002": "the cell's marker line",
    "NB003": "the cell's marker line",
    "NB004": "the cell's marker line",
    "NB007": "the notebook's first cell's marker line (the notebook as a whole)",
    "NB005": "the cell's marker line",
    "NB006": "the marker (or near-miss) line",
    "REF002": "the prose line",
    "SUP001": "the `# audit: ignore[...]` comment",
    "SUP002": "the `# audit: ignore[...]` comment",
    "SYN002": "the notebook cell nbformat rejects",
    "LAY001": "the module's first line (a folder-level problem)",
    "LAY002": "the module's first line (a folder-level problem)",
    "LAY003": "the test folder (no source line)",
    "INT001": "the module (a rule that raised)",
}
# Rules whose findings are about a span of text within a line: the range is that span.
SPAN_RULES = {
    "REF001": ("the citation `Module NN: Name`", re.compile(r"[Mm]odule \d\d(: \w+| \(\w+\))")),
    "SYN001": ("where the parser stopped, as SyntaxError gives it (a late `from __future__` import: the statement)", None),
}
BITE_RULES = {"BITE001", "BITE002", "BITE003", "BITE004", "BITE005", "BITE006", "BITE007", "BITE008"}  # lines of a run: cells, regions, mutated lines


def test_every_rule_of_the_registry_says_what_its_range_is():
    codes = {rule.code for rule in every_rule()}
    placed = set(NODE_RULES) | set(TEXT_RULES) | set(SPAN_RULES) | BITE_RULES
    assert codes == placed, f"place the rule in NODE_RULES, TEXT_RULES or SPAN_RULES: missing {sorted(codes - placed)}, unknown {sorted(placed - codes)}"
    assert not set(NODE_RULES) & set(TEXT_RULES) and not (set(NODE_RULES) | set(TEXT_RULES)) & set(SPAN_RULES)


def _fixture(code):
    path = FIXTURES / f"{code}.py"
    return path if path.exists() else None


def _places(code: str, tmp_path) -> tuple[list, str]:
    """Every place of the rule's findings in its fixture (at least one), and the fixture's text."""
    findings, text = fixture_findings(_fixture(code), tmp_path)
    places = [f for f in unfold(findings) if f.code == code]
    assert places, f"{code}'s fixture gives no {code} finding"
    return places, text


def _node_ranges(text: str) -> set[tuple[int, int, int, int]]:
    """Every node's range in the fixture's code (1-based characters, end exclusive), definitions'
    `def name` too: parsed here with `ast`, independently of the rules."""
    lines = text.split("\n")
    module = parse_text(text, "fixture.py")
    at = AT.match(text)
    if at is not None and at.group(1).startswith("tests/"):
        trees = [ast.parse(text)]  # a test file: plain Python
    else:
        trees = [cell.tree for cell in module.code_cells() if cell.tree is not None]
    ranges = set()
    for tree in trees:
        for node in ast.walk(tree):
            if getattr(node, "end_lineno", None) is None:
                continue
            start = char_column(lines[node.lineno - 1], node.col_offset)
            end = char_column(lines[node.end_lineno - 1], node.end_col_offset)
            ranges.add((node.lineno, start, node.end_lineno, end))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                at = lines[node.lineno - 1].index(node.name, start - 1)
                ranges.add((node.lineno, start, node.lineno, at + len(node.name) + 1))
    return ranges


@pytest.mark.parametrize("code", sorted(code for code in NODE_RULES if _fixture(code)))
def test_a_node_rule_gives_its_nodes_exact_range(code, tmp_path):
    places, text = _places(code, tmp_path)
    ranges = _node_ranges(text)
    for place in places:
        assert place.span in ranges, f"{code} at line {place.line}: {place.span} is no node's range"
    lines = text.split("\n")
    assert all(not lines[p.line - 1][p.column - 1].isspace() for p in places)


@pytest.mark.parametrize("code", sorted(code for code in TEXT_RULES if _fixture(code)))
def test_a_text_rule_gives_the_text_without_indentation(code, tmp_path):
    places, text = _places(code, tmp_path)
    lines = text.split("\n")
    for place in places:
        line, column, end_line, end_column = place.span
        first, last = lines[line - 1], lines[end_line - 1]
        assert column == len(first) - len(first.lstrip()) + 1 or code.startswith("SUP"), (code, place.span)
        assert not first[column - 1].isspace() and not last[end_column - 2].isspace() and end_column <= len(last) + 1, (code, place.span)
        if code.startswith("SUP"):
            assert first[column - 1 : end_column - 1].startswith("# audit: ignore[") and first[end_column - 2] == "]"


def test_columns_count_characters_not_bytes():
    """AST offsets count UTF-8 bytes; a range is in characters (as SARIF's columnKind says)."""
    from audits.check import audit_source
    from testkit.auditkit import marker, source

    text = source(marker("demo") + '\nlabel = "é✓"; print(label)\n')
    (found,) = [f for f in audit_source(parse_text(text, "widget.py"), None) if f.code == "SE001"]
    line = text.split("\n")[found.line - 1]
    assert line[found.column - 1 : found.end_column - 1] == "print(label)"


@pytest.mark.parametrize("code", sorted(code for code in SPAN_RULES if _fixture(code)))
def test_a_span_rule_gives_the_span_it_is_about(code, tmp_path):
    places, text = _places(code, tmp_path)
    lines = text.split("\n")
    for place in places:
        line, column, end_line, end_column = place.span
        text, pattern = lines[line - 1], SPAN_RULES[code][1]
        assert end_line == line and column < end_column <= len(text) + 1, (code, place.span)
        if pattern is not None:
            assert pattern.fullmatch(text[column - 1 : end_column - 1]), (code, place.span)
        else:  # a span within the line, not the whole line
            assert column > len(text) - len(text.lstrip()) + 1, (code, place.span)

