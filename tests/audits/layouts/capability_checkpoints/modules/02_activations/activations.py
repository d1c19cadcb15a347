# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.activations
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
# Activations

Built on module 01's Tensor.
"""

# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def relu(x):
    """The elementwise max(0, x)."""
    ### BEGIN SOLUTION
    return Tensor(np.maximum(x.data, 0))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-relu", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_relu():
    assert relu(Tensor([-1.0, 2.0])).data.tolist() == [0.0, 2.0]


if __name__ == "__main__":
    test_unit_relu()
