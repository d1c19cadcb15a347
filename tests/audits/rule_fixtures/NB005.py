# %% nbgrader={"grade": false, "grade_id": "tests", "locked": false, "schema_version": 3, "solution": false, "task": false}  # expect: NB005
def test_unit_widget():
    assert 2 * 2 == 4

# %% nbgrader={"grade": true, "grade_id": "test-ok", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_ok():
    assert 3 * 3 == 9

# %% nbgrader={"grade": false, "grade_id": "mixed", "locked": false, "schema_version": 3, "solution": true, "task": false}  # expect: NB005
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

def test_unit_double():
    assert double(2) == 4
