# %% nbgrader={"grade": false, "grade_id": "cell", "locked": false, "schema_version": 3, "solution": false, "task": false}
x = 1  # audit: ignore[TI01]  # expect: SUP001
y = 2  # audit: ignore[DOC001]  # expect: SUP001
print(x)  # audit: ignore[SE001]
