# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.17.1
# ---

# %% [markdown]
"""
# Module 15: Quantization - stub

A small stand-in so the realistic compression source has neighbours.
"""

# %% nbgrader={"grade": false, "grade_id": "quantization-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp optimization.quantization
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "quantization-impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def quantize_int8(x):
    """Symmetric int8 quantization."""
    ### BEGIN SOLUTION
    scale = np.abs(x).max() / 127 or 1.0
    return np.round(x / scale).astype(np.int8), scale
    ### END SOLUTION
