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
# Module 14: Profiling - stub

A small stand-in so the realistic compression source has neighbours.
"""

# %% nbgrader={"grade": false, "grade_id": "profiling-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp optimization.profiling
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "profiling-impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Profiler:
    """Counts parameters."""

    def count_parameters(self, model):
        ### BEGIN SOLUTION
        return sum(p.data.size for p in model.parameters())
        ### END SOLUTION
