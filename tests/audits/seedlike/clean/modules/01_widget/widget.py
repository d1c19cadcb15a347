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
# Module 01: Widget

A minimal module that follows every rule: complete nbgrader metadata, an export
target, a solution cell with markers, and a graded, locked test cell whose call
sits under the `__main__` guard.
"""

# %% nbgrader={"grade": false, "grade_id": "widget-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def double(values):
    """Twice the input, as a float array.

    TODO: return the input multiplied by two.
    APPROACH: convert with np.asarray, then multiply.
    EXAMPLE: double([1, 2]) -> array([2., 4.])
    HINTS: one line is enough.
    """
    ### BEGIN SOLUTION
    return 2.0 * np.asarray(values, dtype=float)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_double():
    """Doubling [1, 2.5] gives [2, 5]."""
    assert double([1.0, 2.5]).tolist() == [2.0, 5.0]

if __name__ == "__main__":
    test_unit_double()

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test of the module."""
    test_unit_double()
    assert double([0.0]).tolist() == [0.0]

if __name__ == "__main__":
    test_module()
