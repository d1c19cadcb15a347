# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 01: Tensor

A tensor wraps a numpy array. Module 02 (Perceptrons) builds on it.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.tensor
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "tensor", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Tensor:
    """An array with a shape."""

    def __init__(self, data):
        """Store the data as a float array.

        TODO: convert with numpy.
        """
        ### BEGIN SOLUTION
        self.data = np.asarray(data, dtype=float)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-tensor", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_tensor():
    """A list becomes a float array."""
    assert Tensor([1, 2]).data.dtype == np.float64

if __name__ == "__main__":
    test_unit_tensor()
