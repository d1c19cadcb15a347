# %% nbgrader={'grade': False}  # expect: NB002
x = 1

# %% nbgrader={"grade": false  # expect: NB002
y = 2

# %% nbgrader=  # expect: NB002
z = 3

# %% nbgrader=[1, 2]  # expect: NB002
w = 4

# %% nbgrader={"grade": false, "grade_id": "ok", "locked": false, "schema_version": 3, "solution": false}
v = 5
