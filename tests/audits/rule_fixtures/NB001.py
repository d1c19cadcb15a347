import os  # expect: NB001

# %% [markdown]
# Prose cells need no metadata.

# %%  # expect: NB001
def widget(x):
    return 2 * x

# %%
# a comment-only cell is blank: no metadata needed

# %% nbgrader={"grade": false, "grade_id": "ok", "locked": false, "schema_version": 3, "solution": false, "task": false}
y = 1
