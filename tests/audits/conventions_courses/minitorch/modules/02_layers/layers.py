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
# Module 02: Layers

A perceptron layer on top of Module 01 (Tensor). Its tests live in spec/02_layers/test_layers.py;
the old notes in minitorch/core/perceptron.py are gone.
Module 01 (Perceptrons) is where this started.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.layers
#| export
import numpy as np

from minitorch.core.tensor import Tensor
from minitorch.core.tensors import Tensor as Old

# %% nbgrader={"grade": false, "grade_id": "scale", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def scale(tensor, factor):
    """Multiply a tensor by a number.

    TODO: multiply the data.
    """
    ### BEGIN SOLUTION
    return Tensor(tensor.data * factor)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-scale", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_scale():
    """Scaling [1, 2] by 3 gives [3, 6]."""
    assert scale(Tensor([1, 2]), 3).data.tolist() == [3.0, 6.0]

if __name__ == "__main__":
    test_unit_scale()
