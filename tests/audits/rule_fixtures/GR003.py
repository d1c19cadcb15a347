# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def double(x):
    """TODO: double x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}  # expect: GR003
def expected_double(x):
    return x + x

# %% nbgrader={"grade": false, "grade_id": "locked-helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def expected_triple(x):
    return x + x + x

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_double():
    assert double(3) == expected_double(3)
    assert double(3) + 3 == expected_triple(3)
