# fixture-at: modules/03_widget/widget.py
# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np
from tinytorch.core.tensor import Tensor
from tinytorch.core.later import Later  # expect: DEP001
from tinytorch.core.widget import widget  # expect: DEP001

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def widget(x):
    ### BEGIN SOLUTION
    return Tensor()
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "later-widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def later_widget():
    ### BEGIN SOLUTION
    return Later()
    ### END SOLUTION
