# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def widget(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

def test_unit_widget():  # expect: EX002
    assert widget(2) == 4

# %% nbgrader={"grade": true, "grade_id": "test-ok", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_not_exported():
    assert widget(3) == 6
