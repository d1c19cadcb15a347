# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "two", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def two():
    """TODO: return 2."""
    ### BEGIN SOLUTION
    return 2
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "helper", "locked": true, "schema_version": 3, "solution": false, "task": false}
def twice():
    return two() * 2

# %% nbgrader={"grade": true, "grade_id": "test-twice", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_twice():
    assert twice() == 4

# %% nbgrader={"grade": true, "grade_id": "test-np", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}  # expect: GR001
def test_unit_np():
    assert np.zeros(2).sum() == 0
