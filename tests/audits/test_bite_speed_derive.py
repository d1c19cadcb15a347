"""Bite's worker builds the tree of a cell's other versions (student, knockouts, mutants) from the
solution's tree, parsing again only the statements a version changes (CellCompiler.derive): the tree
must be the one a full parse gives, and anything it cannot vouch for is left to the full parse."""

import ast

import pytest

FIRST = 40  # the file line before the cell: trees carry file lines

SOLUTION = '''import math

class Shape:
    """A shape."""

    def area(self):
        ### BEGIN SOLUTION
        return math.pi * self.r ** 2
        ### END SOLUTION

    @property
    def name(self):
        return "shape"

# a comment between statements
def one(): return 1
x = 1; y = 2
'''


def _parsed(source):
    """(text, offset) as the worker parses a cell: leading blank lines kept as offset."""
    lines = source.split("\n")
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    text = "\n".join(lines[blank:])
    return (text if text.endswith("\n") else text + "\n"), FIRST + blank


def _compiler(solution=SOLUTION):
    # Imported here, not at the top: the worker's module imports IPython (~65 ms of CPU), and every xdist
    # worker imports this file to collect it, while one of them runs these tests.
    from audits.bite.worker import CellCompiler

    compiler = CellCompiler()
    compiler.path = "/course/shape.py"
    text, compiler.offset = _parsed(solution)
    assert compiler.parses(text)
    compiler.offset = 0
    return compiler


def _derived(compiler, version, solution=SOLUTION):
    compiler.derive(version, solution, FIRST)
    text, offset = _parsed(version)
    return compiler.trees.get((text, offset, compiler.flags, "exec"))


def _full(version):
    text, offset = _parsed(version)
    return ast.parse("\n" * offset + text)


def _same(a, b):
    return ast.dump(a, include_attributes=True) == ast.dump(b, include_attributes=True)


VERSIONS = {
    "region stubbed inside a method": SOLUTION.replace("return math.pi * self.r ** 2", "raise NotImplementedError()"),
    "mutant changing the end column of a method's last line": SOLUTION.replace("self.r ** 2", "self.r * 2 + 0.5"),
    "one-line def: header and body on one line": SOLUTION.replace("def one(): return 1", "def two(): return 2"),
    "two statements on one line": SOLUTION.replace("x = 1; y = 2", "x = 3; y = [4]"),
    "decorator changed": SOLUTION.replace("@property", "@staticmethod"),
    "docstring changed": SOLUTION.replace('"""A shape."""', '"""A round shape."""'),
    "first line changed": SOLUTION.replace("import math", "import cmath"),
    "region and its markers replaced by a stub and blank lines (a comment after the method's last statement)": SOLUTION.replace(
        "        ### BEGIN SOLUTION\n        return math.pi * self.r ** 2\n        ### END SOLUTION\n", "        raise NotImplementedError()\n\n\n"
    ),
    "comment between statements emptied": SOLUTION.replace("# a comment between statements", ""),
}


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_a_derived_tree_is_the_full_parse(name):
    version = VERSIONS[name]
    tree = _derived(_compiler(), version)
    assert tree is not None, name
    assert _same(tree, _full(version)), name


@pytest.mark.parametrize("name", ["region stubbed inside a method", next(name for name in VERSIONS if name.startswith("region and its markers"))])
def test_the_statements_a_version_leaves_alone_are_the_solutions_own_nodes(name):
    compiler = _compiler()
    solution = compiler.trees[(_parsed(SOLUTION)[0], FIRST, compiler.flags, "exec")]
    tree = _derived(compiler, VERSIONS[name])
    shape, old_shape = tree.body[1], solution.body[1]
    assert tree.body[0] is solution.body[0] and tree.body[2:] == solution.body[2:]  # untouched top-level statements
    assert shape is not old_shape and shape.body[0] is old_shape.body[0] and shape.body[2] is old_shape.body[2]  # docstring, `name`
    assert shape.body[1] is not old_shape.body[1]  # `area`, parsed again


@pytest.mark.parametrize(
    "version",
    [
        SOLUTION.replace("# a comment between statements", "print('now code')"),  # a changed line outside every statement
        SOLUTION.replace("return math.pi * self.r ** 2", "return (math.pi"),  # does not parse alone
        "from __future__ import annotations\n" + SOLUTION.split("\n", 1)[1],  # names __future__
        SOLUTION + "z = 3\n",  # another line count
        SOLUTION,  # nothing changed: the solution's own entry serves
    ],
    ids=["comment-becomes-code", "does-not-parse", "future", "line-count", "unchanged"],
)
def test_nothing_is_derived_where_it_cannot_be_vouched_for(version):
    compiler = _compiler()
    before = dict(compiler.trees)
    compiler.derive(version, SOLUTION, FIRST)
    assert compiler.trees == before


def test_a_syntax_error_in_a_changed_statement_is_left_to_the_full_parse_which_reports_it():
    compiler = _compiler()
    version = SOLUTION.replace("return math.pi * self.r ** 2", "return (math.pi")
    text, compiler.offset = _parsed(version)
    assert _derived(compiler, version) is None
    with pytest.raises(SyntaxError) as error:
        compiler.ast_parse(text, compiler.path)
    assert error.value.filename == compiler.path and error.value.lineno > FIRST
