# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "counter", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Counter:
    """TODO: count calls."""
    ### BEGIN SOLUTION  # expect: GR002
    def __init__(self):
        self.n = 0
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "methods", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Timer:
    """TODO: one region per method body."""

    def start(self):
        ### BEGIN SOLUTION
        self.t = 0
        ### END SOLUTION
