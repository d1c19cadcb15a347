# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
"""
# Widget: the defects fixture with every defect fixed (every graded test bites)
"""

# %% nbgrader={"grade": false, "grade_id": "widget-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "provided-scale", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| export
def scale(values, factor):
    """Provided: multiply every value by factor."""
    return np.asarray(values, dtype=float) * factor

# %% nbgrader={"grade": false, "grade_id": "widget-helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def expected_double(values):
    """The expected result of double(), computed independently."""
    return [2 * v for v in values]

# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def double(values):
    """TODO: return every value times two, as a numpy array."""
    ### BEGIN SOLUTION
    return np.asarray(values, dtype=float) * 2
    ### END SOLUTION


def shift(values, offset):
    """TODO: add offset to every value."""
    ### BEGIN SOLUTION
    return np.asarray(values, dtype=float) + offset
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_double():
    """double() against the helper's expectation, and shift()."""
    assert np.allclose(double([1, 2]), expected_double([1, 2]))
    assert np.allclose(shift([1, 2], 0.5), [1.5, 2.5])

if __name__ == "__main__":
    test_unit_double()

# %% nbgrader={"grade": true, "grade_id": "test-scale", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_scale():
    """scale() and the student's double() agree."""
    assert np.allclose(scale([1, 2], 2), double([1, 2]))

if __name__ == "__main__":
    test_unit_scale()

# %% nbgrader={"grade": false, "grade_id": "counter", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Counter:
    """TODO: count calls of tick()."""

    def __init__(self):
        ### BEGIN SOLUTION
        self.count = 0
        ### END SOLUTION

    def tick(self):
        ### BEGIN SOLUTION
        self.count += 1
        return self.count
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-counter", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_counter():
    """Two ticks count two."""
    counter = Counter()
    counter.tick()
    assert counter.tick() == 2

if __name__ == "__main__":
    test_unit_counter()
