# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
from dataclasses import dataclass
from collections import OrderedDict as OD
LIMIT = 3
SCALE = 2
WIDTH = 4
ROWS, COLS, DEPTH = 5, 2, 1
Table = dict
err = None


def helper():
    return 1

# %% nbgrader={"grade": false, "grade_id": "stats", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
@dataclass  # expect: EX004
class Stats:
    n: int


def table():
    return OD(limit=LIMIT)  # expect: EX004



# Names are looked up scope by scope, as Python does: a parameter or a local elsewhere
# binds nothing at module level, and a method does not see its class body's names.
def build(dataclass, OD=None):
    return dataclass, OD


class Scaled:
    SCALE = 10
    doubled = SCALE * 2

    def scale(self, x):
        return x * SCALE  # expect: EX004


def closure(width):
    def inner():
        return width + 1
    return inner


def shadowed():
    WIDTH = 5
    squares = [helper * helper for helper in range(WIDTH)]
    return squares, (lambda LIMIT=0: LIMIT)


def calls_helper():
    return helper()  # expect: EX004


# A comprehension's first iterable is evaluated where the comprehension stands (here the
# class body, which binds ROWS); the rest of it runs in a scope of its own, which the
# class body's names do not reach.
class Grid:
    ROWS = 5
    firsts = [i for i in range(ROWS)]
    COLS = 2
    seconds = [COLS for i in range(2)]  # expect: EX004


def walrus():
    values = [DEPTH := v for v in range(3)]  # `:=` in a comprehension binds in the function
    return values, DEPTH


def depth():
    return DEPTH  # expect: EX004


def annotated():
    rows: Table = {}  # a local variable's annotation is never evaluated
    return rows


def guarded(text):
    try:
        return int(text)
    except ValueError as err:
        return err
