# %% [markdown]
# Put your code between BEGIN SOLUTION and END SOLUTION.  # expect: NB006

# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "unclosed", "locked": false, "schema_version": 3, "solution": true, "task": false}
def triple(x):
    ### BEGIN SOLUTION  # expect: NB006
    return 3 * x

# %% nbgrader={"grade": false, "grade_id": "near-miss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def half(x):
    ### begin solution  # expect: NB006
    return x / 2
    ### END SOLUTION  # expect: NB006

# %% nbgrader={"grade": false, "grade_id": "not-solution", "locked": false, "schema_version": 3, "solution": false, "task": false}
def square(x):
    ### BEGIN SOLUTION  # expect: NB006
    return x * x
    ### END SOLUTION
