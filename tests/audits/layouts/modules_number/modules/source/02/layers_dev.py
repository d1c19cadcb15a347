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
from tinytorch.core.tensor import Tensor
from tinytorch.nn.init import xavier

# %% [markdown]
"""
# Layers

Builds on the Tensor of the previous module.
"""

# %% nbgrader={"grade": false, "grade_id": "demo-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
from dataclasses import dataclass

# %% nbgrader={"grade": false, "grade_id": "linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
@dataclass
class LinearShape:
    rows: int
    cols: int


def linear(x, w):
    ### BEGIN SOLUTION
    return Tensor(x.data @ w.data)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "scale-student", "locked": false, "schema_version": 3, "solution": true, "task": false}
def scale(x):
    ### BEGIN SOLUTION
    return Tensor(x.data * 100)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "scale-export", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def scale(x):
    return Tensor(x.data)


# %% nbgrader={"grade": true, "grade_id": "test-linear", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_linear():
    out = linear(Tensor([[1.0, 2.0]]), Tensor([[1.0], [1.0]]))
    assert out.data.shape == (1, 1)


if __name__ == "__main__":
    test_unit_linear()
