# fixture-at: modules/03_widget/widget.py
# %% [markdown]
"""
# Module 05: Widget - doubling numbers  # expect: REF001

Builds on Module 01 (Tensor) and prepares Module 04 (Later).
Module 01 (Later) is named wrongly.  # expect: REF001
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def widget(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
