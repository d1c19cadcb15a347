# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.layers
#| export
import numpy as np

# %% [markdown]
"""
# Layers

The array every later module computes with.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Tensor:
    """An n-dimensional array."""

    def __init__(self, data):
        ### BEGIN SOLUTION
        self.data = np.asarray(data, dtype=np.float32)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-tensor", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_tensor():
    assert Tensor([1, 2]).data.shape == (2,)


if __name__ == "__main__":
    test_unit_tensor()
