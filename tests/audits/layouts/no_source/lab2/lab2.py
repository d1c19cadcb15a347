# %% {"nbgrader": {"grade": false, "grade_id": "cubes", "locked": false, "schema_version": 3, "solution": true, "task": false}}
def cubes(n):
    ### BEGIN SOLUTION
    return [i ** 3 for i in range(1, n + 1)]
    ### END SOLUTION

# %% {"nbgrader": {"grade": true, "grade_id": "test-cubes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}}
assert cubes(2) == [1, 8]
