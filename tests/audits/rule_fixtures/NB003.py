# %% nbgrader={"grade": true, "grade_id": "test x", "locked": "yes", "solution": false, "extra": 1}  # expect: NB003
def test_unit_widget():
    assert 2 * 2 == 4

# %% nbgrader={"grade": true, "grade_id": "t", "locked": true, "points": 5, "solution": false, "schema_version": 3}
def test_unit_valid_without_task():
    assert 3 * 3 == 9

# %% nbgrader={"grade": false, "locked": false, "solution": false, "schema_version": 3}
x = 1  # no flag is true: no grade_id needed

# %% nbgrader={"grade": false, "locked": true, "solution": false, "schema_version": 3}  # expect: NB003
y = 2

# %% nbgrader={"grade": false, "grade_id": "old", "locked": false, "solution": false, "schema_version": 2}  # expect: NB003
z = 3

# %% nbgrader={"grade": false, "grade_id": "task", "locked": false, "solution": false, "schema_version": 3, "task": true}  # expect: NB003
w = 4
