# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "late", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget  # expect: EX001
#| export
def widget(x):
    return 2 * x
