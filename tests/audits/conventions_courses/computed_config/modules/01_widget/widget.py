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

A widget doubles numbers.
"""

# %% nbgrader={"grade": false, "grade_id": "widget-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def double(values):
    """Twice every value, as a float array.

    TODO: multiply by two.
    """
    ### BEGIN SOLUTION
    return np.asarray(values, dtype=float) * 2
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_double():
    """Doubling [1, 2] gives [2, 4]."""
    assert double([1, 2]).tolist() == [2.0, 4.0]
    ### BEGIN HIDDEN TESTS
    assert double([-3]).tolist() == [-6.0]
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_double()
