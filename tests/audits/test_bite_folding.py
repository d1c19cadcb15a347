"""Which later failures BITE008 folds into the cell that failed for want of a package, a file or the
network: only cells that read a name that cell left unbound. A cell that binds the name itself before
it reads it (`with open(...) as out`) owes its failure to nothing earlier, and keeps its own finding."""

import ast

import pytest

from audits.bite.verdicts import read_names


class Cell:
    def __init__(self, text: str):
        self.tree = ast.parse(text)


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("with open('f') as out:\n    out.write(chunk)\n", ["open", "chunk"]),  # its own `out`
        ("for row in rows:\n    print(row)\n", ["rows", "print"]),
        ("def f(out):\n    return out + scale\n", ["scale"]),  # a parameter is not a global; a global read in a body is
        ("import out\nout.x\n", []),
        ("[out for out in data]\n", ["data"]),
        ("x = 1\nprint(x, y)\n", ["print", "y"]),
        # an assignment reads its value before it binds its target: the placeholder an earlier failure left
        ("table = table.dropna()\n", ["table"]),
        ("total += 1\n", ["total"]),
        ("out.write(1)\nout = 2\n", ["out"]),  # read before the cell binds it
    ],
)
def test_a_cell_reads_from_earlier_cells_only_what_it_has_not_bound_first(text, reads):
    assert read_names(Cell(text)) == reads
