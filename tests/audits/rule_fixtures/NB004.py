# %% nbgrader={"grade": false, "grade_id": "same", "locked": false, "schema_version": 3, "solution": false, "task": false}
x = 1

# %% nbgrader={"grade": false, "grade_id": "other", "locked": false, "schema_version": 3, "solution": false, "task": false}
y = 2

# %% nbgrader={"grade": false, "grade_id": "same", "locked": false, "schema_version": 3, "solution": false, "task": false}  # expect: NB004
z = 3
