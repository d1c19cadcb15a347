# %% nbgrader={"grade": false, "grade_id": "broken", "locked": false, "schema_version": 3, "solution": false, "task": false}
def forward(self, x)  # expect: SYN001
    return x

# %% nbgrader={"grade": false, "grade_id": "fine", "locked": false, "schema_version": 3, "solution": false, "task": false}
def backward(self, x):
    return x

# %% [markdown]
# Prose is not Python: def (:
