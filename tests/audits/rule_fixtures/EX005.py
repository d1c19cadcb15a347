# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "student", "locked": false, "schema_version": 3, "solution": false, "task": false}
def measure_sparsity(model):
    """Percent of zeros."""
    return 100.0 * model


def scale(x):
    """Student version."""
    return 2 * x

# %% nbgrader={"grade": false, "grade_id": "export", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def measure_sparsity(model):  # expect: EX005
    """Fraction of zeros."""
    return model


def scale(x):
    """Package version: only the docstring differs."""
    return 2 * x
