# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
from dataclasses import dataclass
from collections import OrderedDict as OD
LIMIT = 3

# %% nbgrader={"grade": false, "grade_id": "stats", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
@dataclass  # expect: EX004
class Stats:
    n: int


def table():
    return OD(limit=LIMIT)  # expect: EX004

