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
# Module 11: Embeddings - stub

A small stand-in so the realistic compression source has neighbours.
"""

# %% nbgrader={"grade": false, "grade_id": "embeddings-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp text.embeddings
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "embeddings-impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class EmbeddingsThing:
    """Wraps a numpy array."""

    def __init__(self, data):
        ### BEGIN SOLUTION
        self.data = np.asarray(data, dtype=np.float32)
        ### END SOLUTION
