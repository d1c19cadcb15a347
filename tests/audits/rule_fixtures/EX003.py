# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
from typing import overload

# %% nbgrader={"grade": false, "grade_id": "draft", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def measure(x):
    return x


@overload
def scale(x: int) -> int: ...
def scale(x):
    return 2 * x

# %% nbgrader={"grade": false, "grade_id": "final", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def measure(x):  # expect: EX003
    return 100 * x

# %% nbgrader={"grade": false, "grade_id": "not-exported", "locked": false, "schema_version": 3, "solution": false, "task": false}
def measure(x):
    return -x
