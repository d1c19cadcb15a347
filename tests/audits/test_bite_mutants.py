"""audits.bite.mutants: each operator's wrong versions of a solution region, as text edits that
compile, keep every line number and leave what cannot change behaviour out. Nothing runs here."""

import ast
import dataclasses
import itertools
import re
from pathlib import Path

import pytest
from testkit.auditkit import marker, source

from audits.bite.mutants import OPERATORS, mutants, sampled_mutants
from audits.parse import parse_text
from audits.solutions import solution_regions

README = Path(__file__).resolve().parents[2] / "README.md"


def region_of(body: str):
    """The one solution region of a module whose solution cell is `body` (a function with markers)."""
    module = parse_text(source(marker("f", "impl") + "\n" + body))
    (region,) = solution_regions(module)
    return region


def solution(*lines: str, signature: str = "def f(x, w, b, n):") -> str:
    return signature + '\n    """TODO: the docstring stays."""\n    ### BEGIN SOLUTION\n' + "".join(f"    {line}\n" for line in lines) + "    ### END SOLUTION\n"


def mutated(body: str, operator: str | None = None) -> list[str]:
    """The mutated lines (stripped) each mutant of `body` writes, for one operator or all."""
    return [m.mutated.strip() for m in mutants(region_of(body)) if operator in (None, m.operator)]


# -- the registry ---------------------------------------------------------------------------


def test_every_operator_names_the_mistake_it_models():
    assert len(OPERATORS) >= 14
    for name, operator in OPERATORS.items():
        assert operator.name == name and re.fullmatch(r"[a-z_]+", name)
        assert len(operator.mistake) > 30 and operator.mistake.endswith((".", ")")), name


def test_the_readme_table_lists_every_operator_with_its_mistake():
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", README.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(rows) == set(OPERATORS)


# -- each operator on one line --------------------------------------------------------------

CASES = [
    ("arithmetic", "y = x + w", ["y = (x - w)"]),
    ("arithmetic", "y = x @ w", ["y = (x * w)"]),
    ("arithmetic", "x -= w", ["x += w"]),
    ("comparison", "y = x if n < 3 else w", ["y = x if (n > 3) else w"]),
    ("comparison", "y = x if w is None else w", ["y = x if (w is not None) else w"]),
    ("boundary", "y = x if n >= 3 else w", ["y = x if (n > 3) else w"]),
    ("index", "y = x[0] + w[-1]", ["y = x[1] + w[-1]", "y = x[0] + w[(-2)]"]),
    ("index", "y = x[1:n]", ["y = x[2:n]", "y = x[1:n - 1]"]),
    ("index", "y = [i for i in range(n)]", ["y = [i for i in range(n - 1)]"]),
    ("axis", "y = np.sum(x, axis=1)", ["y = np.sum(x)", "y = np.sum(x, axis=0)"]),
    ("axis", "y = x.mean(axis=0)", ["y = x.mean()", "y = x.mean(axis=-1)"]),
    ("keepdims", "y = x.max(axis=-1, keepdims=True)", ["y = x.max(axis=-1)"]),
    ("transpose", "y = x.T @ w", ["y = (x.T @ w.T)", "y = x @ w"]),
    ("transpose", "y = np.swapaxes(x, -1, -2)", ["y = x"]),
    ("sign", "y = -x", ["y = x"]),
    ("sign", "y = x - w", ["y = (w - x)"]),
    ("reduction", "y = np.mean(x) + x.sum()", ["y = np.sum(x) + x.sum()", "y = np.mean(x) + x.mean()"]),
    ("extremum", "y = np.maximum(x, 0) + max(n, 1)", ["y = np.minimum(x, 0) + max(n, 1)", "y = np.maximum(x, 0) + min(n, 1)"]),
    ("dropped_term", "y = x - x.max() + 1e-07", ["y = x - x.max()", "y = x + 1e-07"]),
    ("dropped_term", "x += w", ["pass"]),
    ("dropped_factor", "y = x / np.sqrt(n)", ["y = x"]),
    ("copy", "y = x.copy()", ["y = x"]),
    ("copy", "w.data -= x", ["w.data = w.data - x"]),
    ("copy", "x[0] += w", []),  # writes into x either way
    ("copy", "w.count += 1", []),  # a counter: a number is never shared
    ("wrong_value", "return x @ w + b", ["return (x @ w + b) * 0", "return (x @ w + b) * 0 + 1", "return x"]),
]


