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
