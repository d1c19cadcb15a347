# fixture-at: modules/03_widget/widget.py
# %% [markdown]
"""
# Module 03: Widget

The source is modules/03_widget/widget.py; the old one was modules/03_widget/widget_dev.py.  # expect: REF002
See compression_dev.py for the old layout.  # expect: REF002
Placeholders such as modules/NN_name/name.py are fine.
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
