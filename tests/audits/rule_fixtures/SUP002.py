# %% nbgrader={"grade": false, "grade_id": "cell", "locked": false, "schema_version": 3, "solution": false, "task": false}
x = 1  # audit: ignore[TI001]  # expect: SUP002
print(x)  # audit: ignore[SE001]
