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
# Widget: a fixture course with four grading defects, one of each kind

1. `test-scale` checks only the provided `scale` (GR001, BITE002).
2. The region in `shift` is never checked by a graded test (BITE003).
3. The region of `Counter` covers the class body (GR002, BITE005).
4. `widget-helpers` is not locked, yet `test-double` uses `expected_double` (GR003).
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

# %% nbgrader={"grade": true, "grade_id": "test-scale", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_scale():
    """Tests provided code only."""
    assert np.allclose(scale([1, 2], 3), [3, 6])

if __name__ == "__main__":
    test_unit_scale()

# %% nbgrader={"grade": false, "grade_id": "widget-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
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
    """double() against the helper's expectation; shift() is never checked."""
    assert np.allclose(double([1, 2]), expected_double([1, 2]))

if __name__ == "__main__":
    test_unit_double()

# %% nbgrader={"grade": false, "grade_id": "counter", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Counter:
    """TODO: count calls of tick()."""

    ### BEGIN SOLUTION
    def __init__(self):
        self.count = 0

    def tick(self):
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