@pytest.mark.parametrize(("operator", "line", "expected"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_each_operator_writes_the_students_mistake(operator, line, expected):
    got = [" ".join(text.split()) for text in mutated(solution(line), operator)]
    normalize = lambda text: ast.unparse(ast.parse(text.replace("return ", "_ = ", 1)))  # noqa: E731 - compare trees, not spacing
    assert [normalize(text) for text in got] == [normalize(text) for text in expected]


# -- what every mutant guarantees -----------------------------------------------------------

BIG = solution(
    "shifted = x - np.max(x, axis=-1, keepdims=True)",
    "e = np.exp(shifted)",
    "total = np.sum(",
    "    e,",
    "    axis=-1, keepdims=True)  # a node over three lines",
    "out = (e / total).T @ w + b",
    "for i in range(1, n):",
    "    out[i] += out[i - 1] * 0.5",
    "return out",
)


def test_every_mutant_compiles_keeps_every_line_number_and_changes_only_its_own_lines():
    region = region_of(BIG)
    found = mutants(region)
    assert len(found) >= 25
    original = region.cell.source.split("\n")
    for mutant in found:
        compile(mutant.source, "<mutant>", "exec")
        lines = mutant.source.split("\n")
        assert len(lines) == len(original), mutant
        top, bottom = mutant.line - region.cell.body_start, mutant.last - region.cell.body_start
        assert lines[:top] == original[:top] and lines[bottom + 1 :] == original[bottom + 1 :], mutant
        assert region.first < mutant.line <= mutant.last < region.last
        assert ast.dump(ast.parse(mutant.source)) != ast.dump(ast.parse(region.cell.source))
    assert len({ast.dump(ast.parse(m.source)) for m in found}) == len(found)  # no two mutants alike


def test_a_node_over_several_lines_is_padded_to_its_line_count():
    (dropped,) = [m for m in mutants(region_of(BIG)) if m.operator == "keepdims" and "total" in m.original]
    assert dropped.original.count("\n") == dropped.mutated.count("\n") == 2
    assert "keepdims" not in dropped.mutated


def test_statically_equivalent_mutants_are_dropped():
    body = solution("y = np.sum(x + 0, axis=None, keepdims=False) * 1", "z = x[:] - 0", "return y + z")
    texts = mutated(body)
    assert not any("keepdims" not in text or "axis=None" not in text for text in texts if text.startswith("y ="))  # neither dropped
    assert "y = np.sum(x + 0, axis=None, keepdims=False)" not in texts  # `* 1` dropped changes nothing
    assert not any("x - 0" in text or "/ 1" in text for text in texts)  # + 0 / - 0, * 1 / / 1 swapped change nothing
    assert "z = x[:]" not in texts  # a dropped `- 0`


def test_error_messages_docstrings_and_code_outside_the_region_are_not_mutated():
    body = (
        'def f(x, n):\n    """x[0] + 1 in a docstring."""\n    y = x + 1\n    ### BEGIN SOLUTION\n'
        '    if n < 0:\n        raise ValueError(f"n is {n - 1}, must be >= 0")\n    assert n != 2, f"{n + 1}"\n'
        "    return y\n    ### END SOLUTION\n"
    )
    region = region_of(body)
    lines = {m.line for m in mutants(region)}
    texts = [m.mutated for m in mutants(region)]
    assert all(region.first < line < region.last for line in lines)
    assert not any("n + 1" not in text and "assert" in text and "!=" in text for text in texts)  # message kept
    assert not any("{n + 1}" in text for text in texts if "raise" in text)
    assert any("n > 0" in text for text in texts) and any("n == 2" in text for text in texts)  # the conditions are mutated


def test_a_cell_whose_text_is_not_plain_python_gets_no_mutants():
    region = region_of(solution("y = x + 1", "return y"))
    assert mutants(region) != []
    # a notebook cell holding a magic: the parser transformed it, its text as written does not parse
    magic = dataclasses.replace(region.cell, source=region.cell.source.replace("y = x + 1", "%time y = x + 1"))
    assert mutants(dataclasses.replace(region, cell=magic)) == []


# -- whether an edit parses: the statement around it, else the whole cell ----------------------

# Statements of every shape that holds others or shares its lines: decorators, `;`, one-line
# blocks, elif/else, except/finally, match cases, a string whose lines sit at column zero, a
# backslash continuation, comprehensions, lambdas, f-strings.
SHAPES = solution(
    "a = x + 1; b = x * 2",
    "if a > 1: c = a - b",
    "elif a < 0:",
    "    c = a + b",
    "else:",
    "    if n: c = 0",
    "try:",
    "    d = [v * 2 for v in range(n) if v > 1]",
    "except (ValueError, TypeError) as e:",
    "    d = None",
    "finally:",
    "    q = 1 - 2",
    's = """',
    'text at column zero"""[1:] + str(a + 1)',
    "t = f'{a + 1}' + 'x' * 2",
    "u = lambda z: z + 1",
    "w = a + \\",
    "    b - 1",
    "match a:",
    "    case 1:",
    "        m = a + 1",
    "    case _:",
    "        m = a - 1",
    "for i in range(2): a -= i",
    "@staticmethod",
    "def inner(k=n - 1):",
    "    return k + 1",
    "return a + b - c, (x[0], x[-1]), s[1:-1]",
    signature="def f(x, w, b, n=3 - 1):",
).replace('    text at column zero"""', 'text at column zero"""')


@pytest.mark.parametrize("text", ["(1)", "(1", "1 if", "(yield)", "*a", "a, b", "lambda: 1", "x = 1", "a;", "a:", "a \\"])
def test_an_edit_parses_exactly_when_the_whole_cell_does(text):
    """`_edit_parses` reads the statement around an edit, and the whole cell only when that statement
    does not parse alone: it must say what parsing the whole edited cell says, for edits that parse
    and edits that do not, at every expression and statement of every shape of statement."""
    from audits.bite.mutants import _column, _edit_parses, _parses

    region = region_of(SHAPES)
    cell = region.cell
    lines = cell.source.split("\n")
    edits = 0
    for node in ast.walk(cell.tree):
        if not hasattr(node, "end_lineno") or not region.first < node.lineno <= node.end_lineno < region.last:
            continue
        top, bottom = node.lineno - cell.body_start, node.end_lineno - cell.body_start
        start, end = _column(lines[top], node.col_offset), _column(lines[bottom], node.end_col_offset)
        padding = "\n" * (bottom - top)
        edited = lines[:top] + (lines[top][:start] + text + padding + lines[bottom][end:]).split("\n") + lines[bottom + 1 :]
        whole = _parses("\n".join(edited))
        assert _edit_parses(cell.tree, node, edited, cell.body_start) == whole, (node.lineno, ast.dump(node)[:60], text)
        edits += 1
    assert edits > 120


def test_the_statement_around_an_edit_is_the_innermost_one_decorators_included():
    from audits.bite.mutants import _statement_lines

    region = region_of(SHAPES)
    cell = region.cell
    lines = cell.source.split("\n")

    def around(text, line_text):
        """The lines of the statement _statement_lines finds around the expression `text` on the line `line_text`."""
        row = next(i for i, line in enumerate(lines) if line.strip() == line_text)
        node = next(n for n in ast.walk(cell.tree) if isinstance(n, ast.expr) and n.lineno - cell.body_start == row and ast.unparse(n) == text)
        top, bottom = _statement_lines(cell.tree, node, cell.body_start)
        return [line.strip() for line in lines[top : bottom + 1]]

    assert around("x * 2", "a = x + 1; b = x * 2") == ["a = x + 1; b = x * 2"]  # the last statement of a shared line
    assert around("a + b", "c = a + b") == ["c = a + b"]  # in an elif
    assert around("n", "if n: c = 0") == ["if n: c = 0"]  # an `if` alone in an else block (not an elif)
    assert around("a < 0", "elif a < 0:") == ["if a > 1: c = a - b", "elif a < 0:", "c = a + b", "else:", "if n: c = 0"]
    assert around("None", "d = None") == ["d = None"]  # in an except clause
    assert around("1 - 2", "q = 1 - 2") == ["q = 1 - 2"]  # in finally
    assert around("a + 1", "m = a + 1") == ["m = a + 1"]  # in a match case
    assert around("n - 1", "def inner(k=n - 1):") == ["@staticmethod", "def inner(k=n - 1):", "return k + 1"]
    assert around("k + 1", "return k + 1") == ["return k + 1"]


def test_an_edit_that_parses_is_decided_by_its_statement_alone(monkeypatch):
    """The whole cell is parsed only when the statement around an edit does not parse alone: for no
    edit of an indented statement (its lines are dedented first), of an `elif` (read with its `if`)
    or of a decorated definition; for a string whose lines sit at column zero and a backslash
    continuation, which dedent differently."""
    import audits.bite.mutants as module_of_mutants

    region = region_of(SHAPES)
    cell = region.cell
    lines = cell.source.split("\n")
    parsed = []
    parse = module_of_mutants._parses
    monkeypatch.setattr(module_of_mutants, "_parses", lambda text: parsed.append(text) or parse(text))
    whole, edits = set(), 0
    for node, _, replacement in module_of_mutants._candidates(region):
        edited = module_of_mutants._edit(lines, cell.body_start, node, replacement)
        if edited is not None:
            parsed.clear()
            assert module_of_mutants._edit_parses(cell.tree, node, edited, cell.body_start)
            edits += 1
            if len(parsed) > 1:
                whole.add(lines[node.lineno - cell.body_start].strip())
    assert edits > 50 and whole == {'s = """', 'text at column zero"""[1:] + str(a + 1)', "w = a + \\"}


@pytest.mark.parametrize("course", ["ours", "nbgrader", "nbcourse"])
def test_the_short_path_gives_the_mutants_of_real_courses(course, monkeypatch):
    """Over every region of four of our modules (a class of hundreds of lines in one cell, a cell of
    small functions, layers, a model), of the notebooks nbgrader ships (its docs and tests: a course we
    did not write; found, not imported: its import takes a second) and of the nbgrader-course fixture,
    the mutants are the same whether each edit is checked by its statement or by its whole cell. (All
    twenty of ours: 1.5 s of CPU; SHAPES covers the shapes.)"""
    import importlib.util

    import audits.bite.mutants as module_of_mutants
    from audits.discover import find_modules
    from audits.parse import parse_file

    roots = {"ours": Path(__file__).resolve().parents[2], "nbgrader": Path(importlib.util.find_spec("nbgrader").origin).parent,
             "nbcourse": Path(__file__).resolve().parent / "bite_courses" / "nbcourse"}  # fmt: skip
    refs = find_modules(roots[course])
    if course == "ours":
        refs = [ref for ref in refs if ref.folder[:2] in ("01", "02", "12", "13")]
    regions = [region for ref in refs for region in solution_regions(parse_file(ref.path))]
    fast = [mutants(region) for region in regions]
    monkeypatch.setattr(module_of_mutants, "_edit_parses", lambda tree, node, edited, first: module_of_mutants._parses("\n".join(edited)))
    slow = [mutants(region) for region in regions]
    least = {"ours": 200, "nbgrader": 100, "nbcourse": 5}[course]  # mutants found: 253, 128 and 10 today
    assert sum(map(len, fast)) > least and fast == slow


# -- sampling -------------------------------------------------------------------------------


def sample(found, limit):
    """The sample as specified, over the full list of mutants: operators take turns (in registry
    order, each from its first line on), the chosen kept in source order."""
    if limit is None or len(found) <= limit:
        return found
    by_operator = [[m for m in found if m.operator == name] for name in OPERATORS]
    turns = [m for turn in itertools.zip_longest(*by_operator) for m in turn if m is not None]
    chosen = {id(m) for m in turns[:limit]}
    return [m for m in found if id(m) in chosen]


def test_sample_is_deterministic_and_gives_every_operator_a_turn():
    region = region_of(BIG)
    found = mutants(region)
    chosen = sampled_mutants(region, 14)
    assert len(chosen) == 14 and chosen == sampled_mutants(region, 14)
    assert [m for m in found if m in chosen] == chosen  # source order kept
    operators = {m.operator for m in found}
    assert {m.operator for m in chosen} == operators if len(operators) <= 14 else len({m.operator for m in chosen}) == 14
    assert sampled_mutants(region, None) == found and sampled_mutants(region, len(found) + 5) == found


@pytest.mark.parametrize("limit", [None, 1, 2, 5, 14, 10_000])
def test_a_sample_built_lazily_is_the_sample_of_every_mutant(limit):
    """sampled_mutants builds only the mutants a sample takes; it must take the same ones, in the
    same order, as sampling the full list as specified (`sample` above), lines left out or not (a mutant that does not apply to
    the text is skipped in its operator's turn, as when the full list is made first)."""
    # The slices assigned to are edits that do not apply (a target's text parses as a load, not a store).
    stores = solution("t = x * 2", "t[:, 0::2] = w", "t[:, 1::2] = b", "return t[0] + n")
    for region in (region_of(BIG), region_of(stores)):
        found = mutants(region)
        lines = sorted({m.line for m in found})
        for leave_out in (frozenset(), frozenset(lines[::3])):
            kept = [m for m in found if m.line not in leave_out]
            assert sampled_mutants(region, limit, leave_out) == sample(kept, limit)


def test_a_sample_leaves_out_the_lines_marked_equivalent_and_a_full_run_keeps_them():
    """A sample (--mutants-per-region) skips mutants of a line whose BITE006 is suppressed: known
    survivors, and the costliest to run; without a limit they run (and are listed as equivalent)."""
    from audits.bite.plan import make_plan

    body = solution("y = x + w  # audit: ignore[BITE006] the reason", "return y * b")
    text = source(marker("f", "impl") + "\n" + body, marker("test-f", "test") + "\nassert f(1, 2, 3, 0) == 9\n")
    marked = text.splitlines().index("    y = x + w  # audit: ignore[BITE006] the reason") + 1
    lines = lambda text, limit=None: [m.line for cell in make_plan(parse_text(text), per_region=limit).mutants for m in cell]  # noqa: E731
    sampled = lines(text, 2)
    assert marked in lines(text) and len(sampled) == 2 and marked not in sampled
    assert marked in lines(text.replace("  # audit: ignore[BITE006] the reason", ""), 2)


# -- what a run of the mutants means (audits.bite.mutation), on a hand-made run ----------------


def test_survivors_are_bite006_findings_and_the_score_counts_killed_over_run():
    from types import SimpleNamespace

    from audits.bite.mutation import findings, scores
    from audits.bite.runner import Outcome

    text = source(marker("f", "impl") + "\n" + solution("return x + w"), marker("test-f", "test") + "\nassert f(1, 2, 0, 0) == 3\n")
    module = parse_text(text)
    cells = module.code_cells()
    (region,) = solution_regions(module)
    found = mutants(region)
    plan = SimpleNamespace(module=module, cells=cells, graded=lambda: [2], mutants=[[], found, []])
    fail, ok = Outcome("fail", "AssertionError"), Outcome("pass")
    run = SimpleNamespace(
        mutants={(1, k): {2: fail if k else ok} for k in range(len(found))},  # mutant 0 survives, the others are caught
        done={f"mutant:1:{k}" for k in range(len(found))}, skipped=set(), hits={(1, 0): {2}},
    )
    (survivor,) = findings(plan, run)
    assert survivor.code == "BITE006" and survivor.line == found[0].line
    assert f"`{' '.join(found[0].mutated.split())}`" in survivor.message and "`test-f`" in survivor.message
    score = scores(plan, run)
    assert (score.mutants, score.killed, score.skipped) == (len(found), len(found) - 1, 0)
    assert [(r.run, r.killed) for r in score.regions] == [(len(found), len(found) - 1)]
    run.skipped, run.done = {f"mutant:1:{k}" for k in range(len(found))}, set()  # no graded cell reaches the region
    assert findings(plan, run) == [] and scores(plan, run).skipped == len(found)
