# fixture-at: modules/03_widget/widget.py
# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np
from tinytorch.core.tensor import Tensor
from tinytorch.core.tensor import Tensr  # expect: DEP002
from tinytorch.optimization.compression import prune  # expect: DEP002
import tinytorch.core.tensor

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def widget(x):
    ### BEGIN SOLUTION
    return Tensor()
    ### END SOLUTION
